/**
 * @module scheduler/plugins/node-resources-fit — NodeResourcesFit: Filter checks the pod's requests
 * against the node's allocatable minus what its pods request ("Too many pods", "Insufficient cpu",
 * "Insufficient memory", "Insufficient ephemeral-storage", "Insufficient <resource>"; a request
 * larger than the whole node is unresolvable). Score is LeastAllocated over CPU and memory
 * (weights 1 and 1) using the non-zero requests.
 */
import {
  MAX_NODE_SCORE, NODE_TABLE_STRIDE, status, SUCCESS, T_ALLOC_CPU, T_ALLOC_EPH, T_ALLOC_MEM, T_ALLOC_PODS, T_NZ_CPU, T_NZ_MEM, T_POD_COUNT,
  T_REQ_CPU, T_REQ_EPH, T_REQ_MEM, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type NodeInfo, type PodInfo, type PreFilterPlugin,
  type ScorePlugin, type Status,
} from '../framework.ts';
import { MutableNodeInfo } from '../node-info.ts';

/** InsufficientResource names one resource the node lacks; `unresolvable` when the request exceeds the whole node. */
export interface InsufficientResource { readonly reason: string; readonly unresolvable: boolean }

/** insufficientResources lists what keeps the pod off the node, in upstream's order (pods, cpu, memory, ephemeral-storage, scalars). */
export function insufficientResources(pod: PodInfo, node: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const a = node.allocatable;
  const u = node.requested;
  const r = pod.requests;
  if (node.pods.length + 1 > a.pods) out.push({ reason: 'Too many pods', unresolvable: a.pods < 1 });
  let anyScalar = false;
  for (const k in r.scalar) if (r.scalar[k] !== 0) { anyScalar = true; break; }
  if (r.milliCPU === 0 && r.memory === 0 && r.ephemeralStorage === 0 && !anyScalar) return out;
  if (r.milliCPU > 0 && r.milliCPU > a.milliCPU - u.milliCPU) out.push({ reason: 'Insufficient cpu', unresolvable: r.milliCPU > a.milliCPU });
  if (r.memory > 0 && r.memory > a.memory - u.memory) out.push({ reason: 'Insufficient memory', unresolvable: r.memory > a.memory });
  if (r.ephemeralStorage > 0 && r.ephemeralStorage > a.ephemeralStorage - u.ephemeralStorage) {
    out.push({ reason: 'Insufficient ephemeral-storage', unresolvable: r.ephemeralStorage > a.ephemeralStorage });
  }
  if (anyScalar) {
    for (const k of Object.keys(r.scalar).sort()) {
      const want = r.scalar[k];
      if (want === 0) continue;
      const have = a.scalar[k] ?? 0;
      if (want > have - (u.scalar[k] ?? 0)) out.push({ reason: `Insufficient ${k}`, unresolvable: want > have });
    }
  }
  return out;
}

function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** leastAllocated scores the non-zero requests a node would carry with the pod against its allocatable (CPU and memory 1:1). */
function leastAllocated(pod: PodInfo, nzCPU: number, allocCPU: number, nzMem: number, allocMem: number): number {
  const nz = pod.nonZeroRequests;
  return Math.trunc((leastRequested(nzCPU + nz.milliCPU, allocCPU) + leastRequested(nzMem + nz.memory, allocMem)) / 2);
}

/** leastAllocatedScore is upstream's LeastAllocated score with CPU and memory weighted 1:1. */
export function leastAllocatedScore(pod: PodInfo, node: NodeInfo): number {
  if (node instanceof MutableNodeInfo) return leastAllocated(pod, node.nzCPU, node.allocCPU, node.nzMem, node.allocMem);
  return leastAllocated(pod, node.nonZeroRequested.milliCPU, node.allocatable.milliCPU, node.nonZeroRequested.memory, node.allocatable.memory);
}

/** newNodeResourcesFit returns the NodeResourcesFit plugin. */
export function newNodeResourcesFit(): PreFilterPlugin & FilterPlugin & ScorePlugin & EnqueueExtensions {
  let lastPod: PodInfo | undefined;
  let lastNoScalar = true;
  return {
    name: 'NodeResourcesFit',
    preFilter() { return { status: SUCCESS }; },
    filter(_state, pod, node): Status {
      const r = pod.requests;
      if (pod !== lastPod) { lastPod = pod; lastNoScalar = isEmpty(r.scalar); }
      // Fast path on the cache's flat sums: room in every dimension the pod asks for.
      if (lastNoScalar && node instanceof MutableNodeInfo && node.podCount + 1 <= node.allocPods && r.milliCPU <= node.allocCPU - node.reqCPU &&
        r.memory <= node.allocMem - node.reqMem && r.ephemeralStorage <= node.allocEph - node.reqEph) return SUCCESS;
      const ins = insufficientResources(pod, node);
      if (ins.length === 0) return SUCCESS;
      const code = ins.some((i) => i.unresolvable) ? 'UnschedulableAndUnresolvable' : 'Unschedulable';
      return status(code, ...ins.map((i) => i.reason));
    },
    fitsAt(_state, pod, t, at) {
      const r = pod.requests;
      if (pod !== lastPod) { lastPod = pod; lastNoScalar = isEmpty(r.scalar); }
      const o = at * NODE_TABLE_STRIDE;
      return lastNoScalar && t[o + T_POD_COUNT] + 1 <= t[o + T_ALLOC_PODS] && r.milliCPU <= t[o + T_ALLOC_CPU] - t[o + T_REQ_CPU] &&
        r.memory <= t[o + T_ALLOC_MEM] - t[o + T_REQ_MEM] && r.ephemeralStorage <= t[o + T_ALLOC_EPH] - t[o + T_REQ_EPH];
    },
    score(_state, pod, node) { return leastAllocatedScore(pod, node); },
    scoreAt(_state, pod, t, at) {
      const o = at * NODE_TABLE_STRIDE;
      return leastAllocated(pod, t[o + T_NZ_CPU], t[o + T_ALLOC_CPU], t[o + T_NZ_MEM], t[o + T_ALLOC_MEM]);
    },
    eventsToRegister: (): ClusterEvent[] => ['PodDelete', 'NodeAdd', 'NodeUpdate'],
  };
}

function isEmpty(o: Record<string, number>): boolean {
  for (const _k in o) return false;
  return true;
}
