/**
 * @module scheduler/resources — resource arithmetic in scheduler units: a pod's effective requests
 * (sum of containers, the max with each init container, sidecars counted alongside, plus
 * spec.overhead; one pod slot), the "non-zero" requests used for scoring (100m CPU / 200 MiB when a
 * container leaves them unset), a node's allocatable, and the PodInfo built once per pod.
 */
import { parseQuantity, type JsonObject } from '../api/index.ts';
import type { PodInfo, Resources } from './framework.ts';

/** DEFAULT_MILLI_CPU_REQUEST is the CPU assumed for scoring when a container sets none (100m). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** DEFAULT_MEMORY_REQUEST is the memory assumed for scoring when a container sets none (200 MiB). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** emptyResources returns a zeroed Resources value. */
export function emptyResources(): Resources {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, pods: 0, scalar: {} };
}

/** cloneResources copies a Resources value (scalar map included). */
export function cloneResources(r: Resources): Resources {
  return { milliCPU: r.milliCPU, memory: r.memory, ephemeralStorage: r.ephemeralStorage, pods: r.pods, scalar: { ...r.scalar } };
}

/** addResources adds `b` into `a` times `sign` (1 or -1). */
export function addResources(a: Resources, b: Resources, sign = 1): void {
  a.milliCPU += sign * b.milliCPU;
  a.memory += sign * b.memory;
  a.ephemeralStorage += sign * b.ephemeralStorage;
  a.pods += sign * b.pods;
  for (const k in b.scalar) a.scalar[k] = (a.scalar[k] ?? 0) + sign * b.scalar[k];
}

function maxInto(a: Resources, b: Resources): void {
  a.milliCPU = Math.max(a.milliCPU, b.milliCPU);
  a.memory = Math.max(a.memory, b.memory);
  a.ephemeralStorage = Math.max(a.ephemeralStorage, b.ephemeralStorage);
  for (const k in b.scalar) a.scalar[k] = Math.max(a.scalar[k] ?? 0, b.scalar[k]);
}

/** milliValue reads a quantity as thousandths, rounded up like resource.Quantity.MilliValue (0 when absent or invalid). */
export function milliValue(q: unknown): number {
  if (typeof q === 'string') {
    const m = /^([0-9]+)m$/.exec(q);
    if (m) return Number(m[1]);
  }
  const v = parseQuantity(q);
  return v === undefined ? 0 : roundUp(v * 1000);
}

/** roundUp rounds up, ignoring the last-bit noise of decimal suffix arithmetic (0.3 * 1000). */
function roundUp(x: number): number {
  return Number.isInteger(x) ? x : Math.ceil(x - Math.abs(x) * 1e-12);
}

/** intValue reads a quantity as a whole number, rounded up like resource.Quantity.Value (0 when absent or invalid). */
export function intValue(q: unknown): number {
  const v = parseQuantity(q);
  return v === undefined ? 0 : roundUp(v);
}

/** resourceList converts a v1.ResourceList (requests, limits, allocatable, overhead) to Resources. */
export function resourceList(list: JsonObject | undefined): Resources {
  const r = emptyResources();
  if (!list) return r;
  for (const k of Object.keys(list)) {
    const q = list[k];
    if (k === 'cpu') r.milliCPU = milliValue(q);
    else if (k === 'memory') r.memory = intValue(q);
    else if (k === 'ephemeral-storage') r.ephemeralStorage = intValue(q);
    else if (k === 'pods') r.pods = intValue(q);
    else r.scalar[k] = intValue(q);
  }
  return r;
}

function containerRequests(c: JsonObject, nonZero: boolean): Resources {
  const res = c.resources as JsonObject | undefined;
  const r = resourceList(res?.requests ?? res?.limits);
  if (nonZero) {
    const req = (res?.requests ?? res?.limits) as JsonObject | undefined;
    if (req?.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (req?.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/** podRequests computes a pod's effective requests (pods = 1); `nonZero` substitutes the scoring defaults for unset CPU/memory. */
export function podRequests(pod: JsonObject, nonZero = false): Resources {
  const spec = (pod.spec ?? {}) as JsonObject;
  const total = emptyResources();
  for (const c of (spec.containers ?? []) as JsonObject[]) addResources(total, containerRequests(c, nonZero));
  const sidecars = emptyResources();
  const initMax = emptyResources();
  for (const c of (spec.initContainers ?? []) as JsonObject[]) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addResources(total, r);
      addResources(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      addResources(r, sidecars);
      maxInto(initMax, r);
    }
  }
  maxInto(total, initMax);
  if (spec.overhead) addResources(total, resourceList(spec.overhead as JsonObject));
  total.pods = 1;
  return total;
}

/** nodeAllocatable reads status.allocatable of a node, falling back to status.capacity. */
export function nodeAllocatable(node: JsonObject): Resources {
  const st = (node.status ?? {}) as JsonObject;
  const alloc = st.allocatable as JsonObject | undefined;
  return resourceList(alloc && Object.keys(alloc).length ? alloc : (st.capacity as JsonObject | undefined));
}

/** podHostPorts lists `${hostIP}/${protocol}/${hostPort}` for every container port with a hostPort (init containers included). */
export function podHostPorts(pod: JsonObject): string[] {
  const out: string[] = [];
  const spec = (pod.spec ?? {}) as JsonObject;
  for (const list of [spec.containers, spec.initContainers]) {
    for (const c of (list ?? []) as JsonObject[]) {
      for (const p of (c.ports ?? []) as JsonObject[]) {
        const hp = Number(p.hostPort ?? 0);
        if (hp > 0) out.push(`${String(p.hostIP || '0.0.0.0')}/${String(p.protocol || 'TCP')}/${hp}`);
      }
    }
  }
  return out;
}

/** podKey is `namespace/name` of a pod. */
export function podKey(pod: JsonObject): string {
  return `${String(pod.metadata?.namespace ?? '')}/${String(pod.metadata?.name ?? '')}`;
}

/** newPodInfo builds the PodInfo of a pod: key, requests, non-zero requests and host ports. */
export function newPodInfo(pod: JsonObject): PodInfo {
  return { pod, key: podKey(pod), requests: podRequests(pod), nonZeroRequests: podRequests(pod, true), hostPorts: podHostPorts(pod) };
}

/** podPriority is spec.priority (0 when unset). */
export function podPriority(pod: JsonObject): number {
  const p = pod.spec?.priority;
  return typeof p === 'number' ? p : 0;
}

/** hasAffinityTerms / hasRequiredAntiAffinity classify a pod for the snapshot's affinity lists. */
export function hasAffinityTerms(pod: JsonObject): boolean {
  const a = pod.spec?.affinity as JsonObject | undefined;
  return !!a && (!!a.podAffinity || !!a.podAntiAffinity);
}

/** hasRequiredAntiAffinity says whether the pod has requiredDuringSchedulingIgnoredDuringExecution anti-affinity terms. */
export function hasRequiredAntiAffinity(pod: JsonObject): boolean {
  const t = pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(t) && t.length > 0;
}
