/**
 * @module controllers/cronjob — kube-controller-manager's cronjob-controller (v2). Key:
 * `namespace/name` of a CronJob.
 *
 * Each reconcile reconciles status.active with the Jobs the CronJob controls, records
 * lastSuccessfulTime, then — unless suspended — finds the most recent missed schedule time since
 * lastScheduleTime (or creation), skips it when past startingDeadlineSeconds, already run, or
 * forbidden by concurrencyPolicy (Replace deletes the running Jobs first), and creates the Job
 * `<cronjob>-<scheduled time in minutes>` from the template. Finished Jobs beyond the history limits
 * are deleted, oldest first. The key is requeued for just after the next schedule time.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { objectKey, objectOf, RESOURCES, WorkQueue } from '../client/index.ts';
import type { Controller, ControllerContext, ReconcileResult } from './controller.ts';
import { formatInZone, nextTime, parseSchedule, type Schedule } from './cron-schedule.ts';
import { finishedCondition } from './job.ts';
import { requeueAfter, WrittenCache } from './job-util.ts';
import { EventRecorder } from './deployment-events.ts';
import { controllerRefOf, isControlledBy, ownerReference, stableJson } from './workload.ts';

const CRONJOB_REF = { apiVersion: 'batch/v1', kind: 'CronJob' } as const;
const COMPONENT = 'cronjob-controller';
/** NEXT_SCHEDULE_DELTA_MS is how long after a schedule time the key is looked at again (upstream: 100 ms). */
const NEXT_SCHEDULE_DELTA_MS = 100;
/** SCHEDULED_TIMESTAMP_ANNOTATION carries a Job's scheduled time (RFC 3339 in the CronJob's zone). */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

const ms = (s: unknown): number => (typeof s === 'string' ? Date.parse(s) : NaN);
const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');

/** jobNameFor is the name of the Job a CronJob creates for a scheduled time: `<cronjob>-<minutes since the epoch>`. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

/** MostRecent is the latest schedule time not after `now` (when one was missed) and how many were missed. */
export interface MostRecent { readonly time?: number; readonly missed: number }

/** mostRecentScheduleTime finds the last schedule time in (earliest, now], counting missed times roughly as upstream does;
 * `error` when two consecutive schedule times are under a second apart (an impossible schedule such as Feb 31). */
export function mostRecentScheduleTime(s: Schedule, earliest: number, now: number): MostRecent | { error: string } {
  const t1 = nextTime(s, earliest);
  if (t1 === undefined || now < t1) return { missed: 0 };
  const t2 = nextTime(s, t1);
  if (t2 === undefined || now < t2) return { time: t1, missed: 1 };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return { error: 'time difference between two schedules is less than 1 second' };
  const missed = Math.floor(Math.floor((now - t1) / 1000) / between) + 1;
  // Jump close to now by whole intervals, then walk the real schedule (which may be irregular) up to now.
  let t = nextTime(s, t1 + (missed - 2) * between * 1000);
  let most: number | undefined;
  while (t !== undefined && t <= now) { most = t; t = nextTime(s, t); }
  return { time: most ?? t1, missed };
}

