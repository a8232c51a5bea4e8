/**
 * @module api/intern — shares equal short strings among cached objects. Decoded JSON gives
 * every object its own copy of each string value, so an informer holding 30,000 pods holds 30,000
 * copies of "IfNotPresent", "default-scheduler", its image names and condition types; replacing
 * them with one canonical instance each makes a cache of similar objects markedly smaller.
 */
import type { JsonObject } from './kinds/types.ts';

/** MAX_INTERNED_LENGTH: longer strings are mostly unique (UIDs aside), and hashing them costs more. */
const MAX_INTERNED_LENGTH = 64;

/** Interner replaces string values in place with shared instances; `size` is how many it holds.
 * With `interned` (a version of the object interned before), objects and arrays `obj` shares with
 * it by reference at the same path are skipped: their strings are shared already. */
export interface Interner {
  <T>(obj: T, interned?: unknown): T;
  readonly size: number;
}

/** createInterner returns an interner whose table holds at most `maxEntries` strings (it starts
 * over when full, so strings of deleted objects cannot pile up). */
export function createInterner(maxEntries = 100_000): Interner {
  let table = new Map<string, string>();
  const canonical = (s: string): string => {
    const c = table.get(s);
    if (c !== undefined) return c;
    if (table.size >= maxEntries) table = new Map();
    table.set(s, s);
    return s;
  };
  const walk = (v: unknown, base: unknown): void => {
    if (Array.isArray(v)) {
      const b = Array.isArray(base) ? base : undefined;
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'string') { if (x.length <= MAX_INTERNED_LENGTH) v[i] = canonical(x); }
        else if (typeof x === 'object' && x !== null) { const y = b?.[i]; if (x !== y) walk(x, y); }
      }
      return;
    }
    const o = v as JsonObject;
    const b = typeof base === 'object' && base !== null && !Array.isArray(base) ? base as JsonObject : undefined;
    for (const k in o) {
      const x: unknown = o[k];
      if (typeof x === 'string') { if (x.length <= MAX_INTERNED_LENGTH) o[k] = canonical(x); }
      else if (typeof x === 'object' && x !== null) { const y: unknown = b?.[k]; if (x !== y) walk(x, y); }
    }
  };
  const intern = (<T>(obj: T, interned?: unknown): T => {
    if (typeof obj === 'object' && obj !== null && obj !== interned) walk(obj, interned);
    return obj;
  }) as Interner;
  Object.defineProperty(intern, 'size', { get: () => table.size });
  return intern;
}
