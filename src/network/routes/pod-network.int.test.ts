/**
 * Integration: the pod network reconciler against the real kernel, in namespaces this test makes.
 * Three "nodes" (`wl-net-<id>-a|b|c`) are joined by veth links to a bridge in a fourth namespace
 * (`…-s`, the L2 underlay 192.168.50.0/24, which also plays the upstream router for `l3`); each
 * node has a bridge `cni0` holding its pod gateway and one "pod" namespace (`…-a-p`) serving
 * busybox httpd. A real API server holds the Nodes; one `startPodNetwork` per node runs with a
 * runner targeting that node's namespace. Per mode: pod-to-pod ping and HTTP both ways with the
 * client's source IP in the server's log; over VXLAN a 2 MiB transfer with matching sha256; for
 * `l3` the router installs what `windlass routes` prints. Removing a Node removes its routes, FDB
 * and neighbour entries on the others; re-adding it brings them back. Close removes everything.
 * All namespaces and processes are removed at the end, even on failure. Skipped unless root.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryStore } from '../../store/index.ts';
import { startApiServer, type ApiServer } from '../../apiserver/index.ts';
import { makeTestPki } from '../../apiserver/test-support.ts';
import { runRoutes } from '../../cli/routes.ts';
import { kubeconfigYaml } from '../../pki/index.ts';
import { RESOURCES, RestClient } from '../../client/index.ts';
import { LINK_ALIAS, ROUTE_PROTO, commandRunner } from './kernel.ts';
import { startPodNetwork, type PodNetworkHandle } from './controller.ts';
import { stableVtepMac } from './ipv4.ts';
import { nodeInfoOf, planPodNetwork, type NetworkMode } from './plan.ts';
import { applyPodNetwork } from './diff.ts';
import { netTestbedUsable as usable, sh, startNetTestbed, type NetTestbed, type TestbedNode } from './testbed.ts';

let tb: NetTestbed | undefined;
let SWITCH = '';
let NODES: readonly TestbedNode[] = [];
let logs = new Map<string, string>();
let server: ApiServer | undefined;
let client: RestClient | undefined;
let kubeconfig = '';
let bigSha = '';
let geneve = false;
let dir = '';
const handles: PodNetworkHandle[] = [];
const ip = (ns: string, ...args: string[]): Promise<string> => tb!.ip(ns, ...args);
const inNs = (ns: string, ...args: string[]): Promise<string> => tb!.inNs(ns, ...args);
const wget = (ns: string, url: string): Promise<string | undefined> => tb!.wget(ns, url);

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const nodeObject = (n: TestbedNode): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, spec: { podCIDR: n.cidr, podCIDRs: [n.cidr] },
});
async function createNode(n: TestbedNode): Promise<void> {
  await client!.create(RESOURCES.nodes, '', nodeObject(n));
  await client!.patch(RESOURCES.nodes, '', n.name, 'merge', { status: { addresses: [{ type: 'InternalIP', address: n.ip }, { type: 'Hostname', address: n.name }] } }, { subresource: 'status' });
}

before(async () => {
  if (!usable) return;
  const big = randomBytes(2 << 20);
  bigSha = createHash('sha256').update(big).digest('hex');
  tb = await startNetTestbed({ nodes: 3, files: { big } });
  ({ switchNs: SWITCH, nodes: NODES, logs, dir } = tb);
  geneve = await ip(SWITCH, 'link', 'add', 'gnvprobe', 'type', 'geneve', 'external', 'dstport', '6081').then(() => true, () => false);
  if (geneve) await ip(SWITCH, 'link', 'del', 'gnvprobe');
  const pki = makeTestPki();
  server = await startApiServer({ store: createMemoryStore(), tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, host: '127.0.0.1', port: 0 });
  client = new RestClient({ server: server.url, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
  kubeconfig = join(dir, 'admin.kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml({ server: server.url, caCert: pki.ca, clientCert: pki.clientCert, clientKey: pki.clientKey }));
  for (const n of NODES) await createNode(n);
  for (const n of NODES) await eventually(`httpd in ${n.pod}`, async () => (await wget(n.ns, `http://${n.podIp}/`)) === n.name);
});

after(async () => {
  for (const h of handles.splice(0)) await h.close().catch(() => undefined);
  client?.close();
  await server?.close();
  tb?.close();
});

async function startAll(mode: NetworkMode): Promise<void> {
  const signal = new AbortController().signal;
  for (const n of NODES) {
    handles.push(await startPodNetwork({ client: client!, nodeName: n.name, mode, run: commandRunner({ netns: n.ns }), signal, retryMs: 200 }));
  }
}
async function closeAll(): Promise<void> {
  for (const h of handles.splice(0)) await h.close();
  for (const n of NODES) {
    assert.equal((await ip(n.ns, '-o', 'route', 'show', 'proto', String(ROUTE_PROTO))).trim(), '', `${n.name}: no route of ours left`);
    assert.doesNotMatch(await ip(n.ns, '-d', 'link', 'show'), new RegExp(LINK_ALIAS), `${n.name}: no device of ours left`);
  }
}
const ourRoutes = async (ns: string): Promise<string[]> => (await ip(ns, '-o', 'route', 'show', 'proto', String(ROUTE_PROTO))).trim().split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]).sort();

/** crossTraffic checks ping and HTTP between every ordered pair of pods, with the client IP in the server's log. */
async function crossTraffic(): Promise<void> {
  for (const from of NODES) {
    for (const to of NODES) {
      if (from === to) continue;
      await inNs(from.pod, '/bin/busybox', 'ping', '-c', '1', '-W', '2', to.podIp).catch((e: Error) => assert.fail(`ping ${from.name} → ${to.name}: ${e.message}`));
      assert.equal(await wget(from.pod, `http://${to.podIp}/`), to.name, `HTTP ${from.name} → ${to.name}`);
      await eventually(`${to.name}'s log shows ${from.podIp}`, async () => (logs.get(to.name) ?? '').includes(`[::ffff:${from.podIp}]:`));
    }
  }
}

