/**
 * Unit tests of the pod network planner: each mode's devices, routes, neighbours, FDB entries and
 * annotations; peers without pod CIDR, address or annotations; host-gw's L2 refusal; a peer
 * leaving; a peer's VTEP MAC changing; and the Node → NodeInfo extraction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANNOTATIONS, nodeInfoOf, planPodNetwork, upstreamRoutesOf, type NetworkMode, type NodeInfo, type PodNetworkPlan } from './plan.ts';
import { inSubnet, parseIpv4Cidr, stableVtepMac } from './ipv4.ts';

const underlay = { iface: 'eth0', ip: '192.168.50.1', prefix: 24, mtu: 1500 };
const MAC_B = '0a:00:00:00:00:0b';
const MAC_C = '0a:00:00:00:00:0c';
const node = (name: string, cidr: string | undefined, ip: string | undefined, annotations: Record<string, string> = {}): NodeInfo =>
  ({ name, podCidrs: cidr ? [cidr] : [], ...(ip ? { internalIp: ip } : {}), annotations });
const vx = (mac: string, vni = 1, type = 'vxlan'): Record<string, string> => ({ [ANNOTATIONS.backendType]: type, [ANNOTATIONS.backendData]: JSON.stringify({ VNI: vni, VtepMAC: mac }) });
const self = node('a', '10.42.1.0/24', '192.168.50.1');
const b = node('b', '10.42.2.0/24', '192.168.50.2', vx(MAC_B));
const c = node('c', '10.42.3.0/24', '192.168.50.3', vx(MAC_C));
const plan = (mode: NetworkMode, peers: NodeInfo[], extra: Partial<Parameters<typeof planPodNetwork>[0]> = {}): PodNetworkPlan =>
  planPodNetwork({ mode, self, peers, underlay, ...extra });

void test('l3: routes nothing, publishes the upstream route', () => {
  const p = plan('l3', [b, c]);
  assert.deepEqual([p.links, p.addresses, p.routes, p.neighbours, p.fdb, p.errors], [[], [], [], [], [], []]);
  assert.equal(p.annotations[ANNOTATIONS.podRoutes], JSON.stringify(['10.42.1.0/24 via 192.168.50.1']));
  assert.equal(p.annotations[ANNOTATIONS.backendType], 'l3');
  assert.equal(p.annotations[ANNOTATIONS.publicIp], '192.168.50.1');
  assert.deepEqual(upstreamRoutesOf({ ...self, annotations: { [ANNOTATIONS.podRoutes]: p.annotations[ANNOTATIONS.podRoutes] as string } }), ['10.42.1.0/24 via 192.168.50.1']);
  assert.deepEqual(upstreamRoutesOf(node('x', '10.42.9.7/24', '10.0.0.9')), ['10.42.9.0/24 via 10.0.0.9'], 'spec fallback, canonical network');
});

void test('host-gw: a route per peer via its node IP on the underlay', () => {
  const p = plan('host-gw', [c, b, self]);
  assert.deepEqual(p.routes, [
    { dst: '10.42.2.0/24', via: '192.168.50.2', dev: 'eth0', onlink: false },
    { dst: '10.42.3.0/24', via: '192.168.50.3', dev: 'eth0', onlink: false },
  ]);
  assert.deepEqual([p.links, p.neighbours, p.fdb, p.errors], [[], [], [], []]);
  assert.equal(p.annotations[ANNOTATIONS.backendData], 'null');
  assert.equal(p.annotations[ANNOTATIONS.podRoutes], null, 'the l3 annotation is removed in other modes');
});

void test('host-gw refuses a peer off our L2 segment, keeps the others', () => {
  const p = plan('host-gw', [b, node('far', '10.42.4.0/24', '10.1.0.5')]);
  assert.deepEqual(p.routes.map((r) => r.dst), ['10.42.2.0/24']);
  assert.deepEqual(p.errors, ['host-gw needs all nodes on one L2 segment: node far (10.1.0.5) is not in 192.168.50.0/24']);
});

void test('vxlan: flannel layout', () => {
  const p = plan('vxlan', [b, c]);
  assert.deepEqual(p.links, [{ name: 'flannel.1', kind: 'vxlan', vni: 1, port: 8472, external: false, mtu: 1450, mac: stableVtepMac('a'), local: '192.168.50.1', dev: 'eth0' }]);
  assert.deepEqual(p.addresses, [{ dev: 'flannel.1', cidr: '10.42.1.0/32' }]);
  assert.deepEqual(p.routes, [
    { dst: '10.42.2.0/24', via: '10.42.2.0', dev: 'flannel.1', onlink: true },
    { dst: '10.42.3.0/24', via: '10.42.3.0', dev: 'flannel.1', onlink: true },
  ]);
  assert.deepEqual(p.neighbours, [{ dev: 'flannel.1', ip: '10.42.2.0', mac: MAC_B }, { dev: 'flannel.1', ip: '10.42.3.0', mac: MAC_C }]);
  assert.deepEqual(p.fdb, [{ dev: 'flannel.1', mac: MAC_B, dst: '192.168.50.2' }, { dev: 'flannel.1', mac: MAC_C, dst: '192.168.50.3' }]);
  assert.equal(p.annotations[ANNOTATIONS.backendData], JSON.stringify({ VNI: 1, VtepMAC: stableVtepMac('a') }));
  assert.equal(p.annotations[ANNOTATIONS.backendType], 'vxlan');
  assert.deepEqual(p.errors, []);
});

void test('vxlan options: VNI, port, device, MTU, MAC; the public-ip annotation wins over InternalIP', () => {
  const peer = node('b', '10.42.2.0/24', '192.168.50.2', { ...vx(MAC_B, 7), [ANNOTATIONS.publicIp]: '192.168.50.22' });
  const p = plan('vxlan', [peer], { vxlan: { vni: 7, port: 4789, device: 'vx7', mtu: 1400, mac: '0A:00:00:00:00:0A' } });
  assert.deepEqual(p.links.map((l) => [l.name, l.vni, l.port, l.mtu, l.mac]), [['vx7', 7, 4789, 1400, '0a:00:00:00:00:0a']]);
  assert.deepEqual(p.fdb, [{ dev: 'vx7', mac: MAC_B, dst: '192.168.50.22' }]);
});

void test('geneve: one external device, encap routes, neighbours, no FDB', () => {
  const peer = node('b', '10.42.2.0/24', '192.168.50.2', vx(MAC_B, 1, 'geneve'));
  const p = plan('geneve', [peer]);
  assert.deepEqual(p.links.map((l) => [l.name, l.kind, l.port, l.external, l.local]), [['geneve.1', 'geneve', 6081, true, undefined]]);
  assert.deepEqual(p.routes, [{ dst: '10.42.2.0/24', via: '10.42.2.0', dev: 'geneve.1', onlink: true, encap: { id: 1, dst: '192.168.50.2' } }]);
  assert.deepEqual(p.fdb, []);
  assert.equal(p.neighbours.length, 1);
});

void test('peers the tunnel modes cannot use', () => {
  const cases: { name: string; peer: NodeInfo; error?: RegExp }[] = [
    { name: 'no pod CIDR yet', peer: node('b', undefined, '192.168.50.2', vx(MAC_B)) },
    { name: 'not published yet', peer: node('b', '10.42.2.0/24', '192.168.50.2') },
    { name: 'no address', peer: node('b', '10.42.2.0/24', undefined, vx(MAC_B)), error: /no IPv4 InternalIP/ },
    { name: 'other backend', peer: node('b', '10.42.2.0/24', '192.168.50.2', vx(MAC_B, 1, 'host-gw')), error: /uses backend "host-gw", not vxlan/ },
    { name: 'bad MAC', peer: node('b', '10.42.2.0/24', '192.168.50.2', vx('zz')), error: /no valid VtepMAC/ },
    { name: 'other VNI', peer: node('b', '10.42.2.0/24', '192.168.50.2', vx(MAC_B, 2)), error: /VNI 2, we use 1/ },
    { name: 'same pod CIDR as ours', peer: node('b', '10.42.1.0/24', '192.168.50.2', vx(MAC_B)), error: /also node a's/ },
    { name: 'our own address', peer: node('b', '10.42.2.0/24', '192.168.50.1', vx(MAC_B)), error: /our own address/ },
  ];
  for (const tc of cases) {
    const p = plan('vxlan', [tc.peer]);
    assert.deepEqual([p.routes, p.neighbours, p.fdb], [[], [], []], tc.name);
    if (tc.error) assert.match(p.errors.join('\n'), tc.error, tc.name);
    else assert.deepEqual(p.errors, [], tc.name);
  }
});

void test('a peer leaving or changing its MAC changes exactly its entries', () => {
  const before = plan('vxlan', [b, c]);
  const gone = plan('vxlan', [b]);
  assert.deepEqual(gone.routes, before.routes.filter((r) => r.dst !== '10.42.3.0/24'));
  assert.deepEqual(gone.fdb, before.fdb.filter((f) => f.mac !== MAC_C));
  const moved = plan('vxlan', [b, { ...c, annotations: vx('0a:00:00:00:00:cc') }]);
  assert.deepEqual(moved.neighbours[1], { dev: 'flannel.1', ip: '10.42.3.0', mac: '0a:00:00:00:00:cc' });
  assert.deepEqual(moved.fdb[1], { dev: 'flannel.1', mac: '0a:00:00:00:00:cc', dst: '192.168.50.3' });
  assert.deepEqual(moved.routes, before.routes);
});

void test('our node without a pod CIDR: device but no address; l3 publishes nothing', () => {
  const noCidr = node('a', undefined, '192.168.50.1');
  assert.deepEqual(planPodNetwork({ mode: 'vxlan', self: noCidr, peers: [b], underlay }).addresses, []);
  assert.equal(planPodNetwork({ mode: 'l3', self: noCidr, peers: [], underlay }).annotations[ANNOTATIONS.podRoutes], null);
});

void test('nodeInfoOf reads pod CIDRs, the IPv4 InternalIP and string annotations', () => {
  const info = nodeInfoOf({
    metadata: { name: 'n1', annotations: { [ANNOTATIONS.publicIp]: '1.2.3.4', x: 5 } },
    spec: { podCIDR: '10.42.5.0/24', podCIDRs: ['10.42.5.0/24', 'fd00::/64'] },
    status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: 'fd00::1' }, { type: 'InternalIP', address: '192.168.50.5' }] },
  });
  assert.deepEqual(info, { name: 'n1', podCidrs: ['10.42.5.0/24', 'fd00::/64'], internalIp: '192.168.50.5', annotations: { [ANNOTATIONS.publicIp]: '1.2.3.4' } });
  assert.deepEqual(nodeInfoOf({ metadata: { name: 'n2' }, spec: { podCIDR: '10.42.6.0/24' } }).podCidrs, ['10.42.6.0/24']);
});

void test('ipv4 helpers and the stable VTEP MAC', () => {
  assert.deepEqual(parseIpv4Cidr('10.42.1.7/24'), { network: '10.42.1.0', base: (10 << 24 | 42 << 16 | 1 << 8) >>> 0, prefix: 24 });
  assert.equal(parseIpv4Cidr('10.42.1.0/33'), undefined);
  assert.equal(inSubnet('192.168.50.200', parseIpv4Cidr('192.168.50.1/24')!), true);
  assert.equal(inSubnet('192.168.51.2', parseIpv4Cidr('192.168.50.1/24')!), false);
  assert.equal(stableVtepMac('a'), stableVtepMac('a'));
  assert.notEqual(stableVtepMac('a'), stableVtepMac('b'));
  assert.match(stableVtepMac('a'), /^[0-9a-f][26ae](:[0-9a-f]{2}){5}$/, 'locally administered unicast');
});
