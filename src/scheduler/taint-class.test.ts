import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Algorithm } from './algorithm.ts';
import { SchedulerCache } from './cache.ts';
import { CycleState, SUCCESS, status, type FilterPlugin, type NodeInfo } from './framework.ts';
import { taintClassOf } from './node-info.ts';
import type { Taint } from './plugins/helpers.ts';
import { newNodeUnschedulable } from './plugins/node-unschedulable.ts';
import { newTaintToleration } from './plugins/taint-toleration.ts';
import { buildProfile } from './profile.ts';
import { newPodInfo } from './resources.ts';
import { FrameworkRunner } from './runner.ts';
import { makeNode, makePod, WINDOWS_TOLERATION } from './testing.ts';

test('taintClassOf: same flag and taints (ignoring timeAdded) share a class; untainted schedulable nodes are class 0', () => {
  const a = { key: 'k', value: 'v', effect: 'NoSchedule' };
  assert.equal(taintClassOf(false, []), 0);
  assert.notEqual(taintClassOf(true, []), 0);
  assert.equal(taintClassOf(false, [a]), taintClassOf(false, [{ ...a, timeAdded: '2026-01-01T00:00:00Z' } as Taint]));
  assert.notEqual(taintClassOf(false, [a]), taintClassOf(true, [a]));
  assert.notEqual(taintClassOf(false, [a]), taintClassOf(false, [{ ...a, value: 'w' }]));
  assert.notEqual(taintClassOf(false, [a]), taintClassOf(false, [{ ...a, effect: 'NoExecute' }]));
  assert.notEqual(taintClassOf(false, [{ key: 'a', value: 'b\u0001c', effect: 'NoSchedule' }]), taintClassOf(false, [{ key: 'a\u0001b', value: 'c', effect: 'NoSchedule' }]));
});

/** counting wraps a filter and records which nodes it was asked about. */
function counting(f: FilterPlugin, seen: string[]): FilterPlugin {
  return { name: f.name, byTaintClass: f.byTaintClass, filter: (s, p, n) => { seen.push(n.name); return f.filter(s, p, n); } };
}

function setup(extra: FilterPlugin[] = []) {
  const cache = new SchedulerCache();
  for (let i = 0; i < 40; i++) cache.addNode(makeNode(`lin-${i}`, { cpu: i === 3 ? '0' : '4' }));
  for (let i = 0; i < 40; i++) cache.addNode(makeNode(`win-${i}`, { windows: true }));
  cache.addNode(makeNode('cordoned', { unschedulable: true }));
  const classSeen: string[] = [];
  const otherSeen: string[] = [];
  const fit: FilterPlugin = { name: 'Fit', filter: (_s, _p, n: NodeInfo) => (n.name === 'lin-3' ? status('Unschedulable', 'Insufficient cpu') : SUCCESS) };
  const plugins = [counting(newNodeUnschedulable(), classSeen), counting(newTaintToleration(), classSeen), counting(fit, otherSeen), ...extra];
  const runner = new FrameworkRunner(buildProfile(plugins));
  const snap = cache.updateSnapshot();
  runner.setSnapshot(snap);
  return { runner, snap, classSeen, otherSeen, algo: new Algorithm(runner, { percentageOfNodesToScore: 100 }) };
}

test('the search runs taint-class filters once per class and never reads a node whose class is rejected', () => {
  const { snap, classSeen, otherSeen, algo } = setup();
  assert.equal(snap.taintClasses.length, snap.nodes.length);
  for (let i = 0; i < snap.nodes.length; i++) assert.equal(snap.taintClasses[i], (snap.nodes[i] as { taintClass: number }).taintClass);
  const linux = algo.schedulePod(new CycleState(), newPodInfo(makePod('l')), snap);
  assert.ok(linux.ok);
  assert.match(linux.nodeName, /^lin-/);
  assert.equal(linux.feasibleNodes, 39, 'every Linux node but the full one');
  assert.equal(linux.evaluatedNodes, 81, 'all nodes count as processed');
  // Three classes (untainted, Windows-tainted, cordoned) × two class filters at most.
  assert.ok(classSeen.length <= 6, `class filters ran ${classSeen.length} times`);
  assert.deepEqual(otherSeen.filter((n) => !n.startsWith('lin-')), [], 'nodes of a rejected class are not filtered further');
  assert.equal(otherSeen.length, 40);

  classSeen.length = 0;
  otherSeen.length = 0;
  const win = algo.schedulePod(new CycleState(), newPodInfo(makePod('w', { tolerations: [WINDOWS_TOLERATION] })), snap);
  assert.ok(win.ok);
  assert.equal(win.feasibleNodes, 79, 'a Windows-tolerating pod fits Linux and Windows nodes, not the cordoned or full one');
  assert.ok(classSeen.length <= 6, 'verdicts are per pod: recomputed for the next pod, once per class');
});

test('nothing fits: the second pass records each node\'s reason in the profile\'s order', () => {
  const { snap, algo } = setup();
  const r = algo.schedulePod(new CycleState(), newPodInfo(makePod('p', { nodeSelector: { x: 'y' }, tolerations: [] })), snap);
  assert.ok(r.ok, 'a plain pod still fits (no NodeAffinity in this profile)');
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

test('an Error from a taint-class filter fails the cycle', () => {
  const broken: FilterPlugin = { name: 'Broken', byTaintClass: true, filter: () => status('Error', 'boom') };
  const { snap, algo } = setup([broken]);
  const r = algo.schedulePod(new CycleState(), newPodInfo(makePod('p')), snap);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.diagnosis.error, 'boom');
});
