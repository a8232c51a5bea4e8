/**
 * Unit tests of reading and diffing the kernel state: iproute2 output parsing (links, addresses,
 * text routes including encap routes), the commands that close the gap between a state and a plan
 * (fresh node, no-op, peer leaving, MAC change, device parameter change, mode change, a device
 * name taken by someone else), and applying through a fake runner that serves canned output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddresses, parseLinks, parseRoutes, readKernelState, type CommandRunner, type KernelState, type LinkState } from './kernel.ts';
import { applyPodNetwork, diffPodNetwork, EMPTY_STATE, type DesiredState } from './diff.ts';
import { ANNOTATIONS, planPodNetwork, type NodeInfo } from './plan.ts';

const MAC_A = '0a:00:00:00:00:0a';
const MAC_B = '0a:00:00:00:00:0b';
const MAC_C = '0a:00:00:00:00:0c';
const underlay = { iface: 'eth0', ip: '192.168.50.1', prefix: 24, mtu: 1500 };
const vx = (mac: string): Record<string, string> => ({ [ANNOTATIONS.backendType]: 'vxlan', [ANNOTATIONS.backendData]: JSON.stringify({ VNI: 1, VtepMAC: mac }) });
const self: NodeInfo = { name: 'a', podCidrs: ['10.42.1.0/24'], internalIp: '192.168.50.1', annotations: {} };
const b: NodeInfo = { name: 'b', podCidrs: ['10.42.2.0/24'], internalIp: '192.168.50.2', annotations: vx(MAC_B) };
const c: NodeInfo = { name: 'c', podCidrs: ['10.42.3.0/24'], internalIp: '192.168.50.3', annotations: vx(MAC_C) };
const vxlanPlan = (peers: NodeInfo[]): DesiredState => planPodNetwork({ mode: 'vxlan', self, peers, underlay, vxlan: { mac: MAC_A } });

const ourLink: LinkState = { name: 'flannel.1', kind: 'vxlan', ours: true, up: true, mtu: 1450, mac: MAC_A, vni: 1, port: 8472, local: '192.168.50.1', dev: 'eth0', external: false };
/** stateOf is the kernel state exactly matching a plan (what a successful apply leaves). */
const stateOf = (p: DesiredState): KernelState => ({
  links: [{ name: 'eth0', kind: '', ours: false, up: true, mtu: 1500, mac: '02:00:00:00:00:01', external: false }, ...(p.links.length ? [ourLink] : [])],
  addresses: [...p.addresses], routes: [...p.routes], neighbours: [...p.neighbours], fdb: [...p.fdb],
});
const text = (cmds: readonly (readonly string[])[]): string[] => cmds.map((c) => c.join(' '));

