import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { FakeClock } from '../client/index.ts';
import type { SchedulingRecorder } from './events.ts';
import { status, SUCCESS, type BindPlugin, type Status } from './framework.ts';
import { newSchedulerForBench } from './in-process.ts';
import { basicPlugins } from './plugins/registry.ts';
import { makeNode, makePod } from './testing.ts';

function setup(bind: (key: string) => Promise<Status>) {
  const messages: string[] = [];
  const rec: SchedulingRecorder = {
    scheduled: () => undefined, failed: (_p: JsonObject, m: string) => { messages.push(m); }, nominated: () => undefined, forget: () => undefined, flush: () => Promise.resolve(),
  };
  const binder: BindPlugin = { name: 'TestBinder', bind: (_s, pod) => bind(pod.key) };
  const s = newSchedulerForBench({ clock: new FakeClock(), recorder: rec, plugins: () => basicPlugins(binder) });
  s.addNode(makeNode('n1'));
  return { s, messages };
}

test('a failed bind forgets the assumed pod and requeues it with backoff', async () => {
  const { s, messages } = setup(() => Promise.resolve(status('Error', 'boom')));
  s.addPod(makePod('a', { cpu: '1' }));
  await s.runUntilIdle();
  assert.equal(s.scheduler.cache.podNode('default/a'), undefined);
  assert.equal(s.scheduler.cache.nodeInfo('n1')?.requested.milliCPU, 0);
  assert.deepEqual(s.scheduler.queue.pendingKeys().backoff, ['default/a']);
  assert.deepEqual(messages, ['Binding rejected: boom']);
  s.close();
});

test('a 409 from the binding drops the pod (already bound elsewhere)', async () => {
  const { s, messages } = setup(() => Promise.resolve(status('Error', 'Conflict: pod a is already assigned to node "x"')));
  s.addPod(makePod('a'));
  await s.runUntilIdle();
  assert.deepEqual(s.scheduler.queue.counts(), { active: 0, backoff: 0, unschedulable: 0, gated: 0 });
  assert.deepEqual(messages, []);
  s.close();
});

test('binding does not block the next scheduling cycle', async () => {
  const release: (() => void)[] = [];
  const { s } = setup(() => new Promise<Status>((r) => release.push(() => r(SUCCESS))));
  s.addPod(makePod('a', { cpu: '1' }));
  s.addPod(makePod('b', { cpu: '1' }));
  const q = s.scheduler.queue;
  const a = q.tryPop();
  const b = q.tryPop();
  assert.ok(a && b);
  await s.scheduler.scheduleOne(a);
  await s.scheduler.scheduleOne(b);
  await new Promise((r) => setImmediate(r));
  assert.equal(release.length, 2, 'both binds in flight at once');
  assert.equal(s.scheduler.cache.isAssumed('default/a'), true);
  assert.equal(s.scheduler.cache.nodeInfo('n1')?.requested.milliCPU, 2000, 'assumed pods hold their resources');
  for (const r of release) r();
  await s.scheduler.drain();
  assert.equal(s.scheduler.scheduled, 2);
  s.close();
});

test('run yields to the event loop and caps bindings in flight', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let bound = 0;
  let timerFired = false;
  const binder: BindPlugin = {
    name: 'SlowBinder',
    bind: () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<Status>((r) => setImmediate(() => { inFlight--; bound++; r(SUCCESS); }));
    },
  };
  const s = newSchedulerForBench({ clock: new FakeClock(), plugins: () => basicPlugins(binder), maxBindingsInFlight: 8 });
  for (let i = 0; i < 20; i++) s.addNode(makeNode(`n${i}`));
  for (let i = 0; i < 300; i++) s.addPod(makePod(`p${i}`));
  setTimeout(() => { timerFired = true; }, 0);
  const ac = new AbortController();
  const running = s.scheduler.run(ac.signal);
  const deadline = Date.now() + 10_000;
  while (bound < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  ac.abort();
  assert.equal(bound, 300);
  await running;
  await s.scheduler.drain();
  assert.ok(maxInFlight <= 8, `at most 8 bindings in flight (saw ${maxInFlight})`);
  assert.equal(timerFired, true);
  s.close();
});
