/**
 * @module api/schema/names — how windlass's short struct names (`core.v1.Pod`, `meta.v1.ObjectMeta`)
 * map to the OpenAPI definition names and protobuf message names that clients expect.
 *
 * Names that are not built-in (custom resource structs such as `com.example.v1.Widget`) pass
 * through unchanged.
 */

/** builtinApiGroups lists the short group prefixes whose structs live under `io.k8s.api.`. */
export const builtinApiGroups: readonly string[] = [
  'core', 'apps', 'batch', 'autoscaling', 'networking', 'rbac', 'coordination', 'discovery',
  'certificates', 'node', 'storage', 'policy', 'scheduling', 'authentication', 'authorization',
  'events', 'admissionregistration',
];

const API_RE = new RegExp(`^(${builtinApiGroups.join('|')})\\.(v[0-9][a-z0-9]*)\\.`);

/** Prefix pairs: [short prefix, OpenAPI prefix]. Order matters only for readability. */
const PREFIXES: readonly (readonly [string, string])[] = [
  ['meta.', 'io.k8s.apimachinery.pkg.apis.meta.'],
  ['runtime.', 'io.k8s.apimachinery.pkg.runtime.'],
  ['resource.', 'io.k8s.apimachinery.pkg.api.resource.'],
  ['intstr.', 'io.k8s.apimachinery.pkg.util.intstr.'],
  ['apiextensions.', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.'],
];

/** openapiName turns a short struct name into its OpenAPI definition name
 * (`core.v1.Pod` → `io.k8s.api.core.v1.Pod`); unknown prefixes are returned unchanged. */
export function openapiName(structName: string): string {
  for (const [short, long] of PREFIXES) {
    if (structName.startsWith(short)) return long + structName.slice(short.length);
  }
  if (API_RE.test(structName)) return `io.k8s.api.${structName}`;
  return structName;
}

/** shortStructName is the inverse of openapiName (`io.k8s.api.apps.v1.Deployment` → `apps.v1.Deployment`). */
export function shortStructName(openapi: string): string {
  for (const [short, long] of PREFIXES) {
    if (openapi.startsWith(long)) return short + openapi.slice(long.length);
  }
  if (openapi.startsWith('io.k8s.api.') && API_RE.test(openapi.slice('io.k8s.api.'.length))) {
    return openapi.slice('io.k8s.api.'.length);
  }
  return openapi;
}

/** protoMessageName is the fully qualified protobuf message of a built-in struct
 * (`core.v1.Pod` → `k8s.io.api.core.v1.Pod`), or undefined for non-built-in names. */
export function protoMessageName(structName: string): string | undefined {
  const long = openapiName(structName);
  if (!long.startsWith('io.k8s.')) return undefined;
  return `k8s.io.${long.slice('io.k8s.'.length)}`.replace('apiextensions-apiserver', 'apiextensions_apiserver');
}

/** structNameFromProto is the inverse of protoMessageName (`k8s.io.api.core.v1.Pod` → `core.v1.Pod`). */
export function structNameFromProto(message: string): string {
  const long = `io.k8s.${message.replace(/^k8s\.io\./, '')}`.replace('apiextensions_apiserver', 'apiextensions-apiserver');
  return shortStructName(long);
}

/** groupVersionOfStruct returns the short `<group>.<version>` prefix of a built-in struct name
 * (`apps.v1` for `apps.v1.Deployment`, `meta.v1` for meta, runtime, resource and intstr names). */
export function groupVersionOfStruct(structName: string): string {
  if (/^(runtime|resource|intstr)\./.test(structName)) return 'meta.v1';
  const parts = structName.split('.');
  return `${parts[0]}.${parts[1]}`;
}
