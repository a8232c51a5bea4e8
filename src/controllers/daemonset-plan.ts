/**
 * @module controllers/daemonset-plan — the pure decisions of the DaemonSet controller
 * (kube-controller-manager's daemon_controller + update.go): which nodes need a pod, which pods
 * must go (extra, misplaced, failed — with per-node backoff), the next RollingUpdate step
 * (maxUnavailable, or maxSurge: new pod first, old pod deleted once the new one is available), and
 * the status counts.
 */
import type { JsonObject } from '../api/index.ts';
import type { Clock } from '../client/index.ts';
import { CONTROLLER_REVISION_HASH_LABEL, scaledValue } from './controller-revision.ts';
import { nodeShouldRunDaemonPod, targetNodeName } from './daemonset-nodes.ts';
import { isPodAvailable, isPodReady } from './workload.ts';

const isTerminating = (p: JsonObject): boolean => Boolean(p.metadata?.deletionTimestamp);
const hashOf = (p: JsonObject): string => String(p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '');
const nameOf = (o: JsonObject): string => String(o.metadata?.name);

/** byAge orders pods oldest first (creation time, then name). */
export function byAge(a: JsonObject, b: JsonObject): number {
  return String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? '')) || nameOf(a).localeCompare(nameOf(b));
}

/** nodesToPods groups a DaemonSet's pods by the node they are on or pinned to (oldest first); terminal pods being deleted are left out. */
export function nodesToPods(pods: readonly JsonObject[]): Map<string, JsonObject[]> {
  const m = new Map<string, JsonObject[]>();
  for (const p of pods) {
    const phase = p.status?.phase;
    if (isTerminating(p) && (phase === 'Failed' || phase === 'Succeeded')) continue;
    const n = targetNodeName(p);
    if (n === undefined) continue;
    const list = m.get(n) ?? [];
    list.push(p);
    m.set(n, list);
  }
  for (const l of m.values()) l.sort(byAge);
  return m;
}

/** FailedPodBackoff spaces out the recreation of failed pods per DaemonSet and node (1 s doubling to 15 min, as upstream). */
export class FailedPodBackoff {
  readonly #clock: Clock;
  readonly #m = new Map<string, { delayMs: number; at: number }>();
  readonly initialMs: number;
  readonly maxMs: number;

