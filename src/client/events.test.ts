/**
 * The event recorder against a recording fake client and a fake clock: an Event per new
 * occurrence; an identical one within 10 minutes patches the first's count and lastTimestamp
 * (as client-go's correlator) instead of creating an object; a different message, object or
 * type, or the window passing, starts a new Event; an Event deleted meanwhile is created again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventRecorder } from './events.ts';
import { FakeClient } from './fake.ts';
import { FakeClock } from './clock.ts';

const pod = (name: string): Record<string, any> => ({ metadata: { name, namespace: 'ns', uid: `uid-${name}` } });

void test('identical events within 10 minutes are counted on the first one', async () => {
  const client = new FakeClient();
  const clock = new FakeClock();
  const rec = new EventRecorder(client, clock, { info: () => undefined }, 'kubelet', 'node-1');
  await rec.event(pod('a'), 'v1', 'Pod', 'Warning', 'BackOff', 'Back-off restarting failed container');
  clock.step(30_000);
  await rec.event(pod('a'), 'v1', 'Pod', 'Warning', 'BackOff', 'Back-off restarting failed container');
  clock.step(30_000);
  await rec.event(pod('a'), 'v1', 'Pod', 'Warning', 'BackOff', 'Back-off restarting failed container');
  const first = client.actions[0];
  assert.deepEqual(client.actions.map((a) => a.verb), ['create', 'patch', 'patch']);
  assert.equal(first.object?.count, 1);
  assert.deepEqual(client.actions.slice(1).map((a) => [a.name, a.patchType, a.patch]), [
    [first.name, 'merge', { count: 2, lastTimestamp: '2026-01-01T00:00:30Z' }],
    [first.name, 'merge', { count: 3, lastTimestamp: '2026-01-01T00:01:00Z' }],
  ]);

  const cases: [string, () => Promise<void>][] = [
    ['another message', () => rec.event(pod('a'), 'v1', 'Pod', 'Warning', 'BackOff', 'other text')],
    ['another object', () => rec.event(pod('b'), 'v1', 'Pod', 'Warning', 'BackOff', 'Back-off restarting failed container')],
    ['another type', () => rec.event(pod('a'), 'v1', 'Pod', 'Normal', 'BackOff', 'Back-off restarting failed container')],
  ];
  for (const [what, record] of cases) {
    const n = client.actions.length;
    await record();
    assert.equal(client.actions[n]?.verb, 'create', what);
  }
  clock.step(10 * 60_000);
  const n = client.actions.length;
  await rec.event(pod('a'), 'v1', 'Pod', 'Warning', 'BackOff', 'Back-off restarting failed container');
  assert.equal(client.actions[n].verb, 'create', 'after 10 quiet minutes a new Event starts');
});

void test('a counted Event that was deleted meanwhile is created again', async () => {
  const client = new FakeClient();
  const clock = new FakeClock();
  const rec = new EventRecorder(client, clock, { info: () => undefined }, 'kubelet', 'node-1');
  await rec.event(pod('a'), 'v1', 'Pod', 'Normal', 'Pulled', 'Container image "x" already present on machine');
  client.objects.clear();
  clock.step(1000);
  await rec.event(pod('a'), 'v1', 'Pod', 'Normal', 'Pulled', 'Container image "x" already present on machine');
  assert.deepEqual(client.actions.map((a) => a.verb), ['create', 'patch', 'create']);
  assert.equal(client.actions[2].object?.count, 1);
});
