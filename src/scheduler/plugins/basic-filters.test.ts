import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, type Status } from '../framework.ts';
import { newPodInfo } from '../resources.ts';
import { makeNode, makePod, nodeInfo, type NodeSpec, type PodSpec } from '../testing.ts';
import { newNodeName } from './node-name.ts';
import { newNodePorts } from './node-ports.ts';
import { newNodeUnschedulable } from './node-unschedulable.ts';
import { newTaintToleration } from './taint-toleration.ts';
import { portsConflict } from '../node-info.ts';

interface Case { name: string; pod: PodSpec; node: NodeSpec; code: Status['code']; reasons?: string[]; existing?: PodSpec[] }

function run(plugin: { filter: (s: CycleState, p: ReturnType<typeof newPodInfo>, n: ReturnType<typeof nodeInfo>) => Status }, cases: Case[]): void {
  for (const c of cases) {
    const ni = nodeInfo(makeNode('n1', c.node), (c.existing ?? []).map((p, i) => makePod(`e${i}`, { ...p, nodeName: 'n1' })));
    const s = plugin.filter(new CycleState(), newPodInfo(makePod('p', c.pod)), ni);
    assert.equal(s.code, c.code, c.name);
    assert.deepEqual([...s.reasons], c.reasons ?? [], c.name);
  }
}

test('TaintToleration filter', () => {
  run(newTaintToleration(), [
    { name: 'no taints', pod: {}, node: {}, code: 'Success' },
    { name: 'windows taint untolerated', pod: {}, node: { windows: true }, code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {os: windows}'] },
    { name: 'windows taint tolerated', pod: { windows: true }, node: { windows: true }, code: 'Success' },
    { name: 'Exists with empty key tolerates all', pod: { tolerations: [{ operator: 'Exists' }] }, node: { windows: true }, code: 'Success' },
    { name: 'wrong value', pod: { tolerations: [{ key: 'os', value: 'linux', effect: 'NoSchedule' }] }, node: { windows: true }, code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {os: windows}'] },
    { name: 'effect mismatch', pod: { tolerations: [{ key: 'os', value: 'windows', effect: 'NoExecute' }] }, node: { windows: true }, code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {os: windows}'] },
    { name: 'NoExecute no value', pod: {}, node: { taints: [{ key: 'dedicated', effect: 'NoExecute' }] }, code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {dedicated: }'] },
    { name: 'PreferNoSchedule ignored by filter', pod: {}, node: { taints: [{ key: 'x', value: 'y', effect: 'PreferNoSchedule' }] }, code: 'Success' },
  ]);
});

test('TaintToleration score prefers fewer PreferNoSchedule taints (reverse-normalized)', () => {
  const p = newTaintToleration();
  const state = new CycleState();
  const pod = newPodInfo(makePod('p', { tolerations: [{ key: 'b', operator: 'Exists', effect: 'PreferNoSchedule' }] }));
  const nodes = [
    nodeInfo(makeNode('clean')),
    nodeInfo(makeNode('one', { taints: [{ key: 'a', value: '1', effect: 'PreferNoSchedule' }] })),
    nodeInfo(makeNode('two', { taints: [{ key: 'a', value: '1', effect: 'PreferNoSchedule' }, { key: 'c', value: '1', effect: 'PreferNoSchedule' }] })),
    nodeInfo(makeNode('tolerated', { taints: [{ key: 'b', value: '1', effect: 'PreferNoSchedule' }] })),
  ];
  p.preScore(state, pod, nodes);
  const scores = new Map(nodes.map((n) => [n.name, p.score(state, pod, n)]));
  assert.deepEqual([...scores.values()], [0, 1, 2, 0]);
  p.normalizeScore?.(state, pod, scores);
  assert.deepEqual(Object.fromEntries(scores), { clean: 100, one: 50, two: 0, tolerated: 100 });
});

test('NodeName filter', () => {
  run(newNodeName(), [
    { name: 'unset', pod: {}, node: {}, code: 'Success' },
    { name: 'match', pod: { nodeName: 'n1' }, node: {}, code: 'Success' },
    { name: 'other', pod: { nodeName: 'n2' }, node: {}, code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match the requested node name"] },
  ]);
});

test('NodeUnschedulable filter', () => {
  run(newNodeUnschedulable(), [
    { name: 'schedulable', pod: {}, node: {}, code: 'Success' },
    { name: 'cordoned', pod: {}, node: { unschedulable: true }, code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were unschedulable'] },
    { name: 'cordoned but tolerated', pod: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }, node: { unschedulable: true }, code: 'Success' },
  ]);
});

test('NodePorts filter and PreFilter skip', () => {
  const p = newNodePorts();
  assert.equal(p.preFilter(new CycleState(), newPodInfo(makePod('p')), { nodes: [], get: () => undefined, havePodsWithAffinity: [], havePodsWithRequiredAntiAffinity: [] }).status.code, 'Skip');
  run(p, [
    { name: 'free', pod: { hostPorts: [80] }, node: {}, code: 'Success', existing: [{ hostPorts: [81] }] },
    { name: 'taken', pod: { hostPorts: [80] }, node: {}, code: 'Unschedulable', reasons: ["node(s) didn't have free ports for the requested pod ports"], existing: [{ hostPorts: [80] }] },
  ]);
  const cases: [string[], string[], boolean][] = [
    [['0.0.0.0/TCP/80'], ['10.0.0.1/TCP/80'], true],
    [['10.0.0.1/TCP/80'], ['0.0.0.0/TCP/80'], true],
    [['10.0.0.1/TCP/80'], ['10.0.0.2/TCP/80'], false],
    [['0.0.0.0/UDP/80'], ['10.0.0.1/TCP/80'], false],
    [['0.0.0.0/TCP/80'], ['10.0.0.1/TCP/8080'], false],
  ];
  for (const [want, used, conflict] of cases) assert.equal(portsConflict(want, new Set(used)), conflict, `${want} vs ${used}`);
});
