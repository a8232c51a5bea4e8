/**
 * @module scheduler/runner — runs a profile's plugins at each extension point and is the Handle the
 * plugins see (snapshot, listers, filter re-runs for preemption, API writes). PreFilter and PreScore
 * results of Skip switch the plugin's Filter or Score off for the cycle; the active lists live in
 * the CycleState so `runFilters` (also used by preemption) honours them. Filters see nominated pods
 * of equal or higher priority as if they were already placed, as upstream does.
 */
import type { JsonObject } from '../api/index.ts';
import { RESOURCES, realClock, type ApiClient, type Clock } from '../client/index.ts';
import {
  CycleState, SUCCESS, status, type FilterPlugin, type Handle, type Listers, type NodeInfo, type NodeStatuses, type PodInfo,
  type PostFilterResult, type ScorePlugin, type Snapshot, type Status, type Weighted,
} from './framework.ts';
import { MutableNodeInfo } from './node-info.ts';
import type { Nominator } from './nominator.ts';
import type { Profile } from './profile.ts';
import { podPriority } from './resources.ts';

const ACTIVE_FILTERS = '__activeFilters';
const SKIP_PRE_FILTER = '__skipPreFilter';

/** EMPTY_LISTERS answers every lister read with nothing (benchmarks and unit tests). */
export const EMPTY_LISTERS: Listers = {
  pvc: () => undefined, pv: () => undefined, pvs: () => [], storageClass: () => undefined, namespace: () => undefined,
  namespaces: () => [], priorityClass: () => undefined, pdbs: () => [],
};

/** RunnerDeps are what the runner needs besides the profile; without a client the API writes are no-ops. */
export interface RunnerDeps {
  readonly listers?: Listers;
  readonly client?: ApiClient;
  readonly clock?: Clock;
  readonly nominator?: Nominator;
}

/** PreFilterOutcome is the merged PreFilter result: a failure status, or the narrowed node names (undefined = all). */
export interface PreFilterOutcome { readonly status: Status; readonly nodeNames?: ReadonlySet<string>; readonly narrowedBy?: readonly string[] }

/** withPlugin stamps the plugin name on a status (no copy when it already carries it). */
export const withPlugin = (s: Status, plugin: string): Status => (s.plugin === plugin ? s : { code: s.code, reasons: s.reasons, plugin });

/** runFilterList runs `filters` in order on one node, stopping at the first rejection (which carries its plugin name). */
export function runFilterList(filters: readonly FilterPlugin[], state: CycleState, pod: PodInfo, node: NodeInfo): Status {
  for (let i = 0; i < filters.length; i++) {
    const s = filters[i].filter(state, pod, node);
    if (s.code !== 'Success') return withPlugin(s, filters[i].name);
  }
  return SUCCESS;
}

/** FrameworkRunner executes a profile and implements Handle. */
export class FrameworkRunner implements Handle {
  readonly profile: Profile;
  readonly listers: Listers;
  readonly #client: ApiClient | undefined;
  readonly #clock: Clock;
  readonly #nominator: Nominator | undefined;
  #snapshot: Snapshot = { nodes: [], get: () => undefined, havePodsWithAffinity: [], havePodsWithRequiredAntiAffinity: [] };

  constructor(profile: Profile, deps: RunnerDeps = {}) {
    this.profile = profile;
    this.listers = deps.listers ?? EMPTY_LISTERS;
    this.#client = deps.client;
    this.#clock = deps.clock ?? realClock;
    this.#nominator = deps.nominator;
  }

