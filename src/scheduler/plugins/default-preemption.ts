/**
 * @module scheduler/plugins/default-preemption — the DefaultPreemption PostFilter plugin with
 * kube-scheduler semantics. When no node fits, it dry-runs preemption on the nodes whose filter
 * status was Unschedulable (not UnschedulableAndUnresolvable): on a what-if copy of each node it
 * removes every lower-priority pod (PreFilter state kept right through the Handle's removePod),
 * checks that the pod then fits, and reprieves victims highest priority first — PDB-violating ones
 * before the others — while it still fits. Among the candidates it picks the node with the fewest
 * PDB violations, then the lowest highest-victim priority, the smallest priority sum, the fewest
 * victims, the latest start of the top-priority victims. It marks the victims with the
 * DisruptionTarget condition, deletes them, and nominates the node. When nothing helps it returns
 * upstream's "preemption: 0/N nodes are available: …" message.
 */
import type { JsonObject } from '../../api/index.ts';
import { isEmptyLabelSelector, matchesLabels } from '../../api/index.ts';
import type { CycleState, Handle, NodeInfo, NodeStatuses, PodInfo, PostFilterPlugin, PostFilterResult, Status } from '../framework.ts';
import { SUCCESS, isSuccess, status } from '../framework.ts';
import { labelsOf, moreImportant, namespaceOf, nodeInfoWithout, podPriority, podStartTime, selectorOf } from './advanced-util.ts';

/** PREEMPTION_MESSAGES are upstream's per-node preemption outcomes. */
export const PREEMPTION_MESSAGES = {
  notHelpful: 'Preemption is not helpful for scheduling',
  noVictims: 'No preemption victims found for incoming pod',
  never: 'not eligible due to preemptionPolicy=Never.',
  terminating: 'not eligible due to a terminating pod on the nominated node.',
} as const;

/** DefaultPreemptionOptions (upstream DefaultPreemptionArgs plus injectable randomness). */
export interface DefaultPreemptionOptions {
  /** minCandidateNodesPercentage / minCandidateNodesAbsolute bound how many candidates the dry run collects (defaults 10 %, 100). */
  readonly minCandidateNodesPercentage?: number;
  readonly minCandidateNodesAbsolute?: number;
  /** random picks the dry run's starting offset (default Math.random). */
  readonly random?: () => number;
  /** writeNomination makes the plugin patch the preemptor's status.nominatedNodeName itself (default false: the core writes
   * the returned nominatedNodeName, as upstream's scheduler does; '' clears it). */
  readonly writeNomination?: boolean;
}

/** Victims are the pods one candidate node would lose, highest priority first. */
export interface Candidate { readonly node: string; readonly victims: readonly PodInfo[]; readonly pdbViolations: number }

type Outcome = { victims: PodInfo[]; pdbViolations: number } | Status;
type FilterFn = (state: CycleState, pod: PodInfo, node: NodeInfo) => Status;

/** filtersOf prefers the runner's runFiltersWithNominatedPods (upstream's RunFilterPluginsWithNominatedPods) when the Handle has it. */
function filtersOf(h: Handle): FilterFn {
  const withNominated = (h as Handle & { runFiltersWithNominatedPods?: FilterFn }).runFiltersWithNominatedPods;
  return typeof withNominated === 'function' ? withNominated.bind(h) : h.runFilters.bind(h);
}

const notFound = (e: unknown): boolean => (e as { code?: unknown } | undefined)?.code === 404;

function terminatingByPreemption(p: JsonObject): boolean {
  return Boolean(p.metadata?.deletionTimestamp) &&
    (p.status?.conditions ?? []).some((c: JsonObject) => c.type === 'DisruptionTarget' && c.reason === 'PreemptionByScheduler');
}

