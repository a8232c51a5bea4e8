import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { Algorithm } from './algorithm.ts';
import { SchedulerCache, type CacheSnapshot } from './cache.ts';
import {
  CycleState, NODE_TABLE_STRIDE, T_ALLOC_CPU, T_ALLOC_EPH, T_ALLOC_MEM, T_ALLOC_PODS, T_NZ_CPU, T_NZ_MEM, T_POD_COUNT, T_REQ_CPU, T_REQ_EPH,
  T_REQ_MEM, type BindPlugin, type FilterPlugin, type NodeInfo, type ScorePlugin, type Snapshot,
} from './framework.ts';
import type { MutableNodeInfo } from './node-info.ts';
import { newBalancedAllocation } from './plugins/balanced-allocation.ts';
import { newNodeName } from './plugins/node-name.ts';
import { newNodeResourcesFit } from './plugins/node-resources-fit.ts';
import { defaultPlugins } from './plugins/registry.ts';
import { buildProfile } from './profile.ts';
import { newPodInfo } from './resources.ts';
import { FrameworkRunner } from './runner.ts';
import { makeNode, makePod } from './testing.ts';

/** rowsMatch checks every row of the snapshot's table against its NodeInfo's own sums. */
function rowsMatch(snap: CacheSnapshot, when: string): void {
  assert.equal(snap.table.length, snap.nodes.length * NODE_TABLE_STRIDE, `${when}: one row per node`);
  snap.nodes.forEach((n: MutableNodeInfo, i) => {
    const row = [...snap.table.subarray(i * NODE_TABLE_STRIDE, (i + 1) * NODE_TABLE_STRIDE)];
    const want = [];
    want[T_ALLOC_CPU] = n.allocatable.milliCPU; want[T_ALLOC_MEM] = n.allocatable.memory; want[T_ALLOC_EPH] = n.allocatable.ephemeralStorage;
    want[T_ALLOC_PODS] = n.allocatable.pods; want[T_REQ_CPU] = n.requested.milliCPU; want[T_REQ_MEM] = n.requested.memory;
    want[T_REQ_EPH] = n.requested.ephemeralStorage; want[T_POD_COUNT] = n.pods.length;
    want[T_NZ_CPU] = n.nonZeroRequested.milliCPU; want[T_NZ_MEM] = n.nonZeroRequested.memory;
    assert.deepEqual(row, want, `${when}: row ${i} (${n.name})`);
  });
}

const bound = (name: string, node: string, cpu?: string, memory?: string): JsonObject => makePod(name, { nodeName: node, cpu, memory });

test('the snapshot table holds each node\'s sums in its row through placements, removals, node updates, deletions and additions', () => {
  const cache = new SchedulerCache();
  for (let i = 0; i < 6; i++) cache.addNode(makeNode(`n${i}`, { cpu: String(i + 1), memory: `${i + 2}Gi`, pods: String(10 + i) }));
  rowsMatch(cache.updateSnapshot(), 'empty nodes');
  cache.addPod(bound('a', 'n1', '500m', '1Gi'));
  cache.addPod(bound('b', 'n1'));
  cache.addPod(bound('c', 'n4', '2'));
  cache.assumePod(newPodInfo(makePod('d', { cpu: '250m' })), 'n5');
  const snap = cache.updateSnapshot();
  rowsMatch(snap, 'after placements (bound and assumed)');
  assert.equal(snap.table[snap.index.get('n1')! * NODE_TABLE_STRIDE + T_POD_COUNT], 2);
  assert.equal(snap.table[snap.index.get('n1')! * NODE_TABLE_STRIDE + T_NZ_CPU], 600, 'a pod without requests counts 100m for scoring');
  cache.removePod(bound('a', 'n1'));
  cache.forgetPod('default/d');
  cache.updateNode(makeNode('n2'), makeNode('n2', { cpu: '32', memory: '64Gi' }));
  rowsMatch(cache.updateSnapshot(), 'after removals and a node update');
  cache.removeNode(makeNode('n0'));
  cache.addNode(makeNode('n9', { cpu: '3' }));
  cache.addPod(bound('e', 'n9', '1'));
  const after = cache.updateSnapshot();
  rowsMatch(after, 'after a deletion and an addition (rows rebuilt)');
  assert.deepEqual(after.nodes.map((n) => n.name).sort(), ['n1', 'n2', 'n3', 'n4', 'n5', 'n9']);
});