  /** setSnapshot installs the snapshot of the cycle about to run. */
  setSnapshot(s: Snapshot): void { this.#snapshot = s; }

  snapshot(): Snapshot { return this.#snapshot; }

  now(): number { return this.#clock.now(); }

  /** runPreFilter runs every PreFilter plugin; Skip switches off that plugin's Filter; node name sets are intersected. */
  runPreFilter(state: CycleState, pod: PodInfo): PreFilterOutcome {
    const skip = new Set<string>();
    let names: Set<string> | undefined;
    const narrowedBy: string[] = [];
    for (const p of this.profile.preFilter) {
      const r = p.preFilter(state, pod, this.#snapshot, this);
      const code = r.status.code;
      if (code === 'Skip') { skip.add(p.name); continue; }
      if (code !== 'Success') return { status: withPlugin(r.status, p.name) };
      if (r.nodeNames) narrowedBy.push(p.name);
      if (r.nodeNames) names = names ? new Set([...names].filter((n) => r.nodeNames?.has(n))) : new Set(r.nodeNames);
    }
    state.write(SKIP_PRE_FILTER, skip);
    state.write(ACTIVE_FILTERS, skip.size ? this.profile.filter.filter((f) => !skip.has(f.name)) : this.profile.filter);
    return { status: SUCCESS, nodeNames: names, narrowedBy };
  }

  /** activeFilters lists the Filter plugins PreFilter left on for this cycle. */
  activeFilters(state: CycleState): readonly FilterPlugin[] { return state.read<FilterPlugin[]>(ACTIVE_FILTERS) ?? this.profile.filter; }

  /** hasNominatedPods says whether any pod is nominated (filters must then consider them). */
  hasNominatedPods(): boolean { return (this.#nominator?.size ?? 0) > 0; }

  /** runFilters runs the active Filter plugins on one node, stopping at the first rejection (which carries its plugin name). */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status { return runFilterList(this.activeFilters(state), state, pod, node); }

  /** runFiltersWithNominatedPods also checks the node with its nominated pods of equal or higher priority added. */
  runFiltersWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const nom = this.#nominator;
    if (nom && nom.size > 0) {
      const prio = podPriority(pod.pod);
      const others = nom.podsForNode(node.name).filter((p) => p.key !== pod.key && podPriority(p.pod) >= prio);
      if (others.length) {
        const s2 = state.clone();
        const n2 = node instanceof MutableNodeInfo ? node.clone() : undefined;
        if (n2) {
          for (const o of others) { n2.addPod(o); this.runPreFilterAddPod(s2, pod, o, n2); }
          const s = this.runFilters(s2, pod, n2);
          if (s.code !== 'Success') return s;
        }
      }
    }
    return this.runFilters(state, pod, node);
  }

  runPreFilterAddPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    const skip = state.read<Set<string>>(SKIP_PRE_FILTER);
    for (const p of this.profile.preFilter) if (!skip?.has(p.name)) p.addPod?.(state, pod, other, node);
  }

  runPreFilterRemovePod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    const skip = state.read<Set<string>>(SKIP_PRE_FILTER);
    for (const p of this.profile.preFilter) if (!skip?.has(p.name)) p.removePod?.(state, pod, other, node);
  }

  /** runPostFilter runs PostFilter plugins until one returns Success (or a nomination). */
  async runPostFilter(state: CycleState, pod: PodInfo, statuses: NodeStatuses): Promise<PostFilterResult> {
    let last: PostFilterResult = { status: status('Unschedulable') };
    for (const p of this.profile.postFilter) {
      const r = await p.postFilter(state, pod, statuses, this);
      if (r.status.code === 'Success' || r.status.code === 'Error') return { ...r, status: withPlugin(r.status, p.name) };
      if (r.status.code !== 'Skip') last = { ...r, status: withPlugin(r.status, p.name) };
    }
    return last;
  }

  /** runPreScore runs PreScore plugins and returns the Score plugins not skipped. */
  runPreScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { status: Status; scorers: readonly Weighted[] } {
    let skip: Set<string> | undefined;
    for (const p of this.profile.preScore) {
      const s = p.preScore(state, pod, nodes);
      if (s.code === 'Skip') (skip ??= new Set()).add(p.name);
      else if (s.code !== 'Success') return { status: withPlugin(s, p.name), scorers: [] };
    }
    return { status: SUCCESS, scorers: skip ? this.profile.score.filter((w) => !skip.has(w.plugin.name)) : this.profile.score };
  }

  /** runScore sums the weighted (normalized) scores of the feasible nodes into `totals`. `at[i]`,
   * when given, is the row of nodes[i] in the current snapshot (its table and node classes). */
  runScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scorers: readonly Weighted[], totals: Float64Array, at?: readonly number[]): void {
    let buf: Float64Array | undefined;
    const rows = at?.length === nodes.length ? at : undefined;
    for (const { plugin, weight } of scorers) {
      if (!plugin.normalizeScores && plugin.normalizeScore) {
        const m = new Map<string, number>();
        for (let i = 0; i < nodes.length; i++) m.set(nodes[i].name, plugin.score(state, pod, nodes[i]));
        plugin.normalizeScore(state, pod, m);
        if (m.size === nodes.length) {
          // Values replaced in place keep insertion order: read them back without hashing every name again.
          let i = 0;
          for (const v of m.values()) totals[i++] += v * weight;
        } else for (let i = 0; i < nodes.length; i++) totals[i] += (m.get(nodes[i].name) ?? 0) * weight;
        continue;
      }
      buf ??= new Float64Array(nodes.length);
      this.#rawScores(plugin, state, pod, nodes, buf, rows);
      plugin.normalizeScores?.(state, pod, nodes, buf);
      for (let i = 0; i < nodes.length; i++) totals[i] += buf[i] * weight;
    }
  }

  /** rawScores fills `out` with one plugin's scores: from the snapshot's table when the plugin reads
   * only that, once per node class when its score depends only on the class, else node by node. */
  #rawScores(plugin: ScorePlugin, state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], out: Float64Array, rows: readonly number[] | undefined): void {
    const { table, nodeClasses } = this.#snapshot;
    if (rows && table && plugin.scoreAt) {
      for (let i = 0; i < nodes.length; i++) out[i] = plugin.scoreAt(state, pod, table, rows[i]);
    } else if (rows && nodeClasses && plugin.scoreByNodeClass?.(state, pod) === true) {
      const byClass: number[] = [];
      for (let i = 0; i < nodes.length; i++) {
        const c = nodeClasses[rows[i]];
        out[i] = byClass[c] ?? (byClass[c] = plugin.score(state, pod, nodes[i]));
      }
    } else for (let i = 0; i < nodes.length; i++) out[i] = plugin.score(state, pod, nodes[i]);
  }

  /** runReserve runs Reserve plugins in order; on a failure the caller must run runUnreserve. */
  async runReserve(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> {
    for (const p of this.profile.reserve) {
      const s = await p.reserve(state, pod, nodeName);
      if (s.code !== 'Success') return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /** runUnreserve undoes Reserve in reverse order (errors are swallowed: unreserve must not fail). */
  async runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): Promise<void> {
    for (const p of [...this.profile.reserve].reverse()) {
      try { await p.unreserve(state, pod, nodeName); } catch { /* best effort */ }
    }
  }

  /** runPreBind runs PreBind plugins in order. */
  async runPreBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> {
    for (const p of this.profile.preBind) {
      const s = await p.preBind(state, pod, nodeName, this);
      if (s.code !== 'Success') return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /** runBind asks Bind plugins in order until one does not Skip. */
  async runBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> {
    for (const p of this.profile.bind) {
      const s = await p.bind(state, pod, nodeName);
      if (s.code === 'Skip') continue;
      return s.code === 'Success' ? s : withPlugin(s, p.name);
    }
    return status('Error', 'no bind plugin bound the pod');
  }

  async deletePod(pod: JsonObject): Promise<void> {
    if (!this.#client) return;
    await this.#client.delete(RESOURCES.pods, String(pod.metadata?.namespace ?? ''), String(pod.metadata?.name ?? ''), { preconditions: { uid: pod.metadata?.uid } });
  }

  async patchPodStatus(pod: JsonObject, st: JsonObject): Promise<void> {
    if (!this.#client) return;
    await this.#client.patch(RESOURCES.pods, String(pod.metadata?.namespace ?? ''), String(pod.metadata?.name ?? ''), 'strategic', { status: st }, { subresource: 'status' });
  }

  async updatePvc(pvc: JsonObject): Promise<void> {
    if (this.#client) await this.#client.update(RESOURCES.persistentvolumeclaims, String(pvc.metadata?.namespace ?? ''), pvc);
  }

  async updatePv(pv: JsonObject): Promise<void> {
    if (this.#client) await this.#client.update(RESOURCES.persistentvolumes, '', pv);
  }
}
