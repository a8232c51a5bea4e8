/**
 * @module apiserver/patch/field-walk — walks objects by schema the way server-side apply sees them:
 * the field set a value sets (what an applier owns) and the comparison of two versions (which
 * paths were added, modified or removed by a write).
 */
import type { SchemaRegistry } from '../../api/schema/model.ts';
import { deepEqual, isEmptyValue, isObject, own } from './json-util.ts';
import { child, emptySet, fieldPE, insert, keyPE, union, valuePE, type FieldSet } from './fieldset.ts';
import { childOf, implicitEmpty, isDeclaredField, itemShape, ssaListMode, type Shape } from './shape.ts';

/** ValueKind is how SSA treats one value: a leaf (scalar or atomic), named fields/map keys,
 * a list keyed by fields, or a set of scalars. */
export type ValueKind = 'leaf' | 'fields' | 'list-map' | 'list-set';

/** kindOf classifies `v` under `shape` (unknown objects are granular maps, unknown lists atomic). */
export function kindOf(v: unknown, shape: Shape): ValueKind {
  switch (shape.t) {
    case 'leaf': return 'leaf';
    case 'struct':
    case 'map': return !shape.atomic && isObject(v) ? 'fields' : 'leaf';
    case 'list': {
      const m = ssaListMode(shape);
      if (m.mode === 'atomic' || !Array.isArray(v)) return 'leaf';
      return m.mode === 'set' ? 'list-set' : 'list-map';
    }
    case 'unknown': return isObject(v) ? 'fields' : 'leaf';
  }
}

/** itemPE names a list item by its key fields (schema defaults fill missing keys) or, in a set,
 * by its value. */
export function itemPE(item: unknown, listShape: Shape, registry: SchemaRegistry): string {
  const m = ssaListMode(listShape);
  if (m.mode !== 'map' || !isObject(item)) return valuePE(item);
  const items = itemShape(listShape, registry);
  const keys: Record<string, unknown> = {};
  for (const k of m.keys) {
    const v = own(item, k) ?? (items.t === 'struct' ? childOf(items, k, registry).field?.default : undefined);
    if (v !== undefined && v !== null) keys[k] = v;
  }
  return keyPE(keys);
}

/** listKeys returns the key field names of a keyed list shape. */
export function listKeys(listShape: Shape): readonly string[] {
  const m = ssaListMode(listShape);
  return m.mode === 'map' ? m.keys : [];
}

/** fieldSetOf returns the set of paths `value` sets: leaves, atomic values, map keys, list items. */
export function fieldSetOf(value: unknown, shape: Shape, registry: SchemaRegistry): FieldSet {
  const out = emptySet();
  collect(value, shape, registry, out);
  return out;
}

function collect(v: unknown, shape: Shape, reg: SchemaRegistry, node: FieldSet): void {
  switch (kindOf(v, shape)) {
    case 'leaf':
      node.member = true;
      return;
    case 'fields':
      for (const [key, cv] of Object.entries(v as Record<string, unknown>)) {
        const n = child(node, fieldPE(key));
        if (isEmptyValue(cv)) { n.member = true; continue; }
        collect(cv, childOf(shape, key, reg).shape, reg, n);
        if (!isDeclaredField(shape, key)) n.member = true;
      }
      return;
    case 'list-map': {
      const items = itemShape(shape, reg);
      for (const it of v as unknown[]) {
        const n = child(node, itemPE(it, shape, reg));
        n.member = true;
        collect(it, items, reg, n);
      }
      return;
    }
    case 'list-set':
      for (const it of v as unknown[]) child(node, valuePE(it)).member = true;
      return;
  }
}

/** Comparison is what changed between two versions of an object, as sets of paths. */
export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/** compare walks `before` and `after` together: paths only in `after` are added (containers
 * included), leaves whose value changed are modified, paths only in `before` are removed. */
