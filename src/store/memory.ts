/**
 * @module store/memory — an in-memory Store with the full revision semantics (history for
 * list-at-revision and watch-from-revision, compaction). For tests and throw-away servers.
 */
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchListener, WriteResult } from './types.ts';
import { closedError, futureRevisionError, WatchHub } from './watch-hub.ts';

interface Row {
  readonly rev: number;
  readonly key: string;
  readonly value: string;
  readonly createRev: number;
  readonly deleted: boolean;
  /** prev: the row this one supersedes (cleared by compaction for the oldest retained row). */
  prev: Row | undefined;
}

function toKv(r: Row): KeyValue {
  return { key: r.key, value: r.value, createRevision: r.createRev, modRevision: r.rev };
}

function toEvent(r: Row): WatchEvent {
  if (r.deleted) return { type: 'delete', kv: toKv(r), prev: r.prev ? toKv(r.prev) : undefined };
  return { type: 'put', kv: toKv(r), prev: r.prev && !r.prev.deleted ? toKv(r.prev) : undefined };
}

/** lastAtOrBelow finds the newest row with rev <= revision in a rev-sorted array. */
function lastAtOrBelow(rows: readonly Row[], revision: number): Row | undefined {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid].rev <= revision) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? rows[lo - 1] : undefined;
}

