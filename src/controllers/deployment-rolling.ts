/**
 * @module controllers/deployment-rolling — the Deployment controller's arithmetic as pure "next
 * step" functions over a Deployment and its ReplicaSets (upstream's rolling.go, sync.go scale()
 * and cleanup): each returns the ReplicaSet sizes the controller should write next, and the sync
 * (deployment-sync.ts) only performs the writes. One step is either scaling the new ReplicaSet up
 * (within replicas + maxSurge) or scaling old ones down (keeping replicas − maxUnavailable
 * available, unhealthy old replicas first), never both, exactly as upstream.
 *
 * One deliberate difference: a ReplicaSet's available count is taken as
 * min(status.availableReplicas, spec.replicas). Right after a scale-down the status still counts
 * pods the ReplicaSet controller is about to delete; trusting it could take availability below the
 * floor for a moment. Upstream reads the status as is.
 */
import type { JsonObject } from '../api/index.ts';
import {
  annotationInt, byCreation, DESIRED_REPLICAS_ANNOTATION, filterActive, isRollingUpdate, MAX_REPLICAS_ANNOTATION, maxSurge,
  maxUnavailable, num, replicasOf, revisionOf, scaledValue, specReplicas,
} from './deployment-util.ts';

/** ScaleTarget is one write the step asks for: set `rs`'s spec.replicas to `replicas`. */
export interface ScaleTarget {
  readonly rs: JsonObject;
  readonly replicas: number;
}

/** availableOf is a ReplicaSet's available replicas for the scale-down arithmetic (clamped to its spec). */
export function availableOf(rs: JsonObject | undefined): number {
  return rs ? Math.min(num(rs.status?.availableReplicas), replicasOf(rs)) : 0;
}

/** newRSNewReplicas is the size the new ReplicaSet may grow to now: up to replicas + maxSurge pods in all, never beyond replicas (Recreate: replicas). */
export function newRSNewReplicas(d: JsonObject, all: readonly JsonObject[], newRS: JsonObject): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d)) return replicas;
  const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%', replicas, true);
  const current = specReplicas(all);
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return replicasOf(newRS);
  return replicasOf(newRS) + Math.min(maxTotal - current, replicas - replicasOf(newRS));
}

/** RollingStep is what one rolling-update sync does: scale the new ReplicaSet, or scale old ones down, or nothing. */
export interface RollingStep {
  readonly phase: 'new' | 'old' | 'none';
  readonly targets: readonly ScaleTarget[];
}

