/**
 * @module apiserver/watch-cache — one store watch per resource prefix, shared by every watcher of
 * that resource: the current objects (for resourceVersion=0 lists and initial watch events) and a
 * ring of recent events, replayed to a watcher that starts from a recent resourceVersion and fanned
 * out live afterwards. Objects handed out are shared: callers must never mutate them.
 */
import { createInterner, type Interner, type JsonObject, type KindInfo } from '../api/index.ts';
import type { KeyValue, Store, WatchEvent } from '../store/types.ts';
import { adopt, decodeCached, decodeKv, Entry, stringifyCached, type CachedObject } from './cached-object.ts';

export { decodeKv, managedFieldsIn, rawWithRv, type CachedObject } from './cached-object.ts';

/** CacheEvent is one change of one object; `obj` carries metadata.resourceVersion = `rev`. */
export interface CacheEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly rev: number;
  readonly obj: JsonObject;
  /** created: a put that made the key (no previous state). */
  readonly created: boolean;
  /** prev returns the state before the change (undefined on create). */
  prev(): JsonObject | undefined;
  /** json returns `obj` serialized (computed once, shared by all watchers). */
  json(): string;
}

/** CacheSubscriber receives events after its start revision, in order. */
export interface CacheSubscriber {
  onEvent(ev: CacheEvent): void;
  /** onReset: the cache lost continuity (store watch failed); the subscriber must end. */
  onReset(): void;
}

/** hasWatchCache says whether a kind is served through a watch cache: every watchable kind but
 * Events (core and events.k8s.io), which kube-apiserver serves from storage (its default watch
 * cache size for them is 0): they are many, written once and rarely watched. */
export function hasWatchCache(kind: KindInfo): boolean {
  return kind.verbs.includes('watch') && !(kind.resource === 'events' && (kind.group === '' || kind.group === 'events.k8s.io'));
}

/** WrittenObjects holds, by storage key, the objects the registry is writing right now, so that
 * the caches can take the writer's parsed form of a stored value instead of parsing its text again
 * (that parse was a tenth of the API thread's work under load). An entry is used only for the
 * exact text it was offered with; any other value at that key is parsed as before. */
export class WrittenObjects {
  readonly #byKey = new Map<string, { readonly value: string; readonly obj: JsonObject }>();

