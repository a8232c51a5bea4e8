/**
 * Unit: NetworkPolicy semantics, table-driven — default deny, namespace selectors, podSelector AND
 * namespaceSelector in one peer versus two peers, ipBlock with except, named ports (ingress and
 * egress), endPort, egress deny plus DNS, policyTypes defaulting, unions and excluded pods.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { buildPolicyModel, type AllowRule, type PodPolicy } from './model.ts';
import { peerRanges } from './render.ts';

const ns = (name: string, labels: Record<string, string> = {}): JsonObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string, node = 'node-a', ports: JsonObject[] = [], extra: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name, labels },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox', ports }], ...(extra.spec ?? {}) },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], ...(extra.status ?? {}) },
});
const policy = (namespace: string, name: string, spec: JsonObject): JsonObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec });

const namespaces = [ns('prod', { team: 'prod' }), ns('dev', { team: 'dev' }), ns('other')];
const pods = [
  pod('prod', 'web', { app: 'web' }, '10.0.1.1', 'node-a', [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }]),
  pod('prod', 'db', { app: 'db' }, '10.0.1.2', 'node-a', [{ name: 'pg', containerPort: 5432 }]),
  pod('prod', 'client', { app: 'client' }, '10.0.1.3'),
  pod('dev', 'client', { app: 'client' }, '10.0.2.3', 'node-b'),
  pod('dev', 'web', { app: 'web' }, '10.0.2.1', 'node-b', [{ name: 'http', containerPort: 80 }]),
  pod('other', 'tool', { app: 'tool' }, '10.0.3.1', 'node-b'),
  pod('prod', 'hostnet', { app: 'web' }, '192.168.0.10', 'node-a', [], { spec: { hostNetwork: true } }),
  pod('prod', 'done', { app: 'web' }, '10.0.1.9', 'node-a', [], { status: { phase: 'Succeeded' } }),
  pod('prod', 'pending', { app: 'web' }, '', 'node-a', [], { status: { podIP: undefined, podIPs: [] } }),
];

const ANY: AllowRule = { peers: 'any', ports: 'any' };
const ips = (...list: string[]): AllowRule['peers'] => ({ ips: list, blocks: [] });

const cases: { name: string; policies: JsonObject[]; expect: Record<string, Pick<PodPolicy, 'ingress' | 'egress'> | undefined> }[] = [
  { name: 'no policies: nobody is isolated', policies: [], expect: { 'prod/web': undefined, 'prod/db': undefined } },
  {
    name: 'default deny ingress isolates every local pod of the namespace',
    policies: [policy('prod', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })],
    expect: { 'prod/web': { ingress: [] }, 'prod/db': { ingress: [] }, 'prod/client': { ingress: [] }, 'prod/hostnet': undefined, 'prod/done': undefined, 'prod/pending': undefined },
  },
  {
    name: 'allow from namespaces by label',
    policies: [policy('prod', 'p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'dev' } } }] }] })],
    expect: { 'prod/web': { ingress: [{ peers: ips('10.0.2.1', '10.0.2.3'), ports: 'any' }] }, 'prod/db': undefined },
  },
  {
    name: 'podSelector AND namespaceSelector in one peer',
    policies: [policy('prod', 'p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } }, namespaceSelector: { matchLabels: { team: 'dev' } } }] }] })],
    expect: { 'prod/web': { ingress: [{ peers: ips('10.0.2.3'), ports: 'any' }] } },
  },
  {
    name: 'podSelector OR namespaceSelector as two peers',
    policies: [policy('prod', 'p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }, { namespaceSelector: { matchLabels: { team: 'dev' } } }] }] })],
    expect: { 'prod/web': { ingress: [{ peers: ips('10.0.1.3', '10.0.2.1', '10.0.2.3'), ports: 'any' }] } },
  },
  {
    name: 'namespaceSelector {} selects pods of every namespace; metadata.name label is implied',
    policies: [policy('prod', 'p', { podSelector: { matchLabels: { app: 'db' } }, ingress: [
      { from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'tool' } } }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dev' } }, podSelector: { matchLabels: { app: 'web' } } }] }] })],
    expect: { 'prod/db': { ingress: [{ peers: ips('10.0.3.1'), ports: 'any' }, { peers: ips('10.0.2.1'), ports: 'any' }] } },
  },
  {
    name: 'ipBlock with except',
    policies: [policy('prod', 'p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.2.0/24'] } }], ports: [{ port: 8080 }] }] })],
    expect: { 'prod/web': { ingress: [{ peers: { ips: [], blocks: [{ cidr: '10.0.0.0/16', except: ['10.0.2.0/24'] }] }, ports: [{ protocol: 'TCP', port: 8080 }] }] } },
  },
  {
    name: 'named ingress ports resolve on the destination pod; unresolvable ones allow nothing',
    policies: [policy('prod', 'p', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }, { port: 'metrics', protocol: 'UDP' }] }] })],
    expect: { 'prod/web': { ingress: [{ peers: 'any', ports: [{ protocol: 'TCP', port: 8080 }] }] }, 'prod/db': { ingress: [] } },
  },
  {
    name: 'endPort ranges and protocols',
    policies: [policy('prod', 'p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ protocol: 'TCP', port: 8000, endPort: 8100 }, { protocol: 'UDP' }, { protocol: 'SCTP', port: 9 }] }] })],
    expect: { 'prod/web': { ingress: [{ peers: 'any', ports: [{ protocol: 'TCP', port: 8000, endPort: 8100 }, { protocol: 'UDP' }, { protocol: 'SCTP', port: 9 }] }] } },
  },
  {
    name: 'egress deny all but DNS on port 53',
    policies: [policy('prod', 'p', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }] })],
    expect: { 'prod/client': { egress: [{ peers: 'any', ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }] }, 'prod/web': undefined },
  },
  {
    name: 'policyTypes absent with only egress rules: Ingress AND Egress (ingress denied)',
    policies: [policy('prod', 'p', { podSelector: { matchLabels: { app: 'client' } }, egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }] })],
    expect: { 'prod/client': { ingress: [], egress: [{ peers: ips('10.0.1.2'), ports: 'any' }] } },
  },
  {
    name: 'policyTypes absent with only ingress rules: Ingress only',
    policies: [policy('prod', 'p', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{}] })],
    expect: { 'prod/db': { ingress: [ANY] } },
  },
  {
    name: 'policyTypes Egress with empty egress denies all egress',
    policies: [policy('prod', 'p', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Egress'], egress: [] })],
    expect: { 'prod/db': { egress: [] } },
  },
  {
    name: 'egress named ports resolve per destination pod',
    policies: [policy('prod', 'p', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }, { port: 443 }] }] })],
    expect: { 'prod/client': { egress: [
      { peers: ips('10.0.1.1', '10.0.2.1'), ports: [{ protocol: 'TCP', port: 443 }] },
      { peers: ips('10.0.2.1'), ports: [{ protocol: 'TCP', port: 80 }] },
      { peers: ips('10.0.1.1'), ports: [{ protocol: 'TCP', port: 8080 }] }] } },
  },
  {
    name: 'two policies selecting a pod: their rules add up',
    policies: [
      policy('prod', 'a', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] }),
      policy('prod', 'b', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 9090 }] }] }),
    ],
    expect: { 'prod/web': { ingress: [{ peers: ips('10.0.1.3'), ports: 'any' }, { peers: ips('10.0.1.2'), ports: [{ protocol: 'TCP', port: 9090 }] }] } },
  },
  {
    name: 'a policy of another namespace or selecting only remote pods isolates nothing here',
    policies: [policy('dev', 'p', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    expect: { 'prod/web': undefined, 'dev/client': undefined },
  },
];

for (const c of cases) {
  test(`model: ${c.name}`, () => {
    const model = buildPolicyModel({ pods, namespaces, policies: c.policies, nodeName: 'node-a' });
    for (const [key, want] of Object.entries(c.expect)) {
      const got = model.pods.find((p) => `${p.namespace}/${p.name}` === key);
      if (want === undefined) { assert.equal(got, undefined, `${key} is not isolated`); continue; }
      assert.ok(got, `${key} is isolated`);
      assert.deepEqual(got.ingress, want.ingress, `${key} ingress`);
      assert.deepEqual(got.egress, want.egress, `${key} egress`);
    }
  });
}

test('model: pod IPs and policies are reported per local pod', () => {
  const model = buildPolicyModel({ pods, namespaces, policies: [policy('prod', 'deny', { podSelector: {} })], nodeName: 'node-a' });
  assert.deepEqual(model.pods.map((p) => [`${p.namespace}/${p.name}`, p.ips, p.policies]), [
    ['prod/client', ['10.0.1.3'], ['prod/deny']], ['prod/db', ['10.0.1.2'], ['prod/deny']], ['prod/web', ['10.0.1.1'], ['prod/deny']]]);
});

test('peer ranges: except cuts holes, pod IPs inside holes stay allowed, families are separate', () => {
  const fmt = (rs: { first: bigint; last: bigint }[]): string[] => rs.map((r) => `${r.first}-${r.last}`);
  const ip4 = (s: string): bigint => s.split('.').reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n);
  const r = peerRanges({ ips: ['10.0.2.7', 'fd00::1'], blocks: [{ cidr: '10.0.0.0/16', except: ['10.0.2.0/24', '10.0.4.0/23'] }] }, 4);
  assert.deepEqual(fmt(r), [
    `${ip4('10.0.0.0')}-${ip4('10.0.1.255')}`, `${ip4('10.0.2.7')}-${ip4('10.0.2.7')}`,
    `${ip4('10.0.3.0')}-${ip4('10.0.3.255')}`, `${ip4('10.0.6.0')}-${ip4('10.0.255.255')}`]);
  assert.equal(peerRanges({ ips: ['10.0.2.7', 'fd00::1'], blocks: [] }, 6).length, 1);
});
