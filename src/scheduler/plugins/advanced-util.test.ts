import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import {
  hasUntoleratedTaint, makeListers, makeNodeInfo, makePodInfo, mergeNamespaces, moreImportant, nodeInfoWithout, nodeSelectorMatches,
  podTerms, requiredNodeAffinity, termMatches, topologyTermsMatch,
} from './advanced-util.ts';

const node = (name: string, labels: Record<string, string>, taints: JsonObject[] = []): JsonObject => ({ metadata: { name, labels }, spec: { taints } });

test('nodeSelectorMatches: operators, fields, empty terms', () => {
  const n = node('n1', { zone: 'a', gen: '5' });
  const sel = (...exprs: JsonObject[]): JsonObject => ({ nodeSelectorTerms: [{ matchExpressions: exprs }] });
  const cases: [JsonObject, boolean][] = [
    [sel({ key: 'zone', operator: 'In', values: ['a', 'b'] }), true],
    [sel({ key: 'zone', operator: 'NotIn', values: ['a'] }), false],
    [sel({ key: 'disk', operator: 'NotIn', values: ['ssd'] }), true],
    [sel({ key: 'zone', operator: 'Exists' }), true],
    [sel({ key: 'zone', operator: 'DoesNotExist' }), false],
    [sel({ key: 'gen', operator: 'Gt', values: ['4'] }), true],
    [sel({ key: 'gen', operator: 'Lt', values: ['5'] }), false],
    [sel({ key: 'zone', operator: 'Gt', values: ['1'] }), false],
    [{ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] }, true],
    [{ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] }, true],
    [{ nodeSelectorTerms: [{}] }, false],
    [{ nodeSelectorTerms: [] }, false],
  ];
  for (const [s, want] of cases) assert.equal(nodeSelectorMatches(s, n), want, JSON.stringify(s));
});

test('requiredNodeAffinity combines nodeSelector and required terms', () => {
  const match = requiredNodeAffinity({
    spec: {
      nodeSelector: { zone: 'a' },
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }] } } },
    },
  });
  assert.deepEqual([match(node('1', { zone: 'a', disk: 'x' })), match(node('2', { zone: 'a' })), match(node('3', { zone: 'b', disk: 'x' }))], [true, false, false]);
  assert.equal(requiredNodeAffinity({ spec: {} })(node('x', {})), true);
});

test('topologyTermsMatch and taints', () => {
  assert.equal(topologyTermsMatch(undefined, {}), true);
  assert.equal(topologyTermsMatch([{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }], { zone: 'a' }), true);
  assert.equal(topologyTermsMatch([{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }], { zone: 'b' }), false);
  const tainted = node('n', {}, [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }, { key: 'soft', effect: 'PreferNoSchedule' }]);
  assert.equal(hasUntoleratedTaint(tainted, { spec: {} }), true);
  assert.equal(hasUntoleratedTaint(tainted, { spec: { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'yes' }] } }), false);
  assert.equal(hasUntoleratedTaint(tainted, { spec: { tolerations: [{ key: 'gpu', value: 'no' }] } }), true);
  assert.equal(hasUntoleratedTaint(tainted, { spec: { tolerations: [{ operator: 'Exists' }] } }), false);
});

test('podTerms namespaces: default to own namespace, namespaceSelector resolved by mergeNamespaces', () => {
  const pod = {
    metadata: { namespace: 'ns1' },
    spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchLabels: { a: 'b' } }, topologyKey: 'k' },
      { labelSelector: { matchLabels: { a: 'b' } }, topologyKey: 'k', namespaceSelector: { matchLabels: { env: 'prod' } } },
    ] } } },
  };
  const [own, bySel] = podTerms(pod).requiredAffinity;
  assert.equal(podTerms(pod), podTerms(pod), 'cached per object');
  const target = (ns: string): JsonObject => ({ metadata: { namespace: ns, labels: { a: 'b' } } });
  assert.deepEqual([termMatches(own, target('ns1'), undefined), termMatches(own, target('ns2'), undefined)], [true, false]);
  const merged = mergeNamespaces(bySel, makeListers({ namespaces: [{ metadata: { name: 'p1', labels: { env: 'prod' } } }, { metadata: { name: 'd1', labels: {} } }] }));
  assert.deepEqual([termMatches(merged, target('p1'), undefined), termMatches(merged, target('d1'), undefined)], [true, false]);
});

test('nodeInfoWithout adjusts sums, ports and affinity lists without touching the base', () => {
  const mk = (name: string, cpu: string, port?: number): JsonObject => ({
    metadata: { name, namespace: 'd' },
    spec: { containers: [{ name: 'c', resources: { requests: { cpu, memory: '1Gi' } }, ports: port ? [{ hostPort: port, containerPort: 80 }] : [] }],
      ...(name === 'aff' ? { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'k' }] } } } : {}) },
  });
  const pods = [makePodInfo(mk('a', '1', 80)), makePodInfo(mk('aff', '500m')), makePodInfo(mk('c', '250m', 81))];
  const base = makeNodeInfo(node('n', {}), pods);
  const what = nodeInfoWithout(base, new Set([pods[0], pods[1]]));
  assert.deepEqual([what.pods.length, what.requested.milliCPU, what.requested.memory, what.requested.pods, [...what.usedPorts]], [1, 250, 2 ** 30, 1, ['0.0.0.0/TCP/81']]);
  assert.equal(what.podsWithRequiredAntiAffinity.length, 0);
  assert.deepEqual([base.pods.length, base.requested.milliCPU, base.usedPorts.size, base.podsWithRequiredAntiAffinity.length], [3, 1750, 2, 1]);
  assert.equal(nodeInfoWithout(base, new Set()), base);
});

test('moreImportant: priority, then earlier start', () => {
  const p = (prio: number, start?: string): JsonObject => ({ spec: { priority: prio }, status: start ? { startTime: start } : {} });
  const sorted = [p(1, '2026-01-01T00:00:02Z'), p(5), p(1, '2026-01-01T00:00:01Z')].sort((a, b) => moreImportant(a, b, Date.parse('2026-06-01T00:00:00Z')));
  assert.deepEqual(sorted.map((x) => [x.spec.priority, x.status.startTime]), [[5, undefined], [1, '2026-01-01T00:00:01Z'], [1, '2026-01-01T00:00:02Z']]);
});