/** newCronJobController wires cronjob and job informers to the CronJob reconcile. */
export function newCronJobController(ctx: ControllerContext): Controller {
  const { client, clock } = ctx;
  const cronjobs = ctx.factory.forResource(RESOURCES.cronjobs);
  const jobs = ctx.factory.forResource(RESOURCES.jobs);
  const queue = new WorkQueue<string>({ clock, name: 'cronjob' });
  const written = new WrittenCache();
  const recorder = new EventRecorder(client, clock, ctx.log, COMPONENT);
  const ownerKey = (j: JsonObject): string | undefined => {
    const r = controllerRefOf(j);
    return r?.kind === 'CronJob' ? `${j.metadata?.namespace}/${r.name}` : undefined;
  };
  const onJob = (j: JsonObject): void => { const k = ownerKey(j); if (k) queue.add(k); };
  jobs.addEventHandler({ add: onJob, update: (o, j) => { onJob(j); if (ownerKey(o) !== ownerKey(j)) onJob(o); }, delete: (x) => onJob(objectOf(x)) });
  cronjobs.addEventHandler({
    add: (c) => queue.add(objectKey(c)),
    update: (_o, c) => queue.add(objectKey(c)),
    delete: (x) => written.forget(objectKey(objectOf(x))),
  });
  const event = (cj: JsonObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> =>
    recorder.event(cj, CRONJOB_REF.apiVersion, CRONJOB_REF.kind, type, reason, message);

  const deleteJob = async (cj: JsonObject, ns: string, name: string): Promise<boolean> => {
    try {
      await client.delete(RESOURCES.jobs, ns, name, { propagationPolicy: 'Background' });
    } catch (e) {
      if (!isStatusError(e, 404)) {
        await event(cj, 'Warning', 'FailedDelete', `Deleted job: ${e instanceof Error ? e.message : String(e)}`);
        return false;
      }
    }
    await event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    return true;
  };

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = written.freshest(key, cronjobs.cache.get(key));
    if (!cached) return;
    const cj: JsonObject = structuredClone(cached);
    const ns = String(cj.metadata?.namespace);
    const uid = String(cj.metadata?.uid);
    const status: JsonObject = (cj.status ??= {});
    const before = stableJson(status);
    const now = clock.now();
    const children = jobs.cache.byNamespace(ns).filter((j) => isControlledBy(j, uid));
    let active = ((status.active ?? []) as JsonObject[]).slice();
    const inActive = (u: string): boolean => active.some((r) => r.uid === u);

    // 1. Active list and lastSuccessfulTime from the children.
    for (const j of children) {
      const ju = String(j.metadata?.uid);
      const fin = finishedCondition(j);
      if (!inActive(ju) && !fin) {
        await event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata?.name}`);
      } else if (inActive(ju) && fin) {
        active = active.filter((r) => r.uid !== ju);
        await event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata?.name}, condition: ${fin.type}`);
      }
      if (fin?.type === 'Complete' && j.status?.completionTime) {
        const done = ms(j.status.completionTime);
        if (status.lastSuccessfulTime === undefined || done > ms(status.lastSuccessfulTime)) status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    const childUids = new Set(children.map((j) => String(j.metadata?.uid)));
    const kept: JsonObject[] = [];
    for (const r of active) {
      if (childUids.has(String(r.uid))) { kept.push(r); continue; }
      // Not in the cache: ask the server before dropping it (the watch may be behind).
      try {
        const j = await client.get(RESOURCES.jobs, ns, String(r.name));
        if (j.metadata?.uid === r.uid) kept.push(r);
      } catch (e) {
        if (!isStatusError(e, 404)) throw e;
      }
    }
    active = kept;
    status.active = active.length ? active : undefined;
    if (!status.active) delete status.active;

    const result = cj.metadata?.deletionTimestamp ? undefined : await schedule(cj, status, active, now);
    if (stableJson(status) !== before) {
      const out = await client.updateStatus(RESOURCES.cronjobs, ns, cj);
      written.remember(key, out);
    }
    await cleanupHistory(cj, children);
    return result;
  }

  /** schedule starts the Job of the most recent missed schedule time when allowed; returns when to look again. */
  async function schedule(cj: JsonObject, status: JsonObject, active: JsonObject[], now: number): Promise<ReconcileResult | void> {
    const spec = cj.spec ?? {};
    const tz = typeof spec.timeZone === 'string' ? spec.timeZone : undefined;
    const parsed = parseSchedule(String(spec.schedule ?? ''), tz);
    if (!parsed.ok) {
      const unknownTz = parsed.error.startsWith('unknown time zone');
      await event(cj, 'Warning', unknownTz ? 'UnknownTimeZone' : 'UnparseableSchedule', unknownTz ? `invalid timeZone: ${JSON.stringify(tz)}: ${parsed.error}` : `unparseable schedule: ${JSON.stringify(spec.schedule)} : ${parsed.error}`);
      return;
    }
    if (spec.suspend === true) return;
    const sched = parsed.schedule;
    const created = ms(cj.metadata?.creationTimestamp);
    const last = status.lastScheduleTime ? ms(status.lastScheduleTime) : (Number.isFinite(created) ? created : now);
    const nextWake = (): ReconcileResult | void => {
      const from = status.lastScheduleTime ? ms(status.lastScheduleTime) : last;
      const r = mostRecentScheduleTime(sched, from, now);
      if ('error' in r) return;
      const n = nextTime(sched, r.time ?? from);
      return n === undefined ? undefined : requeueAfter(Math.max(0, n - now) + NEXT_SCHEDULE_DELTA_MS);
    };
    let earliest = last;
    const deadline = typeof spec.startingDeadlineSeconds === 'number' ? spec.startingDeadlineSeconds : undefined;
    if (deadline !== undefined) earliest = Math.max(earliest, now - deadline * 1000);
    const recent = mostRecentScheduleTime(sched, earliest, now);
    if ('error' in recent) {
      await event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${spec.schedule} : ${recent.error}`);
      return;
    }
    if (recent.missed > 100) await event(cj, 'Warning', 'TooManyMissedTimes', `too many missed start times: ${recent.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    const scheduled = recent.time;
    if (scheduled === undefined) return nextWake();
    if (deadline !== undefined && scheduled + deadline * 1000 < now) {
      await event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatInZone(sched.timeZone, scheduled)}`);
      return nextWake();
    }
    const name = jobNameFor(String(cj.metadata?.name), scheduled);
    if (active.some((r) => r.name === name) || (status.lastScheduleTime && ms(status.lastScheduleTime) === scheduled)) return nextWake();
    const policy = spec.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && active.length) {
      await event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return nextWake();
    }
    const ns = String(cj.metadata?.namespace);
    if (policy === 'Replace') {
      for (const r of [...active]) {
        if (!(await deleteJob(cj, ns, String(r.name)))) throw new Error(`could not replace job ${ns}/${r.name}`);
        active.splice(active.indexOf(r), 1);
      }
      status.active = active.length ? active : undefined;
      if (!status.active) delete status.active;
    }
    let job: JsonObject;
    try {
      job = await client.create(RESOURCES.jobs, ns, jobFromTemplate(cj, scheduled, sched));
      await event(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata?.name}`);
    } catch (e) {
      if (!isStatusError(e, 409)) {
        if (isStatusError(e, 403) && /being terminated/.test(e.message)) return;
        await event(cj, 'Warning', 'FailedCreate', `Error creating job: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }
      job = await client.get(RESOURCES.jobs, ns, name);
      if (!isControlledBy(job, String(cj.metadata?.uid))) throw e;
    }
    if (!active.some((r) => r.uid === job.metadata?.uid)) {
      active.push({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: job.metadata?.name, uid: job.metadata?.uid, resourceVersion: job.metadata?.resourceVersion });
    }
    status.active = active;
    status.lastScheduleTime = iso(scheduled);
    return nextWake();
  }

  /** cleanupHistory deletes the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
  async function cleanupHistory(cj: JsonObject, children: JsonObject[]): Promise<void> {
    const spec = cj.spec ?? {};
    const ns = String(cj.metadata?.namespace);
    const byStart = (a: JsonObject, b: JsonObject): number => {
      const sa = ms(a.status?.startTime);
      const sb = ms(b.status?.startTime);
      if (Number.isNaN(sa) !== Number.isNaN(sb)) return Number.isNaN(sa) ? 1 : -1;
      return (sa - sb) || String(a.metadata?.name).localeCompare(String(b.metadata?.name));
    };
    for (const [type, limit] of [['Complete', spec.successfulJobsHistoryLimit], ['Failed', spec.failedJobsHistoryLimit]] as const) {
      if (typeof limit !== 'number') continue;
      const done = children.filter((j) => finishedCondition(j)?.type === type && !j.metadata?.deletionTimestamp).sort(byStart);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) await deleteJob(cj, ns, String(j.metadata?.name));
    }
  }

  return { name: 'cronjob', queue, informers: [cronjobs, jobs], workers: 2, reconcile };
}

/** jobFromTemplate builds the Job a CronJob starts for `scheduledMs`: the template's metadata and spec, owned by the CronJob. */
export function jobFromTemplate(cj: JsonObject, scheduledMs: number, sched: Schedule): JsonObject {
  const tmpl: JsonObject = structuredClone(cj.spec?.jobTemplate ?? {});
  const meta: JsonObject = tmpl.metadata ?? {};
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: {
      name: jobNameFor(String(cj.metadata?.name), scheduledMs), namespace: cj.metadata?.namespace,
      labels: { ...(meta.labels ?? {}) },
      annotations: { ...(meta.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(sched.timeZone, scheduledMs) },
      ownerReferences: [ownerReference(cj, CRONJOB_REF.apiVersion, CRONJOB_REF.kind)],
    },
    spec: tmpl.spec ?? {},
  };
}
