/**
 * @module controllers/deployment-util — the Deployment controller's vocabulary, as upstream's
 * deploymentutil: annotation and label names, int-or-percent fenceposts (surge rounds up,
 * unavailable rounds down), revisions, the "new" ReplicaSet (template equal to the Deployment's,
 * ignoring `pod-template-hash`), replica sums over ReplicaSets, the annotations a new or reused
 * ReplicaSet carries, and Deployment conditions. Pure functions over JSON objects.
 */
import type { JsonObject } from '../api/index.ts';
import { rfc3339 } from './deployment-events.ts';
import { stableJson } from './workload.ts';

/** Annotation and label names shared with kubectl (`rollout history/undo`) and upstream. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** REVISION_HISTORY_ANNOTATION lists the earlier revisions a reused ReplicaSet had. */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** DESIRED_REPLICAS_ANNOTATION is the Deployment's replicas when the ReplicaSet was last scaled. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** MAX_REPLICAS_ANNOTATION is replicas + maxSurge when the ReplicaSet was last scaled. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** HASH_LABEL is the label that tells the ReplicaSets (and pods) of one Deployment apart. */
export const HASH_LABEL = 'pod-template-hash';
/** MAX_REVISION_HISTORY_CHARS bounds the revision-history annotation. */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Annotations never copied from a Deployment to its ReplicaSets. */
const SKIPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration', REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, 'deprecated.deployment.rollback.to',
]);

/** Condition reasons (upstream's deploymentutil constants). */
export const REASONS = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  failedRSCreate: 'ReplicaSetCreateError',
  minAvailable: 'MinimumReplicasAvailable',
  minUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** DeploymentCondition is one entry of a Deployment's status.conditions. */
export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

/** num reads a finite number, else `dflt`. */
export function num(v: unknown, dflt = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

/** replicasOf is spec.replicas of a Deployment or ReplicaSet (defaulted 1). */
export function replicasOf(o: JsonObject | undefined): number { return num(o?.spec?.replicas, 1); }

/** scaledValue resolves an int-or-percent against `total`: integers as is, "N%" rounded up or down. */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (m) { const x = (Number(m[1]) * total) / 100; return roundUp ? Math.ceil(x) : Math.floor(x); }
    const n = Number.parseInt(v, 10);
    if (Number.isFinite(n) && String(n) === v) return n;
  }
  return 0;
}

/** resolveFenceposts returns [maxSurge, maxUnavailable] for `desired` replicas; both 0 would stall, so unavailable becomes 1. */
export function resolveFenceposts(maxSurge: unknown, maxUnavailable: unknown, desired: number): [number, number] {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  const unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  return surge === 0 && unavailable === 0 ? [0, 1] : [surge, unavailable];
}

/** isRollingUpdate says whether the Deployment uses the RollingUpdate strategy (the default). */
export function isRollingUpdate(d: JsonObject): boolean { return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate'; }

/** maxSurge is the resolved surge of a RollingUpdate Deployment (0 for Recreate). */
export function maxSurge(d: JsonObject): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicasOf(d))[0];
}

/** maxUnavailable is the resolved unavailability budget (0 for Recreate or 0 replicas, at most replicas). */
export function maxUnavailable(d: JsonObject): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return Math.min(resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicas)[1], replicas);
}

/** revisionOf reads the revision annotation (0 when missing or not a number). */
export function revisionOf(o: JsonObject | undefined): number {
  const v = Number.parseInt(String(o?.metadata?.annotations?.[REVISION_ANNOTATION] ?? ''), 10);
  return Number.isFinite(v) ? v : 0;
}

/** maxRevision is the highest revision among `rss`. */
export function maxRevision(rss: readonly JsonObject[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** normalize drops nulls, empty objects and empty arrays, as Go's semantic equality treats nil and empty alike. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = normalize(x);
      if (n === null || n === undefined) continue;
      if (Array.isArray(n) && n.length === 0) continue;
      if (typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0) continue;
      out[k] = n;
    }
    return out;
  }
  return v;
}

/** equalIgnoreHash compares two pod templates, ignoring the `pod-template-hash` label. */
export function equalIgnoreHash(a: JsonObject | undefined, b: JsonObject | undefined): boolean {
  const strip = (t: JsonObject | undefined): unknown => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) delete c.metadata.labels[HASH_LABEL];
    return normalize(c);
  };
  return stableJson(strip(a)) === stableJson(strip(b));
}

function createdAt(o: JsonObject): number {
  const t = Date.parse(String(o.metadata?.creationTimestamp ?? ''));
  return Number.isFinite(t) ? t : 0;
}

