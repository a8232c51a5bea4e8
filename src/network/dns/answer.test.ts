/**
 * Unit: cluster DNS answers from a fixed view, table-driven — service A/AAAA, headless endpoints,
 * StatefulSet hostnames, SRV, pod names, PTR, ExternalName, NXDOMAIN/NODATA with SOA, forwarding,
 * case-insensitivity, EDNS0 and UDP truncation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import type { RecordType } from 'dns-packet';
import type { JsonObject } from '../../api/index.ts';
import { answer, encodeResponse, FLAG, RCODE, rcodeOf, resolve, udpLimit, type DnsPacket } from './answer.ts';
import { dashedIp, fromReverseName, reverseName, undashIp, canonicalIp } from './ip.ts';
import { staticDnsView } from './view.ts';

const svc = (ns: string, name: string, spec: JsonObject): JsonObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec });
const slice = (ns: string, svcName: string, name: string, endpoints: JsonObject[], ports: JsonObject[], addressType = 'IPv4'): JsonObject => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType,
  metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svcName } }, endpoints, ports,
});

const view = staticDnsView({
  services: [
    svc('default', 'api', { clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] }),
    svc('default', 'dual', { clusterIP: '10.43.0.11', clusterIPs: ['10.43.0.11', 'fd00:43::11'], ports: [{ port: 8080 }] }),
    svc('apps', 'web', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
    svc('apps', 'empty', { clusterIP: 'None', ports: [] }),
    svc('apps', 'ext', { type: 'ExternalName', externalName: 'example.org.' }),
    svc('apps', 'alias', { type: 'ExternalName', externalName: 'api.default.svc.cluster.local' }),
  ],
  endpointSlices: [
    slice('apps', 'web', 'web-abc', [
      { addresses: ['10.42.1.5'], hostname: 'web-0', conditions: { ready: true } },
      { addresses: ['10.42.2.6'], hostname: 'web-1', conditions: { ready: true } },
      { addresses: ['10.42.3.7'], hostname: 'web-2', conditions: { ready: false } },
      { addresses: ['10.42.3.8'], conditions: {} },
    ], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
    slice('default', 'api', 'api-x', [{ addresses: ['10.42.1.20'], conditions: { ready: true } }], [{ name: 'http', port: 8080 }]),
  ],
});

function q(name: string, type: string, extra: Partial<DnsPacket> = {}): DnsPacket {
  return { id: 7, type: 'query', flags: FLAG.RD, questions: [{ name, type: type as RecordType, class: 'IN' }], ...extra };
}
const data = (p: DnsPacket, type?: string): unknown[] => (p.answers ?? []).filter((a) => !type || a.type === type).map((a) => (a as { data: unknown }).data);
const rcodeName = (p: DnsPacket): string => Object.entries(RCODE).find(([, v]) => v === rcodeOf(p))?.[0] ?? String(rcodeOf(p));

const cases: { name: string; type: string; rcode: string; answers: unknown[]; soa?: boolean }[] = [
  { name: 'api.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10.43.0.10'] },
  { name: 'API.Default.SVC.cluster.LOCAL.', type: 'A', rcode: 'NOERROR', answers: ['10.43.0.10'] },
  { name: 'api.default.svc.cluster.local', type: 'AAAA', rcode: 'NOERROR', answers: [], soa: true },
  { name: 'dual.default.svc.cluster.local', type: 'AAAA', rcode: 'NOERROR', answers: ['fd00:43::11'] },
  { name: 'dual.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10.43.0.11'] },
  { name: 'api.default.svc.cluster.local', type: 'TXT', rcode: 'NOERROR', answers: [], soa: true },
  { name: 'web.apps.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10.42.1.5', '10.42.2.6', '10.42.3.8'] },
  { name: 'empty.apps.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: [], soa: true },
  { name: 'web-0.web.apps.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10.42.1.5'] },
  { name: 'web-1.web.apps.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10.42.2.6'] },
  { name: 'web-2.web.apps.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [], soa: true },
  { name: '10-42-3-8.web.apps.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10.42.3.8'] },
  { name: '_http._tcp.api.default.svc.cluster.local', type: 'SRV', rcode: 'NOERROR', answers: [{ priority: 0, weight: 100, port: 80, target: 'api.default.svc.cluster.local' }] },
  { name: '_dns._udp.api.default.svc.cluster.local', type: 'SRV', rcode: 'NOERROR', answers: [{ priority: 0, weight: 100, port: 53, target: 'api.default.svc.cluster.local' }] },
  { name: '_dns._tcp.api.default.svc.cluster.local', type: 'SRV', rcode: 'NXDOMAIN', answers: [], soa: true },
  { name: '_nope._tcp.api.default.svc.cluster.local', type: 'SRV', rcode: 'NXDOMAIN', answers: [], soa: true },
  { name: '_http._tcp.web.apps.svc.cluster.local', type: 'SRV', rcode: 'NOERROR', answers: [
    { priority: 0, weight: 33, port: 8080, target: 'web-0.web.apps.svc.cluster.local' },
    { priority: 0, weight: 33, port: 8080, target: 'web-1.web.apps.svc.cluster.local' },
    { priority: 0, weight: 33, port: 8080, target: '10-42-3-8.web.apps.svc.cluster.local' }] },
  { name: '10-42-1-9.apps.pod.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['10.42.1.9'] },
  { name: 'fd00-42--9.apps.pod.cluster.local', type: 'AAAA', rcode: 'NOERROR', answers: ['fd00:42::9'] },
  { name: 'not-an-ip.apps.pod.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [], soa: true },
  { name: 'ext.apps.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['example.org'] },
  { name: 'alias.apps.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['api.default.svc.cluster.local', '10.43.0.10'] },
  { name: 'missing.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [], soa: true },
  { name: 'api.nope.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [], soa: true },
  { name: 'default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: [], soa: true },
  { name: 'nope.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [], soa: true },
  { name: 'api.default.svc.cluster.local.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [], soa: true },
  { name: 'foo.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [], soa: true },
  { name: 'cluster.local', type: 'SOA', rcode: 'NOERROR', answers: [{ mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 }] },
  { name: '10.0.43.10.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', answers: ['api.default.svc.cluster.local'] },
  { name: '5.1.42.10.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', answers: ['web-0.web.apps.svc.cluster.local'] },
  { name: '20.1.42.10.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', answers: ['10-42-1-20.api.default.svc.cluster.local'] },
  { name: reverseName('fd00:43::11') as string, type: 'PTR', rcode: 'NOERROR', answers: ['dual.default.svc.cluster.local'] },
  { name: 'example.org', type: 'A', rcode: 'REFUSED', answers: [] },
  { name: '9.9.9.9.in-addr.arpa', type: 'PTR', rcode: 'REFUSED', answers: [] },
];

for (const c of cases) {
  test(`answer ${c.type} ${c.name} → ${c.rcode}`, () => {
    const r = answer(q(c.name, c.type), view);
    assert.equal(rcodeName(r), c.rcode);
    assert.equal(r.id, 7);
    assert.equal(r.type, 'response');
    assert.deepEqual(r.questions, [{ name: c.name, type: c.type, class: 'IN' }]);
    assert.deepEqual(data(r).map((d) => (typeof d === 'object' ? d : d)), c.answers);
    for (const a of r.answers ?? []) if (a.type !== 'OPT') assert.equal(a.ttl, 5);
    assert.equal((r.authorities ?? []).some((a) => a.type === 'SOA'), c.soa === true);
    assert.equal(((r.flags ?? 0) & FLAG.RD) !== 0, true, 'RD is copied');
    if (c.rcode !== 'REFUSED') assert.equal(((r.flags ?? 0) & FLAG.AA) !== 0, true, 'authoritative');
    // Every answer survives encoding and decoding by the library.
    const back = dnsPacket.decode(dnsPacket.encode(r));
    assert.equal(back.answers?.length, r.answers?.length);
  });
}

test('answers echo the question name as asked; SRV carries target addresses as additionals', () => {
  const r = answer(q('WEB-0.Web.apps.svc.cluster.local', 'A'), view);
  assert.equal(r.answers?.[0].name, 'WEB-0.Web.apps.svc.cluster.local');
  const srv = answer(q('_http._tcp.web.apps.svc.cluster.local', 'SRV'), view);
  assert.deepEqual((srv.additionals ?? []).map((a) => [a.name, (a as { data: unknown }).data]), [
    ['web-0.web.apps.svc.cluster.local', '10.42.1.5'], ['web-1.web.apps.svc.cluster.local', '10.42.2.6'], ['10-42-3-8.web.apps.svc.cluster.local', '10.42.3.8']]);
});

test('resolve: out-of-zone names and unknown reverse names go upstream; external CNAME targets are chased', () => {
  assert.deepEqual(resolve(q('example.org', 'A'), view), { kind: 'forward' });
  assert.deepEqual(resolve(q('1.2.3.4.in-addr.arpa', 'PTR'), view), { kind: 'forward' });
  assert.deepEqual(resolve(q('3.4.in-addr.arpa', 'PTR'), view), { kind: 'forward' });
  const r = resolve(q('ext.apps.svc.cluster.local', 'AAAA'), view);
  assert.equal(r.kind, 'answer');
  assert.deepEqual(r.kind === 'answer' && r.chase, { name: 'example.org', type: 'AAAA' });
});

test('malformed queries: two questions → FORMERR, non-QUERY opcode → NOTIMP', () => {
  const two = q('a.cluster.local', 'A');
  two.questions = [...(two.questions ?? []), { name: 'b.cluster.local', type: 'A' }];
  assert.equal(rcodeOf(answer(two, view)), RCODE.FORMERR);
  assert.equal(rcodeOf(answer(q('api.default.svc.cluster.local', 'A', { flags: 2 << 11 }), view)), RCODE.NOTIMP);
});

test('a different cluster domain is honoured', () => {
  const v = staticDnsView({ services: [svc('x', 'y', { clusterIP: '10.0.0.1' })], endpointSlices: [], clusterDomain: 'Corp.Example.' });
  assert.deepEqual(data(answer(q('y.x.svc.corp.example', 'A'), v)), ['10.0.0.1']);
  assert.equal(rcodeOf(answer(q('y.x.svc.cluster.local', 'A'), v)), RCODE.REFUSED);
});

test('UDP truncation: over 512 bytes without EDNS sets TC and drops records; EDNS0 raises the limit; TCP never truncates', () => {
  const many = Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.42.9.${i + 1}`], conditions: { ready: true } }));
  const v = staticDnsView({ services: [svc('big', 'big', { clusterIP: 'None' })], endpointSlices: [slice('big', 'big', 'b1', many, [])] });
  const plain = q('big.big.svc.cluster.local', 'A');
  const full = answer(plain, v);
  assert.equal(full.answers?.length, 60);
  const udp = dnsPacket.decode(encodeResponse(full, plain, 'udp'));
  assert.equal(udp.flag_tc, true);
  assert.equal(udp.answers?.length, 0);
  assert.ok(encodeResponse(full, plain, 'tcp').length > 512);
  assert.equal(dnsPacket.decode(encodeResponse(full, plain, 'tcp')).flag_tc, false);
  const edns = q('big.big.svc.cluster.local', 'A', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] });
  assert.equal(udpLimit(edns), 4096);
  const r = answer(edns, v);
  assert.equal(r.additionals?.find((a) => a.type === 'OPT')?.type, 'OPT');
  const big = dnsPacket.decode(encodeResponse(r, edns, 'udp'));
  assert.equal(big.flag_tc, false);
  assert.equal(big.answers?.length, 60);
});

test('ip helpers: dashed, reverse and canonical forms', () => {
  const rows: [string, string, string][] = [
    ['10.42.1.5', '10-42-1-5', '5.1.42.10.in-addr.arpa'],
    ['fd00:42::9', 'fd00-42--9', `${'9.0.0.0.'}${'0.0.0.0.'.repeat(5)}2.4.0.0.0.0.d.f.ip6.arpa`],
  ];
  for (const [ip, dashed, rev] of rows) {
    assert.equal(dashedIp(ip), dashed);
    assert.equal(undashIp(dashed), ip);
    assert.equal(reverseName(ip), rev);
    assert.equal(fromReverseName(rev), ip);
  }
  assert.equal(canonicalIp('FD00:0:0:0:0:0:0:1'), 'fd00::1');
  assert.equal(canonicalIp('::ffff:1.2.3.4'), '::ffff:102:304');
  assert.equal(canonicalIp('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
  assert.equal(undashIp('web-0'), undefined);
});
