/**
 * @module bench/api-workloads — the workloads of bench/api.bench.ts, each against a running server
 * over HTTPS with the admin client certificate: closed-loop creates at a fixed concurrency, an
 * open-loop paced create run, single-object GETs, LISTs of many pods, watch fan-out, and the raw
 * durable SQLite baseline. Latencies are per request (performance.now), summarised by nearest rank.
 */
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  createApiClient, makeAgent, rssKiB, summarize, waitFor,
  type ApiClient, type Credentials, type LatencySummary, type WatchStream,
} from '../test/harness/index.ts';

/** PAYLOAD_1400 pads a ConfigMap to about 1.5 KB of JSON. */
const PAYLOAD_1400 = 'p'.repeat(1400);

/** configMap is the ≈1.5 KB ConfigMap the create workloads post. */
export function configMap(name: string): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'api' } }, data: { payload: PAYLOAD_1400 } };
}

/** pod is a ≈1.3 KB Pod (one container, env, resources, ports) for the LIST workload. */
export function pod(name: string, i: number): object {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, labels: { app: 'bench', shard: String(i % 16) }, annotations: { 'bench/note': 'n'.repeat(200) } },
    spec: {
      containers: [{
        name: 'app', image: 'registry.example.com/team/app:1.0.0', args: ['--port=8080', '--verbose'],
        env: Array.from({ length: 8 }, (_, k) => ({ name: `VAR_${k}`, value: `value-${k}-${'v'.repeat(40)}` })),
        ports: [{ containerPort: 8080, name: 'http' }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      }],
      restartPolicy: 'Always', terminationGracePeriodSeconds: 30,
    },
  };
}

/** ensureNamespace creates a namespace (201) or accepts that it exists (409). */
export async function ensureNamespace(api: ApiClient, name: string): Promise<void> {
  const r = await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  if (r.status !== 201 && r.status !== 409) throw new Error(`create namespace ${name}: HTTP ${r.status} ${r.text()}`);
}

/** ThroughputResult is a closed-loop run. */
export interface ThroughputResult {
  readonly concurrency: number;
  readonly ok: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latencyMs: LatencySummary;
  readonly firstError?: string;
}

/** closedLoop runs `concurrency` workers that each call `op(i)` back to back until `ms` elapse (or `maxOps`). */
export async function closedLoop(concurrency: number, ms: number, maxOps: number, op: (i: number) => Promise<boolean | string>): Promise<ThroughputResult> {
  const lat: number[] = [];
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && next < maxOps) {
      const i = next++;
      const s = performance.now();
      let r: boolean | string;
      try { r = await op(i); } catch (e) { r = (e as Error).message; }
      lat.push(performance.now() - s);
      if (r === true) ok++;
      else { errors++; firstError ??= String(r); }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { concurrency, ok, errors, seconds, perSecond: ok / seconds, latencyMs: summarize(lat), firstError };
}

/** createsAt measures ConfigMap creates/s and latency at one concurrency over a keep-alive agent (names `prefix-i`). */
export async function createsAt(creds: Credentials, ns: string, concurrency: number, ms: number, prefix = `c${concurrency}`): Promise<ThroughputResult> {
  const api = createApiClient(creds, { maxSockets: concurrency });
  try {
    return await closedLoop(concurrency, ms, Number.MAX_SAFE_INTEGER, async (i) => {
      const r = await api.post(`/api/v1/namespaces/${ns}/configmaps`, configMap(`${prefix}-${i}`));
      return r.status === 201 || `HTTP ${r.status} ${r.text().slice(0, 200)}`;
    });
  } finally {
    api.close();
  }
}

/** PacedResult is an open-loop run at a target rate. */
export interface PacedResult {
  readonly targetPerSecond: number;
  readonly seconds: number;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly achievedPerSecond: number;
  /** latencyMs: from the scheduled send time (includes queueing when the server falls behind). */
  readonly latencyMs: LatencySummary;
  /** serviceMs: from the actual send to the response. */
  readonly serviceMs: LatencySummary;
  readonly abortedBacklog: boolean;
}

