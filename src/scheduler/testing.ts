/**
 * @module scheduler/testing — builders for scheduler tests: nodes (Linux or Windows, with labels,
 * taints, capacity) and pods (requests, nodeSelector, tolerations, affinity, host ports, priority).
 */
import type { JsonObject } from '../api/index.ts';
import { MutableNodeInfo } from './node-info.ts';
import { newPodInfo } from './resources.ts';

/** NodeSpec describes a test node. */
export interface NodeSpec {
  readonly labels?: Record<string, string>;
  readonly taints?: JsonObject[];
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: string;
  readonly unschedulable?: boolean;
  readonly windows?: boolean;
  readonly extra?: Record<string, string>;
}

/** WINDOWS_TAINT is the taint test Windows nodes carry (os=windows:NoSchedule). */
export const WINDOWS_TAINT: JsonObject = { key: 'os', value: 'windows', effect: 'NoSchedule' };
/** WINDOWS_TOLERATION tolerates WINDOWS_TAINT. */
export const WINDOWS_TOLERATION: JsonObject = { key: 'os', operator: 'Equal', value: 'windows', effect: 'NoSchedule' };

/** makeNode builds a Ready Node; `windows` adds the Windows labels and taint. */
export function makeNode(name: string, s: NodeSpec = {}): JsonObject {
  const os = s.windows ? 'windows' : 'linux';
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name, 'kubernetes.io/os': os, ...(s.windows ? { 'node.kubernetes.io/windows-build': '10.0.20348' } : {}), ...(s.labels ?? {}) };
  const alloc = { cpu: s.cpu ?? '4', memory: s.memory ?? '16Gi', pods: s.pods ?? '110', ...(s.extra ?? {}) };
  const spec: JsonObject = {};
  const taints = [...(s.windows ? [WINDOWS_TAINT] : []), ...(s.taints ?? [])];
  if (taints.length) spec.taints = taints;
  if (s.unschedulable) spec.unschedulable = true;
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `uid-${name}`, labels }, spec,
    status: { capacity: alloc, allocatable: alloc, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** PodSpec describes a test pod. */
export interface PodSpec {
  readonly namespace?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: JsonObject[];
  readonly affinity?: JsonObject;
  readonly hostPorts?: number[];
  readonly priority?: number;
  readonly nodeName?: string;
  readonly windows?: boolean;
  readonly labels?: Record<string, string>;
  readonly extra?: Record<string, string>;
  readonly schedulingGates?: string[];
}

/** makePod builds a Pod; `windows` adds the os=windows nodeSelector and the Windows toleration. */
export function makePod(name: string, s: PodSpec = {}): JsonObject {
  const requests: Record<string, string> = { ...(s.cpu ? { cpu: s.cpu } : {}), ...(s.memory ? { memory: s.memory } : {}), ...(s.extra ?? {}) };
  const spec: JsonObject = {
    schedulerName: 'default-scheduler',
    containers: [{
      name: 'c', image: 'img', resources: Object.keys(requests).length ? { requests } : {},
      ports: (s.hostPorts ?? []).map((p) => ({ containerPort: p, hostPort: p, protocol: 'TCP' })),
    }],
  };
  const sel = { ...(s.windows ? { 'kubernetes.io/os': 'windows' } : {}), ...(s.nodeSelector ?? {}) };
  if (Object.keys(sel).length) spec.nodeSelector = sel;
  const tol = [...(s.windows ? [WINDOWS_TOLERATION] : []), ...(s.tolerations ?? [])];
  if (tol.length) spec.tolerations = tol;
  if (s.affinity) spec.affinity = s.affinity;
  if (s.priority !== undefined) spec.priority = s.priority;
  if (s.nodeName) spec.nodeName = s.nodeName;
  if (s.schedulingGates) spec.schedulingGates = s.schedulingGates.map((n) => ({ name: n }));
  const ns = s.namespace ?? 'default';
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, uid: `uid-${ns}-${name}`, labels: s.labels ?? {} }, spec, status: {} };
}

/** nodeInfo builds a MutableNodeInfo for a node with the given pods on it. */
export function nodeInfo(node: JsonObject, pods: JsonObject[] = []): MutableNodeInfo {
  const ni = new MutableNodeInfo(String(node.metadata?.name), node);
  for (const p of pods) ni.addPod(newPodInfo(p));
  return ni;
}
