/**
 * @module api/validation/json-schema-validate — validates a value (a custom resource) against an
 * OpenAPI v3 schema (a CRD version's `openAPIV3Schema`) and reports field errors in the words the
 * apiextensions apiserver uses (`spec.size: Invalid value: -1: spec.size in body should be greater
 * than or equal to 0`). Covers type, nullable, int-or-string, enum, numeric bounds, multipleOf,
 * string length, pattern, format, item and property counts, uniqueItems, required, properties,
 * additionalProperties, the value validations of allOf/anyOf/oneOf/not, embedded resources and
 * list-type set/map uniqueness. Given the old object (an update), errors inside values that did not
 * change are dropped, as upstream's validation ratcheting does. CEL `x-kubernetes-validations` are
 * not evaluated.
 */
import type { FieldError } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import { child, deepEqual, duplicate, index, invalid, notSupported, required, tooLong, tooMany, typeInvalid } from './field.ts';
import { stringFormatOk } from './json-schema-formats.ts';
import { isDNS1035Label } from '../selectors/index.ts';

/** OldValue wraps the old value at a path (absent on create, or when it cannot be correlated). */
interface OldValue { readonly v: unknown }

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** valueType names a JSON value's type as the OpenAPI validator does (integral numbers are integers). */
function valueType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

function typeMatches(type: string, v: unknown): boolean {
  const t = valueType(v);
  if (type === 'number') return t === 'number' || t === 'integer';
  return t === type;
}

/** goFloat renders a float64 as Go's %v does (shortest digits; exponent form below 1e-4 and from 1e6). */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return '0';
  const [mant, e] = n.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

const patterns = new Map<string, RegExp | null>();

/** compilePattern turns an RE2 pattern into a JS RegExp (null when it cannot be compiled). */
function compilePattern(p: string): RegExp | null {
  const known = patterns.get(p);
  if (known !== undefined) return known;
  let src = p.replace(/\(\?P</g, '(?<').replace(/\\z/g, '$').replace(/\\A/g, '^');
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    src = src.slice(lead[0].length);
    for (const f of lead[1]) if (f !== 'U' && !flags.includes(f)) flags += f;
  }
  let re: RegExp | null = null;
  try { re = new RegExp(src, `${flags}u`); } catch {
    try { re = new RegExp(src, flags); } catch { re = null; }
  }
  patterns.set(p, re);
  return re;
}

/** composite is an error of a combinator (anyOf, oneOf, allOf, not): upstream reports it without a field path. */
function composite(detail: string): FieldError {
  return { type: 'FieldValueInvalid', field: '<nil>', badValue: '', detail };
}

function hasDuplicates(list: readonly unknown[]): boolean {
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) if (deepEqual(list[i], list[j])) return true;
  return false;
}

class Validator {
  readonly errs: FieldError[] = [];

  node(v: unknown, s: JsonObject, path: string, old: OldValue | undefined): void {
    if (old && deepEqual(v, old.v)) return;
    const errs = this.errs;
    const type = typeof s.type === 'string' && s.type !== '' ? s.type : undefined;
    const intOrString = s['x-kubernetes-int-or-string'] === true;
    if (v === null || v === undefined) {
      if (s.nullable === true) return;
      const want = intOrString ? 'integer,string' : type;
      if (want) errs.push(typeInvalid(path, want, 'null'));
      return;
    }
    const got = valueType(v);
    if (type && !typeMatches(type, v)) errs.push(typeInvalid(path, type, got));
    if (intOrString && got !== 'integer' && got !== 'string') errs.push(typeInvalid(path, 'integer,string', got));
    this.combinators(v, s, path, old);
    if (typeof v === 'string') this.string(v, s, path);
    if (typeof v === 'number') this.number(v, s, path);
    if (Array.isArray(v)) this.array(v, s, path, old);
    if (Array.isArray(s.enum) && s.enum.length > 0 && !s.enum.some((e: unknown) => deepEqual(e, v))) {
      errs.push(notSupported(path, v, s.enum.map((e: unknown) => (typeof e === 'string' ? e : JSON.stringify(e)))));
    }
    if (isObj(v)) this.object(v, s, path, old);
  }

  private sub(v: unknown, s: unknown, path: string, old: OldValue | undefined): FieldError[] {
    if (!isObj(s)) return [];
    const inner = new Validator();
    inner.node(v, s, path, old);
    return inner.errs;
  }