/** paced sends creates on a fixed schedule (open loop) at `rate`/s for `seconds`; it stops early if more than 5,000 are in flight. */
export async function paced(creds: Credentials, ns: string, rate: number, seconds: number): Promise<PacedResult> {
  const api = createApiClient(creds, { maxSockets: 256 });
  const lat: number[] = [];
  const svc: number[] = [];
  let ok = 0;
  let errors = 0;
  let sent = 0;
  let inflight = 0;
  let aborted = false;
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  const fire = (i: number, scheduled: number): Promise<void> => {
    inflight++;
    const s = performance.now();
    return api.post(`/api/v1/namespaces/${ns}/configmaps`, configMap(`paced-${i}`)).then((r) => {
      if (r.status === 201) ok++; else errors++;
    }, () => { errors++; }).finally(() => {
      const now = performance.now();
      lat.push(now - scheduled);
      svc.push(now - s);
      inflight--;
    });
  };
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    while (sent < due) {
      pending.push(fire(sent, t0 + (sent * 1000) / rate));
      sent++;
    }
    if (inflight > 5000) { aborted = true; break; }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  api.close();
  return {
    targetPerSecond: rate, seconds: elapsed, sent, ok, errors, achievedPerSecond: ok / elapsed,
    latencyMs: summarize(lat), serviceMs: summarize(svc), abortedBacklog: aborted,
  };
}

/** gets measures single-object GETs of one ConfigMap at a concurrency. */
export async function gets(creds: Credentials, ns: string, concurrency: number, ms: number, maxOps: number): Promise<ThroughputResult> {
  const api = createApiClient(creds, { maxSockets: concurrency });
  try {
    const path = `/api/v1/namespaces/${ns}/configmaps/get-target`;
    const c = await api.post(`/api/v1/namespaces/${ns}/configmaps`, configMap('get-target'));
    if (c.status !== 201 && c.status !== 409) throw new Error(`create get-target: HTTP ${c.status}`);
    return await closedLoop(concurrency, ms, maxOps, async () => {
      const r = await api.get(path);
      return r.status === 200 || `HTTP ${r.status}`;
    });
  } finally {
    api.close();
  }
}

/** ListVariant is one LIST variant repeated. */
export interface ListVariant {
  readonly name: string;
  readonly query: string;
  readonly items: number;
  readonly bytes: number;
  readonly latencyMs: LatencySummary;
  /** error: the first failed answer (the variant stops there). */
  readonly error?: string;
}

/** fillPods creates `count` pods in `ns` at concurrency 64 and returns the create rate. */
export async function fillPods(creds: Credentials, ns: string, count: number): Promise<ThroughputResult> {
  const api = createApiClient(creds, { maxSockets: 64 });
  try {
    return await closedLoop(64, 3_600_000, count, async (i) => {
      const r = await api.post(`/api/v1/namespaces/${ns}/pods`, pod(`pod-${i}`, i));
      return r.status === 201 || r.status === 409 || `HTTP ${r.status} ${r.text().slice(0, 200)}`;
    });
  } finally {
    api.close();
  }
}

/** lists times LIST variants of the pods in `ns`, `runs` times each (body read fully; items counted once). */
export async function lists(creds: Credentials, ns: string, runs: number): Promise<ListVariant[]> {
  const api = createApiClient(creds, { maxSockets: 1 });
  const variants = [
    { name: 'first page limit=500, resourceVersion=0', query: '?limit=500&resourceVersion=0' },
    { name: 'first page limit=500, consistent', query: '?limit=500' },
    { name: 'full, resourceVersion=0', query: '?resourceVersion=0' },
    { name: 'full, consistent', query: '' },
  ];
  const out: ListVariant[] = [];
  try {
    for (const v of variants) {
      const lat: number[] = [];
      let items = -1;
      let bytes = 0;
      let error: string | undefined;
      for (let i = 0; i < runs && !error; i++) {
        const s = performance.now();
        const r = await api.get(`/api/v1/namespaces/${ns}/pods${v.query}`, { timeoutMs: 300_000 });
        if (r.status !== 200) {
          error = `HTTP ${r.status} ${r.text().slice(0, 300)}`;
          break;
        }
        lat.push(performance.now() - s);
        bytes = r.body.length;
        if (items < 0) items = (r.json<{ items: unknown[] }>()).items.length;
      }
      out.push({ ...v, items, bytes, latencyMs: summarize(lat), error });
    }
  } finally {
    api.close();
  }
  return out;
}

/** WatchResult is a fan-out run. */
export interface WatchResult {
  readonly watchers: number;
  readonly updates: number;
  readonly expected: number;
  readonly delivered: number;
  readonly connectSeconds: number;
  readonly latencyMs: LatencySummary;
  /** fanOutMs: per update, the time from sending it until the last watcher received it. */
  readonly fanOutMs: LatencySummary;
  readonly rssBeforeKiB?: number;
  readonly rssWithWatchersKiB?: number;
  readonly rssAfterKiB?: number;
}

