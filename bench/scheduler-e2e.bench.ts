/**
 * @module bench/scheduler-e2e.bench — scheduling end to end through the API: a real `windlass
 * server` process (SQLite store, scheduler and controllers) and a `windlass sim` process with N
 * hollow nodes (half Windows, tainted). Measures node registration time, then creates P pods
 * (half Windows with nodeSelector + toleration, half Linux) at high concurrency and reports the
 * scheduling throughput (pods bound per second, from the first to the last binding seen on a
 * watch), pod startup latency (client-side create → Running seen on the watch, p50/p99) and the
 * RSS of server and sim at the end. Prints a table and writes JSON to bench/out/.
 *
 * The pods are created through undici's `Pool` (one connection per concurrent request, the
 * credentials' TLS context), a client as light as client-go's, so that the load generator takes
 * as little of the machine's two cores as it can; the bench watches pods with the harness client.
 *
 * Also records the CPU seconds both processes spent while the pods were created and started (from
 * /proc/PID/stat; the fair figure on a shared machine), and the server's request counts by verb and
 * resource during that phase (from /metrics).
 *
 * Startup latency depends on how far creation runs ahead of scheduling: unpaced, it measures the
 * backlog; with --create-rate R (pod i is sent at t0 + i/R, at most --concurrency in flight) it measures
 * latency at that load.
 *
 * With --scheduling-only the hollow nodes run no pods (`windlass sim --no-pods`; they still register
 * and renew their Leases), the shape of upstream's scheduler_perf (real API server and store, fake
 * nodes, no kubelets): the figures then cover creating and binding the pods only.
 *
 * Usage: node bench/scheduler-e2e.bench.ts [--nodes 1000,5000] [--pods 30000] [--concurrency 64] [--create-rate 0] [--scheduling-only]
 *        [--server-node-options '--cpu-prof --cpu-prof-dir=bench/out/prof'] (passed as NODE_OPTIONS to the server)
 *        [--sim-node-options '--cpu-prof --cpu-prof-dir=bench/out/prof-sim'] (passed as NODE_OPTIONS to the sim)
 *        [--server-node-args '--single-threaded-gc'] [--sim-node-args '…'] (node's own command line, before the entry)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import {
  byThreadName, cpuSeconds, createApiClient, fmtMs, REPO_ROOT, rssKiB, startServer, startWindlass, summarize, waitFor,
  threadCpu, type ApiClient, type LatencySummary,
} from '../test/harness/index.ts';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000,5000' },
    pods: { type: 'string', default: '30000' },
    concurrency: { type: 'string', default: '64' },
    /** create-rate: pods created per second (open loop, like clusterloader2's paced creation); 0 = as fast as possible. */
    'create-rate': { type: 'string', default: '0' },
    'server-node-options': { type: 'string', default: '' },
    'sim-node-options': { type: 'string', default: '' },
    /** server-node-args / sim-node-args: node options on the command line (space-separated; e.g. V8 GC flags that NODE_OPTIONS refuses). */
    'server-node-args': { type: 'string', default: '' },
    'sim-node-args': { type: 'string', default: '' },
    /** scheduling-only: the hollow nodes register and renew their Leases but run no pods (`windlass sim
     * --no-pods`), as scheduler_perf measures with fake nodes and no kubelets: the run ends when every
     * pod is bound, and there is no startup latency. */
    'scheduling-only': { type: 'boolean', default: false },
    /** heap-snapshot: signal the server (started with --heapsnapshot-signal=SIGUSR2) for a heap snapshot at the end. */
    'heap-snapshot': { type: 'boolean', default: false },
  },
});

/** Result is one run's figures. */
interface Result {
  nodes: number;
  pods: number;
  registerSeconds: number;
  createSeconds: number;
  scheduledPerSecond: number;
  /** scheduledWhileCreating / scheduledAfterCreating: bindings per second before and after the last
   * create returned (does creation's share of the API slow binding down?). */
  scheduledWhileCreating: number;
  scheduledAfterCreating: number;
  /** notReadyNodes: nodes not Ready (or tainted not-ready/unreachable) when every pod was bound or running. */
  notReadyNodes: number;
  startup: LatencySummary;
  serverRssMiB: number;
  simRssMiB: number;
  /** serverPeakRssMiB: the server's highest RSS during the run (VmHWM; a heap snapshot inflates it). */
  serverPeakRssMiB: number;
  /** CPU seconds (user + system) from the first create to the last pod Running. */
  serverCpuSeconds: number;
  /** serverMainCpuSeconds: the server's main thread alone (the API; the control plane has its own thread). */
  serverMainCpuSeconds: number;
  /** serverThreads: the server's CPU seconds in that phase by thread name (main, control plane worker, GC helpers, libuv pool). */
  serverThreads: Record<string, number>;
  simCpuSeconds: number;
  /** clientCpuSeconds: this bench process's own CPU (creating the pods and watching them). */
  clientCpuSeconds: number;
  /** requests the server answered in that phase, by "VERB resource". */
  requests: Record<string, number>;
}

