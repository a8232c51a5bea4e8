/**
 * @module agent/sim.int.test — hollow nodes against a real in-process API server (memory store,
 * real TLS and admission): Linux and Windows nodes register with the right labels, taints,
 * nodeInfo and Leases; a bound pod becomes Running and Ready with container statuses and goes
 * away after a graceful delete; a Job-style pod succeeds; stopHeartbeats stops Lease renewals;
 * and a timed (not asserted) run registers 1,000 nodes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate } from '../pki/index.ts';
import { createMemoryStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { startApiServer } from '../apiserver/index.ts';
import type { ApiServer } from '../apiserver/index.ts';
import { isStatusError } from '../api/index.ts';
import type { JsonObject } from '../api/index.ts';
import { RESOURCES, RestClient } from '../client/index.ts';
import { startHollowNodes } from './sim.ts';
import type { HollowCluster } from './sim.ts';

let store: Store;
let server: ApiServer;
let client: RestClient;
let cluster: HollowCluster;
const stopper = new AbortController();

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      if (!isStatusError(e, 404)) throw e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

before(async () => {
  const ca = await createCertificateAuthority();
  const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  store = createMemoryStore();
  server = await startApiServer({ store, tls: { cert: serving.cert, key: serving.key, ca: ca.cert }, host: '127.0.0.1', port: 0 });
  const admin = await issueClientCertificate(ca.cert, ca.key, { commonName: 'sim', organizations: ['system:masters'] });
  client = new RestClient({ server: server.url, ca: ca.cert, cert: admin.cert, key: admin.key });
  cluster = startHollowNodes({ client, nodes: 5, windows: 5, windowsTaint: true, heartbeatMs: 300, signal: stopper.signal });
  await cluster.ready;
});

after(async () => {
  stopper.abort();
  await cluster.stop();
  client.close();
  await server.close();
  await store.close();
});

void test('Linux and Windows hollow nodes register with labels, taints, nodeInfo and Leases', async () => {
  assert.deepEqual(cluster.nodeNames().sort(), ['hollow-0', 'hollow-1', 'hollow-2', 'hollow-3', 'hollow-4', 'hollow-win-0', 'hollow-win-1', 'hollow-win-2', 'hollow-win-3', 'hollow-win-4']);
  const linux = await client.get(RESOURCES.nodes, '', 'hollow-3');
  assert.equal(linux.metadata.labels['kubernetes.io/os'], 'linux');
  assert.equal(linux.metadata.labels['kubernetes.io/arch'], 'amd64');
  assert.equal(linux.metadata.labels['kubernetes.io/hostname'], 'hollow-3');
  assert.equal(linux.metadata.labels['node.kubernetes.io/windows-build'], undefined);
  assert.equal(linux.spec.taints, undefined);
  assert.equal(linux.status.nodeInfo.operatingSystem, 'linux');
  assert.equal(linux.status.capacity.pods, '110');
  assert.equal(linux.status.conditions.find((c: JsonObject) => c.type === 'Ready').status, 'True');

  const win = await client.get(RESOURCES.nodes, '', 'hollow-win-2');
  assert.deepEqual({ os: win.metadata.labels['kubernetes.io/os'], beta: win.metadata.labels['beta.kubernetes.io/os'], build: win.metadata.labels['node.kubernetes.io/windows-build'] },
    { os: 'windows', beta: 'windows', build: '10.0.20348' });
  assert.deepEqual(win.spec.taints, [{ key: 'os', value: 'windows', effect: 'NoSchedule' }]);
  assert.equal(win.status.nodeInfo.osImage, 'Windows Server 2022 Datacenter');
  assert.equal(win.status.nodeInfo.kernelVersion, '10.0.20348.2700');
  assert.match(win.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/1\.7\./);
  const ips = win.status.addresses.map((a: JsonObject) => a.type);
  assert.deepEqual(ips, ['InternalIP', 'Hostname']);

  const leases = await client.list(RESOURCES.leases, 'kube-node-lease');
  assert.equal(leases.items.length, 10);
  const lease = leases.items.find((l) => l.metadata.name === 'hollow-win-2')!;
  assert.equal(lease.spec.holderIdentity, 'hollow-win-2');
  assert.equal(lease.metadata.ownerReferences[0].uid, win.metadata.uid);
});

async function bind(name: string, node: string, spec: JsonObject): Promise<JsonObject> {
  const pod = await client.create(RESOURCES.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec });
  await client.createSubresource(RESOURCES.pods, 'default', name, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: 'default' }, target: { kind: 'Node', name: node } });
  return pod;
}

void test('a bound pod becomes Running and Ready; a graceful delete makes it disappear', async () => {
  await bind('web', 'hollow-1', { containers: [{ name: 'nginx', image: 'nginx:1.27', resources: { requests: { cpu: '100m' } } }, { name: 'side', image: 'busybox' }] });
  const running = await eventually('web Running+Ready', async () => {
    const p = await client.get(RESOURCES.pods, 'default', 'web');
    return p.status?.phase === 'Running' && p.status.conditions?.find((c: JsonObject) => c.type === 'Ready')?.status === 'True' && p;
  });
  assert.equal(running.status.hostIP, (await client.get(RESOURCES.nodes, '', 'hollow-1')).status.addresses[0].address);
  assert.equal(running.status.podIP, '10.128.1.2', 'first address of the fake pod CIDR of node seq 1');
  assert.deepEqual(running.status.podIPs, [{ ip: '10.128.1.2' }]);
  assert.equal(running.status.qosClass, 'Burstable');
  const cs = running.status.containerStatuses as JsonObject[];
  assert.deepEqual(cs.map((c) => [c.name, c.ready, c.started, c.restartCount, typeof c.state.running?.startedAt]), [['nginx', true, true, 0, 'string'], ['side', true, true, 0, 'string']]);
  assert.match(cs[0].containerID, /^hollow:\/\//);
  assert.match(cs[0].imageID, /@sha256:[0-9a-f]{64}$/);
  assert.equal((await cluster.runtime('hollow-1')!.listContainers()).length, 2);

  await client.delete(RESOURCES.pods, 'default', 'web', { gracePeriodSeconds: 30 });
  await eventually('web gone', async () => {
    try { await client.get(RESOURCES.pods, 'default', 'web'); return false; } catch (e) { if (isStatusError(e, 404)) return true; throw e; }
  });
  await eventually('sandbox removed', async () => (await cluster.runtime('hollow-1')!.listPodSandbox()).length === 0);
});

void test('a pod whose container runs hollow-exit 0 succeeds (restartPolicy Never)', async () => {
  await bind('job-1', 'hollow-win-0', { restartPolicy: 'Never', tolerations: [{ key: 'os', operator: 'Exists' }], containers: [{ name: 'work', image: 'mcr.microsoft.com/windows/nanoserver:ltsc2022', command: ['hollow-exit', '0'] }] });
  const done = await eventually('job-1 Succeeded', async () => {
    const p = await client.get(RESOURCES.pods, 'default', 'job-1');
    return p.status?.phase === 'Succeeded' && p;
  });
  const t = done.status.containerStatuses[0].state.terminated;
  assert.deepEqual([t.exitCode, t.reason], [0, 'Completed']);
  assert.equal(done.status.conditions.find((c: JsonObject) => c.type === 'Ready').reason, 'PodCompleted');
});

void test('stopHeartbeats stops Lease renewals; resumeHeartbeats restarts them', async () => {
  const renew = async (): Promise<string> => (await client.get(RESOURCES.leases, 'kube-node-lease', 'hollow-2')).spec.renewTime;
  const first = await renew();
  await eventually('lease renewed', async () => (await renew()) !== first);
  cluster.stopHeartbeats('hollow-2');
  await sleep(400); // an in-flight renewal may still land
  const frozen = await renew();
  await sleep(1000);
  assert.equal(await renew(), frozen, 'no renewal while heartbeats are stopped');
  const other = await client.get(RESOURCES.leases, 'kube-node-lease', 'hollow-3');
  assert.ok(Date.parse(other.spec.renewTime) > Date.parse(frozen), 'other nodes keep renewing');
  cluster.resumeHeartbeats('hollow-2');
  await eventually('lease renewed after resume', async () => (await renew()) !== frozen);
});

void test('1,000 hollow nodes register (timed, not asserted)', async () => {
  const rss0 = process.memoryUsage().rss;
  const t0 = Date.now();
  const scale = startHollowNodes({ client, nodes: 900, windows: 100, namePrefix: 'scale', signal: stopper.signal });
  try {
    await scale.ready;
    const ms = Date.now() - t0;
    const rss = process.memoryUsage().rss;
    console.log(`# registered 1000 hollow nodes in ${ms} ms; RSS ${Math.round(rss / 2 ** 20)} MiB (+${Math.round((rss - rss0) / 2 ** 20)} MiB; the API server and its memory store share the process)`);
    assert.equal(scale.nodeNames().length, 1000);
    const list = await client.list(RESOURCES.leases, 'kube-node-lease', { limit: 2000 });
    assert.equal(list.items.filter((l) => l.metadata.name.startsWith('scale-')).length, 1000);
  } finally {
    await scale.stop();
  }
});
