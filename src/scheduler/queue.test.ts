import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../client/index.ts';
import type { ClusterEvent } from './framework.ts';
import { SchedulingQueue, type QueuedPodInfo } from './queue.ts';
import { makePod } from './testing.ts';

function newQueue(clock: FakeClock, events: Record<string, ClusterEvent[]> = {}): SchedulingQueue {
  return new SchedulingQueue({ clock, pluginEvents: new Map(Object.entries(events).map(([k, v]) => [k, new Set(v)])) });
}

async function popKeys(q: SchedulingQueue, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await q.pop())?.podInfo.key ?? 'none');
  return out;
}

test('activeQ pops higher priority first, then earlier enqueue time', async () => {
  const clock = new FakeClock();
  const q = newQueue(clock);
  q.add(makePod('low', { priority: 0 })); clock.step(1);
  q.add(makePod('high', { priority: 100 })); clock.step(1);
  q.add(makePod('low2', { priority: 0 })); clock.step(1);
  q.add(makePod('mid', { priority: 10 }));
  assert.deepEqual(await popKeys(q, 4), ['default/high', 'default/mid', 'default/low', 'default/low2']);
  q.close();
});

test('pop waits for an add and returns undefined after close', async () => {
  const q = newQueue(new FakeClock());
  const p = q.pop();
  q.add(makePod('a'));
  assert.equal((await p)?.podInfo.key, 'default/a');
  const waiting = q.pop();
  q.close();
  assert.equal(await waiting, undefined);
});

test('backoff doubles from 1 s to a 10 s cap on the clock', async () => {
  const clock = new FakeClock();
  const q = newQueue(clock);
  q.start();
  q.add(makePod('a'));
  const expected = [1000, 2000, 4000, 8000, 10_000, 10_000];
  for (const d of expected) {
    const qi = (await q.pop()) as QueuedPodInfo;
    assert.equal(q.backoffDuration(qi), d);
    // An error (no rejecting plugins) sends the pod to backoffQ.
    q.addUnschedulableIfNotPresent(qi, q.schedulingCycle);
    assert.deepEqual(q.pendingKeys().backoff, ['default/a']);
    clock.step(d - 1);
    assert.equal(q.counts().active, 0, `still backing off before ${d} ms`);
    clock.step(1);
    assert.equal(q.counts().active, 1, `active after ${d} ms`);
  }
  q.close();
  assert.equal(clock.pending, 0);
});

test('unschedulable pods move on events their rejecting plugins registered', async () => {
  const clock = new FakeClock();
  const q = newQueue(clock, { NodeResourcesFit: ['NodeAdd', 'PodDelete'], TaintToleration: ['NodeAdd', 'NodeUpdate'] });
  q.start();
  q.add(makePod('fit'));
  q.add(makePod('taint'));
  q.add(makePod('other'));
  const reject: Record<string, string> = { 'default/fit': 'NodeResourcesFit', 'default/taint': 'TaintToleration', 'default/other': 'NoEnqueueExtensions' };
  for (let i = 0; i < 3; i++) {
    const qi = (await q.pop()) as QueuedPodInfo;
    qi.unschedulablePlugins = new Set([reject[qi.podInfo.key]]);
    q.addUnschedulableIfNotPresent(qi, q.schedulingCycle);
  }
  assert.deepEqual(q.pendingKeys().unschedulable, ['default/fit', 'default/other', 'default/taint']);
  clock.step(20_000); // backoff over
  assert.equal(q.moveAllToActiveOrBackoff('PodDelete'), 2); // fit (registered) + other (hears everything)
  assert.deepEqual(q.pendingKeys().active, ['default/fit', 'default/other']);
  assert.deepEqual(q.pendingKeys().unschedulable, ['default/taint']);
  assert.equal(q.moveAllToActiveOrBackoff('NodeAdd'), 1);
  assert.deepEqual(q.pendingKeys().unschedulable, []);
  q.close();
});

