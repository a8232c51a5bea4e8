/**
 * @module controllers/deployment-sync — one sync of one Deployment (upstream's syncDeployment
 * body): pause conditions, the revision bookkeeping of the new ReplicaSet (creating it when a
 * rollout needs one), scaling events, RollingUpdate and Recreate rollouts, history cleanup and the
 * status with its Available / Progressing / ReplicaFailure conditions. The arithmetic lives in
 * deployment-rolling.ts; this file performs the writes and keeps the objects it wrote current,
 * so later steps of the same sync never reuse a stale resourceVersion.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES } from '../client/index.ts';
import type { ControllerContext, ReconcileResult } from './controller.ts';
import type { EventRecorder } from './deployment-events.ts';
import { cleanupCandidates, isScalingEvent, newRSNewReplicas, rollingStep, scaleStep } from './deployment-rolling.ts';
import {
  calculateStatus, type OwnWrites, deploymentComplete, deploymentProgressing, deploymentTimedOut, filterActive, findNewReplicaSet, getCondition,
  HASH_LABEL, hasProgressDeadline, isRollingUpdate, maxRevision, maxSurge, newCondition, num, REASONS, removeCondition,
  replicasAnnotationsNeedUpdate, replicasOf, REVISION_ANNOTATION, revisionOf, sameStatus, setDeploymentCondition,
  setNewReplicaSetAnnotations, setReplicasAnnotations, statusSum, equalIgnoreHash, type DeploymentCondition,
} from './deployment-util.ts';
import { isControlledBy, ownerReference, templateHash } from './workload.ts';

/** DeploymentSync holds the working copies of one sync: the Deployment and the ReplicaSets it controls (claimed). */
export class DeploymentSync {
  #d: JsonObject;
  #rss: JsonObject[];
  readonly #podsByRs: ReadonlyMap<string, readonly JsonObject[]>;
  readonly #ctx: ControllerContext;
  readonly #events: EventRecorder;
  readonly #writes: OwnWrites;

  constructor(ctx: ControllerContext, events: EventRecorder, writes: OwnWrites, d: JsonObject, rss: readonly JsonObject[], podsByRs: ReadonlyMap<string, readonly JsonObject[]>) {
    this.#ctx = ctx;
    this.#events = events;
    this.#writes = writes;
    this.#d = structuredClone(d);
    this.#rss = [...rss];
    this.#podsByRs = podsByRs;
  }

  get #ns(): string { return String(this.#d.metadata?.namespace); }
  get #name(): string { return String(this.#d.metadata?.name); }

