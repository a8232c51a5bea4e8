/**
 * @module scheduler/plugins/pod-topology-spread — the PodTopologySpread plugin with kube-scheduler
 * semantics. PreFilter takes the pod's DoNotSchedule constraints (maxSkew, topologyKey,
 * labelSelector merged with matchLabelKeys, minDomains, nodeAffinityPolicy default Honor,
 * nodeTaintsPolicy default Ignore) and counts, per constraint and topology value, the pods of the
 * pod's namespace that match the selector on the eligible nodes (nodes carrying every constraint's
 * key and passing the inclusion policies). Filter checks `matching + self − global minimum ≤ maxSkew`
 * with O(constraints) work per node (the minimum is cached and recomputed only after
 * addPod/removePod). PreScore/Score rank nodes for ScheduleAnyway constraints (log-weighted counts,
 * normalized so that fewer matching pods score higher).
 */
import type { JsonObject, LabelSelector } from '../../api/index.ts';
import { isEmptyLabelSelector, matchesLabels } from '../../api/index.ts';
import type { ClusterEvent, CycleState, EnqueueExtensions, FilterPlugin, NodeInfo, PodInfo, PreFilterPlugin, PreScorePlugin, ScorePlugin, Snapshot, Status } from '../framework.ts';
import { MAX_NODE_SCORE, SKIP, status, SUCCESS } from '../framework.ts';
import { hasUntoleratedTaint, labelsOf, namespaceOf, requiredNodeAffinity, selectorOf } from './advanced-util.ts';

/** SPREAD_REASONS are the upstream Filter failure texts. */
export const SPREAD_REASONS = {
  constraintsNotMatch: "node(s) didn't match pod topology spread constraints",
  missingLabel: "node(s) didn't match pod topology spread constraints (missing required label)",
} as const;

const NAME = 'PodTopologySpread';
const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;
const HOSTNAME = 'kubernetes.io/hostname';

/** Constraint is a parsed topologySpreadConstraint. */
export interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: LabelSelector;
  readonly minDomains: number;
  readonly nodeAffinityPolicy: 'Honor' | 'Ignore';
  readonly nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/** DefaultConstraint is a cluster-level default constraint (selector supplied per pod by the options' defaultSelector). */
