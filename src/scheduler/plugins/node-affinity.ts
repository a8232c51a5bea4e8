/**
 * @module scheduler/plugins/node-affinity — NodeAffinity: spec.nodeSelector and the required
 * nodeAffinity terms (matchExpressions on labels, matchFields on metadata.name) must match; the
 * preferred terms score by weight. PreFilter compiles the pod's terms once and narrows the
 * candidate nodes when every required term pins metadata.name.
 */
import type { JsonObject } from '../../api/index.ts';
import {
  SKIP, status, SUCCESS, type ClusterEvent, type CycleState, type EnqueueExtensions, type FilterPlugin, type PodInfo, type PreFilterPlugin,
  type PreScorePlugin, type ScorePlugin, type Status,
} from '../framework.ts';
import { HOSTNAME_LABEL } from '../node-info.ts';
import { compileTerm, defaultNormalizeScore, defaultNormalizeScores, labelsOfNode, matchAnyTerm, matchTerm, termNodeNames, type CompiledTerm } from './helpers.ts';

/** NODE_AFFINITY_REASON is upstream's reason for a node the selector or required affinity rejects. */
export const NODE_AFFINITY_REASON = "node(s) didn't match Pod's node affinity/selector";
/** NODE_AFFINITY_CONFLICT is upstream's reason when the required terms pin no node at all. */
export const NODE_AFFINITY_CONFLICT = 'pod affinity terms conflict';

const PRE_FILTER_KEY = 'PreFilterNodeAffinity';
const PRE_SCORE_KEY = 'PreScoreNodeAffinity';

interface Required { readonly selector: readonly (readonly [string, string])[]; readonly terms?: readonly CompiledTerm[] }
interface Preferred { readonly weight: number; readonly term: CompiledTerm }

/** requiredOf compiles a pod's nodeSelector and required node affinity (undefined when it has neither). */
export function requiredOf(pod: JsonObject): Required | undefined {
  const sel = pod.spec?.nodeSelector as Record<string, string> | undefined;
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution as JsonObject | undefined;
  const selector = sel ? Object.entries(sel).map(([k, v]) => [k, String(v)] as const) : [];
  if (selector.length === 0 && !req) return undefined;
  const terms = req ? ((Array.isArray(req.nodeSelectorTerms) ? req.nodeSelectorTerms : []) as JsonObject[]).map(compileTerm) : undefined;
  return { selector, terms };
}

/** matchesRequired says whether a node satisfies a compiled nodeSelector + required affinity. */
export function matchesRequired(r: Required, labels: Record<string, string> | undefined, nodeName: string): boolean {
  for (const [k, v] of r.selector) if (labels?.[k] !== v || !Object.hasOwn(labels, k)) return false;
  return r.terms === undefined || matchAnyTerm(r.terms, labels, nodeName);
}

function preferredOf(pod: PodInfo): Preferred[] {
  const pref = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  if (!Array.isArray(pref)) return [];
  return (pref as JsonObject[]).filter((p) => Number(p?.weight ?? 0) !== 0).map((p) => ({ weight: Number(p.weight), term: compileTerm(p.preference as JsonObject) }));
}

/** newNodeAffinity returns the NodeAffinity plugin. */
export function newNodeAffinity(): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions {
  const rejected: Status = { ...status('UnschedulableAndUnresolvable', NODE_AFFINITY_REASON), plugin: 'NodeAffinity' };
  let lastPod: PodInfo | undefined;
  let lastState: CycleState | undefined;
  let lastReq: Required | undefined;
  return {
    name: 'NodeAffinity',
    preFilter(state, pod) {
      const r = requiredOf(pod.pod);
      if (!r) return { status: SKIP };
      state.write(PRE_FILTER_KEY, r);
      if (!r.terms || r.terms.length === 0) return { status: SUCCESS };
      let names: Set<string> | undefined = new Set();
      for (const t of r.terms) {
        const n = termNodeNames(t);
        if (!n) { names = undefined; break; }
        for (const x of n) names.add(x);
      }
      if (names && names.size === 0) return { status: status('UnschedulableAndUnresolvable', NODE_AFFINITY_CONFLICT) };
      return { status: SUCCESS, nodeNames: names };
    },
    byNodeClass(state, pod) {
      // Class members may differ in their hostname label and their name: a pod that looks at either is matched node by node.
      const r = state.read<Required>(PRE_FILTER_KEY) ?? requiredOf(pod.pod);
      if (!r) return true;
      if (r.selector.some(([k]) => k === HOSTNAME_LABEL)) return false;
      return !r.terms?.some((t) => t.fields.length > 0 || t.expressions.some((e) => e.key === HOSTNAME_LABEL));
    },
    filter(state: CycleState, pod, node) {
      if (pod !== lastPod || state !== lastState) { lastPod = pod; lastState = state; lastReq = state.read<Required>(PRE_FILTER_KEY) ?? requiredOf(pod.pod); }
      const r = lastReq;
      if (!r) return SUCCESS;
      return matchesRequired(r, labelsOfNode(node), node.name) ? SUCCESS : rejected;
    },
    preScore(state, pod) {
      const p = preferredOf(pod);
      if (p.length === 0) return SKIP;
      state.write(PRE_SCORE_KEY, p);
      return SUCCESS;
    },
    score(state, pod, node) {
      const p = state.read<Preferred[]>(PRE_SCORE_KEY) ?? preferredOf(pod);
      const labels = labelsOfNode(node);
      let s = 0;
      for (const x of p) if (matchTerm(x.term, labels, node.name)) s += x.weight;
      return s;
    },
    scoreByNodeClass(state, pod) {
      // As byNodeClass: terms on the hostname label or on fields are matched node by node.
      const p = state.read<Preferred[]>(PRE_SCORE_KEY) ?? preferredOf(pod);
      return !p.some((x) => x.term.fields.length > 0 || x.term.expressions.some((e) => e.key === HOSTNAME_LABEL));
    },
    normalizeScore(_state, _pod, scores) { defaultNormalizeScore(scores, false); },
    normalizeScores(_state, _pod, _nodes, scores) { defaultNormalizeScores(scores, false); },
    eventsToRegister: (): ClusterEvent[] => ['NodeAdd', 'NodeUpdate'],
  };
}
