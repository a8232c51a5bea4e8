/**
 * @module store/conformance — the shared behavioural test-suite every Store backend must pass.
 * Tests use their own key prefixes and relative revisions, so a backend may share one server
 * (etcd) across tests; they run sequentially.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store, WatchEvent, WatchListener } from './types.ts';

let seq = 0;
/** uniquePrefix gives each test its own key space. */
function uniquePrefix(what: string): string {
  return `/conformance/${process.pid}-${Date.now().toString(36)}-${++seq}/${what}/`;
}

/** Collector records watch callbacks and lets a test wait for a number of events. */
class Collector implements WatchListener {
  events: WatchEvent[] = [];
  batches = 0;
  compacted: number | undefined;
  error: Error | undefined;
  #waiters: Array<() => void> = [];
  onEvents(events: readonly WatchEvent[]): void {
    this.batches++;
    this.events.push(...events);
    this.#wake();
  }
  onCompacted(rev: number): void {
    this.compacted = rev;
    this.#wake();
  }
  onError(err: Error): void {
    this.error = err;
    this.#wake();
  }
  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
  /** until waits (at most `ms`) for `cond` to hold after some callback. */
  async until(cond: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; have ${this.events.length} events, compacted=${this.compacted}, error=${this.error?.message}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.#waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }
}

function must<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  assert.equal(r.ok, true, `expected ok, got ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: true }>;
}

/** norm makes events comparable whether or not a backend sets `prev: undefined` explicitly. */
function norm(events: readonly WatchEvent[]): unknown[] {
  return events.map((e) => ({ type: e.type, kv: e.kv, prev: e.prev ?? null }));
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** runStoreConformance registers the Store contract tests for one backend; `make` opens a store. */
export function runStoreConformance(name: string, make: () => Promise<Store>): void {
  const withStore = (title: string, body: (s: Store, p: string) => Promise<void>): void => {
    void test(`${name}: ${title}`, async () => {
      const s = await make();
      try {
        await body(s, uniquePrefix(title.replace(/[^a-z0-9]+/gi, '-')));
      } finally {
        await s.close();
      }
    });
  };

  withStore('create then get', async (s, p) => {
    const r = must(await s.create(`${p}a`, '{"v":1}'));
    assert.equal(r.kv.key, `${p}a`);
    assert.equal(r.kv.value, '{"v":1}');
    assert.equal(r.kv.modRevision, r.revision);
    assert.equal(r.kv.createRevision, r.revision);
    assert.deepEqual(await s.get(`${p}a`), r.kv);
    assert.equal(await s.get(`${p}missing`), undefined);
    assert.equal(await s.currentRevision() >= r.revision, true);
  });

  withStore('create of an existing key is AlreadyExists with current', async (s, p) => {
    const r = must(await s.create(`${p}a`, 'one'));
    const again = await s.create(`${p}a`, 'two');
    assert.deepEqual(again, { ok: false, reason: 'AlreadyExists', current: r.kv });
    assert.equal((await s.get(`${p}a`))?.value, 'one');
  });

  withStore('update is compare-and-swap', async (s, p) => {
    const c = must(await s.create(`${p}a`, 'one'));
    const u = must(await s.update(`${p}a`, 'two', c.revision));
    assert.equal(u.revision > c.revision, true);
    assert.deepEqual(u.kv, { key: `${p}a`, value: 'two', createRevision: c.revision, modRevision: u.revision });
    const stale = await s.update(`${p}a`, 'three', c.revision);
    assert.deepEqual(stale, { ok: false, reason: 'Conflict', current: u.kv });
    assert.deepEqual(await s.update(`${p}missing`, 'x', 1), { ok: false, reason: 'NotFound' });
    assert.equal((await s.get(`${p}a`))?.value, 'two');
  });

  withStore('delete returns the last state, with and without expected revision', async (s, p) => {
    const a = must(await s.create(`${p}a`, 'A'));
    const b = must(await s.create(`${p}b`, 'B'));
    const d = must(await s.delete(`${p}a`));
    assert.deepEqual(d.kv, { key: `${p}a`, value: 'A', createRevision: a.revision, modRevision: d.revision });
    assert.equal(await s.get(`${p}a`), undefined);
    assert.deepEqual(await s.delete(`${p}a`), { ok: false, reason: 'NotFound' });
    assert.deepEqual(await s.delete(`${p}b`, b.revision + 1000), { ok: false, reason: 'Conflict', current: b.kv });
    const db = must(await s.delete(`${p}b`, b.revision));
    assert.equal(db.kv.value, 'B');
    assert.equal(db.kv.modRevision, db.revision);
    const again = must(await s.create(`${p}a`, 'A2'));
    assert.equal(again.kv.createRevision, again.revision, 'a re-created key gets a new createRevision');
    assert.equal(again.revision > d.revision, true);
  });

  withStore('revisions increase strictly; failed writes do not consume one', async (s, p) => {
    const revs: number[] = [];
    for (let i = 0; i < 5; i++) revs.push(must(await s.create(`${p}k${i}`, String(i))).revision);
    revs.push(must(await s.update(`${p}k0`, 'x', revs[0])).revision);
    revs.push(must(await s.delete(`${p}k1`)).revision);
    for (let i = 1; i < revs.length; i++) assert.equal(revs[i] > revs[i - 1], true, `revisions ${revs.join(',')}`);
    const before = await s.currentRevision();
    assert.equal(before >= revs[revs.length - 1], true);
    assert.equal((await s.create(`${p}k2`, 'dup')).ok, false);
    assert.equal((await s.update(`${p}k2`, 'dup', 1)).ok, false);
    assert.equal(await s.currentRevision(), before);
  });

  withStore('list: prefix, sort order, paging, snapshot at a past revision', async (s, p) => {
    const names = ['e', 'b', 'd', 'a', 'c'];
    const created = new Map<string, number>();
    for (const n of names) created.set(n, must(await s.create(`${p}items/${n}`, `v-${n}`)).revision);
    must(await s.create(`${p}items-sibling`, 'outside'));
    must(await s.create(`${p}itemz/x`, 'outside'));
    const all = must(await s.list(`${p}items/`));
    assert.deepEqual(all.items.map((kv) => kv.key), ['a', 'b', 'c', 'd', 'e'].map((n) => `${p}items/${n}`));
    assert.equal(all.more, false);
    assert.equal(all.items[2].value, 'v-c');
    assert.equal(all.items[2].modRevision, created.get('c'));

    const page1 = must(await s.list(`${p}items/`, { limit: 2 }));
    assert.deepEqual(page1.items.map((kv) => kv.key.slice(-1)), ['a', 'b']);
    assert.equal(page1.more, true);
    if (page1.remaining !== undefined) assert.equal(page1.remaining, 3);
    const snap = page1.revision;
    // Writes after the first page must not show in later pages read at the same revision.
    const cNow = must(await s.update(`${p}items/c`, 'changed', created.get('c') ?? 0));
    must(await s.delete(`${p}items/d`));
    must(await s.create(`${p}items/cc`, 'new'));
    const page2 = must(await s.list(`${p}items/`, { limit: 2, startAfter: page1.items[1].key, revision: snap }));
    assert.deepEqual(page2.items.map((kv) => [kv.key.slice(-1), kv.value]), [['c', 'v-c'], ['d', 'v-d']]);
    assert.equal(page2.more, true);
    assert.equal(page2.revision, snap);
    const page3 = must(await s.list(`${p}items/`, { limit: 2, startAfter: page2.items[1].key, revision: snap }));
    assert.deepEqual(page3.items.map((kv) => kv.key.slice(-1)), ['e']);
    assert.equal(page3.more, false);
    if (page3.remaining !== undefined) assert.equal(page3.remaining, 0);

    const now = must(await s.list(`${p}items/`));
    assert.deepEqual(now.items.map((kv) => kv.key.slice(p.length + 6)), ['a', 'b', 'c', 'cc', 'e']);
    assert.equal(now.items[2].value, 'changed');
    assert.equal(now.items[2].modRevision, cNow.revision);
    assert.equal(now.revision >= cNow.revision, true);
    const exact = must(await s.list(`${p}items/`, { limit: 3 }));
    assert.equal(exact.items.length, 3);
    assert.equal(exact.more, true);
    const none = must(await s.list(`${p}nothing/`));
    assert.deepEqual(none.items, []);
    assert.equal(none.more, false);
  });

  withStore('list of a prefix larger than 4 MiB in total (one gRPC message for etcd) succeeds', async (s, p) => {
    const n = 3000;
    const value = (i: number): string => JSON.stringify({ i, pad: 'y'.repeat(2048) });
    const key = (i: number): string => `${p}big/${String(i).padStart(5, '0')}`;
    for (let i = 0; i < n; i += 500) {
      const chunk = await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, j) => s.create(key(i + j), value(i + j))));
      chunk.forEach(must);
    }
    must(await s.create(`${p}bih`, 'outside the prefix'));
    const all = must(await s.list(`${p}big/`));
    assert.equal(all.items.length, n);
    assert.equal(all.more, false);
    assert.equal(all.items.reduce((sum, kv) => sum + kv.value.length, 0) > 4 * 1024 * 1024, true);
    for (let i = 0; i < n; i += 499) assert.deepEqual([all.items[i].key, all.items[i].value], [key(i), value(i)]);
    for (let i = 1; i < n; i++) assert.equal(all.items[i - 1].key < all.items[i].key, true, 'sorted by key');
    const head = must(await s.list(`${p}big/`, { limit: 2500 }));
    assert.deepEqual(head.items.map((kv) => kv.key), all.items.slice(0, 2500).map((kv) => kv.key));
    assert.equal(head.more, true);
    if (head.remaining !== undefined) assert.equal(head.remaining, 500);
    const tail = must(await s.list(`${p}big/`, { limit: 2500, startAfter: head.items[2499].key, revision: head.revision }));
    assert.deepEqual(tail.items, all.items.slice(2500));
    assert.equal(tail.more, false);
    assert.equal(await s.count(`${p}big/`), n);
  });

  withStore('count counts live keys under a prefix', async (s, p) => {
    assert.equal(await s.count(`${p}c/`), 0);
    for (let i = 0; i < 7; i++) must(await s.create(`${p}c/${i}`, 'x'));
    must(await s.create(`${p}d/0`, 'x'));
    must(await s.delete(`${p}c/3`));
    assert.equal(await s.count(`${p}c/`), 6);
  });

  withStore('watch delivers puts and deletes in order with prev', async (s, p) => {
    const start = await s.currentRevision();
    const col = new Collector();
    const ac = new AbortController();
    s.watch(`${p}w/`, start, col, ac.signal);
    await pause(20);
    const c = must(await s.create(`${p}w/a`, '1'));
    must(await s.create(`${p}other`, 'not watched'));
    const u = must(await s.update(`${p}w/a`, '2', c.revision));
    const d = must(await s.delete(`${p}w/a`));
    await col.until(() => col.events.length >= 3);
    ac.abort();
    assert.deepEqual(norm(col.events), [
      { type: 'put', kv: c.kv, prev: null },
      { type: 'put', kv: u.kv, prev: c.kv },
      { type: 'delete', kv: d.kv, prev: u.kv },
    ]);
  });

  withStore('watch from an older revision replays history, then continues live', async (s, p) => {
    const c = must(await s.create(`${p}h/a`, '1'));
    const u = must(await s.update(`${p}h/a`, '2', c.revision));
    const b = must(await s.create(`${p}h/b`, 'B'));
    const d = must(await s.delete(`${p}h/b`));
    const col = new Collector();
    const ac = new AbortController();
    s.watch(`${p}h/`, c.revision, col, ac.signal); // everything after the create
    await col.until(() => col.events.length >= 3);
    const live = must(await s.create(`${p}h/c`, 'C'));
    await col.until(() => col.events.length >= 4);
    ac.abort();
    assert.deepEqual(col.events.map((e) => [e.type, e.kv.modRevision]), [
      ['put', u.revision], ['put', b.revision], ['delete', d.revision], ['put', live.revision],
    ]);
    assert.deepEqual(col.events[0].prev, c.kv);
    assert.deepEqual(col.events[2].kv, d.kv);
    assert.deepEqual(col.events[2].prev, b.kv);
    assert.equal(col.events[1].prev, undefined);
  });

  withStore('compaction: old watch gets onCompacted, old list gets Compacted, latest state kept', async (s, p) => {
    const a = must(await s.create(`${p}k/a`, '1'));
    const a2 = must(await s.update(`${p}k/a`, '2', a.revision));
    must(await s.create(`${p}k/b`, 'B'));
    const db = must(await s.delete(`${p}k/b`));
    const keep = must(await s.create(`${p}k/c`, 'C'));
    const target = keep.revision;
    await s.compact(target);
    assert.equal(await s.compactRevision(), target);
    const col = new Collector();
    s.watch(`${p}k/`, a.revision, col, new AbortController().signal);
    await col.until(() => col.compacted !== undefined);
    assert.equal(col.compacted, target);
    assert.deepEqual(col.events, []);
    const old = await s.list(`${p}k/`, { revision: db.revision });
    assert.deepEqual(old, { ok: false, reason: 'Compacted', compactRevision: target });
    const at = must(await s.list(`${p}k/`, { revision: target }));
    assert.deepEqual(at.items, [a2.kv, keep.kv]);
    assert.deepEqual(await s.get(`${p}k/a`), a2.kv);
    assert.equal(await s.count(`${p}k/`), 2);
    // A watch from the compact revision itself still works and sees new writes.
    const col2 = new Collector();
    const ac = new AbortController();
    s.watch(`${p}k/`, target, col2, ac.signal);
    const after = must(await s.update(`${p}k/a`, '3', a2.revision));
    await col2.until(() => col2.events.length >= 1);
    ac.abort();
    assert.deepEqual(norm(col2.events), [{ type: 'put', kv: after.kv, prev: a2.kv }]);
    assert.equal(col2.compacted, undefined);
  });

  withStore('concurrent creates of one key: exactly one wins', async (s, p) => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.create(`${p}race`, `writer-${i}`)));
    const winners = results.filter((r) => r.ok);
    assert.equal(winners.length, 1);
    const win = must(winners[0]);
    for (const r of results) if (!r.ok) assert.deepEqual(r, { ok: false, reason: 'AlreadyExists', current: win.kv });
    assert.deepEqual(await s.get(`${p}race`), win.kv);
    // The same holds for updates racing on one expected revision.
    const ups = await Promise.all(Array.from({ length: 10 }, (_, i) => s.update(`${p}race`, `u-${i}`, win.revision)));
    assert.equal(ups.filter((r) => r.ok).length, 1);
    assert.equal(ups.filter((r) => !r.ok && r.reason === 'Conflict').length, 9);
  });

  withStore('many concurrent writes are all acknowledged and watched in order', async (s, p) => {
    const start = await s.currentRevision();
    const col = new Collector();
    const ac = new AbortController();
    s.watch(`${p}m/`, start, col, ac.signal);
    const n = 400;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => s.create(`${p}m/${i}`, JSON.stringify({ i, pad: 'x'.repeat(200) }))));
    const oks = results.map(must);
    const revs = new Set(oks.map((r) => r.revision));
    assert.equal(revs.size, n, 'every write has its own revision');
    const updates = await Promise.all(oks.slice(0, 100).map((r) => s.update(r.kv.key, 'updated', r.revision)));
    assert.equal(updates.every((r) => r.ok), true);
    await col.until(() => col.events.length >= n + 100);
    ac.abort();
    assert.equal(col.events.length, n + 100);
    for (let i = 1; i < col.events.length; i++) {
      assert.equal(col.events[i].kv.modRevision > col.events[i - 1].kv.modRevision, true, 'events in revision order');
    }
    assert.deepEqual(new Set(col.events.slice(0, n).map((e) => e.kv.modRevision)), revs);
    assert.equal(await s.count(`${p}m/`), n);
  });

  withStore('abort stops a watch', async (s, p) => {
    const start = await s.currentRevision();
    const col = new Collector();
    const ac = new AbortController();
    s.watch(`${p}x/`, start, col, ac.signal);
    await pause(20);
    must(await s.create(`${p}x/1`, '1'));
    await col.until(() => col.events.length === 1);
    ac.abort();
    must(await s.create(`${p}x/2`, '2'));
    await pause(150);
    assert.equal(col.events.length, 1);
    assert.equal(col.error, undefined);
    // An already-aborted signal never delivers anything.
    const col2 = new Collector();
    s.watch(`${p}x/`, start, col2, AbortSignal.abort());
    await pause(50);
    assert.equal(col2.events.length, 0);
  });

  void test(`${name}: close ends watches and rejects later calls`, async () => {
    const s = await make();
    const p = uniquePrefix('close');
    const col = new Collector();
    s.watch(p, await s.currentRevision(), col, new AbortController().signal);
    await s.close();
    await assert.rejects(s.create(`${p}a`, 'x'));
    await s.close(); // idempotent
    assert.equal(col.events.length, 0);
  });
}