/** byCreation sorts ReplicaSets oldest first (ties by name). */
export function byCreation(rss: readonly JsonObject[]): JsonObject[] {
  return [...rss].sort((a, b) => createdAt(a) - createdAt(b) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
}

/** findNewReplicaSet returns the oldest ReplicaSet whose template equals the Deployment's (ignoring the hash label). */
export function findNewReplicaSet(d: JsonObject, rss: readonly JsonObject[]): JsonObject | undefined {
  return byCreation(rss).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** filterActive keeps ReplicaSets with spec.replicas > 0. */
export function filterActive(rss: readonly (JsonObject | undefined)[]): JsonObject[] {
  return rss.filter((rs): rs is JsonObject => rs !== undefined && replicasOf(rs) > 0);
}

/** specReplicas sums spec.replicas. */
export function specReplicas(rss: readonly (JsonObject | undefined)[]): number {
  return rss.reduce((s, rs) => s + (rs ? replicasOf(rs) : 0), 0);
}

/** statusSum sums one status counter (replicas, readyReplicas, availableReplicas). */
export function statusSum(rss: readonly (JsonObject | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  return rss.reduce((s, rs) => s + num(rs?.status?.[field]), 0);
}

/** setReplicasAnnotations sets desired-replicas and max-replicas on `rs` (mutated); true when something changed. */
export function setReplicasAnnotations(rs: JsonObject, desired: number, max: number): boolean {
  rs.metadata ??= {};
  const a: Record<string, string> = (rs.metadata.annotations ??= {});
  let changed = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) { a[DESIRED_REPLICAS_ANNOTATION] = String(desired); changed = true; }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) { a[MAX_REPLICAS_ANNOTATION] = String(max); changed = true; }
  return changed;
}

/** replicasAnnotationsNeedUpdate says whether setReplicasAnnotations would change `rs`. */
export function replicasAnnotationsNeedUpdate(rs: JsonObject, desired: number, max: number): boolean {
  const a = (rs.metadata?.annotations ?? {}) as Record<string, string>;
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** annotationInt reads an integer annotation (undefined when missing or malformed). */
export function annotationInt(o: JsonObject, name: string): number | undefined {
  const v = o.metadata?.annotations?.[name];
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** setNewReplicaSetAnnotations copies the Deployment's annotations to `rs` (mutated), raises its revision to
 * `newRevision` (recording the old one in revision-history when a ReplicaSet is reused) and, for a new ReplicaSet,
 * sets the replicas annotations; true when something changed. */
export function setNewReplicaSetAnnotations(d: JsonObject, rs: JsonObject, newRevision: number, exists: boolean): boolean {
  rs.metadata ??= {};
  const a: Record<string, string> = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries((d.metadata?.annotations ?? {}) as Record<string, string>)) {
    if (SKIPPED_ANNOTATIONS.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const oldRevision = a[REVISION_ANNOTATION];
  const oldRevisionInt = oldRevision === undefined ? 0 : Number.parseInt(oldRevision, 10);
  if (oldRevision !== undefined && !Number.isFinite(oldRevisionInt)) return changed;
  if (oldRevisionInt < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined && oldRevision !== '') {
      const history = a[REVISION_HISTORY_ANNOTATION];
      if (!history) a[REVISION_HISTORY_ANNOTATION] = oldRevision;
      else {
        const parts = history.split(',');
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > MAX_REVISION_HISTORY_CHARS && start < parts.length) { total -= parts[start].length + 1; start++; }
        if (total <= MAX_REVISION_HISTORY_CHARS) a[REVISION_HISTORY_ANNOTATION] = [...parts.slice(start), oldRevision].join(',');
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

/** getCondition returns the condition of `type` from a status. */
export function getCondition(status: JsonObject | undefined, type: string): DeploymentCondition | undefined {
  const cs = status?.conditions;
  return Array.isArray(cs) ? (cs as DeploymentCondition[]).find((c) => c.type === type) : undefined;
}

/** newCondition builds a condition stamped `nowMs` for both times. */
export function newCondition(type: string, status: DeploymentCondition['status'], reason: string, message: string, nowMs: number): DeploymentCondition {
  const t = rfc3339(nowMs);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** setDeploymentCondition puts `c` into `status.conditions` (mutated) as upstream: no change when status and reason are the same,
 * the transition time kept when only the reason changes, the condition moved to the end. */
export function setDeploymentCondition(status: JsonObject, c: DeploymentCondition): void {
  const cur = getCondition(status, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = { ...c };
  if (cur && cur.status === c.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...((status.conditions ?? []) as DeploymentCondition[]).filter((x) => x.type !== c.type), next];
}

/** removeCondition drops the condition of `type` from `status.conditions` (mutated). */
export function removeCondition(status: JsonObject, type: string): void {
  if (Array.isArray(status.conditions)) status.conditions = (status.conditions as DeploymentCondition[]).filter((x) => x.type !== type);
}

/** hasProgressDeadline says whether progressDeadlineSeconds is set (and not MaxInt32, upstream's "no deadline"). */
export function hasProgressDeadline(d: JsonObject): boolean {
  const v = d.spec?.progressDeadlineSeconds;
  return typeof v === 'number' && v !== 2147483647;
}

/** deploymentComplete: every replica updated and available, and the latest spec observed. */
export function deploymentComplete(d: JsonObject, s: JsonObject): boolean {
  const r = replicasOf(d);
  return num(s.updatedReplicas) === r && num(s.replicas) === r && num(s.availableReplicas) === r && num(s.observedGeneration) >= num(d.metadata?.generation);
}

/** deploymentProgressing: more updated, ready or available replicas than before, or fewer old ones. */
export function deploymentProgressing(d: JsonObject, s: JsonObject): boolean {
  const o = d.status ?? {};
  const oldOld = num(o.replicas) - num(o.updatedReplicas);
  const newOld = num(s.replicas) - num(s.updatedReplicas);
  return num(s.updatedReplicas) > num(o.updatedReplicas) || newOld < oldOld
    || num(s.readyReplicas) > num(o.readyReplicas) || num(s.availableReplicas) > num(o.availableReplicas);
}

/** deploymentTimedOut: the Progressing condition was last updated more than progressDeadlineSeconds before `nowMs`. */
export function deploymentTimedOut(d: JsonObject, s: JsonObject, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c || c.reason === REASONS.newRSAvailable) return false;
  if (c.reason === REASONS.timedOut) return true;
  const from = Date.parse(String(c.lastUpdateTime ?? ''));
  return Number.isFinite(from) && from + num(d.spec?.progressDeadlineSeconds) * 1000 < nowMs;
}

/** calculateStatus derives a Deployment's status from its ReplicaSets (conditions copied, Available recomputed). */
export function calculateStatus(d: JsonObject, all: readonly JsonObject[], newRS: JsonObject | undefined, nowMs: number): JsonObject {
  const available = statusSum(all, 'availableReplicas');
  const status: JsonObject = {
    observedGeneration: d.metadata?.generation,
    replicas: statusSum(all, 'replicas'),
    updatedReplicas: statusSum([newRS], 'replicas'),
    readyReplicas: statusSum(all, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicas(all) - available),
    conditions: structuredClone(d.status?.conditions ?? []),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setDeploymentCondition(status, newCondition('Available', 'True', REASONS.minAvailable, 'Deployment has minimum availability.', nowMs));
  } else {
    setDeploymentCondition(status, newCondition('Available', 'False', REASONS.minUnavailable, 'Deployment does not have minimum availability.', nowMs));
  }
  return status;
}

/** sameStatus compares two Deployment statuses field by field (missing counters are 0). */
export function sameStatus(a: JsonObject | undefined, b: JsonObject): boolean {
  const x = a ?? {};
  for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount']) {
    if (num(x[k]) !== num(b[k])) return false;
  }
  return stableJson(x.conditions ?? []) === stableJson(b.conditions ?? []);
}

/** OwnWrites remembers the resourceVersions a controller's own writes replaced, so a sync can tell that its informer has
 * not yet caught up with them: acting on such a cached object would only earn a 409. The informer's event for the write
 * enqueues the key again, so skipping is safe. Writes that changed nothing (same resourceVersion back) are not recorded. */
export class OwnWrites {
  readonly #replaced = new Map<string, Set<string>>();

  /** wrote records that `before` (as sent) became `after` (as returned). */
  wrote(before: JsonObject, after: JsonObject | undefined): void {
    const uid = String(before.metadata?.uid ?? '');
    const rv = before.metadata?.resourceVersion;
    if (!uid || typeof rv !== 'string' || !after || after.metadata?.resourceVersion === rv) return;
    let set = this.#replaced.get(uid);
    if (!set) { set = new Set(); this.#replaced.set(uid, set); }
    set.add(rv);
  }

  /** stale says whether the cached `obj` is a version one of our writes replaced (and forgets the record once it is not). */
  stale(obj: JsonObject): boolean {
    const uid = String(obj.metadata?.uid ?? '');
    const set = this.#replaced.get(uid);
    if (!set) return false;
    if (set.has(String(obj.metadata?.resourceVersion))) return true;
    this.#replaced.delete(uid);
    return false;
  }

  /** forget drops the records of a deleted object. */
  forget(obj: JsonObject): void { this.#replaced.delete(String(obj.metadata?.uid ?? '')); }
}
