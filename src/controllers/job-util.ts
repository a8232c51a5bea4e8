/**
 * @module controllers/job-util — the pure parts of the Job controller: the labels, annotation and
 * finalizer it puts on pods, completion-index sets and their compressed text form ("1,3-5"), how a
 * finished pod counts (success, failure, ignored, or failing the Job through spec.podFailurePolicy),
 * the pod-recreation backoff, capped requeue delays, and a cache of the controller's own last writes
 * (shared with the CronJob, Endpoints and disruption controllers).
 */
import type { JsonObject } from '../api/index.ts';
import { isPodReady } from './workload.ts';

/** JOB_TRACKING_FINALIZER keeps a finished pod until the Job controller has counted it. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** JOB_COMPLETION_INDEX is the annotation and label carrying an Indexed Job pod's index. */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
/** JOB_CONTROLLER_UID_LABEL / JOB_NAME_LABEL are the labels linking a pod to its Job (plus their legacy spellings). */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
/** JOB_NAME_LABEL: see JOB_CONTROLLER_UID_LABEL. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

/** MAX_POD_CHANGES_PER_SYNC caps the pods created or deleted in one reconcile (upstream: 500). */
export const MAX_POD_CHANGES_PER_SYNC = 500;

/** MAX_REQUEUE_MS bounds a requeue delay: timers cannot wait past 2^31-1 ms (~24.8 days), so far deadlines are revisited daily. */
export const MAX_REQUEUE_MS = 24 * 3_600_000;

/** requeueAfter builds a ReconcileResult delay, capped at MAX_REQUEUE_MS. */
export function requeueAfter(ms: number): { requeueAfterMs: number } {
  return { requeueAfterMs: Math.max(0, Math.min(ms, MAX_REQUEUE_MS)) };
}

/** BACKOFF_BASE_MS / BACKOFF_MAX_MS bound the delay before a failed pod is replaced (10 s doubling, capped at 6 min). */
export const BACKOFF_BASE_MS = 10_000;
/** BACKOFF_MAX_MS: see BACKOFF_BASE_MS. */
export const BACKOFF_MAX_MS = 360_000;

/** jobPodLabels are the labels every pod of `job` carries. */
export function jobPodLabels(job: JsonObject): Record<string, string> {
  const uid = String(job.metadata?.uid ?? '');
  const name = String(job.metadata?.name ?? '');
  return { [JOB_CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, 'controller-uid': uid, 'job-name': name };
}

/** completionIndexOf returns an Indexed Job pod's index (annotation, then label), or undefined. */
export function completionIndexOf(pod: JsonObject): number | undefined {
  const v = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX] ?? pod.metadata?.labels?.[JOB_COMPLETION_INDEX];
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** parseIndexes reads a compressed index list ("1,3-5") into a set (malformed parts are skipped). */
export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return out;
}

/** formatIndexes writes a set of indexes in the compressed form: runs of consecutive indexes as `a-b`, others alone, ascending. */
export function formatIndexes(set: ReadonlySet<number>): string {
  const xs = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(j === i ? String(xs[i]) : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** PodOutcome is how a finished (or failing) pod counts for its Job. */
export type PodOutcome =
  | { kind: 'running' }
  | { kind: 'succeeded' }
  | { kind: 'failed' }
  | { kind: 'ignored' }
  | { kind: 'failJob'; message: string };

/** onlyReplaceFailed says whether terminating pods still count as active (podReplacementPolicy Failed, or a podFailurePolicy). */
export function onlyReplaceFailed(job: JsonObject): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;
}

/** podOutcome classifies a pod: succeeded, failed (phase Failed, or deleted before succeeding unless only failed pods are replaced), or running;
 * spec.podFailurePolicy can turn a failure into `ignored` or `failJob`. */
export function podOutcome(job: JsonObject, pod: JsonObject): PodOutcome {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return { kind: 'succeeded' };
  const failed = phase === 'Failed' || (!onlyReplaceFailed(job) && !!pod.metadata?.deletionTimestamp);
  if (!failed) return { kind: 'running' };
  if (phase !== 'Failed') return { kind: 'failed' };
  return applyPodFailurePolicy(job, pod);
}

function exitCodeRuleMatches(rule: JsonObject, pod: JsonObject): { container: string; code: number } | undefined {
  const req = rule.onExitCodes as JsonObject;
  const values = new Set((req.values ?? []) as number[]);
  const statuses = [...((pod.status?.initContainerStatuses ?? []) as JsonObject[]), ...((pod.status?.containerStatuses ?? []) as JsonObject[])];
  for (const cs of statuses) {
    if (req.containerName && cs.name !== req.containerName) continue;
    const code = cs.state?.terminated?.exitCode;
    if (typeof code !== 'number' || code === 0) continue;
    if ((req.operator === 'In') === values.has(code)) return { container: String(cs.name), code };
  }
  return undefined;
}

function applyPodFailurePolicy(job: JsonObject, pod: JsonObject): PodOutcome {
  const rules = (job.spec?.podFailurePolicy?.rules ?? []) as JsonObject[];
  for (const [i, rule] of rules.entries()) {
    let match: string | undefined;
    if (rule.onExitCodes) {
      const m = exitCodeRuleMatches(rule, pod);
      if (m) match = `Container ${m.container} for pod ${pod.metadata?.namespace}/${pod.metadata?.name} failed with exit code ${m.code} matching ${rule.action} rule at index ${i}`;
    } else if (Array.isArray(rule.onPodConditions)) {
      const conds = (pod.status?.conditions ?? []) as JsonObject[];
      const c = (rule.onPodConditions as JsonObject[]).find((p) => conds.some((x) => x.type === p.type && x.status === (p.status ?? 'True')));
      if (c) match = `Pod ${pod.metadata?.namespace}/${pod.metadata?.name} has condition ${c.type} matching ${rule.action} rule at index ${i}`;
    }
    if (match === undefined) continue;
    if (rule.action === 'Ignore') return { kind: 'ignored' };
    if (rule.action === 'FailJob') return { kind: 'failJob', message: match };
    return { kind: 'failed' };
  }
  return { kind: 'failed' };
}

/** restartsOf sums container restarts of a pod (OnFailure Jobs count them toward backoffLimit). */
export function restartsOf(pod: JsonObject): number {
  let n = 0;
  for (const cs of [...((pod.status?.initContainerStatuses ?? []) as JsonObject[]), ...((pod.status?.containerStatuses ?? []) as JsonObject[])]) n += Number(cs.restartCount ?? 0);
  return n;
}

/** backoffDelayMs is the wait before creating a pod after `failures` consecutive failures (0 when none). */
export function backoffDelayMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 20));
}

