/**
 * @module scheduler/plugins/helpers — the matching rules the basic plugins share: taints against
 * tolerations (ToleratesTaint), node selector terms with matchExpressions and matchFields compiled
 * once per pod (In, NotIn, Exists, DoesNotExist, Gt, Lt), and upstream's DefaultNormalizeScore.
 */
import type { JsonObject } from '../../api/index.ts';
import { MAX_NODE_SCORE, type NodeInfo } from '../framework.ts';
import { MutableNodeInfo } from '../node-info.ts';

/** Taint is a node taint as stored. */
export interface Taint { readonly key: string; readonly value?: string; readonly effect: string }
/** Toleration is a pod toleration as stored. */
export interface Toleration { readonly key?: string; readonly operator?: string; readonly value?: string; readonly effect?: string }

/** tolerates says whether one toleration tolerates a taint (empty key with Exists tolerates everything). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if (!t.operator || t.operator === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

/** toleratesAll says whether any toleration of the list tolerates the taint. */
export function tolerated(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (tolerates(t, taint)) return true;
  return false;
}

/** nodeTaints returns node.spec.taints (an empty list when unset). */
export function nodeTaints(node: JsonObject): readonly Taint[] {
  const t = node.spec?.taints;
  return Array.isArray(t) ? t as Taint[] : [];
}

/** taintsOf returns a NodeInfo's taints (precomputed on the cache's NodeInfos). */
export function taintsOf(ni: NodeInfo): readonly Taint[] {
  return ni instanceof MutableNodeInfo ? ni.taints : nodeTaints(ni.node);
}

/** labelsOfNode returns a NodeInfo's labels (precomputed on the cache's NodeInfos). */
export function labelsOfNode(ni: NodeInfo): Record<string, string> {
  return ni instanceof MutableNodeInfo ? ni.labels : (ni.node.metadata?.labels ?? {}) as Record<string, string>;
}

/** isUnschedulable says whether the node is cordoned (spec.unschedulable). */
export function isUnschedulable(ni: NodeInfo): boolean {
  return ni instanceof MutableNodeInfo ? ni.unschedulable : ni.node.spec?.unschedulable === true;
}

/** podTolerations returns pod.spec.tolerations (an empty list when unset). */
export function podTolerations(pod: JsonObject): readonly Toleration[] {
  const t = pod.spec?.tolerations;
  return Array.isArray(t) ? t as Toleration[] : [];
}

type Op = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

interface Requirement { readonly key: string; readonly op: Op; readonly values: readonly string[]; readonly num: number }

/** CompiledTerm is one NodeSelectorTerm ready to match; `never` marks an empty or invalid term. */
export interface CompiledTerm {
  readonly expressions: readonly Requirement[];
  readonly fields: readonly Requirement[];
  readonly never: boolean;
}

const OPS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);

function compileRequirement(r: JsonObject, field: boolean): Requirement | undefined {
  const op = String(r?.operator ?? '');
  const key = String(r?.key ?? '');
  const values = Array.isArray(r?.values) ? (r.values as unknown[]).map(String) : [];
  if (!OPS.has(op) || !key) return undefined;
  if (field && (key !== 'metadata.name' || (op !== 'In' && op !== 'NotIn') || values.length !== 1)) return undefined;
  if ((op === 'In' || op === 'NotIn') && values.length === 0) return undefined;
  if ((op === 'Exists' || op === 'DoesNotExist') && values.length !== 0) return undefined;
  let num = 0;
  if (op === 'Gt' || op === 'Lt') {
    if (values.length !== 1 || !/^-?[0-9]+$/.test(values[0])) return undefined;
    num = Number(values[0]);
  }
  return { key, op: op as Op, values, num };
}

/** compileTerm compiles one NodeSelectorTerm. */
export function compileTerm(term: JsonObject | undefined): CompiledTerm {
  const exprs = Array.isArray(term?.matchExpressions) ? term.matchExpressions as JsonObject[] : [];
  const fields = Array.isArray(term?.matchFields) ? term.matchFields as JsonObject[] : [];
  const e = exprs.map((r) => compileRequirement(r, false));
  const f = fields.map((r) => compileRequirement(r, true));
  const never = (e.length === 0 && f.length === 0) || e.includes(undefined) || f.includes(undefined);
  return { expressions: e.filter((x) => x !== undefined), fields: f.filter((x) => x !== undefined), never };
}

function matchRequirement(r: Requirement, value: string | undefined): boolean {
  switch (r.op) {
    case 'In': return value !== undefined && r.values.includes(value);
    case 'NotIn': return value === undefined || !r.values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': case 'Lt': {
      if (value === undefined || !/^-?[0-9]+$/.test(value)) return false;
      const v = Number(value);
      return r.op === 'Gt' ? v > r.num : v < r.num;
    }
  }
}

/** matchTerm says whether a node (its labels and name) satisfies a compiled term. */
export function matchTerm(t: CompiledTerm, labels: Record<string, string> | undefined, nodeName: string): boolean {
  if (t.never) return false;
  for (const r of t.expressions) {
    const v = labels && Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
    if (!matchRequirement(r, v)) return false;
  }
  for (const r of t.fields) if (!matchRequirement(r, nodeName)) return false;
  return true;
}

/** matchAnyTerm ORs compiled terms (an empty list matches nothing). */
export function matchAnyTerm(terms: readonly CompiledTerm[], labels: Record<string, string> | undefined, nodeName: string): boolean {
  for (const t of terms) if (matchTerm(t, labels, nodeName)) return true;
  return false;
}

/** termNodeNames returns the node names a term's matchFields pins (metadata.name In), or undefined when it does not pin. */
export function termNodeNames(t: CompiledTerm): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const r of t.fields) {
    if (r.op !== 'In') continue;
    const s = new Set(r.values);
    out = out ? new Set([...out].filter((n) => s.has(n))) : s;
  }
  return out;
}

/** defaultNormalizeScore scales scores to [0, MAX_NODE_SCORE] by the maximum (integer division), reversed on request. */
export function defaultNormalizeScore(scores: Map<string, number>, reverse: boolean, max = MAX_NODE_SCORE): void {
  let top = 0;
  for (const s of scores.values()) if (s > top) top = s;
  if (top === 0) {
    if (reverse) for (const k of scores.keys()) scores.set(k, max);
    return;
  }
  for (const [k, s] of scores) {
    const v = Math.trunc((max * s) / top);
    scores.set(k, reverse ? max - v : v);
  }
}

/** defaultNormalizeScores is defaultNormalizeScore over an array. */
export function defaultNormalizeScores(scores: Float64Array, reverse: boolean, max = MAX_NODE_SCORE): void {
  let top = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > top) top = scores[i];
  if (top === 0) {
    if (reverse) scores.fill(max);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const v = Math.trunc((max * scores[i]) / top);
    scores[i] = reverse ? max - v : v;
  }
}
