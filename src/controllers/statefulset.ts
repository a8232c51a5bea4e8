/**
 * @module controllers/statefulset — kube-controller-manager's statefulset-controller. Key:
 * `namespace/name` of a StatefulSet. Each reconcile finds (or records) the set's current and update
 * ControllerRevisions, runs one sync step (statefulset-sync.ts), writes the status and trims the
 * revision history to spec.revisionHistoryLimit.
 */
import type { JsonObject } from '../api/index.ts';
import { objectOf, RESOURCES, WorkQueue, type ApiClient } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import {
  bumpRevision, createRevision, DEFAULT_REVISION_HISTORY_LIMIT, equalRevisions, newControllerRevision, nextRevisionNumber,
  ownedRevisions, revisionDataHash, sortRevisions, templatePatch, truncateHistory, writeStatus,
} from './controller-revision.ts';
import { claimObjects, recheckOwner } from './deployment-claim.ts';
import { EventRecorder } from './deployment-events.ts';
import { isMemberOf, podRevision, SET_KIND } from './statefulset-pods.ts';
import { StatefulSetSyncer } from './statefulset-sync.ts';
import { controllerRefOf, selectorOf, selects } from './workload.ts';

/** StatefulSetRevisions are the set's current and update revisions and the collision count that named the update one. */
export interface StatefulSetRevisions { readonly current: JsonObject; readonly update: JsonObject; readonly collisionCount: number }

/** statefulSetRevisions finds the revision equal to the set's template (re-numbering it when it is not the newest, creating it when missing) and the current revision named in status. */
export async function statefulSetRevisions(client: ApiClient, set: JsonObject, revisions: readonly JsonObject[]): Promise<StatefulSetRevisions> {
  const sorted = sortRevisions(revisions);
  let collisionCount = Number(set.status?.collisionCount ?? 0);
  const data = templatePatch(set);
  const next = nextRevisionNumber(sorted);
  const build = (cc: number): JsonObject => newControllerRevision({ owner: set, ...SET_KIND, data, revision: next, hash: revisionDataHash(data, cc) });
  const probe = build(collisionCount);
  const equal = sorted.filter((r) => equalRevisions(r, probe));
  let update: JsonObject;
  if (equal.length && equal[equal.length - 1] === sorted[sorted.length - 1]) update = sorted[sorted.length - 1];
  else if (equal.length) update = await bumpRevision(client, equal[equal.length - 1], next);
  else {
    const made = await createRevision(client, String(set.metadata?.namespace), build, collisionCount);
    update = made.revision;
    collisionCount = made.collisionCount;
  }
  const current = sorted.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

/** newStatefulSetController wires StatefulSet, pod, ControllerRevision and PVC informers to the StatefulSet reconcile. */
export function newStatefulSetController(ctx: ControllerContext): Controller {
  const sets = ctx.factory.forResource(RESOURCES.statefulsets);
  const pods = ctx.factory.forResource(RESOURCES.pods);
  const revisions = ctx.factory.forResource(RESOURCES.controllerrevisions);
  const claims = ctx.factory.forResource(RESOURCES.persistentvolumeclaims);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'statefulset' });
  const events = new EventRecorder(ctx.client, ctx.clock, ctx.log, 'statefulset-controller');
  const keyOf = (o: JsonObject): string => `${String(o.metadata?.namespace)}/${String(o.metadata?.name)}`;
  const enqueueOwner = (o: JsonObject): void => {
    const ref = controllerRefOf(o);
    if (ref?.kind === 'StatefulSet') queue.add(`${String(o.metadata?.namespace)}/${ref.name}`);
    // An orphan may be adopted by any set in its namespace that selects it.
    else if (!ref) for (const s of sets.cache.byNamespace(String(o.metadata?.namespace))) if (selects(s, o)) queue.add(keyOf(s));
  };
  sets.addEventHandler({
    add: (s) => queue.add(keyOf(s)),
    update: (_o, s) => queue.add(keyOf(s)),
    delete: (x) => queue.add(keyOf(objectOf(x))),
  });
  for (const inf of [pods, revisions]) {
    inf.addEventHandler({
      add: enqueueOwner,
      update: (o, n) => { enqueueOwner(n); if (controllerRefOf(o)?.uid !== controllerRefOf(n)?.uid) enqueueOwner(o); },
      delete: (x) => enqueueOwner(objectOf(x)),
    });
  }
  return {
    name: 'statefulset', queue, informers: [sets, pods, revisions, claims], workers: 2,
    async reconcile(key) {
      const set = sets.cache.get(key);
      if (!set || set.metadata?.deletionTimestamp || !selectorOf(set)) return;
      const ns = String(set.metadata?.namespace);
      const claim = { client: ctx.client, owner: set, ownerApiVersion: SET_KIND.apiVersion, ownerKind: SET_KIND.kind, recheck: recheckOwner(ctx.client, RESOURCES.statefulsets, set) };
      const podClaim = await claimObjects({ ...claim, resource: RESOURCES.pods, match: (p) => selects(set, p) && isMemberOf(set, p) }, pods.cache.byNamespace(ns));
      if (podClaim.error) throw podClaim.error;
      const owned = podClaim.claimed;
      const revClaim = await claimObjects({ ...claim, resource: RESOURCES.controllerrevisions, match: (r) => selects(set, r) }, revisions.cache.byNamespace(ns));
      if (revClaim.error) throw revClaim.error;
      const revs = ownedRevisions(revClaim.claimed, set);
      const { current, update, collisionCount } = await statefulSetRevisions(ctx.client, set, revs);
      const claimMap = new Map(claims.cache.byNamespace(ns).map((c) => [String(c.metadata?.name), c]));
      const syncer = new StatefulSetSyncer(ctx.client, events);
      let result;
      try {
        result = await syncer.sync({ set, pods: owned, claims: claimMap, currentRevision: current, updateRevision: update, collisionCount, nowMs: ctx.clock.now() });
      } finally {
        if (syncer.actions.length) ctx.log.info('statefulset: sync', { key, actions: syncer.actions });
      }
      await writeStatus(ctx.client, RESOURCES.statefulsets, set, result.status);
      const live = new Set<string>([String(current.metadata?.name), String(update.metadata?.name), ...owned.map(podRevision)]);
      const limit = typeof set.spec?.revisionHistoryLimit === 'number' ? set.spec.revisionHistoryLimit : DEFAULT_REVISION_HISTORY_LIMIT;
      await truncateHistory(ctx.client, revs.filter((r) => r.metadata?.name !== update.metadata?.name), live, limit);
      return result.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : undefined;
    },
  };
}
