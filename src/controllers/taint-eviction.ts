/**
 * @module controllers/taint-eviction — NoExecute taints evict pods (kube-controller-manager's
 * taint-eviction-controller): a pod bound to a node with a NoExecute taint it does not tolerate is
 * deleted at once; one that tolerates every such taint for a limited `tolerationSeconds` is deleted
 * that long after the taint's timeAdded; one tolerating them without a limit stays. Each deletion
 * is announced with an Event (reason TaintManagerEviction). Key: the pod's `namespace/name`.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { objectKey, objectOf, RESOURCES, splitKey, WorkQueue } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { BY_NODE, recordEvent } from './node-lifecycle.ts';

/** TAINT_EVICTION_COMPONENT is the Event source of this controller. */
export const TAINT_EVICTION_COMPONENT = 'taint-eviction-controller';

/** tolerates says whether one toleration matches one taint (upstream's ToleratesTaint). */
export function tolerates(tol: JsonObject, taint: JsonObject): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  const op = tol.operator ?? 'Equal';
  if (op === 'Exists') return true;
  return op === 'Equal' && String(tol.value ?? '') === String(taint.value ?? '');
}

/** evictionTime says when a pod must go because of NoExecute taints: 'now', an epoch-ms deadline,
 * or 'never' (no NoExecute taint, or every one tolerated without a limit). `firstSeenMs` stands in
 * for a taint without timeAdded. */
export function evictionTime(pod: JsonObject, taints: readonly JsonObject[], firstSeenMs: number): 'now' | 'never' | number {
  const tols: JsonObject[] = Array.isArray(pod.spec?.tolerations) ? pod.spec.tolerations : [];
  let deadline = Infinity;
  for (const t of taints) {
    if (t.effect !== 'NoExecute') continue;
    const used = tols.filter((tol) => tolerates(tol, t));
    if (used.length === 0) return 'now';
    const limited = used.filter((tol) => typeof tol.tolerationSeconds === 'number').map((tol) => tol.tolerationSeconds as number);
    if (limited.length === 0) continue;
    const secs = Math.min(...limited);
    if (secs <= 0) return 'now';
    const added = Date.parse(String(t.timeAdded ?? ''));
    deadline = Math.min(deadline, (Number.isFinite(added) ? added : firstSeenMs) + secs * 1000);
  }
  return deadline === Infinity ? 'never' : deadline;
}

/** newTaintEvictionController watches pods and nodes and deletes pods that may not stay. */
export function newTaintEvictionController(ctx: ControllerContext): Controller {
  const pods = ctx.factory.forResource(RESOURCES.pods);
  const nodes = ctx.factory.forResource(RESOURCES.nodes);
  pods.cache.addIndexer(BY_NODE, (p) => (p.spec?.nodeName ? [String(p.spec.nodeName)] : []));
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'taint-eviction' });
  const firstSeen = new Map<string, number>();
  const noExecute = (n: JsonObject | undefined): string => JSON.stringify(((n?.spec?.taints ?? []) as JsonObject[]).filter((t) => t.effect === 'NoExecute'));
  pods.addEventHandler({
    add: (p) => { if (p.spec?.nodeName) queue.add(objectKey(p)); },
    update: (o, p) => { if (p.spec?.nodeName && (o.spec?.nodeName !== p.spec.nodeName || JSON.stringify(o.spec?.tolerations) !== JSON.stringify(p.spec?.tolerations))) queue.add(objectKey(p)); },
    delete: (x) => { firstSeen.delete(objectKey(objectOf(x))); },
  });
  const enqueueNode = (n: JsonObject): void => { for (const p of pods.cache.byIndex(BY_NODE, String(n.metadata?.name))) queue.add(objectKey(p)); };
  nodes.addEventHandler({
    add: enqueueNode,
    update: (o, n) => { if (noExecute(o) !== noExecute(n)) enqueueNode(n); },
  });
  return {
    name: 'taint-eviction', queue, informers: [pods, nodes], workers: 2,
    started() { for (const p of pods.cache.list()) if (p.spec?.nodeName) queue.add(objectKey(p)); },
    async reconcile(key) {
      const pod = pods.cache.get(key);
      if (!pod || pod.metadata?.deletionTimestamp || !pod.spec?.nodeName) { firstSeen.delete(key); return undefined; }
      const node = nodes.cache.get(String(pod.spec.nodeName));
      const taints: JsonObject[] = Array.isArray(node?.spec?.taints) ? node.spec.taints : [];
      const now = ctx.clock.now();
      if (!taints.some((t) => t.effect === 'NoExecute')) { firstSeen.delete(key); return undefined; }
      if (!firstSeen.has(key)) firstSeen.set(key, now);
      const when = evictionTime(pod, taints, firstSeen.get(key) as number);
      if (when === 'never') return undefined;
      if (when !== 'now' && when > now) return { requeueAfterMs: when - now };
      const { namespace, name } = splitKey(key);
      await recordEvent(ctx.client, ctx.clock, pod, 'Pod', 'v1', 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`, TAINT_EVICTION_COMPONENT);
      try {
        await ctx.client.delete(RESOURCES.pods, namespace, name, { preconditions: { uid: String(pod.metadata?.uid ?? '') } });
      } catch (e) {
        if (!isStatusError(e, 404) && !isStatusError(e, 409)) throw e;
      }
      firstSeen.delete(key);
      return undefined;
    },
  };
}
