/**
 * @module scripts/gen-schemas — dev tool: turns the upstream API reference data in
 * /work/shared/reference (OpenAPI v3 component schemas without descriptions, protobuf field numbers)
 * into windlass's own compact schema files in src/api/generated/ (one per group-version plus meta),
 * the protobuf embedding table and TypeScript interfaces (types.ts).
 *
 * The output is committed; the project builds and runs without the reference data. Usage:
 *   node scripts/gen-schemas.ts [referenceDir] [outDir]
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FieldDef, StructDef, TypeRef } from '../src/api/schema/model.ts';
import type { ProtoEmbed } from '../src/api/schema/dsl.ts';
import { L, M, bool, bytes, dbl, dur, fv1, i32, i64, ios, json, mtime, qty, r, raw, str, time } from '../src/api/schema/dsl.ts';
import { fieldsFromJsonSchema, type ConvertContext } from '../src/api/schema/json-schema.ts';
import { groupVersionOfStruct, protoMessageName, shortStructName, structNameFromProto } from '../src/api/schema/names.ts';
import { emitTypes } from './gen-schemas-types.ts';

type Json = Record<string, any>;
interface ProtoField { number: number; label: string; type: string; keyType?: string; valueType?: string }
interface ProtoMessage { fields: Record<string, ProtoField> }

const refDir = process.argv[2] ?? '/work/shared/reference';
const outDir = process.argv[3] ?? join(import.meta.dirname, '..', 'src', 'api', 'generated');

/** Component schemas that become special types rather than structs. */
const SPECIAL_OPENAPI: Record<string, TypeRef> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': ios,
  'io.k8s.apimachinery.pkg.api.resource.Quantity': qty,
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': time,
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': mtime,
  'io.k8s.apimachinery.pkg.runtime.RawExtension': raw,
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': fv1,
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': json,
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': json,
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': json,
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': json,
};
/** Component schemas that are neither structs nor field types (request-body placeholders). */
const SKIP_OPENAPI = new Set(['io.k8s.apimachinery.pkg.apis.meta.v1.Patch']);
/** Protobuf messages with a special JSON form (never structs). */
const SPECIAL_PROTO: Record<string, TypeRef> = {
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': ios,
  'k8s.io.apimachinery.pkg.api.resource.Quantity': qty,
  'k8s.io.apimachinery.pkg.api.resource.QuantityValue': qty,
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': time,
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': mtime,
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration': dur,
  'k8s.io.apimachinery.pkg.apis.meta.v1.Timestamp': time,
  'k8s.io.apimachinery.pkg.runtime.RawExtension': raw,
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': fv1,
  'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON': json,
  'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': json,
  'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': json,
  'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': json,
};
const PROTO_SCALAR: Record<string, TypeRef> = { string: str, int32: i32, int64: i64, bool, bytes, double: dbl };

const warnings: string[] = [];

// ---------------------------------------------------------------- load reference data
const components: Record<string, Json> = {};
const groupVersions = new Set<string>();
for (const file of readdirSync(join(refDir, 'openapi-v3')).sort()) {
  if (!file.endsWith('.json')) continue;
  const doc = JSON.parse(readFileSync(join(refDir, 'openapi-v3', file), 'utf8'));
  const m = /^(?:api__v1|apis__(.+)__(v[0-9a-z]+))\.json$/.exec(file);
  if (m) groupVersions.add(m[1] ? `${m[1]}/${m[2]}` : '/v1');
  for (const [name, schema] of Object.entries<Json>(doc.components.schemas)) components[name] ??= schema;
}
const proto: Record<string, ProtoMessage> = JSON.parse(readFileSync(join(refDir, 'protobuf-fields.json'), 'utf8'));
const protoOf = (structName: string): ProtoMessage | undefined => proto[protoMessageName(structName) ?? ''];
const openapiByShort = new Map<string, string>();
for (const name of Object.keys(components)) openapiByShort.set(shortStructName(name), name);

// ---------------------------------------------------------------- build structs
interface Draft { name: string; fields: Record<string, FieldDef>; gvk?: { group: string; version: string; kind: string }[]; mapType?: 'atomic' | 'granular' }
const drafts = new Map<string, Draft>();
const embeds: Record<string, ProtoEmbed[]> = {};
/** JSON schemas of structs synthesized for Go-embedded messages that OpenAPI does not name. */
const synthesized = new Map<string, Json>();

