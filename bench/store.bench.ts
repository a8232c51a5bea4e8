/**
 * @module bench/store.bench — the store backends on their own.
 *
 * Section `writes`: durable write throughput against the raw baselines — plain SQLite single-row
 * commits (synchronous=FULL) vs SqliteStore creates, and raw etcd3 puts vs EtcdStore creates, at
 * concurrency 1/16/64/256 with 1.5 KB values; for SqliteStore also how long each group commit
 * held the event loop (node:sqlite is synchronous) and the largest batch; then SqliteStore updates of
 * 20k existing keys scattered over the key space at concurrency 16, with CPU per update.
 * Section `list`: paged and full LISTs of one prefix holding 10k / 100k keys of ~1.3 KB (pod-sized):
 * the first page (limit 500) of a consistent read, a page from the middle, a first page at a past
 * revision, and the full prefix (SQLite, memory; etcd at the smallest size only, as its fill is slow).
 * Prints tables and one JSON line. Run:
 *   node bench/store.bench.ts [--no-etcd] [--scale 0.5] [--only writes,list] [--list-sizes 10000,100000]
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { Etcd3 } from 'etcd3';
import { openEtcdStore } from '../src/store/etcd.ts';
import { ETCD_BINARY, startEtcd } from '../src/store/etcd-testing.ts';
import { createMemoryStore } from '../src/store/memory.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import type { Store } from '../src/store/types.ts';

interface Row {
  backend: string;
  workload: string;
  concurrency: number;
  ops: number;
  opsPerSec: number;
  p50ms: number;
  p99ms: number;
  /** watchP99ms: create call → watcher event, p99 (store runs only). */
  watchP99ms?: number;
  /** loopP99ms: event-loop delay p99 during the run. */
  loopP99ms?: number;
  /** commitP50ms / commitP99ms / commitMaxMs: time one SQLite group commit held the event loop. */
  commitP50ms?: number;
  commitP99ms?: number;
  commitMaxMs?: number;
  /** syncP50ms: of that, the COMMIT statement (WAL append + fsync), median. */
  syncP50ms?: number;
  /** maxBatch: the largest group commit (writes in one transaction). */
  maxBatch?: number;
  /** cpuUsPerOp: this process's CPU (user + system) per operation, µs (update runs only). */
  cpuUsPerOp?: number;
}

/** ListRow is one LIST measurement: `runs` timings of the same read. */
interface ListRow {
  backend: string;
  keys: number;
  read: string;
  runs: number;
  items: number;
  p50ms: number;
  maxMs: number;
}