  constructor(clock: Clock, initialMs = 1000, maxMs = 15 * 60_000) { this.#clock = clock; this.initialMs = initialMs; this.maxMs = maxMs; }

  /** waitMs is how long `key` is still in backoff (0 when it may act). */
  waitMs(key: string): number {
    const e = this.#m.get(key);
    if (!e) return 0;
    return Math.max(0, e.at + e.delayMs - this.#clock.now());
  }

  /** next records an action on `key` now and doubles its delay. */
  next(key: string): void {
    const e = this.#m.get(key);
    const now = this.#clock.now();
    // A long quiet period resets the backoff, as client-go's does after twice the maximum.
    const delayMs = !e || now - e.at > 2 * this.maxMs ? this.initialMs : Math.min(this.maxMs, e.delayMs * 2);
    this.#m.set(key, { delayMs, at: now });
  }
}

/** Plan is what a sync step does: create a pod on each of `create` (node names), delete `delete`, and look again after `requeueAfterMs`. */
export interface Plan { readonly create: string[]; readonly delete: JsonObject[]; readonly requeueAfterMs?: number }

/** surgeOf resolves maxSurge (0 unless RollingUpdate) against the number of nodes that should run the pod. */
export function surgeOf(ds: JsonObject, desired: number): { maxSurge: number; maxUnavailable: number } {
  if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return { maxSurge: 0, maxUnavailable: 1 };
  const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
  const maxSurge = scaledValue(ru.maxSurge, desired, true, 0);
  let maxUnavailable = scaledValue(ru.maxUnavailable, desired, true, 1);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** desiredCount is how many nodes should run the DaemonSet's pod. */
export function desiredCount(ds: JsonObject, nodes: readonly JsonObject[]): number {
  return nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).length;
}

/** planManage finds nodes lacking a pod and pods to delete (extras, failed, on nodes that no longer qualify or no longer exist). */
export function planManage(ds: JsonObject, nodes: readonly JsonObject[], pods: readonly JsonObject[], hash: string, backoff: FailedPodBackoff): Plan {
  const byNode = nodesToPods(pods);
  const { maxSurge } = surgeOf(ds, desiredCount(ds, nodes));
  const create: string[] = [];
  const del: JsonObject[] = [];
  let requeueAfterMs: number | undefined;
  const dsKey = String(ds.metadata?.uid);
  for (const node of nodes) {
    const name = nameOf(node);
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const onNode = byNode.get(name) ?? [];
    if (shouldRun && !onNode.length) { create.push(name); continue; }
    if (!shouldContinueRunning) { del.push(...onNode.filter((p) => !isTerminating(p))); continue; }
    const running: JsonObject[] = [];
    for (const p of onNode) {
      if (isTerminating(p)) continue;
      if (p.status?.phase === 'Failed') {
        const key = `${dsKey}/${name}`;
        const wait = backoff.waitMs(key);
        if (wait > 0) { requeueAfterMs = requeueAfterMs === undefined ? wait : Math.min(requeueAfterMs, wait); continue; }
        backoff.next(key);
        del.push(p);
        continue;
      }
      running.push(p);
    }
    if (maxSurge === 0) { del.push(...running.slice(1)); continue; }
    let newest = false;
    let oldest = false;
    for (const p of running) {
      if (hashOf(p) === hash && !newest) { newest = true; continue; }
      if (hashOf(p) !== hash && !oldest) { oldest = true; continue; }
      del.push(p);
    }
  }
  const known = new Set(nodes.map(nameOf));
  for (const [n, ps] of byNode) if (!known.has(n)) del.push(...ps.filter((p) => !isTerminating(p)));
  return { create, delete: del, requeueAfterMs };
}

/** updatedPodsOnNode splits a node's live pods into the one of `hash` and the old one; ok=false when there are several of either. */
function updatedPodsOnNode(pods: readonly JsonObject[], hash: string): { ok: boolean; newPod?: JsonObject; oldPod?: JsonObject } {
  let newPod: JsonObject | undefined;
  let oldPod: JsonObject | undefined;
  for (const p of pods) {
    if (isTerminating(p)) continue;
    if (hashOf(p) === hash) { if (newPod) return { ok: false }; newPod = p; } else { if (oldPod) return { ok: false }; oldPod = p; }
  }
  return { ok: true, newPod, oldPod };
}

/** planRollingUpdate is one RollingUpdate step: replace old pods within maxUnavailable, or surge new pods within maxSurge. */
export function planRollingUpdate(ds: JsonObject, nodes: readonly JsonObject[], pods: readonly JsonObject[], hash: string, nowMs: number): Plan {
  const minReady = Number(ds.spec?.minReadySeconds ?? 0);
  const { maxSurge, maxUnavailable } = surgeOf(ds, desiredCount(ds, nodes));
  const grouped = nodesToPods(pods);
  // A node that should run the pod but has none counts too (as unavailable), as upstream's updatedDesiredNodeCounts.
  for (const n of nodes) if (!grouped.has(nameOf(n)) && nodeShouldRunDaemonPod(n, ds).shouldRun) grouped.set(nameOf(n), []);
  const byNode = [...grouped].sort(([a], [b]) => a.localeCompare(b));
  const available = (p: JsonObject): boolean => isPodAvailable(p, minReady, nowMs);
  if (maxSurge === 0) {
    let unavailable = 0;
    const allowed: JsonObject[] = [];
    const candidates: JsonObject[] = [];
    for (const [, ps] of byNode) {
      const { ok, newPod, oldPod } = updatedPodsOnNode(ps, hash);
      if (!ok) { unavailable++; continue; }
      if ((!oldPod && !newPod) || (oldPod && newPod)) { unavailable++; continue; }
      if (newPod) { if (!available(newPod)) unavailable++; continue; }
      if (!oldPod) continue;
      if (!available(oldPod)) allowed.push(oldPod);
      else if (unavailable < maxUnavailable) candidates.push(oldPod);
    }
    const room = Math.min(candidates.length, Math.max(0, maxUnavailable - unavailable));
    return { create: [], delete: [...allowed, ...candidates.slice(0, room)] };
  }
  const nodeByName = new Map(nodes.map((n) => [nameOf(n), n]));
  let surge = 0;
  const allowedNodes: string[] = [];
  const candidateNodes: string[] = [];
  const del: JsonObject[] = [];
  for (const [n, ps] of byNode) {
    const { ok, newPod, oldPod } = updatedPodsOnNode(ps, hash);
    if (!ok) { surge++; continue; }
    const node = nodeByName.get(n);
    const shouldRun = node ? nodeShouldRunDaemonPod(node, ds).shouldRun : false;
    if (!oldPod) continue;
    if (!newPod) {
      if (!shouldRun) del.push(oldPod);
      else if (!available(oldPod)) allowedNodes.push(n);
      else if (surge < maxSurge) candidateNodes.push(n);
      continue;
    }
    surge++;
    if (available(newPod)) del.push(oldPod);
  }
  const room = Math.min(candidateNodes.length, Math.max(0, maxSurge - surge));
  return { create: [...allowedNodes, ...candidateNodes.slice(0, room)], delete: del };
}

/** computeDaemonSetStatus counts desired/current/misscheduled/ready/available/updated nodes; waitMs is when a ready pod becomes available. */
export function computeDaemonSetStatus(ds: JsonObject, nodes: readonly JsonObject[], pods: readonly JsonObject[], hash: string, nowMs: number): { status: JsonObject; waitMs?: number } {
  const byNode = nodesToPods(pods);
  const minReady = Number(ds.spec?.minReadySeconds ?? 0);
  const s = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, numberAvailable: 0, updatedNumberScheduled: 0 };
  let waitMs: number | undefined;
  for (const node of nodes) {
    const onNode = byNode.get(nameOf(node)) ?? [];
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    if (!shouldRun) { if (onNode.length) s.numberMisscheduled++; continue; }
    s.desiredNumberScheduled++;
    if (!onNode.length) continue;
    s.currentNumberScheduled++;
    const pod = onNode[0];
    if (isPodReady(pod)) {
      s.numberReady++;
      if (isPodAvailable(pod, minReady, nowMs)) s.numberAvailable++;
      else waitMs = Math.min(waitMs ?? Infinity, minReady * 1000);
    }
    if (hashOf(pod) === hash) s.updatedNumberScheduled++;
  }
  return { status: { observedGeneration: ds.metadata?.generation, ...s, numberUnavailable: s.desiredNumberScheduled - s.numberAvailable }, waitMs };
}
