/**
 * @module controllers/workload — what the workload controllers (ReplicaSet, Deployment,
 * StatefulSet, DaemonSet, Job, …) share: controller references, pod state predicates, pods from
 * templates, label selectors of owners, conditions, a stable template hash, and client-go's
 * "expectations" that stop a controller acting again before its own writes show in the cache.
 */
import { createHash } from 'node:crypto';
import { labelSelectorFromMeta, matchesLabels, stableJson, type JsonObject, type LabelSelector } from '../api/index.ts';
import type { Clock } from '../client/index.ts';

/** OwnerReference is metadata.ownerReferences[i]. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** controllerRefOf returns the owner reference marked `controller: true`, if any. */
export function controllerRefOf(obj: JsonObject): OwnerReference | undefined {
  const refs = obj.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  return (refs as OwnerReference[]).find((r) => r.controller === true);
}

/** ownerReference builds a controller reference to `owner` (kind and apiVersion given, as informers' objects may lack them). */
export function ownerReference(owner: JsonObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: String(owner.metadata?.name), uid: String(owner.metadata?.uid), controller: true, blockOwnerDeletion: true };
}

/** isControlledBy says whether `obj`'s controller reference points at the object with uid `ownerUid`. */
export function isControlledBy(obj: JsonObject, ownerUid: string): boolean {
  return controllerRefOf(obj)?.uid === ownerUid;
}

/** isPodTerminal says whether a pod has finished (Succeeded or Failed). */
export function isPodTerminal(pod: JsonObject): boolean {
  const p = pod.status?.phase;
  return p === 'Succeeded' || p === 'Failed';
}

/** isPodActive says whether a pod counts toward replicas: not finished and not being deleted. */
export function isPodActive(pod: JsonObject): boolean {
  return !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp;
}

/** podCondition returns the status condition of `type`. */
export function podCondition(pod: JsonObject, type: string): JsonObject | undefined {
  const cs = pod.status?.conditions;
  return Array.isArray(cs) ? (cs as JsonObject[]).find((c) => c.type === type) : undefined;
}

/** isPodReady says whether the pod's Ready condition is True. */
export function isPodReady(pod: JsonObject): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** isPodAvailable says whether the pod has been Ready for at least `minReadySeconds` at `nowMs`. */
export function isPodAvailable(pod: JsonObject, minReadySeconds: number, nowMs: number): boolean {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = Date.parse(String(ready.lastTransitionTime ?? ''));
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** selectorOf parses `spec.selector` of an owner; undefined when it is missing or invalid (such owners select nothing). */
export function selectorOf(owner: JsonObject): LabelSelector | undefined {
  const sel = owner.spec?.selector;
  if (!sel || typeof sel !== 'object') return undefined;
  const r = labelSelectorFromMeta(sel as Record<string, unknown>);
  return r.ok ? r.selector : undefined;
}

/** selects says whether an owner's selector matches an object's labels (never for a missing/empty-invalid selector). */
export function selects(owner: JsonObject, obj: JsonObject): boolean {
  const sel = selectorOf(owner);
  return sel !== undefined && sel.requirements.length > 0 && matchesLabels(sel, obj.metadata?.labels as Record<string, string> | undefined);
}

/** PodFromTemplateOptions name the pod (exact or generateName) and add labels/annotations. */
export interface PodFromTemplateOptions {
  readonly name?: string;
  readonly generateName?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** podFromTemplate builds a Pod from a pod template, owned by `ref`, in the owner's namespace. */
export function podFromTemplate(template: JsonObject | undefined, namespace: string, ref: OwnerReference, opts: PodFromTemplateOptions): JsonObject {
  const t: JsonObject = structuredClone(template ?? {});
  const meta: JsonObject = t.metadata ?? {};
  const metadata: JsonObject = {
    namespace,
    labels: { ...(meta.labels ?? {}), ...(opts.labels ?? {}) },
    annotations: { ...(meta.annotations ?? {}), ...(opts.annotations ?? {}) },
    ownerReferences: [ref],
  };
  if (meta.finalizers) metadata.finalizers = meta.finalizers;
  if (opts.name) metadata.name = opts.name;
  else metadata.generateName = opts.generateName ?? `${ref.name}-`;
  if (!Object.keys(metadata.annotations as object).length) delete metadata.annotations;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: t.spec ?? {} };
}

/** templateHash is a short, stable, DNS-safe hash of a pod template (and a collision count), used as `pod-template-hash`. */
export function templateHash(template: JsonObject | undefined, collisionCount = 0): string {
  const h = createHash('sha256').update(stableJson(template ?? {})).update(String(collisionCount)).digest();
  // 10 characters of a vowel-free alphabet, as upstream's SafeEncodeString avoids words.
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[h[i] % alphabet.length];
  return out;
}

/** stableJson is the API's sorted-key JSON (api/stable-json.ts), re-exported for the controllers. */
export { stableJson };

/** Condition is a status condition of a workload (Deployment, Job, …). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

/** setCondition returns `conditions` with `c` replacing the one of its type; lastTransitionTime moves only when the status changes. */
export function setCondition(conditions: readonly Condition[] | undefined, c: Condition, nowIso: string, withUpdateTime = false): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    ...c,
    lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : nowIso,
    ...(withUpdateTime ? { lastUpdateTime: prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message ? (prev.lastUpdateTime ?? nowIso) : nowIso } : {}),
  };
  if (i >= 0) list[i] = next; else list.push(next);
  return list;
}

/** EXPECTATIONS_TTL_MS is how long unobserved expectations are trusted before a controller acts again (client-go: 5 min). */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

/** Expectations counts creations/deletions a controller issued per key and has not yet seen in its informer (client-go's ControllerExpectations). */
export class Expectations {
  readonly #clock: Clock;
  readonly #m = new Map<string, { add: number; del: number; at: number; deleting: Set<string> }>();

  constructor(clock: Clock) { this.#clock = clock; }

  /** satisfied says whether the controller may act on `key`: nothing outstanding, or the record expired. */
  satisfied(key: string): boolean {
    const e = this.#m.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.#clock.now() - e.at > EXPECTATIONS_TTL_MS;
  }

  /** expect records that `adds` creations and the deletions of `deleteKeys` were just issued for `key`. */
  expect(key: string, adds: number, deleteKeys: readonly string[] = []): void {
    this.#m.set(key, { add: adds, del: deleteKeys.length, at: this.#clock.now(), deleting: new Set(deleteKeys) });
  }

  /** observedAdd lowers the outstanding creations (an informer saw one of the pods). */
  observedAdd(key: string): void {
    const e = this.#m.get(key);
    if (e) e.add--;
  }

  /** observedDelete lowers the outstanding deletions when `objKey` was one of them. */
  observedDelete(key: string, objKey: string): void {
    const e = this.#m.get(key);
    if (e?.deleting.delete(objKey)) e.del--;
  }

  /** creationFailed / deletionFailed lower the outstanding counts for writes that the API refused. */
  creationFailed(key: string): void { this.observedAdd(key); }

  /** deletionFailed: see creationFailed. */
  deletionFailed(key: string, objKey: string): void { this.observedDelete(key, objKey); }

  /** forget drops the record of `key` (its owner was deleted). */
  forget(key: string): void { this.#m.delete(key); }
}
