/**
 * @module controllers/disruption — kube-controller-manager's disruption controller: the status of
 * PodDisruptionBudgets. Key: `namespace/name` of a PDB.
 *
 * A PDB selects pods of its namespace (a nil selector none, an empty one all). minAvailable as a
 * number needs no scale: expectedPods is the number of selected pods. Otherwise expectedPods is the
 * sum of spec.replicas of the pods' controllers (ReplicaSet — or the Deployment controlling it —,
 * StatefulSet, ReplicationController), and desiredHealthy follows from the percentage or
 * maxUnavailable. currentHealthy counts Ready pods not being deleted and not recorded in
 * status.disruptedPods; disruptionsAllowed = max(0, currentHealthy - desiredHealthy). Entries of
 * disruptedPods go when their pod is gone or being deleted, or after two minutes. When the scale
 * cannot be found the PDB fails safe: no disruptions allowed, reason SyncFailed.
 */
import { labelSelectorFromMeta, matchesLabels, type JsonObject } from '../api/index.ts';
import { objectKey, objectOf, RESOURCES, WorkQueue, type Informer } from '../client/index.ts';
import type { Controller, ControllerContext, ReconcileResult } from './controller.ts';
import { WrittenCache } from './job-util.ts';
import { controllerRefOf, isPodReady, setCondition, stableJson, type Condition } from './workload.ts';

/** DELETION_TIMEOUT_MS is how long a pod stays in disruptedPods waiting for its deletion (upstream: 2 min). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

/** IntOrPercent is a PDB's minAvailable / maxUnavailable. */
export type IntOrPercent = number | string;

