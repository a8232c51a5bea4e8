/**
 * @module controllers/cronjob.test — the CronJob controller with a FakeClient and a FakeClock:
 * when Jobs start, their names and contents, concurrency policies, starting deadlines, suspension,
 * the active list, lastSuccessfulTime, history limits, time zones and the requeue delay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { fixture, RESOURCES, type Fixture } from './testing.ts';
import { jobNameFor, mostRecentScheduleTime, newCronJobController } from './cronjob.ts';
import { parseSchedule } from './cron-schedule.ts';
import type { Controller } from './controller.ts';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const CJ_UID = 'cj-uid';

function cronjob(spec: JsonObject = {}, status?: JsonObject): JsonObject {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj', namespace: 'ns', uid: CJ_UID, resourceVersion: '1', creationTimestamp: iso(T0) },
    spec: {
      schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { team: 'a' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

function childJob(name: string, opts: { finished?: 'Complete' | 'Failed'; start?: number; done?: number } = {}): JsonObject {
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: CJ_UID, controller: true }] },
    spec: {},
    status: {
      ...(opts.start !== undefined ? { startTime: iso(opts.start) } : {}),
      ...(opts.finished ? { conditions: [{ type: opts.finished, status: 'True' }] } : {}),
      ...(opts.finished === 'Complete' ? { completionTime: iso(opts.done ?? opts.start ?? T0) } : {}),
    },
  };
}
const ref = (name: string): JsonObject => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'ns', name, uid: `uid-${name}` });

async function run(cj: JsonObject, jobs: JsonObject[], now: number): Promise<{ f: Fixture; c: Controller; result: unknown }> {
  const f = fixture();
  const c = newCronJobController(f.ctx);
  f.clock.setTime(now);
  f.seed(RESOURCES.cronjobs, cj);
  if (jobs.length) f.seed(RESOURCES.jobs, ...jobs);
  for (const j of jobs) f.client.seed(RESOURCES.jobs, j);
  const result = await c.reconcile('ns/cj');
  return { f, c, result };
}

const createdJobs = (f: Fixture): JsonObject[] => f.client.actions.filter((a) => a.verb === 'create' && a.resource === 'jobs').map((a) => a.object as JsonObject);
const deletedJobs = (f: Fixture): string[] => f.client.actions.filter((a) => a.verb === 'delete' && a.resource === 'jobs').map((a) => a.name);
const status = (f: Fixture): JsonObject | undefined => f.client.actions.filter((a) => a.resource === 'cronjobs' && a.subresource === 'status').at(-1)?.object?.status as JsonObject | undefined;
const reasons = (f: Fixture): string[] => f.client.actions.filter((a) => a.resource === 'events').map((a) => String(a.object?.reason));

test('before the first schedule time nothing starts; requeued for just after it', async () => {
  const { f, result } = await run(cronjob(), [], T0 + 2 * MIN);
  assert.deepEqual(createdJobs(f), []);
  assert.deepEqual(result, { requeueAfterMs: 3 * MIN + 100 });
});

test('at the schedule time the Job <name>-<minutes> starts from the template', async () => {
  const { f, result } = await run(cronjob(), [], T0 + 5 * MIN + 10_000);
  const [j] = createdJobs(f);
  assert.equal(j.metadata.name, `cj-${(T0 + 5 * MIN) / MIN}`);
  assert.equal(j.metadata.name, jobNameFor('cj', T0 + 5 * MIN + 59_000));
  assert.equal(j.metadata.labels.team, 'a');
  assert.equal(j.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T00:05:00Z');
  assert.deepEqual(j.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: CJ_UID, controller: true, blockOwnerDeletion: true }]);
  assert.equal(j.spec.template.spec.containers[0].image, 'busybox');
  const s = status(f) as JsonObject;
  assert.equal(s.lastScheduleTime, '2026-01-01T00:05:00Z');
  assert.deepEqual(s.active.map((r: JsonObject) => r.name), [j.metadata.name]);
  assert.deepEqual(result, { requeueAfterMs: 5 * MIN - 10_000 + 100 });
  assert.ok(reasons(f).includes('SuccessfulCreate'));
});

test('after a long outage only the most recent missed time starts', async () => {
  const { f } = await run(cronjob(), [], T0 + 3 * 60 * MIN + 2 * MIN);
  assert.deepEqual(createdJobs(f).map((j) => j.metadata.name), [jobNameFor('cj', T0 + 180 * MIN)]);
});

const policies: { name: string; spec: JsonObject; status: JsonObject; jobs: JsonObject[]; created: boolean; deleted: string[]; event?: string }[] = [
  { name: 'already scheduled for that time', spec: {}, status: { lastScheduleTime: iso(T0 + 5 * MIN) }, jobs: [], created: false, deleted: [] },
  { name: 'Forbid with an active Job', spec: { concurrencyPolicy: 'Forbid' }, status: { lastScheduleTime: iso(T0), active: [ref('old')] }, jobs: [childJob('old')], created: false, deleted: [], event: 'JobAlreadyActive' },
  { name: 'Allow with an active Job', spec: {}, status: { lastScheduleTime: iso(T0), active: [ref('old')] }, jobs: [childJob('old')], created: true, deleted: [] },
  { name: 'Replace deletes the active Job first', spec: { concurrencyPolicy: 'Replace' }, status: { lastScheduleTime: iso(T0), active: [ref('old')] }, jobs: [childJob('old')], created: true, deleted: ['old'] },
  { name: 'suspended', spec: { suspend: true }, status: {}, jobs: [], created: false, deleted: [] },
  { name: 'past startingDeadlineSeconds', spec: { startingDeadlineSeconds: 5 }, status: { lastScheduleTime: iso(T0) }, jobs: [], created: false, deleted: [] },
  { name: 'within startingDeadlineSeconds', spec: { startingDeadlineSeconds: 60 }, status: { lastScheduleTime: iso(T0) }, jobs: [], created: true, deleted: [] },
  { name: 'unparseable schedule', spec: { schedule: 'every day' }, status: {}, jobs: [], created: false, deleted: [], event: 'UnparseableSchedule' },
  { name: 'unknown time zone', spec: { timeZone: 'Moon/Base' }, status: {}, jobs: [], created: false, deleted: [], event: 'UnknownTimeZone' },
];

for (const p of policies) {
  test(`policy: ${p.name}`, async () => {
    const { f } = await run(cronjob(p.spec, p.status), p.jobs, T0 + 5 * MIN + 10_000);
    assert.equal(createdJobs(f).length, p.created ? 1 : 0);
    assert.deepEqual(deletedJobs(f), p.deleted);
    if (p.event) assert.ok(reasons(f).includes(p.event), reasons(f).join());
    if (p.deleted.length) assert.deepEqual((status(f) as JsonObject).active.map((r: JsonObject) => r.name), [jobNameFor('cj', T0 + 5 * MIN)]);
  });
}

test('a finished active Job leaves the active list and sets lastSuccessfulTime', async () => {
  const { f } = await run(cronjob({}, { lastScheduleTime: iso(T0 + 5 * MIN), active: [ref('old')] }), [childJob('old', { finished: 'Complete', start: T0, done: T0 + 60_000 })], T0 + 6 * MIN);
  const s = status(f) as JsonObject;
  assert.equal(s.active, undefined);
  assert.equal(s.lastSuccessfulTime, iso(T0 + 60_000));
  assert.ok(reasons(f).includes('SawCompletedJob'));
});

test('an active Job gone from the cache and the server leaves the active list', async () => {
  const { f } = await run(cronjob({}, { lastScheduleTime: iso(T0 + 5 * MIN), active: [ref('gone')] }), [], T0 + 6 * MIN);
  assert.ok(f.client.verbs().includes('get jobs ns/gone'));
  assert.equal((status(f) as JsonObject).active, undefined);
});

test('history limits delete the oldest finished Jobs', async () => {
  const jobs = [1, 2, 3, 4, 5].map((i) => childJob(`ok-${i}`, { finished: 'Complete', start: T0 - i * MIN }))
    .concat([1, 2].map((i) => childJob(`bad-${i}`, { finished: 'Failed', start: T0 - i * MIN })));
  const { f } = await run(cronjob({}, { lastScheduleTime: iso(T0 + 5 * MIN) }), jobs, T0 + 6 * MIN);
  assert.deepEqual(deletedJobs(f), ['ok-5', 'ok-4', 'bad-2']);
});

test('spec.timeZone: the schedule is read on the zone\'s wall clock', async () => {
  const cj = cronjob({ schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' });
  const { f } = await run(cj, [], Date.UTC(2026, 0, 2, 0, 0, 30));
  const [j] = createdJobs(f);
  assert.equal(j.metadata.name, jobNameFor('cj', Date.UTC(2026, 0, 2, 0, 0)));
  assert.equal(j.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-02T09:00:00+09:00');
});

test('mostRecentScheduleTime: none, one, many missed, and impossible schedules', () => {
  const s = parseSchedule('*/5 * * * *');
  assert.ok(s.ok);
  if (!s.ok) return;
  assert.deepEqual(mostRecentScheduleTime(s.schedule, T0, T0 + MIN), { missed: 0 });
  assert.deepEqual(mostRecentScheduleTime(s.schedule, T0, T0 + 6 * MIN), { time: T0 + 5 * MIN, missed: 1 });
  assert.deepEqual(mostRecentScheduleTime(s.schedule, T0, T0 + 61 * MIN), { time: T0 + 60 * MIN, missed: 12 });
  const irregular = parseSchedule('30 6-16/4 * * 1-5');
  assert.ok(irregular.ok);
  if (irregular.ok) {
    // Thursday Jan 1 2026 from midnight to Friday noon: 06:30, 10:30, 14:30 Thu and 06:30, 10:30 Fri.
    const r = mostRecentScheduleTime(irregular.schedule, T0, Date.UTC(2026, 0, 2, 12));
    assert.ok(!('error' in r));
    if (!('error' in r)) assert.equal(r.time, Date.UTC(2026, 0, 2, 10, 30));
  }
});

test('a far next schedule time is revisited daily (timers cannot wait longer than ~24.8 days)', async () => {
  const { result } = await run(cronjob({ schedule: '@yearly' }), [], T0 + MIN);
  assert.deepEqual(result, { requeueAfterMs: 24 * 60 * MIN });
});
