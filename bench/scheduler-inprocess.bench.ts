/**
 * @module bench/scheduler-inprocess.bench — the scheduling algorithm in-process (no API): the
 * default profile (all default plugins, fake binder confirming each binding in the cache) over
 * 1,000 and 5,000 nodes, half of them Windows (labelled kubernetes.io/os=windows and tainted
 * os=windows:NoSchedule), placing 30,000 pods of mixed OS with CPU/memory requests. Windows pods
 * carry the nodeSelector and the toleration; Linux pods select kubernetes.io/os=linux.
 * Prints wall and CPU ms, pods/s (wall), µs per pod and the scheduling-cycle p50/p99 (the decision,
 * binding excluded) per case, one JSON line, and the same JSON to bench/out/. `--basic` uses only the basic plugins (no
 * volumes, inter-pod affinity, spreading, preemption); `--both` runs both profiles. Run:
 *   node bench/scheduler-inprocess.bench.ts [--nodes 1000,5000] [--pods 30000] [--basic | --both] [--pct 0]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { JsonObject } from '../src/api/index.ts';
import { basicPlugins, newSchedulerForBench } from '../src/scheduler/index.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

function node(i: number, windows: boolean): JsonObject {
  const name = `node-${i}`;
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': name, 'kubernetes.io/os': windows ? 'windows' : 'linux', 'kubernetes.io/arch': 'amd64',
    'topology.kubernetes.io/zone': `zone-${i % 3}`,
  };
  if (windows) labels['node.kubernetes.io/windows-build'] = '10.0.20348';
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, uid: `uid-${name}`, labels },
    spec: windows ? { taints: [{ key: 'os', value: 'windows', effect: 'NoSchedule' }] } : {},
    status: {
      capacity: { cpu: '32', memory: '128Gi', pods: '110' }, allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function pod(i: number): JsonObject {
  const windows = i % 2 === 1;
  const cpu = `${100 + (i % 5) * 100}m`;
  const mem = `${128 * (1 + (i % 4))}Mi`;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'bench', uid: `uid-pod-${i}`, labels: { app: `app-${i % 50}` } },
    spec: {
      schedulerName: 'default-scheduler', priority: 0,
      nodeSelector: { 'kubernetes.io/os': windows ? 'windows' : 'linux' },
      tolerations: windows ? [{ key: 'os', operator: 'Equal', value: 'windows', effect: 'NoSchedule' }] : undefined,
      containers: [{ name: 'c', image: windows ? 'mcr.microsoft.com/windows/servercore:ltsc2022' : 'nginx', resources: { requests: { cpu, memory: mem } } }],
    },
  };
}

interface Row { nodes: number; pods: number; scheduled: number; ms: number; cpuMs: number; podsPerSec: number; usPerPod: number; cycleP50us: number; cycleP99us: number; profile: string }

async function runCase(nodes: number, pods: number, basic: boolean, pct: number): Promise<Row> {
  let seed = 42;
  const rng = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const s = newSchedulerForBench({ rng, percentageOfNodesToScore: pct, plugins: basic ? basicPlugins : undefined });
  for (let i = 0; i < nodes; i++) s.addNode(node(i, i % 2 === 1));
  for (let i = 0; i < pods; i++) s.addPod(pod(i));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const cycles: number[] = [];
  for (;;) {
    const q = s.scheduler.queue.tryPop();
    if (!q) break;
    const c = performance.now();
    await s.scheduler.scheduleOne(q);
    cycles.push(performance.now() - c);
  }
  await s.runUntilIdle();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  cycles.sort((a, b) => a - b);
  const quantile = (p: number): number => Math.round((cycles[Math.min(cycles.length - 1, Math.floor(cycles.length * p))] ?? 0) * 1000);
  s.close();
  const scheduled = s.bindings.size;
  return { nodes, pods, scheduled, ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), podsPerSec: Math.round((scheduled / ms) * 1000), usPerPod: Math.round((ms * 1000) / pods), cycleP50us: quantile(0.5), cycleP99us: quantile(0.99), profile: basic ? 'basic' : 'default' };
}

const nodeCounts = arg('nodes', '1000,5000').split(',').map(Number);
const pods = Number(arg('pods', '30000'));
const basic = process.argv.includes('--basic');
const pct = Number(arg('pct', '0'));
const both = process.argv.includes('--both');
const rows: Row[] = [];
// Warm-up so the JIT has seen the hot paths before the first timed case.
await runCase(200, 2000, basic, pct);
for (const n of nodeCounts) for (const b of both ? [true, false] : [basic]) {
  const r = await runCase(n, pods, b, pct);
  rows.push(r);
  console.log(`${String(r.nodes).padStart(6)} nodes  ${r.pods} pods  scheduled ${r.scheduled}  ${r.ms} ms (cpu ${r.cpuMs} ms)  ${r.podsPerSec} pods/s  ${r.usPerPod} µs/pod  cycle p50 ${r.cycleP50us} µs p99 ${r.cycleP99us} µs  (${r.profile} profile)`);
}
const result = { bench: 'scheduler-inprocess', date: new Date().toISOString(), machine: { model: cpus()[0]?.model, cpus: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version }, rows };
console.log(JSON.stringify(result));
const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
mkdirSync(out, { recursive: true });
const file = join(out, `scheduler-inprocess-${result.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${file}`);
