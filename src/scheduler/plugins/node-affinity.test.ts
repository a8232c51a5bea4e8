import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, type Snapshot } from '../framework.ts';
import { newPodInfo } from '../resources.ts';
import { makeNode, makePod, nodeInfo } from '../testing.ts';
import { defaultNormalizeScore } from './helpers.ts';
import { newNodeAffinity, NODE_AFFINITY_REASON } from './node-affinity.ts';

const EMPTY: Snapshot = { nodes: [], get: () => undefined, havePodsWithAffinity: [], havePodsWithRequiredAntiAffinity: [] };
const required = (...terms: object[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });

test('NodeAffinity filter: nodeSelector and required terms', () => {
  const cases: { name: string; pod: Parameters<typeof makePod>[1]; labels?: Record<string, string>; windows?: boolean; ok: boolean }[] = [
    { name: 'windows selector on linux node', pod: { windows: true }, ok: false },
    { name: 'windows selector on windows node', pod: { windows: true }, windows: true, ok: true },
    { name: 'In matches', pod: { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }) }, labels: { zone: 'b' }, ok: true },
    { name: 'In misses', pod: { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }) }, labels: { zone: 'b' }, ok: false },
    { name: 'NotIn absent label matches', pod: { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }) }, ok: true },
    { name: 'Exists', pod: { affinity: required({ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }) }, labels: { gpu: '' }, ok: true },
    { name: 'DoesNotExist', pod: { affinity: required({ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }) }, labels: { gpu: '' }, ok: false },
    { name: 'Gt', pod: { affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }) }, labels: { cores: '8' }, ok: true },
    { name: 'Lt fails on non-integer', pod: { affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['4'] }] }) }, labels: { cores: 'x' }, ok: false },
    { name: 'terms are ORed', pod: { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }) }, ok: true },
    { name: 'empty term matches nothing', pod: { affinity: required({}) }, ok: false },
    { name: 'matchFields metadata.name', pod: { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }) }, ok: true },
    { name: 'matchFields other name', pod: { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n9'] }] }) }, ok: false },
    { name: 'selector and affinity both needed', pod: { nodeSelector: { disk: 'ssd' }, affinity: required({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }) }, labels: { zone: 'a' }, ok: false },
  ];
  const p = newNodeAffinity();
  for (const c of cases) {
    const state = new CycleState();
    const pod = newPodInfo(makePod('p', c.pod));
    const pre = p.preFilter(state, pod, EMPTY);
    assert.equal(pre.status.code, 'Success', c.name);
    const s = p.filter(state, pod, nodeInfo(makeNode('n1', { labels: c.labels, windows: c.windows })));
    assert.equal(s.code, c.ok ? 'Success' : 'UnschedulableAndUnresolvable', c.name);
    if (!c.ok) assert.deepEqual([...s.reasons], [NODE_AFFINITY_REASON], c.name);
  }
});

test('NodeAffinity PreFilter: Skip without constraints, node names from matchFields', () => {
  const p = newNodeAffinity();
  assert.equal(p.preFilter(new CycleState(), newPodInfo(makePod('p')), EMPTY).status.code, 'Skip');
  const pinned = p.preFilter(new CycleState(), newPodInfo(makePod('p', {
    affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }),
  })), EMPTY);
  assert.deepEqual([...(pinned.nodeNames ?? [])].sort(), ['a', 'b']);
  const loose = p.preFilter(new CycleState(), newPodInfo(makePod('p', {
    affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }, { matchExpressions: [{ key: 'x', operator: 'Exists' }] }),
  })), EMPTY);
  assert.equal(loose.nodeNames, undefined);
});

test('NodeAffinity score: preferred weights, normalized to 100', () => {
  const p = newNodeAffinity();
  const pod = newPodInfo(makePod('p', {
    affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [
      { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
      { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
    ] } },
  }));
  const state = new CycleState();
  const nodes = [nodeInfo(makeNode('a', { labels: { zone: 'a' } })), nodeInfo(makeNode('b', { labels: { zone: 'a', disk: 'ssd' } })), nodeInfo(makeNode('c'))];
  assert.equal(p.preScore(state, pod, nodes).code, 'Success');
  const scores = new Map(nodes.map((n) => [n.name, p.score(state, pod, n)]));
  assert.deepEqual(Object.fromEntries(scores), { a: 10, b: 40, c: 0 });
  p.normalizeScore?.(state, pod, scores);
  assert.deepEqual(Object.fromEntries(scores), { a: 25, b: 100, c: 0 });
  assert.equal(p.preScore(new CycleState(), newPodInfo(makePod('q')), nodes).code, 'Skip');
});

test('defaultNormalizeScore: all zero reverse gives max', () => {
  const m = new Map([['a', 0], ['b', 0]]);
  defaultNormalizeScore(m, true);
  assert.deepEqual([...m.values()], [100, 100]);
  const z = new Map([['a', 0]]);
  defaultNormalizeScore(z, false);
  assert.deepEqual([...z.values()], [0]);
});