/** requestCounts sums apiserver_request_total by verb and resource. */
async function requestCounts(api: ApiClient): Promise<Record<string, number>> {
  const text = (await api.get('/metrics')).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\d+)/gm)) {
    const verb = /verb="([^"]*)"/.exec(m[1])?.[1] ?? '';
    const resource = /resource="([^"]*)"/.exec(m[1])?.[1] ?? '';
    out[`${verb} ${resource}`] = (out[`${verb} ${resource}`] ?? 0) + Number(m[2]);
  }
  return out;
}

function diffCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b)) if (v - (a[k] ?? 0) > 0) out[k] = v - (a[k] ?? 0);
  return out;
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

/** splitArgs splits a space-separated option list (no quoting). */
function splitArgs(s: string | undefined): string[] {
  return (s ?? '').split(' ').filter((a) => a !== '');
}

async function countNodes(api: ApiClient): Promise<number> {
  const r = await api.get('/api/v1/nodes');
  return r.json<{ items: unknown[] }>().items.length;
}

/** notReadyNodes counts the nodes whose Ready condition is not True or that carry a not-ready or
 * unreachable taint (a hollow node whose heartbeats fell behind under the load). */
async function notReadyNodes(api: ApiClient): Promise<number> {
  const r = await api.get('/api/v1/nodes');
  type N = { spec?: { taints?: { key: string }[] }; status?: { conditions?: { type: string; status: string }[] } };
  return r.json<{ items: N[] }>().items.filter((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True' ||
    n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready' || t.key === 'node.kubernetes.io/unreachable')).length;
}

/** rateAround splits the bindings (sorted times, ms) at `at`: per second from the first binding to
 * `at`, and from `at` to the last one (0 when one side is empty or too short to measure). */
function rateAround(times: readonly number[], at: number): { scheduledWhileCreating: number; scheduledAfterCreating: number } {
  const before = times.filter((t) => t <= at).length;
  const after = times.length - before;
  const first = times[0] ?? at;
  const last = times[times.length - 1] ?? at;
  return {
    scheduledWhileCreating: before > 0 && at - first > 100 ? before / ((at - first) / 1000) : 0,
    scheduledAfterCreating: after > 0 && last - at > 100 ? after / ((last - at) / 1000) : 0,
  };
}

async function run(nodes: number, pods: number, concurrency: number): Promise<Result> {
  // A pod network with a /24 for every node (the default /16 has 256), as a cluster of this size is configured.
  const server = await startServer({
    timeoutMs: 120_000, extraArgs: ['--cluster-cidr', '10.64.0.0/10'],
    env: args['server-node-options'] ? { NODE_OPTIONS: args['server-node-options'] } : {},
    nodeArgs: splitArgs(args['server-node-args']),
  });
  const api = createApiClient(server.credentials, { maxSockets: concurrency });
  const creds = server.credentials;
  const creator = new Pool(creds.server, { connections: concurrency, connect: { secureContext: createSecureContext({ ca: creds.ca, cert: creds.cert, key: creds.key }) } });
  const t0 = performance.now();
  const schedulingOnly = args['scheduling-only'] === true;
  const sim = startWindlass(['sim', '--server', server.url, '--kubeconfig', server.kubeconfigPath, '--nodes', String(nodes), '--windows', String(nodes / 2), '--windows-taint',
    ...(schedulingOnly ? ['--no-pods'] : [])],
    { env: args['sim-node-options'] ? { NODE_OPTIONS: args['sim-node-options'] } : {}, nodeArgs: splitArgs(args['sim-node-args']) });
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
    // Only bound pods: a pod's creation event tells the bench nothing (it stamps creation itself), and
    // leaving it out spares the server a third of this watch's writes and the client a third of its parsing.
    const watch = api.watch(`/api/v1/namespaces/bench/pods?watch=true&fieldSelector=${encodeURIComponent('spec.nodeName!=')}`, {
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
    const counts0 = await requestCounts(api);
    const threads0 = threadCpu(server.pid);
    const cpu0 = { server: cpuSeconds(server.pid), main: cpuSeconds(server.pid, server.pid), sim: cpuSeconds(sim.child.pid), client: process.cpuUsage() };
    const c0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= pods) return;
        const rate = Number(args['create-rate']);
        if (rate > 0) {
          const wait = c0 + (i * 1000) / rate - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        createdAt.set(`p-${i}`, performance.now());
        const r = await creator.request({
          method: 'POST', path: '/api/v1/namespaces/bench/pods', body: JSON.stringify(podManifest(i)),
          headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'scheduler-e2e-bench' },
        });
        const text = await r.body.text();
        if (r.statusCode !== 201) throw new Error(`create p-${i}: ${r.statusCode} ${text}`);
      }
    }));
    const createdAll = performance.now();
    const createSeconds = (createdAll - c0) / 1000;
    if (schedulingOnly) await waitFor(() => bound.size >= pods, { timeoutMs: 900_000, intervalMs: 200, what: `${pods} bound (bound ${bound.size})` });
    else await waitFor(() => running.size >= pods, { timeoutMs: 900_000, intervalMs: 500, what: `${pods} running (bound ${bound.size}, running ${running.size})` });
    const threads1 = threadCpu(server.pid);
    const notReady = await notReadyNodes(api);
    const cpu1 = { server: cpuSeconds(server.pid), main: cpuSeconds(server.pid, server.pid), sim: cpuSeconds(sim.child.pid), client: process.cpuUsage(cpu0.client) };
    if (args['heap-snapshot']) {
      process.kill(server.pid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 60_000));
    }
    const requests = diffCounts(counts0, await requestCounts(api));
    watch.close();
    boundAt.sort((a, b) => a - b);
    const span = (boundAt[boundAt.length - 1] - boundAt[0]) / 1000;
    const result: Result = {
      nodes, pods, registerSeconds, createSeconds,
      scheduledPerSecond: boundAt.length / Math.max(span, 1e-3),
      ...rateAround(boundAt, createdAll),
      notReadyNodes: notReady,
      startup: summarize(startup),
      serverRssMiB: ((await rssKiB(server.pid)) ?? 0) / 1024,
      simRssMiB: ((await rssKiB(sim.child.pid ?? 0)) ?? 0) / 1024,
      serverPeakRssMiB: ((await rssKiB(server.pid, true)) ?? 0) / 1024,
      serverCpuSeconds: cpu1.server - cpu0.server,
      serverMainCpuSeconds: cpu1.main - cpu0.main,
      serverThreads: byThreadName(threads0, threads1),
      simCpuSeconds: cpu1.sim - cpu0.sim,
      clientCpuSeconds: (cpu1.client.user + cpu1.client.system) / 1e6,
      requests,
    };
    return result;
  } finally {
    api.close();
    await creator.destroy();
    await sim.stop(10_000);
    await server.stop(30_000);
  }
}

