/**
 * @module api/validation/structure — structural checks of a decoded object against the schema
 * registry: unknown fields (reported as kubectl and the apiserver print them,
 * `spec.template.spec.containers[0].imagePullPolicyX`) and JSON type mismatches
 * (`spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`).
 * `pruneUnknown` returns a copy without the unknown fields, as `fieldValidation=Ignore` wants.
 */
import type { FieldError } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import type { SchemaRegistry, TypeRef } from '../schema/model.ts';
import { child, index, invalid, typeInvalid } from './field.ts';
import { QUANTITY_MESSAGE, isQuantity } from './quantity.ts';

/** StructureReport lists unknown field paths and type errors. */
export interface StructureReport { unknown: string[]; errors: FieldError[] }

const META_STRUCT = 'meta.v1.ObjectMeta';
const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** jsonTypeName names the JSON type of a value as OpenAPI does ("string", "integer", "number", "boolean", "object", "array", "null"). */
export function jsonTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

const isPlainObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

class Walker {
  readonly unknown: string[] = [];
  readonly errors: FieldError[] = [];
  private readonly registry: SchemaRegistry;
  constructor(registry: SchemaRegistry) { this.registry = registry; }

  /** walk checks `v` against `t` at `path` and returns the pruned copy. */
  walk(v: unknown, t: TypeRef, path: string, top = false): unknown {
    if (v === null || v === undefined) return v;
    switch (t.kind) {
      case 'ref': return this.struct(v, t.name, path, top);
      case 'list': {
        if (!Array.isArray(v)) { this.errors.push(typeInvalid(path, 'array', jsonTypeName(v))); return v; }
        return v.map((item, i) => this.walk(item, t.items, index(path, i)));
      }
      case 'map': {
        if (!isPlainObject(v)) { this.errors.push(typeInvalid(path, 'object', jsonTypeName(v))); return v; }
        const out: JsonObject = {};
        for (const [k, x] of Object.entries(v)) out[k] = this.walk(x, t.values, child(path, k));
        return out;
      }
      case 'scalar': {
        const got = jsonTypeName(v);
        const want = t.scalar === 'int32' || t.scalar === 'int64' ? 'integer'
          : t.scalar === 'double' ? 'number' : t.scalar === 'boolean' ? 'boolean' : 'string';
        const ok = want === 'number' ? typeof v === 'number' : got === want;
        if (!ok) this.errors.push(typeInvalid(path, want, got));
        return v;
      }
      case 'special': return this.special(v, t.special, path);
    }
  }

  private special(v: unknown, kind: Extract<TypeRef, { kind: 'special' }>['special'], path: string): unknown {
    const got = jsonTypeName(v);
    switch (kind) {
      case 'quantity':
        if (typeof v === 'string') { if (!isQuantity(v)) this.errors.push(invalid(path, v, QUANTITY_MESSAGE)); }
        else if (typeof v !== 'number') this.errors.push(typeInvalid(path, 'string', got));
        return v;
      case 'intOrString':
        if (got !== 'integer' && got !== 'string') this.errors.push(typeInvalid(path, 'integer-or-string', got));
        return v;
      case 'time': case 'microTime':
        if (typeof v !== 'string') this.errors.push(typeInvalid(path, 'string', got));
        else if (!RFC3339.test(v)) this.errors.push(invalid(path, v, 'must be an RFC 3339 date-time (e.g. 2006-01-02T15:04:05Z)'));
        return v;
      case 'duration':
        if (typeof v !== 'string') this.errors.push(typeInvalid(path, 'string', got));
        return v;
      case 'rawExtension': case 'fieldsV1':
        if (!isPlainObject(v)) this.errors.push(typeInvalid(path, 'object', got));
        return v;
      case 'json':
        return v;
    }
  }

  private struct(v: unknown, name: string, path: string, top: boolean): unknown {
    const def = this.registry.struct(name);
    if (!def) return v;
    if (!isPlainObject(v)) { this.errors.push(typeInvalid(path, 'object', jsonTypeName(v))); return v; }
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      const f = def.fields[k];
      const p = child(path, k);
      if (f) out[k] = this.walk(x, f.type, p);
      else if (top && TOP_LEVEL.has(k)) {
        if (k === 'metadata') out[k] = this.walk(x, { kind: 'ref', name: META_STRUCT }, p);
        else if (typeof x !== 'string' && x !== null && x !== undefined) { this.errors.push(typeInvalid(p, 'string', jsonTypeName(x))); out[k] = x; }
        else out[k] = x;
      } else this.unknown.push(p);
    }
    return out;
  }
}

/** checkStructure reports unknown fields and type errors of `obj` against struct `structName`. */
export function checkStructure(obj: JsonObject, structName: string, registry: SchemaRegistry): StructureReport {
  const w = new Walker(registry);
  w.walk(obj, { kind: 'ref', name: structName }, '', true);
  return { unknown: w.unknown, errors: w.errors };
}

/** pruneUnknown returns a deep copy of `obj` without the fields its schema does not know. */
export function pruneUnknown(obj: JsonObject, structName: string, registry: SchemaRegistry): JsonObject {
  const w = new Walker(registry);
  return w.walk(structuredClone(obj), { kind: 'ref', name: structName }, '', true) as JsonObject;
}

/** unknownFieldMessages renders unknown paths the way strict decoding reports them (`unknown field "spec.foo"`). */
export function unknownFieldMessages(unknown: readonly string[]): string[] {
  return unknown.map((p) => `unknown field ${JSON.stringify(p)}`);
}