void test('parsers: links, addresses, routes (with encap)', () => {
  const links = parseLinks(JSON.stringify([
    { ifname: 'flannel.1', flags: ['UP'], mtu: 1450, address: '0A:00:00:00:00:0A', ifalias: 'windlass-pod-network', linkinfo: { info_kind: 'vxlan', info_data: { id: 1, local: '192.168.50.1', link: 'eth0', port: 8472 } } },
    { ifname: 'eth0', flags: ['UP'], mtu: 1500, address: '02:00:00:00:00:01' },
  ]));
  assert.deepEqual(links[0], ourLink);
  assert.equal(links[1].ours, false);
  assert.deepEqual(parseAddresses(JSON.stringify([{ ifname: 'eth0', mtu: 1500, addr_info: [{ family: 'inet', local: '192.168.50.1', prefixlen: 24 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] }])),
    [{ iface: 'eth0', ip: '192.168.50.1', prefix: 24, mtu: 1500 }]);
  assert.deepEqual(parseRoutes([
    '10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink ',
    '10.42.3.0/24 via 192.168.50.3 dev eth0 ',
    '10.77.0.0/24  encap ip id 1 src 0.0.0.0 dst 192.168.9.2 ttl 0 tos 0 via 10.77.0.0 dev geneve.1 onlink ',
    '10.78.0.5 via 192.168.9.4 dev eth0 ', '',
  ].join('\n')), [
    { dst: '10.42.2.0/24', via: '10.42.2.0', dev: 'flannel.1', onlink: true },
    { dst: '10.42.3.0/24', via: '192.168.50.3', dev: 'eth0', onlink: false },
    { dst: '10.77.0.0/24', via: '10.77.0.0', dev: 'geneve.1', onlink: true, encap: { id: 1, dst: '192.168.9.2' } },
    { dst: '10.78.0.5/32', via: '192.168.9.4', dev: 'eth0', onlink: false },
  ]);
});

void test('diff cases', () => {
  const full = vxlanPlan([b, c]);
  const cases: { name: string; actual: KernelState; desired: DesiredState; want: string[]; conflicts?: RegExp }[] = [
    {
      name: 'fresh node', actual: stateOf(EMPTY_STATE), desired: vxlanPlan([b]), want: [
        `ip link add flannel.1 address ${MAC_A} type vxlan id 1 local 192.168.50.1 dev eth0 dstport 8472 nolearning`,
        'ip link set dev flannel.1 alias windlass-pod-network mtu 1450 up',
        'ip addr add 10.42.1.0/32 dev flannel.1',
        `bridge fdb append ${MAC_B} dev flannel.1 dst 192.168.50.2`,
        `ip neigh replace 10.42.2.0 lladdr ${MAC_B} dev flannel.1 nud permanent`,
        'ip route replace 10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink proto 245',
      ],
    },
    { name: 'already there', actual: stateOf(full), desired: full, want: [] },
    {
      name: 'peer c leaves', actual: stateOf(full), desired: vxlanPlan([b]), want: [
        'ip route del 10.42.3.0/24 proto 245', 'ip neigh del 10.42.3.0 dev flannel.1', `bridge fdb del ${MAC_C} dev flannel.1 dst 192.168.50.3`,
      ],
    },
    {
      name: "peer c's MAC changes", actual: stateOf(full), desired: vxlanPlan([b, { ...c, annotations: vx('0a:00:00:00:00:cc') }]), want: [
        `bridge fdb del ${MAC_C} dev flannel.1 dst 192.168.50.3`,
        'bridge fdb append 0a:00:00:00:00:cc dev flannel.1 dst 192.168.50.3',
        'ip neigh replace 10.42.3.0 lladdr 0a:00:00:00:00:cc dev flannel.1 nud permanent',
      ],
    },
    {
      name: 'MTU changed and device down', actual: { ...stateOf(full), links: [{ ...ourLink, mtu: 1500, up: false }] }, desired: full,
      want: ['ip link set dev flannel.1 mtu 1450 up'],
    },
    {
      name: 'VNI changed: device re-created, its entries re-added, none deleted one by one', actual: { ...stateOf(full), links: [{ ...ourLink, vni: 9 }] }, desired: full,
      want: [
        'ip link del flannel.1',
        `ip link add flannel.1 address ${MAC_A} type vxlan id 1 local 192.168.50.1 dev eth0 dstport 8472 nolearning`,
        'ip link set dev flannel.1 alias windlass-pod-network mtu 1450 up',
        'ip addr add 10.42.1.0/32 dev flannel.1',
        `bridge fdb append ${MAC_B} dev flannel.1 dst 192.168.50.2`, `bridge fdb append ${MAC_C} dev flannel.1 dst 192.168.50.3`,
        `ip neigh replace 10.42.2.0 lladdr ${MAC_B} dev flannel.1 nud permanent`, `ip neigh replace 10.42.3.0 lladdr ${MAC_C} dev flannel.1 nud permanent`,
        'ip route replace 10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink proto 245', 'ip route replace 10.42.3.0/24 via 10.42.3.0 dev flannel.1 onlink proto 245',
      ],
    },
    {
      name: 'mode change vxlan → host-gw: device deleted, routes replaced', actual: stateOf(full),
      desired: planPodNetwork({ mode: 'host-gw', self, peers: [b], underlay }),
      want: ['ip link del flannel.1', 'ip route replace 10.42.2.0/24 via 192.168.50.2 dev eth0 proto 245'],
    },
    {
      name: 'shutdown: the device goes, and its routes with it', actual: stateOf(full), desired: EMPTY_STATE,
      want: ['ip link del flannel.1'],
    },
    {
      name: 'shutdown in host-gw: routes deleted one by one', actual: stateOf(planPodNetwork({ mode: 'host-gw', self, peers: [b], underlay })), desired: EMPTY_STATE,
      want: ['ip route del 10.42.2.0/24 proto 245'],
    },
    {
      name: 'device name taken by a device we did not make', actual: { ...stateOf(EMPTY_STATE), links: [{ ...ourLink, ours: false }] }, desired: vxlanPlan([b]),
      want: [], conflicts: /device flannel\.1 exists and was not created by windlass/,
    },
  ];
  for (const tc of cases) {
    const r = diffPodNetwork(tc.actual, tc.desired);
    assert.deepEqual(text(r.commands), tc.want, tc.name);
    if (tc.conflicts) assert.match(r.conflicts.join('\n'), tc.conflicts, tc.name);
    else assert.deepEqual(r.conflicts, [], tc.name);
  }
});

void test('applyPodNetwork reads through the runner, runs only the difference and keeps going past a failure', async () => {
  const full = vxlanPlan([b, c]);
  const calls: string[] = [];
  const run: CommandRunner = async (argv) => {
    const line = argv.join(' ');
    calls.push(line);
    if (line === 'ip -j -d link show') {
      return { stdout: JSON.stringify([{ ifname: 'flannel.1', flags: ['UP'], mtu: 1450, address: MAC_A, ifalias: 'windlass-pod-network', linkinfo: { info_kind: 'vxlan', info_data: { id: 1, local: '192.168.50.1', link: 'eth0', port: 8472 } } }]) };
    }
    if (line.startsWith('ip -o route show')) return { stdout: '10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink\n10.42.9.0/24 via 10.42.9.0 dev flannel.1 onlink\n' };
    if (line === 'ip -j addr show') return { stdout: JSON.stringify([{ ifname: 'flannel.1', mtu: 1450, addr_info: [{ family: 'inet', local: '10.42.1.0', prefixlen: 32 }] }]) };
    if (line.startsWith('ip -j -4 neigh')) return { stdout: JSON.stringify([{ dst: '10.42.2.0', dev: 'flannel.1', lladdr: MAC_B, state: ['PERMANENT'] }]) };
    if (line === 'bridge -j fdb show') return { stdout: JSON.stringify([{ mac: MAC_B, ifname: 'flannel.1', dst: '192.168.50.2' }, { mac: '33:33:00:00:00:01', ifname: 'eth0' }]) };
    if (line.startsWith('ip route del 10.42.9.0/24')) throw new Error('RTNETLINK answers: No such process');
    return { stdout: '' };
  };
  const state = await readKernelState(run);
  assert.deepEqual(state.fdb, [{ dev: 'flannel.1', mac: MAC_B, dst: '192.168.50.2' }], 'only entries on our devices');
  calls.length = 0;
  const r = await applyPodNetwork(run, full);
  assert.deepEqual(text(r.commands), [
    'ip route del 10.42.9.0/24 proto 245',
    `bridge fdb append ${MAC_C} dev flannel.1 dst 192.168.50.3`,
    `ip neigh replace 10.42.3.0 lladdr ${MAC_C} dev flannel.1 nud permanent`,
    'ip route replace 10.42.3.0/24 via 10.42.3.0 dev flannel.1 onlink proto 245',
  ]);
  assert.equal(r.failed.length, 1);
  assert.match(r.failed[0].message, /No such process/);
  assert.ok(calls.includes('ip route replace 10.42.3.0/24 via 10.42.3.0 dev flannel.1 onlink proto 245'), 'later commands still ran');
});
