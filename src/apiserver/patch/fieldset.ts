/**
 * @module apiserver/patch/fieldset — sets of field paths as server-side apply tracks ownership,
 * and their `FieldsV1` wire form. A path is a list of path elements, each serialised as upstream
 * does: `f:<field>`, `k:{"name":"nginx"}` (list item by key, keys sorted), `v:<json>` (set item),
 * `i:<index>`. In FieldsV1 a node that is itself a member and also has children carries `".":{}`.
 */
import type { JsonObject } from '../../api/kinds/types.ts';
import { isObject } from './json-util.ts';

/** FieldSet is one node of a path tree: whether the path ending here is a member, and its children. */
export interface FieldSet {
  member: boolean;
  readonly children: Map<string, FieldSet>;
}

/** emptySet makes an empty set. */
export function emptySet(): FieldSet {
  return { member: false, children: new Map() };
}

/** child returns (creating when asked) the node under path element `pe`. */
export function child(s: FieldSet, pe: string): FieldSet {
  let c = s.children.get(pe);
  if (!c) { c = emptySet(); s.children.set(pe, c); }
  return c;
}

/** insert adds the path `path` as a member. */
export function insert(s: FieldSet, path: readonly string[]): void {
  let cur = s;
  for (const pe of path) cur = child(cur, pe);
  cur.member = true;
}

/** has tells whether `path` is a member. */
export function has(s: FieldSet, path: readonly string[]): boolean {
  let cur: FieldSet | undefined = s;
  for (const pe of path) { cur = cur.children.get(pe); if (!cur) return false; }
  return cur.member;
}

/** isEmpty tells whether no path is a member. */
export function isEmpty(s: FieldSet | undefined): boolean {
  if (!s) return true;
  if (s.member) return false;
  for (const c of s.children.values()) if (!isEmpty(c)) return false;
  return true;
}

/** union is a new set with the members of both. */
export function union(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { member: a.member || b.member, children: new Map() };
  for (const [pe, c] of a.children) out.children.set(pe, b.children.has(pe) ? union(c, b.children.get(pe)!) : copy(c));
  for (const [pe, c] of b.children) if (!a.children.has(pe)) out.children.set(pe, copy(c));
  return prune(out);
}

/** difference is a new set with the members of `a` that are not members of `b`. */
export function difference(a: FieldSet, b: FieldSet | undefined): FieldSet {
  if (!b) return copy(a);
  const out: FieldSet = { member: a.member && !b.member, children: new Map() };
  for (const [pe, c] of a.children) out.children.set(pe, difference(c, b.children.get(pe)));
  return prune(out);
}

/** intersects tells whether some path is a member of both sets (without building the intersection). */
export function intersects(a: FieldSet, b: FieldSet | undefined): boolean {
  if (!b) return false;
  if (a.member && b.member) return true;
  const [small, big] = a.children.size <= b.children.size ? [a, b] : [b, a];
  for (const [pe, c] of small.children) {
    const d = big.children.get(pe);
    if (d && intersects(c, d)) return true;
  }
  return false;
}

/** isSubset tells whether every member of `a` is a member of `b`. */
export function isSubset(a: FieldSet, b: FieldSet | undefined): boolean {
  if (a.member && !b?.member) return false;
  for (const [pe, c] of a.children) if (!isSubset(c, b?.children.get(pe))) return false;
  return true;
}

/** intersection is a new set with the members present in both. */
export function intersection(a: FieldSet, b: FieldSet | undefined): FieldSet {
  const out = emptySet();
  if (!b) return out;
  out.member = a.member && b.member;
  for (const [pe, c] of a.children) {
    const d = b.children.get(pe);
    if (d) out.children.set(pe, intersection(c, d));
  }
  return prune(out);
}

/** recursiveDifference removes from `a` every member of `b` together with everything below it. */
export function recursiveDifference(a: FieldSet, b: FieldSet | undefined): FieldSet {
  if (!b) return copy(a);
  const out: FieldSet = { member: a.member && !b.member, children: new Map() };
  for (const [pe, c] of a.children) {
    const d = b.children.get(pe);
    if (d?.member) continue;
    out.children.set(pe, recursiveDifference(c, d));
  }
  return prune(out);
}

/** copy shares `s`: a set is only changed while it is built (insert, child, the compare walk's
 * graft), never after it became an operand or a result of the set operations above, so results
 * may share subtrees with their operands instead of copying them (copying was most of their cost). */
function copy(s: FieldSet): FieldSet {
  return s;
}

function prune(s: FieldSet): FieldSet {
  for (const [pe, c] of s.children) if (isEmpty(c)) s.children.delete(pe);
  return s;
}

