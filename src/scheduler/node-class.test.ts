import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Algorithm } from './algorithm.ts';
import { SchedulerCache } from './cache.ts';
import { always, CycleState, SUCCESS, status, type FilterPlugin, type NodeInfo } from './framework.ts';
import { nodeClassOf } from './node-info.ts';
import type { Taint } from './plugins/helpers.ts';
import { newNodeUnschedulable } from './plugins/node-unschedulable.ts';
import { newNodeAffinity } from './plugins/node-affinity.ts';
import { newTaintToleration } from './plugins/taint-toleration.ts';
import { buildProfile } from './profile.ts';
import { newPodInfo } from './resources.ts';
import { FrameworkRunner } from './runner.ts';
import { makeNode, makePod, WINDOWS_TOLERATION } from './testing.ts';

test('nodeClassOf: same flag, taints (ignoring timeAdded) and labels but the hostname share a class', () => {
  const a = { key: 'k', value: 'v', effect: 'NoSchedule' };
  const l = { 'kubernetes.io/os': 'linux', pool: 'a' };
  const c = (u: boolean, t: Taint[], labels: Record<string, string> = l): number => nodeClassOf(u, t, labels);
  assert.equal(nodeClassOf(false, [], { 'kubernetes.io/hostname': 'n1' }), 0);
  assert.equal(c(false, []), c(false, [], { pool: 'a', 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': 'n2' }), 'label order and hostname do not matter');
  assert.notEqual(c(false, []), c(false, [], { ...l, pool: 'b' }));
  assert.notEqual(c(false, []), c(false, [], { ...l, extra: '' }));
  assert.notEqual(c(true, []), c(false, []));
  assert.equal(c(false, [a]), c(false, [{ ...a, timeAdded: '2026-01-01T00:00:00Z' } as Taint]));
  assert.notEqual(c(false, [a]), c(true, [a]));
  assert.notEqual(c(false, [a]), c(false, [{ ...a, value: 'w' }]));
  assert.notEqual(c(false, [a]), c(false, [{ ...a, effect: 'NoExecute' }]));
  assert.notEqual(c(false, [{ key: 'a', value: 'b\u0001c', effect: 'NoSchedule' }]), c(false, [{ key: 'a\u0001b', value: 'c', effect: 'NoSchedule' }]));
});

/** counting wraps a filter and records which nodes it was asked about. */
function counting<T extends FilterPlugin>(f: T, seen: string[]): T {
  return { ...f, filter: (s, p, n) => { seen.push(n.name); return f.filter(s, p, n); } };
}

function setup(extra: FilterPlugin[] = []) {
  const cache = new SchedulerCache();
  for (let i = 0; i < 40; i++) cache.addNode(makeNode(`lin-${i}`, { cpu: i === 3 ? '0' : '4', labels: { pool: i < 20 ? 'a' : 'b' } }));
  for (let i = 0; i < 40; i++) cache.addNode(makeNode(`win-${i}`, { windows: true }));
  cache.addNode(makeNode('cordoned', { unschedulable: true }));
  const classSeen: string[] = [];
  const otherSeen: string[] = [];
  const fit: FilterPlugin = { name: 'Fit', filter: (_s, _p, n: NodeInfo) => (n.name === 'lin-3' ? status('Unschedulable', 'Insufficient cpu') : SUCCESS) };
  const affinitySeen: string[] = [];
  const plugins = [counting(newNodeUnschedulable(), classSeen), counting(newTaintToleration(), classSeen), counting(newNodeAffinity(), affinitySeen), counting(fit, otherSeen), ...extra];
  const runner = new FrameworkRunner(buildProfile(plugins));
  const snap = cache.updateSnapshot();
  runner.setSnapshot(snap);
  return { runner, snap, classSeen, affinitySeen, otherSeen, algo: new Algorithm(runner, { percentageOfNodesToScore: 100 }) };
}

test('the search runs node-class filters once per class and never reads a node whose class is rejected', () => {
  const { snap, classSeen, otherSeen, algo } = setup();
  assert.equal(snap.nodeClasses.length, snap.nodes.length);
  for (let i = 0; i < snap.nodes.length; i++) assert.equal(snap.nodeClasses[i], (snap.nodes[i] as { nodeClass: number }).nodeClass);
  const linux = algo.schedulePod(new CycleState(), newPodInfo(makePod('l')), snap);
  assert.ok(linux.ok);
  assert.match(linux.nodeName, /^lin-/);
  assert.equal(linux.feasibleNodes, 39, 'every Linux node but the full one');
  assert.equal(linux.evaluatedNodes, 81, 'all nodes count as processed');
  // Four classes (two Linux pools, Windows-tainted, cordoned) × two class filters at most.
  assert.ok(classSeen.length <= 8, `class filters ran ${classSeen.length} times`);
  assert.deepEqual(otherSeen.filter((n) => !n.startsWith('lin-')), [], 'nodes of a rejected class are not filtered further');
  assert.equal(otherSeen.length, 40);

  classSeen.length = 0;
  otherSeen.length = 0;
  const win = algo.schedulePod(new CycleState(), newPodInfo(makePod('w', { tolerations: [WINDOWS_TOLERATION] })), snap);
  assert.ok(win.ok);
  assert.equal(win.feasibleNodes, 79, 'a Windows-tolerating pod fits Linux and Windows nodes, not the cordoned or full one');
  assert.ok(classSeen.length <= 8, 'verdicts are per pod: recomputed for the next pod, once per class');
});

test('nothing fits: the second pass records each node\'s reason in the profile\'s order', () => {
  const { snap, algo } = setup();
  const r = algo.schedulePod(new CycleState(), newPodInfo(makePod('p', { nodeSelector: { x: 'y' } })), snap);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.diagnosis.statuses.get('lin-0')?.plugin, 'NodeAffinity');
    assert.equal(r.diagnosis.statuses.get('win-0')?.plugin, 'TaintToleration', 'the profile\'s order: TaintToleration before NodeAffinity');
    assert.equal(r.diagnosis.statuses.get('cordoned')?.plugin, 'NodeUnschedulable');
  }
  const cluster = setup([{ name: 'Never', filter: () => status('UnschedulableAndUnresolvable', 'never') }]);
  const none = cluster.algo.schedulePod(new CycleState(), newPodInfo(makePod('q')), cluster.snap);
  assert.equal(none.ok, false);
  if (none.ok) return;
  const st = none.diagnosis.statuses;
  assert.equal(st.size, 81);
  assert.equal(st.get('cordoned')?.plugin, 'NodeUnschedulable');
  assert.equal(st.get('win-0')?.plugin, 'TaintToleration');
  assert.match(st.get('win-0')?.reasons[0] ?? '', /untolerated taint \{os: windows\}/);
  assert.equal(st.get('lin-3')?.plugin, 'Fit');
  assert.equal(st.get('lin-0')?.plugin, 'Never');
  assert.deepEqual([...none.diagnosis.unschedulablePlugins].sort(), ['Fit', 'Never', 'NodeUnschedulable', 'TaintToleration']);
});

test('an Error from a node-class filter fails the cycle', () => {
  const broken: FilterPlugin = { name: 'Broken', byNodeClass: always, filter: () => status('Error', 'boom') };
  const { snap, algo } = setup([broken]);
  const r = algo.schedulePod(new CycleState(), newPodInfo(makePod('p')), snap);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.diagnosis.error, 'boom');
});

