/**
 * @module controllers/node-lifecycle — node health from heartbeats (kube-controller-manager's
 * node-lifecycle-controller, monitorNodeHealth): a node whose Lease in kube-node-lease and whose
 * Ready condition heartbeat have both not moved for `gracePeriodMs` (measured on this controller's
 * clock, from when it saw them change) gets Ready, MemoryPressure, DiskPressure and PIDPressure set
 * to Unknown ("Kubelet stopped posting node status.") and its pods marked Ready=False; nodes whose
 * Ready is Unknown carry the `node.kubernetes.io/unreachable` taints, Ready=False nodes the
 * `node.kubernetes.io/not-ready` taints (NoExecute and NoSchedule), removed once Ready again; a
 * True MemoryPressure/DiskPressure/PIDPressure/NetworkUnavailable condition and a cordon
 * (spec.unschedulable) get their NoSchedule taints (upstream's TaintNodesByCondition).
 * Key: the node name. Also exports the Event helper the node controllers share.
 */
import { randomBytes } from 'node:crypto';
import { isStatusError, rfc3339, type JsonObject } from '../api/index.ts';
import { objectOf, RESOURCES, WorkQueue, type ApiClient, type Clock } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';

/** NOT_READY_TAINT and UNREACHABLE_TAINT are the taint keys of unhealthy nodes. */
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
/** NODE_LEASE_NAMESPACE holds one Lease per node, renewed by its kubelet. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** DEFAULT_NODE_GRACE_MS is upstream's node-monitor-grace-period (40 s). */
export const DEFAULT_NODE_GRACE_MS = 40_000;
/** NODE_CONDITIONS are the conditions set to Unknown when the kubelet stops posting. */
export const NODE_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;
/** BY_NODE is the pod index by spec.nodeName the node controllers use. */
export const BY_NODE = 'byNode';

/** NodeLifecycleOptions: how long heartbeats may stop before a node is unhealthy. */
export interface NodeLifecycleOptions {
  /** gracePeriodMs: node-monitor-grace-period (default 40 s). */
  readonly gracePeriodMs?: number;
}

/** rfc3339 is api's (epoch milliseconds as a Kubernetes timestamp, seconds precision). */
export { rfc3339 };

/** recordEvent writes a core/v1 Event about `obj` (best effort: failures are ignored, as client-go's recorder does). */
export async function recordEvent(client: ApiClient, clock: Clock, obj: JsonObject, kind: string, apiVersion: string, type: 'Normal' | 'Warning', reason: string, message: string, component: string): Promise<void> {
  const name = String(obj.metadata?.name ?? '');
  const ns = String(obj.metadata?.namespace ?? '') || 'default';
  const now = rfc3339(clock.now());
  const ev: JsonObject = {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name: `${name}.${clock.now().toString(16)}${randomBytes(3).toString('hex')}`, namespace: ns },
    involvedObject: { kind, apiVersion, name, ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}), ...(obj.metadata?.uid ? { uid: obj.metadata.uid } : {}) },
    reason, message, type, count: 1, firstTimestamp: now, lastTimestamp: now, source: { component }, reportingComponent: component, reportingInstance: '',
  };
  try { await client.create(RESOURCES.events, ns, ev); } catch { /* events are best effort */ }
}

/** condition returns a node's or pod's status condition of `type`. */
export function condition(obj: JsonObject | undefined, type: string): JsonObject | undefined {
  const cs = obj?.status?.conditions;
  return Array.isArray(cs) ? (cs as JsonObject[]).find((c) => c?.type === type) : undefined;
}

/** CONDITION_TAINTS map a node condition that is True to its NoSchedule taint (TaintNodesByCondition). */
export const CONDITION_TAINTS: Readonly<Record<string, string>> = {
  MemoryPressure: 'node.kubernetes.io/memory-pressure',
  DiskPressure: 'node.kubernetes.io/disk-pressure',
  PIDPressure: 'node.kubernetes.io/pid-pressure',
  NetworkUnavailable: 'node.kubernetes.io/network-unavailable',
};
/** UNSCHEDULABLE_TAINT marks a cordoned node (spec.unschedulable). */
export const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';
const MANAGED_KEYS = new Set([NOT_READY_TAINT, UNREACHABLE_TAINT, UNSCHEDULABLE_TAINT, ...Object.values(CONDITION_TAINTS)]);

/** taintsFor returns the lifecycle taints a node with this Ready status should carry (NoExecute first). */
export function taintsFor(ready: string | undefined): { key: string; effect: 'NoExecute' | 'NoSchedule' }[] {
  const key = ready === 'Unknown' ? UNREACHABLE_TAINT : ready === 'False' ? NOT_READY_TAINT : undefined;
  return key ? [{ key, effect: 'NoExecute' }, { key, effect: 'NoSchedule' }] : [];
}

/** desiredTaints returns every taint this controller manages that `node` should carry: the Ready
 * ones, a NoSchedule taint per pressure/network condition that is True, and the cordon taint. */
export function desiredTaints(node: JsonObject): { key: string; effect: 'NoExecute' | 'NoSchedule' }[] {
  const out = taintsFor(condition(node, 'Ready')?.status as string | undefined);
  for (const [type, key] of Object.entries(CONDITION_TAINTS)) if (condition(node, type)?.status === 'True') out.push({ key, effect: 'NoSchedule' });
  if (node.spec?.unschedulable === true) out.push({ key: UNSCHEDULABLE_TAINT, effect: 'NoSchedule' });
  return out;
}