/** podActiveOrder sorts pods to delete first: unscheduled, then not running, then not ready, then the newest. */
export function podActiveOrder(a: JsonObject, b: JsonObject): number {
  const rank = (p: JsonObject): number => (!p.spec?.nodeName ? 0 : p.status?.phase !== 'Running' ? 1 : !isPodReady(p) ? 2 : 3);
  const d = rank(a) - rank(b);
  if (d) return d;
  return String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? ''));
}

/** WrittenCache remembers the objects a controller last wrote, so a reconcile that runs before the informer caught up
 * starts from its own write instead of a stale copy (and does not collide with itself on resourceVersion). */
export class WrittenCache {
  readonly #m = new Map<string, JsonObject>();

  /** remember records `obj` (as returned by the server) under `key`. */
  remember(key: string, obj: JsonObject): void { this.#m.set(key, obj); }

  /** forget drops `key`. */
  forget(key: string): void { this.#m.delete(key); }

  /** freshest returns the newer of the informer's `cached` object and the remembered write (by uid and numeric resourceVersion). */
  freshest(key: string, cached: JsonObject | undefined): JsonObject | undefined {
    const w = this.#m.get(key);
    if (!cached || !w) return cached;
    if (w.metadata?.uid !== cached.metadata?.uid) { this.#m.delete(key); return cached; }
    const a = String(cached.metadata?.resourceVersion ?? '');
    const b = String(w.metadata?.resourceVersion ?? '');
    if (/^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(b) > BigInt(a)) return w;
    this.#m.delete(key);
    return cached;
  }
}

/** pastBackoffLimitOnFailure: for restartPolicy OnFailure, container restarts of running pods count toward backoffLimit. */
export function pastBackoffLimitOnFailure(job: JsonObject, active: JsonObject[], limit: number): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  const restarts = active.reduce((n, p) => n + restartsOf(p), 0);
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** planIndexed decides, for an Indexed Job, which indexes get new pods and which active pods go (duplicates, out-of-range, completed, above parallelism). */
export function planIndexed(active: JsonObject[], completed: ReadonlySet<number>, completions: number, parallelism: number): { toCreate: number[]; victims: JsonObject[] } {
  const victims: JsonObject[] = [];
  const byIndex = new Map<number, JsonObject>();
  for (const p of [...active].sort(podActiveOrder).reverse()) {
    const ix = completionIndexOf(p);
    if (ix === undefined || ix >= completions || completed.has(ix) || byIndex.has(ix)) victims.push(p);
    else byIndex.set(ix, p);
  }
  const want = Math.min(parallelism, completions - completed.size);
  const kept = [...byIndex.keys()].sort((a, b) => a - b);
  while (kept.length > want) victims.push(byIndex.get(kept.pop() as number) as JsonObject);
  const toCreate: number[] = [];
  for (let ix = 0; ix < completions && kept.length + toCreate.length < want && toCreate.length < MAX_POD_CHANGES_PER_SYNC; ix++) {
    if (!completed.has(ix) && !byIndex.has(ix)) toCreate.push(ix);
  }
  return { toCreate, victims };
}

/** addIndexToSpec gives an Indexed Job pod its hostname and the JOB_COMPLETION_INDEX environment variable. */
export function addIndexToSpec(pod: JsonObject, jobName: string, ix: number): void {
  const spec = (pod.spec ??= {});
  if (!spec.hostname) spec.hostname = `${jobName}-${ix}`;
  const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } };
  for (const c of [...((spec.initContainers ?? []) as JsonObject[]), ...((spec.containers ?? []) as JsonObject[])]) {
    const list = (c.env ??= []) as JsonObject[];
    if (!list.some((e) => e.name === env.name)) list.push(structuredClone(env));
  }
}

/** successPolicyRule returns the index of the first spec.successPolicy rule an Indexed Job's completed indexes satisfy
 * (succeededIndexes: all of them, or succeededCount of them; succeededCount alone: that many indexes), or undefined. */
export function successPolicyRule(job: JsonObject, completed: ReadonlySet<number>): number | undefined {
  if (job.spec?.completionMode !== 'Indexed') return undefined;
  const rules = (job.spec?.successPolicy?.rules ?? []) as JsonObject[];
  for (const [i, r] of rules.entries()) {
    const count = typeof r.succeededCount === 'number' ? r.succeededCount : undefined;
    if (typeof r.succeededIndexes === 'string') {
      const want = parseIndexes(r.succeededIndexes);
      let have = 0;
      for (const ix of want) if (completed.has(ix)) have++;
      if (count !== undefined ? have >= count : have === want.size && want.size > 0) return i;
    } else if (count !== undefined && completed.size >= count) return i;
  }
  return undefined;
}