/** cluster builds nodes of varied sizes (one without CPU, one full of pods) with pods on them. */
function cluster(): SchedulerCache {
  const cache = new SchedulerCache();
  for (let i = 0; i < 30; i++) {
    cache.addNode(makeNode(`n${i}`, {
      cpu: i === 7 ? '0' : String(1 + (i % 4)), memory: i === 8 ? '0' : `${1 + (i % 5)}Gi`, pods: i === 9 ? '1' : '20',
      extra: i % 3 === 0 ? { 'example.com/gpu': '2', 'ephemeral-storage': '10Gi' } : { 'ephemeral-storage': '1Gi' },
      taints: i % 5 === 0 ? [{ key: 'spot', value: 'yes', effect: 'PreferNoSchedule' }] : [],
      labels: { pool: i % 2 ? 'odd' : 'even' },
    }));
    for (let j = 0; j < i % 4; j++) cache.addPod(bound(`p${i}-${j}`, `n${i}`, `${100 * (j + 1)}m`, `${j * 256}Mi`));
  }
  cache.addPod(bound('filler', 'n9'));
  return cache;
}

const PODS: [string, JsonObject][] = [
  ['no requests', makePod('x0')],
  ['cpu', makePod('x1', { cpu: '1500m' })],
  ['memory', makePod('x2', { memory: '3Gi' })],
  ['both, large', makePod('x3', { cpu: '3', memory: '4Gi' })],
  ['ephemeral storage', makePod('x4', { extra: { 'ephemeral-storage': '2Gi' } })],
  ['an extended resource', makePod('x5', { cpu: '100m', extra: { 'example.com/gpu': '1' } })],
  ['a node name', makePod('x6', { nodeName: 'n3' })],
];

test('a filter\'s quick test on the table never says yes where its filter says no, and is exact for NodeResourcesFit without extended resources on a node not overcommitted', () => {
  const snap = cluster().updateSnapshot();
  const filters: FilterPlugin[] = [newNodeResourcesFit(), newNodeName()];
  for (const [what, pod] of PODS) {
    const pi = newPodInfo(pod);
    const state = new CycleState();
    for (const f of filters) {
      let yes = 0;
      snap.nodes.forEach((n, at) => {
        const quick = f.fitsAt!(state, pi, snap.table, at);
        const verdict = f.filter(state, pi, n).code;
        if (quick) { yes++; assert.equal(verdict, 'Success', `${f.name}, ${what}, ${n.name}: the quick test said it fits`); }
        // Exact but on an overcommitted node (its pods ask more than it has: the quick test says no; the filter checks only what the pod asks for).
        const scalar = Object.keys(pi.requests.scalar).length > 0;
        const over = n.requested.milliCPU > n.allocatable.milliCPU || n.requested.memory > n.allocatable.memory;
        if (f.name === 'NodeResourcesFit' && !scalar && !over) assert.equal(quick, verdict === 'Success', `${f.name}, ${what}, ${n.name}`);
      });
      if (f.name === 'NodeResourcesFit' && what === 'no requests') assert.equal(yes, snap.nodes.length - 2, 'all but the node full of pods and the one without CPU');
      if (f.name === 'NodeName') assert.equal(yes, what === 'a node name' ? 0 : snap.nodes.length, 'a named node is left to the filter');
    }
  }
});

test('table scores equal the plugins\' node-by-node scores', () => {
  const snap = cluster().updateSnapshot();
  const scorers: ScorePlugin[] = [newNodeResourcesFit(), newBalancedAllocation()];
  for (const [what, pod] of PODS) {
    const pi = newPodInfo(pod);
    for (const s of scorers) {
      snap.nodes.forEach((n, at) => {
        assert.equal(s.scoreAt!(new CycleState(), pi, snap.table, at), s.score(new CycleState(), pi, n), `${s.name}, ${what}, ${n.name}`);
      });
    }
  }
});

const noBinder: BindPlugin = { name: 'NoBind', bind: () => Promise.resolve({ code: 'Success', reasons: [] }) };

/** plainSnapshot is the same snapshot without its table and node classes (the node-by-node path). */
function plainSnapshot(s: Snapshot): Snapshot {
  return { nodes: s.nodes, get: (n) => s.get(n), havePodsWithAffinity: s.havePodsWithAffinity, havePodsWithRequiredAntiAffinity: s.havePodsWithRequiredAntiAffinity };
}

