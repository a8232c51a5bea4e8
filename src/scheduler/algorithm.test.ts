import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { FakeClock } from '../client/index.ts';
import { numFeasibleNodesToFind } from './algorithm.ts';
import type { SchedulingRecorder } from './events.ts';
import { newSchedulerForBench } from './in-process.ts';
import { basicPlugins } from './plugins/registry.ts';
import { makeNode, makePod } from './testing.ts';

class TestRecorder implements SchedulingRecorder {
  readonly failures: { pod: string; message: string }[] = [];
  readonly successes: { pod: string; node: string }[] = [];
  scheduled(pod: JsonObject, node: string): void { this.successes.push({ pod: String(pod.metadata?.name), node }); }
  failed(pod: JsonObject, message: string): void { this.failures.push({ pod: String(pod.metadata?.name), message }); }
  nominated(): void { /* not recorded */ }
  forget(): void { /* not recorded */ }
  flush(): Promise<void> { return Promise.resolve(); }
}

function mixedCluster(opts: { basic?: boolean; rng?: () => number; pct?: number } = {}) {
  const rec = new TestRecorder();
  const s = newSchedulerForBench({ clock: new FakeClock(), recorder: rec, rng: opts.rng, percentageOfNodesToScore: opts.pct, plugins: opts.basic ? basicPlugins : undefined });
  return { s, rec };
}

test('numFeasibleNodesToFind follows upstream\'s adaptive rule', () => {
  const cases: [number | undefined, number, number][] = [
    [undefined, 50, 50], [0, 99, 99], [0, 100, 100], [0, 1000, 420], [0, 5000, 500], [0, 6000, 300], [0, 20_000, 1000], [0, 150, 100],
    [30, 1000, 300], [10, 500, 100], [100, 5000, 5000],
  ];
  for (const [pct, n, want] of cases) assert.equal(numFeasibleNodesToFind(pct, n), want, `${pct}% of ${n}`);
});

for (const basic of [true, false]) {
  test(`mixed Linux/Windows: Windows pods only on Windows nodes, Linux pods only on Linux nodes (${basic ? 'basic' : 'default'} profile)`, async () => {
    const { s, rec } = mixedCluster({ basic });
    for (let i = 0; i < 6; i++) { s.addNode(makeNode(`lin-${i}`)); s.addNode(makeNode(`win-${i}`, { windows: true })); }
    for (let i = 0; i < 24; i++) s.addPod(makePod(`p${i}`, i % 2 ? { windows: true, cpu: '100m' } : { nodeSelector: { 'kubernetes.io/os': 'linux' }, cpu: '100m' }));
    s.addPod(makePod('untainted-linux', { cpu: '100m' }));
    await s.runUntilIdle();
    assert.equal(s.bindings.size, 25);
    for (const [key, node] of s.bindings) {
      const i = Number(key.replace('default/p', ''));
      if (key.endsWith('untainted-linux')) assert.match(node, /^lin-/, 'a pod without toleration never lands on a tainted Windows node');
      else assert.match(node, i % 2 ? /^win-/ : /^lin-/, key);
    }
    // LeastAllocated spreads: 12 pods over 6 nodes of each OS, 2 each (plus the extra Linux pod).
    const perNode = new Map<string, number>();
    for (const n of s.bindings.values()) perNode.set(n, (perNode.get(n) ?? 0) + 1);
    for (let i = 0; i < 6; i++) assert.equal(perNode.get(`win-${i}`), 2, `win-${i}`);
    assert.equal(rec.successes.length, 25);
    s.close();
  });
}

test('a pod that fits nowhere: message names both reasons with counts; requeued on NodeAdd', async () => {
  const { s, rec } = mixedCluster({ basic: true });
  for (let i = 0; i < 6; i++) { s.addNode(makeNode(`lin-${i}`)); s.addNode(makeNode(`win-${i}`, { windows: true })); }
  s.addPod(makePod('lost', { nodeSelector: { 'kubernetes.io/os': 'windows' } }));
  await s.runUntilIdle();
  assert.equal(s.bindings.size, 0);
  assert.deepEqual(rec.failures, [{ pod: 'lost', message: "0/12 nodes are available: 6 node(s) didn't match Pod's node affinity/selector, 6 node(s) had untolerated taint {os: windows}." }]);
  const q = s.scheduler.queue;
  assert.deepEqual(q.pendingKeys().unschedulable, ['default/lost']);
  // An untainted Windows node arrives: NodeAffinity/TaintToleration registered NodeAdd, so the pod moves (to backoff first).
  s.addNode(makeNode('win-open', { labels: { 'kubernetes.io/os': 'windows' } }));
  assert.deepEqual(q.pendingKeys().backoff, ['default/lost']);
  q.flushUnschedulableLeftover();
  s.close();
});

