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

/** Walker checks a value against the schema. Paths are kept as a stack of segments and rendered
 * only for a finding; with `prune` it also returns a copy without the unknown fields (without,
 * it allocates nothing on the way and returns the value it was given). */
class Walker {
  readonly unknown: string[] = [];
  readonly errors: FieldError[] = [];
  private readonly registry: SchemaRegistry;
  private readonly prune: boolean;
  /** segs: the path to the value being walked (field names, and list indices as numbers). */
  private readonly segs: (string | number)[] = [];
  constructor(registry: SchemaRegistry, prune: boolean) { this.registry = registry; this.prune = prune; }

  /** path renders the current path as the apiserver prints it (`spec.containers[0].name`). */
  private path(): string {
    let p = '';
    for (const s of this.segs) p = typeof s === 'number' ? index(p, s) : child(p, s);
    return p;
  }

  /** walk checks `v` against `t` at the current path and returns the pruned copy (or `v`).
   * `base` is the value at the same path in a checked object: an object or array `v` shares with
   * it (the same reference) is not walked again. */
  walk(v: unknown, t: TypeRef, top = false, base?: unknown): unknown {
    if (v === null || v === undefined) return v;
    if (v === base && typeof v === 'object' && !this.prune) return v;
    switch (t.kind) {
      case 'ref': return this.struct(v, t.name, top, base);
      case 'list': {
        if (!Array.isArray(v)) { this.errors.push(typeInvalid(this.path(), 'array', jsonTypeName(v))); return v; }
        const out: unknown[] | undefined = this.prune ? new Array<unknown>(v.length) : undefined;
        const b = Array.isArray(base) ? base : undefined;
        for (let i = 0; i < v.length; i++) {
          this.segs.push(i);
          const x = this.walk(v[i], t.items, false, b?.[i]);
          this.segs.pop();
          if (out) out[i] = x;
        }
        return out ?? v;
      }
      case 'map': {
        if (!isPlainObject(v)) { this.errors.push(typeInvalid(this.path(), 'object', jsonTypeName(v))); return v; }
        const out: JsonObject | undefined = this.prune ? {} : undefined;
        const b = isPlainObject(base) ? base : undefined;
        for (const k in v) {
          this.segs.push(k);
          const x = this.walk(v[k], t.values, false, b?.[k]);
          this.segs.pop();
          if (out) out[k] = x;
        }
        return out ?? v;
      }
      case 'scalar': {
        const got = jsonTypeName(v);
        const want = t.scalar === 'int32' || t.scalar === 'int64' ? 'integer'
          : t.scalar === 'double' ? 'number' : t.scalar === 'boolean' ? 'boolean' : 'string';
        const ok = want === 'number' ? typeof v === 'number' : got === want;
        if (!ok) this.errors.push(typeInvalid(this.path(), want, got));
        return v;
      }
      case 'special': return this.special(v, t.special);
    }
  }

  private special(v: unknown, kind: Extract<TypeRef, { kind: 'special' }>['special']): unknown {
    const got = jsonTypeName(v);
    switch (kind) {
      case 'quantity':
        if (typeof v === 'string') { if (!isQuantity(v)) this.errors.push(invalid(this.path(), v, QUANTITY_MESSAGE)); }
        else if (typeof v !== 'number') this.errors.push(typeInvalid(this.path(), 'string', got));
        return v;
      case 'intOrString':
        if (got !== 'integer' && got !== 'string') this.errors.push(typeInvalid(this.path(), 'integer-or-string', got));
        return v;
      case 'time': case 'microTime':
        if (typeof v !== 'string') this.errors.push(typeInvalid(this.path(), 'string', got));
        else if (!RFC3339.test(v)) this.errors.push(invalid(this.path(), v, 'must be an RFC 3339 date-time (e.g. 2006-01-02T15:04:05Z)'));
        return v;
      case 'duration':
        if (typeof v !== 'string') this.errors.push(typeInvalid(this.path(), 'string', got));
        return v;
      case 'rawExtension': case 'fieldsV1':
        if (!isPlainObject(v)) this.errors.push(typeInvalid(this.path(), 'object', got));
        return v;
      case 'json':
        return v;
    }
  }

  private struct(v: unknown, name: string, top: boolean, base: unknown): unknown {
    const def = this.registry.struct(name);
    if (!def) return v;
    if (!isPlainObject(v)) { this.errors.push(typeInvalid(this.path(), 'object', jsonTypeName(v))); return v; }
    const out: JsonObject | undefined = this.prune ? {} : undefined;
    const b = isPlainObject(base) ? base : undefined;
    for (const k in v) {
      const x = v[k];
      const f = def.fields[k];
      this.segs.push(k);
      let y: unknown = x;
      if (f) y = this.walk(x, f.type, false, b?.[k]);
      else if (top && TOP_LEVEL.has(k)) {
        if (k === 'metadata') y = this.walk(x, META_REF, false, b?.[k]);
        else if (typeof x !== 'string' && x !== null && x !== undefined) this.errors.push(typeInvalid(this.path(), 'string', jsonTypeName(x)));
      } else this.unknown.push(this.path());
      this.segs.pop();
      if (out && (f || (top && TOP_LEVEL.has(k)))) out[k] = y;
    }
    return out ?? v;
  }
}

const META_REF: TypeRef = { kind: 'ref', name: META_STRUCT };

/** checkStructure reports unknown fields and type errors of `obj` against struct `structName`.
 * With `checked` (a version of the object that passed these checks, e.g. the stored one an update
 * starts from), objects and arrays `obj` shares with it by reference at the same path are skipped. */
export function checkStructure(obj: JsonObject, structName: string, registry: SchemaRegistry, checked?: JsonObject): StructureReport {
  const w = new Walker(registry, false);
  w.walk(obj, { kind: 'ref', name: structName }, true, checked);
  return { unknown: w.unknown, errors: w.errors };
}

/** pruneUnknown returns a deep copy of `obj` without the fields its schema does not know. */
export function pruneUnknown(obj: JsonObject, structName: string, registry: SchemaRegistry): JsonObject {
  const w = new Walker(registry, true);
  return w.walk(structuredClone(obj), { kind: 'ref', name: structName }, true) as JsonObject;
}

/** unknownFieldMessages renders unknown paths the way strict decoding reports them (`unknown field "spec.foo"`). */
export function unknownFieldMessages(unknown: readonly string[]): string[] {
  return unknown.map((p) => `unknown field ${JSON.stringify(p)}`);
}
