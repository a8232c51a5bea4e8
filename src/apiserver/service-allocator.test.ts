/** Unit tests of IP arithmetic and the store-backed Service allocator (memory store). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../store/index.ts';
import { canonicalIp, parseCidr } from './ip-range.ts';
import { parsePortRange, parseServiceCidrs, ServiceAllocator } from './service-allocator.ts';

const A = { namespace: 'default', name: 'a', uid: 'uid-a' };
const B = { namespace: 'default', name: 'b', uid: 'uid-b' };

void test('addresses parse and render canonically', () => {
  const cases: [string, string | undefined][] = [
    ['10.43.0.1', '10.43.0.1'], ['2001:DB8:0:0::1', '2001:db8::1'], ['::', '::'], ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], ['01.2.3.4', undefined], ['1::2::3', undefined], ['10.43.0', undefined], ['256.0.0.1', undefined],
  ];
  for (const [text, want] of cases) assert.equal(canonicalIp(text), want, text);
  assert.equal(parseCidr('10.43.7.9/16')?.cidr, '10.43.0.0/16');
  assert.equal(parseCidr('10.43.0.0/33'), undefined);
});

void test('options parse or throw', () => {
  assert.deepEqual(parseServiceCidrs('10.43.0.0/16, fd00::/108').map((r) => r.family), ['IPv4', 'IPv6']);
  for (const bad of ['', 'x', '10.0.0.0/8,10.1.0.0/16', '10.0.0.0/31', '10.0.0.0/8,fd00::/64,10.1.0.0/16']) assert.throws(() => parseServiceCidrs(bad), bad);
  assert.deepEqual(parsePortRange('30000-30010'), { lo: 30000, hi: 30010 });
  for (const bad of ['30010-30000', '0-5', '1-70000', 'x']) assert.throws(() => parsePortRange(bad), bad);
});

void test('explicit and random addresses of a small range', async () => {
  const store = createMemoryStore();
  const alloc = new ServiceAllocator(store, () => 0, { serviceCIDR: '10.0.0.0/29', serviceNodePortRange: '30000-30001' });
  assert.equal(alloc.kubernetesIp, '10.0.0.1');
  const explicit: [string, string][] = [['10.0.0.0', 'range'], ['10.0.0.7', 'range'], ['10.1.0.1', 'range'], ['fd00::1', 'range'], ['10.0.0.3', 'ok'], ['10.0.0.3', 'taken']];
  for (const [ip, want] of explicit) {
    const owner = want === 'taken' ? B : A;
    const r = await alloc.allocateIp('IPv4', ip, owner, false);
    assert.equal(r.ok ? 'ok' : r.reason, want, ip);
  }
  assert.equal((await alloc.allocateIp('IPv4', '10.0.0.3', A, false)).ok, true, 'the owner may claim its own address again');
  const got = new Set<string>();
  for (;;) {
    const r = await alloc.allocateIp('IPv4', undefined, B, false);
    if (!r.ok) { assert.equal(r.reason, 'full'); break; }
    got.add(r.value);
  }
  assert.deepEqual([...got].sort(), ['10.0.0.2', '10.0.0.4', '10.0.0.5', '10.0.0.6'], 'random picks skip the first address and taken ones');
  await alloc.release(ServiceAllocator.ipKey('10.0.0.3'), B);
  assert.equal((await alloc.allocateIp('IPv4', '10.0.0.3', B, false)).ok, false, 'release by another owner does nothing');
  await alloc.release(ServiceAllocator.ipKey('10.0.0.3'), A);
  const dry = await alloc.allocateIp('IPv4', '10.0.0.3', B, true);
  assert.equal(dry.ok, true);
  assert.equal(await store.get(ServiceAllocator.ipKey('10.0.0.3')), undefined, 'a dry run writes nothing');
  const ports = [await alloc.allocatePort(undefined, A, false), await alloc.allocatePort(undefined, A, false), await alloc.allocatePort(undefined, A, false)];
  assert.deepEqual(ports.map((p) => (p.ok ? 'ok' : p.reason)), ['ok', 'ok', 'full']);
  assert.equal((await alloc.allocatePort(29999, A, false)).ok, false);
});
