/**
 * @module agent/node-network.test — the pure helpers of the node networking and, with fake
 * iproute2 and nft runners (nothing touches the kernel), what startNodeNetworking does to the
 * node with every component off: bridge, gateway, service route, leftovers removed, undone on close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient } from '../client/index.ts';
import { defaultClusterDns, ipv4CidrsOf, nthAddress, startNodeNetworking } from './node-network.ts';

test('address helpers', () => {
  const cases: [string, unknown, unknown][] = [
    ['10th of 10.43.0.0/16', nthAddress('10.43.0.0/16', 10), '10.43.0.10'],
    ['first of a /24', nthAddress('10.42.3.0/24', 1), '10.42.3.1'],
    ['outside', nthAddress('10.0.0.0/30', 4), undefined],
    ['malformed', nthAddress('nope', 1), undefined],
    ['default DNS', defaultClusterDns('10.43.0.0/16'), '10.43.0.10'],
    ['default DNS of a dual-stack pair', defaultClusterDns('fd00::/108,10.96.0.0/12'), '10.96.0.10'],
    ['no IPv4 service CIDR', defaultClusterDns('fd00::/108'), undefined],
    ['IPv4 cluster CIDRs', ipv4CidrsOf(['10.42.0.0/16,fd00:42::/56']), ['10.42.0.0/16']],
  ];
  for (const [what, got, want] of cases) assert.deepEqual(got, want, what);
});

test('with every component off: bridge and route set up, leftovers removed, route removed on close', async () => {
  const calls: string[] = [];
  const scripts: string[] = [];
  const run = async (argv: readonly string[]): Promise<{ stdout: string }> => {
    calls.push(argv.join(' '));
    if (argv.join(' ') === 'ip -o link show dev cni0') throw new Error('Device "cni0" does not exist.');
    return { stdout: argv.includes('-j') ? '[]' : '' };
  };
  const ac = new AbortController();
  const logs: string[] = [];
  const n = await startNodeNetworking({
    client: new FakeClient(), nodeName: 'n1', nodeIp: '192.168.1.2', podCidr: '10.42.3.0/24', clusterCidrs: ['10.42.0.0/16'], serviceCidr: '10.43.0.0/16',
    clusterDomain: 'cluster.local', networkMode: 'none', proxy: false, policy: false, dns: false, signal: ac.signal, run,
    nft: async (s) => { scripts.push(s); }, log: { info: (m) => logs.push(m), error: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`) },
  });
  await n.ready;
  assert.equal(n.gateway, '10.42.3.1');
  assert.deepEqual(n.dnsServers, []);
  for (const want of ['ip link add cni0 type bridge', 'ip addr replace 10.42.3.1/24 dev cni0', 'ip link set cni0 up', 'ip route replace 10.43.0.0/16 dev cni0 src 10.42.3.1']) {
    assert.ok(calls.includes(want), `${want} in ${JSON.stringify(calls)}`);
  }
  assert.ok(!calls.some((c) => c.includes('dev lo')), 'no DNS address without the cluster DNS');
  assert.ok(scripts.some((s) => s.includes('delete table ip windlass-proxy')), scripts.join('\n'));
  assert.ok(scripts.some((s) => s.includes('delete table inet windlass-policy')), scripts.join('\n'));
  await n.close();
  assert.ok(calls.includes('ip route del 10.43.0.0/16 dev cni0'), JSON.stringify(calls));
  assert.deepEqual(logs.filter((l) => l.includes('failed')), []);
  ac.abort();
});
