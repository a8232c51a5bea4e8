/**
 * @module apiserver/patch/strategic-merge — Kubernetes strategic merge patch, the body of
 * `kubectl apply` (client-side), `edit`, `set image`, `rollout restart` and `patch` for built-in
 * kinds. Lists follow the schema's patch strategy: replaced, merged by key, or unioned;
 * directives (`$patch`, `$retainKeys`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…`) steer
 * the merge and never appear in the result. Unknown paths merge maps and replace lists.
 */
import type { SchemaRegistry } from '../../api/schema/model.ts';
import type { JsonObject } from '../../api/kinds/types.ts';
import { clone, deepEqual, isObject, setKey } from './json-util.ts';
import { childOf, isDeclaredField, itemShape, rootShape, smpListMode, type Shape } from './shape.ts';

/** StrategicMergeResult is the patched object or why the patch is malformed. */
export type StrategicMergeResult = { ok: true; doc: JsonObject } | { ok: false; message: string };

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const ORDER_PREFIX = '$setElementOrder/';
const DELETE_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList/';

/** DELETED marks a map removed by `$patch: delete`. */
const DELETED: unique symbol = Symbol('deleted');

/** BadPatch is thrown inside this module only and turned into a result at the boundary. */
class BadPatch extends Error {}

type Obj = Record<string, unknown>;

function show(v: unknown): string {
  return JSON.stringify(v);
}

/** applyStrategicMergePatch applies a strategic merge patch to a copy of `target`, reading list
 * strategies from the schema of `structName` in `registry`. */
export function applyStrategicMergePatch(
  target: unknown, patch: unknown, structName: string, registry: SchemaRegistry,
): StrategicMergeResult {
  if (!isObject(patch)) return { ok: false, message: `strategic merge patch must be a JSON object, got ${Array.isArray(patch) ? 'an array' : typeof patch}` };
  try {
    const out = mergeMap(isObject(target) ? clone(target) : undefined, clone(patch), rootShape(structName, registry), registry);
    return { ok: true, doc: out === DELETED ? {} : out };
  } catch (e) {
    if (e instanceof BadPatch) return { ok: false, message: e.message };
    throw e;
  }
}

/** mergeMap merges patch map `patch` into `orig` (which it may modify), or returns DELETED. */
function mergeMap(orig: Obj | undefined, patch: Obj, shape: Shape, reg: SchemaRegistry): Obj | typeof DELETED {
  if (Object.hasOwn(patch, PATCH)) {
    const d = patch[PATCH];
    if (d === 'delete') return DELETED;
    if (d === 'replace') {
      const rest = { ...patch };
      delete rest[PATCH];
      return mergeMap(undefined, rest, shape, reg);
    }
    if (d !== 'merge') throw new BadPatch(`unknown patch type: ${show(d)} in map: ${show(patch)}`);
  }
  const out: Obj = orig ?? {};
  if (Object.hasOwn(patch, RETAIN_KEYS)) retainKeys(out, patch);
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(DELETE_PRIMITIVE_PREFIX)) continue;
    const field = k.slice(DELETE_PRIMITIVE_PREFIX.length);
    if (!Array.isArray(v)) throw new BadPatch(`invalid patch format of primitive list: ${k} must be a list`);
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
  }
  for (const [k, pv] of Object.entries(patch)) {
    // directives are handled around this loop and unknown ones ignored, but a declared field
    // named `$…` (JSONSchemaProps `$ref`, `$schema`) is data
    if (k.startsWith('$') && !isDeclaredField(shape, k)) continue;
    if (pv === null) { delete out[k]; continue; }
    const child = childOf(shape, k, reg);
    const order = patch[ORDER_PREFIX + k];
    const merged = mergeValue(Object.hasOwn(out, k) ? out[k] : undefined, pv, child.shape, child.field?.patchStrategy, order, reg);
    if (merged === DELETED) delete out[k];
    else setKey(out, k, merged);
  }
  for (const [k, order] of Object.entries(patch)) {
    if (!k.startsWith(ORDER_PREFIX)) continue;
    const field = k.slice(ORDER_PREFIX.length);
    if (Object.hasOwn(patch, field)) continue; // already ordered while merging
    if (!Array.isArray(order)) throw new BadPatch(`invalid patch format of setElementOrder list: ${k} must be a list`);
    const cur = out[field];
    if (!Array.isArray(cur)) continue;
    const mode = smpListMode(childOf(shape, field, reg).shape);
    if (mode.mode === 'keyed') out[field] = normalizeOrder(cur, order, cur, (a, b) => sameKey(a, b, mode.keys));
    else if (mode.mode === 'primitive') out[field] = normalizeOrder(cur, order, cur, deepEqual);
  }
  return out;
}

function retainKeys(out: Obj, patch: Obj): void {
  const keys = patch[RETAIN_KEYS];
  if (!Array.isArray(keys)) throw new BadPatch(`invalid patch format of retainKeys: ${show(keys)} is not a list`);
  const keep = new Set(keys.map(String));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith('$')) continue;
    if (!keep.has(k)) throw new BadPatch(`invalid patch format of retainKeys: field ${show(k)} is not in $retainKeys ${show(keys)}`);
  }
  for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
}

