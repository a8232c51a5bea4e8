/**
 * @module scheduler/plugins/balanced-allocation — NodeResourcesBalancedAllocation: prefers nodes
 * whose CPU and memory would be used in equal fractions after placing the pod (score =
 * (1 − standard deviation of the fractions) × 100, on actual requests).
 */
import { MAX_NODE_SCORE, type ClusterEvent, type EnqueueExtensions, type NodeInfo, type PodInfo, type ScorePlugin } from '../framework.ts';
import { MutableNodeInfo } from '../node-info.ts';

/** balancedScore is upstream's balanced-resource score for CPU and memory. */
export function balancedScore(pod: PodInfo, node: NodeInfo): number {
  if (node instanceof MutableNodeInfo && node.allocCPU > 0 && node.allocMem > 0) {
    const f0 = Math.min(1, (node.reqCPU + pod.requests.milliCPU) / node.allocCPU);
    const f1 = Math.min(1, (node.reqMem + pod.requests.memory) / node.allocMem);
    return Math.trunc((1 - Math.abs((f0 - f1) / 2)) * MAX_NODE_SCORE);
  }
  const a = node.allocatable;
  let n = 0;
  let f0 = 0;
  let f1 = 0;
  if (a.milliCPU > 0) { f0 = Math.min(1, (node.requested.milliCPU + pod.requests.milliCPU) / a.milliCPU); n++; }
  if (a.memory > 0) {
    const f = Math.min(1, (node.requested.memory + pod.requests.memory) / a.memory);
    if (n === 0) f0 = f; else f1 = f;
    n++;
  }
  const std = n === 2 ? Math.abs((f0 - f1) / 2) : 0;
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** newBalancedAllocation returns the NodeResourcesBalancedAllocation plugin. */
export function newBalancedAllocation(): ScorePlugin & EnqueueExtensions {
  return {
    name: 'NodeResourcesBalancedAllocation',
    score(_state, pod, node) { return balancedScore(pod, node); },
    eventsToRegister: (): ClusterEvent[] => ['PodDelete', 'NodeAdd', 'NodeUpdate'],
  };
}
