/**
 * @module api/schema/json-schema — converts OpenAPI v3 / JSON schemas into windlass struct
 * definitions. One core serves two callers: the dev-time generator (upstream component schemas,
 * where fields are `$ref`s to named components) and the runtime conversion of a CustomResourceDefinition's
 * `openAPIV3Schema` (inline objects, which get synthetic struct names from their field path).
 */
import type { FieldDef, StructDef, TypeRef } from './model.ts';
import type { JsonObject } from '../kinds/types.ts';
import { L, M, bool, bytes, dbl, i32, i64, ios, json, r, s, str } from './dsl.ts';

/** ConvertContext resolves what the core cannot decide alone. */
export interface ConvertContext {
  /** ref maps a `$ref` string ("#/components/schemas/X") to a type. */
  ref(ref: string): TypeRef;
  /** object turns an inline object schema found at `path` into a (named) type. */
  object(path: string, schema: JsonObject): TypeRef;
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** refOf returns the `$ref` of a schema written as `{$ref}` or `{allOf:[{$ref}]}`, if any. */
export function refOf(schema: JsonObject): string | undefined {
  if (typeof schema.$ref === 'string') return schema.$ref;
  const all = schema.allOf;
  if (Array.isArray(all) && all.length === 1 && isObj(all[0]) && typeof all[0].$ref === 'string') return all[0].$ref;
  return undefined;
}

/** typeFromJsonSchema converts one property or item schema found at `path`. */
export function typeFromJsonSchema(schema: JsonObject, ctx: ConvertContext, path: string): TypeRef {
  const ref = refOf(schema);
  if (ref !== undefined) return ctx.ref(ref);
  if (schema['x-kubernetes-int-or-string'] === true) return ios;
  const type = schema.type;
  const props = isObj(schema.properties) ? schema.properties : undefined;
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (type === 'array') {
    const items = isObj(schema.items) ? typeFromJsonSchema(schema.items, ctx, path) : json;
    const lt = schema['x-kubernetes-list-type'];
    const keys = schema['x-kubernetes-list-map-keys'];
    return L(items, {
      ...(lt === 'atomic' || lt === 'set' || lt === 'map' ? { t: lt } : {}),
      ...(Array.isArray(keys) ? { k: keys.map(String) } : {}),
      ...(typeof schema['x-kubernetes-patch-strategy'] === 'string' ? { ps: schema['x-kubernetes-patch-strategy'] } : {}),
      ...(typeof schema['x-kubernetes-patch-merge-key'] === 'string' ? { mk: schema['x-kubernetes-patch-merge-key'] } : {}),
    });
  }
  if (type === 'object' || (type === undefined && (props || schema.additionalProperties !== undefined))) {
    const mt = schema['x-kubernetes-map-type'];
    const mapType = mt === 'atomic' || mt === 'granular' ? mt : undefined;
    if (open) return json;
    if (!props && schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
      const values = isObj(schema.additionalProperties) ? typeFromJsonSchema(schema.additionalProperties, ctx, path) : json;
      return M(values, mapType);
    }
    return ctx.object(path, schema);
  }
  switch (type) {
    case 'string': {
      if (schema.format === 'byte') return bytes;
      const fmt = typeof schema.format === 'string' ? schema.format : undefined;
      const en = Array.isArray(schema.enum) ? schema.enum.map(String) : undefined;
      return fmt || en ? s('string', { ...(fmt ? { format: fmt } : {}), ...(en ? { enum: en } : {}) }) : str;
    }
    case 'integer':
      return schema.format === 'int32' ? i32 : i64;
    case 'number':
      return typeof schema.format === 'string' && schema.format !== 'double' ? s('double', { format: schema.format }) : dbl;
    case 'boolean':
      return bool;
    default:
      return json;
  }
}

/** fieldFromJsonSchema converts one property into a FieldDef (extensions, default, description). */
export function fieldFromJsonSchema(schema: JsonObject, required: boolean, ctx: ConvertContext, path: string): FieldDef {
  const type = typeFromJsonSchema(schema, ctx, path);
  const ps = schema['x-kubernetes-patch-strategy'];
  return {
    type,
    ...(required ? { required: true } : {}),
    ...(typeof ps === 'string' && type.kind !== 'list' ? { patchStrategy: ps } : {}),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    ...(schema.default !== undefined ? { default: schema.default } : {}),
  };
}

/** fieldsFromJsonSchema converts the `properties` of an object schema (sorted by name). */
export function fieldsFromJsonSchema(schema: JsonObject, ctx: ConvertContext, path: string): Record<string, FieldDef> {
  const props = isObj(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const out: Record<string, FieldDef> = {};
  for (const name of Object.keys(props).sort()) {
    const p = props[name];
    if (!isObj(p)) continue;
    out[name] = fieldFromJsonSchema(p, required.has(name), ctx, path ? `${path}.${name}` : name);
  }
  return out;
}

const OBJECT_META = 'meta.v1.ObjectMeta';

function withResourceFields(fields: Record<string, FieldDef>): Record<string, FieldDef> {
  return { ...fields, apiVersion: { type: str }, kind: { type: str }, metadata: { type: r(OBJECT_META) } };
}

/** structsFromJsonSchema converts a CRD `openAPIV3Schema` into structs, root first. Inline objects are
 * named after their field path (`<root>.spec`, `<root>.spec.template`; list items and map values take
 * the name of their list or map field). The root always gets `apiVersion`, `kind` and
 * `metadata: meta.v1.ObjectMeta`, as upstream serves custom resources; so does any object marked
 * `x-kubernetes-embedded-resource`. Objects with `x-kubernetes-preserve-unknown-fields` become `json`
 * (the model has no "typed but open" struct), and so does a root that preserves unknown fields. */
export function structsFromJsonSchema(rootName: string, schema: JsonObject): StructDef[] {
  const out: StructDef[] = [];
  const ctx: ConvertContext = {
    ref: () => json,
    object(path, obj) {
      const name = `${rootName}.${path}`;
      let fields = fieldsFromJsonSchema(obj, ctx, path);
      if (obj['x-kubernetes-embedded-resource'] === true) fields = withResourceFields(fields);
      out.push(makeStruct(name, fields, obj));
      return r(name);
    },
  };
  const rootFields = schema['x-kubernetes-preserve-unknown-fields'] === true && !isObj(schema.properties)
    ? withResourceFields({})
    : withResourceFields(fieldsFromJsonSchema(schema, ctx, ''));
  const root = makeStruct(rootName, rootFields, schema);
  const rest = out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [root, ...rest];
}

function makeStruct(name: string, fields: Record<string, FieldDef>, schema: JsonObject): StructDef {
  const mt = schema['x-kubernetes-map-type'];
  return {
    name,
    fields,
    ...(mt === 'atomic' || mt === 'granular' ? { mapType: mt } : {}),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
  };
}