  /** offer announces that `obj` is being written at `key` as `value` (JSON.stringify of `obj` without
   * resourceVersion). From here on the writer must not change `obj`'s nested values. */
  offer(key: string, value: string, obj: JsonObject): void { this.#byKey.set(key, { value, obj }); }

  /** withdraw ends an offer once its write has settled (a newer offer at `key` stays). */
  withdraw(key: string, value: string): void {
    if (this.#byKey.get(key)?.value === value) this.#byKey.delete(key);
  }

  /** objectOf returns the offered object for exactly this stored key and value, if any. */
  objectOf(kv: KeyValue): JsonObject | undefined {
    const w = this.#byKey.get(kv.key);
    return w !== undefined && w.value === kv.value ? w.obj : undefined;
  }

  /** size is the number of open offers (tests check that none is left behind). */
  get size(): number { return this.#byKey.size; }
}

function cachedFromKv(kv: KeyValue, written?: WrittenObjects, intern?: Interner, previous?: Entry): Entry {
  const offered = written?.objectOf(kv);
  return new Entry(kv, offered ? adopt(offered, kv, intern, previous?.obj) : decodeCached(kv, intern), intern);
}

/** Ev is a CacheEvent holding its new state as an Entry and the previous state as the Entry the
 * cache held before (or, for a direct store watch, as a KeyValue parsed on first use). */
class Ev implements CacheEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly rev: number;
  readonly entry: Entry;
  readonly created: boolean;
  #prev: Entry | KeyValue | JsonObject | undefined;
  #prevKind: 'entry' | 'kv' | 'obj';
  /** #prevStored: the store's copy of a compacted previous state (see settled). */
  #prevStored: KeyValue | undefined;

  constructor(e: WatchEvent, prev: Entry | undefined, written?: WrittenObjects, intern?: Interner) {
    this.type = e.type;
    this.key = e.kv.key;
    this.rev = e.kv.modRevision;
    this.entry = cachedFromKv(e.kv, e.type === 'put' ? written : undefined, intern, prev);
    this.created = e.type === 'put' && e.prev === undefined;
    if (prev !== undefined) {
      this.#prev = prev;
      this.#prevKind = 'entry';
      if (prev.compacted) this.#prevStored = e.prev;
    }
    else if (e.prev !== undefined) { this.#prev = e.prev; this.#prevKind = 'kv'; }
    else { this.#prev = undefined; this.#prevKind = 'obj'; }
  }

  get obj(): JsonObject { return this.entry.obj; }

  prev(): JsonObject | undefined {
    if (this.#prevKind === 'entry') return (this.#prev as Entry).obj;
    if (this.#prevKind === 'kv') {
      this.#prev = decodeKv(this.#prev as KeyValue);
      this.#prevKind = 'obj';
    }
    return this.#prev;
  }

  json(): string { return this.type === 'put' ? this.entry.json() : stringifyCached(this.entry.obj); }

  /** settled: the live watchers have seen the event. A compacted previous state is then held as
   * the store's text of it (parsed again only if a replay asks), not as its parsed form. */
  settled(): void {
    if (this.#prevStored === undefined) return;
    this.#prev = this.#prevStored;
    this.#prevKind = 'kv';
    this.#prevStored = undefined;
  }
}

/** makeEvent wraps a store event as a CacheEvent (the previous state is parsed lazily, on the first prev()). */
export function makeEvent(e: WatchEvent): CacheEvent {
  return new Ev(e, undefined);
}

/** WatchCacheOptions tunes the ring. */
export interface WatchCacheOptions { readonly ringSize?: number }

/** ResourceCache mirrors one key prefix of the store. */
export class ResourceCache {
  readonly prefix: string;
  private readonly store: Store;
  private readonly ringSize: number;
  private readonly objects = new Map<string, Entry>();
  private sorted: string[] | undefined;
  private ring: Ev[] = [];
  private readonly subs = new Set<CacheSubscriber>();
  private abort = new AbortController();
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** windowStart: every event with rev > windowStart is in the ring or was applied. */
  windowStart = 0;
  /** dropped: the ring has overflowed, so revisions before windowStart are too old to replay. */
  dropped = false;
  /** revision: the newest revision this cache reflects. */
  revision = 0;
  /** loaded: the initial list has been loaded (the cache answers reads from now on). */
  loaded = false;
  /** ready resolves once the initial list is loaded. */
  ready: Promise<void>;

  private readonly written: WrittenObjects | undefined;

  private readonly intern: Interner | undefined;

  constructor(store: Store, prefix: string, opts: WatchCacheOptions = {}, written?: WrittenObjects, intern?: Interner) {
    this.store = store;
    this.prefix = prefix;
    this.written = written;
    this.intern = intern;
    this.ringSize = opts.ringSize ?? 10_000;
    this.ready = this.start();
  }

  private async start(): Promise<void> {
    const res = await this.store.list(this.prefix);
    if (!res.ok) throw new Error(`watch cache: list ${this.prefix} failed: compacted`);
    if (this.closed) return;
    this.objects.clear();
    this.sorted = undefined;
    // No event of these is in the ring: they keep no stored text.
    for (const kv of res.items) {
      const entry = cachedFromKv(kv, undefined, this.intern);
      entry.compact();
      this.objects.set(kv.key, entry);
    }
    this.ring = [];
    this.windowStart = res.revision;
    this.revision = res.revision;
    this.loaded = true;
    this.abort = new AbortController();
    this.store.watch(this.prefix, res.revision, {
      onEvents: (events) => this.apply(events),
      onCompacted: () => this.restart(),
      onError: () => this.restart(),
    }, this.abort.signal);
  }

  private restart(): void {
    if (this.closed) return;
    this.abort.abort();
    for (const s of this.subs) s.onReset();
    this.subs.clear();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.ready = this.start();
      this.ready.catch(() => this.restart());
    }, 200);
  }

  private apply(events: readonly WatchEvent[]): void {
    if (this.closed) return;
    for (const e of events) {
      if (e.kv.modRevision <= this.revision) continue;
      // The cache holds every object's current state, which is the event's previous state: reuse it
      // instead of parsing the store's copy (and keep no second copy of it).
      const cur = e.prev === undefined ? undefined : this.objects.get(e.kv.key);
      const ev = new Ev(e, cur, this.written, this.intern);
      if (e.type === 'delete') {
        if (this.objects.delete(ev.key)) this.sorted = undefined;
      } else {
        if (!cur && !this.objects.has(ev.key)) this.sorted = undefined;
        this.objects.set(ev.key, ev.entry);
      }
      this.revision = ev.rev;
      this.ring.push(ev);
      // Trim in chunks (a quarter of the ring at a time) so a full ring costs O(1) per event.
      if (this.ring.length >= this.ringSize + Math.max(1, this.ringSize >> 2)) {
        const drop = this.ring.length - this.ringSize;
        // A current object whose last event leaves the ring will not be replayed: drop its text.
        for (let i = 0; i < drop; i++) {
          const old = this.ring[i];
          if (old.type === 'put' && this.objects.get(old.key) === old.entry) old.entry.compact();
        }
        this.windowStart = this.ring[drop - 1].rev;
        this.ring = this.ring.slice(drop);
        this.dropped = true;
      }
      for (const s of this.subs) s.onEvent(ev);
      ev.settled();
      // Only the ring refers to the old state now: keep its text, not its parsed form.
      if (e.type === 'delete') ev.entry.superseded();
      cur?.superseded();
    }
  }

  /** get returns the cached object at `key` (shared; do not mutate). */
  get(key: string): JsonObject | undefined { return this.objects.get(key)?.obj; }

  /** list returns the cached objects under `prefix` in key order, and the cache revision. */
  list(prefix: string): { items: JsonObject[]; entries: CachedObject[]; revision: number } {
    if (!this.sorted) this.sorted = [...this.objects.keys()].sort();
    const sorted = this.sorted;
    const entries: CachedObject[] = [];
    const items: JsonObject[] = [];
    // Keys are sorted, so a namespace's keys are one run: find its start by binary search.
    let i = 0;
    if (prefix.length > this.prefix.length) {
      let hi = sorted.length;
      while (i < hi) {
        const mid = (i + hi) >>> 1;
        if (sorted[mid] < prefix) i = mid + 1;
        else hi = mid;
      }
    }
    for (; i < sorted.length; i++) {
      const k = sorted[i];
      if (!k.startsWith(prefix)) break;
      const e = this.objects.get(k)!;
      entries.push(e);
      items.push(e.obj);
    }
    return { items, entries, revision: this.revision };
  }

  /** subscribe replays ring events after `fromRev` to `sub` and then streams live ones.
   * Returns 'before-cache' (subscribing nothing) when `fromRev` predates the cache (the store
   * still has that history), and 'too-old' when the ring has already dropped events after it. */
  subscribe(fromRev: number, sub: CacheSubscriber): 'ok' | 'before-cache' | 'too-old' {
    if (fromRev < this.windowStart) return this.dropped ? 'too-old' : 'before-cache';
    if (fromRev < this.revision) {
      let i = this.ring.length;
      while (i > 0 && this.ring[i - 1].rev > fromRev) i--;
      for (; i < this.ring.length; i++) sub.onEvent(this.ring[i]);
    }
    this.subs.add(sub);
    return 'ok';
  }

  /** unsubscribe stops delivery to `sub`. */
  unsubscribe(sub: CacheSubscriber): void { this.subs.delete(sub); }

  /** subscriberCount is the number of live subscribers. */
  get subscriberCount(): number { return this.subs.size; }

  /** close stops the store watch. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.abort.abort();
    for (const s of this.subs) s.onReset();
    this.subs.clear();
  }
}

/** WatchCaches holds one ResourceCache per resource prefix, started on first use. */
export class WatchCaches {
  private readonly caches = new Map<string, ResourceCache>();
  private readonly store: Store;
  private readonly opts: WatchCacheOptions;
  /** written: the objects being written now, offered by the registry (see WrittenObjects). */
  readonly written = new WrittenObjects();
  /** intern shares equal short strings among all cached objects (30,000 pods repeat their images,
   * condition types, reasons and timestamps). */
  private readonly intern = createInterner(200_000);
  constructor(store: Store, opts: WatchCacheOptions = {}) { this.store = store; this.opts = opts; }

  /** get returns the cache of `prefix`, started and loaded. */
  async get(prefix: string): Promise<ResourceCache> {
    let c = this.caches.get(prefix);
    if (!c) {
      c = new ResourceCache(this.store, prefix, this.opts, this.written, this.intern);
      this.caches.set(prefix, c);
      c.ready.catch(() => { if (this.caches.get(prefix) === c) this.caches.delete(prefix); });
    }
    await c.ready;
    return c;
  }

  /** peek returns the cache of `prefix` if it was started. */
  peek(prefix: string): ResourceCache | undefined { return this.caches.get(prefix); }

  /** close stops every cache. */
  close(): void {
    for (const c of this.caches.values()) c.close();
    this.caches.clear();
  }
}
