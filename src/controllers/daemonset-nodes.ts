/**
 * @module controllers/daemonset-nodes — which nodes a DaemonSet's pod belongs on: nodeSelector,
 * required node affinity (label matchExpressions and `metadata.name` matchFields), taints versus
 * tolerations (NoSchedule and NoExecute block new pods; only NoExecute evicts running ones), the
 * default tolerations upstream gives every DaemonSet pod, and the per-node affinity term that
 * pins a new pod to its node for the scheduler.
 */
import type { JsonObject } from '../api/index.ts';

/** Taint is a node's spec.taints[i]. */
export interface Taint { readonly key: string; readonly value?: string; readonly effect: string }

/** Toleration is a pod's spec.tolerations[i]. */
export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: string;
  readonly tolerationSeconds?: number;
}

/** tolerates says whether one toleration tolerates one taint (empty key + Exists tolerates everything; empty effect any effect). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** untoleratedTaint returns the first taint with one of `effects` that no toleration tolerates. */
export function untoleratedTaint(tolerations: readonly Toleration[], taints: readonly Taint[], effects: readonly string[]): Taint | undefined {
  return taints.find((taint) => effects.includes(taint.effect) && !tolerations.some((t) => tolerates(t, taint)));
}

/** taintsOf reads a node's spec.taints. */
export function taintsOf(node: JsonObject): Taint[] {
  return Array.isArray(node.spec?.taints) ? (node.spec.taints as Taint[]) : [];
}

/** tolerationsOf reads a pod spec's tolerations. */
export function tolerationsOf(spec: JsonObject | undefined): Toleration[] {
  return Array.isArray(spec?.tolerations) ? (spec.tolerations as Toleration[]) : [];
}

function matchExpression(e: JsonObject, value: string | undefined): boolean {
  const values = (e.values ?? []) as string[];
  switch (e.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const a = Number.parseInt(value, 10);
      const b = Number.parseInt(values[0], 10);
      if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
      return e.operator === 'Gt' ? a > b : a < b;
    }
    default: return false;
  }
}

/** matchesNodeSelectorTerm: every label expression and `metadata.name` field expression holds (an empty term matches nothing). */
export function matchesNodeSelectorTerm(term: JsonObject, node: JsonObject): boolean {
  const exprs = (term.matchExpressions ?? []) as JsonObject[];
  const fields = (term.matchFields ?? []) as JsonObject[];
  if (!exprs.length && !fields.length) return false;
  const labels = (node.metadata?.labels ?? {}) as Record<string, string>;
  return exprs.every((e) => matchExpression(e, labels[String(e.key)]))
    && fields.every((f) => f.key === 'metadata.name' && matchExpression(f, String(node.metadata?.name)));
}

/** nodeMatchesPodSpec says whether a node satisfies a pod spec's nodeSelector and required node affinity (any term). */
export function nodeMatchesPodSpec(spec: JsonObject | undefined, node: JsonObject): boolean {
  const labels = (node.metadata?.labels ?? {}) as Record<string, string>;
  const sel = (spec?.nodeSelector ?? {}) as Record<string, string>;
  if (!Object.entries(sel).every(([k, v]) => labels[k] === v)) return false;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  const terms = (required.nodeSelectorTerms ?? []) as JsonObject[];
  return terms.some((t) => matchesNodeSelectorTerm(t, node));
}

/** podFitsNode is what the stub binder checks: selectors, affinity and NoSchedule/NoExecute taints. */
export function podFitsNode(spec: JsonObject | undefined, node: JsonObject): boolean {
  return nodeMatchesPodSpec(spec, node) && !untoleratedTaint(tolerationsOf(spec), taintsOf(node), ['NoSchedule', 'NoExecute']);
}

/** DAEMON_TOLERATIONS are the tolerations upstream adds to every DaemonSet pod. */
export const DAEMON_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** HOST_NETWORK_TOLERATION is added for hostNetwork DaemonSet pods. */
export const HOST_NETWORK_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

/** withDaemonTolerations returns the pod spec's tolerations plus the default DaemonSet ones it lacks (same key and effect). */
export function withDaemonTolerations(spec: JsonObject | undefined): Toleration[] {
  const out = [...tolerationsOf(spec)];
  const add = [...DAEMON_TOLERATIONS, ...(spec?.hostNetwork ? [HOST_NETWORK_TOLERATION] : [])];
  for (const t of add) {
    const i = out.findIndex((x) => x.key === t.key && x.effect === t.effect);
    if (i >= 0) out[i] = t; else out.push(t);
  }
  return out;
}

/** NodeVerdict says whether a DaemonSet pod should be created on a node and whether an existing one may stay. */
export interface NodeVerdict { readonly shouldRun: boolean; readonly shouldContinueRunning: boolean }

/** nodeShouldRunDaemonPod decides a node's verdict for a DaemonSet (upstream's NodeShouldRunDaemonPod). */
export function nodeShouldRunDaemonPod(node: JsonObject, ds: JsonObject): NodeVerdict {
  const spec: JsonObject = { ...(ds.spec?.template?.spec ?? {}), tolerations: withDaemonTolerations(ds.spec?.template?.spec) };
  if (spec.nodeName && spec.nodeName !== node.metadata?.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!nodeMatchesPodSpec(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = taintsOf(node);
  if (untoleratedTaint(spec.tolerations as Toleration[], taints, ['NoSchedule', 'NoExecute'])) {
    return { shouldRun: false, shouldContinueRunning: !untoleratedTaint(spec.tolerations as Toleration[], taints, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** withNodeNameAffinity returns a copy of the affinity whose required node terms are the single term `metadata.name In [node]`. */
export function withNodeNameAffinity(affinity: JsonObject | undefined, nodeName: string): JsonObject {
  const a: JsonObject = structuredClone(affinity ?? {});
  a.nodeAffinity ??= {};
  a.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  return a;
}

/** targetNodeName is where a pod is or will be: spec.nodeName, else the node its `metadata.name In [x]` affinity names. */
export function targetNodeName(pod: JsonObject): string | undefined {
  if (pod.spec?.nodeName) return String(pod.spec.nodeName);
  const terms = (pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) as JsonObject[];
  for (const t of terms) {
    for (const f of (t.matchFields ?? []) as JsonObject[]) {
      if (f.key === 'metadata.name' && f.operator === 'In' && Array.isArray(f.values) && f.values.length === 1) return String(f.values[0]);
    }
  }
  return undefined;
}
