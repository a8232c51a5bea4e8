/**
 * @module scheduler/algorithm — one pod's placement decision over a snapshot: PreFilter, Filter
 * across nodes until upstream's adaptive number of feasible nodes is found (starting where the last
 * cycle stopped), PreScore, Score with normalization and weights, and the highest total with a
 * random tie-break. A pod that fits nowhere yields a Diagnosis (per-node statuses and the plugins
 * that rejected it) for PostFilter, the requeue hints and the FailedScheduling message.
 */
import { CycleState, NODE_TABLE_STRIDE, type NodeInfo, type PodInfo, type Snapshot, type Status } from './framework.ts';
import { runFilterList, type FrameworkRunner } from './runner.ts';

/** MIN_FEASIBLE_NODES_TO_FIND is the floor of the feasible-node search (upstream 100). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** MIN_FEASIBLE_NODES_PERCENTAGE is the floor of the adaptive percentage (upstream 5). */
export const MIN_FEASIBLE_NODES_PERCENTAGE = 5;

/** numFeasibleNodesToFind is upstream's rule: all nodes under 100; else percentage (adaptive 50 − n/125, ≥ 5) of n, at least 100. */
export function numFeasibleNodesToFind(percentage: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage ?? 0;
  if (pct >= 100) return numAllNodes;
  if (pct <= 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE) pct = MIN_FEASIBLE_NODES_PERCENTAGE;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** Diagnosis explains why no node fits: per-node statuses, the rejecting plugins, and a PreFilter failure message if any. */
export interface Diagnosis {
  readonly statuses: Map<string, Status>;
  readonly unschedulablePlugins: Set<string>;
  readonly preFilterMsg?: string;
  /** error is set when a plugin failed with Error (the pod is retried with backoff, no PostFilter). */
  readonly error?: string;
}

/** ScheduleResult is a chosen node, or the diagnosis of a failure over `numAllNodes` nodes. */
export type ScheduleResult =
  | { readonly ok: true; readonly nodeName: string; readonly evaluatedNodes: number; readonly feasibleNodes: number }
  | { readonly ok: false; readonly numAllNodes: number; readonly diagnosis: Diagnosis };

/** AlgorithmOptions: the percentage of nodes to score (0/undefined = adaptive) and the tie-break RNG. */
export interface AlgorithmOptions { readonly percentageOfNodesToScore?: number; readonly rng?: () => number }

/** Algorithm holds the round-robin start index between cycles. */
export class Algorithm {
  readonly #runner: FrameworkRunner;
  readonly #pct: number | undefined;
  readonly #rng: () => number;
  nextStartNodeIndex = 0;

  constructor(runner: FrameworkRunner, opts: AlgorithmOptions = {}) {
    this.#runner = runner;
    this.#pct = opts.percentageOfNodesToScore;
    this.#rng = opts.rng ?? Math.random;
  }

  /** schedulePod picks a node for `pod` in `snapshot` (the runner must already hold the snapshot). */
  schedulePod(state: CycleState, pod: PodInfo, snapshot: Snapshot): ScheduleResult {
    const all = snapshot.nodes;
    const numAllNodes = all.length;
    const unschedulablePlugins = new Set<string>();
    if (numAllNodes === 0) return { ok: false, numAllNodes, diagnosis: { statuses: new Map(), unschedulablePlugins } };
    const pre = this.#runner.runPreFilter(state, pod);
    if (pre.status.code !== 'Success') {
      const statuses = new Map<string, Status>();
      for (const n of all) statuses.set(n.name, pre.status);
      if (pre.status.code === 'Error') return { ok: false, numAllNodes, diagnosis: { statuses, unschedulablePlugins, error: pre.status.reasons.join(', ') } };
      if (pre.status.plugin) unschedulablePlugins.add(pre.status.plugin);
      return { ok: false, numAllNodes, diagnosis: { statuses, unschedulablePlugins, preFilterMsg: pre.status.reasons.join(', ') } };
    }
    const found = this.#findFeasible(state, pod, snapshot, pre.nodeNames, pre.narrowedBy ?? [], unschedulablePlugins);
    if ('error' in found) return { ok: false, numAllNodes, diagnosis: { statuses: found.statuses, unschedulablePlugins, error: found.error } };
    const feasible = found.feasible;
    if (feasible.length === 0) return { ok: false, numAllNodes, diagnosis: { statuses: found.statuses, unschedulablePlugins } };
    if (feasible.length === 1) return { ok: true, nodeName: feasible[0].name, evaluatedNodes: found.processed, feasibleNodes: 1 };
    const ps = this.#runner.runPreScore(state, pod, feasible);
    if (ps.status.code !== 'Success') {
      return { ok: false, numAllNodes, diagnosis: { statuses: new Map(), unschedulablePlugins, error: ps.status.reasons.join(', ') } };
    }
    const totals = new Float64Array(feasible.length);
    this.#runner.runScore(state, pod, feasible, ps.scorers, totals, found.at);
    return { ok: true, nodeName: this.#select(feasible, totals), evaluatedNodes: found.processed, feasibleNodes: feasible.length };
  }

  #select(nodes: readonly NodeInfo[], totals: Float64Array): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (totals[i] > totals[best]) { best = i; ties = 1; } else if (totals[i] === totals[best]) {
        ties++;
        if (Math.floor(this.#rng() * ties) === 0) best = i;
      }
    }
    return nodes[best].name;
  }

  #findFeasible(state: CycleState, pod: PodInfo, snapshot: Snapshot, names: ReadonlySet<string> | undefined, narrowedBy: readonly string[], plugins: Set<string>):
    { feasible: NodeInfo[]; at?: number[]; statuses: Map<string, Status>; processed: number } | { error: string; statuses: Map<string, Status> } {
    const runner = this.#runner;
    const nominated = String(pod.pod.status?.nominatedNodeName ?? '');
    if (nominated) {
      const n = snapshot.get(nominated);
      if (n && (!names || names.has(nominated)) && runner.runFiltersWithNominatedPods(state, pod, n).code === 'Success') {
        return { feasible: [n], statuses: new Map(), processed: 1 };
      }
    }
    let nodes = snapshot.nodes;
    let missing: Status | undefined;
    if (names) {
      nodes = [...names].map((n) => snapshot.get(n)).filter((n): n is NodeInfo => n !== undefined);
      const by = [...narrowedBy].sort();
      missing = { code: 'UnschedulableAndUnresolvable', reasons: [`node(s) didn't satisfy plugin(s) [${by.join(' ')}]`], plugin: by[0] };
    }
    const n = nodes.length;
    const want = numFeasibleNodesToFind(this.#pct, n);
    const feasible: NodeInfo[] = [];
    let processed = 0;
    const start = names ? 0 : this.nextStartNodeIndex % Math.max(1, n);
    const active = runner.activeFilters(state);
    const plain = !runner.hasNominatedPods();
    // Filters that look only at a node's class (for this pod) run once per class: a node whose class
    // is rejected is skipped without reading it (the hot path needs only feasibility; why a node was
    // rejected is recorded by the second pass below, in the profile's order).
    const classes = plain && !names && snapshot.nodeClasses?.length === n ? snapshot.nodeClasses : undefined;
    const byClass = classes ? active.filter((f) => f.byNodeClass?.(state, pod) === true) : [];
    const filters = byClass.length ? active.filter((f) => !byClass.includes(f)) : active;
    // With the snapshot's table (same rows as `nodes`), a filter's quick test on its row answers
    // for most nodes without reading the node; the search then also records each feasible node's row.
    const table = plain && !names && snapshot.table?.length === n * NODE_TABLE_STRIDE ? snapshot.table : undefined;
    const quick = table ? filters.filter((f) => f.fitsAt !== undefined) : [];
    const rest = quick.length ? filters.filter((f) => f.fitsAt === undefined) : filters;
    const at: number[] | undefined = table ? [] : undefined;
    const verdicts: Status[] = [];
    for (let i = 0; i < n && feasible.length < want; i++) {
      const k = (start + i) % n;
      processed++;
      if (classes && byClass.length) {
        const c = classes[k];
        const v = verdicts[c] ?? (verdicts[c] = runFilterList(byClass, state, pod, nodes[k]));
        if (v.code === 'Error') return { error: v.reasons.join(', '), statuses: new Map() };
        if (v.code !== 'Success') continue;
      }
      let s: Status;
      if (at) {
        let fits = true;
        for (let q = 0; q < quick.length && fits; q++) fits = quick[q].fitsAt!(state, pod, table!, k);
        s = fits ? runFilterList(rest, state, pod, nodes[k]) : runFilterList(filters, state, pod, nodes[k]);
      } else s = plain ? runFilterList(filters, state, pod, nodes[k]) : runner.runFiltersWithNominatedPods(state, pod, nodes[k]);
      if (s.code === 'Success') { feasible.push(nodes[k]); at?.push(k); }
      else if (s.code === 'Error') return { error: s.reasons.join(', '), statuses: new Map() };
    }
    if (!names) this.nextStartNodeIndex = n ? (start + processed) % n : 0;
    const out = new Map<string, Status>();
    if (feasible.length === 0) {
      // Nothing fits, so every node was visited: a second pass records why (the hot path records nothing).
      for (const node of nodes) {
        const st = runner.runFiltersWithNominatedPods(state, pod, node);
        out.set(node.name, st);
        if (st.plugin) plugins.add(st.plugin);
      }
    }
    if (missing && feasible.length === 0) {
      for (const node of snapshot.nodes) if (!names?.has(node.name)) out.set(node.name, missing);
      for (const p of narrowedBy) plugins.add(p);
    }
    return { feasible, at, statuses: out, processed };
  }
}

