/**
 * @module apiserver/pdb-eviction — the `pods/eviction` subresource honouring PodDisruptionBudgets,
 * as upstream's EvictionREST: pods that are Pending, finished or already terminating are deleted
 * without checks; otherwise the one PDB selecting the pod must allow a disruption, which is taken
 * (disruptionsAllowed decremented, the pod recorded in status.disruptedPods) in an optimistic-
 * concurrency update of the PDB's status before the pod is deleted. A blocked eviction is a 429
 * TooManyRequests with a DisruptionBudget cause, which `kubectl drain` retries.
 */
import {
  StatusError, badRequest, forbidden, isStatusError, labelSelectorFromMeta, matchesLabels, notFound,
  type JsonObject, type KindInfo,
} from '../api/index.ts';
import type { AdmissionUser } from './admission/types.ts';
import { EVERYTHING } from './registry/predicate.ts';
import { rfc3339 } from './registry/prepare.ts';
import type { DeleteOptions, ResourceRegistry } from './registry/resource-store.ts';

/** MAX_DISRUPTED_PODS is upstream's cap on status.disruptedPods before evictions are refused. */
export const MAX_DISRUPTED_PODS = 2000;
/** EVICTION_BLOCKED is the message of a 429 for a budget that allows no disruption. */
export const EVICTION_BLOCKED = "Cannot evict pod as it would violate the pod's disruption budget.";
/** MULTIPLE_PDBS is upstream's message when several budgets select the pod. */
export const MULTIPLE_PDBS = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

const SUCCESS: JsonObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
const RETRIES = 8;

function tooMany(cause: string, retryAfterSeconds?: number): StatusError {
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: EVICTION_BLOCKED, reason: 'TooManyRequests', code: 429,
    details: { causes: [{ reason: 'DisruptionBudget', message: cause }], ...(retryAfterSeconds ? { retryAfterSeconds } : {}) },
  });
}

function stillProcessing(pdb: string): StatusError {
  return tooMany(`The disruption budget ${pdb} is still being processed by the server.`, 10);
}

function isReady(pod: JsonObject): boolean {
  const cs = pod.status?.conditions;
  return Array.isArray(cs) && cs.some((c: JsonObject) => c?.type === 'Ready' && c.status === 'True');
}

/** canIgnoreBudgets: Pending, Succeeded and Failed pods, and terminating ones, are evicted without checks. */
export function canIgnoreBudgets(pod: JsonObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Pending' || phase === 'Succeeded' || phase === 'Failed' || !!pod.metadata?.deletionTimestamp;
}

/** budgetsFor returns the PDBs of the pod's namespace whose (non-empty, valid) selector matches it. */
export function budgetsFor(pod: JsonObject, pdbs: readonly JsonObject[]): JsonObject[] {
  return pdbs.filter((pdb) => {
    const sel = pdb.spec?.selector;
    if (!sel || typeof sel !== 'object') return false;
    const r = labelSelectorFromMeta(sel as Record<string, unknown>);
    if (!r.ok || r.selector.requirements.length === 0) return false;
    return matchesLabels(r.selector, pod.metadata?.labels as Record<string, string> | undefined);
  });
}

/** takeDisruption is the PDB status mutation: refuse (429/403) or decrement and record the pod. */
export function takeDisruption(pdb: JsonObject, podName: string, now: number): JsonObject {
  const name = String(pdb.metadata?.name);
  const st: JsonObject = (pdb.status ??= {});
  if (Number(st.observedGeneration ?? 0) < Number(pdb.metadata?.generation ?? 0)) throw stillProcessing(name);
  const allowed = Number(st.disruptionsAllowed ?? 0);
  const deny = (why: string): StatusError => forbidden(`poddisruptionbudget.policy "${name}" is forbidden: ${why}`, { name, group: 'policy', kind: 'poddisruptionbudget' });
  if (allowed < 0) throw deny('pdb disruptions allowed is negative');
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) throw deny('DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (allowed === 0) {
    throw tooMany(`The disruption budget ${name} needs ${Number(st.desiredHealthy ?? 0)} healthy pods and has ${Number(st.currentHealthy ?? 0)} currently`);
  }
  st.disruptionsAllowed = allowed - 1;
  if (st.disruptionsAllowed === 0) {
    const conds: JsonObject[] = Array.isArray(st.conditions) ? st.conditions : [];
    const prev = conds.find((c) => c.type === 'DisruptionAllowed');
    const next = { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: st.observedGeneration,
      lastTransitionTime: prev && prev.status === 'False' ? prev.lastTransitionTime : rfc3339(now) };
    st.conditions = [...conds.filter((c) => c.type !== 'DisruptionAllowed'), next];
  }
  st.disruptedPods = { ...(st.disruptedPods ?? {}), [podName]: rfc3339(now) };
  return pdb;
}