  private combinators(v: unknown, s: JsonObject, path: string, old: OldValue | undefined): void {
    const q = JSON.stringify(path);
    if (Array.isArray(s.anyOf) && s.anyOf.length > 0) {
      let best: FieldError[] | undefined;
      let ok = false;
      for (const alt of s.anyOf) {
        const e = this.sub(v, alt, path, old);
        if (e.length === 0) { ok = true; best = undefined; break; }
        if (!best || e.length < best.length) best = e;
      }
      if (!ok) this.errs.push(composite(`${q} must validate at least one schema (anyOf)`));
      if (best) this.errs.push(...best);
    }
    if (Array.isArray(s.oneOf) && s.oneOf.length > 0) {
      let best: FieldError[] | undefined;
      let valid = 0;
      for (const alt of s.oneOf) {
        const e = this.sub(v, alt, path, old);
        if (e.length === 0) { valid++; best = undefined; continue; }
        if (valid === 0 && (!best || e.length < best.length)) best = e;
      }
      if (valid !== 1) this.errs.push(composite(`${q} must validate one and only one schema (oneOf). ${valid === 0 ? 'Found none valid' : `Found ${valid} valid alternatives`}`));
      if (best && valid === 0) this.errs.push(...best);
    }
    if (Array.isArray(s.allOf) && s.allOf.length > 0) {
      let valid = 0;
      for (const alt of s.allOf) {
        const e = this.sub(v, alt, path, old);
        if (e.length === 0) valid++;
        this.errs.push(...e);
      }
      if (valid !== s.allOf.length) this.errs.push(composite(`${q} must validate all the schemas (allOf)${valid === 0 ? '. None validated' : ''}`));
    }
    if (isObj(s.not) && this.sub(v, s.not, path, old).length === 0) {
      this.errs.push(composite(`${q} must not validate the schema (not)`));
    }
  }

  private string(v: string, s: JsonObject, path: string): void {
    const len = [...v].length;
    if (typeof s.maxLength === 'number' && len > s.maxLength) this.errs.push(tooLong(path, s.maxLength));
    if (typeof s.minLength === 'number' && len < s.minLength) this.errs.push(invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`));
    if (typeof s.pattern === 'string') {
      const re = compilePattern(s.pattern);
      if (re && !re.test(v)) this.errs.push(invalid(path, v, `${path} in body should match '${s.pattern}'`));
    }
    if (typeof s.format === 'string' && s.format !== '' && !stringFormatOk(s.format, v)) {
      this.errs.push({ type: 'FieldValueTypeInvalid', field: path, badValue: v, detail: `${path} in body must be of type ${s.format}: ${JSON.stringify(v)}` });
    }
  }

  private number(v: number, s: JsonObject, path: string): void {
    const isInt = Number.isInteger(v);
    const bound = (b: number): number => (isInt ? Math.trunc(b) : b);
    const show = (b: number): string => (isInt ? String(Math.trunc(b)) : goFloat(b));
    const fmt = typeof s.format === 'string' ? s.format : '';
    if (fmt === 'int32' && (!isInt || v < -2147483648 || v > 2147483647)) {
      this.errs.push(invalid(path, v, `${path} in body must be of type int32: "${isInt ? String(v) : goFloat(v)}"`));
    } else if (fmt === 'int64' && (!isInt || !Number.isSafeInteger(v))) {
      if (!isInt || Math.abs(v) > 9223372036854775807) this.errs.push(invalid(path, v, `${path} in body must be of type int64: "${isInt ? String(v) : goFloat(v)}"`));
    } else if (fmt === 'float' && Math.abs(v) > 3.4028234663852886e38) {
      this.errs.push(invalid(path, v, `${path} in body must be of type float: "${goFloat(v)}"`));
    }
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0) {
      const m = s.multipleOf;
      let bad: boolean;
      if (isInt && Number.isInteger(m)) bad = v % m !== 0;
      else {
        const mult = m < 1 ? (1 / m) * v : v / m;
        bad = !Number.isInteger(mult);
      }
      if (bad) this.errs.push(invalid(path, v, `${path} in body should be a multiple of ${show(m)}`));
    }
    if (typeof s.maximum === 'number') {
      const ex = s.exclusiveMaximum === true;
      const max = bound(s.maximum);
      if (ex ? v >= max : v > max) this.errs.push(invalid(path, v, `${path} in body should be less than ${ex ? '' : 'or equal to '}${show(s.maximum)}`));
    }
    if (typeof s.minimum === 'number') {
      const ex = s.exclusiveMinimum === true;
      const min = bound(s.minimum);
      if (ex ? v <= min : v < min) this.errs.push(invalid(path, v, `${path} in body should be greater than ${ex ? '' : 'or equal to '}${show(s.minimum)}`));
    }
  }

  private array(v: unknown[], s: JsonObject, path: string, old: OldValue | undefined): void {
    if (typeof s.minItems === 'number' && v.length < s.minItems) this.errs.push(invalid(path, v.length, `${path} in body should have at least ${s.minItems} items`));
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) this.errs.push(tooMany(path, v.length, s.maxItems));
    if (s.uniqueItems === true && hasDuplicates(v)) this.errs.push(invalid(path, '', `${path} in body shouldn't contain duplicates`));
    const listType = s['x-kubernetes-list-type'];
    const keys: string[] = listType === 'map' && Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'].map(String) : [];
    const oldList = old && Array.isArray(old.v) && keys.length > 0 ? (old.v as unknown[]) : undefined;
    if (isObj(s.items)) {
      for (let i = 0; i < v.length; i++) {
        let o: OldValue | undefined;
        if (oldList && isObj(v[i])) {
          const item = v[i] as JsonObject;
          const match = oldList.find((x) => isObj(x) && keys.every((k) => deepEqual(x[k], item[k])));
          if (match !== undefined) o = { v: match };
        }
        this.node(v[i], s.items, index(path, i), o);
      }
    }
    if (listType === 'set') this.listSet(v, path);
    else if (listType === 'map') this.listMap(v, path, keys);
  }

  private listSet(v: unknown[], path: string): void {
    const seen = new Map<string, number>();
    for (let i = 0; i < v.length; i++) {
      const k = JSON.stringify(v[i]);
      const times = seen.get(k) ?? 0;
      seen.set(k, times + 1);
      if (times === 1) this.errs.push(duplicate(index(path, i), v[i]));
    }
  }

  private listMap(v: unknown[], path: string, keys: readonly string[]): void {
    const seen = new Set<string>();
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (!isObj(x)) { this.errs.push(invalid(index(path, i), x, 'must be an object for an array of list-type map')); continue; }
      if (Object.keys(x).length === 0) { this.errs.push(invalid(index(path, i), x, 'must not be empty for an array of list-type map')); continue; }
      const kv: JsonObject = {};
      for (const k of keys) if (x[k] !== undefined) kv[k] = x[k];
      const id = JSON.stringify(keys.map((k) => x[k] ?? null));
      if (seen.has(id)) this.errs.push(duplicate(index(path, i), kv));
      else seen.add(id);
    }
  }

