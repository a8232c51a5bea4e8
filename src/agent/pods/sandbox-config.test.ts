/**
 * @module agent/pods/sandbox-config.test — the sandbox config: DNS per dnsPolicy (ClusterFirst,
 * ClusterFirstWithHostNet, Default, None, spec.dnsConfig merged), hostname, log directory, host
 * ports, cgroup parent, namespaces, sysctls and the pod security context.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { parseResolvConf, podDnsConfig, podHostname, sandboxConfig } from './sandbox-config.ts';

const pod = (spec: JsonObject = {}, name = 'web-0'): JsonObject => ({ metadata: { name, namespace: 'shop', uid: 'u9', labels: { app: 'w' }, annotations: { a: 'b' } }, spec: { containers: [], ...spec } });
const dns = { servers: ['10.96.0.10'], searches: ['corp.example'], clusterDomain: 'cluster.local', hostResolvConf: '/etc/resolv.conf' };
const HOST = '# host\nnameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch lan home\noptions edns0 ndots:2\n';

void test('parseResolvConf', () => {
  assert.deepEqual(parseResolvConf(HOST), { servers: ['192.168.1.1', '192.168.1.2'], searches: ['lan', 'home'], options: ['edns0', 'ndots:2'] });
});

void test('podDnsConfig per dnsPolicy', () => {
  // As the kubelet: the cluster's search domains, then (here) the node's extra ones, then the host's.
  const cluster = { servers: ['10.96.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lan', 'home'], options: ['ndots:5'] };
  const host = parseResolvConf(HOST);
  const cases: [string, JsonObject, JsonObject | undefined][] = [
    ['ClusterFirst (default)', {}, cluster],
    ['ClusterFirst with hostNetwork falls back to Default', { hostNetwork: true }, host],
    ['ClusterFirstWithHostNet', { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, cluster],
    ['Default', { dnsPolicy: 'Default' }, host],
    ['None', { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['x.y'], options: [{ name: 'ndots', value: '1' }, { name: 'rotate' }] } }, { servers: ['1.1.1.1'], searches: ['x.y'], options: ['ndots:1', 'rotate'] }],
    ['ClusterFirst merged with dnsConfig', { dnsConfig: { nameservers: ['10.96.0.10', '8.8.8.8'], searches: ['extra'], options: [{ name: 'ndots', value: '2' }, { name: 'timeout', value: '1' }] } },
      { servers: ['10.96.0.10', '8.8.8.8'], searches: [...cluster.searches, 'extra'], options: ['ndots:2', 'timeout:1'] }],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(podDnsConfig(pod(spec), dns, HOST), want, name);
  assert.deepEqual(podDnsConfig(pod(), { ...dns, servers: [] }, HOST), host, 'no cluster DNS: Default');
  assert.equal(podDnsConfig(pod(), undefined, ''), undefined, 'hollow nodes: runtime default');
  const many = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'] } }), dns, '');
  assert.equal(many?.servers.length, 3, 'at most three nameservers');
});

void test('hostname', () => {
  const cases: [JsonObject, string][] = [
    [{}, 'web-0'], [{ hostname: 'db' }, 'db'], [{ hostname: 'db', subdomain: 'sub' }, 'db'],
    [{ hostname: 'db', subdomain: 'sub', setHostnameAsFQDN: true }, 'db.sub.shop.svc.cluster.local'],
  ];
  for (const [spec, want] of cases) assert.equal(podHostname(pod(spec), 'cluster.local'), want);
  assert.equal(podHostname(pod({}, `${'a'.repeat(62)}-b`), undefined), 'a'.repeat(62), '63 characters, no trailing dash');
});

void test('sandboxConfig for a real node', () => {
  const spec = {
    shareProcessNamespace: true, hostIPC: true,
    securityContext: { runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000, sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
    containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' }, { containerPort: 9000 }], securityContext: { privileged: true } }],
  };
  const cfg = sandboxConfig(pod(spec), { attempt: 2, podLogsDir: '/d/logs', cgroupRoot: '/windlass/', dns, hostResolvConfText: HOST });
  assert.deepEqual(cfg.metadata, { name: 'web-0', namespace: 'shop', uid: 'u9', attempt: 2 });
  assert.equal(cfg.logDirectory, '/d/logs/shop_web-0_u9');
  assert.equal(cfg.hostname, 'web-0');
  assert.deepEqual(cfg.labels, { app: 'w', 'io.kubernetes.pod.name': 'web-0', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': 'u9' });
  assert.deepEqual(cfg.annotations, { a: 'b' });
  assert.deepEqual(cfg.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }, { protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIp: '127.0.0.1' }]);
  assert.deepEqual(cfg.linux, {
    cgroupParent: '/windlass/podu9', sysctls: { 'net.core.somaxconn': '1024' },
    securityContext: { namespaceOptions: { pid: 'POD', ipc: 'NODE' }, privileged: true, runAsUser: 1000, runAsGroup: 2000, supplementalGroups: [3000] },
  });
  assert.equal(cfg.dnsConfig?.servers[0], '10.96.0.10');
  const hostNet = sandboxConfig(pod({ hostNetwork: true }), { cgroupRoot: '/w', dns });
  assert.deepEqual([hostNet.hostNetwork, hostNet.hostname], [true, '']);
  const hollow = sandboxConfig(pod());
  assert.deepEqual([hollow.linux, hollow.logDirectory, hollow.dnsConfig, hollow.hostname], [undefined, undefined, undefined, 'web-0']);
});