const builtinCtx: ConvertContext = {
  ref(ref) {
    const target = ref.replace('#/components/schemas/', '');
    const special = SPECIAL_OPENAPI[target];
    if (special) return special;
    if (!components[target] || SKIP_OPENAPI.has(target)) warnings.push(`unresolved ref ${target}`);
    return r(shortStructName(target));
  },
  object(path) {
    throw new Error(`built-in schema has an inline object at ${path}`);
  },
};

function draftFromSchema(name: string, schema: Json): Draft {
  const fields = fieldsFromJsonSchema(schema, builtinCtx, '');
  const gvk = Array.isArray(schema['x-kubernetes-group-version-kind'])
    ? (schema['x-kubernetes-group-version-kind'] as Json[])
      .filter((g) => groupVersions.has(`${g.group}/${g.version}`))
      .map((g) => ({ group: String(g.group), version: String(g.version), kind: String(g.kind) }))
    : undefined;
  const mt = schema['x-kubernetes-map-type'];
  return {
    name, fields,
    ...(gvk && gvk.length ? { gvk } : {}),
    ...(mt === 'atomic' || mt === 'granular' ? { mapType: mt } : {}),
  };
}

const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** jsonFieldsOfMessage: the JSON property names a (possibly embedded) proto message contributes. */
function jsonFieldsOfMessage(message: string): string[] {
  const openapi = openapiByShort.get(structNameFromProto(message));
  if (openapi && components[openapi]?.properties) return Object.keys(components[openapi].properties);
  return Object.keys(proto[message]?.fields ?? {});
}

function protoType(field: ProtoField): TypeRef {
  const one = (t: string): TypeRef => {
    if (PROTO_SCALAR[t]) return PROTO_SCALAR[t];
    if (SPECIAL_PROTO[t]) return SPECIAL_PROTO[t];
    if (t.endsWith('.ExtraValue')) return L(str);
    return r(structNameFromProto(t));
  };
  if (field.type === 'map') return M(one(field.valueType ?? 'string'));
  return field.label === 'repeated' ? L(one(field.type)) : one(field.type);
}

function sameScalar(a: TypeRef, b: TypeRef): boolean {
  if (a.kind === 'list' && b.kind === 'list') return sameScalar(a.items, b.items);
  if (a.kind === 'map' && b.kind === 'map') return sameScalar(a.values, b.values);
  if (a.kind === 'scalar' && b.kind === 'scalar') return a.scalar === b.scalar;
  return a.kind !== 'scalar' && b.kind !== 'scalar';
}

function overlayProto(draft: Draft, message: ProtoMessage | undefined, schema: Json | undefined): void {
  if (!message) return;
  const byNorm = new Map<string, string>();
  for (const json of Object.keys(draft.fields)) byNorm.set(norm(json), json);
  const matched = new Set<string>();
  const pending: [string, ProtoField][] = [];
  for (const [pname, pf] of Object.entries(message.fields)) {
    const jname = byNorm.get(norm(pname));
    if (!jname) { pending.push([pname, pf]); continue; }
    matched.add(jname);
    const old = draft.fields[jname];
    let type = old.type;
    if (pf.type === 'k8s.io.apimachinery.pkg.apis.meta.v1.Duration' && type.kind === 'scalar') type = dur;
    else if (!sameScalar(type, protoType(pf))) warnings.push(`${draft.name}.${jname}: OpenAPI and proto types differ`);
    draft.fields[jname] = { ...old, type, proto: pf.number, ...(pname !== jname ? { protoName: pname } : {}) };
  }
  for (const [pname, pf] of pending) {
    const unmatched = Object.keys(draft.fields).filter((j) => !matched.has(j));
    const inner = jsonFieldsOfMessage(pf.type);
    const free = new Set(unmatched.map(norm));
    if (pf.label !== 'repeated' && proto[pf.type] && inner.length && inner.every((j) => free.has(norm(j)))) {
      const struct = structNameFromProto(pf.type);
      (embeds[draft.name] ??= []).push({ field: pname, proto: pf.number, struct });
      for (const j of unmatched) if (inner.some((i) => norm(i) === norm(j))) matched.add(j);
      if (!openapiByShort.has(struct) && !synthesized.has(struct) && schema) {
        const props: Json = {};
        for (const j of unmatched) if (inner.some((i) => norm(i) === norm(j))) props[j] = schema.properties[j];
        synthesized.set(struct, { type: 'object', properties: props });
      }
      continue;
    }
    warnings.push(`${draft.name}: proto field ${pname} has no JSON property`);
  }
}