  private object(v: JsonObject, s: JsonObject, path: string, old: OldValue | undefined): void {
    const n = Object.keys(v).length;
    if (typeof s.maxProperties === 'number' && n > s.maxProperties) this.errs.push(tooMany(path, n, s.maxProperties));
    if (typeof s.minProperties === 'number' && n < s.minProperties) this.errs.push(invalid(path, n, `${path} in body should have at least ${s.minProperties} properties`));
    if (Array.isArray(s.required)) {
      for (const r of s.required) if (typeof r === 'string' && !Object.hasOwn(v, r)) this.errs.push(required(child(path, r)));
    }
    const props = isObj(s.properties) ? s.properties : {};
    const extra = s.additionalProperties;
    const oldObj = old && isObj(old.v) ? old.v : undefined;
    for (const k of Object.keys(v)) {
      const p = child(path, k);
      const o = oldObj && Object.hasOwn(oldObj, k) ? { v: oldObj[k] } : undefined;
      if (isObj(props[k])) this.node(v[k], props[k], p, o);
      else if (isObj(extra)) this.node(v[k], extra, p, o);
      else if (extra === false && s['x-kubernetes-preserve-unknown-fields'] !== true) {
        this.errs.push(invalid(path, '', `${p} in body is a forbidden property`));
      }
    }
    if (s['x-kubernetes-embedded-resource'] === true && path !== '') this.embedded(v, path);
  }

  private embedded(v: JsonObject, path: string): void {
    if (!Object.hasOwn(v, 'apiVersion')) this.errs.push(required(child(path, 'apiVersion'), 'must not be empty'));
    if (!Object.hasOwn(v, 'kind')) this.errs.push(required(child(path, 'kind'), 'must not be empty'));
    const av = v.apiVersion;
    if (Object.hasOwn(v, 'apiVersion')) {
      if (typeof av !== 'string') this.errs.push(invalid(child(path, 'apiVersion'), av, 'must be a string'));
      else if (av === '') this.errs.push(invalid(child(path, 'apiVersion'), av, 'must not be empty'));
      else if (av.split('/').length > 2 || av.startsWith('/') || av.endsWith('/')) {
        this.errs.push(invalid(child(path, 'apiVersion'), av, `unexpected GroupVersion string: ${av}`));
      }
    }
    const kind = v.kind;
    if (Object.hasOwn(v, 'kind')) {
      if (typeof kind !== 'string') this.errs.push(invalid(child(path, 'kind'), kind, 'must be a string'));
      else if (kind === '') this.errs.push(invalid(child(path, 'kind'), kind, 'must not be empty'));
      else {
        const bad = isDNS1035Label(kind.toLowerCase());
        if (bad.length > 0) this.errs.push(invalid(child(path, 'kind'), kind, `may have mixed case, but should otherwise match: ${bad.join(',')}`));
      }
    }
    const meta = v.metadata;
    if (meta !== undefined && meta !== null && !isObj(meta)) this.errs.push(typeInvalid(child(path, 'metadata'), 'object', valueType(meta)));
  }
}

/** validateJsonSchema validates `value` at `path` ("" for an object's root) against OpenAPI v3
 * `schema`; with `old` (an update), values equal to their old counterpart are not re-validated. */
export function validateJsonSchema(value: unknown, schema: JsonObject, path = '', old?: unknown): FieldError[] {
  const v = new Validator();
  v.node(value, schema, path, old === undefined ? undefined : { v: old });
  return v.errs;
}