/** mergeValue merges one patch value into the original value of a field. */
function mergeValue(
  ov: unknown, pv: unknown, shape: Shape, fieldStrategy: string | undefined, order: unknown, reg: SchemaRegistry,
): unknown {
  if (isObject(pv)) {
    const replace = fieldStrategy === 'replace';
    return mergeMap(!replace && isObject(ov) ? ov : undefined, pv, shape, reg);
  }
  if (Array.isArray(pv)) {
    if (order !== undefined && !Array.isArray(order)) throw new BadPatch(`invalid patch format of setElementOrder list: ${show(order)} is not a list`);
    const base = Array.isArray(ov) ? ov : [];
    const items = itemShape(shape, reg);
    const mode = smpListMode(shape);
    if (mode.mode === 'keyed') return mergeKeyedList(base, pv, mode.keys, items, order, reg);
    if (mode.mode === 'primitive' && !pv.some((x) => isObject(x) || Array.isArray(x))) {
      const union: unknown[] = [];
      for (const x of [...base, ...pv]) if (!union.some((u) => deepEqual(u, x))) union.push(x);
      return normalizeOrder(union, order ?? pv, base, deepEqual);
    }
    return replaceList(pv, items, reg);
  }
  return pv;
}

/** replaceList is the patch list itself, with directives processed out of its elements. */
function replaceList(pv: unknown[], items: Shape, reg: SchemaRegistry): unknown[] {
  const out: unknown[] = [];
  for (const el of pv) {
    if (isObject(el)) {
      const m = mergeMap(undefined, el, items, reg);
      if (m !== DELETED) out.push(m);
    } else if (Array.isArray(el)) out.push(replaceList(el, { t: 'unknown' }, reg));
    else out.push(el);
  }
  return out;
}

function sameKey(a: unknown, b: unknown, keys: readonly string[]): boolean {
  if (!isObject(a) || !isObject(b)) return false;
  return keys.every((k) => deepEqual(a[k], b[k]));
}

function checkKeys(el: Obj, keys: readonly string[]): void {
  const present = keys.filter((k) => el[k] !== undefined && el[k] !== null);
  if (present.length === 0) {
    throw new BadPatch(`map: ${show(el)} does not contain declared merge key: ${keys.join(',')}`);
  }
}

/** mergeKeyedList merges a list of maps by merge key, honouring `$patch` elements. */
function mergeKeyedList(
  base: unknown[], pv: unknown[], keys: readonly string[], items: Shape, order: unknown[] | undefined, reg: SchemaRegistry,
): unknown[] {
  let merged = base.slice();
  let replaceAll = false;
  const rest: Obj[] = [];
  for (const el of pv) {
    if (!isObject(el)) throw new BadPatch(`merging list by key ${keys.join(',')}: element ${show(el)} is not a map`);
    const d = el[PATCH];
    if (d === 'replace') { replaceAll = true; continue; }
    if (d === 'delete') {
      checkKeys(el, keys);
      merged = merged.filter((x) => !sameKey(x, el, keys));
      continue;
    }
    if (d !== undefined && d !== 'merge') throw new BadPatch(`unknown patch type: ${show(d)} in map: ${show(el)}`);
    checkKeys(el, keys);
    rest.push(el);
  }
  if (replaceAll) merged = [];
  for (const el of rest) {
    const i = merged.findIndex((x) => sameKey(x, el, keys));
    if (i >= 0) {
      const m = mergeMap(merged[i] as Obj, el, items, reg);
      if (m === DELETED) merged.splice(i, 1);
      else merged[i] = m;
    } else {
      const m = mergeMap(undefined, el, items, reg);
      if (m !== DELETED) merged.push(m);
    }
  }
  if (order) for (const o of order) if (isObject(o)) checkKeys(o, keys);
  return normalizeOrder(merged, order ?? rest, base, (a, b) => sameKey(a, b, keys));
}

/**
 * normalizeOrder orders a merged list as upstream's strategic merge does. The items named by the
 * order (`$setElementOrder/…`, or else the patch list itself) come in that order; the other
 * (server-only) items keep their original relative order. The two runs are interleaved: a
 * server-only item goes first only when both it and the next patch item are in the original list
 * and it came earlier there, so an item new to the list lands before the server-only items that
 * follow it (upstream's behaviour, not a plain append).
 */
function normalizeOrder(
  merged: unknown[], patchOrder: unknown[], serverOrder: unknown[], same: (a: unknown, b: unknown) => boolean,
): unknown[] {
  const idx = (list: unknown[], item: unknown): number => list.findIndex((x) => same(x, item));
  const rank = (list: unknown[], item: unknown): number => { const i = idx(list, item); return i < 0 ? Infinity : i; };
  const patchItems = merged.filter((m) => idx(patchOrder, m) >= 0);
  const serverOnly = merged.filter((m) => idx(patchOrder, m) < 0);
  patchItems.sort((a, b) => rank(patchOrder, a) - rank(patchOrder, b));
  serverOnly.sort((a, b) => rank(serverOrder, a) - rank(serverOrder, b) || 0);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (j >= patchItems.length) { out.push(serverOnly[i++]); continue; }
    if (i >= serverOnly.length) { out.push(patchItems[j++]); continue; }
    const li = idx(serverOrder, serverOnly[i]);
    const ri = idx(serverOrder, patchItems[j]);
    if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
    else out.push(patchItems[j++]);
  }
  return out;
}