for (const name of Object.keys(components).sort()) {
  if (SPECIAL_OPENAPI[name] || SKIP_OPENAPI.has(name)) continue;
  const short = shortStructName(name);
  const d = draftFromSchema(short, components[name]);
  overlayProto(d, protoOf(short), components[name]);
  drafts.set(short, d);
}
// Embedded messages without an OpenAPI schema (may embed further, so loop until stable).
for (let again = true; again;) {
  again = false;
  for (const [name, schema] of [...synthesized].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (drafts.has(name)) continue;
    const d = draftFromSchema(name, schema);
    const msgName = Object.keys(proto).find((k) => structNameFromProto(k) === name);
    overlayProto(d, msgName ? proto[msgName] : undefined, schema);
    drafts.set(name, d);
    again = true;
  }
}
// Protobuf-only messages (options, envelopes, autoscaling/v1 annotation types): typed from proto.
for (const key of Object.keys(proto).sort()) {
  const name = structNameFromProto(key);
  if (SPECIAL_PROTO[key] || drafts.has(name)) continue;
  const fields: Record<string, FieldDef> = {};
  for (const [pname, pf] of Object.entries(proto[key].fields)) fields[pname] = { type: protoType(pf), proto: pf.number };
  drafts.set(name, { name, fields });
}
// Every ref must resolve.
for (const d of drafts.values()) {
  const check = (t: TypeRef, where: string): void => {
    if (t.kind === 'ref' && !drafts.has(t.name)) warnings.push(`${where}: dangling ref ${t.name}`);
    if (t.kind === 'list') check(t.items, where);
    if (t.kind === 'map') check(t.values, where);
  };
  for (const [fname, fd] of Object.entries(d.fields)) check(fd.type, `${d.name}.${fname}`);
}

// ---------------------------------------------------------------- emit
function lit(v: unknown): string {
  return JSON.stringify(v);
}
function key(k: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : lit(k);
}
const SPECIAL_NAMES: Record<string, string> = {
  quantity: 'qty', intOrString: 'ios', time: 'time', microTime: 'mtime', duration: 'dur',
  rawExtension: 'raw', json: 'json', fieldsV1: 'fv1',
};
const SCALAR_NAMES: Record<string, string> = { string: 'str', int32: 'i32', int64: 'i64', boolean: 'bool', double: 'dbl', bytes: 'bytes' };
const used = new Set<string>();
function typeExpr(t: TypeRef): string {
  switch (t.kind) {
    case 'scalar': {
      if (t.format !== undefined || t.enum) {
        used.add('s');
        const o = [t.format !== undefined ? `format: ${lit(t.format)}` : '', t.enum ? `enum: ${lit(t.enum)}` : ''].filter(Boolean).join(', ');
        return `s(${lit(t.scalar)}, { ${o} })`;
      }
      used.add(SCALAR_NAMES[t.scalar]);
      return SCALAR_NAMES[t.scalar];
    }
    case 'special':
      used.add(SPECIAL_NAMES[t.special]);
      return SPECIAL_NAMES[t.special];
    case 'ref':
      used.add('r');
      return `r(${lit(t.name)})`;
    case 'list': {
      used.add('L');
      const o = [
        t.listType ? `t: ${lit(t.listType)}` : '',
        t.listMapKeys ? `k: ${lit(t.listMapKeys)}` : '',
        t.patchStrategy ? `ps: ${lit(t.patchStrategy)}` : '',
        t.patchMergeKey ? `mk: ${lit(t.patchMergeKey)}` : '',
      ].filter(Boolean).join(', ');
      return o ? `L(${typeExpr(t.items)}, { ${o} })` : `L(${typeExpr(t.items)})`;
    }
    case 'map':
      used.add('M');
      return t.mapType ? `M(${typeExpr(t.values)}, ${lit(t.mapType)})` : `M(${typeExpr(t.values)})`;
  }
}
function fieldExpr(fd: FieldDef): string {
  const o = [
    fd.required ? 'q: true' : '',
    fd.default !== undefined ? `d: ${lit(fd.default)}` : '',
    fd.patchStrategy ? `ps: ${lit(fd.patchStrategy)}` : '',
    fd.protoName ? `pn: ${lit(fd.protoName)}` : '',
  ].filter(Boolean).join(', ');
  const t = typeExpr(fd.type);
  if (o) return `f(${t}, ${fd.proto ?? 0}, { ${o} })`;
  return fd.proto ? `f(${t}, ${fd.proto})` : `f(${t})`;
}
function structExpr(d: Draft): string {
  const lines = Object.entries(d.fields).map(([k, fd]) => `    ${key(k)}: ${fieldExpr(fd)},`);
  const o = [
    d.gvk ? `gvk: [${d.gvk.map((g) => `[${lit(g.group)}, ${lit(g.version)}, ${lit(g.kind)}]`).join(', ')}]` : '',
    d.mapType ? `mt: ${lit(d.mapType)}` : '',
  ].filter(Boolean).join(', ');
  const body = lines.length ? `{\n${lines.join('\n')}\n  }` : '{}';
  return `  S(${lit(d.name)}, ${body}${o ? `, { ${o} }` : ''}),`;
}