test('search and scoring from the table and by node class choose as the node-by-node path does, totals included', () => {
  const cache = cluster();
  const viaTable = new FrameworkRunner(buildProfile(defaultPlugins(noBinder)));
  const byNode = new FrameworkRunner(buildProfile(defaultPlugins(noBinder)));
  // A fixed tie-break: the last of equal totals wins, so equal choices mean equal totals' order.
  const a = new Algorithm(viaTable, { rng: () => 0.99 });
  const b = new Algorithm(byNode, { rng: () => 0.99 });
  const term = (...exprs: JsonObject[]): JsonObject => ({ weight: 5, preference: { matchExpressions: exprs } });
  const odd = { key: 'pool', operator: 'In', values: ['odd'] };
  // By class for a label term; node by node once a term names hosts.
  const byLabel = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [term(odd)] } };
  const byHost = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [term(odd, { key: 'kubernetes.io/hostname', operator: 'In', values: ['n3', 'n5'] })] } };
  const specs = [{}, { cpu: '300m' }, { memory: '1Gi', affinity: byLabel }, { cpu: '200m', affinity: byHost }, { cpu: '1', memory: '512Mi', tolerations: [{ key: 'spot', operator: 'Exists' }] }, { extra: { 'example.com/gpu': '1' } }];
  let compared = 0;
  for (let i = 0; i < 60; i++) {
    const snap = cache.updateSnapshot();
    viaTable.setSnapshot(snap);
    const plain = plainSnapshot(snap);
    byNode.setSnapshot(plain);
    const pi = newPodInfo(makePod(`q${i}`, specs[i % specs.length]));
    const sa = new CycleState();
    const sb = new CycleState();
    const ra = a.schedulePod(sa, pi, snap);
    const rb = b.schedulePod(sb, pi, plain);
    assert.deepEqual(ra, rb, `pod ${i}`);
    if (!ra.ok) continue;
    // The totals themselves, over every feasible node.
    const rows: number[] = [];
    const feasible: NodeInfo[] = [];
    snap.nodes.forEach((n, at) => { if (viaTable.runFilters(sa, pi, n).code === 'Success') { feasible.push(n); rows.push(at); } });
    const psa = viaTable.runPreScore(sa, pi, feasible);
    const psb = byNode.runPreScore(sb, pi, feasible);
    const ta = new Float64Array(feasible.length);
    const tb = new Float64Array(feasible.length);
    viaTable.runScore(sa, pi, feasible, psa.scorers, ta, rows);
    byNode.runScore(sb, pi, feasible, psb.scorers, tb);
    assert.deepEqual([...ta], [...tb], `totals of pod ${i}`);
    compared++;
    cache.assumePod(pi, ra.nodeName);
  }
  assert.ok(compared >= 40, `${compared} placements compared`);
});

test('a score that depends only on the node class is computed once per class when the rows are known', () => {
  const snap = cluster().updateSnapshot();
  const tt = defaultPlugins(noBinder).find((p) => p.name === 'TaintToleration') as ScorePlugin & { preScore(s: CycleState, p: unknown, n: NodeInfo[]): unknown };
  let calls = 0;
  const counted: ScorePlugin = { ...tt, score: (s, p, n) => { calls++; return tt.score(s, p, n); } };
  const runner = new FrameworkRunner(buildProfile([counted]));
  runner.setSnapshot(snap);
  const pi = newPodInfo(makePod('t'));
  const state = new CycleState();
  tt.preScore(state, pi, snap.nodes);
  const rows = snap.nodes.map((_, i) => i);
  const byClass = new Float64Array(rows.length);
  runner.runScore(state, pi, snap.nodes, [{ plugin: counted, weight: 1 }], byClass, rows);
  assert.equal(calls, new Set(snap.nodeClasses).size, 'one call per class (pool even/odd × PreferNoSchedule taint or not)');
  assert.equal(calls, 4);
  calls = 0;
  const each = new Float64Array(rows.length);
  runner.runScore(state, pi, snap.nodes, [{ plugin: counted, weight: 1 }], each);
  assert.equal(calls, snap.nodes.length);
  assert.deepEqual([...byClass], [...each]);
  assert.ok(each.some((v) => v !== each[0]), 'the tainted nodes score lower');
});