/** evictWithBudgets performs an eviction; returns the Status to send (201 Success, or upstream's
 * 500 Failure when several budgets select the pod) and throws StatusErrors (404, 409, 429, 403). */
export async function evictWithBudgets(registry: ResourceRegistry, pods: KindInfo, ns: string, name: string, eviction: JsonObject, dryRunQuery: boolean, user?: AdmissionUser): Promise<JsonObject> {
  if (eviction.metadata?.name && eviction.metadata.name !== name) throw badRequest(`the name of the object (${String(eviction.metadata.name)}) does not match the name on the URL (${name})`);
  const o = (eviction.deleteOptions ?? {}) as JsonObject;
  const dryRun = dryRunQuery || (Array.isArray(o.dryRun) && o.dryRun.includes('All'));
  const base: DeleteOptions = { gracePeriodSeconds: o.gracePeriodSeconds, propagationPolicy: o.propagationPolicy, preconditions: o.preconditions };
  const rvGiven = !!o.preconditions?.resourceVersion;
  const del = (options: DeleteOptions): Promise<unknown> => registry.delete(pods, ns, name, options, { dryRun, user, subresource: 'eviction' });
  const withRv = (pod: JsonObject): DeleteOptions => rvGiven ? base : { ...base, preconditions: { ...(base.preconditions ?? {}), resourceVersion: String(pod.metadata?.resourceVersion) } };
  const getPod = async (): Promise<JsonObject> => {
    try {
      return await registry.get(pods, ns, name);
    } catch (e) {
      if (isStatusError(e, 404)) throw notFound('pods', '', name);
      throw e;
    }
  };

  let pod = await getPod();
  for (let attempt = 0; canIgnoreBudgets(pod); attempt++) {
    // Pending pods are deleted at the version read, so one that turned Running meanwhile is checked.
    const enforce = !pod.metadata?.deletionTimestamp && pod.status?.phase === 'Pending';
    try {
      await del(enforce ? withRv(pod) : base);
      return SUCCESS;
    } catch (e) {
      if (!isStatusError(e, 409) || rvGiven || attempt >= RETRIES) throw e;
    }
    pod = await getPod();
  }

  const pdbKind = registry.r.catalog.lookup('policy', 'v1', 'poddisruptionbudgets');
  const all = pdbKind ? (await registry.list(pdbKind, ns, { predicate: EVERYTHING, limit: 0, continueToken: '', resourceVersion: '', resourceVersionMatch: '' })).items : [];
  const pdbs = budgetsFor(pod, all);
  if (pdbs.length > 1) return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: MULTIPLE_PDBS, code: 500 };
  if (pdbs.length === 0 || !pdbKind) {
    await del(base);
    return SUCCESS;
  }
  const pdb = pdbs[0];
  const pdbName = String(pdb.metadata?.name);
  if (!isReady(pod)) {
    const st = pdb.status ?? {};
    const always = pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow';
    if (always || (Number(st.currentHealthy ?? 0) >= Number(st.desiredHealthy ?? 0) && Number(st.desiredHealthy ?? 0) > 0)) {
      // An unready pod does not count as healthy: delete it without taking a disruption, at the
      // version read, so a pod that became ready meanwhile is not evicted unchecked.
      try {
        await del(withRv(pod));
      } catch (e) {
        if (isStatusError(e, 409) && !rvGiven) throw stillProcessing(pdbName);
        throw e;
      }
      return SUCCESS;
    }
  }
  await registry.update(pdbKind, ns, pdbName, (cur) => {
    const next = takeDisruption(cur, name, registry.r.now());
    delete next.metadata.resourceVersion;
    return next;
  }, { dryRun, fieldManager: 'eviction', fieldValidation: 'Ignore' }, 'status');
  await del(base);
  return SUCCESS;
}