export function compare(before: unknown, after: unknown, shape: Shape, registry: SchemaRegistry): Comparison {
  const c: Comparison = { added: emptySet(), modified: emptySet(), removed: emptySet() };
  cmp(before, after, shape, registry, [], c);
  return c;
}

function graft(target: FieldSet, path: readonly string[], sub: FieldSet): void {
  let cur = target;
  for (const pe of path) cur = child(cur, pe);
  const merged = union(cur, sub);
  cur.member = merged.member;
  cur.children.clear();
  for (const [pe, s] of merged.children) cur.children.set(pe, s);
}

/** cmp compares at `path`, a stack the walk pushes to and pops from (insert and graft copy what they keep). */
function cmp(l: unknown, r: unknown, shape: Shape, reg: SchemaRegistry, path: string[], c: Comparison): void {
  if (l === r) return; // the same value (often the same shared subtree, e.g. the spec of a status update): no change below

  const kl = l === undefined ? undefined : kindOf(l, shape);
  const kr = r === undefined ? undefined : kindOf(r, shape);
  const leafy = kl === 'leaf' || kr === 'leaf' || (kl !== undefined && kr !== undefined && kl !== kr);
  if (leafy || (isEmptyValue(l) && isEmptyValue(r))) {
    if (path.length === 0) return;
    if (l === undefined) insert(c.added, path);
    else if (r === undefined) insert(c.removed, path);
    else if (!deepEqual(l, r)) insert(c.modified, path);
    // a container replaced by a leaf (or the reverse): its contents went away (or came) too
    if (kl !== undefined && kl !== 'leaf' && kr !== kl) graft(c.removed, path, fieldSetOf(l, shape, reg));
    if (kr !== undefined && kr !== 'leaf' && kr !== kl) graft(c.added, path, fieldSetOf(r, shape, reg));
    return;
  }
  if (path.length) {
    if (l === undefined) insert(c.added, path);
    if (r === undefined) insert(c.removed, path);
  }
  switch (kl ?? kr) {
    case 'fields': {
      const lo = (l ?? {}) as Record<string, unknown>;
      const ro = (r ?? {}) as Record<string, unknown>;
      const field = (key: string): void => {
        const ch = childOf(shape, key, reg);
        const imp = implicitEmpty(ch);
        const cl = own(lo, key) ?? (Object.hasOwn(lo, key) ? null : imp);
        const cr = own(ro, key) ?? (Object.hasOwn(ro, key) ? null : imp);
        path.push(fieldPE(key));
        cmp(cl, cr, ch.shape, reg, path, c);
        path.pop();
      };
      // Every key of either side once, without building their union.
      for (const key of Object.keys(lo)) field(key);
      for (const key of Object.keys(ro)) if (!Object.hasOwn(lo, key)) field(key);
      return;
    }
    case 'list-map': {
      const items = itemShape(shape, reg);
      const lm = byPE((l ?? []) as unknown[], shape, reg);
      const rm = byPE((r ?? []) as unknown[], shape, reg);
      for (const [pe, li] of lm) {
        path.push(pe);
        cmp(li, rm.get(pe), items, reg, path, c);
        path.pop();
      }
      for (const [pe, ri] of rm) {
        if (lm.has(pe)) continue;
        path.push(pe);
        cmp(undefined, ri, items, reg, path, c);
        path.pop();
      }
      return;
    }
    case 'list-set': {
      const ls = new Set(((l ?? []) as unknown[]).map(valuePE));
      const rs = new Set(((r ?? []) as unknown[]).map(valuePE));
      for (const pe of ls) if (!rs.has(pe)) insert(c.removed, [...path, pe]);
      for (const pe of rs) if (!ls.has(pe)) insert(c.added, [...path, pe]);
      return;
    }
    case undefined:
      return;
  }
}

function byPE(list: unknown[], shape: Shape, reg: SchemaRegistry): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const it of list) {
    const pe = itemPE(it, shape, reg);
    if (!m.has(pe)) m.set(pe, it);
  }
  return m;
}
