/**
 * @module bench/pod-startup.bench — pod startup on a real node: one `windlass server` with its
 * built-in agent and managed containerd in a network namespace (test/fixtures/node-netns.ts),
 * busybox pods from the local registry. Measures, in the same run:
 * - pod startup through the whole system (API create → scheduler → agent → CRI → status Running
 *   seen on a watch) for 1 pod and for N concurrent pods (default 30), p50/p99/max;
 * - the raw CRI path for the same work (RunPodSandbox + CreateContainer + StartContainer of the
 *   same image, straight to containerd's socket), 1 and N concurrent — the floor;
 * - the overhead (p50 of the first minus p50 of the second);
 * - RSS of the server process (API server + controllers + scheduler + agent, one process) and
 *   of containerd, idle and with N pods running.
 * The API-side timing runs in a driver process inside the namespace (this file with `--driver`),
 * since the API server listens only there. Prints a table and writes JSON to bench/out/.
 *
 * Usage (root, containerd/runc/CNI/docker-registry/skopeo/busybox-static installed):
 *   node bench/pod-startup.bench.ts [--pods 30] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RESOURCES, RestClient, kubeconfigToRestConfig } from '../src/client/index.ts';
import { REPO_ROOT, fmtMs, rssKiB, summarize, type LatencySummary } from '../test/harness/index.ts';
import { pidsMatching, startNodeCluster, type NodeCluster } from '../test/fixtures/node-netns.ts';

const { values: args } = parseArgs({
  options: {
    pods: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '3' },
    driver: { type: 'boolean', default: false },
    kubeconfig: { type: 'string' },
    image: { type: 'string' },
    namespace: { type: 'string' },
    count: { type: 'string' },
  },
});

/** runDriver creates `count` pods at once through the API and prints each one's create → Running time (ms) as JSON. */
async function runDriver(): Promise<void> {
  const client = new RestClient(kubeconfigToRestConfig(readFileSync(args.kubeconfig!, 'utf8')));
  const ns = args.namespace!;
  const count = Number(args.count);
  try {
    await client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(() => undefined);
    const list = await client.list(RESOURCES.pods, ns);
    const sent = new Map<string, number>();
    const running = new Map<string, number>();
    const ac = new AbortController();
    const done = (async () => {
      for await (const e of client.watch(RESOURCES.pods, ns, { resourceVersion: list.metadata.resourceVersion, signal: ac.signal })) {
        const p = e.object;
        const name = String(p.metadata?.name);
        const cs: any[] = p.status?.containerStatuses ?? [];
        if (!running.has(name) && p.status?.phase === 'Running' && cs.length > 0 && cs.every((c) => c.state?.running)) {
          running.set(name, performance.now());
          if (running.size === count) return;
        }
      }
    })();
    await Promise.all(Array.from({ length: count }, async (_, i) => {
      const name = `p${i}`;
      sent.set(name, performance.now());
      await client.create(RESOURCES.pods, ns, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: args.image!, command: ['sleep', '3600'] }] },
      });
    }));
    const timeout = setTimeout(() => ac.abort(), 300_000);
    await done.catch(() => undefined);
    clearTimeout(timeout);
    ac.abort();
    process.stdout.write(`${JSON.stringify([...sent].map(([n, t]) => (running.has(n) ? running.get(n)! - t : -1)))}\n`);
  } finally {
    client.close();
  }
}

/** apiRound runs the driver inside the namespace and returns the per-pod latencies. */
function apiRound(c: NodeCluster, ns: string, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=/run/netns/${c.ns}`, '--', process.execPath, '--disable-warning=ExperimentalWarning', join(REPO_ROOT, 'bench', 'pod-startup.bench.ts'),
      '--driver', '--kubeconfig', c.kubeconfig, '--image', c.image, '--namespace', ns, '--count', String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code) => {
      if (code !== 0) { reject(new Error(`driver exited ${code}: ${err}`)); return; }
      const v = JSON.parse(out.trim().split('\n').pop()!) as number[];
      if (v.some((x) => x < 0)) reject(new Error(`${v.filter((x) => x < 0).length} pods never ran`));
      else resolve(v);
    });
  });
}

/** criRound starts `count` sandbox+container pairs straight through CRI and returns each one's time (ms); then removes them. */
async function criRound(c: NodeCluster, round: string, count: number): Promise<number[]> {
  const { connectCri } = await import('../src/runtime/cri/index.ts');
  const cri = await connectCri({ endpoint: `unix://${join(c.dataDir, 'agent', 'containerd', 'containerd.sock')}` });
  const ids: string[] = [];
  try {
    const times = await Promise.all(Array.from({ length: count }, async (_, i) => {
      const uid = `raw-${round}-${i}`;
      const sandbox = {
        metadata: { name: uid, uid, namespace: 'bench-raw', attempt: 0 }, hostname: uid,
        logDirectory: join(c.dir, 'raw-logs', uid), linux: { cgroupParent: `${c.cgroupRoot}/pod${uid}` },
        labels: { 'windlass.io/bench': 'raw' },
      };
      mkdirSync(sandbox.logDirectory, { recursive: true });
      const t0 = performance.now();
      const sid = await cri.runPodSandbox(sandbox);
      ids.push(sid);
      const cid = await cri.createContainer(sid, { metadata: { name: 'c', attempt: 0 }, image: { image: c.image }, command: ['sleep', '3600'], logPath: 'c/0.log' }, sandbox);
      await cri.startContainer(cid);
      return performance.now() - t0;
    }));
    return times;
  } finally {
    for (const id of ids) {
      await cri.stopPodSandbox(id).catch(() => undefined);
      await cri.removePodSandbox(id).catch(() => undefined);
    }
    cri.close();
  }
}

