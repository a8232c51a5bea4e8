/**
 * @module store/sqlite — the default Store: a kine-style append-only log in SQLite (node:sqlite).
 *
 * Every write inserts one row whose id is the new revision, after checking its precondition against
 * the key's latest row in the same transaction; the file is locked exclusively, so no other writer
 * comes between (kine's UNIQUE(name, prev_revision) guard against concurrent writers is not needed,
 * and a file that has it loses it on open: it made each write ≈ a third dearer). Writes are
 * group-committed: all writes queued before the next event-loop check phase go into one
 * transaction, each with its own precondition. A write resolves
 * only once its commit is durable: SQLite commits without syncing (synchronous=NORMAL) and the
 * store then syncs the WAL file itself with an fdatasync on libuv's thread pool, so the event
 * loop keeps serving while the disk flushes (one sync covers every batch committed before it
 * started). Reads, lists, watches and the current revision see only synced revisions; the next
 * batch's compare-and-swap already sees the unsynced ones (it is ordered after them in the WAL).
 * Watch events are handed to in-process watchers once their batch is synced; history for replays
 * and past-revision lists is read from the log. The connection holds the database exclusively
 * (one server per file).
 */
import { closeSync, fdatasync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchListener, WriteResult } from './types.ts';
import { closedError, futureRevisionError, prefixEnd, WatchHub } from './watch-hub.ts';

/** SqliteStoreOptions tunes the SQLite backend. */
export interface SqliteStoreOptions {
  /** synchronous: 'FULL' (default: a write resolves once the WAL is synced, off the event loop) or
   * 'NORMAL' (no syncing: may lose the last commits on power loss). */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** compactBatch: revisions removed per compaction transaction (default 10,000). */
  readonly compactBatch?: number;
  /** busyTimeoutMs: how long opening waits for another holder of the file to let go (default 5000). */
  readonly busyTimeoutMs?: number;
  /** maxBatch: most writes per group-commit transaction (default MAX_BATCH); bounds how long one
   * commit blocks the event loop, since node:sqlite is synchronous. */
  readonly maxBatch?: number;
  /** onCommit: called after each group commit with its size, how long it held the event loop
   * (`ms`) and how much of that was the COMMIT itself (`commitMs`: the WAL write; the sync follows off the loop). */
  readonly onCommit?: (info: { readonly writes: number; readonly ms: number; readonly commitMs: number }) => void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id);
DROP INDEX IF EXISTS log_name_prev;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** MAX_BATCH is the default cap on writes per transaction, bounding how long one commit blocks
 * the event loop: ~1.2 ms for 128 writes of 1.5 KB vs ~2.3 ms for 256 on the reference VM, at ~5%
 * less peak throughput (bench/store.bench.ts; the rarer 10–15 ms commits are WAL checkpoints, whatever the batch). */
export const MAX_BATCH = 128;

/** MAX_KEY bounds ranges whose prefix has no successor (the empty prefix). */
const MAX_KEY = '\u{10FFFF}';

interface LatestRow { id: number; cr: number; deleted: number; value: string }
interface ListRow { id: number; name: string; cr: number; value: string }
interface LogRow { id: number; name: string; created: number; deleted: number; cr: number; pr: number; value: string; pv: string | null; pcr: number | null }

type Op =
  | { kind: 'create'; key: string; value: string; resolve: (r: WriteResult) => void; reject: (e: unknown) => void }
  | { kind: 'update'; key: string; value: string; expected: number; resolve: (r: WriteResult) => void; reject: (e: unknown) => void }
  | { kind: 'delete'; key: string; expected: number | undefined; resolve: (r: WriteResult) => void; reject: (e: unknown) => void };

/** Committed is one batch committed to SQLite and waiting for the WAL sync before it is acknowledged. */
interface Committed { readonly batch: Op[]; readonly results: WriteResult[]; readonly events: WatchEvent[]; readonly rev: number }

function kvOf(key: string, r: LatestRow): KeyValue {
  return { key, value: r.value, createRevision: r.cr, modRevision: r.id };
}

function eventOf(r: LogRow): WatchEvent {
  const kv: KeyValue = { key: r.name, value: r.value, createRevision: r.cr, modRevision: r.id };
  if (r.deleted) return { type: 'delete', kv, prev: { key: r.name, value: r.value, createRevision: r.cr, modRevision: r.pr } };
  if (r.created || r.pv === null) return { type: 'put', kv };
  return { type: 'put', kv, prev: { key: r.name, value: r.pv, createRevision: r.pcr ?? r.cr, modRevision: r.pr } };
}