  /** run performs the sync and returns when to look again (progress deadline), if ever. */
  async run(): Promise<ReconcileResult | void> {
    if (this.#d.metadata?.deletionTimestamp) { await this.#getAll(false); return this.#syncStatus(); }
    await this.#checkPausedConditions();
    if (this.#d.spec?.paused) return this.#sync();
    await this.#getAll(false);
    const { newRS, oldRSs } = this.#split();
    if (isScalingEvent(this.#d, newRS, oldRSs)) return this.#sync();
    return isRollingUpdate(this.#d) ? this.#rolling() : this.#recreate();
  }

  #split(): { newRS: JsonObject | undefined; oldRSs: JsonObject[] } {
    const newRS = findNewReplicaSet(this.#d, this.#rss);
    return { newRS, oldRSs: this.#rss.filter((rs) => rs !== newRS) };
  }

  #event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return this.#events.event(this.#d, 'apps/v1', 'Deployment', type, reason, message);
  }

  async #updateRS(rs: JsonObject): Promise<JsonObject> {
    const out = await this.#ctx.client.update<JsonObject>(RESOURCES.replicasets, this.#ns, rs);
    this.#writes.wrote(rs, out);
    const uid = rs.metadata?.uid;
    this.#rss = this.#rss.map((x) => (x.metadata?.uid === uid ? out : x));
    return out;
  }

  /** #writeStatus is a conditional status write: a conflict means the status was computed from a stale Deployment, so it
   * fails the sync (retried with backoff once the informer caught up) rather than being forced through. */
  async #writeStatus(status: JsonObject): Promise<void> {
    const before = this.#d;
    this.#d = await this.#ctx.client.updateStatus<JsonObject>(RESOURCES.deployments, this.#ns, { ...this.#d, status });
    this.#writes.wrote(before, this.#d);
  }

  /** #setRevision records the new ReplicaSet's revision on the Deployment (metadata only: a status write drops annotations here). */
  async #setRevision(revision: string): Promise<void> {
    if (this.#d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return;
    const out = await this.#ctx.client.patch<JsonObject>(RESOURCES.deployments, this.#ns, this.#name, 'merge', { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } });
    this.#writes.wrote(this.#d, out);
    const annotations = { ...(this.#d.metadata?.annotations ?? {}), [REVISION_ANNOTATION]: revision };
    // Adopt the new resourceVersion only if the spec we are acting on is still current; otherwise later writes should conflict.
    const current = out?.metadata?.generation === this.#d.metadata?.generation;
    const resourceVersion = current ? out?.metadata?.resourceVersion : this.#d.metadata?.resourceVersion;
    this.#d = { ...this.#d, metadata: { ...this.#d.metadata, annotations, resourceVersion } };
  }

  async #checkPausedConditions(): Promise<void> {
    if (!hasProgressDeadline(this.#d)) return;
    const cond = getCondition(this.#d.status, 'Progressing');
    if (cond?.reason === REASONS.timedOut) return;
    const pausedExists = cond?.reason === REASONS.paused;
    const status = structuredClone(this.#d.status ?? {});
    const now = this.#ctx.clock.now();
    if (this.#d.spec?.paused && !pausedExists) setDeploymentCondition(status, newCondition('Progressing', 'Unknown', REASONS.paused, 'Deployment is paused', now));
    else if (!this.#d.spec?.paused && pausedExists) setDeploymentCondition(status, newCondition('Progressing', 'Unknown', REASONS.resumed, 'Deployment is resumed', now));
    else return;
    await this.#writeStatus(status);
  }

  /** #getAll syncs the revision annotations of the new ReplicaSet, creating it when `create` and there is none. */
  async #getAll(create: boolean): Promise<void> {
    const { newRS, oldRSs } = this.#split();
    const newRevision = maxRevision(oldRSs) + 1;
    const d = this.#d;
    if (newRS) {
      const copy = structuredClone(newRS);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReady = num(d.spec?.minReadySeconds);
      let current = newRS;
      if (annotationsChanged || num(copy.spec?.minReadySeconds) !== minReady) {
        copy.spec = { ...copy.spec, minReadySeconds: minReady };
        current = await this.#updateRS(copy);
      }
      await this.#setRevision(String(revisionOf(current)));
      if (hasProgressDeadline(d) && !getCondition(this.#d.status, 'Progressing')) {
        const status = structuredClone(this.#d.status ?? {});
        setDeploymentCondition(status, newCondition('Progressing', 'True', REASONS.foundNewRS, `Found new replica set "${current.metadata?.name}"`, this.#ctx.clock.now()));
        await this.#writeStatus(status);
      }
      return;
    }
    if (create) await this.#createNewRS(oldRSs, newRevision);
  }

  async #createNewRS(oldRSs: JsonObject[], newRevision: number): Promise<void> {
    const d = this.#d;
    const hash = templateHash(d.spec?.template, num(d.status?.collisionCount));
    const template: JsonObject = structuredClone(d.spec?.template ?? {});
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
    const selector: JsonObject = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [HASH_LABEL]: hash };
    const rs: JsonObject = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: `${this.#name}-${hash}`, namespace: this.#ns, labels: { ...template.metadata.labels }, ownerReferences: [ownerReference(d, 'apps/v1', 'Deployment')] },
      spec: { replicas: 0, minReadySeconds: num(d.spec?.minReadySeconds), selector, template },
    };
    rs.spec.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    let created: JsonObject;
    let alreadyExists = false;
    try {
      created = await this.#ctx.client.create<JsonObject>(RESOURCES.replicasets, this.#ns, rs);
    } catch (e) {
      if (!isStatusError(e, 409)) {
        const msg = `Failed to create new replica set "${rs.metadata.name}": ${e instanceof Error ? e.message : String(e)}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(this.#d.status ?? {});
          setDeploymentCondition(status, newCondition('Progressing', 'False', REASONS.failedRSCreate, msg, this.#ctx.clock.now()));
          await this.#writeStatus(status);
        }
        await this.#event('Warning', 'FailedCreate', msg);
        throw e;
      }
      const existing = await this.#ctx.client.get<JsonObject>(RESOURCES.replicasets, this.#ns, String(rs.metadata.name));
      if (!isControlledBy(existing, String(d.metadata?.uid)) || !equalIgnoreHash(existing.spec?.template, d.spec?.template)) {
        // A different ReplicaSet holds the name: bump collisionCount so the next sync hashes differently.
        const status = { ...structuredClone(this.#d.status ?? {}), collisionCount: num(d.status?.collisionCount) + 1 };
        await this.#writeStatus(status);
        throw e;
      }
      created = existing;
      alreadyExists = true;
    }
    this.#rss = [...this.#rss.filter((x) => x.metadata?.uid !== created.metadata?.uid), created];
    if (!alreadyExists && replicasOf(created) > 0) await this.#event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} to ${replicasOf(created)}`);
    await this.#setRevision(String(newRevision));
    if (!alreadyExists && hasProgressDeadline(d)) {
      const status = structuredClone(this.#d.status ?? {});
      setDeploymentCondition(status, newCondition('Progressing', 'True', REASONS.newRSCreated, `Created new replica set "${created.metadata?.name}"`, this.#ctx.clock.now()));
      await this.#writeStatus(status);
    }
  }

  /** #scaleRS writes a new size (and the replicas annotations); `sizeOnly` skips ReplicaSets whose size is already right. */
  async #scaleRS(rs: JsonObject, replicas: number, sizeOnly = false): Promise<boolean> {
    const d = this.#d;
    const desired = replicasOf(d);
    const max = desired + maxSurge(d);
    const sizeChanged = replicasOf(rs) !== replicas;
    if (!sizeChanged && (sizeOnly || !replicasAnnotationsNeedUpdate(rs, desired, max))) return false;
    const copy = structuredClone(rs);
    copy.spec = { ...copy.spec, replicas };
    setReplicasAnnotations(copy, desired, max);
    await this.#updateRS(copy);
    if (sizeChanged) {
      await this.#event('Normal', 'ScalingReplicaSet', `Scaled ${replicas > replicasOf(rs) ? 'up' : 'down'} replica set ${rs.metadata?.name} to ${replicas}`);
    }
    return sizeChanged;
  }

  async #cleanup(oldRSs: readonly JsonObject[]): Promise<void> {
    for (const rs of cleanupCandidates(this.#d, oldRSs)) {
      try {
        await this.#ctx.client.delete(RESOURCES.replicasets, this.#ns, String(rs.metadata?.name));
      } catch (e) {
        if (!isStatusError(e, 404)) throw e;
      }
      this.#rss = this.#rss.filter((x) => x !== rs);
    }
  }

  /** #sync handles scaling events and paused Deployments: proportional scaling, no rollout progress. */
  async #sync(): Promise<void> {
    await this.#getAll(false);
    let { newRS, oldRSs } = this.#split();
    for (const t of scaleStep(this.#d, newRS, oldRSs)) await this.#scaleRS(t.rs, t.replicas);
    ({ newRS, oldRSs } = this.#split());
    if (this.#d.spec?.paused) await this.#cleanup(oldRSs);
    await this.#syncStatus();
  }

  async #syncStatus(): Promise<void> {
    const { newRS, oldRSs } = this.#split();
    const all = newRS ? [...oldRSs, newRS] : oldRSs;
    const status = calculateStatus(this.#d, all, newRS, this.#ctx.clock.now());
    if (!sameStatus(this.#d.status, status)) await this.#writeStatus(status);
  }

  async #rolling(): Promise<ReconcileResult | void> {
    await this.#getAll(true);
    const { newRS, oldRSs } = this.#split();
    const step = rollingStep(this.#d, newRS, oldRSs);
    if (step.targets.length) {
      for (const t of step.targets) await this.#scaleRS(t.rs, t.replicas, true);
      return this.#syncRolloutStatus();
    }
    if (deploymentComplete(this.#d, this.#d.status ?? {})) await this.#cleanup(oldRSs);
    return this.#syncRolloutStatus();
  }

  async #recreate(): Promise<ReconcileResult | void> {
    let { newRS, oldRSs } = this.#split();
    const activeOld = filterActive(oldRSs);
    if (activeOld.length) {
      for (const rs of activeOld) await this.#scaleRS(rs, 0, true);
      return this.#syncRolloutStatus();
    }
    if (this.#oldPodsRunning(newRS, oldRSs)) return this.#syncRolloutStatus();
    if (!newRS) {
      await this.#getAll(true);
      ({ newRS, oldRSs } = this.#split());
    }
    if (newRS) await this.#scaleRS(newRS, replicasOf(this.#d), true);
    if (deploymentComplete(this.#d, this.#d.status ?? {})) await this.#cleanup(oldRSs);
    return this.#syncRolloutStatus();
  }

  /** #oldPodsRunning: old ReplicaSets still report pods, or some pod of an old ReplicaSet has not finished (terminating ones included). */
  #oldPodsRunning(newRS: JsonObject | undefined, oldRSs: readonly JsonObject[]): boolean {
    if (statusSum(oldRSs, 'replicas') > 0) return true;
    for (const [uid, pods] of this.#podsByRs) {
      if (newRS && newRS.metadata?.uid === uid) continue;
      if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
    }
    return false;
  }

  async #syncRolloutStatus(): Promise<ReconcileResult | void> {
    const d = this.#d;
    const { newRS, oldRSs } = this.#split();
    const all = newRS ? [...oldRSs, newRS] : oldRSs;
    const now = this.#ctx.clock.now();
    const status = calculateStatus(d, all, newRS, now);
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const cur = getCondition(status, 'Progressing');
    const complete = num(status.replicas) === num(status.updatedReplicas) && cur?.reason === REASONS.newRSAvailable;
    if (hasProgressDeadline(d) && !complete) {
      const what = newRS ? `ReplicaSet "${newRS.metadata?.name}"` : `Deployment "${this.#name}"`;
      if (deploymentComplete(d, status)) {
        setDeploymentCondition(status, newCondition('Progressing', 'True', REASONS.newRSAvailable, `${what} has successfully progressed.`, now));
      } else if (deploymentProgressing(d, status)) {
        const c = newCondition('Progressing', 'True', REASONS.rsUpdated, `${what} is progressing.`, now);
        if (cur) {
          if (cur.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
          removeCondition(status, 'Progressing');
        }
        setDeploymentCondition(status, c);
      } else if (deploymentTimedOut(d, status, now)) {
        setDeploymentCondition(status, newCondition('Progressing', 'False', REASONS.timedOut, `${what} has timed out progressing.`, now));
      }
    }
    const failure = replicaFailure(newRS, all);
    if (failure) setDeploymentCondition(status, failure);
    else removeCondition(status, 'ReplicaFailure');
    if (!sameStatus(d.status, status)) { await this.#writeStatus(status); return; }
    // Nothing changed: look again when the progress deadline would pass.
    const c = getCondition(status, 'Progressing');
    if (!hasProgressDeadline(d) || !c || deploymentComplete(d, status) || c.reason === REASONS.timedOut) return;
    const after = Date.parse(String(c.lastUpdateTime ?? '')) + num(d.spec?.progressDeadlineSeconds) * 1000 - now;
    return Number.isFinite(after) ? { requeueAfterMs: Math.max(0, after) + 1000 } : undefined;
  }
}

function replicaFailure(newRS: JsonObject | undefined, all: readonly JsonObject[]): DeploymentCondition | undefined {
  for (const rs of newRS ? [newRS, ...all] : all) {
    const c = (rs.status?.conditions as JsonObject[] | undefined)?.find((x) => x.type === 'ReplicaFailure');
    if (c) return { type: 'ReplicaFailure', status: c.status, reason: c.reason, message: c.message, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime };
  }
  return undefined;
}
