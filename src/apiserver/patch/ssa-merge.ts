/**
 * @module apiserver/patch/ssa-merge — the value side of server-side apply: merging an applied
 * configuration into the live object (maps by key, associative lists by their keys, sets by
 * value, atomic values replaced) and pruning fields the applier dropped that nobody owns.
 */
import type { SchemaRegistry } from '../../api/schema/model.ts';
import { clone, isEmptyValue, isObject, setKey } from './json-util.ts';
import { isEmpty, type FieldSet } from './fieldset.ts';
import { itemPE, kindOf, listKeys } from './field-walk.ts';
import { childOf, itemShape, type Shape } from './shape.ts';

/** ssaMerge merges `applied` into `live` (neither is modified). A null in `applied` removes the field. */
export function ssaMerge(live: unknown, applied: unknown, shape: Shape, registry: SchemaRegistry): unknown {
  if (applied === undefined) return clone(live);
  const kind = kindOf(applied, shape);
  switch (kind) {
    case 'leaf':
      return clone(applied);
    case 'fields': {
      const out: Record<string, unknown> = isObject(live) ? { ...live } : {};
      const a = applied as Record<string, unknown>;
      for (const k of Object.keys(out)) if (!Object.hasOwn(a, k)) setKey(out, k, clone(out[k]));
      for (const [k, v] of Object.entries(a)) {
        if (v === null) delete out[k];
        else setKey(out, k, ssaMerge(Object.hasOwn(out, k) ? out[k] : undefined, v, childOf(shape, k, registry).shape, registry));
      }
      return out;
    }
    case 'list-map':
    case 'list-set': {
      const items = itemShape(shape, registry);
      const peOf = (x: unknown): string => itemPE(x, shape, registry);
      const lhs = Array.isArray(live) ? live : [];
      return mergeLists(lhs, applied as unknown[], peOf,
        kind === 'list-set' ? (_l, r) => clone(r) : (l, r) => ssaMerge(l, r, items, registry));
    }
  }
}

/**
 * mergeLists merges two keyed lists like upstream: items only in `lhs` keep their places, items
 * in `rhs` come in `rhs` order (merged with their `lhs` counterpart when there is one).
 */
function mergeLists(lhs: unknown[], rhs: unknown[], peOf: (x: unknown) => string, mergeItem: (l: unknown, r: unknown) => unknown): unknown[] {
  const lPE = lhs.map(peOf);
  const rPE = rhs.map(peOf);
  const lMap = new Map<string, unknown>();
  lhs.forEach((x, i) => { if (!lMap.has(lPE[i])) lMap.set(lPE[i], x); });
  const rMap = new Map<string, unknown>();
  rhs.forEach((x, i) => { if (!rMap.has(rPE[i])) rMap.set(rPE[i], x); });
  const shared = rPE.filter((pe) => lMap.has(pe));
  const done = new Set<string>();
  let s = 0;
  const out: unknown[] = [];
  const take = (pe: string): void => {
    if (!done.has(pe)) { out.push(mergeItem(lMap.get(pe), rMap.get(pe))); done.add(pe); }
    while (s < shared.length && done.has(shared[s])) s++;
  };
  let li = 0;
  let ri = 0;
  while (li < lhs.length || ri < rhs.length) {
    if (li < lhs.length && ri < rhs.length && lPE[li] === rPE[ri]) { take(rPE[ri]); li++; ri++; continue; }
    if (li < lhs.length) {
      const pe = lPE[li];
      if (!rMap.has(pe)) { out.push(clone(lhs[li])); li++; continue; }
      if (done.has(pe) || pe !== shared[s]) { li++; continue; }
    }
    if (ri < rhs.length) { take(rPE[ri]); ri++; continue; }
    li++;
  }
  return out;
}

const ROOT_PROTECTED = ['apiVersion', 'kind', 'metadata'];

/**
 * pruneDropped removes from `value` (in place) what the applier owned last time (`last`) and no
 * manager owns now (`owned`, the new applied set included): a dropped field or list item goes
 * with everything below it; a container left empty by pruning goes too. Key fields of kept list
 * items and the object's identity (apiVersion, kind, metadata) are never removed.
 */
export function pruneDropped(value: unknown, shape: Shape, registry: SchemaRegistry, last: FieldSet, owned: FieldSet): unknown {
  return prune(value, shape, registry, last, owned, ROOT_PROTECTED);
}

function prune(v: unknown, shape: Shape, reg: SchemaRegistry, last: FieldSet, owned: FieldSet | undefined, keep: readonly string[]): unknown {
  const kind = kindOf(v, shape);
  if (kind === 'fields') {
    const obj = v as Record<string, unknown>;
    for (const [pe, lc] of last.children) {
      if (!pe.startsWith('f:')) continue;
      const key = pe.slice(2);
      if (!Object.hasOwn(obj, key) || keep.includes(key)) {
        if (key === 'metadata' && isObject(obj[key])) {
          prune(obj[key], childOf(shape, key, reg).shape, reg, lc, owned?.children.get(pe), []);
        }
        continue;
      }
      const oc = owned?.children.get(pe);
      const ownedAny = !isEmpty(oc);
      if (lc.member && !ownedAny) { delete obj[key]; continue; }
      if (lc.children.size === 0) continue;
      const wasEmpty = isEmptyValue(obj[key]);
      const after = prune(obj[key], childOf(shape, key, reg).shape, reg, lc, oc, []);
      if (!wasEmpty && isEmptyValue(after) && !ownedAny) delete obj[key];
      else setKey(obj, key, after);
    }
    return obj;
  }
  if (kind === 'list-map' || kind === 'list-set') {
    const items = itemShape(shape, reg);
    const keys = listKeys(shape);
    const out: unknown[] = [];
    for (const it of v as unknown[]) {
      const pe = itemPE(it, shape, reg);
      const lc = last.children.get(pe);
      if (!lc) { out.push(it); continue; }
      const oc = owned?.children.get(pe);
      if (lc.member && isEmpty(oc)) continue;
      out.push(lc.children.size && isObject(it) ? prune(it, items, reg, lc, oc, keys) : it);
    }
    return out;
  }
  return v;
}
