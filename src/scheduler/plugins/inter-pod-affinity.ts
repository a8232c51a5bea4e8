/**
 * @module scheduler/plugins/inter-pod-affinity — the InterPodAffinity plugin with kube-scheduler
 * semantics. PreFilter counts, per topology pair (label key + value), the existing pods matching
 * the incoming pod's required affinity terms, its required anti-affinity terms, and the existing
 * pods whose required anti-affinity terms select the incoming pod (symmetry); Filter then looks
 * the node's pairs up in those maps (O(terms + node labels) per node). addPod/removePod keep the
 * counts right for preemption's what-if (copy-on-write per CycleState). PreScore/Score sum the
 * preferred term weights (both directions, plus existing pods' required affinity with weight
 * hardPodAffinityWeight) per topology pair; normalizeScore rescales to 0..100 by min/max.
 */
import type { JsonObject } from '../../api/index.ts';
import type { ClusterEvent, CycleState, EnqueueExtensions, FilterPlugin, Listers, NodeInfo, PodInfo, PreFilterPlugin, PreScorePlugin, ScorePlugin, Snapshot, Status } from '../framework.ts';
import { MAX_NODE_SCORE, SKIP, status, SUCCESS } from '../framework.ts';
import type { AffinityTerm, Labels } from './advanced-util.ts';
import { labelsOf, mergeNamespaces, namespaceOf, podTerms, termMatches } from './advanced-util.ts';

/** Reasons are the upstream Filter failure texts. */
export const AFFINITY_REASONS = {
  affinity: "node(s) didn't match pod affinity rules",
  antiAffinity: "node(s) didn't match pod anti-affinity rules",
  existingAntiAffinity: "node(s) didn't satisfy existing pods anti-affinity rules",
} as const;

const NAME = 'InterPodAffinity';
const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;
const CONTEXT_KEY = `Context${NAME}`;

/** CycleContext is what PreFilter leaves for PreScore whether or not the Filter runs. */
interface CycleContext { readonly snapshot: Snapshot; readonly listers: Listers | undefined }

type Counts = Map<string, number>;
/** SKIP: as upstream, the plugin's Filter (no required terms anywhere) or Score (no topology scored) is off for the cycle. */
const pairKey = (key: string, value: string): string => `${key}\u0000${value}`;

interface PreFilterState {
  owner: CycleState;
  /** pod is the incoming pod. */
  readonly pod: JsonObject;
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly nsLabels: Labels;
  readonly selfMatchesAll: boolean;
  affinityCounts: Counts;
  antiAffinityCounts: Counts;
  existingAntiAffinityCounts: Counts;
}

interface PreScoreState { readonly topologyScore: Map<string, Map<string, number>> }

function bump(m: Counts, node: JsonObject, topologyKey: string, delta: number): void {
  const labels = labelsOf(node);
  if (!Object.hasOwn(labels, topologyKey)) return;
  const k = pairKey(topologyKey, labels[topologyKey]);
  const v = (m.get(k) ?? 0) + delta;
  if (v === 0) m.delete(k); else m.set(k, v);
}

/** addAffinity counts `other` (on `node`) for every term when it matches all the incoming pod's affinity terms. */
function addAffinity(m: Counts, terms: readonly AffinityTerm[], other: JsonObject, node: JsonObject, delta: number): void {
  if (terms.length === 0 || !terms.every((t) => termMatches(t, other, undefined))) return;
  for (const t of terms) bump(m, node, t.topologyKey, delta);
}

/** addAntiAffinity counts, per term matching `target`, the topology pair of `node`. */
function addAntiAffinity(m: Counts, terms: readonly AffinityTerm[], target: JsonObject, nsLabels: Labels | undefined, node: JsonObject, delta: number): void {
  for (const t of terms) if (termMatches(t, target, nsLabels)) bump(m, node, t.topologyKey, delta);
}

/** InterPodAffinityOptions tune the plugin (upstream InterPodAffinityArgs). */
export interface InterPodAffinityOptions {
  /** hardPodAffinityWeight scores existing pods' required affinity terms matching the incoming pod (default 1). */
  readonly hardPodAffinityWeight?: number;
  /** ignorePreferredTermsOfExistingPods skips scoring when the incoming pod has no preferred terms (default false). */
  readonly ignorePreferredTermsOfExistingPods?: boolean;
}

/** newInterPodAffinity returns the InterPodAffinity plugin; namespaceSelectors and namespace labels are read through `listers`, or
 * through the Handle when the runner passes it to preFilter as a 4th argument (with neither, namespaceSelectors select nothing). */
