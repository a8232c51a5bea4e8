/**
 * @module scheduler/plugins/balanced-allocation — NodeResourcesBalancedAllocation: prefers nodes
 * whose CPU and memory would be used in equal fractions after placing the pod (score =
 * (1 − standard deviation of the fractions) × 100, on actual requests).
 */
import {
  MAX_NODE_SCORE, NODE_TABLE_STRIDE, T_ALLOC_CPU, T_ALLOC_MEM, T_REQ_CPU, T_REQ_MEM, type ClusterEvent, type EnqueueExtensions, type NodeInfo, type PodInfo, type ScorePlugin,
} from '../framework.ts';
import { MutableNodeInfo } from '../node-info.ts';

/** balancedScore is upstream's balanced-resource score for CPU and memory. */
export function balancedScore(pod: PodInfo, node: NodeInfo): number {
  if (node instanceof MutableNodeInfo) return balanced(pod, node.allocCPU, node.reqCPU, node.allocMem, node.reqMem);
  return balanced(pod, node.allocatable.milliCPU, node.requested.milliCPU, node.allocatable.memory, node.requested.memory);
}

/** balanced scores from the node's allocatable and requested CPU and memory (a resource with nothing allocatable is left out). */
function balanced(pod: PodInfo, allocCPU: number, reqCPU: number, allocMem: number, reqMem: number): number {
  if (allocCPU > 0 && allocMem > 0) {
    const f0 = Math.min(1, (reqCPU + pod.requests.milliCPU) / allocCPU);
    const f1 = Math.min(1, (reqMem + pod.requests.memory) / allocMem);
    return Math.trunc((1 - Math.abs((f0 - f1) / 2)) * MAX_NODE_SCORE);
  }
  // One resource or none: the standard deviation of a single fraction is 0.
  return MAX_NODE_SCORE;
}

/** newBalancedAllocation returns the NodeResourcesBalancedAllocation plugin. */
export function newBalancedAllocation(): ScorePlugin & EnqueueExtensions {
  return {
    name: 'NodeResourcesBalancedAllocation',
    score(_state, pod, node) { return balancedScore(pod, node); },
    scoreAt(_state, pod, t, at) {
      const o = at * NODE_TABLE_STRIDE;
      return balanced(pod, t[o + T_ALLOC_CPU], t[o + T_REQ_CPU], t[o + T_ALLOC_MEM], t[o + T_REQ_MEM]);
    },
    eventsToRegister: (): ClusterEvent[] => ['PodDelete', 'NodeAdd', 'NodeUpdate'],
  };
}