const args = process.argv.slice(2);
const scaleIdx = args.indexOf('--scale');
const scale = scaleIdx >= 0 ? Number(args[scaleIdx + 1]) : 1;
const withEtcd = !args.includes('--no-etcd');
const onlyIdx = args.indexOf('--only');
const sections = new Set(onlyIdx >= 0 ? args[onlyIdx + 1].split(',') : ['writes', 'list']);
const sizesIdx = args.indexOf('--list-sizes');
const LIST_SIZES = sizesIdx >= 0 ? args[sizesIdx + 1].split(',').map(Number) : [10_000, 100_000];
/** commits collects SqliteStore group-commit reports (reset per run). */
let commits: Array<{ writes: number; ms: number; commitMs: number }> = [];
const VALUE = JSON.stringify({ pad: randomBytes(1100).toString('base64') }).slice(0, 1536);
const LEVELS = [1, 16, 64, 256];

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/** drive runs `total` operations with `concurrency` in flight and times each one. */
async function drive(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<{ secs: number; lat: Float64Array; loopP99: number }> {
  const lat = new Float64Array(total);
  let next = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const s = performance.now();
      await op(i);
      lat[i] = performance.now() - s;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const secs = (performance.now() - t0) / 1000;
  loop.disable();
  lat.sort();
  return { secs, lat, loopP99: loop.percentile(99) / 1e6 };
}

function rawSqlite(dir: string, n: number): Row {
  const db = new DatabaseSync(join(dir, 'raw.db'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL)');
  const begin = db.prepare('BEGIN IMMEDIATE');
  const insert = db.prepare('INSERT INTO t (name, value) VALUES (?, ?)');
  const commit = db.prepare('COMMIT');
  const lat = new Float64Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    begin.run();
    insert.run(`/raw/${i}`, VALUE);
    commit.run();
    lat[i] = performance.now() - s;
  }
  const secs = (performance.now() - t0) / 1000;
  db.close();
  lat.sort();
  return { backend: 'sqlite', workload: 'raw insert, 1 row/txn', concurrency: 1, ops: n, opsPerSec: Math.round(n / secs), p50ms: round(pct(lat, 50)), p99ms: round(pct(lat, 99)) };
}

/** storeRun measures Store.create at one concurrency, with one watcher timing event delivery. */
async function storeRun(store: Store, label: string, concurrency: number, n: number): Promise<Row> {
  const prefix = `/bench/${label}/c${concurrency}/`;
  const started = new Float64Array(n);
  const watchLat: number[] = [];
  const ac = new AbortController();
  let seen = 0;
  let allSeen: () => void = () => undefined;
  const seenAll = new Promise<void>((r) => { allSeen = r; });
  commits = [];
  store.watch(prefix, await store.currentRevision(), {
    onEvents(events) {
      const now = performance.now();
      for (const e of events) {
        const i = Number(e.kv.key.slice(prefix.length));
        watchLat.push(now - started[i]);
      }
      seen += events.length;
      if (seen >= n) allSeen();
    },
    onCompacted() { throw new Error('unexpected compaction'); },
    onError(err) { throw err; },
  }, ac.signal);
  await new Promise((r) => setTimeout(r, 50));
  const { secs, lat, loopP99 } = await drive(n, concurrency, async (i) => {
    started[i] = performance.now();
    const r = await store.create(`${prefix}${i}`, VALUE);
    if (!r.ok) throw new Error(`create failed: ${r.reason}`);
  });
  await Promise.race([seenAll, new Promise((r) => setTimeout(r, 10_000))]);
  ac.abort();
  const w = Float64Array.from(watchLat).sort();
  const row: Row = {
    backend: store.name, workload: 'Store.create', concurrency, ops: n, opsPerSec: Math.round(n / secs),
    p50ms: round(pct(lat, 50)), p99ms: round(pct(lat, 99)), watchP99ms: round(pct(w, 99)), loopP99ms: round(loopP99),
  };
  if (commits.length > 0) {
    const ms = Float64Array.from(commits.map((c) => c.ms)).sort();
    row.commitP50ms = round(pct(ms, 50));
    row.commitP99ms = round(pct(ms, 99));
    row.syncP50ms = round(pct(Float64Array.from(commits.map((c) => c.commitMs)).sort(), 50));
    row.commitMaxMs = round(ms[ms.length - 1]);
    row.maxBatch = Math.max(...commits.map((c) => c.writes));
  }
  return row;
}

/** updateRun measures Store.update of `n` existing keys whose names are scattered across the key
 * space (as Lease renewals and pod status writes are), each updated once, at `concurrency`. */
async function updateRun(store: Store, concurrency: number, n: number): Promise<Row> {
  const prefix = `/bench/updates/c${concurrency}/`;
  const key = (i: number): string => `${prefix}${((i * 7919) % n).toString(36)}`;
  const revs = new Array<number>(n);
  await drive(n, concurrency, async (i) => {
    const r = await store.create(key(i), VALUE);
    if (!r.ok) throw new Error(`create failed: ${r.reason}`);
    revs[i] = r.kv.modRevision;
  });
  commits = [];
  const cpu0 = process.cpuUsage();
  const { secs, lat, loopP99 } = await drive(n, concurrency, async (i) => {
    const r = await store.update(key(i), VALUE, revs[i]);
    if (!r.ok) throw new Error(`update failed: ${r.reason}`);
  });
  const cpu = process.cpuUsage(cpu0);
  const ms = Float64Array.from(commits.map((c) => c.ms)).sort();
  return {
    backend: store.name, workload: 'Store.update (scattered keys)', concurrency, ops: n, opsPerSec: Math.round(n / secs),
    p50ms: round(pct(lat, 50)), p99ms: round(pct(lat, 99)), loopP99ms: round(loopP99),
    ...(ms.length > 0 ? { commitP50ms: round(pct(ms, 50)), commitP99ms: round(pct(ms, 99)), commitMaxMs: round(ms[ms.length - 1]), maxBatch: Math.max(...commits.map((c) => c.writes)) } : {}),
    cpuUsPerOp: round((cpu.user + cpu.system) / n, 1),
  };
}

async function rawEtcd(endpoint: string, concurrency: number, n: number): Promise<Row> {
  const client = new Etcd3({ hosts: endpoint });
  try {
    const { secs, lat } = await drive(n, concurrency, (i) => client.put(`/raw/c${concurrency}/${i}`).value(VALUE).exec());
    return { backend: 'etcd', workload: 'raw etcd3 put', concurrency, ops: n, opsPerSec: Math.round(n / secs), p50ms: round(pct(lat, 50)), p99ms: round(pct(lat, 99)) };
  } finally {
    client.close();
  }
}

const count = (c: number, base: number): number => Math.max(200, Math.round((c === 1 ? base / 4 : base) * scale));

/** podValue is a ~1.3 KB JSON value, like a small pod. */
const podValue = (i: number): string => JSON.stringify({ i, pad: VALUE.slice(0, 1250) });

/** fill creates `n` keys under `prefix` (1,000 in flight), plus 1,000 keys of a sibling prefix. */
async function fill(store: Store, prefix: string, n: number): Promise<void> {
  const width = String(n).length;
  for (let i = 0; i < n; i += 1000) {
    const rs = await Promise.all(Array.from({ length: Math.min(1000, n - i) }, (_, j) => store.create(`${prefix}pod-${String(i + j).padStart(width, '0')}`, podValue(i + j))));
    if (!rs.every((r) => r.ok)) throw new Error('fill: a create failed');
  }
  await Promise.all(Array.from({ length: 1000 }, (_, j) => store.create(`${prefix.slice(0, -1)}-other/cm-${j}`, 'x')));
}

/** timeList runs the same list `runs` times (after one warm-up) and keeps the timings. */
async function timeList(store: Store, keys: number, read: string, runs: number, call: () => ReturnType<Store['list']>): Promise<ListRow> {
  const first = await call();
  if (!first.ok) throw new Error(`${read}: compacted`);
  const t = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await call();
    t[i] = performance.now() - s;
  }
  t.sort();
  return { backend: store.name, keys, read, runs, items: first.items.length, p50ms: round(pct(t, 50)), maxMs: round(t[t.length - 1]) };
}

