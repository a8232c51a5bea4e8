/** Unit tests (sample-controller style) of the node-ipam controller. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { indexOf, newNodeIpamController, parseClusterCidrs, subnetAt } from './node-ipam.ts';
import { fixture, RESOURCES } from './testing.ts';

const node = (name: string, podCIDR?: string): JsonObject => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `uid-${name}`, resourceVersion: '3' }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
});

const cases: { name: string; cidr?: string; mask?: number; nodes: JsonObject[]; keys: string[]; want: string[]; cidrs: string[][] }[] = [
  { name: 'first node gets the first /24', nodes: [node('a')], keys: ['a'], want: ['patch nodes a'], cidrs: [['10.42.0.0/24']] },
  { name: 'subnets nodes carry are skipped', nodes: [node('a', '10.42.0.0/24'), node('b', '10.42.1.0/24'), node('c')], keys: ['a', 'b', 'c'], want: ['patch nodes c'], cidrs: [['10.42.2.0/24']] },
  { name: 'each node its own subnet', nodes: [node('a'), node('b'), node('c')], keys: ['a', 'b', 'c'], want: ['patch nodes a', 'patch nodes b', 'patch nodes c'], cidrs: [['10.42.0.0/24'], ['10.42.1.0/24'], ['10.42.2.0/24']] },
  { name: 'a repeat reconcile before the cache catches up patches the same subnet', nodes: [node('a')], keys: ['a', 'a'], want: ['patch nodes a', 'patch nodes a'], cidrs: [['10.42.0.0/24'], ['10.42.0.0/24']] },
  { name: 'dual stack gives one subnet per family', cidr: '10.42.0.0/16,fd00:42::/56', nodes: [node('a')], keys: ['a'], want: ['patch nodes a'], cidrs: [['10.42.0.0/24', 'fd00:42::/64']] },
  { name: 'an exhausted range records CIDRNotAvailable', cidr: '10.42.0.0/24', mask: 25, nodes: [node('a', '10.42.0.0/25'), node('b', '10.42.0.128/25'), node('c')], keys: ['c'], want: ['create events default/c'], cidrs: [] },
  { name: 'a subnet from outside the range does not count against it', cidr: '10.42.0.0/24', mask: 25, nodes: [node('x', '192.168.0.0/24'), node('a', '10.42.0.0/25'), node('c')], keys: ['c'], want: ['patch nodes c'], cidrs: [['10.42.0.128/25']] },
  { name: 'CIDRNotAvailable is recorded once per node, not on every update', cidr: '10.42.0.0/24', mask: 25, nodes: [node('a', '10.42.0.0/25'), node('b', '10.42.0.128/25'), node('c'), node('d')], keys: ['c', 'c', 'd', 'c'], want: ['create events default/c', 'create events default/d'], cidrs: [] },
  { name: 'dual stack: a full IPv6 range is exhausted though IPv4 has room', cidr: '10.42.0.0/16,fd00:42::/63', nodes: [node('a'), node('b'), node('c')], keys: ['a', 'b', 'c'], want: ['patch nodes a', 'patch nodes b', 'create events default/c'], cidrs: [['10.42.0.0/24', 'fd00:42::/64'], ['10.42.1.0/24', 'fd00:42:0:1::/64']] },
];

for (const c of cases) {
  test(`node-ipam: ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newNodeIpamController(f.ctx, { clusterCIDR: c.cidr, nodeCidrMaskSize: c.mask });
    f.seed(RESOURCES.nodes, ...c.nodes);
    f.client.seed(RESOURCES.nodes, ...c.nodes);
    ctrl.started?.();
    for (const k of c.keys) await ctrl.reconcile(k);
    assert.deepEqual(f.client.verbs().map((v) => v.replace(/^(create events [^.]+)\..*$/, '$1')), c.want);
    const patches = f.client.actions.filter((a) => a.verb === 'patch').map((a) => (a.patch as JsonObject).spec);
    assert.deepEqual(patches.map((p) => p.podCIDRs), c.cidrs);
    for (const p of patches) assert.equal(p.podCIDR, p.podCIDRs[0]);
    const ev = f.client.actions.find((a) => a.resource === 'events')?.object;
    if (ev) {
      assert.equal(ev.reason, 'CIDRNotAvailable');
      assert.equal(ev.message, 'Node c status is now: CIDRNotAvailable');
    }
  });
}

test('node-ipam: a deleted node frees its subnet for the next one', async () => {
  const f = fixture();
  const ctrl = newNodeIpamController(f.ctx, { clusterCIDR: '10.42.0.0/24', nodeCidrMaskSize: 25 });
  f.seed(RESOURCES.nodes, node('a', '10.42.0.0/25'), node('b', '10.42.0.128/25'));
  f.client.seed(RESOURCES.nodes, node('c'));
  ctrl.started?.();
  const inf = f.factory.informers().find((i) => i.name === 'core/v1/nodes')!;
  inf.cache.remove('b');
  await ctrl.reconcile('b');
  inf.cache.set(node('c'));
  await ctrl.reconcile('c');
  assert.deepEqual(f.client.actions.map((a) => (a.patch as JsonObject | undefined)?.spec?.podCIDR), ['10.42.0.128/25']);
});

test('node-ipam: a node deleted under the patch (404) frees its subnet at once', async () => {
  const f = fixture();
  const ctrl = newNodeIpamController(f.ctx, { clusterCIDR: '10.42.0.0/24', nodeCidrMaskSize: 25 });
  f.seed(RESOURCES.nodes, node('gone'), node('b'));
  f.client.seed(RESOURCES.nodes, node('b'));
  ctrl.started?.();
  await ctrl.reconcile('gone');
  await ctrl.reconcile('b');
  const specs = f.client.actions.map((a) => (a.patch as JsonObject).spec.podCIDR);
  assert.deepEqual(specs, ['10.42.0.0/25', '10.42.0.128/25']);
  const inf = f.factory.informers().find((i) => i.name === 'core/v1/nodes')!;
  inf.cache.set(node('c'));
  f.client.seed(RESOURCES.nodes, node('c'));
  await ctrl.reconcile('c');
  assert.equal((f.client.actions[2].patch as JsonObject).spec.podCIDR, '10.42.0.0/25', 'the subnet of the vanished node is free');
});

test('subnet arithmetic', () => {
  const [r] = parseClusterCidrs('10.42.0.0/16');
  assert.equal(subnetAt(r, 255n), '10.42.255.0/24');
  assert.equal(indexOf(r, '10.42.7.0/24'), 7n);
  assert.equal(indexOf(r, '10.43.0.0/24'), undefined);
  assert.throws(() => parseClusterCidrs('10.42.0.0/16', 8));
});