/** lowerBound returns the index of the first key >= `key` in a sorted array (`after`: first key > `key`). */
function lowerBound(keys: readonly string[], key: string, after = false): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key || (after && keys[mid] === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** firstAbove returns the index of the first row with rev > revision in a rev-sorted array. */
function firstAbove(rows: readonly Row[], revision: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid].rev <= revision) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class MemoryStore implements Store {
  readonly name = 'memory';
  #rev = 0;
  #compactRev = 0;
  #closed = false;
  /** log: every retained row in revision order. */
  #log: Row[] = [];
  /** history: retained rows per key in revision order (the last one is the key's latest row). */
  #history = new Map<string, Row[]>();
  /** sorted: the keys of `history` in order, so a paged list costs O(log n + page). */
  #sorted: string[] = [];
  #pending: WatchEvent[] = [];
  #flushScheduled = false;
  readonly #hub = new WatchHub({
    events: (prefix, after, limit) => {
      const out: WatchEvent[] = [];
      for (let i = firstAbove(this.#log, after); i < this.#log.length && out.length < limit; i++) {
        const r = this.#log[i];
        if (r.key.startsWith(prefix)) out.push(toEvent(r));
      }
      return out;
    },
    revision: () => this.#rev,
    compactRevision: () => this.#compactRev,
  });

  #check(): void {
    if (this.#closed) throw closedError(this.name);
  }

  #latest(key: string): Row | undefined {
    const h = this.#history.get(key);
    return h?.[h.length - 1];
  }

  #live(key: string): Row | undefined {
    const r = this.#latest(key);
    return r && !r.deleted ? r : undefined;
  }

  #append(key: string, value: string, createRev: number, deleted: boolean, prev: Row | undefined): Row {
    const row: Row = { rev: ++this.#rev, key, value, createRev: createRev || this.#rev, deleted, prev };
    this.#log.push(row);
    let h = this.#history.get(key);
    if (!h) {
      this.#history.set(key, (h = []));
      const sorted = this.#sorted;
      if (sorted.length === 0 || sorted[sorted.length - 1] < key) sorted.push(key);
      else sorted.splice(lowerBound(sorted, key), 0, key);
    }
    h.push(row);
    this.#pending.push(toEvent(row));
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        const events = this.#pending;
        this.#pending = [];
        if (!this.#closed && events.length > 0) this.#hub.publish(events, events[events.length - 1].kv.modRevision);
      });
    }
    return row;
  }

  async currentRevision(): Promise<number> {
    this.#check();
    return this.#rev;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.#check();
    const r = this.#live(key);
    return r ? toKv(r) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.#check();
    const revision = opts.revision && opts.revision > 0 ? opts.revision : this.#rev;
    if (revision > this.#rev) throw futureRevisionError(revision, this.#rev);
    if (revision < this.#compactRev) return { ok: false, reason: 'Compacted', compactRevision: this.#compactRev };
    const sorted = this.#sorted;
    let i = lowerBound(sorted, prefix);
    if (opts.startAfter !== undefined && opts.startAfter >= prefix) i = Math.max(i, lowerBound(sorted, opts.startAfter, true));
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const items: KeyValue[] = [];
    for (; i < sorted.length && sorted[i].startsWith(prefix); i++) {
      const r = lastAtOrBelow(this.#history.get(sorted[i]) ?? [], revision);
      if (!r || r.deleted) continue;
      // One live key past the page means more; `remaining` is left out then (counting is O(prefix)).
      if (items.length >= limit) return { ok: true, items, revision, more: true };
      items.push(toKv(r));
    }
    return { ok: true, items, revision, more: false, remaining: 0 };
  }

  async count(prefix: string): Promise<number> {
    this.#check();
    let n = 0;
    for (const [k, h] of this.#history) if (k.startsWith(prefix) && !h[h.length - 1].deleted) n++;
    return n;
  }

  async create(key: string, value: string): Promise<WriteResult> {
    this.#check();
    const cur = this.#latest(key);
    if (cur && !cur.deleted) return { ok: false, reason: 'AlreadyExists', current: toKv(cur) };
    const row = this.#append(key, value, 0, false, cur);
    return { ok: true, kv: toKv(row), revision: row.rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<WriteResult> {
    this.#check();
    const cur = this.#live(key);
    if (!cur) return { ok: false, reason: 'NotFound' };
    if (cur.rev !== expectedRevision) return { ok: false, reason: 'Conflict', current: toKv(cur) };
    const row = this.#append(key, value, cur.createRev, false, cur);
    return { ok: true, kv: toKv(row), revision: row.rev };
  }

  async delete(key: string, expectedRevision?: number): Promise<WriteResult> {
    this.#check();
    const cur = this.#live(key);
    if (!cur) return { ok: false, reason: 'NotFound' };
    if (expectedRevision !== undefined && cur.rev !== expectedRevision) return { ok: false, reason: 'Conflict', current: toKv(cur) };
    const row = this.#append(key, cur.value, cur.createRev, true, cur);
    return { ok: true, kv: toKv(row), revision: row.rev };
  }

  watch(prefix: string, afterRevision: number, listener: WatchListener, signal: AbortSignal): void {
    this.#check();
    this.#hub.add(prefix, afterRevision, listener, signal);
  }

  async compact(revision: number): Promise<void> {
    this.#check();
    if (revision > this.#rev) throw futureRevisionError(revision, this.#rev);
    if (revision <= this.#compactRev) return;
    this.#compactRev = revision;
    // Keep rows above the revision, and each key's newest row at or below it unless it is a tombstone.
    const keep = new Set<Row>();
    for (const [key, h] of this.#history) {
      const idx = firstAbove(h, revision);
      const kept = h.slice(idx);
      const base = idx > 0 ? h[idx - 1] : undefined;
      if (base && !base.deleted) kept.unshift(base);
      if (kept.length === 0) this.#history.delete(key);
      else {
        kept[0].prev = undefined; // its predecessor is gone; dropping the link frees the chain
        this.#history.set(key, kept);
        for (const r of kept) keep.add(r);
      }
    }
    this.#log = this.#log.filter((r) => keep.has(r));
    this.#sorted = this.#sorted.filter((k) => this.#history.has(k));
  }

  async compactRevision(): Promise<number> {
    this.#check();
    return this.#compactRev;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.closeAll();
  }
}

/** createMemoryStore returns an empty in-memory Store (nothing survives the process). */
export function createMemoryStore(): Store {
  return new MemoryStore();
}
