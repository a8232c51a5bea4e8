/**
 * @module controllers/replicaset — kube-controller-manager's ReplicaSet controller. Key: the
 * ReplicaSet's `namespace/name`.
 *
 * A sync claims the active pods of the namespace (adopting matching orphans, releasing owned pods
 * whose labels no longer match), then — unless its own earlier creations/deletions are still unseen
 * in the pod informer (Expectations) — creates pods in slow-start batches (1, 2, 4, …) or deletes
 * the pods least worth keeping, and finally writes status: replicas, fullyLabeledReplicas,
 * readyReplicas, availableReplicas, observedGeneration and the ReplicaFailure condition. Pods being
 * deleted or finished do not count. With minReadySeconds the key is requeued when the next ready
 * pod becomes available.
 */
import { matchesLabels, isStatusError, type JsonObject } from '../api/index.ts';
import { objectOf, RESOURCES, WorkQueue } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { claimObjects, recheckOwner } from './deployment-claim.ts';
import { EventRecorder, rfc3339 } from './deployment-events.ts';
import { OwnWrites } from './deployment-util.ts';
import {
  controllerRefOf, Expectations, isPodActive, isPodAvailable, isPodReady, podCondition, podFromTemplate, ownerReference,
  selectorOf, selects, type Condition,
} from './workload.ts';

/** REPLICASET_CONTROLLER is the component name in the Events the controller records. */
export const REPLICASET_CONTROLLER = 'replicaset-controller';

/** BURST_REPLICAS caps how many pods one sync creates or deletes (upstream's burstReplicas). */
export const BURST_REPLICAS = 500;

/** POD_DELETION_COST is the annotation whose (integer) value makes a pod more expensive to delete. */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const podKey = (p: JsonObject): string => `${p.metadata?.namespace}/${p.metadata?.name}`;
const num = (v: unknown, dflt = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : dflt);

