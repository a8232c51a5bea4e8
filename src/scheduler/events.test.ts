import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conflict } from '../api/index.ts';
import { FakeClient, FakeClock } from '../client/index.ts';
import { ApiRecorder } from './events.ts';
import { CycleState } from './framework.ts';
import { newDefaultBinder } from './plugins/default-binder.ts';
import { newPodInfo } from './resources.ts';
import { makePod } from './testing.ts';

test('FailedScheduling: one Event aggregated by count, condition patched only when the message changes', async () => {
  const client = new FakeClient();
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const rec = new ApiRecorder(client, { clock, aggregateMs: 10_000 });
  const pod = makePod('web', { namespace: 'team' });
  rec.failed(pod, 'msg one');
  clock.step(1000);
  rec.failed(pod, 'msg one'); // aggregated, within 10 s: no write
  clock.step(10_000);
  rec.failed(pod, 'msg one'); // count patched
  rec.failed(pod, 'msg two'); // new message: new event and a new condition
  await rec.flush();
  assert.deepEqual(client.verbs(), [
    'create events team/' + String(client.actions[0].name),
    'patch pods team/web/status',
    'patch events team/' + String(client.actions[0].name),
    'create events team/' + String(client.actions[3].name),
    'patch pods team/web/status',
  ]);
  const ev = client.actions[0].object ?? {};
  assert.equal(ev.reason, 'FailedScheduling');
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.message, 'msg one');
  assert.deepEqual(ev.source, { component: 'default-scheduler' });
  assert.equal(ev.reportingComponent, 'default-scheduler');
  assert.deepEqual(ev.involvedObject, { kind: 'Pod', apiVersion: 'v1', namespace: 'team', name: 'web', uid: 'uid-team-web', resourceVersion: undefined });
  assert.equal(ev.firstTimestamp, '2026-01-01T12:00:00Z');
  assert.deepEqual(client.actions[2].patch, { count: 3, lastTimestamp: '2026-01-01T12:00:11Z' });
  const cond = (client.actions[1].patch as { status: { conditions: Record<string, unknown>[] } }).status.conditions[0];
  assert.deepEqual({ type: cond.type, status: cond.status, reason: cond.reason, message: cond.message }, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'msg one' });
  assert.notEqual(client.actions[0].name, client.actions[3].name);
});

test('Scheduled event text and nominatedNodeName patch', async () => {
  const client = new FakeClient();
  const rec = new ApiRecorder(client, { clock: new FakeClock() });
  const pod = makePod('web', { namespace: 'team' });
  rec.scheduled(pod, 'win-1');
  rec.nominated(pod, 'n2');
  await rec.flush();
  assert.equal(client.actions[0].object?.message, 'Successfully assigned team/web to win-1');
  assert.equal(client.actions[0].object?.type, 'Normal');
  assert.equal(client.actions[0].object?.reason, 'Scheduled');
  assert.deepEqual(client.actions[1].patch, { status: { nominatedNodeName: 'n2' } });
});

test('DefaultBinder POSTs a Binding; 409 comes back as a Conflict error status', async () => {
  const client = new FakeClient();
  const binder = newDefaultBinder(client);
  const pod = newPodInfo(makePod('web', { namespace: 'team' }));
  const ok = await binder.bind(new CycleState(), pod, 'node-1');
  assert.equal(ok.code, 'Success');
  assert.deepEqual(client.verbs(), ['create pods team/web/binding']);
  assert.deepEqual(client.actions[0].object, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web', namespace: 'team', uid: 'uid-team-web' }, target: { kind: 'Node', name: 'node-1' } });
  client.react(() => { throw conflict('pods', '', 'web', 'pod web is already assigned to node "x"'); });
  const bad = await binder.bind(new CycleState(), pod, 'node-1');
  assert.equal(bad.code, 'Error');
  assert.match(bad.reasons[0], /^Conflict: /);
});

test('gated pods get PodScheduled=False/SchedulingGated once, no Event', async () => {
  const client = new FakeClient();
  const rec = new ApiRecorder(client, { clock: new FakeClock() });
  const pod = makePod('g', { schedulingGates: ['wait'] });
  rec.gated(pod);
  rec.gated(pod);
  await rec.flush();
  assert.deepEqual(client.verbs(), ['patch pods default/g/status']);
  const cond = (client.actions[0].patch as { status: { conditions: Record<string, unknown>[] } }).status.conditions[0];
  assert.equal(cond.reason, 'SchedulingGated');
  assert.equal(cond.message, 'Scheduling is blocked due to non-empty scheduling gates');
});