test('NodeAffinity runs per class for label selectors, node by node when the pod looks at hostnames or names', () => {
  const { snap, affinitySeen, algo } = setup();
  const run = (spec: Parameters<typeof makePod>[1]) => {
    affinitySeen.length = 0;
    const r = algo.schedulePod(new CycleState(), newPodInfo(makePod('p', spec)), snap);
    return { r, calls: affinitySeen.length };
  };
  const pool = run({ nodeSelector: { pool: 'b' } });
  assert.ok(pool.r.ok);
  assert.equal(pool.r.feasibleNodes, 20, 'the Linux nodes of pool b');
  assert.match(pool.r.nodeName, /^lin-(2\d|3\d)$/);
  assert.ok(pool.calls <= 2, `NodeAffinity ran ${pool.calls} times for two pools`);

  const expr = run({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'NotIn', values: ['b'] }] }] } } } });
  assert.ok(expr.r.ok);
  assert.equal(expr.r.feasibleNodes, 19, 'pool a without the full node');
  assert.ok(expr.calls <= 2);

  const host = run({ nodeSelector: { 'kubernetes.io/hostname': 'lin-5' } });
  assert.ok(host.r.ok);
  assert.equal(host.r.nodeName, 'lin-5');
  assert.equal(host.r.feasibleNodes, 1);
  assert.equal(host.calls, 40, 'a hostname selector is matched on every node that passed the taint classes');

  const hostExpr = run({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['lin-7', 'win-1'] }] }] } } } });
  assert.ok(hostExpr.r.ok);
  assert.equal(hostExpr.r.nodeName, 'lin-7');
  assert.equal(hostExpr.calls, 40);
});