const byFile = new Map<string, Draft[]>();
for (const d of [...drafts.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
  const gv = groupVersionOfStruct(d.name);
  if (!byFile.has(gv)) byFile.set(gv, []);
  byFile.get(gv)!.push(d);
}
mkdirSync(outDir, { recursive: true });
const HEADER = (what: string): string =>
  `/**\n * @module api/generated/${what} — GENERATED by scripts/gen-schemas.ts from Kubernetes 1.35 API reference\n` +
  ` * data (names, types, protobuf numbers, patch and list metadata). Do not edit by hand; regenerate.\n */\n`;
const files: string[] = [];
for (const [gv, list] of [...byFile].sort(([a], [b]) => (a < b ? -1 : 1))) {
  used.clear();
  const body = list.map(structExpr).join('\n');
  const fileEmbeds = list.filter((d) => embeds[d.name]);
  if (fileEmbeds.length) used.add('E');
  used.add('S'); used.add('f');
  const file = `${gv.replace('.', '-')}`;
  files.push(file);
  let text = HEADER(file);
  text += `import type { StructDef } from '../schema/model.ts';\n`;
  text += `import type { ProtoEmbed } from '../schema/dsl.ts';\n`;
  text += `import { ${[...used].sort().join(', ')} } from '../schema/dsl.ts';\n\n`;
  text += `/** structs: every ${gv} struct. */\nexport const structs: readonly StructDef[] = [\n${body}\n];\n\n`;
  text += `/** embeds: Go-embedded messages of ${gv} structs (JSON inlines them, protobuf nests them). */\n`;
  text += `export const embeds: Readonly<Record<string, readonly ProtoEmbed[]>> = {\n`;
  for (const d of fileEmbeds) {
    text += `  ${lit(d.name)}: [${embeds[d.name].map((e) => `E(${lit(e.field)}, ${e.proto}, ${lit(e.struct)})`).join(', ')}],\n`;
  }
  text += `};\n`;
  writeFileSync(join(outDir, `${file}.ts`), text);
}
const ident = (f: string): string => f.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
let index = HEADER('index');
index += `import type { StructDef } from '../schema/model.ts';\nimport type { ProtoEmbed } from '../schema/dsl.ts';\n`;
for (const f of files) index += `import * as ${ident(f)} from './${f}.ts';\n`;
index += `\n/** generatedStructs: every built-in struct, sorted by name within each group-version. */\n`;
index += `export const generatedStructs: readonly StructDef[] = [\n${files.map((f) => `  ...${ident(f)}.structs,`).join('\n')}\n];\n\n`;
index += `/** generatedEmbeds: protobuf embedding records of every built-in struct that has any. */\n`;
index += `export const generatedEmbeds: Readonly<Record<string, readonly ProtoEmbed[]>> = {\n${files.map((f) => `  ...${ident(f)}.embeds,`).join('\n')}\n};\n`;
writeFileSync(join(outDir, 'index.ts'), index);

const typesText = emitTypes([...drafts.values()] as StructDef[]);
writeFileSync(join(outDir, 'types.ts'), typesText);

for (const w of warnings) console.warn(`warning: ${w}`);
console.log(`wrote ${drafts.size} structs in ${files.length} files (+ index.ts, types.ts) to ${outDir}; ${warnings.length} warnings`);