export function newInterPodAffinity(listers?: Listers, opts: InterPodAffinityOptions = {}): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions {
  const hardWeight = opts.hardPodAffinityWeight ?? 1;
  const nsLabelsOf = (l: Listers | undefined, ns: string): Labels => labelsOf(l?.namespace(ns));

  /** mutable returns the state owned by `cs`, copying it first if it is shared with the CycleState it was cloned from. */
  const mutable = (cs: CycleState): PreFilterState | undefined => {
    const s = cs.read<PreFilterState>(PRE_FILTER_KEY);
    if (!s || s.owner === cs) return s;
    const c: PreFilterState = {
      ...s, owner: cs, affinityCounts: new Map(s.affinityCounts), antiAffinityCounts: new Map(s.antiAffinityCounts),
      existingAntiAffinityCounts: new Map(s.existingAntiAffinityCounts),
    };
    cs.write(PRE_FILTER_KEY, c);
    return c;
  };

  const update = (cs: CycleState, other: PodInfo, node: NodeInfo, delta: number): void => {
    const s = mutable(cs);
    if (!s) return;
    addAntiAffinity(s.existingAntiAffinityCounts, podTerms(other.pod).requiredAntiAffinity, s.pod, s.nsLabels, node.node, delta);
    addAffinity(s.affinityCounts, s.requiredAffinity, other.pod, node.node, delta);
    addAntiAffinity(s.antiAffinityCounts, s.requiredAntiAffinity, other.pod, undefined, node.node, delta);
  };

  return {
    name: NAME,

    eventsToRegister: (): readonly ClusterEvent[] => ['PodAdd', 'PodUpdate', 'PodDelete', 'NodeAdd', 'NodeUpdate'],

    preFilter(cs, pi, snapshot, handle?: { readonly listers: Listers }) {
      const l = handle?.listers ?? listers;
      const pod = pi.pod;
      const terms = podTerms(pod);
      const requiredAffinity = terms.requiredAffinity.map((t) => mergeNamespaces(t, l));
      const requiredAntiAffinity = terms.requiredAntiAffinity.map((t) => mergeNamespaces(t, l));
      const nsLabels = nsLabelsOf(l, namespaceOf(pod));
      // PreScore needs the snapshot and listers even when the Filter is skipped.
      cs.write(CONTEXT_KEY, { snapshot, listers: l } satisfies CycleContext);
      const existingAntiAffinityCounts: Counts = new Map();
      for (const ni of snapshot.havePodsWithRequiredAntiAffinity) {
        for (const ex of ni.podsWithRequiredAntiAffinity) addAntiAffinity(existingAntiAffinityCounts, podTerms(ex.pod).requiredAntiAffinity, pod, nsLabels, ni.node, 1);
      }
      // As upstream: no required terms on either side, nothing to check on any node.
      if (requiredAffinity.length === 0 && requiredAntiAffinity.length === 0 && existingAntiAffinityCounts.size === 0) return { status: SKIP };
      const affinityCounts: Counts = new Map();
      const antiAffinityCounts: Counts = new Map();
      if (requiredAffinity.length > 0 || requiredAntiAffinity.length > 0) {
        for (const ni of snapshot.nodes) {
          for (const ex of ni.pods) {
            addAffinity(affinityCounts, requiredAffinity, ex.pod, ni.node, 1);
            addAntiAffinity(antiAffinityCounts, requiredAntiAffinity, ex.pod, undefined, ni.node, 1);
          }
        }
      }
      const state: PreFilterState = {
        owner: cs, pod, requiredAffinity, requiredAntiAffinity, nsLabels,
        selfMatchesAll: requiredAffinity.every((t) => termMatches(t, pod, undefined)),
        affinityCounts, antiAffinityCounts, existingAntiAffinityCounts,
      };
      cs.write(PRE_FILTER_KEY, state);
      return { status: SUCCESS };
    },

    addPod(cs, _pod, other, node) { update(cs, other, node, 1); },
    removePod(cs, _pod, other, node) { update(cs, other, node, -1); },

    filter(cs, _pod, ni): Status {
      const s = cs.read<PreFilterState>(PRE_FILTER_KEY);
      if (!s) return status('Error', `reading "${PRE_FILTER_KEY}" from cycleState: not found`);
      const labels = labelsOf(ni.node);
      // Required affinity: every topology key present, and a matching pod in each pair (or the first-pod rule).
      let podsExist = true;
      for (const t of s.requiredAffinity) {
        if (!Object.hasOwn(labels, t.topologyKey)) return status('UnschedulableAndUnresolvable', AFFINITY_REASONS.affinity);
        if ((s.affinityCounts.get(pairKey(t.topologyKey, labels[t.topologyKey])) ?? 0) <= 0) podsExist = false;
      }
      if (!podsExist && !(s.affinityCounts.size === 0 && s.selfMatchesAll)) return status('UnschedulableAndUnresolvable', AFFINITY_REASONS.affinity);
      if (s.antiAffinityCounts.size > 0) {
        for (const t of s.requiredAntiAffinity) {
          if (Object.hasOwn(labels, t.topologyKey) && (s.antiAffinityCounts.get(pairKey(t.topologyKey, labels[t.topologyKey])) ?? 0) > 0) {
            return status('Unschedulable', AFFINITY_REASONS.antiAffinity);
          }
        }
      }
      if (s.existingAntiAffinityCounts.size > 0) {
        for (const [k, v] of Object.entries(labels)) {
          if ((s.existingAntiAffinityCounts.get(pairKey(k, v)) ?? 0) > 0) return status('Unschedulable', AFFINITY_REASONS.existingAntiAffinity);
        }
      }
      return SUCCESS;
    },

    preScore(cs, pi, nodes) {
      const pod = pi.pod;
      const terms = podTerms(pod);
      const hasConstraints = terms.preferredAffinity.length > 0 || terms.preferredAntiAffinity.length > 0;
      const topologyScore = new Map<string, Map<string, number>>();
      cs.write(PRE_SCORE_KEY, { topologyScore } satisfies PreScoreState);
      if (opts.ignorePreferredTermsOfExistingPods && !hasConstraints) return SKIP;
      const ctx = cs.read<CycleContext>(CONTEXT_KEY);
      const l = ctx?.listers ?? listers;
      const snapshot = ctx?.snapshot;
      const all = snapshot ? (hasConstraints ? snapshot.nodes : snapshot.havePodsWithAffinity) : nodes;
      const prefAff = terms.preferredAffinity.map((t) => mergeNamespaces(t, l));
      const prefAnti = terms.preferredAntiAffinity.map((t) => mergeNamespaces(t, l));
      const nsLabels = nsLabelsOf(l, namespaceOf(pod));
      const add = (t: AffinityTerm, weight: number, target: JsonObject, ns: Labels | undefined, node: JsonObject): void => {
        const labels = labelsOf(node);
        if (!termMatches(t, target, ns) || !Object.hasOwn(labels, t.topologyKey)) return;
        let m = topologyScore.get(t.topologyKey);
        if (!m) topologyScore.set(t.topologyKey, (m = new Map()));
        const v = labels[t.topologyKey];
        m.set(v, (m.get(v) ?? 0) + weight);
      };
      for (const ni of all) {
        if (Object.keys(labelsOf(ni.node)).length === 0) continue;
        for (const ex of hasConstraints ? ni.pods : ni.podsWithAffinity) {
          const et = podTerms(ex.pod);
          for (const t of prefAff) add(t, t.weight, ex.pod, undefined, ni.node);
          for (const t of prefAnti) add(t, -t.weight, ex.pod, undefined, ni.node);
          if (hardWeight > 0) for (const t of et.requiredAffinity) add(t, hardWeight, pod, nsLabels, ni.node);
          for (const t of et.preferredAffinity) add(t, t.weight, pod, nsLabels, ni.node);
          for (const t of et.preferredAntiAffinity) add(t, -t.weight, pod, nsLabels, ni.node);
        }
      }
      return topologyScore.size === 0 ? SKIP : SUCCESS;
    },

    score(cs, _pod, ni) {
      const s = cs.read<PreScoreState>(PRE_SCORE_KEY);
      if (!s) return 0;
      const labels = labelsOf(ni.node);
      let score = 0;
      for (const [key, values] of s.topologyScore) if (Object.hasOwn(labels, key)) score += values.get(labels[key]) ?? 0;
      return score;
    },

    normalizeScore(cs, _pod, scores) {
      const s = cs.read<PreScoreState>(PRE_SCORE_KEY);
      if (!s || s.topologyScore.size === 0) return;
      let min = Infinity;
      let max = -Infinity;
      for (const v of scores.values()) { min = Math.min(min, v); max = Math.max(max, v); }
      const diff = max - min;
      for (const [k, v] of scores) scores.set(k, diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((v - min) / diff)) : 0);
    },
  };
}
