/**
 * @module controllers/job — kube-controller-manager's job-controller (plus the ttl-after-finished
 * controller). Key: `namespace/name` of a Job.
 *
 * Pods are created from the template with the Job's labels and the tracking finalizer; a finished
 * pod is first recorded in status.uncountedTerminatedPods, then its finalizer is removed, then it
 * moves into status.succeeded/failed — so deleting pods never loses counts. Reaching completions
 * (or an Indexed Job's successPolicy rule) sets SuccessCriteriaMet, exceeding backoffLimit / activeDeadlineSeconds (or a podFailurePolicy
 * FailJob rule) sets FailureTarget and deletes the active pods; Complete / Failed follow once no
 * pod is left running or uncounted. Failed pods are replaced after an exponential backoff.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { objectKey, objectOf, RESOURCES, splitKey, WorkQueue } from '../client/index.ts';
import type { Controller, ControllerContext, ReconcileResult } from './controller.ts';
import { EventRecorder } from './deployment-events.ts';
import {
  addIndexToSpec, backoffDelayMs, completionIndexOf, formatIndexes, JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER, jobPodLabels, MAX_POD_CHANGES_PER_SYNC,
  onlyReplaceFailed, parseIndexes, pastBackoffLimitOnFailure, planIndexed, podActiveOrder, podOutcome, requeueAfter, successPolicyRule, WrittenCache,
} from './job-util.ts';
import {
  controllerRefOf, Expectations, isControlledBy, isPodActive, isPodReady, isPodTerminal, ownerReference, podFromTemplate, setCondition, stableJson, type Condition,
} from './workload.ts';

const JOB_REF = { apiVersion: 'batch/v1', kind: 'Job' } as const;
const COMPONENT = 'job-controller';
/** JOB_CONTROLLER_NAME is the spec.managedBy value of Jobs this controller reconciles (unset means the same). */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

const hasTrackingFinalizer = (p: JsonObject): boolean => Array.isArray(p.metadata?.finalizers) && (p.metadata.finalizers as string[]).includes(JOB_TRACKING_FINALIZER);
const condTrue = (job: JsonObject, type: string): Condition | undefined =>
  ((job.status?.conditions ?? []) as Condition[]).find((c) => c.type === type && c.status === 'True');

