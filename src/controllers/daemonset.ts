/**
 * @module controllers/daemonset — kube-controller-manager's daemonset-controller. Key:
 * `namespace/name` of a DaemonSet. Each reconcile records the template as a ControllerRevision,
 * creates one pod per eligible node (pinned by required node affinity `metadata.name In [node]`, so
 * the scheduler binds it), deletes extra / misplaced / failed pods, takes one RollingUpdate step,
 * trims history and writes the status. Node changes re-enqueue every DaemonSet.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { objectOf, RESOURCES, WorkQueue, type ApiClient } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import {
  bumpRevision, CONTROLLER_REVISION_HASH_LABEL, createRevision, DEFAULT_REVISION_HISTORY_LIMIT, equalRevisions, newControllerRevision,
  nextRevisionNumber, ownedRevisions, sortRevisions, templatePatch, truncateHistory, writeStatus,
} from './controller-revision.ts';
import { withDaemonTolerations, withNodeNameAffinity } from './daemonset-nodes.ts';
import { computeDaemonSetStatus, FailedPodBackoff, planManage, planRollingUpdate, type Plan } from './daemonset-plan.ts';
import { claimObjects, recheckOwner } from './deployment-claim.ts';
import { EventRecorder } from './deployment-events.ts';
import { controllerRefOf, Expectations, ownerReference, podFromTemplate, selectorOf, selects, stableJson, templateHash } from './workload.ts';

/** TEMPLATE_GENERATION_LABEL carries the DaemonSet generation a pod was made from (upstream's pod-template-generation). */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** DaemonSetHistory is the revision matching the current template, its hash, the older ones and the collision count. */
export interface DaemonSetHistory { readonly current: JsonObject; readonly hash: string; readonly old: JsonObject[]; readonly collisionCount: number }

/** constructHistory finds or creates the revision of the DaemonSet's template (hash of the template and collision count) and makes it the newest. */
export async function constructHistory(client: ApiClient, ds: JsonObject, revisions: readonly JsonObject[]): Promise<DaemonSetHistory> {
  const sorted = sortRevisions(revisions);
  let collisionCount = Number(ds.status?.collisionCount ?? 0);
  const data = templatePatch(ds);
  const next = nextRevisionNumber(sorted);
  const build = (cc: number): JsonObject => newControllerRevision({ owner: ds, apiVersion: 'apps/v1', kind: 'DaemonSet', data, revision: next, hash: templateHash(ds.spec?.template, cc) });
  const probe = build(collisionCount);
  const equal = sorted.filter((r) => equalRevisions(r, probe));
  let current: JsonObject;
  if (!equal.length) {
    const made = await createRevision(client, String(ds.metadata?.namespace), build, collisionCount);
    current = made.revision;
    collisionCount = made.collisionCount;
  } else {
    const newest = equal[equal.length - 1];
    current = newest === sorted[sorted.length - 1] ? newest : await bumpRevision(client, newest, next);
  }
  const hash = String(current.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? String(current.metadata?.name).slice(String(ds.metadata?.name).length + 1));
  const old = sorted.filter((r) => r.metadata?.name !== current.metadata?.name);
  return { current, hash, old, collisionCount };
}

/** newDaemonPod builds the DaemonSet's pod for `nodeName`: template labels + revision hash + generation, default tolerations, pinned by node affinity. */
export function newDaemonPod(ds: JsonObject, nodeName: string, hash: string): JsonObject {
  const pod = podFromTemplate(ds.spec?.template, String(ds.metadata?.namespace), ownerReference(ds, 'apps/v1', 'DaemonSet'), {
    generateName: `${String(ds.metadata?.name)}-`,
    labels: { [CONTROLLER_REVISION_HASH_LABEL]: hash, ...(ds.metadata?.generation !== undefined ? { [TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation) } : {}) },
  });
  pod.spec.tolerations = withDaemonTolerations(pod.spec);
  pod.spec.affinity = withNodeNameAffinity(pod.spec.affinity, nodeName);
  return pod;
}

const NODE_FIELDS = (n: JsonObject): string => stableJson([n.metadata?.labels, n.spec?.taints, n.spec?.unschedulable]);

