/**
 * Unit tests of the pod network controller with a fake API client and a fake command runner:
 * the first round finds the underlay from the Node's InternalIP, programs the overlay and patches
 * our annotations; a status-only Node update causes no round; a peer's removal does; close()
 * removes what we own; and the annotation patch helper.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient, RESOURCES } from '../../client/index.ts';
import type { JsonObject } from '../../api/index.ts';
import { annotationPatch, startPodNetwork } from './controller.ts';
import { ANNOTATIONS } from './plan.ts';
import { stableVtepMac } from './ipv4.ts';
import type { CommandRunner } from './kernel.ts';

const MAC_B = '0a:00:00:00:00:0b';
const nodeObj = (name: string, cidr: string, ip: string, annotations: Record<string, string> = {}, rv = '1'): JsonObject => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name, resourceVersion: rv, annotations },
  spec: { podCIDR: cidr }, status: { addresses: [{ type: 'InternalIP', address: ip }] },
});
const peerB = (rv = '1', extra: JsonObject = {}): JsonObject => ({
  ...nodeObj('b', '10.42.2.0/24', '192.168.50.2', { [ANNOTATIONS.backendType]: 'vxlan', [ANNOTATIONS.backendData]: JSON.stringify({ VNI: 1, VtepMAC: MAC_B }) }, rv), ...extra,
});

async function until(what: string, fn: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(fn(), what);
}

void test('startPodNetwork: underlay discovery, overlay programming, annotations, relevant events only, cleanup', async () => {
  const client = new FakeClient().seed(RESOURCES.nodes, nodeObj('a', '10.42.1.0/24', '192.168.50.1'), peerB());
  const calls: string[] = [];
  let linkUp = false;
  const run: CommandRunner = async (argv) => {
    const line = argv.join(' ');
    calls.push(line);
    if (line === 'ip -j -4 addr show') return { stdout: JSON.stringify([{ ifname: 'eth0', mtu: 1500, addr_info: [{ family: 'inet', local: '192.168.50.1', prefixlen: 24 }] }]) };
    if (line.startsWith('ip link add flannel.1')) linkUp = true;
    if (line === 'ip -j -d link show') {
      return { stdout: JSON.stringify(linkUp ? [{ ifname: 'flannel.1', flags: ['UP'], mtu: 1450, address: stableVtepMac('a'), ifalias: 'windlass-pod-network', linkinfo: { info_kind: 'vxlan', info_data: { id: 1, local: '192.168.50.1', link: 'eth0', port: 8472 } } }] : []) };
    }
    if (line.startsWith('ip link del flannel.1')) linkUp = false;
    return { stdout: line.includes('-j') ? '[]' : '' };
  };
  const logs: string[] = [];
  const h = await startPodNetwork({ client, nodeName: 'a', mode: 'vxlan', run, signal: new AbortController().signal, batchMs: 1, log: (m) => logs.push(m) });
  await until('first round', () => h.reconciled() === 1);
  assert.ok(calls.includes(`ip link add flannel.1 address ${stableVtepMac('a')} type vxlan id 1 local 192.168.50.1 dev eth0 dstport 8472 nolearning`), calls.join('\n'));
  assert.ok(calls.includes('ip route replace 10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink proto 245'));
  const patch = client.actions.find((a) => a.verb === 'patch');
  assert.deepEqual(patch?.patch, { metadata: { annotations: {
    [ANNOTATIONS.publicIp]: '192.168.50.1', [ANNOTATIONS.backendType]: 'vxlan',
    [ANNOTATIONS.backendData]: JSON.stringify({ VNI: 1, VtepMAC: stableVtepMac('a') }),
  } } });

  // A heartbeat (status-only change) is not a reason to reconcile.
  client.emit(RESOURCES.nodes, { type: 'MODIFIED', object: peerB('2', { status: { addresses: [{ type: 'InternalIP', address: '192.168.50.2' }], conditions: [{ type: 'Ready', status: 'True' }] } }) });
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(h.reconciled(), 1);

  client.emit(RESOURCES.nodes, { type: 'DELETED', object: peerB('3') });
  await until('a round after the peer left', () => h.reconciled() === 2);
  assert.deepEqual(h.lastPlan()?.routes, []);

  calls.length = 0;
  await h.close();
  assert.ok(calls.includes('ip link del flannel.1'), calls.join('\n'));
  assert.deepEqual(logs.filter((l) => /failed/.test(l)), []);
});

void test('annotationPatch: only what differs; null removes present keys', () => {
  assert.equal(annotationPatch({ a: '1', b: '2' }, { a: '1', c: null }), undefined);
  assert.deepEqual(annotationPatch({ a: '1', c: 'x' }, { a: '2', c: null, d: '4' }), { a: '2', c: null, d: '4' });
});
