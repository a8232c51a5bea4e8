/**
 * @module apiserver/protobuf/tools/gen-test-registry — development script (never imported at run
 * time) that builds ../testdata/registry.json: model StructDefs (with `proto` numbers) for the
 * kinds kubectl sends as protobuf, derived from the reference facts in
 * /work/shared/reference (protobuf-fields.json for numbers and types, openapi-v3 for JSON names
 * and `required`). Tests use it so they do not depend on the generated project schemas.
 * Usage: `node gen-test-registry.ts [reference-dir]`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const refDir = process.argv[2] ?? '/work/shared/reference';
const ROOTS = [
  'k8s.io.api.apps.v1.Deployment', 'k8s.io.api.core.v1.ConfigMap', 'k8s.io.api.core.v1.Secret',
  'k8s.io.api.core.v1.Namespace', 'k8s.io.api.batch.v1.Job', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'k8s.io.api.authorization.v1.SelfSubjectAccessReview', 'k8s.io.api.authentication.v1.SelfSubjectReview',
  'k8s.io.api.core.v1.Service', 'k8s.io.api.events.v1.Event', 'k8s.io.api.core.v1.Pod',
  'k8s.io.apimachinery.pkg.apis.meta.v1.APIResource', 'k8s.io.api.authentication.v1.TokenReview',
  'k8s.io.api.authentication.v1.TokenRequest', 'k8s.io.api.policy.v1.Eviction',
];

const SPECIAL: Record<string, string> = {
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': 'microTime',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration': 'duration',
  'k8s.io.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'intOrString',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': 'rawExtension',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': 'fieldsV1',
  'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON': 'json',
};
const SCALAR: Record<string, string> = { string: 'string', int32: 'int32', int64: 'int64', double: 'double', bool: 'boolean', bytes: 'bytes' };

interface ProtoField { number: number; label: string; type: string; valueType?: string }
const proto: Record<string, { fields: Record<string, ProtoField> }> = JSON.parse(readFileSync(join(refDir, 'protobuf-fields.json'), 'utf8'));
const openapi: Record<string, any> = {};
for (const f of readdirSync(join(refDir, 'openapi-v3'))) {
  Object.assign(openapi, JSON.parse(readFileSync(join(refDir, 'openapi-v3', f), 'utf8')).components?.schemas ?? {});
}

function modelName(msg: string): string {
  return msg.replace(/^k8s\.io\.api\./, '').replace(/^k8s\.io\.apimachinery\.pkg\.apis\./, '')
    .replace(/^k8s\.io\.apiextensions_apiserver\.pkg\.apis\./, '');
}
function openapiName(msg: string): string {
  return msg.replace(/^k8s\.io\.api\./, 'io.k8s.api.').replace(/^k8s\.io\.apimachinery\./, 'io.k8s.apimachinery.')
    .replace(/^k8s\.io\.apiextensions_apiserver\./, 'io.k8s.apiextensions-apiserver.');
}
/** wrapped returns the scalar item type of a one-field `items` wrapper (ExtraValue, Verbs). */
function wrapped(msg: string): string | undefined {
  const f = proto[msg]?.fields;
  if (!f) return undefined;
  const keys = Object.keys(f);
  return keys.length === 1 && keys[0] === 'items' && f.items.label === 'repeated' && SCALAR[f.items.type] ? f.items.type : undefined;
}

const out: Record<string, unknown> = {};
const queue = [...ROOTS];
function typeRef(t: string): unknown {
  if (SCALAR[t]) return { kind: 'scalar', scalar: SCALAR[t] };
  if (SPECIAL[t]) return { kind: 'special', special: SPECIAL[t] };
  const w = wrapped(t);
  if (w) return { kind: 'list', items: { kind: 'scalar', scalar: SCALAR[w] } };
  queue.push(t);
  return { kind: 'ref', name: modelName(t) };
}
while (queue.length > 0) {
  const msg = queue.shift()!;
  const name = modelName(msg);
  if (out[name] || SPECIAL[msg]) continue;
  const def = proto[msg];
  if (!def) throw new Error(`no proto facts for ${msg}`);
  const schema = openapi[openapiName(msg)] ?? {};
  const props = Object.keys(schema.properties ?? {});
  const required = new Set<string>(schema.required ?? []);
  const fields: Record<string, unknown> = {};
  for (const [pname, f] of Object.entries(def.fields)) {
    const json = props.find((p) => p.toLowerCase() === pname.toLowerCase()) ?? pname;
    let type: unknown;
    if (f.type === 'map') type = { kind: 'map', values: typeRef(f.valueType!) };
    else if (f.label === 'repeated') type = { kind: 'list', items: typeRef(f.type) };
    else type = typeRef(f.type);
    fields[json] = { type, proto: f.number, ...(required.has(json) ? { required: true } : {}) };
  }
  if (props.includes('apiVersion') && !fields.apiVersion) {
    fields.apiVersion = { type: { kind: 'scalar', scalar: 'string' } };
    fields.kind = { type: { kind: 'scalar', scalar: 'string' } };
  }
  out[name] = { name, fields };
}
writeFileSync(join(import.meta.dirname, '..', 'testdata', 'registry.json'), `${JSON.stringify(out)}\n`);
process.stdout.write(`${Object.keys(out).length} structs\n`);
