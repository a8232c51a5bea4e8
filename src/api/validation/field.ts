/**
 * @module api/validation/field — builders for FieldErrors with apimachinery's field paths
 * (`spec.containers[0].name`, `data[key]`) and Go-style renderings of the few bad values whose
 * text users know by heart (`map[string]string{"app":"x"}`, `v1.LabelSelector{…}`).
 */
import type { FieldError } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';

/** child appends `.name` segments to a path ("" is the root). */
export function child(path: string, ...names: string[]): string {
  let p = path;
  for (const n of names) p = p ? `${p}.${n}` : n;
  return p;
}
/** index appends `[i]`. */
export function index(path: string, i: number): string { return `${path}[${i}]`; }
/** key appends `[k]` (map keys). */
export function key(path: string, k: string): string { return `${path}[${k}]`; }

/** required: `path: Required value[: detail]`. */
export function required(field: string, detail = ''): FieldError {
  return detail ? { type: 'FieldValueRequired', field, detail } : { type: 'FieldValueRequired', field };
}
/** invalid: `path: Invalid value: <value>: detail`. */
export function invalid(field: string, badValue: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, badValue, detail };
}
/** invalidRaw: like invalid, with the bad value already rendered (Go syntax), e.g. `map[string]string{...}`. */
export function invalidRaw(field: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `${rendered}: ${detail}` };
}
/** notSupported: `path: Unsupported value: "x": supported values: "a", "b"`. */
export function notSupported(field: string, badValue: unknown, supported: readonly string[]): FieldError {
  return { type: 'FieldValueNotSupported', field, badValue, supported };
}
/** duplicate: `path: Duplicate value: "x"`. */
export function duplicate(field: string, badValue: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, badValue };
}
/** forbidden: `path: Forbidden: detail`. */
export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}
/** notFound: `path: Not found: "x"`. */
export function notFoundField(field: string, badValue: unknown): FieldError {
  return { type: 'FieldValueNotFound', field, badValue };
}
/** tooLong: `path: Too long: may not be more than N bytes`. */
export function tooLong(field: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field, detail: `may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` };
}
/** tooMany: `path: Too many: N: must have at most M items`. */
export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field, detail: `${actual}: must have at most ${max} items` };
}
/** typeInvalid: `path: Invalid value: "string": path in body must be of type integer: "string"` (OpenAPI wording). */
export function typeInvalid(field: string, expected: string, got: string): FieldError {
  return { type: 'FieldValueTypeInvalid', field, badValue: got, detail: `${field} in body must be of type ${expected}: ${JSON.stringify(got)}` };
}

/** nonNegative: `must be greater than or equal to 0` when v < 0 (ValidateNonnegativeField). */
export function nonNegative(v: unknown, field: string): FieldError[] {
  return typeof v === 'number' && v < 0 ? [invalid(field, v, 'must be greater than or equal to 0')] : [];
}

/** goStringMap renders a map as Go's %#v: `map[string]string{"a":"b", "c":"d"}` (keys sorted). */
export function goStringMap(m: Record<string, unknown> | undefined | null): string {
  if (!m) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(m[k]))}`).join(', ')}}`;
}

/** goLabelSelector renders a metav1.LabelSelector as Go's %#v, as "field is immutable" errors print it. */
export function goLabelSelector(sel: JsonObject | undefined | null): string {
  if (!sel) return 'null';
  const ml = sel.matchLabels && Object.keys(sel.matchLabels).length ? goStringMap(sel.matchLabels) : 'map[string]string(nil)';
  const exprs: JsonObject[] = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  const me = exprs.length
    ? `[]v1.LabelSelectorRequirement{${exprs.map((e) => {
      const vals: unknown[] = Array.isArray(e.values) ? e.values : [];
      const vs = vals.length ? `[]string{${vals.map((v) => JSON.stringify(String(v))).join(', ')}}` : '[]string(nil)';
      return `v1.LabelSelectorRequirement{Key:${JSON.stringify(String(e.key ?? ''))}, Operator:${JSON.stringify(String(e.operator ?? ''))}, Values:${vs}}`;
    }).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`;
}

/** deepEqual compares JSON values structurally (key order ignored; undefined members ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(ao[k], bo[k]));
}

/** arr reads an array field (anything else is empty). */
export function arr(v: unknown): JsonObject[] { return Array.isArray(v) ? v : []; }
/** obj reads an object field (anything else is empty). */
export function obj(v: unknown): JsonObject { return v && typeof v === 'object' && !Array.isArray(v) ? v : {}; }
/** text renders a scalar as a string (objects as JSON), for values of unknown type. */
export function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return v === undefined || v === null ? '' : JSON.stringify(v);
}
/** strs reads a list of scalars as strings. */
export function strs(v: unknown): string[] { return Array.isArray(v) ? v.map(text) : []; }
/** isSet tells whether a value is present (not undefined/null). */
export function isSet(v: unknown): boolean { return v !== undefined && v !== null; }
