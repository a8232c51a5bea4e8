/**
 * @module api/validation/json-schema-defaults — the decoding steps upstream runs on a custom
 * resource after pruning unknown fields and before validation: non-nullable `null`s without a
 * default are dropped, then `default` values of the CRD version's structural `openAPIV3Schema` are
 * filled in. Defaults apply only inside objects that exist (an absent parent is created only by a
 * default of its own) and to non-nullable `null`s; list items and map values default the same way.
 */
import type { JsonObject } from '../kinds/types.ts';

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** propertySchema is the schema of member `k` of an object: a property, else the additionalProperties schema. */
function propertySchema(schema: JsonObject, k: string): JsonObject | undefined {
  const props = schema.properties;
  if (isObj(props) && isObj(props[k])) return props[k];
  return isObj(schema.additionalProperties) ? schema.additionalProperties : undefined;
}

function itemSchema(schema: JsonObject): JsonObject | undefined {
  return isObj(schema.items) ? schema.items : undefined;
}

/** pruneJsonSchemaNulls removes, in place, object members that are `null` where the schema is
 * neither nullable nor defaulted (list items are kept; validation reports them). */
export function pruneJsonSchemaNulls(value: unknown, schema: JsonObject): void {
  if (Array.isArray(value)) {
    const items = itemSchema(schema);
    if (items) for (const x of value) pruneJsonSchemaNulls(x, items);
    return;
  }
  if (!isObj(value)) return;
  for (const k of Object.keys(value)) {
    const s = propertySchema(schema, k);
    if (!s) continue;
    if (value[k] === null) {
      if (s.default === undefined && s.nullable !== true) delete value[k];
      continue;
    }
    pruneJsonSchemaNulls(value[k], s);
  }
}

function isNonNullableNull(v: unknown, s: JsonObject | undefined): boolean {
  return v === null && s !== undefined && s.nullable !== true;
}

function defaultNode(value: unknown, schema: JsonObject): void {
  if (Array.isArray(value)) {
    const items = itemSchema(schema);
    if (!items) return;
    for (let i = 0; i < value.length; i++) {
      if (isNonNullableNull(value[i], items) && items.default !== undefined) value[i] = structuredClone(items.default);
      defaultNode(value[i], items);
    }
    return;
  }
  if (!isObj(value)) return;
  const props = isObj(schema.properties) ? schema.properties : {};
  for (const [k, p] of Object.entries(props)) {
    if (!isObj(p) || p.default === undefined) continue;
    if (!(k in value) || isNonNullableNull(value[k], p)) value[k] = structuredClone(p.default);
  }
  const extra = isObj(schema.additionalProperties) ? schema.additionalProperties : undefined;
  for (const k of Object.keys(value)) {
    const p = props[k];
    if (isObj(p)) defaultNode(value[k], p);
    else if (extra) {
      if (isNonNullableNull(value[k], extra) && extra.default !== undefined) value[k] = structuredClone(extra.default);
      defaultNode(value[k], extra);
    }
  }
}

/** applyJsonSchemaDefaults drops non-nullable nulls without defaults, then applies the schema's
 * `default`s to `value` in place, as upstream decodes a custom resource (after pruning). */
export function applyJsonSchemaDefaults(value: unknown, schema: JsonObject): void {
  pruneJsonSchemaNulls(value, schema);
  defaultNode(value, schema);
}