export interface DefaultConstraint { readonly maxSkew: number; readonly topologyKey: string; readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway' }

/** SYSTEM_DEFAULT_CONSTRAINTS are upstream's system defaults (hostname skew 3, zone skew 5, ScheduleAnyway). */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly DefaultConstraint[] = [
  { maxSkew: 3, topologyKey: HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway' },
  { maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
];

/** PodTopologySpreadOptions: default constraints for pods without their own, given a selector of "sibling" pods (services/controllers selecting the pod). */
export interface PodTopologySpreadOptions {
  readonly defaultConstraints?: readonly DefaultConstraint[];
  /** defaultSelector returns the selector for default constraints (upstream: the services, RCs, RSs and StatefulSets selecting the pod); undefined → no defaults. */
  readonly defaultSelector?: (pod: JsonObject) => LabelSelector | undefined;
}

function withMatchLabelKeys(sel: LabelSelector, keys: readonly string[] | undefined, podLabels: Record<string, string>): LabelSelector {
  if (!keys?.length || sel.nothing) return sel;
  const extra = keys.filter((k) => Object.hasOwn(podLabels, k)).map((k) => ({ key: k, operator: '=' as const, values: [podLabels[k]] }));
  return extra.length ? { requirements: [...sel.requirements, ...extra] } : sel;
}

interface Ctx { readonly pod: JsonObject; readonly ns: string; readonly affinity: (node: JsonObject) => boolean }

function included(c: Constraint, ctx: Ctx, node: JsonObject): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !ctx.affinity(node)) return false;
  return !(c.nodeTaintsPolicy === 'Honor' && hasUntoleratedTaint(node, ctx.pod));
}

const hasAllKeys = (node: JsonObject, cs: readonly Constraint[]): boolean => {
  const labels = labelsOf(node);
  return cs.every((c) => Object.hasOwn(labels, c.topologyKey));
};

/** countMatching counts the non-terminating pods of namespace `ns` matched by `sel` (an empty selector counts nothing). */
function countMatching(pods: readonly PodInfo[], sel: LabelSelector, ns: string): number {
  if (isEmptyLabelSelector(sel)) return 0;
  let n = 0;
  for (const p of pods) if (!p.pod.metadata?.deletionTimestamp && namespaceOf(p.pod) === ns && matchesLabels(sel, labelsOf(p.pod))) n++;
  return n;
}

interface PreFilterState {
  owner: CycleState;
  readonly snapshot: Snapshot;
  readonly ctx: Ctx;
  readonly constraints: readonly Constraint[];
  /** counts[i] maps a topology value of constraint i to its matching pods. */
  counts: Map<string, number>[];
  /** mins[i] caches constraint i's global minimum (undefined after a change). */
  mins: (number | undefined)[];
}

interface PreScoreState {
  readonly constraints: readonly Constraint[];
  readonly ignored: ReadonlySet<string>;
  readonly pairCounts: Map<string, number>;
  readonly weights: readonly number[];
  readonly ns: string;
}

const pairKey = (k: string, v: string): string => `${k}\u0000${v}`;

/** newPodTopologySpread returns the PodTopologySpread plugin. */
export function newPodTopologySpread(opts: PodTopologySpreadOptions = {}): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions {
  const defaults = opts.defaultConstraints ?? SYSTEM_DEFAULT_CONSTRAINTS;
  const systemDefaulted = opts.defaultConstraints === undefined;

  const constraintsFor = (pod: JsonObject, action: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] => {
    const own: JsonObject[] = pod.spec?.topologySpreadConstraints ?? [];
    const podLabels = labelsOf(pod);
    if (own.length > 0) {
      return own.filter((c) => c.whenUnsatisfiable === action).map((c) => ({
        maxSkew: Number(c.maxSkew ?? 1), topologyKey: String(c.topologyKey ?? ''),
        selector: withMatchLabelKeys(selectorOf(c.labelSelector), c.matchLabelKeys, podLabels),
        minDomains: c.minDomains == null ? 1 : Number(c.minDomains),
        nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
        nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
      }));
    }
    const sel = opts.defaultSelector?.(pod);
    if (!sel || sel.nothing) return [];
    return defaults.filter((d) => d.whenUnsatisfiable === action).map((d) => ({
      maxSkew: d.maxSkew, topologyKey: d.topologyKey, selector: sel, minDomains: 1, nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore',
    }));
  };

  const minOf = (s: PreFilterState, i: number): number => {
    let m = s.mins[i];
    if (m === undefined) {
      m = Infinity;
      for (const v of s.counts[i].values()) if (v < m) m = v;
      s.mins[i] = m;
    }
    return s.counts[i].size < s.constraints[i].minDomains ? 0 : m;
  };

  const update = (cs: CycleState, other: PodInfo, ni: NodeInfo, delta: number): void => {
    let s = cs.read<PreFilterState>(PRE_FILTER_KEY);
    if (!s || s.constraints.length === 0 || namespaceOf(other.pod) !== s.ctx.ns || !hasAllKeys(ni.node, s.constraints)) return;
    if (s.owner !== cs) {
      s = { ...s, owner: cs, counts: s.counts.map((m) => new Map(m)), mins: [...s.mins] };
      cs.write(PRE_FILTER_KEY, s);
    }
    const labels = labelsOf(other.pod);
    const nodeLabels = labelsOf(ni.node);
    s.constraints.forEach((c, i) => {
      if (!matchesLabels(c.selector, labels) || !included(c, s.ctx, ni.node)) return;
      const v = nodeLabels[c.topologyKey];
      s.counts[i].set(v, (s.counts[i].get(v) ?? 0) + delta);
      s.mins[i] = undefined;
    });
  };

  return {
    name: NAME,

    eventsToRegister: (): readonly ClusterEvent[] => ['PodAdd', 'PodUpdate', 'PodDelete', 'NodeAdd', 'NodeUpdate', 'NodeDelete'],

    preFilter(cs, pi, snapshot) {
      const pod = pi.pod;
      const ctx: Ctx = { pod, ns: namespaceOf(pod), affinity: requiredNodeAffinity(pod) };
      const constraints = constraintsFor(pod, 'DoNotSchedule');
      const counts = constraints.map(() => new Map<string, number>());
      if (constraints.length > 0) {
        for (const ni of snapshot.nodes) {
          if (!hasAllKeys(ni.node, constraints)) continue;
          const nodeLabels = labelsOf(ni.node);
          constraints.forEach((c, i) => {
            if (!included(c, ctx, ni.node)) return;
            const v = nodeLabels[c.topologyKey];
            counts[i].set(v, (counts[i].get(v) ?? 0) + countMatching(ni.pods, c.selector, ctx.ns));
          });
        }
      }
      const state: PreFilterState = { owner: cs, snapshot, ctx, constraints, counts, mins: constraints.map(() => undefined) };
      cs.write(PRE_FILTER_KEY, state);
      // As upstream: no DoNotSchedule constraint switches this plugin's Filter off for the cycle.
      return { status: constraints.length === 0 ? SKIP : SUCCESS };
    },

    addPod(cs, _pod, other, node) { update(cs, other, node, 1); },
    removePod(cs, _pod, other, node) { update(cs, other, node, -1); },

    filter(cs, pi, ni): Status {
      const s = cs.read<PreFilterState>(PRE_FILTER_KEY);
      if (!s) return status('Error', `reading "${PRE_FILTER_KEY}" from cycleState: not found`);
      if (s.constraints.length === 0) return SUCCESS;
      const nodeLabels = labelsOf(ni.node);
      const podLabels = labelsOf(pi.pod);
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i];
        if (!Object.hasOwn(nodeLabels, c.topologyKey)) return status('UnschedulableAndUnresolvable', SPREAD_REASONS.missingLabel);
        const self = matchesLabels(c.selector, podLabels) ? 1 : 0;
        const skew = (s.counts[i].get(nodeLabels[c.topologyKey]) ?? 0) + self - minOf(s, i);
        if (skew > c.maxSkew) return status('Unschedulable', SPREAD_REASONS.constraintsNotMatch);
      }
      return SUCCESS;
    },

