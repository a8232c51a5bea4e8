/**
 * @module bench/store.bench — durable write throughput of the store backends against their raw
 * baselines: plain SQLite single-row commits (synchronous=FULL) vs SqliteStore creates, and raw
 * etcd3 puts vs EtcdStore creates, at concurrency 1/16/64/256 with 1.5 KB values.
 * Prints a table and one JSON line. Run: node bench/store.bench.ts [--no-etcd] [--scale 0.5]
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
}

const args = process.argv.slice(2);
const scaleIdx = args.indexOf('--scale');
const scale = scaleIdx >= 0 ? Number(args[scaleIdx + 1]) : 1;
const withEtcd = !args.includes('--no-etcd');
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
  return {
    backend: store.name, workload: 'Store.create', concurrency, ops: n, opsPerSec: Math.round(n / secs),
    p50ms: round(pct(lat, 50)), p99ms: round(pct(lat, 99)), watchP99ms: round(pct(w, 99)), loopP99ms: round(loopP99),
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

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'windlass-bench-'));
  try {
    rows.push(rawSqlite(dir, Math.round(3000 * scale)));
    const store = await openSqliteStore(join(dir, 'store.db'));
    try {
      for (const c of LEVELS) rows.push(await storeRun(store, 'sqlite', c, count(c, 16_000)));
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
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`store bench — node ${process.version}, ${cpus().length} × ${cpu}, 1,536-byte values, durable (fsync) writes\n`);
  const header = ['backend', 'workload', 'c', 'ops', 'ops/s', 'p50 ms', 'p99 ms', 'watch p99 ms', 'loop p99 ms'];
  const table = rows.map((r) => [r.backend, r.workload, String(r.concurrency), String(r.ops), String(r.opsPerSec), String(r.p50ms), String(r.p99ms), r.watchP99ms === undefined ? '' : String(r.watchP99ms), r.loopP99ms === undefined ? '' : String(r.loopP99ms)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const t of table) console.log(line(t));
  console.log(JSON.stringify({ bench: 'store', node: process.version, cpus: cpus().length, cpu, rows }));
}

await main();