/** rollingStep computes the next rolling-update step (reconcileNewReplicaSet, else reconcileOldReplicaSets). */
export function rollingStep(d: JsonObject, newRS: JsonObject | undefined, oldRSs: readonly JsonObject[]): RollingStep {
  const replicas = replicasOf(d);
  const all = newRS ? [...oldRSs, newRS] : [...oldRSs];
  if (newRS && replicasOf(newRS) !== replicas) {
    const target = replicasOf(newRS) > replicas ? replicas : newRSNewReplicas(d, all, newRS);
    if (target !== replicasOf(newRS)) return { phase: 'new', targets: [{ rs: newRS, replicas: target }] };
  }
  const old = byCreation(filterActive(oldRSs));
  if (specReplicas(old) === 0) return { phase: 'none', targets: [] };
  const minAvailable = replicas - maxUnavailable(d);
  const newUnavailable = newRS ? replicasOf(newRS) - availableOf(newRS) : 0;
  const maxScaledDown = specReplicas(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return { phase: 'none', targets: [] };
  const sizes = new Map(old.map((rs) => [rs, replicasOf(rs)]));
  // First the old replicas that are not available (they cost no availability), oldest ReplicaSets first.
  let cleaned = 0;
  for (const rs of old) {
    if (cleaned >= maxScaledDown) break;
    const size = sizes.get(rs) ?? 0;
    const unhealthy = size - availableOf(rs);
    if (size === 0 || unhealthy === 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    sizes.set(rs, size - n);
    cleaned += n;
  }
  // Then available old replicas, as far as the availability floor allows.
  const available = all.reduce((s, rs) => s + availableOf(rs), 0);
  if (available > minAvailable) {
    const toScale = available - minAvailable;
    let scaled = 0;
    for (const rs of old) {
      if (scaled >= toScale) break;
      const size = sizes.get(rs) ?? 0;
      if (size === 0) continue;
      const n = Math.min(size, toScale - scaled);
      sizes.set(rs, size - n);
      scaled += n;
    }
  }
  const targets = old.filter((rs) => sizes.get(rs) !== replicasOf(rs)).map((rs) => ({ rs, replicas: sizes.get(rs) ?? 0 }));
  return { phase: targets.length ? 'old' : 'none', targets };
}

/** findActiveOrLatest returns the only active ReplicaSet, or the newest when none is active; undefined when several are active. */
export function findActiveOrLatest(newRS: JsonObject | undefined, oldRSs: readonly JsonObject[]): JsonObject | undefined {
  if (!newRS && !oldRSs.length) return undefined;
  const newestFirst = byCreation(oldRSs).reverse();
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** isSaturated says whether `rs` runs the Deployment's full size, all available, as its desired-replicas annotation records. */
export function isSaturated(d: JsonObject, rs: JsonObject | undefined): boolean {
  if (!rs) return false;
  const r = replicasOf(d);
  return replicasOf(rs) === r && annotationInt(rs, DESIRED_REPLICAS_ANNOTATION) === r && num(rs.status?.availableReplicas) === r;
}

/** isScalingEvent says whether spec.replicas changed since the active ReplicaSets were last scaled (their desired-replicas annotation). */
export function isScalingEvent(d: JsonObject, newRS: JsonObject | undefined, oldRSs: readonly JsonObject[]): boolean {
  return filterActive([...oldRSs, newRS]).some((rs) => {
    const desired = annotationInt(rs, DESIRED_REPLICAS_ANNOTATION);
    return desired !== undefined && desired !== replicasOf(d);
  });
}

function fraction(rs: JsonObject, d: JsonObject): number {
  const r = replicasOf(d);
  if (r === 0) return -replicasOf(rs);
  const total = r + maxSurge(d);
  const annotated = annotationInt(rs, MAX_REPLICAS_ANNOTATION) ?? num(d.status?.replicas);
  if (annotated <= 0) return 0;
  return Math.round((replicasOf(rs) * total) / annotated) - replicasOf(rs);
}

/** proportion is how many of the `toAdd` replicas (negative: to remove) `rs` takes, given `added` were already handed out. */
export function proportion(rs: JsonObject, d: JsonObject, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const f = fraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(f, allowed) : Math.max(f, allowed);
}

/** scaleStep computes upstream's scale(): the sizes after a change of spec.replicas (proportional across active ReplicaSets
 * for RollingUpdate); every returned ReplicaSet is also checked for stale replicas annotations by the caller. */
export function scaleStep(d: JsonObject, newRS: JsonObject | undefined, oldRSs: readonly JsonObject[]): ScaleTarget[] {
  const replicas = replicasOf(d);
  const single = findActiveOrLatest(newRS, oldRSs);
  if (single) return replicasOf(single) === replicas ? [] : [{ rs: single, replicas }];
  if (isSaturated(d, newRS)) return filterActive(oldRSs).map((rs) => ({ rs, replicas: 0 }));
  if (!isRollingUpdate(d)) return [];
  const all = filterActive([...oldRSs, newRS]);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - specReplicas(all);
  const created = (rs: JsonObject): number => Date.parse(String(rs.metadata?.creationTimestamp ?? '')) || 0;
  const byAge = (a: JsonObject, b: JsonObject): number => created(a) - created(b) || String(a.metadata?.name).localeCompare(String(b.metadata?.name));
  if (toAdd > 0) all.sort((a, b) => replicasOf(b) - replicasOf(a) || byAge(b, a));
  else if (toAdd < 0) all.sort((a, b) => replicasOf(b) - replicasOf(a) || byAge(a, b));
  const sizes = new Map<JsonObject, number>();
  let added = 0;
  for (const rs of all) {
    const p = toAdd !== 0 ? proportion(rs, d, toAdd, added) : 0;
    sizes.set(rs, replicasOf(rs) + p);
    added += p;
  }
  const leftover = toAdd - added;
  if (all.length && leftover !== 0) sizes.set(all[0], Math.max(0, (sizes.get(all[0]) ?? 0) + leftover));
  return all.map((rs) => ({ rs, replicas: sizes.get(rs) ?? replicasOf(rs) }));
}

/** cleanupCandidates are the old ReplicaSets beyond revisionHistoryLimit (lowest revisions first) that are fully scaled down and settled. */
export function cleanupCandidates(d: JsonObject, oldRSs: readonly JsonObject[]): JsonObject[] {
  const limit = d.spec?.revisionHistoryLimit;
  if (typeof limit !== 'number') return [];
  const alive = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  const sorted = byCreation(alive).sort((a, b) => {
    const ra = revisionOf(a);
    const rb = revisionOf(b);
    return ra === rb ? 0 : ra - rb;
  });
  return sorted.slice(0, diff).filter((rs) => num(rs.status?.replicas) === 0 && replicasOf(rs) === 0
    && num(rs.metadata?.generation) <= num(rs.status?.observedGeneration) && !rs.metadata?.deletionTimestamp);
}
