/**
 * @module bench/api.bench — API server benchmarks against a real `windlass server` process (SQLite,
 * and etcd when src/store/etcd-testing.ts can start one): ConfigMap creates/s at concurrency 1, 16,
 * 64, 256 with p50/p99, the raw durable SQLite single-row baseline and the ratio, a paced 1,000
 * creates/s run, single-object GET, LIST of 10k pods (100k with --big), and watch fan-out to 1,000
 * watchers with delivery latency and server RSS. Prints a table and writes JSON to bench/out/.
 *
 * Usage: node bench/api.bench.ts [--big] [--store sqlite|etcd|all|none] [--only raw,creates,paced,get,list,watch]
 *        [--seconds N (per create level, default 4)] [--watchers N (default 1000)] [--data-root DIR]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiClient, fmtMs, REPO_ROOT, rssKiB, startServer, type LatencySummary } from '../test/harness/index.ts';
import {
  createsAt, ensureNamespace, fillPods, gets, lists, paced, rawSqlite, watchFanOut,
  type ListVariant, type PacedResult, type RawSqliteResult, type ThroughputResult, type WatchResult,
} from './api-workloads.ts';

const { values: args } = parseArgs({
  options: {
    big: { type: 'boolean', default: false },
    store: { type: 'string', default: 'all' },
    only: { type: 'string', default: 'creates,paced,get,list,watch' },
    seconds: { type: 'string', default: '4' },
    watchers: { type: 'string', default: '1000' },
    'data-root': { type: 'string', default: tmpdir() },
  },
});
const only = new Set(args.only.split(','));
const levelMs = Number(args.seconds) * 1000;
const podCount = args.big ? 100_000 : 10_000;

/** StoreResults are the measurements against one server/store. */
interface StoreResults {
  store: string;
  serverStartSeconds: number;
  rssIdleKiB?: number;
  creates?: ThroughputResult[];
  paced?: PacedResult;
  get?: ThroughputResult[];
  podFill?: ThroughputResult;
  list?: ListVariant[];
  watch?: WatchResult;
  rssEndKiB?: number;
  errors: string[];
}

function sh(cmd: string, argv: string[]): string {
  try { return execFileSync(cmd, argv, { encoding: 'utf8' }).trim(); } catch { return ''; }
}