const results: Result[] = [];
for (const n of args.nodes.split(',').map(Number)) {
  const r = await run(n, Number(args.pods), Number(args.concurrency));
  results.push(r);
  console.log(`nodes ${r.nodes}: registered in ${r.registerSeconds.toFixed(1)} s; ${r.pods} pods created in ${r.createSeconds.toFixed(1)} s; ` +
    `${Number(args['create-rate']) > 0 ? `(paced at ${args['create-rate']}/s) ` : ''}${args['scheduling-only'] ? '(scheduling only: no pods run) ' : ''}scheduled ${r.scheduledPerSecond.toFixed(0)} pods/s (${r.scheduledWhileCreating.toFixed(0)} while creating, ${r.scheduledAfterCreating.toFixed(0)} after); startup p50 ${fmtMs(r.startup.p50)} p99 ${fmtMs(r.startup.p99)}; ` +
    `RSS server ${r.serverRssMiB.toFixed(0)} MiB (peak ${r.serverPeakRssMiB.toFixed(0)}), sim ${r.simRssMiB.toFixed(0)} MiB; nodes not ready at the end: ${r.notReadyNodes}`);
  console.log(`  CPU while creating + ${args['scheduling-only'] ? 'binding' : 'starting'}: server ${r.serverCpuSeconds.toFixed(1)} s (${(r.serverCpuSeconds / r.pods * 1e3).toFixed(2)} ms/pod; ` +
    `main thread ${(r.serverMainCpuSeconds / r.pods * 1e3).toFixed(2)} ms/pod), ` +
    `sim ${r.simCpuSeconds.toFixed(1)} s (${(r.simCpuSeconds / r.pods * 1e3).toFixed(2)} ms/pod), ` +
    `bench client ${r.clientCpuSeconds.toFixed(1)} s (${(r.clientCpuSeconds / r.pods * 1e3).toFixed(2)} ms/pod)`);
  console.log(`  server threads, ms/pod: ${Object.entries(r.serverThreads).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / r.pods * 1e3).toFixed(2)}`).join(', ')}`);
  console.log(`  requests per pod: ${Object.entries(r.requests).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / r.pods).toFixed(2)}`).join(', ')}`);
}
const model = /model name\s*:\s*(.*)/.exec(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ?? cpus()[0]?.model;
const out = join(REPO_ROOT, 'bench', 'out');
mkdirSync(out, { recursive: true });
const file = join(out, `scheduler-e2e-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ bench: 'scheduler-e2e', date: new Date().toISOString(), args, machine: { model, cpus: cpus().length, memGiB: totalmem() / 2 ** 30, node: process.version }, results }, null, 2)}\n`);
console.log(`wrote ${file}`);
