/**
 * @module network/cni.test — the bridge conflist: plugin settings, IPv4/dual-stack ranges and
 * routes, MTU, refusals, and the atomic, idempotent write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFLIST_NAME, bridgeConflist, parseCidr, podCidrsOf, writeBridgeConflist } from './cni.ts';

void test('bridgeConflist: IPv4 node subnet — bridge gateway, no masquerade, hairpin, host-local in our dir, default route, portmap', () => {
  const c = bridgeConflist({ podCidrs: ['10.42.3.0/24'], ipamDataDir: '/d/cni/ipam' }) as any;
  assert.equal(c.cniVersion, '0.4.0');
  assert.equal(c.name, 'windlass');
  assert.deepEqual(c.plugins[0], {
    type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, hairpinMode: true,
    ipam: { type: 'host-local', ranges: [[{ subnet: '10.42.3.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '/d/cni/ipam' },
  });
  assert.deepEqual(c.plugins[1], { type: 'portmap', capabilities: { portMappings: true } });
});

void test('bridgeConflist: options and dual stack', () => {
  const c = bridgeConflist({ podCidrs: ['10.42.3.0/24', 'fd00:42:3::/64'], ipamDataDir: '/i', bridge: 'wl0', networkName: 'n', mtu: 1450 }) as any;
  assert.equal(c.name, 'n');
  assert.equal(c.plugins[0].bridge, 'wl0');
  assert.equal(c.plugins[0].mtu, 1450);
  assert.deepEqual(c.plugins[0].ipam.ranges, [[{ subnet: '10.42.3.0/24' }], [{ subnet: 'fd00:42:3::/64' }]]);
  assert.deepEqual(c.plugins[0].ipam.routes, [{ dst: '0.0.0.0/0' }, { dst: '::/0' }]);
});

for (const [name, o, re] of [
  ['no CIDR', { podCidrs: [], ipamDataDir: '/i' }, /no pod CIDR/],
  ['malformed CIDR', { podCidrs: ['10.42.3.0'], ipamDataDir: '/i' }, /not a CIDR/],
  ['prefix too long', { podCidrs: ['10.42.3.0/33'], ipamDataDir: '/i' }, /not a CIDR/],
  ['MTU too small', { podCidrs: ['10.42.3.0/24'], ipamDataDir: '/i', mtu: 100 }, /MTU/],
] as const) {
  void test(`bridgeConflist refuses: ${name}`, () => {
    assert.throws(() => bridgeConflist(o), re);
  });
}

void test('parseCidr and podCidrsOf', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 4 });
  assert.equal(parseCidr('fd00::/129'), undefined);
  assert.deepEqual(podCidrsOf({ spec: { podCIDR: '10.42.0.0/24' } }), ['10.42.0.0/24']);
  assert.deepEqual(podCidrsOf({ spec: { podCIDR: '10.42.0.0/24', podCIDRs: ['10.42.0.0/24', 'fd00::/64'] } }), ['10.42.0.0/24', 'fd00::/64']);
  assert.deepEqual(podCidrsOf({ spec: {} }), []);
  assert.deepEqual(podCidrsOf(undefined), []);
});

void test('writeBridgeConflist: writes once, leaves no temporary file, rewrites on change', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wl-cni-'));
  try {
    const conf = join(dir, 'net.d');
    const o = { podCidrs: ['10.42.1.0/24'], ipamDataDir: join(dir, 'ipam') };
    const first = await writeBridgeConflist(conf, o);
    assert.equal(first.path, join(conf, CONFLIST_NAME));
    assert.equal(first.changed, true);
    assert.equal(JSON.parse(await readFile(first.path, 'utf8')).plugins[0].ipam.ranges[0][0].subnet, '10.42.1.0/24');
    assert.equal((await writeBridgeConflist(conf, o)).changed, false);
    assert.equal((await writeBridgeConflist(conf, { ...o, podCidrs: ['10.42.2.0/24'] })).changed, true);
    assert.deepEqual(await readdir(conf), [CONFLIST_NAME]);
    assert.equal(JSON.parse(await readFile(first.path, 'utf8')).plugins[0].ipam.ranges[0][0].subnet, '10.42.2.0/24');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
