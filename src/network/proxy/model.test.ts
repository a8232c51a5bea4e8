/** Unit tests of buildProxyModel: which services and endpoints the proxy programs, table-driven. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { buildProxyModel, type ServicePortModel } from './model.ts';

const svc = (name: string, spec: JsonObject, status?: JsonObject): JsonObject => ({
  metadata: { namespace: 'ns', name },
  spec: { clusterIP: '10.96.0.1', ports: [{ name: 'http', port: 80, targetPort: 'web' }], ...spec },
  ...(status ? { status } : {}),
});
type Ep = { ip: string; node?: string; ready?: boolean; serving?: boolean; terminating?: boolean };
const slice = (svcName: string, eps: Ep[], ports: JsonObject[] = [{ name: 'http', port: 8080, protocol: 'TCP' }], extra: JsonObject = {}): JsonObject => ({
  metadata: { namespace: 'ns', name: `${svcName}-${Math.random().toString(36).slice(2, 7)}`, labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4', ports,
  endpoints: eps.map((e) => ({
    addresses: [e.ip], nodeName: e.node ?? 'n1',
    conditions: { ...(e.ready === undefined ? {} : { ready: e.ready }), ...(e.serving === undefined ? {} : { serving: e.serving }), ...(e.terminating === undefined ? {} : { terminating: e.terminating }) },
  })),
  ...extra,
});

const model = (services: JsonObject[], slices: JsonObject[]): readonly ServicePortModel[] =>
  buildProxyModel({ services, endpointSlices: slices, nodeName: 'n1', nodeIps: ['192.168.0.1'], clusterCidrs: ['10.244.0.0/16'] }).services;
const ips = (eps: readonly { ip: string; port: number }[]): string[] => eps.map((e) => `${e.ip}:${e.port}`);

const cases: { name: string; services: JsonObject[]; slices: JsonObject[]; check(m: readonly ServicePortModel[]): void }[] = [
  {
    name: 'ready endpoints only, sorted numerically, named target port resolved through the slice',
    services: [svc('a', {})],
    slices: [slice('a', [{ ip: '10.244.1.10' }, { ip: '10.244.1.9' }, { ip: '10.244.1.11', ready: false }])],
    check: (m) => {
      assert.equal(m.length, 1);
      assert.equal(m[0].key, 'ns/a/tcp/http');
      assert.deepEqual(ips(m[0].clusterEndpoints), ['10.244.1.9:8080', '10.244.1.10:8080']);
      assert.equal(m[0].hasEndpoints, true);
    },
  },
  {
    name: 'no ready endpoint: serving+terminating ones are the fallback (not-serving terminating ones are not)',
    services: [svc('a', {})],
    slices: [slice('a', [
      { ip: '10.244.1.1', ready: false, serving: true, terminating: true },
      { ip: '10.244.1.2', ready: false, serving: false, terminating: true },
      { ip: '10.244.1.3', ready: false },
    ])],
    check: (m) => assert.deepEqual(ips(m[0].clusterEndpoints), ['10.244.1.1:8080']),
  },
  {
    name: 'a ready endpoint wins over terminating ones',
    services: [svc('a', {})],
    slices: [slice('a', [{ ip: '10.244.1.1', ready: false, serving: true, terminating: true }, { ip: '10.244.1.2', ready: true }])],
    check: (m) => assert.deepEqual(ips(m[0].clusterEndpoints), ['10.244.1.2:8080']),
  },
  {
    name: 'nil ready counts as ready',
    services: [svc('a', {})],
    slices: [slice('a', [{ ip: '10.244.1.1' }])],
    check: (m) => assert.deepEqual(ips(m[0].clusterEndpoints), ['10.244.1.1:8080']),
  },
  {
    name: 'named ports resolve per slice (different pods, different numbers) and are deduplicated',
    services: [svc('a', {})],
    slices: [
      slice('a', [{ ip: '10.244.1.1' }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
      slice('a', [{ ip: '10.244.1.2' }, { ip: '10.244.1.1' }], [{ name: 'http', port: 9090, protocol: 'TCP' }]),
      slice('a', [{ ip: '10.244.1.1' }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
    ],
    check: (m) => assert.deepEqual(ips(m[0].clusterEndpoints), ['10.244.1.1:8080', '10.244.1.1:9090', '10.244.1.2:9090']),
  },
  {
    name: 'multi-port service: one model per port, matched by name and protocol; unnamed port keyed by number',
    services: [
      svc('m', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
      svc('u', { clusterIP: '10.96.0.2', ports: [{ port: 8443 }] }),
    ],
    slices: [
      slice('m', [{ ip: '10.244.1.5' }], [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'dns-tcp', port: 5354, protocol: 'TCP' }]),
      slice('u', [{ ip: '10.244.1.6' }], [{ port: 443, protocol: 'TCP' }]),
    ],
    check: (m) => {
      assert.deepEqual(m.map((s) => [s.key, s.protocol, ips(s.clusterEndpoints)]), [
        ['ns/m/tcp/dns-tcp', 'tcp', ['10.244.1.5:5354']],
        ['ns/m/udp/dns', 'udp', ['10.244.1.5:5353']],
        ['ns/u/tcp/8443', 'tcp', ['10.244.1.6:443']],
      ]);
    },
  },
  {
    name: 'headless, ExternalName, unallocated and IPv6-only services are ignored',
    services: [
      svc('h', { clusterIP: 'None' }),
      svc('x', { type: 'ExternalName', externalName: 'example.org', clusterIP: undefined }),
      svc('n', { clusterIP: undefined }),
      svc('v6', { clusterIP: 'fd00::1', clusterIPs: ['fd00::1'] }),
    ],
    slices: [slice('h', [{ ip: '10.244.1.1' }])],
    check: (m) => assert.deepEqual(m, []),
  },
  {
    name: 'slices of another address type or another service do not count',
    services: [svc('a', {})],
    slices: [slice('a', [{ ip: '10.244.1.1' }], undefined, { addressType: 'FQDN' }), slice('b', [{ ip: '10.244.1.2' }])],
    check: (m) => {
      assert.deepEqual(m[0].clusterEndpoints, []);
      assert.equal(m[0].hasEndpoints, false);
    },
  },
  {
    name: 'ClientIP affinity: default timeout 10800 s, or the configured one',
    services: [
      svc('a', { sessionAffinity: 'ClientIP' }),
      svc('b', { clusterIP: '10.96.0.2', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } } }),
      svc('c', { clusterIP: '10.96.0.3', sessionAffinity: 'None' }),
    ],
    slices: [],
    check: (m) => assert.deepEqual(m.map((s) => s.affinitySeconds), [10800, 30, 0]),
  },
  {
    name: 'internalTrafficPolicy Local: cluster path gets node-local endpoints only; external keeps all',
    services: [svc('a', { type: 'NodePort', internalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30001 }] })],
    slices: [slice('a', [{ ip: '10.244.1.1', node: 'n1' }, { ip: '10.244.2.1', node: 'n2' }])],
    check: (m) => {
      assert.deepEqual(ips(m[0].clusterEndpoints), ['10.244.1.1:8080']);
      assert.deepEqual(ips(m[0].externalEndpoints), ['10.244.1.1:8080', '10.244.2.1:8080']);
      assert.equal(m[0].nodePort, 30001);
    },
  },
  {
    name: 'externalTrafficPolicy Local with no local endpoint: external path empty but the service has endpoints (drop, not reject)',
    services: [svc('a', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30002 }] }, { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { ip: '203.0.113.8', ipMode: 'Proxy' }, { hostname: 'lb.example' }] } })],
    slices: [slice('a', [{ ip: '10.244.2.1', node: 'n2' }])],
    check: (m) => {
      assert.equal(m[0].externalLocal, true);
      assert.deepEqual(m[0].externalEndpoints, []);
      assert.deepEqual(ips(m[0].clusterEndpoints), ['10.244.2.1:8080']);
      assert.equal(m[0].hasEndpoints, true);
      assert.deepEqual(m[0].loadBalancerIPs, ['203.0.113.7']);
    },
  },
  {
    name: 'local fallback: with only terminating local endpoints, those serve the Local path',
    services: [svc('a', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30003 }] })],
    slices: [slice('a', [{ ip: '10.244.1.1', node: 'n1', ready: false, serving: true, terminating: true }, { ip: '10.244.2.1', node: 'n2' }])],
    check: (m) => {
      assert.deepEqual(ips(m[0].externalEndpoints), ['10.244.1.1:8080']);
      assert.deepEqual(ips(m[0].clusterEndpoints), ['10.244.2.1:8080']);
    },
  },
  {
    name: 'ClusterIP services have no node port even if one is set; externalIPs are kept',
    services: [svc('a', { externalIPs: ['198.51.100.1', 'fd00::9'], ports: [{ name: 'http', port: 80, nodePort: 30004 }] })],
    slices: [],
    check: (m) => {
      assert.equal(m[0].nodePort, 0);
      assert.deepEqual(m[0].externalIPs, ['198.51.100.1']);
      assert.deepEqual(m[0].loadBalancerIPs, []);
    },
  },
];

for (const c of cases) {
  test(`model: ${c.name}`, () => c.check(model(c.services, c.slices)));
}

test('model: node-wide settings are filtered to the family', () => {
  const m = buildProxyModel({
    services: [], endpointSlices: [], nodeName: 'n1', nodeIps: ['192.168.0.1', 'fd00::1'],
    clusterCidrs: ['10.244.0.0/16', 'fd00:10::/64'], nodePortAddresses: ['192.168.0.1', 'fd00::1'],
  });
  assert.deepEqual([m.family, m.nodeIps, m.clusterCidrs, m.nodePortAddresses], ['ip', ['192.168.0.1'], ['10.244.0.0/16'], ['192.168.0.1']]);
});
