/**
 * @module bench/request-cost.bench — the server's CPU per request for each write a pod's life costs
 * in the end-to-end scheduler bench (create, binding, status patch, Scheduled event) and for a node
 * Lease renewal, measured on a real `windlass server` (SQLite store, control plane running; the pods
 * name a scheduler that does not exist, so nothing else writes them). Each phase sends N requests
 * over C keep-alive connections; the CPU is read per server thread from /proc before and after, so
 * the figure includes what the control plane thread's informers spend on the resulting events
 * (thread names as the kernel has them: MainThread is the API, windlass-contro the control plane).
 *
 * Usage: node bench/request-cost.bench.ts [--requests 3000] [--concurrency 16] [--only renew]
 *        [--server-node-options=--cpu-prof --cpu-prof-dir=bench/out/prof-rc]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, byThreadName, createApiClient, startServer, threadCpu, type HttpResponse } from '../test/harness/index.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
    only: { type: 'string', default: '' },
    'server-node-options': { type: 'string', default: '' },
  },
});
const N = Number(args.requests);
const C = Number(args.concurrency);
const NS = 'request-cost';

const srv = await startServer(args['server-node-options'] ? { env: { NODE_OPTIONS: args['server-node-options'] } } : {});
const api = createApiClient(srv.credentials);

interface Row { phase: string; perSecond: number; serverMsPerRequest: number; byThreadMs: Record<string, number> }
const rows: Row[] = [];

/** phase sends N requests made by `fn` over C workers and records the server's CPU per request. */
async function phase(name: string, fn: (i: number) => Promise<HttpResponse>, always = false): Promise<void> {
  if (args.only && !name.startsWith(args.only) && !always) return;
  const before = threadCpu(srv.pid);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: C }, async () => {
    for (let i = next++; i < N; i = next++) {
      const r = await fn(i);
      if (r.status >= 300) throw new Error(`${name} #${i}: HTTP ${r.status} ${r.text().slice(0, 300)}`);
    }
  }));
  const ms = performance.now() - t0;
  const after = threadCpu(srv.pid);
  const byThreadMs: Record<string, number> = {};
  let total = 0;
  for (const [name, d] of Object.entries(byThreadName(before, after))) {
    total += d;
    if (d > 0) byThreadMs[name] = Number((d * 1000 / N).toFixed(3));
  }
  const row = { phase: name, perSecond: Math.round(N / ms * 1000), serverMsPerRequest: Number((total * 1000 / N).toFixed(3)), byThreadMs };
  rows.push(row);
  console.log(`${name.padEnd(13)} ${String(row.perSecond).padStart(6)}/s  server ${row.serverMsPerRequest.toFixed(3)} ms/request  (${Object.entries(byThreadMs).map(([k, v]) => `${k} ${v}`).join(', ')})`);
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const micro = (): string => new Date().toISOString().replace('Z', '000Z');
const pod = (i: number): object => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, namespace: NS, labels: { app: 'lin' } },
  spec: { schedulerName: 'no-such-scheduler', nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'c', image: 'registry.local/app:1', resources: { requests: { cpu: '10m', memory: '32Mi' } } }] },
});
const ip = (i: number): string => `10.1.${i >> 8}.${i & 255}`;
const runningStatus = (i: number, t: string): object => ({
  status: {
    phase: 'Running', startTime: t, hostIP: '10.0.0.1', podIP: ip(i), podIPs: [{ ip: ip(i) }],
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: t })),
    containerStatuses: [{ name: 'c', ready: true, started: true, restartCount: 0, image: 'registry.local/app:1', imageID: 'sha256:0', containerID: `hollow://${i}`, state: { running: { startedAt: t } } }],
  },
});
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases`;
const leases: Record<string, { spec: { renewTime: string } }> = {};

try {
  const made = await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  if (made.status >= 300) throw new Error(`namespace: HTTP ${made.status}`);
  await phase('create pod', (i) => api.post(`/api/v1/namespaces/${NS}/pods`, pod(i)), true);
  await phase('bind pod', (i) => api.post(`/api/v1/namespaces/${NS}/pods/p-${i}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: `p-${i}` }, target: { kind: 'Node', name: `n-${i % 100}` } }));
  await phase('status patch', (i) => api.patch(`/api/v1/namespaces/${NS}/pods/p-${i}/status`, runningStatus(i, now()), 'application/merge-patch+json'));
  await phase('create event', (i) => api.post(`/api/v1/namespaces/${NS}/events`, {
    apiVersion: 'v1', kind: 'Event', metadata: { name: `p-${i}.scheduled`, namespace: NS }, involvedObject: { kind: 'Pod', namespace: NS, name: `p-${i}`, apiVersion: 'v1' },
    reason: 'Scheduled', message: `Successfully assigned ${NS}/p-${i} to n-1`, type: 'Normal', source: { component: 'default-scheduler' }, firstTimestamp: now(), lastTimestamp: now(), count: 1,
  }));
  await phase('create lease', async (i) => {
    const r = await api.post(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: `n-${i}` }, spec: { holderIdentity: `n-${i}`, leaseDurationSeconds: 40, renewTime: micro() } });
    if (r.status < 300) leases[i] = r.json<{ spec: { renewTime: string } }>();
    return r;
  }, true);
  for (let round = 0; round < 2; round++) {
    await phase('renew lease', async (i) => {
      const l = leases[i];
      l.spec.renewTime = micro();
      const r = await api.put(`${LEASES}/n-${i}`, l);
      if (r.status < 300) leases[i] = r.json<{ spec: { renewTime: string } }>();
      return r;
    });
  }
  const out = join(REPO_ROOT, 'bench', 'out');
  mkdirSync(out, { recursive: true });
  const file = join(out, `request-cost-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ bench: 'request-cost', date: new Date().toISOString(), machine: { model: cpus()[0]?.model, cpus: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version }, requests: N, concurrency: C, rows }, null, 1));
  console.log(`wrote ${file}`);
} finally {
  api.close();
  await srv.stop();
}