/** members lists the member paths in serialisation order. */
export function members(s: FieldSet, prefix: readonly string[] = []): string[][] {
  const out: string[][] = [];
  if (s.member && prefix.length) out.push([...prefix]);
  for (const pe of sortedElements(s.children.keys())) out.push(...members(s.children.get(pe)!, [...prefix, pe]));
  return out;
}

/** fieldPE is the path element of a named field or map key. */
export function fieldPE(name: string): string {
  return `f:${name}`;
}

/** keyPE is the path element of a list item identified by key fields (sorted by name). */
export function keyPE(keys: Readonly<Record<string, unknown>>): string {
  const sorted = Object.keys(keys).sort().map((k) => [k, keys[k]] as const);
  return `k:{${sorted.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

/** valuePE is the path element of a set item. */
export function valuePE(v: unknown): string {
  return `v:${JSON.stringify(v)}`;
}

const TYPE_RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown): number => (v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : 4);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function parsePE(pe: string): unknown {
  try { return JSON.parse(pe.slice(2)); } catch { return pe.slice(2); }
}

/** comparePE orders path elements as upstream: fields, then keys, then values, then indexes. */
export function comparePE(a: string, b: string): number {
  return comparePEWith(a, b, parsePE);
}

function comparePEWith(a: string, b: string, parse: (pe: string) => unknown): number {
  const ta = TYPE_RANK[a[0]] ?? 4;
  const tb = TYPE_RANK[b[0]] ?? 4;
  if (ta !== tb) return ta - tb;
  if (a[0] === 'f') return a < b ? -1 : a > b ? 1 : 0;
  if (a[0] === 'k') {
    const ka = Object.entries(parse(a) as Record<string, unknown>);
    const kb = Object.entries(parse(b) as Record<string, unknown>);
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      if (ka[i][0] !== kb[i][0]) return ka[i][0] < kb[i][0] ? -1 : 1;
      const c = compareValues(ka[i][1], kb[i][1]);
      if (c) return c;
    }
    return ka.length - kb.length;
  }
  return compareValues(parse(a), parse(b));
}

/** sortedElements sorts path elements by comparePE, parsing each key or value element once. */
function sortedElements(pes: Iterable<string>): string[] {
  const list = [...pes];
  if (list.length < 2) return list;
  if (list.every((pe) => pe.charCodeAt(0) === 102 /* f */)) return list.sort();
  const parsed = new Map<string, unknown>();
  const parse = (pe: string): unknown => {
    if (parsed.has(pe)) return parsed.get(pe);
    const v = parsePE(pe);
    parsed.set(pe, v);
    return v;
  };
  return list.sort((a, b) => comparePEWith(a, b, parse));
}

/** toFieldsV1 serialises a set as the `fieldsV1` JSON object (keys in upstream order). */
export function toFieldsV1(s: FieldSet): JsonObject {
  return encodeChildren(s, false) ?? {};
}

/** encodeChildren renders the children of `s` that hold a member, in one pass (undefined when none
 * does); `self` (s is itself a member) puts `".":{}` first. */
function encodeChildren(s: FieldSet, self: boolean): JsonObject | undefined {
  let out: JsonObject | undefined;
  for (const pe of sortedElements(s.children.keys())) {
    const c = s.children.get(pe)!;
    const v = (c.children.size > 0 ? encodeChildren(c, c.member) : undefined) ?? (c.member ? {} : undefined);
    if (v === undefined) continue;
    out ??= self ? { '.': {} } : {};
    out[pe] = v;
  }
  return out;
}

/** parseFieldsV1 reads a `fieldsV1` JSON object into a set (malformed parts are skipped). */
export function parseFieldsV1(v: unknown): FieldSet {
  const out = emptySet();
  if (!isObject(v)) return out;
  for (const [pe, inner] of Object.entries(v)) {
    if (pe === '.') continue;
    const c = parseFieldsV1(inner);
    if (!isObject(inner) || Object.keys(inner).length === 0 || Object.hasOwn(inner, '.')) c.member = true;
    out.children.set(pe, c);
  }
  return out;
}

/** pathString renders a path as upstream prints it in conflicts: `.spec.containers[name="nginx"].image`. */
export function pathString(path: readonly string[]): string {
  return path.map((pe) => {
    const body = pe.slice(2);
    switch (pe[0]) {
      case 'f': return `.${body}`;
      case 'k': {
        const keys = parsePE(pe);
        if (!isObject(keys)) return `[${body}]`;
        return `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
      }
      case 'v': return `[=${body}]`;
      case 'i': return `[${body}]`;
      default: return pe;
    }
  }).join('');
}