/** slowStartBatch runs `fn` `count` times in batches of 1, 2, 4, … (starting at `initial`), stopping after the first batch with a failure. */
export async function slowStartBatch(count: number, initial: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function readySince(p: JsonObject): number {
  const t = Date.parse(String(podCondition(p, 'Ready')?.lastTransitionTime ?? ''));
  return Number.isFinite(t) ? t : 0;
}

function maxRestarts(p: JsonObject): number {
  const cs = Array.isArray(p.status?.containerStatuses) ? (p.status.containerStatuses as JsonObject[]) : [];
  return cs.reduce((m, c) => Math.max(m, num(c.restartCount)), 0);
}

function deletionCost(p: JsonObject): number {
  const v = Number.parseInt(String(p.metadata?.annotations?.[POD_DELETION_COST] ?? ''), 10);
  return Number.isFinite(v) ? v : 0;
}

/** newerOrZero orders two timestamps (ms, 0 = unknown) with unknown first, then the later one first. */
function newerOrZero(a: number, b: number): number {
  if (a === b) return 0;
  if (!a || !b) return a ? 1 : -1;
  return a > b ? -1 : 1;
}

/** compareForDeletion orders pods by how readily they are deleted (negative: `a` goes first), as upstream's ActivePodsWithRanks:
 * unassigned, then Pending < Unknown < Running, not ready, lower deletion cost, more pods of the same owner on its node,
 * ready for less time, more restarts, newer. */
export function compareForDeletion(a: JsonObject, b: JsonObject, rankA = 0, rankB = 0): number {
  const na = String(a.spec?.nodeName ?? '');
  const nb = String(b.spec?.nodeName ?? '');
  if (na !== nb && (!na || !nb)) return na ? 1 : -1;
  const pa = PHASE_ORDINAL[String(a.status?.phase)] ?? 0;
  const pb = PHASE_ORDINAL[String(b.status?.phase)] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  if (rankA !== rankB) return rankB - rankA;
  if (ra && rb) {
    const c = newerOrZero(readySince(a), readySince(b));
    if (c) return c;
  }
  const restarts = maxRestarts(b) - maxRestarts(a);
  if (restarts) return restarts;
  const ta = Date.parse(String(a.metadata?.creationTimestamp ?? ''));
  const tb = Date.parse(String(b.metadata?.creationTimestamp ?? ''));
  return newerOrZero(Number.isFinite(ta) ? ta : 0, Number.isFinite(tb) ? tb : 0);
}

/** podsToDelete picks `diff` of `pods` to delete; `related` are the active pods of all ReplicaSets under the same owner (for the same-node rank). */
export function podsToDelete(pods: readonly JsonObject[], related: readonly JsonObject[], diff: number): JsonObject[] {
  if (diff >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(String(p.spec?.nodeName ?? ''), (onNode.get(String(p.spec?.nodeName ?? '')) ?? 0) + 1);
  const ranked = pods.map((p) => ({ p, rank: onNode.get(String(p.spec?.nodeName ?? '')) ?? 0 }));
  ranked.sort((x, y) => compareForDeletion(x.p, y.p, x.rank, y.rank));
  return ranked.slice(0, diff).map((x) => x.p);
}

/** ReplicaSetStatusResult is a computed status and, when some ready pod is not yet available, when to look again. */
export interface ReplicaSetStatusResult {
  readonly status: JsonObject;
  readonly requeueAfterMs?: number;
}

/** calculateReplicaSetStatus counts `pods` (the active pods the ReplicaSet controls) and sets/clears ReplicaFailure for `manageError`. */
export function calculateReplicaSetStatus(rs: JsonObject, pods: readonly JsonObject[], manageError: unknown, nowMs: number): ReplicaSetStatusResult {
  const minReady = num(rs.spec?.minReadySeconds);
  const templateLabels = (rs.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
  let fully = 0;
  let ready = 0;
  let available = 0;
  let next: number | undefined;
  for (const p of pods) {
    const labels = (p.metadata?.labels ?? {}) as Record<string, string>;
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fully++;
    if (!isPodReady(p)) continue;
    ready++;
    if (isPodAvailable(p, minReady, nowMs)) available++;
    else {
      const at = readySince(p) + minReady * 1000 - nowMs;
      next = Math.min(next ?? at, at);
    }
  }
  let conditions = [...((rs.status?.conditions ?? []) as Condition[])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageError !== undefined && !failure) {
    const diff = pods.length - num(rs.spec?.replicas, 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const message = manageError instanceof Error ? manageError.message : JSON.stringify(manageError);
    conditions.push({ type: 'ReplicaFailure', status: 'True', reason, message, lastTransitionTime: rfc3339(nowMs) });
  } else if (manageError === undefined && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  const status: JsonObject = { replicas: pods.length, fullyLabeledReplicas: fully, readyReplicas: ready, availableReplicas: available, observedGeneration: rs.status?.observedGeneration };
  if (conditions.length) status.conditions = conditions;
  return next === undefined ? { status } : { status, requeueAfterMs: Math.max(1, Math.ceil(next)) };
}

function sameStatus(a: JsonObject | undefined, b: JsonObject): boolean {
  const s = a ?? {};
  return ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'].every((k) => num(s[k]) === num(b[k]))
    && JSON.stringify(s.conditions ?? []) === JSON.stringify(b.conditions ?? []);
}

/** newReplicaSetController wires replicaset and pod informers to the ReplicaSet sync (4 workers). */
export function newReplicaSetController(ctx: ControllerContext): Controller {
  const sets = ctx.factory.forResource(RESOURCES.replicasets);
  const pods = ctx.factory.forResource(RESOURCES.pods);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'replicaset' });
  const expectations = new Expectations(ctx.clock);
  const events = new EventRecorder(ctx.client, ctx.clock, ctx.log, REPLICASET_CONTROLLER);
  const writes = new OwnWrites();

  /** ownerKey resolves a pod's controller reference to a cached ReplicaSet key ('' when it points elsewhere). */
  const ownerKey = (pod: JsonObject): string | undefined => {
    const ref = controllerRefOf(pod);
    if (!ref) return undefined;
    if (ref.kind !== 'ReplicaSet') return '';
    const key = `${pod.metadata?.namespace}/${ref.name}`;
    return sets.cache.get(key)?.metadata?.uid === ref.uid ? key : '';
  };
  const enqueueMatching = (pod: JsonObject): void => {
    for (const rs of sets.cache.byNamespace(String(pod.metadata?.namespace))) if (selects(rs, pod)) queue.add(podKey(rs));
  };
  const podDeleted = (pod: JsonObject): void => {
    const key = ownerKey(pod);
    if (!key) return;
    expectations.observedDelete(key, podKey(pod));
    queue.add(key);
  };
  pods.addEventHandler({
    add: (pod) => {
      if (pod.metadata?.deletionTimestamp) { podDeleted(pod); return; }
      const key = ownerKey(pod);
      if (key === undefined) { enqueueMatching(pod); return; }
      if (!key) return;
      expectations.observedAdd(key);
      queue.add(key);
    },
    update: (old, cur) => {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
      if (cur.metadata?.deletionTimestamp) {
        podDeleted(cur);
        if (labelsChanged) podDeleted(old);
        return;
      }
      const oldRef = controllerRefOf(old);
      const curRef = controllerRefOf(cur);
      const refChanged = oldRef?.uid !== curRef?.uid;
      if (refChanged && oldRef) { const k = ownerKey(old); if (k) queue.add(k); }
      const key = ownerKey(cur);
      if (key !== undefined) { if (key) queue.add(key); return; }
      if (labelsChanged || refChanged) enqueueMatching(cur);
    },
    delete: (x) => podDeleted(objectOf(x)),
  });
  sets.addEventHandler({
    add: (rs) => queue.add(podKey(rs)),
    update: (_old, rs) => queue.add(podKey(rs)),
    delete: (x) => { const key = podKey(objectOf(x)); writes.forget(objectOf(x)); expectations.forget(key); queue.add(key); },
  });

  async function manageReplicas(rs: JsonObject, key: string, owned: JsonObject[]): Promise<{ error?: unknown; deleted: Set<string> }> {
    const ns = String(rs.metadata?.namespace);
    const name = String(rs.metadata?.name);
    const diff = owned.length - num(rs.spec?.replicas, 1);
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS);
      expectations.expect(key, n);
      const ref = ownerReference(rs, 'apps/v1', 'ReplicaSet');
      const { successes, error } = await slowStartBatch(n, 1, async () => {
        const pod = podFromTemplate(rs.spec?.template, ns, ref, { generateName: `${name}-` });
        try {
          const created = await ctx.client.create<JsonObject>(RESOURCES.pods, ns, pod);
          await events.event(rs, 'apps/v1', 'ReplicaSet', 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
        } catch (e) {
          // A terminating namespace refuses new pods; that is not a failure of this ReplicaSet.
          if (isStatusError(e, 403) && /being terminated/.test(e.message)) return;
          await events.event(rs, 'apps/v1', 'ReplicaSet', 'Warning', 'FailedCreate', `Error creating: ${e instanceof Error ? e.message : String(e)}`);
          throw e;
        }
      });
      for (let i = successes; i < n; i++) expectations.creationFailed(key);
      return { error, deleted: new Set() };
    }
    if (diff === 0) return { deleted: new Set() };
    const n = Math.min(diff, BURST_REPLICAS);
    const victims = podsToDelete(owned, relatedPods(rs), n);
    expectations.expect(key, 0, victims.map(podKey));
    let error: unknown;
    const deleted = new Set<string>();
    await Promise.all(victims.map(async (p) => {
      try {
        await ctx.client.delete(RESOURCES.pods, ns, String(p.metadata?.name));
        deleted.add(podKey(p));
        await events.event(rs, 'apps/v1', 'ReplicaSet', 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name}`);
      } catch (e) {
        expectations.deletionFailed(key, podKey(p));
        if (isStatusError(e, 404)) { deleted.add(podKey(p)); return; }
        error ??= e;
        await events.event(rs, 'apps/v1', 'ReplicaSet', 'Warning', 'FailedDelete', `Error deleting: ${e instanceof Error ? e.message : String(e)}`);
      }
    }));
    return { error, deleted };
  }

  /** relatedPods are the active pods of every ReplicaSet that shares `rs`'s controller (none when it has no controller). */
  function relatedPods(rs: JsonObject): JsonObject[] {
    const ref = controllerRefOf(rs);
    if (!ref) return [];
    const ns = String(rs.metadata?.namespace);
    const uids = new Set(sets.cache.byNamespace(ns).filter((s) => controllerRefOf(s)?.uid === ref.uid).map((s) => String(s.metadata?.uid)));
    return pods.cache.byNamespace(ns).filter((p) => isPodActive(p) && uids.has(String(controllerRefOf(p)?.uid)));
  }

  async function writeStatus(rs: JsonObject, status: JsonObject): Promise<void> {
    const generation = rs.metadata?.generation;
    if (sameStatus(rs.status, status) && num(rs.status?.observedGeneration) === num(generation)) return;
    const next = { ...status, observedGeneration: generation };
    const ns = String(rs.metadata?.namespace);
    try {
      writes.wrote(rs, await ctx.client.updateStatus<JsonObject>(RESOURCES.replicasets, ns, { ...rs, status: next }));
    } catch (e) {
      if (!isStatusError(e, 409)) throw e;
      // One retry on the freshest object, as upstream's statusUpdateRetries.
      const fresh = await ctx.client.get<JsonObject>(RESOURCES.replicasets, ns, String(rs.metadata?.name));
      if (fresh.metadata?.uid !== rs.metadata?.uid) return;
      writes.wrote(fresh, await ctx.client.updateStatus<JsonObject>(RESOURCES.replicasets, ns, { ...fresh, status: next }));
    }
  }

  return {
    name: 'replicaset', queue, informers: [sets, pods], workers: 4,
    async reconcile(key) {
      const rs = sets.cache.get(key);
      if (!rs) { expectations.forget(key); return; }
      // Not yet seeing our own last status write: its informer event will bring the key back.
      if (writes.stale(rs)) return;
      const needsSync = expectations.satisfied(key);
      const selector = selectorOf(rs);
      if (!selector || !selector.requirements.length) {
        ctx.log.error('replicaset: invalid or empty selector; nothing selected', { key });
        return;
      }
      const active = pods.cache.byNamespace(String(rs.metadata?.namespace)).filter(isPodActive);
      const claim = await claimObjects({
        client: ctx.client, resource: RESOURCES.pods, owner: rs, ownerApiVersion: 'apps/v1', ownerKind: 'ReplicaSet',
        match: (p) => matchesLabels(selector, p.metadata?.labels as Record<string, string> | undefined),
        recheck: recheckOwner(ctx.client, RESOURCES.replicasets, rs),
      }, active);
      if (claim.error !== undefined) throw claim.error;
      let owned = claim.claimed;
      let manageError: unknown;
      if (needsSync && !rs.metadata?.deletionTimestamp) {
        const r = await manageReplicas(rs, key, owned);
        manageError = r.error;
        // Pods just deleted are terminating: they no longer count (the informer will confirm).
        if (r.deleted.size) owned = owned.filter((p) => !r.deleted.has(podKey(p)));
      }
      const { status, requeueAfterMs } = calculateReplicaSetStatus(rs, owned, manageError, ctx.clock.now());
      await writeStatus(rs, status);
      if (manageError !== undefined) throw manageError;
      return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
    },
  };
}
