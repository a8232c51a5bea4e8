/**
 * @module bench/service-proxy — service programming cost of src/network/proxy (issue 6), into a
 * network namespace this program creates and removes:
 *  - full sync of N Services × 5 endpoints (model build; render alone; render + `nft -f` of the whole table),
 *    into an empty namespace and again replacing the existing table;
 *  - EndpointSlice change → rule in the kernel: the controller (informers over a FakeClient, the
 *    real nft) gets a slice MODIFIED event; the time until its incremental `nft -f` returned
 *    (the transaction is committed then), per change, p50/p90/max.
 * Usage: node bench/service-proxy.bench.ts [--sizes 1000,10000] [--changes 30]
 * Needs root, ip and nft. Writes bench/out/service-proxy-<date>.json. Never asserts on timings.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../src/api/index.ts';
import { FakeClient, RESOURCES } from '../src/client/index.ts';
import { buildProxyModel, NftProxy, nftRunner, startServiceProxy } from '../src/network/proxy/index.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const sizes = opt('sizes', '1000,10000').split(',').map(Number);
const changes = Number(opt('changes', '30'));
const EPS = 5;

const ns = `wl-proxy-bench-${randomBytes(3).toString('hex')}`;
const sh = (...a: string[]): string => execFileSync(a[0], a.slice(1), { encoding: 'utf8', maxBuffer: 256 << 20 });

const svcIp = (i: number): string => `10.96.${(i >> 8) & 255}.${i & 255}`;
const epIp = (i: number, e: number): string => `10.${100 + e}.${(i >> 8) & 255}.${i & 255}`;
function service(i: number): JsonObject {
  return { metadata: { namespace: `ns${i % 50}`, name: `svc${i}`, resourceVersion: '1' }, spec: { clusterIP: svcIp(i), ports: [{ name: 'http', port: 80, targetPort: 'web' }] } };
}
function slice(i: number, eps: string[], rv = 1): JsonObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { namespace: `ns${i % 50}`, name: `svc${i}-x`, resourceVersion: String(rv), labels: { 'kubernetes.io/service-name': `svc${i}` } },
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: eps.map((ip, j) => ({ addresses: [ip], nodeName: j % 2 ? 'node-1' : 'node-2', conditions: { ready: true } })),
  };
}
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const r1 = (x: number): number => Math.round(x * 10) / 10;

interface Row { services: number; modelMs: number; renderMs: number; fullEmptyMs: number; fullReplaceMs: number; scriptMB: number; incr: { p50: number; p90: number; max: number; proxyP50: number; n: number } }
const rows: Row[] = [];
const run = nftRunner({ netns: ns });

sh('ip', 'netns', 'add', ns);
try {
  for (const n of sizes) {
    const services = Array.from({ length: n }, (_, i) => service(i));
    const slices = Array.from({ length: n }, (_, i) => slice(i, Array.from({ length: EPS }, (_, e) => epIp(i, e))));
    let t = performance.now();
    const model = buildProxyModel({ services, endpointSlices: slices, nodeName: 'node-1', nodeIps: ['192.168.77.1'], clusterCidrs: ['10.0.0.0/8'] });
    const modelMs = performance.now() - t;
    t = performance.now();
    await new NftProxy({ nft: async () => undefined }).sync(model);
    const renderMs = performance.now() - t;
    const proxy = new NftProxy({ nft: run, table: 'bench-full' });
    t = performance.now();
    await proxy.sync(model);
    const fullEmptyMs = performance.now() - t;
    const scriptMB = proxy.lastScript.length / 1e6;
    const proxy2 = new NftProxy({ nft: run, table: 'bench-full' });
    t = performance.now();
    await proxy2.sync(model);
    const fullReplaceMs = performance.now() - t;
    await proxy2.close();

    // Incremental path through the controller.
    const client = new FakeClient().seed(RESOURCES.services, ...services).seed(RESOURCES.endpointslices, ...slices);
    const life = new AbortController();
    let resolveSync: (ms: number) => void = () => undefined;
    const h = startServiceProxy({
      client, nodeName: 'node-1', nodeIps: ['192.168.77.1'], clusterCidrs: ['10.0.0.0/8'], nft: run, signal: life.signal, table: 'bench-ctl',
      onSync: (r) => resolveSync(r.ms),
    });
    const lat: number[] = [];
    const proxyMs: number[] = [];
    try {
      await h.ready;
      for (let c = 0; c < changes; c++) {
        const i = (c * 7919) % n;
        const eps = Array.from({ length: EPS }, (_, e) => epIp(i, e)).slice(0, EPS - 1);
        eps.push(`10.99.${c}.${i & 255}`);
        await new Promise((r) => setTimeout(r, 120)); // a lone change (past minSyncMs), as a pod going away would be
        const done = new Promise<number>((r) => { resolveSync = r; });
        const t0 = performance.now();
        client.emit(RESOURCES.endpointslices, { type: 'MODIFIED', object: slice(i, eps, 100 + c) });
        proxyMs.push(await done);
        lat.push(performance.now() - t0);
        if (c === 0) {
          const map = sh('ip', 'netns', 'exec', ns, 'nft', 'list', 'map', 'ip', 'bench-ctl', `be-${EPS}`);
          if (!new RegExp(`${svcIp(i)} \\. tcp \\. 80 \\. \\d : 10\\.99\\.${c}\\.${i & 255} \\. 8080`).test(map)) throw new Error('the new endpoint is not in the kernel');
        }
      }
    } finally {
      life.abort();
      await h.done;
    }
    rows.push({
      services: n, modelMs: r1(modelMs), renderMs: r1(renderMs), fullEmptyMs: r1(fullEmptyMs), fullReplaceMs: r1(fullReplaceMs), scriptMB: r1(scriptMB),
      incr: { p50: r1(pct(lat, 0.5)), p90: r1(pct(lat, 0.9)), max: r1(Math.max(...lat)), proxyP50: r1(pct(proxyMs, 0.5)), n: lat.length },
    });
    console.log(`${n} services × ${EPS} endpoints: model ${r1(modelMs)} ms, render alone ${r1(renderMs)} ms, full sync (render + nft -f) into empty ${r1(fullEmptyMs)} ms, replacing ${r1(fullReplaceMs)} ms, script ${r1(scriptMB)} MB; slice change → kernel p50 ${r1(pct(lat, 0.5))} / p90 ${r1(pct(lat, 0.9))} / max ${r1(Math.max(...lat))} ms (NftProxy.sync p50 ${r1(pct(proxyMs, 0.5))} ms, ${lat.length} changes)`);
  }
} finally {
  try { sh('ip', 'netns', 'del', ns); } catch (e) { console.error(`could not delete ${ns}: ${(e as Error).message}`); }
}

const machine = {
  cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: r1(totalmem() / 2 ** 30), loadavgAtEnd: loadavg().map(r1),
  kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), nft: sh('nft', '--version').trim(), node: process.version,
};
console.log('\n| services × 5 endpoints | model build | render alone | full sync, empty netns | full sync, replacing | script | slice change → kernel p50 / p90 / max | NftProxy.sync p50 |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.services} | ${r.modelMs} ms | ${r.renderMs} ms | ${r.fullEmptyMs} ms | ${r.fullReplaceMs} ms | ${r.scriptMB} MB | ${r.incr.p50} / ${r.incr.p90} / ${r.incr.max} ms | ${r.incr.proxyP50} ms |`);
console.log(`\nmachine: ${JSON.stringify(machine)}`);
const outDir = join(import.meta.dirname, 'out');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `service-proxy-${new Date().toISOString().replaceAll(':', '-')}.json`), JSON.stringify({ rows, machine }, null, 2));
