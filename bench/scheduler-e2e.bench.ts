/**
 * @module bench/scheduler-e2e.bench — scheduling end to end through the API: a real `windlass
 * server` process (SQLite store, scheduler and controllers) and a `windlass sim` process with N
 * hollow nodes (half Windows, tainted). Measures node registration time, then creates P pods
 * (half Windows with nodeSelector + toleration, half Linux) at high concurrency and reports the
 * scheduling throughput (pods bound per second, from the first to the last binding seen on a
 * watch), pod startup latency (client-side create → Running seen on the watch, p50/p99) and the
 * RSS of server and sim at the end. Prints a table and writes JSON to bench/out/.
 *
 * Usage: node bench/scheduler-e2e.bench.ts [--nodes 1000,5000] [--pods 30000] [--concurrency 64]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createApiClient, fmtMs, REPO_ROOT, rssKiB, startServer, startWindlass, summarize, waitFor,
  type ApiClient, type LatencySummary,
} from '../test/harness/index.ts';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000,5000' },
    pods: { type: 'string', default: '30000' },
    concurrency: { type: 'string', default: '64' },
  },
});

/** Result is one run's figures. */
interface Result {
  nodes: number;
  pods: number;
  registerSeconds: number;
  createSeconds: number;
  scheduledPerSecond: number;
  startup: LatencySummary;
  serverRssMiB: number;
  simRssMiB: number;
}

function podManifest(i: number): object {
  const windows = i % 2 === 1;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `p-${i}`, namespace: 'bench', labels: { app: windows ? 'win' : 'lin' } },
    spec: {
      ...(windows ? {
        nodeSelector: { 'kubernetes.io/os': 'windows' },
        tolerations: [{ key: 'os', operator: 'Equal', value: 'windows', effect: 'NoSchedule' }],
      } : { nodeSelector: { 'kubernetes.io/os': 'linux' } }),
      containers: [{ name: 'c', image: windows ? 'mcr.microsoft.com/windows/nanoserver:ltsc2022' : 'registry.local/app:1', resources: { requests: { cpu: '10m', memory: '32Mi' } } }],
    },
  };
}

async function countNodes(api: ApiClient): Promise<number> {
  const r = await api.get('/api/v1/nodes');
  return r.json<{ items: unknown[] }>().items.length;
}

async function run(nodes: number, pods: number, concurrency: number): Promise<Result> {
  const server = await startServer({ timeoutMs: 120_000 });
  const api = createApiClient(server.credentials, { maxSockets: concurrency });
  const t0 = performance.now();
  const sim = startWindlass(['sim', '--server', server.url, '--kubeconfig', server.kubeconfigPath, '--nodes', String(nodes), '--windows', String(nodes / 2), '--windows-taint']);
  try {
    await waitFor(async () => (await countNodes(api)) >= nodes, { timeoutMs: 600_000, intervalMs: 500, what: `${nodes} nodes` });
    const registerSeconds = (performance.now() - t0) / 1000;
    await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    await waitFor(async () => (await api.get('/api/v1/namespaces/bench/serviceaccounts/default')).status === 200, { timeoutMs: 30_000, what: 'default SA' });
    const createdAt = new Map<string, number>();
    const boundAt: number[] = [];
    const startup: number[] = [];
    const bound = new Set<string>();
    const running = new Set<string>();
    const watch = api.watch('/api/v1/namespaces/bench/pods?watch=true', {
      keep: false,
      onEvent: (e) => {
        const name = e.object?.metadata?.name as string;
        if (e.object?.spec?.nodeName && !bound.has(name)) { bound.add(name); boundAt.push(e.at); }
        if (e.object?.status?.phase === 'Running' && !running.has(name)) {
          running.add(name);
          const c = createdAt.get(name);
          if (c !== undefined) startup.push(e.at - c);
        }
      },
    });
    const c0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= pods) return;
        createdAt.set(`p-${i}`, performance.now());
        const r = await api.post('/api/v1/namespaces/bench/pods', podManifest(i));
        if (r.status !== 201) throw new Error(`create p-${i}: ${r.status} ${r.text()}`);
      }
    }));
    const createSeconds = (performance.now() - c0) / 1000;
    await waitFor(() => running.size >= pods, { timeoutMs: 900_000, intervalMs: 500, what: `${pods} running (bound ${bound.size}, running ${running.size})` });
    watch.close();
    boundAt.sort((a, b) => a - b);
    const span = (boundAt[boundAt.length - 1] - boundAt[0]) / 1000;
    const result: Result = {
      nodes, pods, registerSeconds, createSeconds,
      scheduledPerSecond: boundAt.length / Math.max(span, 1e-3),
      startup: summarize(startup),
      serverRssMiB: ((await rssKiB(server.pid)) ?? 0) / 1024,
      simRssMiB: ((await rssKiB(sim.child.pid ?? 0)) ?? 0) / 1024,
    };
    return result;
  } finally {
    api.close();
    await sim.stop(10_000);
    await server.stop(30_000);
  }
}

const results: Result[] = [];
for (const n of args.nodes.split(',').map(Number)) {
  const r = await run(n, Number(args.pods), Number(args.concurrency));
  results.push(r);
  console.log(`nodes ${r.nodes}: registered in ${r.registerSeconds.toFixed(1)} s; ${r.pods} pods created in ${r.createSeconds.toFixed(1)} s; ` +
    `scheduled ${r.scheduledPerSecond.toFixed(0)} pods/s; startup p50 ${fmtMs(r.startup.p50)} p99 ${fmtMs(r.startup.p99)}; ` +
    `RSS server ${r.serverRssMiB.toFixed(0)} MiB, sim ${r.simRssMiB.toFixed(0)} MiB`);
}
const model = /model name\s*:\s*(.*)/.exec(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ?? cpus()[0]?.model;
const out = join(REPO_ROOT, 'bench', 'out');
mkdirSync(out, { recursive: true });
const file = join(out, `scheduler-e2e-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ bench: 'scheduler-e2e', date: new Date().toISOString(), args, machine: { model, cpus: cpus().length, memGiB: totalmem() / 2 ** 30, node: process.version }, results }, null, 2)}\n`);
console.log(`wrote ${file}`);
