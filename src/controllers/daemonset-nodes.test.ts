/** Unit tests of DaemonSet node eligibility: nodeSelector, required node affinity, taints × tolerations, default tolerations. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import {
  nodeShouldRunDaemonPod, podFitsNode, targetNodeName, tolerates, withDaemonTolerations, withNodeNameAffinity, type Taint, type Toleration,
} from './daemonset-nodes.ts';

const node = (name: string, labels: Record<string, string>, taints: Taint[] = []): JsonObject => ({ metadata: { name, labels }, spec: { taints } });
const ds = (spec: JsonObject): JsonObject => ({ metadata: { name: 'd', namespace: 'ns', uid: 'u' }, spec: { selector: { matchLabels: { a: 'd' } }, template: { metadata: { labels: { a: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } } } });
const affinity = (...terms: JsonObject[]): JsonObject => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });

const LIN = { 'kubernetes.io/os': 'linux', zone: 'a', cores: '8' };
const WIN = { 'kubernetes.io/os': 'windows', zone: 'b', cores: '4' };
const WIN_TAINT: Taint = { key: 'os', value: 'windows', effect: 'NoSchedule' };
const WIN_TOL: Toleration = { key: 'os', operator: 'Equal', value: 'windows', effect: 'NoSchedule' };

const cases: { name: string; spec: JsonObject; node: JsonObject; run: boolean; stay: boolean }[] = [
  { name: 'no constraints, untainted node', spec: {}, node: node('n', LIN), run: true, stay: true },
  { name: 'nodeSelector matches', spec: { nodeSelector: { 'kubernetes.io/os': 'linux' } }, node: node('n', LIN), run: true, stay: true },
  { name: 'nodeSelector does not match', spec: { nodeSelector: { 'kubernetes.io/os': 'linux' } }, node: node('n', WIN), run: false, stay: false },
  { name: 'affinity In', spec: affinity({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'c'] }] }), node: node('n', LIN), run: true, stay: true },
  { name: 'affinity NotIn', spec: affinity({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), node: node('n', LIN), run: false, stay: false },
  { name: 'affinity Exists / DoesNotExist', spec: affinity({ matchExpressions: [{ key: 'zone', operator: 'Exists' }, { key: 'gpu', operator: 'DoesNotExist' }] }), node: node('n', LIN), run: true, stay: true },
  { name: 'affinity Gt', spec: affinity({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['6'] }] }), node: node('n', WIN), run: false, stay: false },
  { name: 'affinity terms are ORed', spec: affinity({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }), node: node('n', WIN), run: true, stay: true },
  { name: 'affinity matchFields metadata.name', spec: affinity({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }), node: node('n', LIN), run: true, stay: true },
  { name: 'affinity matchFields other name', spec: affinity({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['m'] }] }), node: node('n', LIN), run: false, stay: false },
  { name: 'untolerated NoSchedule taint: no new pod, existing pod stays', spec: { nodeSelector: { 'kubernetes.io/os': 'windows' } }, node: node('n', WIN, [WIN_TAINT]), run: false, stay: true },
  { name: 'tolerated NoSchedule taint', spec: { nodeSelector: { 'kubernetes.io/os': 'windows' }, tolerations: [WIN_TOL] }, node: node('n', WIN, [WIN_TAINT]), run: true, stay: true },
  { name: 'toleration with another value does not tolerate', spec: { tolerations: [{ ...WIN_TOL, value: 'linux' }] }, node: node('n', WIN, [WIN_TAINT]), run: false, stay: true },
  { name: 'Exists toleration without key tolerates everything', spec: { tolerations: [{ operator: 'Exists' }] }, node: node('n', WIN, [WIN_TAINT, { key: 'x', effect: 'NoExecute' }]), run: true, stay: true },
  { name: 'untolerated NoExecute taint evicts', spec: {}, node: node('n', LIN, [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]), run: false, stay: false },
  { name: 'PreferNoSchedule is ignored', spec: {}, node: node('n', LIN, [{ key: 'soft', effect: 'PreferNoSchedule' }]), run: true, stay: true },
  { name: 'default toleration: not-ready NoExecute', spec: {}, node: node('n', LIN, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), run: true, stay: true },
  { name: 'default toleration: unreachable NoExecute', spec: {}, node: node('n', LIN, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]), run: true, stay: true },
  { name: 'default toleration: unschedulable', spec: {}, node: node('n', LIN, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), run: true, stay: true },
  { name: 'default toleration: memory-pressure', spec: {}, node: node('n', LIN, [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }]), run: true, stay: true },
  { name: 'network-unavailable only tolerated with hostNetwork', spec: {}, node: node('n', LIN, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), run: false, stay: true },
  { name: 'network-unavailable tolerated for hostNetwork', spec: { hostNetwork: true }, node: node('n', LIN, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), run: true, stay: true },
  { name: 'template nodeName elsewhere', spec: { nodeName: 'm' }, node: node('n', LIN), run: false, stay: false },
];

for (const c of cases) {
  test(`daemonset eligibility: ${c.name}`, () => {
    assert.deepEqual(nodeShouldRunDaemonPod(c.node, ds(c.spec)), { shouldRun: c.run, shouldContinueRunning: c.stay });
  });
}

test('tolerates: key, operator, value and effect rules', () => {
  const t: Taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  assert.equal(tolerates({ key: 'k', operator: 'Exists' }, t), true);
  assert.equal(tolerates({ key: 'k', value: 'v' }, t), true, 'Equal is the default operator');
  assert.equal(tolerates({ key: 'k', value: 'w' }, t), false);
  assert.equal(tolerates({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, t), false);
  assert.equal(tolerates({ key: 'other', operator: 'Exists' }, t), false);
  assert.equal(tolerates({ operator: 'Exists', effect: 'NoSchedule' }, t), true);
});

test('default tolerations are added once, hostNetwork adds network-unavailable', () => {
  const keys = (spec: JsonObject): string[] => withDaemonTolerations(spec).map((t) => `${t.key ?? ''}:${t.effect ?? ''}`);
  assert.deepEqual(keys({ tolerations: [WIN_TOL, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] }), [
    'os:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule',
    'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule',
  ]);
  assert.equal(withDaemonTolerations({}).find((t) => t.key === 'node.kubernetes.io/not-ready')?.tolerationSeconds, undefined, 'no toleration seconds');
  assert.ok(keys({ hostNetwork: true }).includes('node.kubernetes.io/network-unavailable:NoSchedule'));
});

test('node-name affinity replaces required terms, keeps preferred ones, and names the target node', () => {
  const a = withNodeNameAffinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] }, preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 }] } }, 'n1');
  assert.deepEqual(a.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]);
  assert.deepEqual(a.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution, [{ weight: 1 }]);
  assert.equal(targetNodeName({ spec: { affinity: a } }), 'n1');
  assert.equal(targetNodeName({ spec: { nodeName: 'n2', affinity: a } }), 'n2');
  assert.equal(targetNodeName({ spec: {} }), undefined);
  assert.equal(podFitsNode({ affinity: a }, node('n1', LIN)), true);
  assert.equal(podFitsNode({ affinity: a }, node('n2', LIN)), false);
  assert.equal(podFitsNode({ affinity: a }, node('n1', WIN, [WIN_TAINT])), false, 'the binder also checks taints');
});