/** newDaemonSetController wires DaemonSet, pod, node and ControllerRevision informers to the DaemonSet reconcile. */
export function newDaemonSetController(ctx: ControllerContext): Controller {
  const sets = ctx.factory.forResource(RESOURCES.daemonsets);
  const pods = ctx.factory.forResource(RESOURCES.pods);
  const nodes = ctx.factory.forResource(RESOURCES.nodes);
  const revisions = ctx.factory.forResource(RESOURCES.controllerrevisions);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'daemonset' });
  const expectations = new Expectations(ctx.clock);
  const backoff = new FailedPodBackoff(ctx.clock);
  const events = new EventRecorder(ctx.client, ctx.clock, ctx.log, 'daemonset-controller');
  const event = (ds: JsonObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> => events.event(ds, 'apps/v1', 'DaemonSet', type, reason, message);
  const keyOf = (o: JsonObject): string => `${String(o.metadata?.namespace)}/${String(o.metadata?.name)}`;
  const ownerKey = (o: JsonObject): string | undefined => {
    const ref = controllerRefOf(o);
    return ref?.kind === 'DaemonSet' ? `${String(o.metadata?.namespace)}/${ref.name}` : undefined;
  };
  const enqueueAll = (): void => { for (const ds of sets.cache.list()) queue.add(keyOf(ds)); };
  sets.addEventHandler({
    add: (d) => queue.add(keyOf(d)),
    update: (_o, d) => queue.add(keyOf(d)),
    delete: (x) => { const k = keyOf(objectOf(x)); expectations.forget(k); queue.add(k); },
  });
  const enqueueSelecting = (o: JsonObject): void => {
    if (!controllerRefOf(o)) for (const d of sets.cache.byNamespace(String(o.metadata?.namespace))) if (selects(d, o)) queue.add(keyOf(d));
  };
  pods.addEventHandler({
    add: (p) => { const k = ownerKey(p); if (k) { expectations.observedAdd(k); queue.add(k); } else enqueueSelecting(p); },
    update: (o, p) => { const k = ownerKey(p); if (k) queue.add(k); else enqueueSelecting(p); const ko = ownerKey(o); if (ko && ko !== k) queue.add(ko); },
    delete: (x) => { const p = objectOf(x); const k = ownerKey(p); if (k) { expectations.observedDelete(k, keyOf(p)); queue.add(k); } },
  });
  nodes.addEventHandler({
    add: enqueueAll,
    update: (o, n) => { if (NODE_FIELDS(o) !== NODE_FIELDS(n)) enqueueAll(); },
    delete: enqueueAll,
  });
  revisions.addEventHandler({ delete: (x) => { const k = ownerKey(objectOf(x)); if (k) queue.add(k); } });

  const syncNodes = async (ds: JsonObject, key: string, plan: Plan, hash: string): Promise<void> => {
    const ns = String(ds.metadata?.namespace);
    expectations.expect(key, plan.create.length, plan.delete.map(keyOf));
    if (plan.create.length || plan.delete.length) {
      ctx.log.info('daemonset: sync', { key, create: plan.create, delete: plan.delete.map((p) => String(p.metadata?.name)) });
    }
    const errors: unknown[] = [];
    // Slow start, as upstream: batches of 1, 2, 4, … so a failing create does not fan out.
    let i = 0;
    for (let batch = 1; i < plan.create.length; batch *= 2) {
      const chunk = plan.create.slice(i, i + batch);
      i += chunk.length;
      const rs = await Promise.allSettled(chunk.map((n) => ctx.client.create(RESOURCES.pods, ns, newDaemonPod(ds, n, hash))));
      const failed = rs.filter((r) => r.status === 'rejected');
      for (const f of failed) { expectations.creationFailed(key); errors.push(f.reason); await event(ds, 'Warning', 'FailedCreate', `Error creating: ${f.reason instanceof Error ? f.reason.message : String(f.reason)}`); }
      for (const r of rs) if (r.status === 'fulfilled') await event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${String(r.value.metadata?.name)}`);
      if (failed.length) { for (let j = i; j < plan.create.length; j++) expectations.creationFailed(key); break; }
    }
    await Promise.all(plan.delete.map(async (p) => {
      try {
        await ctx.client.delete(RESOURCES.pods, ns, String(p.metadata?.name), { preconditions: { uid: String(p.metadata?.uid) } });
      } catch (e) {
        expectations.deletionFailed(key, keyOf(p));
        if (!isStatusError(e, 404)) errors.push(e);
        return;
      }
      if (p.status?.phase === 'Failed') await event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${keyOf(p)} on node ${String(p.spec?.nodeName ?? '')}, will try to kill it`);
      await event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${String(p.metadata?.name)}`);
    }));
    if (errors.length) throw errors[0];
  };

  return {
    name: 'daemonset', queue, informers: [sets, pods, nodes, revisions], workers: 2,
    async reconcile(key) {
      const ds = sets.cache.get(key);
      if (!ds) { expectations.forget(key); return; }
      if (ds.metadata?.deletionTimestamp || !selectorOf(ds)) return;
      const ns = String(ds.metadata?.namespace);
      const nodeList = nodes.cache.list();
      const claim = { client: ctx.client, owner: ds, ownerApiVersion: 'apps/v1', ownerKind: 'DaemonSet', match: (o: JsonObject) => selects(ds, o), recheck: recheckOwner(ctx.client, RESOURCES.daemonsets, ds) };
      const podClaim = await claimObjects({ ...claim, resource: RESOURCES.pods }, pods.cache.byNamespace(ns));
      if (podClaim.error) throw podClaim.error;
      const owned = podClaim.claimed;
      const revClaim = await claimObjects({ ...claim, resource: RESOURCES.controllerrevisions }, revisions.cache.byNamespace(ns));
      if (revClaim.error) throw revClaim.error;
      const revs = ownedRevisions(revClaim.claimed, ds);
      const { current, hash, old, collisionCount } = await constructHistory(ctx.client, ds, revs);
      let requeue: number | undefined;
      if (expectations.satisfied(key)) {
        const now = ctx.clock.now();
        let plan = planManage(ds, nodeList, owned, hash, backoff);
        requeue = plan.requeueAfterMs;
        const rolling = (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
        if (!plan.create.length && !plan.delete.length && rolling) plan = planRollingUpdate(ds, nodeList, owned, hash, now);
        await syncNodes(ds, key, plan, hash);
        const liveHashes = new Set(owned.map((p) => String(p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '')));
        const live = new Set([String(current.metadata?.name), ...old.filter((r) => liveHashes.has(String(r.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]))).map((r) => String(r.metadata?.name))]);
        const limit = typeof ds.spec?.revisionHistoryLimit === 'number' ? ds.spec.revisionHistoryLimit : DEFAULT_REVISION_HISTORY_LIMIT;
        await truncateHistory(ctx.client, old, live, limit);
      }
      const { status, waitMs } = computeDaemonSetStatus(ds, nodeList, owned, hash, ctx.clock.now());
      await writeStatus(ctx.client, RESOURCES.daemonsets, ds, { ...status, ...(collisionCount ? { collisionCount } : {}) });
      const after = [requeue, waitMs].filter((x): x is number => x !== undefined);
      return after.length ? { requeueAfterMs: Math.min(...after) } : undefined;
    },
  };
}
