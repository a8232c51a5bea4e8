/**
 * @module api/conversion/json — small helpers for converting decoded JSON objects: copies that
 * share nothing with their input, presence tests, and typed readers for annotation payloads that
 * match keys the way Go's encoding/json does (exact first, then case-insensitively) and reject
 * values of the wrong type, as the upstream decoder does.
 */
import type { JsonObject } from '../kinds/types.ts';

/** isObj tells whether a value is a JSON object (not null, not an array). */
export function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** obj returns the value when it is a JSON object, else an empty object. */
export function obj(v: unknown): JsonObject {
  return isObj(v) ? v : {};
}

/** has tells whether a value is present (neither undefined nor null), as a Go pointer is non-nil. */
export function has(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** clone deep-copies a JSON value (undefined stays undefined). */
export function clone<T>(v: T): T {
  return v === undefined || v === null || typeof v !== 'object' ? v : structuredClone(v);
}

/** put sets `o[k]` to a copy of `v` when `v` is present (Go's omitempty on a pointer). */
export function put(o: JsonObject, k: string, v: unknown): void {
  if (has(v)) o[k] = clone(v);
}

/** BadPayload marks an annotation payload that the upstream decoder would reject. */
export class BadPayload extends Error {}

/** field reads `key` from `o` as Go's JSON decoder matches struct fields: exact key, else a case-insensitive match. */
export function field(o: JsonObject, key: string): unknown {
  if (key in o) return o[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

/** readStr reads a string field of a payload (undefined when absent or null; BadPayload on another type). */
export function readStr(o: JsonObject, key: string): string | undefined {
  const v = field(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadPayload(`${key}: not a string`);
  return v;
}

/** readInt reads an integer field of a payload (undefined when absent or null; BadPayload on another type). */
export function readInt(o: JsonObject, key: string): number | undefined {
  const v = field(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new BadPayload(`${key}: not an integer`);
  return v;
}

/** readQuantity reads a resource.Quantity field of a payload (a string or a number; undefined when absent or null). */
export function readQuantity(o: JsonObject, key: string): string | number | undefined {
  const v = field(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new BadPayload(`${key}: not a quantity`);
  return v;
}

/** readObj reads an object field of a payload (undefined when absent or null; BadPayload on another type). */
export function readObj(o: JsonObject, key: string): JsonObject | undefined {
  const v = field(o, key);
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new BadPayload(`${key}: not an object`);
  return v;
}

/** readList reads an array-of-objects field of a payload (undefined when absent or null). */
export function readList(o: JsonObject, key: string): JsonObject[] | undefined {
  const v = field(o, key);
  if (v === undefined || v === null) return undefined;
  return asObjectList(v);
}

/** asObjectList checks that a payload value is an array of objects (null items count as empty objects). */
export function asObjectList(v: unknown): JsonObject[] {
  if (!Array.isArray(v)) throw new BadPayload('not an array');
  return v.map((x) => {
    if (x === null) return {};
    if (!isObj(x)) throw new BadPayload('array item is not an object');
    return x;
  });
}
