/**
 * @module agent/sim.test — hollow nodes over a recording FakeClient and a FakeClock: the Node
 * objects (Linux and Windows facts, taint, fake addresses and pod CIDRs), registration requests,
 * the heartbeat wheel (one Lease renewal per node per interval, none for a stopped node, status
 * re-posted every report period), bounded concurrency, and pods dispatched to their node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { FakeClient, FakeClock, RESOURCES } from '../client/index.ts';
import type { Resource, WriteOptions } from '../client/index.ts';
import { firstBeatDelay, hollowNodeIp, hollowNodeObject, hollowPodCidr, startHollowNodes, windowsOsImage } from './sim.ts';

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

void test('first Lease renewals are spread over the second half of the interval', () => {
  const delays = Array.from({ length: 1000 }, (_, i) => firstBeatDelay(i, 10_000));
  assert.ok(delays.every((d) => d >= 5000 && d <= 10_000));
  const buckets = [0, 0, 0, 0, 0];
  for (const d of delays) buckets[Math.min(4, Math.floor((d - 5000) / 1000))]++;
  assert.ok(buckets.every((b) => b >= 180 && b <= 220), `evenly spread: ${buckets.join(',')}`);
});

void test('fake node addresses, pod CIDRs and Windows release names', () => {
  assert.deepEqual([0, 1, 253, 254, 254 * 256].map(hollowNodeIp), ['10.64.0.1', '10.64.0.2', '10.64.0.254', '10.64.1.1', '10.65.0.1']);
  assert.deepEqual([0, 1, 256, 4999].map(hollowPodCidr), ['10.128.0.0/24', '10.128.1.0/24', '10.129.0.0/24', '10.147.135.0/24']);
  assert.deepEqual(['10.0.17763', '10.0.20348', '10.0.26100', '10.0.1'].map(windowsOsImage),
    ['Windows Server 2019 Datacenter', 'Windows Server 2022 Datacenter', 'Windows Server 2025 Datacenter', 'Windows Server Datacenter']);
});

void test('hollow Node objects report what Linux and Windows nodes report', () => {
  const now = Date.UTC(2026, 0, 1);
  const win = hollowNodeObject({ name: 'w-0', seq: 7, windows: true, windowsBuild: '10.0.26100', taint: true, podsPerNode: 30, now });
  assert.deepEqual(win.node.metadata.labels, {
    'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'windows', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': 'w-0',
    'kubernetes.io/os': 'windows', 'node.kubernetes.io/windows-build': '10.0.26100',
  });
  assert.deepEqual(win.node.spec, { taints: [{ key: 'os', value: 'windows', effect: 'NoSchedule' }] });
  const info = win.status.nodeInfo as JsonObject;
  assert.deepEqual([info.operatingSystem, info.architecture, info.osImage, info.kernelVersion, info.containerRuntimeVersion],
    ['windows', 'amd64', 'Windows Server 2025 Datacenter', '10.0.26100.2700', 'containerd://1.7.22']);
  assert.deepEqual(win.status.capacity, { cpu: '4', memory: '16Gi', pods: '30', 'ephemeral-storage': '100Gi' });
  assert.deepEqual(win.status.addresses, [{ type: 'InternalIP', address: '10.64.0.8' }, { type: 'Hostname', address: 'w-0' }]);
  assert.deepEqual((win.status.conditions as JsonObject[]).map((c) => `${c.type}=${c.status}`), ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
  const linux = hollowNodeObject({ name: 'l-0', seq: 0, windows: false, windowsBuild: '10.0.20348', taint: true, podsPerNode: 110, now });
  assert.deepEqual(linux.node.spec, {}, 'the Windows taint is for Windows nodes only');
  assert.equal(linux.node.metadata.labels['kubernetes.io/os'], 'linux');
  assert.equal(linux.node.metadata.labels['node.kubernetes.io/windows-build'], undefined);
  assert.equal((linux.status.nodeInfo as JsonObject).operatingSystem, 'linux');
});

void test('registration, Lease renewal per interval, stopped heartbeats, status re-post period', async () => {
  const clock = new FakeClock();
  const client = new FakeClient();
  const stopper = new AbortController();
  const cluster = startHollowNodes({ client, nodes: 3, windows: 1, heartbeatMs: 10_000, statusReportMs: 60_000, clock, signal: stopper.signal });
  await cluster.ready;
  assert.deepEqual(cluster.nodeNames(), ['hollow-0', 'hollow-1', 'hollow-2', 'hollow-win-0']);
  const verbs = client.verbs();
  for (const n of cluster.nodeNames()) {
    // As the kubelet registers: the Node is created with its status, no separate status write.
    assert.deepEqual(verbs.filter((v) => new RegExp(`[ /]${n}(/status)?$`).test(v)), [`create nodes ${n}`, `create leases kube-node-lease/${n}`]);
    const created = client.actions.find((a) => a.verb === 'create' && a.resource === 'nodes' && a.name === n)!.object!;
    assert.deepEqual((created.status.conditions as JsonObject[]).map((c) => `${c.type}=${c.status}`), ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
    assert.ok(created.status.nodeInfo, 'nodeInfo with the first status');
  }
  const renewals = (): string[] => client.verbs().filter((v) => v.startsWith('update leases'));
  clock.step(10_000);
  await settle();
  assert.equal(renewals().length, 4, 'every node renewed once');
  cluster.stopHeartbeats('hollow-1');
  clock.step(10_000);
  await settle();
  assert.equal(renewals().length, 7, 'the stopped node did not renew');
  assert.equal(renewals().filter((v) => v.endsWith('hollow-1')).length, 1);
  const statusPosts = (): number => client.verbs().filter((v) => v.startsWith('patch nodes')).length;
  const before = statusPosts();
  for (let i = 0; i < 3; i++) { clock.step(10_000); await settle(); }
  assert.equal(statusPosts(), before, 'no status re-post before 60 s');
  clock.step(10_000);
  await settle();
  assert.equal(statusPosts(), before + 3, 'status re-posted after 60 s by the three live nodes');
  const lastPatch = client.actions.filter((a) => a.verb === 'patch').at(-1)!;
  assert.deepEqual(Object.keys((lastPatch.patch as JsonObject).status), ['conditions']);
  cluster.resumeHeartbeats('hollow-1');
  clock.step(0);
  await settle();
  assert.equal(renewals().filter((v) => v.endsWith('hollow-1')).length, 2, 'renewed at once on resume');
  await cluster.stop();
  assert.equal(clock.pending, 0, 'no timers left behind');
});

void test('a Node that already exists gets its labels, spec and full status patched', async () => {
  const client = new FakeClient();
  client.seed(RESOURCES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'hollow-0', uid: 'u0' }, spec: {}, status: {} });
  const cluster = startHollowNodes({ client, nodes: 1, clock: new FakeClock(), signal: new AbortController().signal });
  await cluster.ready;
  assert.deepEqual(client.verbs().filter((v) => v.includes('hollow-0')), ['create nodes hollow-0', 'patch nodes hollow-0', 'patch nodes hollow-0/status', 'create leases kube-node-lease/hollow-0']);
  const status = client.actions.find((a) => a.verb === 'patch' && a.subresource === 'status')!.patch as JsonObject;
  assert.ok(status.status.nodeInfo && status.status.capacity, 'the full status');
  await cluster.stop();
});

void test('registration runs with bounded concurrency', async () => {
  let inFlight = 0;
  let peak = 0;
  class SlowClient extends FakeClient {
    override async create<T = JsonObject>(r: Resource, namespace: string, obj: JsonObject, opts?: WriteOptions): Promise<T> {
      inFlight++; peak = Math.max(peak, inFlight);
      await new Promise((res) => setTimeout(res, 2));
      inFlight--;
      return super.create<T>(r, namespace, obj, opts);
    }
  }
  const client = new SlowClient();
  const cluster = startHollowNodes({ client, nodes: 40, concurrency: 4, clock: new FakeClock(), signal: new AbortController().signal });
  await cluster.ready;
  assert.equal(client.verbs().filter((v) => v.startsWith('create nodes')).length, 40);
  assert.ok(peak <= 4, `at most 4 registrations in flight (saw ${peak})`);
  await cluster.stop();
});

void test('pods are dispatched to their node by spec.nodeName and get a status', async () => {
  const clock = new FakeClock();
  const client = new FakeClient();
  const pod = (name: string, node: string): JsonObject => ({ metadata: { name, namespace: 'default', uid: `u-${name}` }, spec: { nodeName: node, containers: [{ name: 'c', image: 'img' }] }, status: { phase: 'Pending' } });
  client.seed(RESOURCES.pods, pod('p0', 'hollow-1'), pod('other', 'real-node'));
  const cluster = startHollowNodes({ client, nodes: 2, clock, signal: new AbortController().signal });
  await cluster.ready;
  await settle();
  const patched = client.actions.filter((a) => a.verb === 'patch' && a.resource === 'pods');
  assert.deepEqual(patched.map((a) => a.name), ['p0']);
  assert.equal(((patched[0].patch as JsonObject).status as JsonObject).hostIP, '10.64.0.2');
  assert.equal(cluster.runtime('hollow-0'), undefined, 'no runtime for a node without pods');
  assert.equal((await cluster.runtime('hollow-1')!.listPodSandbox()).length, 1);
  const node0 = await client.get(RESOURCES.nodes, '', 'hollow-0');
  client.seed(RESOURCES.nodes, { ...node0, spec: { podCIDR: '10.244.7.0/24' } }); // node IPAM assigned a range after registration
  client.emit(RESOURCES.pods, { type: 'ADDED', object: { ...pod('p1', 'hollow-0'), metadata: { name: 'p1', namespace: 'default', uid: 'u-p1', resourceVersion: '99' } } });
  await settle();
  const sandboxes = await cluster.runtime('hollow-0')!.listPodSandbox();
  assert.equal(sandboxes.length, 1);
  assert.equal((await cluster.runtime('hollow-0')!.podSandboxStatus(sandboxes[0].id))?.network.ip, '10.244.7.2', "the node's spec.podCIDR is used");
  const p0 = await cluster.runtime('hollow-1')!.listPodSandbox();
  assert.equal((await cluster.runtime('hollow-1')!.podSandboxStatus(p0[0].id))?.network.ip, '10.128.1.2', 'no podCIDR: the fake range');
  await cluster.stop();
});

void test('runPods false: no pod watch; bound pods are left as they are while the nodes register and heartbeat', async () => {
  const clock = new FakeClock();
  const client = new FakeClient();
  client.seed(RESOURCES.pods, { metadata: { name: 'p0', namespace: 'default', uid: 'u-p0' }, spec: { nodeName: 'hollow-0', containers: [{ name: 'c', image: 'img' }] }, status: { phase: 'Pending' } });
  const cluster = startHollowNodes({ client, nodes: 2, clock, runPods: false, heartbeatMs: 1000, signal: new AbortController().signal });
  await cluster.ready;
  await settle();
  clock.step(1500);
  await settle();
  const verbs = client.verbs();
  assert.deepEqual(verbs.filter((v) => / pods\b/.test(v)), [], 'pods are neither listed, watched nor written');
  assert.equal(cluster.runtime('hollow-0'), undefined);
  assert.equal(verbs.filter((v) => v.startsWith('create nodes')).length, 2);
  assert.ok(verbs.filter((v) => v.startsWith('update leases')).length >= 2, 'Leases are renewed');
  await cluster.stop();
});

void test('with a heartbeat client, Leases and node status go through it and pods and registration through the other', async () => {
  const clock = new FakeClock();
  const client = new FakeClient();
  const beat = new FakeClient();
  // The heartbeat client sees the same nodes (one API behind both).
  client.react((a) => { if (a.verb === 'create' && a.resource === 'nodes' && a.object) beat.seed(RESOURCES.nodes, a.object); return undefined; });
  const cluster = startHollowNodes({ client, heartbeatClient: beat, nodes: 2, heartbeatMs: 10_000, statusReportMs: 20_000, clock, signal: new AbortController().signal });
  await cluster.ready;
  for (let i = 0; i < 2; i++) { clock.step(10_000); await settle(); }
  assert.deepEqual(client.verbs().filter((v) => /leases|\/status/.test(v)), [], 'no heartbeat on the main client');
  assert.deepEqual(client.verbs().filter((v) => v.startsWith('create nodes')), ['create nodes hollow-0', 'create nodes hollow-1']);
  const beats = beat.verbs();
  assert.deepEqual(beats.filter((v) => v.startsWith('create leases')).sort(), ['create leases kube-node-lease/hollow-0', 'create leases kube-node-lease/hollow-1']);
  assert.equal(beats.filter((v) => v.startsWith('update leases')).length, 4);
  assert.equal(beats.filter((v) => v.startsWith('patch nodes')).length, 2, 'status re-posted after 20 s, on the heartbeat client');
  await cluster.stop();
});