    preScore(cs, pi, nodes) {
      const pod = pi.pod;
      const constraints = constraintsFor(pod, 'ScheduleAnyway');
      const ns = namespaceOf(pod);
      const ignored = new Set<string>();
      const pairCounts = new Map<string, number>();
      const state: PreScoreState = { constraints, ignored, pairCounts, weights: [], ns };
      cs.write(PRE_SCORE_KEY, state);
      // As upstream: without soft constraints (given or system defaults) there is nothing to score.
      if (constraints.length === 0 || nodes.length === 0) return SKIP;
      const requireAll = (pod.spec?.topologySpreadConstraints ?? []).length > 0 || !systemDefaulted;
      const sizes = constraints.map(() => 0);
      for (const ni of nodes) {
        if (requireAll && !hasAllKeys(ni.node, constraints)) { ignored.add(ni.name); continue; }
        const labels = labelsOf(ni.node);
        constraints.forEach((c, i) => {
          if (c.topologyKey === HOSTNAME) return;
          const k = pairKey(c.topologyKey, labels[c.topologyKey]);
          if (!pairCounts.has(k)) { pairCounts.set(k, 0); sizes[i]++; }
        });
      }
      const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? nodes.length - ignored.size : sizes[i]) + 2));
      cs.write(PRE_SCORE_KEY, { ...state, weights } satisfies PreScoreState);
      const ctx: Ctx = { pod, ns, affinity: requiredNodeAffinity(pod) };
      const all = cs.read<PreFilterState>(PRE_FILTER_KEY)?.snapshot.nodes ?? nodes;
      for (const ni of all) {
        if (requireAll && !hasAllKeys(ni.node, constraints)) continue;
        const labels = labelsOf(ni.node);
        for (const c of constraints) {
          if (!included(c, ctx, ni.node)) continue;
          const k = pairKey(c.topologyKey, labels[c.topologyKey]);
          const cur = pairCounts.get(k);
          if (cur === undefined) continue;
          pairCounts.set(k, cur + countMatching(ni.pods, c.selector, ns));
        }
      }
      return SUCCESS;
    },

    score(cs, _pod, ni) {
      const s = cs.read<PreScoreState>(PRE_SCORE_KEY);
      if (!s || s.constraints.length === 0 || s.ignored.has(ni.name)) return 0;
      const labels = labelsOf(ni.node);
      let score = 0;
      s.constraints.forEach((c, i) => {
        if (!Object.hasOwn(labels, c.topologyKey)) return;
        const cnt = c.topologyKey === HOSTNAME ? countMatching(ni.pods, c.selector, s.ns) : (s.pairCounts.get(pairKey(c.topologyKey, labels[c.topologyKey])) ?? 0);
        score += cnt * s.weights[i] + (c.maxSkew - 1);
      });
      return Math.round(score);
    },

    normalizeScore(cs, _pod, scores) {
      const s = cs.read<PreScoreState>(PRE_SCORE_KEY);
      if (!s || s.constraints.length === 0) return;
      let min = Infinity;
      let max = 0;
      for (const [name, v] of scores) {
        if (s.ignored.has(name)) continue;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      for (const [name, v] of scores) {
        if (s.ignored.has(name)) scores.set(name, 0);
        else if (max === 0) scores.set(name, MAX_NODE_SCORE);
        else scores.set(name, Math.trunc((MAX_NODE_SCORE * (max + min - v)) / max));
      }
    },
  };
}