function rangeOf(prefix: string): [string, string] {
  return [prefix, prefixEnd(prefix) ?? MAX_KEY];
}

class SqliteStore implements Store {
  readonly name = 'sqlite';
  readonly #db: DatabaseSync;
  readonly #compactBatch: number;
  readonly #maxBatch: number;
  readonly #onCommit: SqliteStoreOptions['onCommit'];
  /** rev is the last committed revision (the next write's is rev + 1). */
  #rev: number;
  /** visible is the last synced (acknowledged, readable) revision; it trails #rev while a sync runs. */
  #visible: number;
  /** walPath is the WAL file synced after commits (undefined: no syncing, as for NORMAL or :memory:). */
  readonly #walPath: string | undefined;
  #walFd: number | undefined;
  #unsynced: Committed[] = [];
  #syncing = false;
  #idle: PromiseWithResolvers<void> | undefined;
  #compactRev: number;
  #closed = false;
  #queue: Op[] = [];
  #scheduled = false;
  #compacting: Promise<void> = Promise.resolve();
  readonly #hub: WatchHub;
  readonly #s: Record<'begin' | 'commit' | 'rollback' | 'latest' | 'visible' | 'insert' | 'list' | 'count' | 'events' | 'compactStep' | 'setCompact', StatementSync>;