async function waitRoutes(expected: number): Promise<void> {
  for (const n of NODES) await eventually(`${expected} routes on ${n.name}`, async () => (await ourRoutes(n.ns)).length === expected);
}

/** removeAndReAdd deletes node c, checks its entries vanish on a and b, re-creates it, checks they return. */
async function removeAndReAdd(mode: NetworkMode): Promise<void> {
  const c = NODES[2];
  const macC = stableVtepMac(c.name);
  await client!.delete(RESOURCES.nodes, '', c.name);
  for (const n of NODES.slice(0, 2)) {
    await eventually(`${c.name}'s route gone on ${n.name}`, async () => !(await ourRoutes(n.ns)).includes(c.cidr));
    if (mode === 'vxlan') {
      await eventually(`${c.name}'s FDB/neighbour gone on ${n.name}`, async () =>
        !(await sh('bridge', ['-n', n.ns, 'fdb', 'show', 'dev', 'flannel.1'])).includes(macC) && !(await ip(n.ns, 'neigh', 'show', 'dev', 'flannel.1')).includes('10.42.3.0'));
    }
  }
  assert.equal(await wget(NODES[0].pod, `http://${c.podIp}/`), undefined, 'the removed node is unreachable');
  await createNode(c);
  for (const n of NODES.slice(0, 2)) {
    await eventually(`${c.name}'s route back on ${n.name}`, async () => (await ourRoutes(n.ns)).includes(c.cidr));
    if (mode === 'vxlan') {
      assert.match(await sh('bridge', ['-n', n.ns, 'fdb', 'show', 'dev', 'flannel.1']), new RegExp(`${macC} dst ${c.ip}`));
      assert.match(await ip(n.ns, 'neigh', 'show', 'dev', 'flannel.1'), new RegExp(`10.42.3.0 lladdr ${macC} PERMANENT`));
    }
  }
  assert.equal(await wget(NODES[0].pod, `http://${c.podIp}/`), c.name, 'reachable again');
}

test('host-gw: pods reach each other across nodes; node removal and re-adding', { skip: !usable && 'needs root and /bin/busybox' }, async () => {
  await startAll('host-gw');
  try {
    await waitRoutes(2);
    assert.deepEqual(await ourRoutes(NODES[0].ns), ['10.42.2.0/24', '10.42.3.0/24']);
    await crossTraffic();
    await removeAndReAdd('host-gw');
    const self = await client!.get(RESOURCES.nodes, '', NODES[0].name);
    assert.equal(self.metadata?.annotations?.['flannel.alpha.coreos.com/backend-type'], 'host-gw');
    assert.equal(self.metadata?.annotations?.['flannel.alpha.coreos.com/public-ip'], NODES[0].ip);
  } finally {
    await closeAll();
  }
});