test('default profile appends the preemption message', async () => {
  const { s, rec } = mixedCluster();
  for (let i = 0; i < 2; i++) { s.addNode(makeNode(`lin-${i}`)); s.addNode(makeNode(`win-${i}`, { windows: true })); }
  s.addPod(makePod('lost', { nodeSelector: { 'kubernetes.io/os': 'windows' } }));
  await s.runUntilIdle();
  assert.equal(rec.failures.length, 1);
  assert.match(rec.failures[0].message, /^0\/4 nodes are available: 2 node\(s\) didn't match Pod's node affinity\/selector, 2 node\(s\) had untolerated taint \{os: windows\}\. preemption: 0\/4 nodes are available: 4 Preemption is not helpful for scheduling\.$/);
  s.close();
});

test('resources: Insufficient cpu counted per node; too-large pods are reported per reason', async () => {
  const { s, rec } = mixedCluster({ basic: true });
  s.addNode(makeNode('a', { cpu: '2' }));
  s.addNode(makeNode('b', { cpu: '2' }));
  s.addPod(makePod('big', { cpu: '1500m' }));
  s.addPod(makePod('big2', { cpu: '1500m' }));
  s.addPod(makePod('big3', { cpu: '1500m' }));
  await s.runUntilIdle();
  assert.equal(s.bindings.size, 2);
  assert.notEqual(s.bindings.get('default/big'), s.bindings.get('default/big2'));
  assert.deepEqual(rec.failures.map((f) => f.message), ['0/2 nodes are available: 2 Insufficient cpu.']);
  s.close();
});

test('tie-break is random through the injected RNG; the search starts round-robin', async () => {
  const pick = async (r: number): Promise<string | undefined> => {
    const { s } = mixedCluster({ basic: true, rng: () => r });
    for (let i = 0; i < 3; i++) s.addNode(makeNode(`n${i}`));
    s.addPod(makePod('p'));
    await s.runUntilIdle();
    s.close();
    return s.bindings.get('default/p');
  };
  assert.equal(await pick(0), 'n2');
  assert.equal(await pick(0.99), 'n0');
  const { s } = mixedCluster({ basic: true, pct: 50 });
  for (let i = 0; i < 200; i++) s.addNode(makeNode(`n${i}`));
  s.addPod(makePod('p'));
  await s.runUntilIdle();
  assert.equal(s.scheduler.algorithm.nextStartNodeIndex, 100, 'the next search starts after the 100 nodes evaluated');
  s.close();
});

test('matchFields pins the node through PreFilter; nominated node is tried first', async () => {
  const { s } = mixedCluster({ basic: true });
  for (let i = 0; i < 5; i++) s.addNode(makeNode(`n${i}`));
  s.addPod(makePod('pinned', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n3'] }] }] } } } }));
  const nominated = makePod('nom');
  nominated.status = { nominatedNodeName: 'n1' };
  s.addPod(nominated);
  await s.runUntilIdle();
  assert.equal(s.bindings.get('default/pinned'), 'n3');
  assert.equal(s.bindings.get('default/nom'), 'n1');
  s.close();
});

test('pods with deletionTimestamp are skipped', async () => {
  const { s, rec } = mixedCluster({ basic: true });
  s.addNode(makeNode('n'));
  const p = makePod('gone');
  p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  s.addPod(p);
  await s.runUntilIdle();
  assert.equal(s.bindings.size, 0);
  assert.equal(rec.failures.length, 0);
  s.close();
});

test('no nodes at all: upstream\'s "no nodes available" message, retried on NodeAdd', async () => {
  const { s, rec } = mixedCluster({ basic: true });
  s.addPod(makePod('early'));
  await s.runUntilIdle();
  assert.deepEqual(rec.failures.map((f) => f.message), ['no nodes available to schedule pods']);
  assert.deepEqual(s.scheduler.queue.pendingKeys().backoff, ['default/early'], 'no rejecting plugin: the pod backs off and retries');
  s.close();
});
