import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../framework.ts';
import { newPodInfo } from '../resources.ts';
import { makeNode, makePod, nodeInfo, type PodSpec } from '../testing.ts';
import { balancedScore } from './balanced-allocation.ts';
import { leastAllocatedScore, newNodeResourcesFit } from './node-resources-fit.ts';

test('NodeResourcesFit filter reasons', () => {
  const cases: { name: string; pod: PodSpec; existing?: PodSpec[]; podsCap?: string; code: string; reasons: string[] }[] = [
    { name: 'fits', pod: { cpu: '1', memory: '1Gi' }, code: 'Success', reasons: [] },
    { name: 'cpu', pod: { cpu: '2' }, existing: [{ cpu: '3' }], code: 'Unschedulable', reasons: ['Insufficient cpu'] },
    { name: 'cpu and memory', pod: { cpu: '2', memory: '8Gi' }, existing: [{ cpu: '3', memory: '10Gi' }], code: 'Unschedulable', reasons: ['Insufficient cpu', 'Insufficient memory'] },
    { name: 'larger than node is unresolvable', pod: { cpu: '5' }, code: 'UnschedulableAndUnresolvable', reasons: ['Insufficient cpu'] },
    { name: 'too many pods', pod: {}, existing: [{}, {}], podsCap: '2', code: 'Unschedulable', reasons: ['Too many pods'] },
    { name: 'too many pods and cpu', pod: { cpu: '1' }, existing: [{ cpu: '3500m' }], podsCap: '1', code: 'Unschedulable', reasons: ['Too many pods', 'Insufficient cpu'] },
    { name: 'extended resource', pod: { extra: { 'example.com/gpu': '1' } }, code: 'UnschedulableAndUnresolvable', reasons: ['Insufficient example.com/gpu'] },
    { name: 'zero request always fits resources', pod: {}, existing: [{ cpu: '4', memory: '16Gi' }], code: 'Success', reasons: [] },
  ];
  const p = newNodeResourcesFit();
  for (const c of cases) {
    const ni = nodeInfo(makeNode('n', { cpu: '4', memory: '16Gi', pods: c.podsCap ?? '110' }), (c.existing ?? []).map((e, i) => makePod(`e${i}`, { ...e, nodeName: 'n' })));
    const s = p.filter(new CycleState(), newPodInfo(makePod('p', c.pod)), ni);
    assert.equal(s.code, c.code, c.name);
    assert.deepEqual([...s.reasons], c.reasons, c.name);
  }
});

test('LeastAllocated and BalancedAllocation scores', () => {
  const cases: { name: string; pod: PodSpec; existing: PodSpec[]; least: number; balanced: number }[] = [
    // cpu (1000+0... nonzero): pod 1 cpu 2Gi on 4 cpu/16Gi empty node: cpu (3000*100/4000)=75, mem (14Gi*100/16Gi)=87 → 81
    { name: 'empty node', pod: { cpu: '1', memory: '2Gi' }, existing: [], least: 81, balanced: 93 },
    { name: 'half used', pod: { cpu: '1', memory: '2Gi' }, existing: [{ cpu: '1', memory: '6Gi' }], least: 50, balanced: 100 },
    // nonzero defaults: 100m and 200Mi for the pod without requests
    { name: 'no requests uses defaults for least', pod: {}, existing: [], least: 97, balanced: 100 },
  ];
  for (const c of cases) {
    const ni = nodeInfo(makeNode('n', { cpu: '4', memory: '16Gi' }), c.existing.map((e, i) => makePod(`e${i}`, { ...e, nodeName: 'n' })));
    const pod = newPodInfo(makePod('p', c.pod));
    assert.equal(leastAllocatedScore(pod, ni), c.least, `${c.name} least`);
    assert.equal(balancedScore(pod, ni), c.balanced, `${c.name} balanced`);
  }
});
