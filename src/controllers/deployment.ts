/**
 * @module controllers/deployment — kube-controller-manager's Deployment controller. Key: the
 * Deployment's `namespace/name`.
 *
 * A Deployment owns ReplicaSets named `<deployment>-<pod-template-hash>`; the one whose template
 * equals the Deployment's (ignoring the hash label) is the *new* ReplicaSet, the others are old.
 * A sync claims the ReplicaSets of its namespace (adopting matching orphans, releasing owned ones
 * that stopped matching), then runs deployment-sync.ts: pause conditions, proportional scaling on
 * a replicas change, RollingUpdate (maxSurge / maxUnavailable) or Recreate, history cleanup beyond
 * revisionHistoryLimit, and status with Available / Progressing conditions that `kubectl rollout
 * status` reads. `kubectl rollout undo` works client-side through the revision annotations kept
 * here. Events (ScalingReplicaSet, …) come from `deployment-controller`.
 */
import { matchesLabels, type JsonObject } from '../api/index.ts';
import { objectKey, objectOf, RESOURCES, WorkQueue } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { claimObjects, recheckOwner } from './deployment-claim.ts';
import { EventRecorder } from './deployment-events.ts';
import { DeploymentSync } from './deployment-sync.ts';
import { num, OwnWrites } from './deployment-util.ts';
import { controllerRefOf, selectorOf, selects } from './workload.ts';

/** DEPLOYMENT_CONTROLLER is the component name in the Events the controller records. */
export const DEPLOYMENT_CONTROLLER = 'deployment-controller';

/** newDeploymentController wires deployment, replicaset and pod informers to the Deployment sync (4 workers). */
export function newDeploymentController(ctx: ControllerContext): Controller {
  const deployments = ctx.factory.forResource(RESOURCES.deployments);
  const sets = ctx.factory.forResource(RESOURCES.replicasets);
  const pods = ctx.factory.forResource(RESOURCES.pods);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'deployment' });
  const events = new EventRecorder(ctx.client, ctx.clock, ctx.log, DEPLOYMENT_CONTROLLER);
  const writes = new OwnWrites();

  /** ownerKey resolves a ReplicaSet's controller reference to a cached Deployment key; '' when it points elsewhere, undefined for orphans. */
  const ownerKey = (rs: JsonObject): string | undefined => {
    const ref = controllerRefOf(rs);
    if (!ref) return undefined;
    if (ref.kind !== 'Deployment') return '';
    const key = `${rs.metadata?.namespace}/${ref.name}`;
    return deployments.cache.get(key)?.metadata?.uid === ref.uid ? key : '';
  };
  const enqueueMatching = (rs: JsonObject): void => {
    for (const d of deployments.cache.byNamespace(String(rs.metadata?.namespace))) if (selects(d, rs)) queue.add(objectKey(d));
  };
  deployments.addEventHandler({
    add: (d) => queue.add(objectKey(d)),
    update: (_old, d) => queue.add(objectKey(d)),
    delete: (x) => { writes.forget(objectOf(x)); queue.add(objectKey(objectOf(x))); },
  });
  sets.addEventHandler({
    add: (rs) => {
      const key = ownerKey(rs);
      if (key === undefined) { if (!rs.metadata?.deletionTimestamp) enqueueMatching(rs); return; }
      if (key) queue.add(key);
    },
    update: (old, cur) => {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      const oldRef = controllerRefOf(old);
      const refChanged = oldRef?.uid !== controllerRefOf(cur)?.uid;
      if (refChanged && oldRef) { const k = ownerKey(old); if (k) queue.add(k); }
      const key = ownerKey(cur);
      if (key !== undefined) { if (key) queue.add(key); return; }
      const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
      if (labelsChanged || refChanged) enqueueMatching(cur);
    },
    delete: (x) => { writes.forget(objectOf(x)); const key = ownerKey(objectOf(x)); if (key) queue.add(key); },
  });
  // Recreate waits for the old pods to be gone: their deletion is the signal to look again.
  pods.addEventHandler({
    delete: (x) => {
      const pod = objectOf(x);
      const ref = controllerRefOf(pod);
      if (ref?.kind !== 'ReplicaSet') return;
      const rs = sets.cache.get(`${pod.metadata?.namespace}/${ref.name}`);
      if (!rs || rs.metadata?.uid !== ref.uid) return;
      const key = ownerKey(rs);
      if (key && deployments.cache.get(key)?.spec?.strategy?.type === 'Recreate') queue.add(key);
    },
  });

  return {
    name: 'deployment', queue, informers: [deployments, sets, pods], workers: 4,
    async reconcile(key) {
      const d = deployments.cache.get(key);
      // Not yet seeing our own last write: its informer event will bring the key back.
      if (!d || writes.stale(d)) return;
      const ns = String(d.metadata?.namespace);
      const selector = selectorOf(d);
      if (!selector || !selector.requirements.length) {
        await events.event(d, 'apps/v1', 'Deployment', 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
        if (num(d.status?.observedGeneration) < num(d.metadata?.generation)) {
          await ctx.client.updateStatus(RESOURCES.deployments, ns, { ...d, status: { ...(d.status ?? {}), observedGeneration: d.metadata?.generation } });
        }
        return;
      }
      const matches = (o: JsonObject): boolean => matchesLabels(selector, o.metadata?.labels as Record<string, string> | undefined);
      const claim = await claimObjects({
        client: ctx.client, resource: RESOURCES.replicasets, owner: d, ownerApiVersion: 'apps/v1', ownerKind: 'Deployment',
        match: matches, recheck: recheckOwner(ctx.client, RESOURCES.deployments, d),
      }, sets.cache.byNamespace(ns));
      if (claim.error !== undefined) throw claim.error;
      if (claim.claimed.some((rs) => writes.stale(rs))) return;
      const uids = new Set(claim.claimed.map((rs) => String(rs.metadata?.uid)));
      const podsByRs = new Map<string, JsonObject[]>();
      for (const p of pods.cache.byNamespace(ns)) {
        const uid = controllerRefOf(p)?.uid;
        if (!uid || !uids.has(uid) || !matches(p)) continue;
        const list = podsByRs.get(uid);
        if (list) list.push(p); else podsByRs.set(uid, [p]);
      }
      return new DeploymentSync(ctx, events, writes, d, claim.claimed, podsByRs).run();
    },
  };
}