/** splitByPdb separates victims whose eviction would exceed a matching PDB's disruptionsAllowed from the others (filterPodsWithPDBViolation). */
export function splitByPdb(victims: readonly PodInfo[], pdbsOf: (ns: string) => readonly JsonObject[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = new Map<JsonObject, number>();
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const v of victims) {
    const labels = labelsOf(v.pod);
    let violated = false;
    if (Object.keys(labels).length > 0) {
      for (const pdb of pdbsOf(namespaceOf(v.pod))) {
        const sel = selectorOf(pdb.spec?.selector);
        if (sel.nothing || isEmptyLabelSelector(sel) || !matchesLabels(sel, labels)) continue;
        if (Object.hasOwn(pdb.status?.disruptedPods ?? {}, v.pod.metadata?.name)) continue;
        const left = (allowed.get(pdb) ?? Number(pdb.status?.disruptionsAllowed ?? 0)) - 1;
        allowed.set(pdb, left);
        if (left < 0) violated = true;
      }
    }
    (violated ? violating : nonViolating).push(v);
  }
  return { violating, nonViolating };
}

/** pickCandidate applies upstream's tie-breakers in order and returns the chosen candidate (first one on a full tie). */
export function pickCandidate(cands: readonly Candidate[], now: number): Candidate | undefined {
  const earliestTopStart = (c: Candidate): number => {
    const top = podPriority(c.victims[0].pod);
    return Math.min(...c.victims.filter((v) => podPriority(v.pod) === top).map((v) => podStartTime(v.pod, now)));
  };
  const scores: ((c: Candidate) => number)[] = [
    (c) => -c.pdbViolations,
    (c) => -podPriority(c.victims[0].pod),
    (c) => -c.victims.reduce((s, v) => s + podPriority(v.pod) + 2 ** 31, 0),
    (c) => -c.victims.length,
    earliestTopStart,
  ];
  let left = [...cands];
  for (const f of scores) {
    if (left.length <= 1) break;
    const vals = left.map(f);
    const best = Math.max(...vals);
    left = left.filter((_, i) => vals[i] === best);
  }
  return left[0];
}