/** deletePods removes the bench namespace's pods and waits until the runtime has no sandbox left of them. */
async function deleteNamespace(c: NodeCluster, ns: string): Promise<void> {
  const r = await c.kubectl().run(['delete', 'namespace', ns, '--wait=true', '--timeout=180s'], { timeoutMs: 200_000 });
  if (r.code !== 0) throw new Error(r.describe());
}

const mib = (kib: number | undefined): number => Math.round(((kib ?? 0) / 1024) * 10) / 10;

/** main runs the benchmark. */
async function main(): Promise<void> {
  const n = Number(args.pods);
  const rounds = Number(args.rounds);
  const c = await startNodeCluster({ nodeName: 'bench-node' });
  try {
    const ctdPid = (): number | undefined => pidsMatching(join(c.dataDir, 'agent', 'containerd', 'config.toml'))[0];
    // Warm up: the image is pulled and cached once (both paths then start from a present image).
    await apiRound(c, 'bench-warm', 1);
    await deleteNamespace(c, 'bench-warm');
    await new Promise((res) => setTimeout(res, 5000));
    const idle = { server: mib(await rssKiB(c.serverPid()!)), containerd: mib(await rssKiB(ctdPid() ?? 0)) };
    const api1: number[] = [];
    const cri1: number[] = [];
    for (let r = 0; r < rounds; r++) {
      api1.push(...await apiRound(c, `bench-one-${r}`, 1));
      await deleteNamespace(c, `bench-one-${r}`);
      cri1.push(...await criRound(c, `one${r}`, 1));
    }
    const criN = await criRound(c, 'many', n);
    const apiN = await apiRound(c, 'bench-many', n);
    await new Promise((res) => setTimeout(res, 3000));
    const loaded = { server: mib(await rssKiB(c.serverPid()!)), containerd: mib(await rssKiB(ctdPid() ?? 0)) };
    await deleteNamespace(c, 'bench-many');

    const s = (v: number[]): LatencySummary => summarize(v);
    const rows: [string, LatencySummary][] = [
      [`API create → Running, 1 pod (${rounds} rounds)`, s(api1)], [`raw CRI sandbox+container, 1 (${rounds} rounds)`, s(cri1)],
      [`API create → Running, ${n} concurrent`, s(apiN)], [`raw CRI sandbox+container, ${n} concurrent`, s(criN)],
    ];
    console.log(`${'workload'.padEnd(48)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}`);
    for (const [name, l] of rows) console.log(`${name.padEnd(48)}${fmtMs(l.p50).padStart(9)}${fmtMs(l.p99).padStart(9)}${fmtMs(l.max).padStart(9)}`);
    console.log(`overhead p50, 1 pod: ${fmtMs(s(api1).p50 - s(cri1).p50)} ms; ${n} pods: ${fmtMs(s(apiN).p50 - s(criN).p50)} ms`);
    console.log(`RSS idle: server ${idle.server} MiB, containerd ${idle.containerd} MiB; with ${n} pods: server ${loaded.server} MiB, containerd ${loaded.containerd} MiB`);
    const outDir = join(REPO_ROOT, 'bench', 'out');
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `pod-startup-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: totalmem() / 2 ** 30 }, n, rounds, api1, cri1, apiN, criN, idle, loaded }, null, 1));
    console.log(`wrote ${file}`);
  } finally {
    await c.teardown();
  }
}

if (args.driver) await runDriver();
else await main();