/** listRuns fills a fresh store with `n` keys under one prefix and times the LIST shapes. */
async function listRuns(store: Store, n: number): Promise<ListRow[]> {
  const prefix = '/registry/core/pods/list/';
  const t0 = performance.now();
  await fill(store, prefix, n);
  const fillSecs = (performance.now() - t0) / 1000;
  console.log(`${store.name}: filled ${n} keys in ${fillSecs.toFixed(1)} s`);
  const past = await store.currentRevision();
  // A few writes after `past` so the past-revision read is really a snapshot read.
  for (let i = 0; i < 10; i++) await store.create(`${prefix}zz-late-${i}`, 'late');
  const mid = `${prefix}pod-${String(Math.floor(n / 2)).padStart(String(n).length, '0')}`;
  const heavy = Math.max(3, Math.round(20_000 / n));
  return [
    await timeList(store, n, 'first page, limit 500, consistent', 50, () => store.list(prefix, { limit: 500 })),
    await timeList(store, n, 'middle page, limit 500, at that revision', 50, () => store.list(prefix, { limit: 500, startAfter: mid, revision: past })),
    await timeList(store, n, 'first page, limit 500, past revision', 50, () => store.list(prefix, { limit: 500, revision: past })),
    await timeList(store, n, 'full prefix, no limit', heavy, () => store.list(prefix)),
    await timeList(store, n, 'count', heavy, async () => ({ ok: true, items: new Array(await store.count(prefix)), revision: 0, more: false })),
  ];
}