/** scaledValue resolves an int-or-percent against `total` (percentages round up, as upstream's GetScaledValueFromIntOrPercent with roundUp). */
export function scaledValue(v: IntOrPercent, total: number): number | undefined {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

/** pdbSelects says whether a PDB's selector matches a pod's labels (nil: none, empty: every pod). */
export function pdbSelects(pdb: JsonObject, pod: JsonObject): boolean {
  if (pdb.metadata?.namespace !== pod.metadata?.namespace) return false;
  const sel = pdb.spec?.selector;
  if (sel === undefined || sel === null) return false;
  const r = labelSelectorFromMeta(sel as Record<string, unknown>);
  return r.ok && matchesLabels(r.selector, pod.metadata?.labels as Record<string, string> | undefined);
}

/** newDisruptionController wires PDB, pod and workload informers to the PDB status reconcile. */
export function newDisruptionController(ctx: ControllerContext): Controller {
  const { client, clock } = ctx;
  const pdbs = ctx.factory.forResource(RESOURCES.poddisruptionbudgets);
  const pods = ctx.factory.forResource(RESOURCES.pods);
  const owners: Record<string, Informer<JsonObject>> = {
    ReplicaSet: ctx.factory.forResource(RESOURCES.replicasets),
    Deployment: ctx.factory.forResource(RESOURCES.deployments),
    StatefulSet: ctx.factory.forResource(RESOURCES.statefulsets),
    ReplicationController: ctx.factory.forResource(RESOURCES.replicationcontrollers),
  };
  const queue = new WorkQueue<string>({ clock, name: 'disruption' });
  const written = new WrittenCache();
  pdbs.addEventHandler({ add: (p) => queue.add(objectKey(p)), update: (_o, p) => queue.add(objectKey(p)), delete: (x) => written.forget(objectKey(objectOf(x))) });
  const onPod = (pod: JsonObject): void => { for (const p of pdbs.cache.byNamespace(String(pod.metadata?.namespace))) if (pdbSelects(p, pod)) queue.add(objectKey(p)); };
  pods.addEventHandler({ add: onPod, update: (o, p) => { onPod(p); if (stableJson(o.metadata?.labels) !== stableJson(p.metadata?.labels)) onPod(o); }, delete: (x) => onPod(objectOf(x)) });
  const onOwner = (o: JsonObject): void => { for (const p of pdbs.cache.byNamespace(String(o.metadata?.namespace))) queue.add(objectKey(p)); };
  for (const inf of Object.values(owners)) inf.addEventHandler({ add: onOwner, update: (a, b) => { if (a.spec?.replicas !== b.spec?.replicas) onOwner(b); }, delete: (x) => onOwner(objectOf(x)) });

  /** expectedScale sums the replicas of the selected pods' distinct controllers; an error text when a pod has none we can scale. */
  const expectedScale = (ns: string, selected: JsonObject[]): number | string => {
    const seen = new Map<string, number>();
    for (const pod of selected) {
      const ref = controllerRefOf(pod);
      if (!ref) return `found no controller ref for pod "${pod.metadata?.name}"`;
      let owner = owners[ref.kind]?.cache.get(`${ns}/${ref.name}`);
      if (!owner || owner.metadata?.uid !== ref.uid) return `found no controllers for pod "${pod.metadata?.name}"`;
      if (ref.kind === 'ReplicaSet') {
        const dref = controllerRefOf(owner);
        const dep = dref?.kind === 'Deployment' ? owners.Deployment.cache.get(`${ns}/${dref.name}`) : undefined;
        if (dep && dep.metadata?.uid === dref?.uid) owner = dep;
      }
      seen.set(String(owner.metadata?.uid), Number(owner.spec?.replicas ?? 1));
    }
    let n = 0;
    for (const v of seen.values()) n += v;
    return n;
  };

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const pdb = written.freshest(key, pdbs.cache.get(key));
    if (!pdb) return;
    const ns = String(pdb.metadata?.namespace);
    const now = clock.now();
    const nowIso = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
    const selected = pods.cache.byNamespace(ns).filter((p) => pdbSelects(pdb, p));
    const status: JsonObject = structuredClone(pdb.status ?? {});
    const spec = pdb.spec ?? {};

    // disruptedPods: drop entries whose pod is gone or being deleted, or that waited past the timeout.
    const byName = new Map(selected.map((p) => [String(p.metadata?.name), p]));
    const disrupted: Record<string, string> = {};
    let recheck: number | undefined;
    for (const [name, at] of Object.entries((status.disruptedPods ?? {}) as Record<string, string>)) {
      const pod = byName.get(name);
      if (!pod || pod.metadata?.deletionTimestamp) continue;
      const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
      if (!(expires > now)) continue;
      disrupted[name] = at;
      recheck = recheck === undefined ? expires - now : Math.min(recheck, expires - now);
    }

    let expected: number | string;
    let desired: number | string;
    if (typeof spec.minAvailable === 'number' || (typeof spec.minAvailable === 'string' && /^\d+$/.test(spec.minAvailable) && spec.maxUnavailable === undefined)) {
      expected = selected.length;
      desired = Number(spec.minAvailable);
    } else {
      expected = expectedScale(ns, selected);
      if (typeof expected === 'number') {
        const total = expected;
        if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
          const mu = scaledValue(spec.maxUnavailable as IntOrPercent, total);
          desired = mu === undefined ? `invalid maxUnavailable ${spec.maxUnavailable}` : Math.max(0, total - mu);
        } else if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
          const ma = scaledValue(spec.minAvailable as IntOrPercent, total);
          desired = ma === undefined ? `invalid minAvailable ${spec.minAvailable}` : ma;
        } else desired = 'no minAvailable or maxUnavailable';
      } else desired = expected;
    }
    const healthy = selected.filter((p) => !p.metadata?.deletionTimestamp && !(String(p.metadata?.name) in disrupted) && isPodReady(p)).length;
    let conditions = (status.conditions ?? []) as Condition[];
    if (typeof expected === 'string' || typeof desired === 'string') {
      // Fail safe: the budget cannot be computed, so nothing may be disrupted.
      conditions = setCondition(conditions, { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: String(typeof expected === 'string' ? expected : desired) }, nowIso);
      status.disruptionsAllowed = 0;
    } else {
      const allowed = expected <= 0 ? 0 : Math.max(0, healthy - desired);
      status.expectedPods = expected;
      status.desiredHealthy = desired;
      status.disruptionsAllowed = allowed;
      conditions = setCondition(conditions, allowed > 0
        ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '' }
        : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '' }, nowIso);
    }
    status.currentHealthy = healthy;
    status.expectedPods ??= 0;
    status.desiredHealthy ??= 0;
    if (Object.keys(disrupted).length) status.disruptedPods = disrupted; else delete status.disruptedPods;
    status.conditions = conditions;
    if (pdb.metadata?.generation !== undefined) status.observedGeneration = pdb.metadata.generation;
    if (stableJson(status) !== stableJson(pdb.status ?? {})) {
      written.remember(key, await client.updateStatus(RESOURCES.poddisruptionbudgets, ns, { ...pdb, status }));
    }
    return recheck === undefined ? undefined : { requeueAfterMs: recheck };
  }

  return { name: 'disruption', queue, informers: [pdbs, pods, ...Object.values(owners)], workers: 2, reconcile };
}