function machine(): Record<string, unknown> {
  const model = /model name\s*:\s*(.*)/.exec(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ?? cpus()[0]?.model;
  return {
    nproc: Number(sh('nproc', [])) || cpus().length,
    cpuModel: model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: sh('uname', ['-r']),
    dataRootFs: sh('df', ['-T', args['data-root']]).split('\n')[1]?.split(/\s+/)[1] ?? 'unknown',
    openFilesLimit: Number(sh('sh', ['-c', 'ulimit -n'])) || undefined,
  };
}

async function loadEtcd(): Promise<(() => Promise<{ endpoint: string; stop(): Promise<void> }>) | undefined> {
  const mod = join(REPO_ROOT, 'src', 'store', 'etcd-testing.ts');
  if (!existsSync(mod)) return undefined;
  return ((await import(mod)) as { startEtcd: () => Promise<{ endpoint: string; stop(): Promise<void> }> }).startEtcd;
}

async function runStore(store: string, endpoint: string | undefined, watchers: number): Promise<StoreResults> {
  const t0 = performance.now();
  const dataDir = join(args['data-root'], `windlass-bench-${store}-${process.pid}`);
  mkdirSync(dataDir, { recursive: true });
  const server = await startServer({ dataDir, datastoreEndpoint: endpoint });
  const res: StoreResults = { store, serverStartSeconds: (performance.now() - t0) / 1000, errors: [] };
  const creds = server.credentials;
  const api = createApiClient(creds);
  const log = (s: string): void => { process.stderr.write(`[${store}] ${s}\n`); };
  /** section runs one workload; a failure is recorded and the next workload still runs. */
  const section = async (name: string, fn: () => Promise<void>): Promise<void> => {
    if (!only.has(name)) return;
    try {
      await fn();
    } catch (e) {
      const msg = (e as Error).stack ?? String(e);
      res.errors.push(`${name}: ${msg.split('\n')[0]}`);
      log(`${name} FAILED: ${msg}\n${server.output().slice(-2000)}`);
    }
  };
  try {
    res.rssIdleKiB = await rssKiB(server.pid);
    await ensureNamespace(api, 'bench');
    await section('creates', async () => {
      await createsAt(creds, 'bench', 16, 1000, 'warmup');
      res.creates = [];
      for (const c of [1, 16, 64, 256]) {
        log(`creates at concurrency ${c}`);
        res.creates.push(await createsAt(creds, 'bench', c, levelMs));
      }
    });
    await section('paced', async () => {
      log('paced 1,000 creates/s for 10 s');
      await ensureNamespace(api, 'paced');
      res.paced = await paced(creds, 'paced', 1000, 10);
    });
    await section('get', async () => {
      log('GET');
      res.get = [await gets(creds, 'bench', 1, 3000, 3000), await gets(creds, 'bench', 16, 3000, 1e9)];
    });
    await section('list', async () => {
      log(`filling ${podCount} pods`);
      await ensureNamespace(api, 'list');
      res.podFill = await fillPods(creds, 'list', podCount);
      log('LIST');
      res.list = await lists(creds, 'list', args.big ? 3 : 5);
    });
    await section('watch', async () => {
      log(`watch fan-out to ${watchers}`);
      res.watch = await watchFanOut(creds, 'fanout', server.pid, watchers, 20, 250);
    });
    res.rssEndKiB = await rssKiB(server.pid);
  } catch (e) {
    res.errors.push((e as Error).stack ?? String(e));
    log(`FAILED: ${res.errors.at(-1)}\n${server.output().slice(-3000)}`);
  } finally {
    api.close();
    await server.stop();
    execFileSync('rm', ['-rf', dataDir]);
  }
  return res;
}

const lat = (l: LatencySummary): string => `${fmtMs(l.p50).padStart(7)} ${fmtMs(l.p99).padStart(8)}`;
const n0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const mib = (kib: number | undefined): string => (kib === undefined ? '-' : `${(kib / 1024).toFixed(0)} MiB`);

function printTable(raw: RawSqliteResult | undefined, results: StoreResults[]): void {
  const rows: string[] = [];
  const row = (store: string, what: string, rate: string, l?: LatencySummary, note = ''): void => {
    rows.push(`${store.padEnd(7)} ${what.padEnd(44)} ${rate.padStart(12)} ${l ? lat(l) : ''.padStart(16)}  ${note}`);
  };
  rows.push(`${'store'.padEnd(7)} ${'workload'.padEnd(44)} ${'ops/s'.padStart(12)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(8)}  note`);
  if (raw) row('raw', 'SQLite 1 row/txn, WAL, synchronous=FULL', n0(raw.perSecond), raw.commitMs, `${raw.rows} rows of 1,536 B`);
  for (const r of results) {
    for (const c of r.creates ?? []) row(r.store, `create ConfigMap ~1.5 KB, c=${c.concurrency}`, n0(c.perSecond), c.latencyMs, c.errors ? `${c.errors} errors: ${c.firstError}` : '');
    if (raw && r.creates?.length) {
      const best = Math.max(...r.creates.map((c) => c.perSecond));
      row(r.store, 'best creates/s ÷ raw SQLite rows/s', (best / raw.perSecond).toFixed(2));
    }
    if (r.paced) row(r.store, `paced ${r.paced.targetPerSecond}/s for 10 s (from schedule)`, n0(r.paced.achievedPerSecond), r.paced.latencyMs,
      `service p99 ${fmtMs(r.paced.serviceMs.p99)} ms${r.paced.errors ? `, ${r.paced.errors} errors` : ''}${r.paced.abortedBacklog ? ', ABORTED: backlog > 5000' : ''}`);
    for (const g of r.get ?? []) row(r.store, `GET one ConfigMap, c=${g.concurrency}`, n0(g.perSecond), g.latencyMs, g.errors ? `${g.errors} errors` : '');
    if (r.podFill) row(r.store, `create ${n0(r.podFill.ok)} pods (fill), c=64`, n0(r.podFill.perSecond), r.podFill.latencyMs);
    for (const l of r.list ?? []) row(r.store, `LIST ${l.name}`, '', l.latencyMs, l.error ? `ERROR ${l.error.slice(0, 160)}` : `${n0(l.items)} items, ${(l.bytes / 2 ** 20).toFixed(1)} MiB`);
    if (r.watch) {
      const w = r.watch;
      row(r.store, `watch: ${w.watchers} watchers × ${w.updates} updates, delivery`, '', w.latencyMs,
        `${n0(w.delivered)}/${n0(w.expected)} delivered; connect ${w.connectSeconds.toFixed(1)} s; RSS ${mib(w.rssBeforeKiB)} → ${mib(w.rssWithWatchersKiB)} → ${mib(w.rssAfterKiB)}`);
      row(r.store, 'watch: update → last watcher (fan-out time)', '', w.fanOutMs);
    }
    rows.push(`${r.store.padEnd(7)} server start ${r.serverStartSeconds.toFixed(1)} s, RSS idle ${mib(r.rssIdleKiB)}, at end ${mib(r.rssEndKiB)}`);
    for (const e of r.errors) rows.push(`${r.store.padEnd(7)} ERROR in ${e.slice(0, 300)}`);
  }
  console.log(rows.join('\n'));
}

async function main(): Promise<void> {
  const m = machine();
  let watchers = Number(args.watchers);
  const fdLimit = m.openFilesLimit as number | undefined;
  if (fdLimit && watchers * 2 + 500 > fdLimit) {
    watchers = Math.max(10, Math.floor((fdLimit - 500) / 2));
    process.stderr.write(`open-files limit ${fdLimit}: using ${watchers} watchers\n`);
  }
  const raw = only.has('creates') || only.has('raw') ? rawSqlite(args['data-root'], 3000) : undefined;
  const results: StoreResults[] = [];
  if (args.store === 'sqlite' || args.store === 'all') results.push(await runStore('sqlite', undefined, watchers));
  if (args.store === 'etcd' || args.store === 'all') {
    const startEtcd = await loadEtcd();
    let etcd: { endpoint: string; stop(): Promise<void> } | undefined;
    try {
      etcd = startEtcd ? await startEtcd() : undefined;
    } catch (e) {
      process.stderr.write(`etcd skipped: ${(e as Error).message}\n`);
    }
    if (etcd) {
      try { results.push(await runStore('etcd', etcd.endpoint, watchers)); } finally { await etcd.stop(); }
    } else if (args.store === 'etcd') {
      throw new Error('etcd requested but unavailable');
    }
  }
  printTable(raw, results);
  const outDir = join(REPO_ROOT, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `api-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ bench: 'api', date: new Date().toISOString(), args, machine: m, rawSqlite: raw, results }, null, 2)}\n`);
  console.log(`\nmachine: ${JSON.stringify(m)}\nwrote ${file}`);
  if (results.some((r) => r.errors.length > 0 || r.list?.some((l) => l.error))) process.exitCode = 1;
}

await main();