test('a pod moved while still backing off goes to backoffQ', async () => {
  const clock = new FakeClock();
  const q = newQueue(clock, { TaintToleration: ['NodeAdd'] });
  q.start();
  q.add(makePod('a'));
  const qi = (await q.pop()) as QueuedPodInfo;
  qi.unschedulablePlugins = new Set(['TaintToleration']);
  q.addUnschedulableIfNotPresent(qi, q.schedulingCycle);
  clock.step(500);
  q.moveAllToActiveOrBackoff('NodeAdd');
  assert.deepEqual(q.pendingKeys().backoff, ['default/a']);
  clock.step(500);
  assert.deepEqual(q.pendingKeys().active, ['default/a']);
  q.close();
});

test('a move request during the pod\'s cycle sends it to backoffQ instead of unschedulable', async () => {
  const clock = new FakeClock();
  const q = newQueue(clock);
  q.add(makePod('a'));
  const qi = (await q.pop()) as QueuedPodInfo;
  const cycle = q.schedulingCycle;
  q.moveAllToActiveOrBackoff('NodeAdd');
  qi.unschedulablePlugins = new Set(['X']);
  q.addUnschedulableIfNotPresent(qi, cycle);
  assert.deepEqual(q.pendingKeys().backoff, ['default/a']);
  q.close();
});

test('unschedulable pods are flushed back after 5 minutes', async () => {
  const clock = new FakeClock();
  const q = newQueue(clock, { X: ['PvAdd'] });
  q.start();
  q.add(makePod('a'));
  const qi = (await q.pop()) as QueuedPodInfo;
  qi.unschedulablePlugins = new Set(['X']);
  q.addUnschedulableIfNotPresent(qi, q.schedulingCycle);
  clock.step(4 * 60_000);
  assert.deepEqual(q.pendingKeys().unschedulable, ['default/a']);
  clock.step(90_000);
  assert.deepEqual(q.pendingKeys().active, ['default/a']);
  q.close();
});

test('updates: status-only changes keep a pod unschedulable, spec changes move it; delete removes it', async () => {
  const clock = new FakeClock();
  const q = newQueue(clock, { X: ['PvAdd'] });
  q.add(makePod('a'));
  const qi = (await q.pop()) as QueuedPodInfo;
  qi.unschedulablePlugins = new Set(['X']);
  q.addUnschedulableIfNotPresent(qi, q.schedulingCycle);
  const old = qi.podInfo.pod;
  const statusOnly = { ...old, metadata: { ...old.metadata, resourceVersion: '9' }, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } };
  q.update(old, statusOnly);
  assert.deepEqual(q.pendingKeys().unschedulable, ['default/a']);
  clock.step(2000);
  const relabelled = { ...statusOnly, metadata: { ...statusOnly.metadata, labels: { x: 'y' } } };
  q.update(statusOnly, relabelled);
  assert.deepEqual(q.pendingKeys().active, ['default/a']);
  q.delete(relabelled);
  assert.deepEqual(q.counts(), { active: 0, backoff: 0, unschedulable: 0, gated: 0 });
  q.close();
});

test('scheduling gates hold a pod until they are removed', async () => {
  const q = newQueue(new FakeClock());
  const gated = makePod('g', { schedulingGates: ['wait'] });
  q.add(gated);
  assert.equal(q.counts().gated, 1);
  assert.equal(q.tryPop(), undefined);
  const open = { ...gated, spec: { ...gated.spec, schedulingGates: [] } };
  q.update(gated, open);
  assert.equal(q.tryPop()?.podInfo.key, 'default/g');
  q.close();
});

test('nominator tracks nominated pods per node', () => {
  const q = newQueue(new FakeClock());
  const p = makePod('a');
  p.status = { nominatedNodeName: 'n1' };
  q.add(p);
  assert.deepEqual(q.nominator.podsForNode('n1').map((x) => x.key), ['default/a']);
  q.delete(p);
  assert.equal(q.nominator.podsForNode('n1').length, 0);
  q.close();
});

test('an in-memory nomination survives requeueing the failed pod', async () => {
  const q = newQueue(new FakeClock());
  q.add(makePod('a'));
  const qi = (await q.pop()) as QueuedPodInfo;
  q.nominator.add(qi.podInfo, 'n7');
  qi.unschedulablePlugins = new Set(['X']);
  q.addUnschedulableIfNotPresent(qi, q.schedulingCycle);
  assert.equal(q.nominator.nodeOf('default/a'), 'n7');
  q.close();
});