/** finishedCondition returns the Job's Complete or Failed condition when it is True. */
export function finishedCondition(job: JsonObject): Condition | undefined {
  return condTrue(job, 'Complete') ?? condTrue(job, 'Failed');
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

interface Target { type: 'Complete' | 'Failed'; reason: string; message: string }

/** newJobController wires job and pod informers to the Job reconcile. */
export function newJobController(ctx: ControllerContext): Controller {
  const { client, clock } = ctx;
  const jobs = ctx.factory.forResource(RESOURCES.jobs);
  const pods = ctx.factory.forResource(RESOURCES.pods);
  const queue = new WorkQueue<string>({ clock, name: 'job' });
  const expectations = new Expectations(clock);
  /** finalizer removals issued but not yet seen in the pod cache, per Job key (pod uids). */
  const removals = new Map<string, Set<string>>();
  /** consecutive failures since the last success and when the last was counted, per Job key. */
  const backoff = new Map<string, { failures: number; last: number }>();
  const written = new WrittenCache();
  const recorder = new EventRecorder(client, clock, ctx.log, COMPONENT);

  const jobKeyOf = (pod: JsonObject): string | undefined => {
    const ref = controllerRefOf(pod);
    return ref?.kind === 'Job' ? `${pod.metadata?.namespace}/${ref.name}` : undefined;
  };
  const observeGone = (key: string, pod: JsonObject, finalizerGone: boolean): void => {
    if (finalizerGone) removals.get(key)?.delete(String(pod.metadata?.uid));
  };
  pods.addEventHandler({
    add(pod) {
      const key = jobKeyOf(pod);
      if (!key) return;
      expectations.observedAdd(key);
      queue.add(key);
    },
    update(old, pod) {
      const key = jobKeyOf(pod) ?? jobKeyOf(old);
      if (!key) return;
      if (pod.metadata?.deletionTimestamp) expectations.observedDelete(key, objectKey(pod));
      observeGone(key, pod, !hasTrackingFinalizer(pod));
      queue.add(key);
    },
    delete(x) {
      const pod = objectOf(x);
      const key = jobKeyOf(pod);
      if (!key) return;
      expectations.observedDelete(key, objectKey(pod));
      observeGone(key, pod, true);
      queue.add(key);
    },
  });
  jobs.addEventHandler({
    add: (j) => queue.add(objectKey(j)),
    update: (_o, j) => queue.add(objectKey(j)),
    delete: (x) => {
      const key = objectKey(objectOf(x));
      expectations.forget(key);
      backoff.delete(key);
      written.forget(key);
      queue.add(key);
    },
  });

  const event = (job: JsonObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> =>
    recorder.event(job, JOB_REF.apiVersion, JOB_REF.kind, type, reason, message);

  /** releaseFinalizer removes the tracking finalizer; false when the pod is already gone. */
  const releaseFinalizer = async (pod: JsonObject): Promise<boolean> => {
    const fins = (pod.metadata?.finalizers ?? []) as string[];
    try {
      await client.patch(RESOURCES.pods, String(pod.metadata?.namespace), String(pod.metadata?.name), 'json', [
        { op: 'test', path: '/metadata/finalizers', value: fins },
        { op: 'replace', path: '/metadata/finalizers', value: fins.filter((f) => f !== JOB_TRACKING_FINALIZER) },
      ]);
      return true;
    } catch (e) {
      if (isStatusError(e, 404)) return false;
      throw e;
    }
  };

  const releaseAll = async (list: JsonObject[]): Promise<void> => {
    for (const p of list) if (hasTrackingFinalizer(p)) await releaseFinalizer(p);
  };

  const deletePod = async (key: string, job: JsonObject, pod: JsonObject): Promise<boolean> => {
    try {
      await client.delete(RESOURCES.pods, String(pod.metadata?.namespace), String(pod.metadata?.name));
      await event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
      return true;
    } catch (e) {
      expectations.deletionFailed(key, objectKey(pod));
      if (isStatusError(e, 404)) return true;
      await event(job, 'Warning', 'FailedDelete', `Error deleting: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  };

  const createPods = async (key: string, job: JsonObject, indexes: (number | undefined)[]): Promise<number> => {
    const ns = String(job.metadata?.namespace);
    const name = String(job.metadata?.name);
    const ref = ownerReference(job, JOB_REF.apiVersion, JOB_REF.kind);
    let created = 0;
    // Slow start: batches of 1, 2, 4, … so a failing template costs one error, not hundreds.
    for (let batch = 1, i = 0; i < indexes.length; i += batch, batch *= 2) {
      const part = indexes.slice(i, i + batch);
      const results = await Promise.all(part.map(async (ix) => {
        const labels = jobPodLabels(job);
        if (ix !== undefined) labels[JOB_COMPLETION_INDEX] = String(ix);
        const pod = podFromTemplate(job.spec?.template, ns, ref, {
          generateName: ix === undefined ? `${name}-` : `${name}-${ix}-`, labels, annotations: ix === undefined ? undefined : { [JOB_COMPLETION_INDEX]: String(ix) },
        });
        pod.metadata.finalizers = [...((pod.metadata.finalizers ?? []) as string[]), JOB_TRACKING_FINALIZER];
        if (ix !== undefined) addIndexToSpec(pod, name, ix);
        try {
          const out = await client.create(RESOURCES.pods, ns, pod);
          await event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${out.metadata?.name}`);
          return true;
        } catch (e) {
          expectations.creationFailed(key);
          await event(job, 'Warning', 'FailedCreate', `Error creating: ${e instanceof Error ? e.message : String(e)}`);
          return false;
        }
      }));
      created += results.filter(Boolean).length;
      if (results.includes(false)) {
        for (let j = i + batch; j < indexes.length; j++) expectations.creationFailed(key);
        break;
      }
    }
    return created;
  };

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const job = written.freshest(key, jobs.cache.get(key));
    const uid = String(job?.metadata?.uid ?? '');
    const inNs = pods.cache.byNamespace(namespace);
    // Pods of an earlier Job of this name (or of this one, deleted) lose the finalizer uncounted.
    await releaseAll(inNs.filter((p) => { const r = controllerRefOf(p); return r?.kind === 'Job' && r.name === name && r.uid !== uid; }));
    if (!job) { removals.delete(key); return; }
    // spec.managedBy hands the Job to another controller (e.g. MultiKueue); only the built-in value is ours.
    if (typeof job.spec?.managedBy === 'string' && job.spec.managedBy !== JOB_CONTROLLER_NAME) return;
    const own = inNs.filter((p) => isControlledBy(p, uid));
    if (job.metadata?.deletionTimestamp) { await releaseAll(own); return; }
    const now = clock.now();
    const finished = finishedCondition(job);
    if (finished) {
      await releaseAll(own);
      return ttlAfterFinished(job, finished, now);
    }
    return syncJob(key, job, own, now);
  }

  async function ttlAfterFinished(job: JsonObject, finished: Condition, now: number): Promise<ReconcileResult | void> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (typeof ttl !== 'number') return;
    const at = Date.parse(String(job.status?.completionTime ?? finished.lastTransitionTime ?? '')) + ttl * 1000;
    if (!Number.isFinite(at)) return;
    if (now < at) return requeueAfter(at - now);
    try {
      await client.delete(RESOURCES.jobs, String(job.metadata?.namespace), String(job.metadata?.name), { propagationPolicy: 'Background', preconditions: { uid: String(job.metadata?.uid) } });
    } catch (e) {
      if (!isStatusError(e, 404) && !isStatusError(e, 409)) throw e;
    }
  }

  async function syncJob(key: string, jobIn: JsonObject, own: JsonObject[], now: number): Promise<ReconcileResult | void> {
    let job = jobIn;
    const spec = job.spec ?? {};
    const status: JsonObject = structuredClone(job.status ?? {});
    const indexed = spec.completionMode === 'Indexed';
    const completions: number | null = typeof spec.completions === 'number' ? spec.completions : null;
    const parallelism = typeof spec.parallelism === 'number' ? spec.parallelism : 1;
    const backoffLimit = typeof spec.backoffLimit === 'number' ? spec.backoffLimit : 6;
    const nowIso = iso(now);
    let requeue: number | undefined;
    const wake = (ms: number): void => { requeue = requeue === undefined ? ms : Math.min(requeue, ms); };

    // 1. Newly finished pods join uncountedTerminatedPods.
    const unc = { succeeded: new Set<string>(status.uncountedTerminatedPods?.succeeded ?? []), failed: new Set<string>(status.uncountedTerminatedPods?.failed ?? []) };
    const removing = removals.get(key) ?? new Set<string>();
    removals.set(key, removing);
    const completed = parseIndexes(status.completedIndexes);
    const toRelease: JsonObject[] = [];
    let newUncounted = 0;
    let newFailures = 0;
    let newSuccesses = 0;
    let failJob: string | undefined;
    const finishing = condTrue(job, 'FailureTarget') !== undefined || condTrue(job, 'SuccessCriteriaMet') !== undefined;
    for (const pod of own) {
      const puid = String(pod.metadata?.uid);
      if (!hasTrackingFinalizer(pod) || removing.has(puid)) continue;
      if (unc.succeeded.has(puid) || unc.failed.has(puid)) { toRelease.push(pod); continue; }
      let o = podOutcome(job, pod);
      // Once the Job is finishing, a pod deleted before it succeeded counts as failed whatever the replacement policy.
      if (o.kind === 'running' && finishing && pod.metadata?.deletionTimestamp) o = { kind: 'failed' };
      if (o.kind === 'running') continue;
      toRelease.push(pod);
      if (o.kind === 'ignored') continue;
      newUncounted++;
      if (o.kind === 'succeeded') {
        newSuccesses++;
        unc.succeeded.add(puid);
        const ix = completionIndexOf(pod);
        if (indexed && ix !== undefined && completions !== null && ix < completions) completed.add(ix);
      } else {
        newFailures++;
        unc.failed.add(puid);
        if (o.kind === 'failJob') failJob ??= o.message;
      }
    }
    if (newSuccesses) backoff.delete(key);
    if (newFailures) backoff.set(key, { failures: (backoff.get(key)?.failures ?? 0) + newFailures, last: now });
    let countedSucceeded = Number(status.succeeded ?? 0);
    let countedFailed = Number(status.failed ?? 0);
    const succeeded = indexed ? completed.size : countedSucceeded + unc.succeeded.size;
    const failed = countedFailed + unc.failed.size;

    // 2. Is the Job done (or doomed)?
    let activePods = own.filter(isPodActive);
    const suspended = spec.suspend === true;
    let conditions = (status.conditions ?? []) as Condition[];
    let target: Target | undefined;
    const ft = condTrue(job, 'FailureTarget');
    const sc = condTrue(job, 'SuccessCriteriaMet');
    if (ft) target = { type: 'Failed', reason: ft.reason ?? '', message: ft.message ?? '' };
    else if (sc) target = { type: 'Complete', reason: sc.reason ?? '', message: sc.message ?? '' };
    else if (failJob) target = { type: 'Failed', reason: 'PodFailurePolicy', message: failJob };
    else if (failed > backoffLimit || pastBackoffLimitOnFailure(job, activePods, backoffLimit)) target = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    else if (!suspended && typeof spec.activeDeadlineSeconds === 'number' && status.startTime) {
      const deadline = Date.parse(String(status.startTime)) + spec.activeDeadlineSeconds * 1000;
      if (now >= deadline) target = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
      else wake(deadline - now);
    }
    if (!target) {
      const rule = successPolicyRule(job, completed);
      if (rule !== undefined) target = { type: 'Complete', reason: 'SuccessPolicy', message: `Matched rules at index ${rule}` };
    }
    if (!target) {
      const done = indexed ? completions !== null && completed.size >= completions
        : completions === null ? succeeded > 0 && activePods.length === 0 : succeeded >= completions;
      if (done) target = { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
    }
    if (target && !ft && !sc) {
      conditions = setCondition(conditions, { type: target.type === 'Failed' ? 'FailureTarget' : 'SuccessCriteriaMet', status: 'True', reason: target.reason, message: target.message }, nowIso);
      if (target.type === 'Failed') await event(job, 'Warning', target.reason, target.message);
    }

    // 3. Manage pods: delete them all when done or suspended, otherwise converge on the wanted count.
    let created = 0;
    let deleted = 0;
    const doDelete = async (list: JsonObject[]): Promise<void> => {
      const victims = list.slice(0, MAX_POD_CHANGES_PER_SYNC);
      if (!victims.length) return;
      expectations.expect(key, 0, victims.map(objectKey));
      const ok = await Promise.all(victims.map((p) => deletePod(key, job, p)));
      deleted += ok.filter(Boolean).length;
    };
    if (!expectations.satisfied(key)) {
      // Our last creations/deletions are not all in the cache yet: act again once they are.
    } else if (target || suspended) {
      await doDelete([...activePods].sort(podActiveOrder));
    } else {
      const countTerminating = onlyReplaceFailed(job);
      const terminating = own.filter((p) => p.metadata?.deletionTimestamp && !isPodTerminal(p)).length;
      let toCreate: (number | undefined)[] = [];
      let victims: JsonObject[] = [];
      if (indexed) {
        ({ toCreate, victims } = planIndexed(activePods, completed, completions ?? 0, parallelism));
      } else {
        const want = completions === null ? (succeeded > 0 ? activePods.length : parallelism) : Math.min(parallelism, Math.max(0, completions - succeeded));
        const have = activePods.length + (countTerminating ? terminating : 0);
        if (activePods.length > want) victims = [...activePods].sort(podActiveOrder).slice(0, activePods.length - want);
        else if (have < want) toCreate = new Array<undefined>(Math.min(want - have, MAX_POD_CHANGES_PER_SYNC)).fill(undefined);
      }
      const rec = backoff.get(key);
      const notBefore = rec ? rec.last + backoffDelayMs(rec.failures) : 0;
      if (toCreate.length && now < notBefore) { wake(notBefore - now); toCreate = []; }
      if (toCreate.length || victims.length) {
        expectations.expect(key, toCreate.length, victims.map(objectKey));
        if (victims.length) {
          const ok = await Promise.all(victims.map((p) => deletePod(key, job, p)));
          deleted += ok.filter(Boolean).length;
        }
        if (toCreate.length) created = await createPods(key, job, toCreate);
      }
    }
    if (deleted) activePods = activePods.slice(0, Math.max(0, activePods.length - deleted));

    // 4. Suspension and start time.
    if (suspended) {
      conditions = setCondition(conditions, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }, nowIso);
      if (!condTrue(job, 'Suspended')) await event(job, 'Normal', 'Suspended', 'Job suspended');
    } else {
      if (condTrue(job, 'Suspended')) {
        conditions = setCondition(conditions, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }, nowIso);
        status.startTime = nowIso;
        await event(job, 'Normal', 'Resumed', 'Job resumed');
      }
      status.startTime ??= nowIso;
    }

    // 5. Record new uncounted pods, release their finalizers, then move them into the counts.
    const writeStatus = async (): Promise<void> => {
      if (stableJson(job.status ?? {}) === stableJson(status)) return;
      job = await client.updateStatus(RESOURCES.jobs, String(job.metadata?.namespace), { ...job, status });
      written.remember(key, job);
    };
    const fill = (): void => {
      // Counts are omitted when zero (omitempty upstream); ready and terminating are pointers and stay.
      const setCount = (f: string, n: number): void => { if (n) status[f] = n; else delete status[f]; };
      setCount('active', activePods.length + created);
      status.ready = activePods.filter(isPodReady).length;
      status.terminating = own.filter((p) => p.metadata?.deletionTimestamp && !isPodTerminal(p)).length + deleted;
      setCount('succeeded', indexed ? completed.size : countedSucceeded);
      setCount('failed', countedFailed);
      status.uncountedTerminatedPods = {
        ...(unc.succeeded.size ? { succeeded: [...unc.succeeded].sort() } : {}), ...(unc.failed.size ? { failed: [...unc.failed].sort() } : {}),
      };
      if (indexed) {
        const text = formatIndexes(completed);
        if (text) status.completedIndexes = text; else delete status.completedIndexes;
      }
      status.conditions = conditions.length ? conditions : undefined;
      if (!status.conditions) delete status.conditions;
    };
    fill();
    if (newUncounted) await writeStatus();
    let releaseError: unknown;
    const released = new Set<string>();
    for (const p of toRelease) {
      try {
        await releaseFinalizer(p);
        released.add(String(p.metadata?.uid));
        removing.add(String(p.metadata?.uid));
      } catch (e) { releaseError ??= e; }
    }
    const byUid = new Map(own.map((p) => [String(p.metadata?.uid), p]));
    const flushable = (u: string): boolean => released.has(u) || removing.has(u) || !byUid.has(u) || !hasTrackingFinalizer(byUid.get(u) as JsonObject);
    for (const u of [...unc.succeeded]) if (flushable(u)) { unc.succeeded.delete(u); countedSucceeded++; }
    for (const u of [...unc.failed]) if (flushable(u)) { unc.failed.delete(u); countedFailed++; }

    // 6. The final condition once nothing runs and everything is counted.
    const terminatingLeft = own.filter((p) => p.metadata?.deletionTimestamp && !isPodTerminal(p) && !released.has(String(p.metadata?.uid))).length + deleted;
    if (target && activePods.length + created === 0 && terminatingLeft === 0 && !unc.succeeded.size && !unc.failed.size) {
      conditions = setCondition(conditions, { type: target.type, status: 'True', reason: target.reason, message: target.message }, nowIso);
      if (target.type === 'Complete') status.completionTime = nowIso;
    }
    fill();
    const wasFinished = finishedCondition(job) !== undefined;
    await writeStatus();
    if (!wasFinished && target && finishedCondition(job)) {
      if (target.type === 'Complete') await event(job, 'Normal', 'Completed', 'Job completed');
      const r = await ttlAfterFinished(job, finishedCondition(job) as Condition, now);
      if (r?.requeueAfterMs !== undefined) wake(r.requeueAfterMs);
    }
    if (releaseError) throw releaseError;
    return requeue === undefined ? undefined : requeueAfter(requeue);
  }

  return { name: 'job', queue, informers: [jobs, pods], workers: 4, reconcile };
}
