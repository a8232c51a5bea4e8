/**
 * @module bench/pod-network — pod-to-pod TCP throughput across two "nodes" for each pod network
 * mode of src/network/routes (issue 6), as a ratio to veth-to-veth throughput measured in the same
 * run. Topology: src/network/routes/testbed.ts (node namespaces on a bridged veth underlay, each
 * with a `cni0` bridge and a pod namespace); the reconciler (`startPodNetwork`, informers over a
 * FakeClient holding the two Nodes, the real iproute2) programs each node; `l3` goes through the
 * switch namespace acting as router with the routes `upstreamRoutesOf` prints. The baseline is two
 * namespaces joined by one veth pair. Traffic: a Node.js TCP sink in the server pod, a Node.js
 * sender writing `--mib` MiB of zeros in 64 KiB chunks; throughput = bytes ÷ (connect → sink
 * closed). Median of `--runs` runs. Usage: node bench/pod-network.bench.ts [--mib 256] [--runs 3]
 * [--modes host-gw,vxlan,l3]. Needs root. Writes bench/out/pod-network-<date>.json. No assertions.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../src/api/index.ts';
import { FakeClient, RESOURCES } from '../src/client/index.ts';
import { ANNOTATIONS, commandRunner, nodeInfoOf, ROUTE_PROTO, stableVtepMac, startPodNetwork, upstreamRoutesOf, type NetworkMode, type PodNetworkHandle } from '../src/network/routes/index.ts';
import { netTestbedUsable, sh, startNetTestbed, type NetTestbed } from '../src/network/routes/testbed.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const mib = Number(opt('mib', '256'));
const runs = Number(opt('runs', '3'));
const modes = opt('modes', 'host-gw,vxlan,l3').split(',') as NetworkMode[];

const TPUT = `
const net = require('node:net');
const [mode, host, mib] = process.argv.slice(2);
if (mode === 'server') {
  const srv = net.createServer((s) => { let n = 0; s.on('data', (d) => { n += d.length; }); s.on('end', () => { s.end(String(n)); srv.close(); }); });
  srv.listen(5001, '0.0.0.0', () => process.stdout.write('ready\\n'));
} else {
  const buf = Buffer.alloc(65536);
  let left = Number(mib) * 16;
  const t0 = process.hrtime.bigint();
  const s = net.connect(5001, host, () => {
    const pump = () => { while (left > 0) { left--; if (!s.write(buf)) { s.once('drain', pump); return; } } s.end(); };
    pump();
  });
  let reply = '';
  s.on('data', (d) => { reply += d; });
  s.on('close', () => { const ms = Number(process.hrtime.bigint() - t0) / 1e6; process.stdout.write(JSON.stringify({ ms, bytes: Number(reply) }) + '\\n'); });
}
`;

/** measure runs one sink in `serverNs` and one sender in `clientNs` to `host`; MiB/s. */
async function measure(tb: NetTestbed, serverNs: string, clientNs: string, host: string): Promise<number> {
  const script = join(tb.dir, 'tput.cjs');
  writeFileSync(script, TPUT);
  const { spawn } = await import('node:child_process');
  const srv = spawn('ip', ['netns', 'exec', serverNs, process.execPath, script, 'server'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((res, rej) => { srv.stdout.once('data', () => res()); srv.once('exit', (c) => rej(new Error(`sink exited ${c}`))); });
    const out = await sh('ip', ['netns', 'exec', clientNs, process.execPath, script, 'client', host, String(mib)], 120_000);
    const r = JSON.parse(out.trim()) as { ms: number; bytes: number };
    if (r.bytes !== mib << 20) throw new Error(`sink got ${r.bytes} bytes, sent ${mib << 20}`);
    return (r.bytes / 2 ** 20) / (r.ms / 1000);
  } finally {
    srv.kill('SIGKILL');
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (!netTestbedUsable) { console.error('needs root and /bin/busybox'); process.exitCode = 1; return; }
  const tb = await startNetTestbed({ nodes: 2 });
  const [a, b] = tb.nodes;
  const v1 = `wl-net-${tb.id}-v1`;
  const v2 = `wl-net-${tb.id}-v2`;
  const results: { mode: string; mibPerS: number[]; median: number; ratio?: number }[] = [];
  try {
    execFileSync('ip', ['netns', 'add', v1]);
    execFileSync('ip', ['netns', 'add', v2]);
    await tb.ip(v1, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', v2);
    await tb.ip(v1, 'addr', 'add', '10.99.0.1/24', 'dev', 'eth0');
    await tb.ip(v2, 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0');
    for (const ns of [v1, v2]) { await tb.ip(ns, 'link', 'set', 'eth0', 'up'); await tb.ip(ns, 'link', 'set', 'lo', 'up'); }
    const base: number[] = [];
    for (let i = 0; i < runs; i++) base.push(await measure(tb, v2, v1, '10.99.0.2'));
    results.push({ mode: 'veth-to-veth', mibPerS: base, median: median(base) });

    const node = (n: typeof a): JsonObject => ({
      apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, resourceVersion: '1', annotations: {
        [ANNOTATIONS.backendType]: 'vxlan', [ANNOTATIONS.backendData]: JSON.stringify({ VNI: 1, VtepMAC: stableVtepMac(n.name) }),
      } },
      spec: { podCIDR: n.cidr }, status: { addresses: [{ type: 'InternalIP', address: n.ip }] },
    });
    for (const mode of modes) {
      const client = new FakeClient().seed(RESOURCES.nodes, node(a), node(b));
      const handles: PodNetworkHandle[] = [];
      const routed: string[] = [];
      try {
        for (const n of [a, b]) handles.push(await startPodNetwork({ client, nodeName: n.name, mode, run: commandRunner({ netns: n.ns }), signal: new AbortController().signal }));
        if (mode === 'l3') {
          for (const n of [a, b]) for (const r of upstreamRoutesOf(nodeInfoOf(node(n)))) { await tb.ip(tb.switchNs, 'route', 'replace', ...r.split(' ')); routed.push(r.split(' ')[0]); }
        } else {
          for (let i = 0; i < 200; i++) {
            const ra = await tb.ip(a.ns, '-o', 'route', 'show', 'proto', String(ROUTE_PROTO));
            const rb = await tb.ip(b.ns, '-o', 'route', 'show', 'proto', String(ROUTE_PROTO));
            if (ra.trim() && rb.trim()) break;
            await new Promise((r) => setTimeout(r, 25));
          }
        }
        const xs: number[] = [];
        for (let i = 0; i < runs; i++) xs.push(await measure(tb, b.pod, a.pod, b.podIp));
        results.push({ mode, mibPerS: xs, median: median(xs), ratio: median(xs) / median(base) });
      } finally {
        for (const h of handles) await h.close();
        for (const r of routed) await tb.ip(tb.switchNs, 'route', 'del', r).catch(() => undefined);
      }
    }
  } finally {
    for (const ns of [v1, v2]) { try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch { /* gone */ } }
    tb.close();
  }
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), load: loadavg().map((x) => Math.round(x * 100) / 100), kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim() };
  console.log(`pod-to-pod TCP throughput, ${mib} MiB per run, median of ${runs} (machine: ${JSON.stringify(machine)})`);
  console.log('| path | MiB/s (median) | runs | ratio to veth-to-veth |');
  console.log('|---|---|---|---|');
  for (const r of results) console.log(`| ${r.mode} | ${Math.round(r.median)} | ${r.mibPerS.map((x) => Math.round(x)).join(', ')} | ${r.ratio === undefined ? '1' : r.ratio.toFixed(2)} |`);
  mkdirSync(join(import.meta.dirname, 'out'), { recursive: true });
  const file = join(import.meta.dirname, 'out', `pod-network-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), mib, runs, machine, results }, null, 2));
  console.log(`written: ${file}`);
}

await main();
