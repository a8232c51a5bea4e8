/**
 * @module client/cache — the informer's local store: objects by `namespace/name` key with named
 * indexes (`byNamespace` built in, custom ones added by callers). Objects in it are shared with
 * every reader: never modify them; `structuredClone` before changing anything.
 */
import type { JsonObject } from '../api/index.ts';
import { objectKey } from './resources.ts';

/** IndexFunc maps an object to the index values it is filed under. */
export type IndexFunc<T> = (obj: T) => string[];

/** BY_NAMESPACE is the name of the built-in namespace index. */
export const BY_NAMESPACE = 'byNamespace';

/** Cache is a keyed object store with indexes, as client-go's thread-safe store plus Indexer. */
export class Cache<T extends JsonObject = JsonObject> {
  readonly #items = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndexer(BY_NAMESPACE, (o) => [String(o.metadata?.namespace ?? '')]);
    for (const [name, fn] of Object.entries(indexers)) this.addIndexer(name, fn);
  }

  /** addIndexer registers (and builds) a named index. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.#indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.#indices.set(name, idx);
    for (const [key, obj] of this.#items) for (const v of fn(obj)) this.#file(idx, v, key);
  }

  #file(idx: Map<string, Set<string>>, value: string, key: string): void {
    let s = idx.get(value);
    if (!s) { s = new Set(); idx.set(value, s); }
    s.add(key);
  }

  #unindex(key: string, obj: T): void {
    for (const [name, fn] of this.#indexers) {
      const idx = this.#indices.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) {
        const s = idx.get(v);
        s?.delete(key);
        if (s?.size === 0) idx.delete(v);
      }
    }
  }

  /** set stores `obj` under its key and returns the object it replaced. */
  set(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (old) this.#unindex(key, old);
    this.#items.set(key, obj);
    for (const [name, fn] of this.#indexers) for (const v of fn(obj)) this.#file(this.#indices.get(name) as Map<string, Set<string>>, v, key);
    return old;
  }

  /** remove deletes the object at `key` and returns it. */
  remove(key: string): T | undefined {
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#unindex(key, old);
    this.#items.delete(key);
    return old;
  }

  /** get returns the object at `namespace/name` (or `name`), undefined when absent. */
  get(key: string): T | undefined { return this.#items.get(key); }

  /** list returns every object. */
  list(): T[] { return [...this.#items.values()]; }

  /** keys returns every key. */
  keys(): string[] { return [...this.#items.keys()]; }

  /** size is the number of objects. */
  get size(): number { return this.#items.size; }

  /** byIndex returns the objects filed under `value` in index `name`. */
  byIndex(name: string, value: string): T[] {
    const idx = this.#indices.get(name);
    if (!idx) throw new Error(`cache: no index named ${name}`);
    return [...(idx.get(value) ?? [])].map((k) => this.#items.get(k) as T);
  }

  /** byNamespace lists the objects of one namespace. */
  byNamespace(namespace: string): T[] { return this.byIndex(BY_NAMESPACE, namespace); }
}
