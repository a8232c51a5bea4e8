/**
 * @module scheduler/plugins/taint-toleration — TaintToleration: Filter rejects a node with a
 * NoSchedule or NoExecute taint the pod does not tolerate ("node(s) had untolerated taint {k: v}");
 * Score counts the PreferNoSchedule taints not tolerated and normalizes in reverse (fewer is better).
 */
import {
  always, status, SUCCESS, type ClusterEvent, type CycleState, type EnqueueExtensions, type FilterPlugin, type PodInfo, type PreScorePlugin, type ScorePlugin, type Status,
} from '../framework.ts';
import { defaultNormalizeScore, defaultNormalizeScores, podTolerations, taintsOf, tolerated, type Taint, type Toleration } from './helpers.ts';

const STATE_KEY = 'PreScoreTaintToleration';

/** untoleratedTaintReason is upstream's reason text for one untolerated taint. */
export function untoleratedTaintReason(key: string, value: string | undefined): string {
  return `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
}

/** newTaintToleration returns the TaintToleration plugin. */
export function newTaintToleration(): FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions {
  // The filter runs for one pod across many nodes: keep that pod's tolerations at hand.
  let lastPod: PodInfo | undefined;
  let lastTols: readonly Toleration[] = [];
  let scoreState: CycleState | undefined;
  let scoreTols: readonly Toleration[] = [];
  // One shared Status per taint object (taints are stable parts of the cached Node).
  const rejections = new WeakMap<Taint, Status>();
  let lastTaint: Taint | undefined;
  let lastRejection: Status | undefined;
  const rejection = (t: Taint): Status => {
    if (lastTaint && lastRejection && t.key === lastTaint.key && t.value === lastTaint.value) return lastRejection;
    let s = rejections.get(t);
    if (!s) rejections.set(t, (s = { ...status('UnschedulableAndUnresolvable', untoleratedTaintReason(t.key, t.value)), plugin: 'TaintToleration' }));
    lastTaint = t;
    lastRejection = s;
    return s;
  };
  return {
    name: 'TaintToleration',
    byNodeClass: always,
    filter(_state, pod, node) {
      const taints = taintsOf(node);
      if (taints.length === 0) return SUCCESS;
      if (pod !== lastPod) { lastPod = pod; lastTols = podTolerations(pod.pod); }
      const tols = lastTols;
      for (const t of taints) {
        if (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') continue;
        if (!tolerated(tols, t)) return rejection(t);
      }
      return SUCCESS;
    },
    preScore(state, pod) {
      const prefer = podTolerations(pod.pod).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
      state.write(STATE_KEY, prefer);
      return SUCCESS;
    },
    score(state: CycleState, _pod, node) {
      const taints = taintsOf(node);
      if (taints.length === 0) return 0;
      if (state !== scoreState) { scoreState = state; scoreTols = state.read<Toleration[]>(STATE_KEY) ?? []; }
      const tols = scoreTols;
      let n = 0;
      for (const t of taints) if (t.effect === 'PreferNoSchedule' && !tolerated(tols, t)) n++;
      return n;
    },
    scoreByNodeClass: always,
    normalizeScore(_state, _pod, scores) { defaultNormalizeScore(scores, true); },
    normalizeScores(_state, _pod, _nodes, scores) { defaultNormalizeScores(scores, true); },
    eventsToRegister: (): ClusterEvent[] => ['NodeAdd', 'NodeUpdate'],
  };
}
