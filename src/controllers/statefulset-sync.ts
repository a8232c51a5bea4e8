/**
 * @module controllers/statefulset-sync — one StatefulSet sync step (kube-controller-manager's
 * stateful_set_control): create missing replicas (claims first), recreate failed ones, repair
 * identity and storage, delete condemned replicas from the highest ordinal, then roll replicas
 * onto the update revision from the highest ordinal down to the partition. OrderedReady does one
 * thing at a time and waits for Running+Ready; Parallel does everything it can at once.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES, type ApiClient } from '../client/index.ts';
import { scaledValue, templateOfRevision } from './controller-revision.ts';
import {
  claimName, claimOwnerRefs, claimTemplates, identityMatches, inRange, isMemberOf, newClaim, newStatefulSetPod, ordinalOf,
  podRevision, replicaCount, startOrdinal, storageMatches, updateIdentity, updateStorage, withClaimOwnerRefs,
} from './statefulset-pods.ts';
import type { EventRecorder } from './deployment-events.ts';
import { isPodAvailable, isPodReady } from './workload.ts';

/** SyncInput is what one sync looks at: the set, its pods and claims (from caches), its two revisions and the time. */
export interface SyncInput {
  readonly set: JsonObject;
  readonly pods: readonly JsonObject[];
  /** claims by name, in the set's namespace. */
  readonly claims: ReadonlyMap<string, JsonObject>;
  readonly currentRevision: JsonObject;
  readonly updateRevision: JsonObject;
  readonly collisionCount: number;
  readonly nowMs: number;
}

/** SyncResult is the status to write and when to look again (minReadySeconds). */
export interface SyncResult { readonly status: JsonObject; readonly requeueAfterMs?: number }

const isTerminating = (p: JsonObject): boolean => Boolean(p.metadata?.deletionTimestamp);
const isFailed = (p: JsonObject): boolean => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
const isRunningAndReady = (p: JsonObject): boolean => p.status?.phase === 'Running' && isPodReady(p);
const isHealthy = (p: JsonObject): boolean => isRunningAndReady(p) && !isTerminating(p);

/** computeStatus counts replicas of the given pods against the two revisions (before completeRollingUpdate). */
export function computeStatus(in_: SyncInput, pods: readonly JsonObject[]): { status: JsonObject; waitMs?: number } {
  const minReady = Number(in_.set.spec?.minReadySeconds ?? 0);
  const cur = String(in_.currentRevision.metadata?.name);
  const upd = String(in_.updateRevision.metadata?.name);
  const s = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  let waitMs: number | undefined;
  for (const p of pods) {
    if (isTerminating(p)) continue;
    s.replicas++;
    if (isRunningAndReady(p)) {
      s.readyReplicas++;
      if (isPodAvailable(p, minReady, in_.nowMs)) s.availableReplicas++;
      else {
        const since = Date.parse(String((p.status?.conditions as JsonObject[] | undefined)?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? ''));
        const w = Number.isFinite(since) ? Math.max(1, since + minReady * 1000 - in_.nowMs) : minReady * 1000;
        waitMs = waitMs === undefined ? w : Math.min(waitMs, w);
      }
    }
    if (podRevision(p) === cur) s.currentReplicas++;
    if (podRevision(p) === upd) s.updatedReplicas++;
  }
  return {
    status: {
      observedGeneration: in_.set.metadata?.generation, ...s, currentRevision: cur, updateRevision: upd, collisionCount: in_.collisionCount,
    },
    waitMs,
  };
}

/** completeRollingUpdate moves currentRevision to updateRevision once every replica is updated and ready. */
export function completeRollingUpdate(set: JsonObject, status: JsonObject): JsonObject {
  const rolling = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  if (rolling && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    return { ...status, currentRevision: status.updateRevision, currentReplicas: status.updatedReplicas };
  }
  return status;
}

/** StatefulSetSyncer performs one sync step through `client`; `actions` logs what it did (for tests and logs). */
export class StatefulSetSyncer {
  readonly #client: ApiClient;
  readonly #events: EventRecorder | undefined;
  readonly actions: string[] = [];