/** fitErrorMessage renders upstream's FitError text for preemption ("0/N nodes are available: 2 reason, 1 other."). */
function fitErrorMessage(total: number, statuses: ReadonlyMap<string, Status>): string {
  const counts = new Map<string, number>();
  for (const s of statuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const absent = total - statuses.size;
  if (absent > 0) counts.set(PREEMPTION_MESSAGES.notHelpful, (counts.get(PREEMPTION_MESSAGES.notHelpful) ?? 0) + absent);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${total} nodes are available:${parts.length ? ` ${parts.join(', ')}.` : ''}`;
}

/** newDefaultPreemption returns the DefaultPreemption plugin. */
export function newDefaultPreemption(opts: DefaultPreemptionOptions = {}): PostFilterPlugin {
  const pct = opts.minCandidateNodesPercentage ?? 10;
  const abs = opts.minCandidateNodesAbsolute ?? 100;
  const random = opts.random ?? Math.random;

  const selectVictims = (h: Handle, state: CycleState, pi: PodInfo, ni: NodeInfo, pdbsOf: (ns: string) => readonly JsonObject[]): Outcome => {
    const prio = podPriority(pi.pod);
    const cs = state.clone();
    const removed = new Set<PodInfo>();
    const potential = ni.pods.filter((p) => podPriority(p.pod) < prio);
    if (potential.length === 0) return status('UnschedulableAndUnresolvable', PREEMPTION_MESSAGES.noVictims);
    for (const p of potential) {
      removed.add(p);
      h.runPreFilterRemovePod(cs, pi, p, nodeInfoWithout(ni, removed));
    }
    const runFilters = filtersOf(h);
    const st = runFilters(cs, pi, nodeInfoWithout(ni, removed));
    if (!isSuccess(st)) return st;
    const now = h.now();
    potential.sort((a, b) => moreImportant(a.pod, b.pod, now));
    const { violating, nonViolating } = splitByPdb(potential, pdbsOf);
    const victims: PodInfo[] = [];
    const reprieve = (p: PodInfo): boolean => {
      removed.delete(p);
      const withP = nodeInfoWithout(ni, removed);
      h.runPreFilterAddPod(cs, pi, p, withP);
      if (isSuccess(runFilters(cs, pi, withP))) return true;
      removed.add(p);
      h.runPreFilterRemovePod(cs, pi, p, nodeInfoWithout(ni, removed));
      victims.push(p);
      return false;
    };
    let pdbViolations = 0;
    for (const p of violating) if (!reprieve(p)) pdbViolations++;
    for (const p of nonViolating) reprieve(p);
    if (violating.length > 0 && nonViolating.length > 0) victims.sort((a, b) => moreImportant(a.pod, b.pod, now));
    return { victims, pdbViolations };
  };

  return {
    name: 'DefaultPreemption',

    async postFilter(state, pi, statuses: NodeStatuses, h): Promise<PostFilterResult> {
      const pod = pi.pod;
      const fail = (code: Status['code'], msg: string): PostFilterResult => ({ status: status(code, `preemption: ${msg}`) });
      if (pod.spec?.preemptionPolicy === 'Never') return fail('Unschedulable', PREEMPTION_MESSAGES.never);
      const snapshot = h.snapshot();
      const nominated: string | undefined = pod.status?.nominatedNodeName || undefined;
      if (nominated && statuses.has(nominated) && statuses.get(nominated)?.code !== 'UnschedulableAndUnresolvable') {
        const ni = snapshot.get(nominated);
        if (ni?.pods.some((p) => podPriority(p.pod) < podPriority(pod) && terminatingByPreemption(p.pod))) return fail('Unschedulable', PREEMPTION_MESSAGES.terminating);
      }
      const all = snapshot.nodes;
      if (all.length === 0) return fail('Error', 'no nodes available');
      const potential = all.filter((n) => statuses.get(n.name)?.code === 'Unschedulable');
      const dryStatuses = new Map<string, Status>();
      const nonViolating: Candidate[] = [];
      const violating: Candidate[] = [];
      const errors: string[] = [];
      if (potential.length > 0) {
        const pdbCache = new Map<string, readonly JsonObject[]>();
        const pdbsOf = (ns: string): readonly JsonObject[] => {
          let l = pdbCache.get(ns);
          if (!l) pdbCache.set(ns, (l = h.listers.pdbs(ns)));
          return l;
        };
        const want = Math.min(potential.length, Math.max(Math.floor((potential.length * pct) / 100), abs));
        const offset = Math.floor(random() * potential.length) % potential.length;
        for (let i = 0; i < potential.length; i++) {
          const ni = potential[(offset + i) % potential.length];
          const out = selectVictims(h, state, pi, ni, pdbsOf);
          if ('code' in out) {
            dryStatuses.set(ni.name, out);
            if (out.code === 'Error') errors.push(out.reasons.join(', '));
            continue;
          }
          const c: Candidate = { node: ni.name, victims: out.victims, pdbViolations: out.pdbViolations };
          if (c.victims.length === 0) {
            const msg = `expected at least one victim pod on node "${ni.name}"`;
            errors.push(msg);
            dryStatuses.set(ni.name, status('Error', msg));
            continue;
          }
          (c.pdbViolations === 0 ? nonViolating : violating).push(c);
          if (nonViolating.length > 0 && nonViolating.length + violating.length >= want) break;
        }
      } else if (nominated && opts.writeNomination) {
        await h.patchPodStatus(pod, { nominatedNodeName: null });
      }
      const candidates = [...nonViolating, ...violating];
      if (candidates.length === 0) {
        if (errors.length > 0) return fail('Error', errors.join('; '));
        return { status: status('Unschedulable', `preemption: ${fitErrorMessage(all.length, dryStatuses)}`), nominatedNodeName: '' };
      }
      const best = pickCandidate(candidates, h.now());
      if (!best) return fail('Unschedulable', 'no candidate node for preemption');
      try {
        for (const v of best.victims) {
          if (v.pod.metadata?.deletionTimestamp) continue;
          const others = (v.pod.status?.conditions ?? []).filter((c: JsonObject) => c.type !== 'DisruptionTarget');
          const condition = {
            type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler',
            message: `${pod.spec?.schedulerName ?? 'default-scheduler'}: preempting to accommodate a higher priority pod`,
            lastTransitionTime: new Date(h.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          };
          try {
            await h.patchPodStatus(v.pod, { conditions: [...others, condition] });
            await h.deletePod(v.pod);
          } catch (e) {
            if (!notFound(e)) throw e;
          }
        }
        if (opts.writeNomination) await h.patchPodStatus(pod, { nominatedNodeName: best.node });
      } catch (e) {
        return { status: status('Error', (e as Error).message) };
      }
      return { status: SUCCESS, nominatedNodeName: best.node };
    },
  };
}