/** watchFanOut opens `watchers` watches on one namespace's configmaps (spread over `agents` agents),
 * makes `updates` updates of one ConfigMap spaced `gapMs` apart and measures update-to-delivery latency. */
export async function watchFanOut(creds: Credentials, ns: string, pid: number, watchers: number, updates: number, gapMs: number, agents = 8): Promise<WatchResult> {
  const api = createApiClient(creds, { maxSockets: 4 });
  const pool = Array.from({ length: agents }, () => makeAgent(creds, { keepAlive: true, maxSockets: Math.ceil(watchers / agents) + 1 }));
  const streams: WatchStream[] = [];
  try {
    await ensureNamespace(api, ns);
    const c = await api.post(`/api/v1/namespaces/${ns}/configmaps`, configMap('fan-target'));
    if (c.status !== 201) throw new Error(`create fan-target: HTTP ${c.status} ${c.text()}`);
    const startRv = c.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const rssBeforeKiB = await rssKiB(pid);
    const arrivals = new Map<string, number[]>();
    const t0 = performance.now();
    for (let i = 0; i < watchers; i += 50) {
      const batch: WatchStream[] = [];
      for (let j = i; j < Math.min(watchers, i + 50); j++) {
        batch.push(api.watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${startRv}`, {
          keep: false,
          agent: pool[j % agents],
          onEvent: (e) => {
            if (e.type !== 'MODIFIED') return;
            const rv = String(e.object?.metadata?.resourceVersion);
            let list = arrivals.get(rv);
            if (!list) arrivals.set(rv, (list = []));
            list.push(e.at);
          },
        }));
      }
      const statuses = await Promise.all(batch.map((s) => s.status));
      streams.push(...batch);
      const bad = statuses.find((s) => s !== 200);
      if (bad !== undefined) throw new Error(`watch ${streams.length}: HTTP ${bad}`);
    }
    const connectSeconds = (performance.now() - t0) / 1000;
    const rssWithWatchersKiB = await rssKiB(pid);
    const sentAt = new Map<string, number>();
    for (let u = 0; u < updates; u++) {
      const s = performance.now();
      const r = await api.patch(`/api/v1/namespaces/${ns}/configmaps/fan-target`, { data: { payload: `u${u}` } }, 'application/merge-patch+json');
      if (r.status !== 200) throw new Error(`update ${u}: HTTP ${r.status} ${r.text()}`);
      sentAt.set(r.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion, s);
      await new Promise((res) => setTimeout(res, gapMs));
    }
    const expected = watchers * updates;
    const count = (): number => [...sentAt.keys()].reduce((n, rv) => n + (arrivals.get(rv)?.length ?? 0), 0);
    await waitFor(() => count() >= expected, { timeoutMs: 30_000, intervalMs: 200, what: 'all watch deliveries' }).catch(() => undefined);
    const lat: number[] = [];
    const fan: number[] = [];
    for (const [rv, s] of sentAt) {
      const got = arrivals.get(rv) ?? [];
      for (const at of got) lat.push(at - s);
      if (got.length) fan.push(Math.max(...got) - s);
    }
    const rssAfterKiB = await rssKiB(pid);
    return {
      watchers, updates, expected, delivered: lat.length, connectSeconds, latencyMs: summarize(lat),
      fanOutMs: summarize(fan), rssBeforeKiB, rssWithWatchersKiB, rssAfterKiB,
    };
  } finally {
    for (const s of streams) s.close();
    for (const a of pool) a.destroy();
    api.close();
  }
}

/** RawSqliteResult is the durable single-row write baseline. */
export interface RawSqliteResult {
  readonly rows: number;
  readonly perSecond: number;
  readonly commitMs: LatencySummary;
}

/** rawSqlite inserts `rows` 1,536-byte rows into a plain table, one row per transaction, WAL + synchronous=FULL, in `dir`. */
export function rawSqlite(dir: string, rows: number): RawSqliteResult {
  const tmp = mkdtempSync(join(dir, 'windlass-rawsqlite-'));
  const db = new DatabaseSync(join(tmp, 'raw.db'));
  try {
    db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value BLOB NOT NULL)');
    const ins = db.prepare('INSERT INTO t (name, value) VALUES (?, ?)');
    const value = new Uint8Array(1536).fill(7);
    for (let i = 0; i < 100; i++) ins.run(`warm-${i}`, value);
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < rows; i++) {
      const s = performance.now();
      ins.run(`/registry/core/configmaps/bench/row-${i}`, value);
      lat.push(performance.now() - s);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { rows, perSecond: rows / seconds, commitMs: summarize(lat) };
  } finally {
    db.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
