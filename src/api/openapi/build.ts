/**
 * @module api/openapi/build — assembles the OpenAPI documents kubectl and client libraries read:
 * one OpenAPI 3.0 document per group-version (`/openapi/v3/apis/<group>/<version>`) and one
 * Swagger 2.0 document for everything (`/openapi/v2`). Output is deterministic: object keys are
 * sorted, so equal inputs give byte-identical JSON.
 */
import type { SchemaRegistry, StructDef } from '../schema/model.ts';
import type { JsonObject, KindInfo } from '../kinds/types.ts';
import { SchemaEmitter, type Dialect } from './schemas.ts';
import { PathBuilder, apiPrefix, groupTag } from './paths.ts';

const INFO = { title: 'Kubernetes', version: 'unversioned' };
const BEARER = { type: 'apiKey', in: 'header', name: 'authorization', description: 'Bearer token authentication: "Bearer <token>".' };

/** sortKeys returns a deep copy with every object's keys in sorted order (arrays keep their order). */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as JsonObject)[k]);
    return out;
  }
  return v;
}

/** describer maps a kind's struct to the kind's description (a catalog KindFact carries one). */
function describer(kinds: readonly KindInfo[]): (s: StructDef) => string | undefined {
  const m = new Map<string, string>();
  for (const k of kinds) {
    const d = (k as { description?: unknown }).description;
    if (typeof d === 'string') m.set(k.schema, d);
  }
  return (s) => m.get(s.name);
}

function build(dialect: Dialect, kinds: readonly KindInfo[], registry: SchemaRegistry, all: readonly KindInfo[]): { paths: JsonObject; defs: JsonObject } {
  const emit = new SchemaEmitter(registry, dialect, describer(all));
  const pb = new PathBuilder(emit, dialect);
  const paths: JsonObject = {};
  const gvs = new Map<string, { group: string; version: string }>();
  for (const k of kinds) {
    pb.kindPaths(k, paths);
    gvs.set(`${k.group}/${k.version}`, { group: k.group, version: k.version });
  }
  for (const { group, version } of gvs.values()) {
    const def = emit.addStruct('meta.v1.APIResourceList');
    paths[`${apiPrefix(group, version)}/`] = {
      get: pb.op({
        id: `get${groupTag(group)[0].toUpperCase()}${groupTag(group).slice(1)}${version[0].toUpperCase()}${version.slice(1)}APIResources`,
        tag: `${groupTag(group)}_${version}`, action: 'get', gvk: { group: '', version: 'v1', kind: 'APIResourceList' },
        params: [], codes: ['200'], response: def, produces: ['application/json', 'application/vnd.kubernetes.protobuf', 'application/yaml'],
      }),
    };
    delete paths[`${apiPrefix(group, version)}/`].get['x-kubernetes-group-version-kind'];
    delete paths[`${apiPrefix(group, version)}/`].get['x-kubernetes-action'];
  }
  return { paths, defs: Object.fromEntries(emit.defs) };
}

/** buildOpenApiV3 is the OpenAPI 3.0 document of one group-version ("" group = core): the paths of
 * its kinds and every schema they reach. Pass the full kind list; other group-versions are skipped. */
export function buildOpenApiV3(group: string, version: string, kinds: readonly KindInfo[], registry: SchemaRegistry): JsonObject {
  const mine = kinds.filter((k) => k.group === group && k.version === version);
  const { paths, defs } = build('v3', mine, registry, kinds);
  return sortKeys({
    openapi: '3.0.0',
    info: INFO,
    paths,
    components: { schemas: defs, securitySchemes: { BearerToken: BEARER } },
    security: [{ BearerToken: [] }],
  }) as JsonObject;
}

/** buildOpenApiV2 is the Swagger 2.0 document of every given kind (all group-versions). */
export function buildOpenApiV2(kinds: readonly KindInfo[], registry: SchemaRegistry): JsonObject {
  const { paths, defs } = build('v2', kinds, registry, kinds);
  return sortKeys({
    swagger: '2.0',
    info: INFO,
    paths,
    definitions: defs,
    securityDefinitions: { BearerToken: BEARER },
    security: [{ BearerToken: [] }],
  }) as JsonObject;
}

/** openApiV3GroupVersions lists the distinct group-versions of `kinds` with their document paths
 * (`api/v1`, `apis/apps/v1`) as served under /openapi/v3/. */
export function openApiV3GroupVersions(kinds: readonly KindInfo[]): { group: string; version: string; path: string }[] {
  const seen = new Map<string, { group: string; version: string; path: string }>();
  for (const k of kinds) {
    const path = apiPrefix(k.group, k.version).slice(1);
    if (!seen.has(path)) seen.set(path, { group: k.group, version: k.version, path });
  }
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