test('a node that changes class (tainted, cordoned, relabelled) is judged by its new class after the next snapshot', () => {
  const cache = new SchedulerCache();
  for (let i = 0; i < 4; i++) cache.addNode(makeNode(`n${i}`, { labels: { pool: 'a' } }));
  const runner = new FrameworkRunner(buildProfile([newNodeUnschedulable(), newTaintToleration(), newNodeAffinity()]));
  const algo = new Algorithm(runner, { percentageOfNodesToScore: 100 });
  const feasible = (spec: Parameters<typeof makePod>[1] = {}): number => {
    const snap = cache.updateSnapshot();
    runner.setSnapshot(snap);
    assert.deepEqual([...snap.nodeClasses], snap.nodes.map((n) => (n as { nodeClass: number }).nodeClass), 'classes stay aligned with the nodes');
    const r = algo.schedulePod(new CycleState(), newPodInfo(makePod('p', spec)), snap);
    return r.ok ? r.feasibleNodes : 0;
  };
  assert.equal(feasible({ nodeSelector: { pool: 'a' } }), 4);
  const n1 = makeNode('n1', { labels: { pool: 'a' } });
  cache.updateNode(n1, makeNode('n1', { labels: { pool: 'a' }, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }));
  assert.equal(feasible({ nodeSelector: { pool: 'a' } }), 3, 'the tainted node left the class');
  cache.updateNode(n1, makeNode('n2', { labels: { pool: 'a' }, unschedulable: true }));
  assert.equal(feasible({ nodeSelector: { pool: 'a' } }), 2, 'the cordoned node too');
  cache.updateNode(n1, makeNode('n3', { labels: { pool: 'b' } }));
  assert.equal(feasible({ nodeSelector: { pool: 'a' } }), 1, 'the relabelled node no longer matches pool a');
  assert.equal(feasible({ nodeSelector: { pool: 'b' } }), 1);
  cache.updateNode(n1, makeNode('n1', { labels: { pool: 'a' } }));
  cache.updateNode(n1, makeNode('n2', { labels: { pool: 'a' } }));
  cache.updateNode(n1, makeNode('n3', { labels: { pool: 'a' } }));
  assert.equal(feasible({ nodeSelector: { pool: 'a' } }), 4, 'all back in one class');
  cache.removeNode(makeNode('n0'));
  cache.addNode(makeNode('n9', { labels: { pool: 'a' }, taints: [{ key: 'k', effect: 'NoSchedule' }] }));
  assert.equal(feasible({ nodeSelector: { pool: 'a' } }), 3, 'after a removal and an addition (the list is rebuilt)');
});
