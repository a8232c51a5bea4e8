/**
 * Unit: pods' resolver configuration per dnsPolicy and dnsConfig, table-driven, and resolv.conf
 * parsing and rendering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { effectiveDnsPolicy, parseResolvConf, podDnsConfig, renderResolvConf, type PodDnsConfig } from './pod-dns.ts';

const host = parseResolvConf('# host\nnameserver 192.0.2.53\nnameserver 192.0.2.54 ; second\nsearch corp.example lab.example\noptions edns0 timeout:2\n');
const pod = (spec: JsonObject, namespace = 'apps'): JsonObject => ({ metadata: { namespace, name: 'p' }, spec });
const CLUSTER_SEARCH = ['apps.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'];

const cases: { name: string; spec: JsonObject; clusterDns?: string[]; want: PodDnsConfig }[] = [
  { name: 'ClusterFirst by default', spec: {}, want: { servers: ['10.43.0.10'], searches: CLUSTER_SEARCH, options: ['ndots:5'] } },
  { name: 'host network falls back to Default', spec: { hostNetwork: true }, want: { servers: ['192.0.2.53', '192.0.2.54'], searches: ['corp.example', 'lab.example'], options: ['edns0', 'timeout:2'] } },
  { name: 'ClusterFirstWithHostNet keeps cluster DNS', spec: { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, want: { servers: ['10.43.0.10'], searches: CLUSTER_SEARCH, options: ['ndots:5'] } },
  { name: 'ClusterFirst without cluster DNS is Default', spec: {}, clusterDns: [], want: { servers: ['192.0.2.53', '192.0.2.54'], searches: ['corp.example', 'lab.example'], options: ['edns0', 'timeout:2'] } },
  { name: 'Default', spec: { dnsPolicy: 'Default' }, want: { servers: ['192.0.2.53', '192.0.2.54'], searches: ['corp.example', 'lab.example'], options: ['edns0', 'timeout:2'] } },
  {
    name: 'None takes dnsConfig only', spec: { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['x.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } },
    want: { servers: ['1.1.1.1'], searches: ['x.example'], options: ['ndots:2', 'edns0'] },
  },
  {
    name: 'ClusterFirst + dnsConfig appends and overrides options by name', spec: { dnsConfig: { nameservers: ['10.43.0.10', '9.9.9.9', '8.8.8.8'], searches: ['cluster.local', 'extra.example'], options: [{ name: 'ndots', value: '1' }] } },
    want: { servers: ['10.43.0.10', '9.9.9.9', '8.8.8.8'], searches: [...CLUSTER_SEARCH, 'extra.example'], options: ['ndots:1'] },
  },
];

for (const c of cases) {
  test(`pod dns: ${c.name}`, () => {
    assert.deepEqual(podDnsConfig(pod(c.spec), { clusterDns: c.clusterDns ?? ['10.43.0.10'], host }), c.want);
  });
}

test('pod dns: at most 3 nameservers; resolv.conf rendering', () => {
  const c = podDnsConfig(pod({ dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'] } }), { clusterDns: ['10.43.0.10'], host });
  assert.deepEqual(c.servers, ['10.43.0.10', '1.1.1.1', '2.2.2.2']);
  assert.equal(renderResolvConf({ servers: ['10.43.0.10'], searches: ['a.svc.cluster.local', 'cluster.local'], options: ['ndots:5'] }),
    'search a.svc.cluster.local cluster.local\nnameserver 10.43.0.10\noptions ndots:5\n');
});

void test('effectiveDnsPolicy: host network, ClusterFirstWithHostNet and a node without cluster DNS', () => {
  const cases: [string, Record<string, unknown>, boolean, string][] = [
    ['default', {}, true, 'ClusterFirst'],
    ['host network', { hostNetwork: true }, true, 'Default'],
    ['host network opting in', { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, true, 'ClusterFirst'],
    ['no cluster DNS', {}, false, 'Default'],
    ['Default', { dnsPolicy: 'Default' }, true, 'Default'],
    ['None', { dnsPolicy: 'None' }, false, 'None'],
  ];
  for (const [what, spec, has, want] of cases) assert.equal(effectiveDnsPolicy({ metadata: {}, spec }, has), want, what);
});
