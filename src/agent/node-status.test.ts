/**
 * @module agent/node-status.test — the real node's status: readiness from CRI conditions (kubelet's
 * wording), the Node object (addresses, daemon endpoint, nodeInfo, capacity), and the
 * registration + heartbeat loop against a fake API client (create or adopt, status patch,
 * Lease, kick on a readiness change).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient, FakeClock } from '../client/index.ts';
import type { HostFacts } from './node-info.ts';
import { nodeConditions, nodeObject, readinessOf, startNodeStatus } from './node-status.ts';
import type { Readiness } from './node-status.ts';

const host: HostFacts = { platform: 'linux', arch: 'x64', release: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', hostname: 'Box1', cpus: 2, memoryBytes: 4 * 2 ** 30, addresses: ['10.0.0.5'] };
const resources = { capacity: { cpu: '2', memory: '4194304Ki', pods: '110' }, allocatable: { cpu: '2', memory: '4091904Ki', pods: '110' } };

for (const [name, conditions, ready, re] of [
  ['both ready', [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }], true, /posting ready/],
  ['network not ready', [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni config uninitialized' }], false,
    /^container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni config uninitialized$/],
  ['nothing reported', [], false, /container runtime not ready: RuntimeReady=false reason:Unknown.*container runtime network not ready/],
] as const) {
  void test(`readinessOf: ${name}`, () => {
    const r = readinessOf(conditions);
    assert.equal(r.ready, ready);
    assert.equal(r.reason, ready ? 'KubeletReady' : 'KubeletNotReady');
    assert.match(r.message, re);
  });
}

void test('nodeObject: labels, taints, addresses, daemon endpoint, nodeInfo, capacity and the Ready condition', () => {
  const { node, status } = nodeObject({
    nodeName: 'box1', nodeIp: '10.0.0.5', host, labels: { zone: 'a' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], kubeletPort: 10350,
    resources, runtimeVersion: 'containerd://1.6.20', ids: { machineID: 'm', bootID: 'b', systemUUID: 'u' },
  }, { ready: false, reason: 'KubeletNotReady', message: 'x' }, Date.UTC(2026, 0, 1));
  assert.equal(node.metadata.name, 'box1');
  assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'box1');
  assert.equal(node.metadata.labels.zone, 'a');
  assert.deepEqual(node.spec.taints, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]);
  assert.deepEqual(status.addresses, [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'Box1' }]);
  assert.deepEqual(status.daemonEndpoints, { kubeletEndpoint: { Port: 10350 } });
  assert.equal(status.nodeInfo.containerRuntimeVersion, 'containerd://1.6.20');
  assert.equal(status.nodeInfo.machineID, 'm');
  assert.equal(status.nodeInfo.operatingSystem, 'linux');
  assert.equal(status.nodeInfo.architecture, 'amd64');
  assert.deepEqual(status.capacity, resources.capacity);
  const readyCond = status.conditions.find((c: any) => c.type === 'Ready');
  assert.deepEqual([readyCond.status, readyCond.reason, readyCond.lastHeartbeatTime], ['False', 'KubeletNotReady', '2026-01-01T00:00:00Z']);
  assert.equal(nodeConditions({ ready: true, reason: 'KubeletReady', message: '' }, 'h', 's').length, 4);
});

void test('startNodeStatus: registers, posts status, renews the Lease, re-posts on kick with a new transition time, stops on abort', async () => {
  const client = new FakeClient();
  const clock = new FakeClock();
  const ctl = new AbortController();
  let r: Readiness = { ready: false, reason: 'KubeletNotReady', message: 'network' };
  const seen: string[] = [];
  const s = await startNodeStatus({
    client, clock, signal: ctl.signal, nodeName: 'box1', nodeIp: '10.0.0.5', host, kubeletPort: 10250, resources, runtimeVersion: 'containerd://1.6.20',
    readiness: async () => r, log: () => undefined, onNode: (n) => seen.push(String(n.metadata?.name)),
  });
  assert.equal(s.node().metadata.name, 'box1');
  await new Promise((res) => setImmediate(res));
  const verbs = client.verbs();
  assert.deepEqual(verbs.slice(0, 2), ['create nodes box1', 'patch nodes box1/status']);
  assert.ok(verbs.includes('create leases kube-node-lease/box1'), verbs.join('\n'));
  const stored = [...client.objects.entries()].find(([k]) => k.includes('nodes') && k.endsWith('box1'))?.[1];
  assert.ok(stored, 'the Node is stored');
  r = { ready: true, reason: 'KubeletReady', message: 'ok' };
  const before = client.actions.length;
  s.kick();
  await new Promise((res) => setTimeout(res, 20));
  const posted = client.actions.slice(before).find((a) => a.verb === 'patch' && a.subresource === 'status');
  assert.ok(posted, `a status patch after kick: ${client.verbs().slice(before).join(', ')}`);
  const ready = (posted.patch as any).status.conditions.find((c: any) => c.type === 'Ready');
  assert.equal(ready.status, 'True');
  clock.step(10_000);
  await new Promise((res) => setTimeout(res, 20));
  assert.ok(client.verbs().filter((v) => v === 'update leases kube-node-lease/box1').length >= 1, client.verbs().join('\n'));
  ctl.abort();
  await s.stopped;
  assert.ok(seen.length >= 2);
});