test('vxlan: pods reach each other over the overlay; 2 MiB checksum; node removal and re-adding', { skip: !usable && 'needs root and /bin/busybox' }, async () => {
  await startAll('vxlan');
  try {
    await waitRoutes(2);
    const link = JSON.parse(await ip(NODES[0].ns, '-j', '-d', 'link', 'show', 'flannel.1')) as { mtu: number; address: string; linkinfo: { info_data: { id: number; port: number; local: string } } }[];
    assert.deepEqual([link[0].mtu, link[0].address, link[0].linkinfo.info_data.id, link[0].linkinfo.info_data.port, link[0].linkinfo.info_data.local],
      [1450, stableVtepMac(NODES[0].name), 1, 8472, NODES[0].ip]);
    const self = await client!.get(RESOURCES.nodes, '', NODES[0].name);
    assert.equal(self.metadata?.annotations?.['flannel.alpha.coreos.com/backend-data'], JSON.stringify({ VNI: 1, VtepMAC: stableVtepMac(NODES[0].name) }));
    await crossTraffic();
    for (const [from, to] of [[NODES[0], NODES[2]], [NODES[2], NODES[0]]]) {
      const body = await inNs(from.pod, 'timeout', '10', '/bin/busybox', 'wget', '-q', '-O', '-', `http://${to.podIp}/big`);
      assert.equal(body.length, 2 << 20, `${from.name} ← ${to.name} size`);
      assert.equal(createHash('sha256').update(Buffer.from(body, 'latin1')).digest('hex'), bigSha, `${from.name} ← ${to.name} sha256`);
    }
    // The 2 MiB really crossed the overlay: both ends' tunnel devices carried it.
    for (const n of [NODES[0], NODES[2]]) {
      const stats = JSON.parse(await ip(n.ns, '-j', '-s', 'link', 'show', 'flannel.1')) as { stats64: { tx: { bytes: number } } }[];
      assert.ok(stats[0].stats64.tx.bytes > 2 << 20, `${n.name}'s flannel.1 sent ${stats[0].stats64.tx.bytes} bytes`);
    }
    await removeAndReAdd('vxlan');
  } finally {
    await closeAll();
  }
});

test('geneve: pods reach each other over flow-based Geneve', { skip: !usable && 'needs root and /bin/busybox' }, async (t) => {
  if (!geneve) { t.skip('this kernel has no geneve link type'); return; }
  await startAll('geneve');
  try {
    await waitRoutes(2);
    await crossTraffic();
  } finally {
    await closeAll();
  }
});

test('l3: the router installs what `windlass routes` prints, then pods reach each other', { skip: !usable && 'needs root and /bin/busybox' }, async () => {
  await startAll('l3');
  const installed: string[] = [];
  try {
    for (const n of NODES) {
      await eventually(`${n.name}'s pod-routes annotation`, async () =>
        (await client!.get(RESOURCES.nodes, '', n.name)).metadata?.annotations?.['windlass.io/pod-routes'] === JSON.stringify([`${n.cidr} via ${n.ip}`]));
      assert.deepEqual(await ourRoutes(n.ns), [], `${n.name} routes nothing itself`);
    }
    assert.equal(await wget(NODES[0].pod, `http://${NODES[1].podIp}/`), undefined, 'no route upstream yet');
    const out: string[] = [];
    const err: string[] = [];
    await runRoutes({ dataDir: dir, kubeconfig }, { out: (t) => out.push(t), err: (t) => err.push(t) });
    const lines = out.join('').trim().split('\n');
    assert.deepEqual(lines, NODES.map((n) => `${n.cidr} via ${n.ip}`));
    assert.deepEqual(err, []);
    for (const l of lines) { await ip(SWITCH, 'route', 'replace', ...l.split(' ')); installed.push(l.split(' ')[0]); }
    await crossTraffic();
  } finally {
    for (const dst of installed) await ip(SWITCH, 'route', 'del', dst).catch(() => undefined);
    await closeAll();
  }
});

test('mode change: leftovers of another mode (a crashed vxlan run) are removed by the next start', { skip: !usable && 'needs root and /bin/busybox' }, async () => {
  const a = NODES[0];
  const run = commandRunner({ netns: a.ns });
  const infos = (await client!.list(RESOURCES.nodes, '')).items.map(nodeInfoOf);
  const peers = infos.filter((n) => n.name !== a.name).map((n) => ({ ...n, annotations: { 'flannel.alpha.coreos.com/backend-type': 'vxlan', 'flannel.alpha.coreos.com/backend-data': JSON.stringify({ VNI: 1, VtepMAC: stableVtepMac(n.name) }) } }));
  const stale = planPodNetwork({ mode: 'vxlan', self: infos.find((n) => n.name === a.name)!, peers, underlay: { iface: 'eth0', ip: a.ip, prefix: 24, mtu: 1500 } });
  const r = await applyPodNetwork(run, stale);
  assert.deepEqual(r.failed, []);
  assert.equal((await ourRoutes(a.ns)).length, 2);
  assert.deepEqual((await applyPodNetwork(run, stale)).commands, [], 'applying the same plan again changes nothing');
  const h = await startPodNetwork({ client: client!, nodeName: a.name, mode: 'host-gw', run, signal: new AbortController().signal });
  try {
    await eventually('host-gw replaced the vxlan layout', async () =>
      h.reconciled() > 0 && !(await ip(a.ns, 'link', 'show')).includes('flannel.1') && (await ip(a.ns, '-o', 'route', 'show', 'proto', String(ROUTE_PROTO))).includes('via 192.168.50.2 dev eth0'));
  } finally {
    await h.close();
  }
  assert.deepEqual(await ourRoutes(a.ns), []);
});