async function listSection(): Promise<ListRow[]> {
  const rows: ListRow[] = [];
  for (const n of LIST_SIZES) {
    const dir = mkdtempSync(join(tmpdir(), 'windlass-bench-list-'));
    try {
      const store = await openSqliteStore(join(dir, 'store.db'));
      try {
        rows.push(...await listRuns(store, n));
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const mem = createMemoryStore();
    try {
      rows.push(...await listRuns(mem, n));
    } finally {
      await mem.close();
    }
  }
  if (withEtcd && existsSync(ETCD_BINARY)) {
    const etcd = await startEtcd();
    try {
      const store = await openEtcdStore([etcd.endpoint]);
      try {
        rows.push(...await listRuns(store, Math.min(...LIST_SIZES)));
      } finally {
        await store.close();
      }
    } finally {
      await etcd.stop();
    }
  }
  return rows;
}

async function writesSection(): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'windlass-bench-'));
  try {
    rows.push(rawSqlite(dir, Math.round(3000 * scale)));
    const store = await openSqliteStore(join(dir, 'store.db'), { onCommit: (c) => commits.push(c) });
    try {
      for (const c of LEVELS) rows.push(await storeRun(store, 'sqlite', c, count(c, 16_000)));
      rows.push(await updateRun(store, 16, Math.round(20_000 * scale)));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (withEtcd && existsSync(ETCD_BINARY)) {
    const etcd = await startEtcd();
    try {
      const store = await openEtcdStore([etcd.endpoint]);
      try {
        for (const c of LEVELS) {
          rows.push(await rawEtcd(etcd.endpoint, c, count(c, 4000)));
          rows.push(await storeRun(store, 'etcd', c, count(c, 4000)));
        }
      } finally {
        await store.close();
      }
    } finally {
      await etcd.stop();
    }
  } else if (withEtcd) {
    console.log(`etcd not found at ${ETCD_BINARY}: etcd rows skipped (scripts/setup.sh --test installs etcd-server)`);
  }
  return rows;
}

/** printTable prints rows of cells, the first `left` columns left-aligned. */
function printTable(header: string[], table: string[][], left: number): void {
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const t of table) console.log(line(t));
}

async function main(): Promise<void> {
  const rows = sections.has('writes') ? await writesSection() : [];
  const lists = sections.has('list') ? await listSection() : [];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\nstore bench — node ${process.version}, ${cpus().length} × ${cpu}\n`);
  const opt = (x: number | undefined): string => (x === undefined ? '' : String(x));
  if (rows.length > 0) {
    console.log('writes: 1,536-byte values, durable (fsync) writes');
    printTable(['backend', 'workload', 'c', 'ops', 'ops/s', 'p50 ms', 'p99 ms', 'watch p99 ms', 'loop p99 ms', 'commit p50 ms', 'commit p99 ms', 'commit max ms', 'sync p50 ms', 'max batch', 'CPU µs/op'],
      rows.map((r) => [r.backend, r.workload, String(r.concurrency), String(r.ops), String(r.opsPerSec), String(r.p50ms), String(r.p99ms),
        opt(r.watchP99ms), opt(r.loopP99ms), opt(r.commitP50ms), opt(r.commitP99ms), opt(r.commitMaxMs), opt(r.syncP50ms), opt(r.maxBatch), opt(r.cpuUsPerOp)]), 2);
  }
  if (lists.length > 0) {
    console.log('\nlists: one prefix of N keys (~1.3 KB values) + 1,000 keys of a sibling prefix');
    printTable(['backend', 'keys', 'read', 'runs', 'items', 'p50 ms', 'max ms'],
      lists.map((r) => [r.backend, String(r.keys), r.read, String(r.runs), String(r.items), String(r.p50ms), String(r.maxMs)]), 3);
  }
  console.log(JSON.stringify({ bench: 'store', node: process.version, cpus: cpus().length, cpu, rows, lists }));
}

await main();