  /** A recorder, when given, gets upstream's SuccessfulCreate / SuccessfulDelete / FailedCreate events about the set. */
  constructor(client: ApiClient, events?: EventRecorder) { this.#client = client; this.#events = events; }

  #set: JsonObject = {};

  async #event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await this.#events?.event(this.#set, 'apps/v1', 'StatefulSet', type, reason, message);
  }

  /** sync runs one step and returns the status to write. */
  async sync(in_: SyncInput): Promise<SyncResult> {
    const { set } = in_;
    this.#set = set;
    const ns = String(set.metadata?.namespace);
    const start = startOrdinal(set);
    const count = replicaCount(set);
    const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const rolling = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    const partition = rolling ? Number(set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
    const members = in_.pods.filter((p) => isMemberOf(set, p) && ordinalOf(p) >= 0);
    const replicas: (JsonObject | undefined)[] = new Array<JsonObject | undefined>(count).fill(undefined);
    const condemned: JsonObject[] = [];
    for (const p of members) {
      const o = ordinalOf(p);
      if (inRange(set, o)) replicas[o - start] = p;
      else condemned.push(p);
    }
    condemned.sort((a, b) => ordinalOf(a) - ordinalOf(b));
    const { status: observed, waitMs } = computeStatus(in_, members);
    const done = (): SyncResult => ({ status: completeRollingUpdate(set, observed), requeueAfterMs: waitMs });
    const minReady = Number(set.spec?.minReadySeconds ?? 0);

    // The lowest unhealthy replica, else the highest unhealthy condemned pod, may be deleted while unhealthy.
    const firstUnhealthy = replicas.find((p) => p && !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));

    const errors: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const ordinal = start + i;
      const pod = replicas[i];
      try {
        if (pod && isFailed(pod)) {
          if (!isTerminating(pod)) await this.#deletePod(ns, pod, 'failed');
          if (monotonic) return done();
          continue;
        }
        if (!pod) {
          const useCurrent = rolling && ordinal < start + partition;
          const rev = useCurrent ? in_.currentRevision : in_.updateRevision;
          await this.#createClaims(set, ordinal, in_.claims);
          const created = await this.#createPod(ns, newStatefulSetPod(set, templateOfRevision(rev), String(rev.metadata?.name), ordinal));
          if (created) {
            observed.replicas++;
            if (rev === in_.currentRevision) observed.currentReplicas++;
            if (rev === in_.updateRevision) observed.updatedReplicas++;
          }
          if (monotonic) return done();
          continue;
        }
        if (pod.status?.phase === 'Pending' || !pod.status?.phase) await this.#createClaims(set, ordinal, in_.claims);
        if (isTerminating(pod)) {
          if (monotonic) return done();
          continue;
        }
        if (!isRunningAndReady(pod) && monotonic) return done();
        if (monotonic && !isPodAvailable(pod, minReady, in_.nowMs)) return done();
        await this.#fixClaimOwners(set, pod, false, in_.claims);
        if (identityMatches(set, pod) && storageMatches(set, pod)) continue;
        const fixed = structuredClone(pod);
        updateIdentity(set, fixed);
        updateStorage(set, fixed);
        await this.#createClaims(set, ordinal, in_.claims);
        this.actions.push(`update pod ${String(pod.metadata?.name)}`);
        await this.#client.update(RESOURCES.pods, ns, fixed);
      } catch (e) {
        if (monotonic) throw e;
        errors.push(e);
      }
    }
    if (errors.length) throw errors[0];

    for (let t = condemned.length - 1; t >= 0; t--) {
      const pod = condemned[t];
      if (isTerminating(pod)) {
        if (monotonic) return done();
        continue;
      }
      if (!isHealthy(pod) && monotonic && pod !== firstUnhealthy) return done();
      await this.#fixClaimOwners(set, pod, true, in_.claims);
      await this.#deletePod(ns, pod, 'condemned');
      if (monotonic) return done();
    }