/** withLifecycleTaints returns the node's taints with the managed ones replaced by `want` (undefined: no change). */
export function withLifecycleTaints(taints: readonly JsonObject[], want: readonly { key: string; effect: string }[], now: number): JsonObject[] | undefined {
  const isLifecycle = (t: JsonObject): boolean => MANAGED_KEYS.has(String(t.key));
  const have = taints.filter(isLifecycle);
  const same = have.length === want.length && want.every((w) => have.some((t) => t.key === w.key && t.effect === w.effect));
  if (same) return undefined;
  const kept = taints.filter((t) => !isLifecycle(t) || want.some((w) => w.key === t.key && w.effect === t.effect));
  for (const w of want) {
    if (kept.some((t) => t.key === w.key && t.effect === w.effect)) continue;
    kept.push({ key: w.key, effect: w.effect, ...(w.effect === 'NoExecute' ? { timeAdded: rfc3339(now) } : {}) });
  }
  return kept;
}

/** unknownConditions returns the node's conditions with NODE_CONDITIONS set to Unknown (undefined: already so). */
export function unknownConditions(node: JsonObject, now: number): JsonObject[] | undefined {
  const conds: JsonObject[] = Array.isArray(node.status?.conditions) ? structuredClone(node.status.conditions) : [];
  let changed = false;
  for (const type of NODE_CONDITIONS) {
    const c = conds.find((x) => x.type === type);
    if (!c) {
      conds.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp ?? rfc3339(now), lastTransitionTime: rfc3339(now) });
      changed = true;
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: rfc3339(now) });
      changed = true;
    }
  }
  return changed ? conds : undefined;
}

interface Health { lease: string; heartbeat: string; probeAt: number }

/** newNodeLifecycleController watches nodes, their Leases and their pods. */
export function newNodeLifecycleController(ctx: ControllerContext, opts: NodeLifecycleOptions = {}): Controller {
  const grace = opts.gracePeriodMs ?? DEFAULT_NODE_GRACE_MS;
  const nodes = ctx.factory.forResource(RESOURCES.nodes);
  // All namespaces, as upstream's shared informer: the garbage collector watches every Lease anyway,
  // so this is the same watch and cache (one parse per renewal, not two); others are ignored below.
  const leases = ctx.factory.forResource(RESOURCES.leases);
  const pods = ctx.factory.forResource(RESOURCES.pods);
  pods.cache.addIndexer(BY_NODE, (p) => (p.spec?.nodeName ? [String(p.spec.nodeName)] : []));
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'node-lifecycle' });
  const health = new Map<string, Health>();
  nodes.addEventHandler({
    add: (n) => queue.add(String(n.metadata?.name)),
    update: (_o, n) => queue.add(String(n.metadata?.name)),
    delete: (x) => { const n = String(objectOf(x).metadata?.name); health.delete(n); },
  });
  const nodeLease = (l: JsonObject): void => { if (l.metadata?.namespace === NODE_LEASE_NAMESPACE) queue.add(String(l.metadata.name)); };
  leases.addEventHandler({ add: nodeLease, update: (_o, l) => nodeLease(l) });

  async function markPodsNotReady(node: string): Promise<void> {
    for (const pod of pods.cache.byIndex(BY_NODE, node)) {
      const ready = condition(pod, 'Ready');
      if (!ready || ready.status === 'False' || pod.metadata?.deletionTimestamp) continue;
      // A strategic merge on the conditions (merge key `type`) touches Ready only, at any version.
      const patch = { status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: rfc3339(ctx.clock.now()) }] } };
      try {
        await ctx.client.patch(RESOURCES.pods, String(pod.metadata?.namespace), String(pod.metadata?.name), 'strategic', patch, { subresource: 'status' });
      } catch (e) {
        if (!isStatusError(e, 404)) throw e;
      }
    }
  }

  return {
    name: 'node-lifecycle', queue, informers: [nodes, leases, pods],
    started() { for (const k of nodes.cache.keys()) queue.add(k); },
    async reconcile(name) {
      const cached = nodes.cache.get(name);
      if (!cached) { health.delete(name); return; }
      const now = ctx.clock.now();
      const lease = String(leases.cache.get(`${NODE_LEASE_NAMESPACE}/${name}`)?.spec?.renewTime ?? '');
      const heartbeat = String(condition(cached, 'Ready')?.lastHeartbeatTime ?? '');
      let h = health.get(name);
      if (!h) { h = { lease, heartbeat, probeAt: now }; health.set(name, h); }
      if (h.lease !== lease || h.heartbeat !== heartbeat) { h.lease = lease; h.heartbeat = heartbeat; h.probeAt = now; }
      let node = cached;
      const deadline = h.probeAt + grace;
      if (now > deadline) {
        const conds = unknownConditions(node, now);
        if (conds) {
          const next = structuredClone(node);
          next.status = { ...(next.status ?? {}), conditions: conds };
          node = await ctx.client.updateStatus<JsonObject>(RESOURCES.nodes, '', next);
          // The status write moved no heartbeat; remember its own view so it is not a probe.
          h.heartbeat = String(condition(node, 'Ready')?.lastHeartbeatTime ?? '');
        }
      }
      const ready = condition(node, 'Ready')?.status as string | undefined;
      const taints = withLifecycleTaints(Array.isArray(node.spec?.taints) ? node.spec.taints : [], desiredTaints(node), now);
      if (taints) {
        const next = structuredClone(node);
        next.spec = { ...(next.spec ?? {}) };
        if (taints.length > 0) next.spec.taints = taints; else delete next.spec.taints;
        node = await ctx.client.update<JsonObject>(RESOURCES.nodes, '', next);
      }
      if (ready !== 'True') await markPodsNotReady(name);
      // Look again when the heartbeats would be late.
      if (now <= deadline) return { requeueAfterMs: deadline - now + 1 };
      return undefined;
    },
  };
}