  constructor(db: DatabaseSync, opts: SqliteStoreOptions, walPath: string | undefined) {
    this.#db = db;
    this.#walPath = walPath;
    this.#compactBatch = opts.compactBatch ?? 10_000;
    this.#maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? MAX_BATCH));
    this.#onCommit = opts.onCommit;
    const p = (sql: string): StatementSync => db.prepare(sql);
    this.#s = {
      begin: p('BEGIN IMMEDIATE'),
      commit: p('COMMIT'),
      rollback: p('ROLLBACK'),
      latest: p('SELECT id, create_revision AS cr, deleted, value FROM log WHERE name = ? ORDER BY id DESC LIMIT 1'),
      visible: p('SELECT id, create_revision AS cr, deleted, value FROM log WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1'),
      insert: p('INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // SQLite takes the bare columns of an aggregate query from the row holding MAX(id).
      list: p(`SELECT id, name, cr, value FROM (
          SELECT MAX(id) AS id, name, deleted, create_revision AS cr, value FROM log
          WHERE name >= ? AND name < ? AND id <= ? GROUP BY name ORDER BY name
        ) WHERE deleted = 0 LIMIT ?`),
      count: p(`SELECT COUNT(*) AS n FROM (
          SELECT MAX(id) AS id, deleted FROM log WHERE name >= ? AND name < ? AND id <= ? GROUP BY name
        ) WHERE deleted = 0`),
      events: p(`SELECT l.id, l.name, l.created, l.deleted, l.create_revision AS cr, l.prev_revision AS pr, l.value,
          p.value AS pv, p.create_revision AS pcr
        FROM log l LEFT JOIN log p ON p.id = l.prev_revision AND l.created = 0 AND l.deleted = 0
        WHERE l.id > ? AND l.id <= ? AND +l.name >= ? AND +l.name < ? ORDER BY l.id LIMIT ?`),
      compactStep: p(`DELETE FROM log WHERE id > ? AND id <= ? AND (deleted = 1 OR EXISTS (
          SELECT 1 FROM log n WHERE n.name = log.name AND n.id > log.id AND n.id <= ?))`),
      setCompact: p(`INSERT INTO meta (key, value) VALUES ('compact_revision', ?)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    };
    const seq = db.prepare(`SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'log'), 0),
        COALESCE((SELECT MAX(id) FROM log), 0)) AS rev`).get() as { rev: number };
    this.#rev = seq.rev;
    this.#visible = seq.rev;
    const meta = db.prepare(`SELECT value FROM meta WHERE key = 'compact_revision'`).get() as { value: number } | undefined;
    this.#compactRev = meta?.value ?? 0;
    this.#hub = new WatchHub({
      events: (prefix, after, limit) => {
        const [lo, hi] = rangeOf(prefix);
        return (this.#s.events.all(after, this.#visible, lo, hi, limit) as unknown as LogRow[]).map(eventOf);
      },
      revision: () => this.#visible,
      compactRevision: () => this.#compactRev,
    });
  }

  #check(): void {
    if (this.#closed) throw closedError(this.name);
  }

  #enqueue(op: Op): void {
    this.#queue.push(op);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** #flush commits every queued write in one transaction, then acknowledges and publishes. */
  #flush(): void {
    this.#scheduled = false;
    let batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const max = this.#maxBatch;
    if (batch.length > max) {
      this.#queue = batch.slice(max);
      batch = batch.slice(0, max);
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
    const results: WriteResult[] = new Array<WriteResult>(batch.length);
    const events: WatchEvent[] = [];
    const s = this.#s;
    let rev = this.#rev;
    const t0 = this.#onCommit ? performance.now() : 0;
    let t1 = t0;
    try {
      s.begin.run();
      for (let i = 0; i < batch.length; i++) {
        const op = batch[i];
        const cur = s.latest.get(op.key) as LatestRow | undefined;
        const live = cur && cur.deleted === 0 ? cur : undefined;
        if (op.kind === 'create') {
          if (live) {
            results[i] = { ok: false, reason: 'AlreadyExists', current: kvOf(op.key, live) };
            continue;
          }
          rev++;
          s.insert.run(rev, op.key, 1, 0, rev, cur ? cur.id : 0, op.value);
          const kv: KeyValue = { key: op.key, value: op.value, createRevision: rev, modRevision: rev };
          results[i] = { ok: true, kv, revision: rev };
          events.push({ type: 'put', kv });
          continue;
        }
        if (!live) {
          results[i] = { ok: false, reason: 'NotFound' };
          continue;
        }
        const expected = op.expected;
        if (expected !== undefined && live.id !== expected) {
          results[i] = { ok: false, reason: 'Conflict', current: kvOf(op.key, live) };
          continue;
        }
        rev++;
        const prev = kvOf(op.key, live);
        if (op.kind === 'update') {
          s.insert.run(rev, op.key, 0, 0, live.cr, live.id, op.value);
          const kv: KeyValue = { key: op.key, value: op.value, createRevision: live.cr, modRevision: rev };
          results[i] = { ok: true, kv, revision: rev };
          events.push({ type: 'put', kv, prev });
        } else {
          s.insert.run(rev, op.key, 0, 1, live.cr, live.id, live.value);
          const kv: KeyValue = { key: op.key, value: live.value, createRevision: live.cr, modRevision: rev };
          results[i] = { ok: true, kv, revision: rev };
          events.push({ type: 'delete', kv, prev });
        }
      }
      t1 = this.#onCommit ? performance.now() : 0;
      s.commit.run();
    } catch (err) {
      try {
        if (this.#db.isTransaction) s.rollback.run();
      } catch { /* the original error is what matters */ }
      for (const op of batch) op.reject(err);
      return;
    }
    this.#rev = rev;
    const t2 = this.#onCommit ? performance.now() : 0;
    const done: Committed = { batch, results, events, rev };
    if (this.#walPath === undefined) this.#acknowledge(done);
    else {
      this.#unsynced.push(done);
      this.#sync();
    }
    try {
      this.#onCommit?.({ writes: batch.length, ms: t2 - t0, commitMs: t2 - t1 });
    } catch { /* an observer's failure must not touch the store */ }
  }

  /** acknowledge resolves a batch's writes and publishes its events; its revisions become visible. */
  #acknowledge(c: Committed, failure?: Error): void {
    this.#visible = c.rev;
    for (let i = 0; i < c.batch.length; i++) {
      if (failure) c.batch[i].reject(failure);
      else c.batch[i].resolve(c.results[i]);
    }
    if (c.events.length > 0) this.#hub.publish(c.events, c.rev);
  }

  /** sync flushes the WAL for every batch committed so far (one sync at a time; batches committed
   * meanwhile wait for the next), then acknowledges them in commit order. A failed sync fails
   * their writes (the rows stay committed: readers and watchers see them as they are). */
  #sync(): void {
    if (this.#syncing || this.#unsynced.length === 0) return;
    const groups = this.#unsynced;
    this.#unsynced = [];
    this.#syncing = true;
    let failure: Error | undefined;
    const after = (err: Error | null): void => {
      this.#syncing = false;
      if (err) failure = new Error(`sqlite store: syncing the WAL failed: ${err.message}`);
      for (const g of groups) this.#acknowledge(g, failure);
      if (this.#unsynced.length > 0) this.#sync();
      else this.#idle?.resolve();
    };
    try {
      this.#walFd ??= openSync(this.#walPath!, 'r');
      fdatasync(this.#walFd, after);
    } catch (e) {
      after(e as Error);
    }
  }

  async currentRevision(): Promise<number> {
    this.#check();
    return this.#visible;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.#check();
    const r = (this.#visible === this.#rev ? this.#s.latest.get(key) : this.#s.visible.get(key, this.#visible)) as LatestRow | undefined;
    return r && r.deleted === 0 ? kvOf(key, r) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.#check();
    const revision = opts.revision && opts.revision > 0 ? opts.revision : this.#visible;
    if (revision > this.#visible) throw futureRevisionError(revision, this.#visible);
    if (revision < this.#compactRev) return { ok: false, reason: 'Compacted', compactRevision: this.#compactRev };
    const [low, hi] = rangeOf(prefix);
    const lo = opts.startAfter !== undefined && opts.startAfter + '\0' > low ? opts.startAfter + '\0' : low;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const rows = this.#s.list.all(lo, hi, revision, limit > 0 ? limit + 1 : -1) as unknown as ListRow[];
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    const items = rows.map((r): KeyValue => ({ key: r.name, value: r.value, createRevision: r.cr, modRevision: r.id }));
    // No `remaining` when more remain: counting them walks the rest of the range (O(prefix), ~70 ms
    // at 100k keys) where the page itself costs O(page); the contract makes it optional.
    return more ? { ok: true, items, revision, more } : { ok: true, items, revision, more, remaining: 0 };
  }

  async count(prefix: string): Promise<number> {
    this.#check();
    const [lo, hi] = rangeOf(prefix);
    return (this.#s.count.get(lo, hi, this.#visible) as { n: number }).n;
  }

  create(key: string, value: string): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.#check();
      this.#enqueue({ kind: 'create', key, value, resolve, reject });
    });
  }

  update(key: string, value: string, expectedRevision: number): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.#check();
      this.#enqueue({ kind: 'update', key, value, expected: expectedRevision, resolve, reject });
    });
  }

  delete(key: string, expectedRevision?: number): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.#check();
      this.#enqueue({ kind: 'delete', key, expected: expectedRevision, resolve, reject });
    });
  }

  watch(prefix: string, afterRevision: number, listener: WatchListener, signal: AbortSignal): void {
    this.#check();
    this.#hub.add(prefix, afterRevision, listener, signal);
  }

  compact(revision: number): Promise<void> {
    const run = this.#compacting.then(() => this.#compact(revision));
    this.#compacting = run.catch(() => undefined);
    return run;
  }

  async #compact(revision: number): Promise<void> {
    this.#check();
    if (revision > this.#visible) throw futureRevisionError(revision, this.#visible);
    const from = this.#compactRev;
    if (revision <= from) return;
    this.#s.setCompact.run(revision);
    this.#compactRev = revision;
    // Delete superseded rows and tombstones in slices so writes and reads interleave.
    for (let lo = from; lo < revision; lo += this.#compactBatch) {
      if (this.#closed) return;
      const hi = Math.min(revision, lo + this.#compactBatch);
      this.#s.begin.run();
      try {
        this.#s.compactStep.run(lo, hi, revision);
        this.#s.commit.run();
      } catch (err) {
        if (this.#db.isTransaction) this.#s.rollback.run();
        throw err;
      }
      if (hi < revision) await new Promise((r) => setImmediate(r));
    }
  }

  async compactRevision(): Promise<number> {
    this.#check();
    return this.#compactRev;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    while (this.#queue.length > 0) this.#flush();
    if (this.#syncing || this.#unsynced.length > 0) {
      this.#idle = Promise.withResolvers<void>();
      this.#sync();
      await this.#idle.promise;
    }
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    this.#closed = true;
    this.#hub.closeAll();
    await this.#compacting;
    this.#db.close();
  }
}

/** openSqliteStore opens (creating if needed) the SQLite store at `path`; reopening continues its revisions. */
export async function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Promise<Store> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  try {
    // A 16 MiB page cache: the pages writes and reads touch (the newest rows, the name index) stay in
    // it; a bigger one cost 48 MiB more RSS at 30,000 pods without a measurable gain (bench/README.md).
    // 16 KiB pages (a new file only; an existing one keeps its size): a pod (≈ 4 KB) fits in a leaf
    // instead of spilling into an overflow page, which made creates and updates ≈ 15–20 % cheaper.
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))};
      PRAGMA page_size = 16384;
      PRAGMA locking_mode = EXCLUSIVE;
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA temp_store = MEMORY;
      PRAGMA cache_size = -16384;`);
    db.exec(SCHEMA);
    // FULL: the store syncs the WAL itself after each commit (off the event loop); SQLite syncs at checkpoints.
    const walPath = path === ':memory:' || opts.synchronous === 'NORMAL' ? undefined : `${path}-wal`;
    return new SqliteStore(db, opts, walPath);
  } catch (err) {
    db.close();
    throw err;
  }
}