    if (!rolling) return done();
    const updateMin = Math.max(0, partition);
    const upd = String(in_.updateRevision.metadata?.name);
    const maxUnavailable = Math.max(1, scaledValue(set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, count, false, 1));
    let unavailable = 0;
    for (let i = updateMin; i < count; i++) { const p = replicas[i]; if (!p || !isHealthy(p)) unavailable++; }
    for (let i = count - 1; i >= updateMin; i--) {
      const pod = replicas[i];
      if (!pod) return done();
      if (podRevision(pod) !== upd && !isTerminating(pod)) {
        if (!isHealthy(pod)) { await this.#deletePod(ns, pod, 'update'); continue; }
        if (unavailable >= maxUnavailable) return done();
        await this.#deletePod(ns, pod, 'update');
        unavailable++;
        continue;
      }
      // Without a maxUnavailable budget the rollout waits at the first unhealthy replica.
      if (!isHealthy(pod) && set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable === undefined) return done();
    }
    return done();
  }

  async #createPod(ns: string, pod: JsonObject): Promise<boolean> {
    const name = String(pod.metadata?.name);
    this.actions.push(`create pod ${name}`);
    try {
      await this.#client.create(RESOURCES.pods, ns, pod);
    } catch (e) {
      // AlreadyExists: our cache is behind our own write; the pod's event brings us back.
      if (isStatusError(e, 409)) return false;
      await this.#event('Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${String(this.#set.metadata?.name)} failed error: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    await this.#event('Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${String(this.#set.metadata?.name)} successful`);
    return true;
  }

  async #deletePod(ns: string, pod: JsonObject, why: string): Promise<void> {
    this.actions.push(`delete pod ${String(pod.metadata?.name)} (${why})`);
    try {
      await this.#client.delete(RESOURCES.pods, ns, String(pod.metadata?.name), { preconditions: { uid: String(pod.metadata?.uid) } });
    } catch (e) {
      if (!isStatusError(e, 404) && !isStatusError(e, 409)) throw e;
      return;
    }
    await this.#event('Normal', 'SuccessfulDelete', `delete Pod ${String(pod.metadata?.name)} in StatefulSet ${String(this.#set.metadata?.name)} successful`);
  }

  async #createClaims(set: JsonObject, ordinal: number, claims: ReadonlyMap<string, JsonObject>): Promise<void> {
    for (const t of claimTemplates(set)) {
      const name = claimName(t, set, ordinal);
      const have = claims.get(name);
      if (have) {
        if (have.metadata?.deletionTimestamp) throw new Error(`persistentvolumeclaim ${name} is being deleted`);
        continue;
      }
      this.actions.push(`create pvc ${name}`);
      try {
        await this.#client.create(RESOURCES.persistentvolumeclaims, String(set.metadata?.namespace), newClaim(set, t, ordinal));
      } catch (e) {
        if (!isStatusError(e, 409)) throw e;
        continue;
      }
      await this.#event('Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${String(set.metadata?.name)}-${ordinal} in StatefulSet ${String(set.metadata?.name)} success`);
    }
  }

  /** #fixClaimOwners makes the claims' owner references follow the retention policy for a kept or condemned pod. */
  async #fixClaimOwners(set: JsonObject, pod: JsonObject, condemned: boolean, claims: ReadonlyMap<string, JsonObject>): Promise<void> {
    const ordinal = ordinalOf(pod);
    const want = claimOwnerRefs(set, pod, condemned);
    for (const t of claimTemplates(set)) {
      const claim = claims.get(claimName(t, set, ordinal));
      if (!claim) continue;
      const next = withClaimOwnerRefs(claim, set, pod, want);
      if (!next) continue;
      this.actions.push(`update pvc ${String(claim.metadata?.name)} owners [${next.map((r) => r.kind).join(',')}]`);
      await this.#client.patch(RESOURCES.persistentvolumeclaims, String(claim.metadata?.namespace), String(claim.metadata?.name), 'merge', {
        metadata: { ownerReferences: next, resourceVersion: claim.metadata?.resourceVersion },
      });
    }
  }
}
