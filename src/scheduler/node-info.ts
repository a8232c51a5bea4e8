/**
 * @module scheduler/node-info — the mutable NodeInfo the cache keeps per node: the Node object, its
 * allocatable, the pods assigned to it (bound or assumed) with their summed requests, used host
 * ports and the pods carrying (anti)affinity. `generation` rises on every change so the snapshot
 * rebuilds only what changed; `clone` gives the snapshot (and preemption's what-ifs) a private copy.
 * Each NodeInfo also carries its node's class (nodeClassOf), which lets the search skip nodes.
 */
import type { JsonObject } from '../api/index.ts';
import {
  NODE_TABLE_STRIDE, T_ALLOC_CPU, T_ALLOC_EPH, T_ALLOC_MEM, T_ALLOC_PODS, T_NZ_CPU, T_NZ_MEM, T_POD_COUNT, T_REQ_CPU, T_REQ_EPH, T_REQ_MEM,
  type NodeInfo, type PodInfo, type Resources,
} from './framework.ts';
import type { Taint } from './plugins/helpers.ts';
import { addResources, cloneResources, emptyResources, hasAffinityTerms, hasRequiredAntiAffinity, nodeAllocatable } from './resources.ts';

let generationCounter = 0;

/** HOSTNAME_LABEL is the one label left out of a node's class (it is unique per node). */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** Node classes: nodes with the same unschedulable flag, taints (key, value, effect; not timeAdded)
 * and labels other than kubernetes.io/hostname share a small integer id, so a filter whose verdict
 * for a pod depends on nothing else runs once per class and pod (algorithm.ts). Ids are never
 * reused: when the table holds too many keys it is emptied and later keys get new ids (a key may
 * then have two ids, which only costs one more evaluation). */
const classIds = new Map<string, number>();
let nextClassId = 1;
const MAX_CLASS_KEYS = 50_000;

/** nodeClassOf returns the class id of (`unschedulable`, `taints`, `labels`): 0 for a schedulable,
 * untainted node without labels besides its hostname. */
export function nodeClassOf(unschedulable: boolean, taints: readonly Taint[], labels: Readonly<Record<string, string>>): number {
  const keys = Object.keys(labels).filter((k) => k !== HOSTNAME_LABEL).sort();
  if (!unschedulable && taints.length === 0 && keys.length === 0) return 0;
  const key = JSON.stringify([unschedulable, taints.map((t) => [t.key, t.value ?? '', t.effect]), keys.map((k) => [k, labels[k]])]);
  let id = classIds.get(key);
  if (id === undefined) {
    if (classIds.size >= MAX_CLASS_KEYS) classIds.clear();
    classIds.set(key, (id = nextClassId++));
  }
  return id;
}

/** nextGeneration returns a process-wide increasing generation number. */
export function nextGeneration(): number { return ++generationCounter; }

/** MutableNodeInfo is the cache's NodeInfo; only the cache and simulations mutate it. */
export class MutableNodeInfo implements NodeInfo {
  readonly name: string;
  node: JsonObject;
  /** hasNode is false while only pods are known (the Node is absent or deleted). */
  hasNode: boolean;
  pods: PodInfo[] = [];
  allocatable: Resources = emptyResources();
  requested: Resources = emptyResources();
  nonZeroRequested: Resources = emptyResources();
  usedPorts: Set<string> = new Set();
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  generation = nextGeneration();
  /** labels, taints and unschedulable are read off the Node once, for the filters' hot path. */
  labels: Record<string, string> = {};
  taints: readonly Taint[] = [];
  unschedulable = false;
  /** nodeClass is nodeClassOf(unschedulable, taints, labels). */
  nodeClass = 0;
  /** Flat copies of the sums the filters and scores read for every node (one object touched per node, not four). */
  allocCPU = 0;
  allocMem = 0;
  allocEph = 0;
  allocPods = 0;
  reqCPU = 0;
  reqMem = 0;
  reqEph = 0;
  nzCPU = 0;
  nzMem = 0;
  podCount = 0;

  constructor(name: string, node?: JsonObject) {
    this.name = name;
    this.node = node ?? { metadata: { name } };
    this.hasNode = node !== undefined;
    if (node) { this.allocatable = nodeAllocatable(node); this.#derive(); this.#flat(); }
  }

  #derive(): void {
    const n = this.node;
    this.labels = (n.metadata?.labels ?? {}) as Record<string, string>;
    this.taints = Array.isArray(n.spec?.taints) ? n.spec.taints as Taint[] : [];
    this.unschedulable = n.spec?.unschedulable === true;
    this.nodeClass = nodeClassOf(this.unschedulable, this.taints, this.labels);
  }

  #flat(): void {
    const a = this.allocatable;
    const r = this.requested;
    this.allocCPU = a.milliCPU; this.allocMem = a.memory; this.allocEph = a.ephemeralStorage; this.allocPods = a.pods;
    this.reqCPU = r.milliCPU; this.reqMem = r.memory; this.reqEph = r.ephemeralStorage;
    this.nzCPU = this.nonZeroRequested.milliCPU; this.nzMem = this.nonZeroRequested.memory;
    this.podCount = this.pods.length;
  }

  /** setNode records a new (or first) version of the Node. */
  setNode(node: JsonObject): void {
    this.node = node;
    this.hasNode = true;
    this.allocatable = nodeAllocatable(node);
    this.#derive();
    this.#flat();
    this.generation = nextGeneration();
  }

  /** clearNode forgets the Node (deleted) while its pods are still known. */
  clearNode(): void {
    this.node = { metadata: { name: this.name } };
    this.hasNode = false;
    this.allocatable = emptyResources();
    this.#derive();
    this.#flat();
    this.generation = nextGeneration();
  }

  /** addPod adds a pod's requests, ports and affinity membership. */
  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    addResources(this.requested, pi.requests);
    addResources(this.nonZeroRequested, pi.nonZeroRequests);
    for (const p of pi.hostPorts) this.usedPorts.add(p);
    if (hasAffinityTerms(pi.pod)) this.podsWithAffinity.push(pi);
    if (hasRequiredAntiAffinity(pi.pod)) this.podsWithRequiredAntiAffinity.push(pi);
    this.#flat();
    this.generation = nextGeneration();
  }

  /** removePod removes the pod with `key`; false when it is not on this node. */
  removePod(key: string): boolean {
    const i = this.pods.findIndex((p) => p.key === key);
    if (i < 0) return false;
    const pi = this.pods[i];
    this.pods.splice(i, 1);
    addResources(this.requested, pi.requests, -1);
    addResources(this.nonZeroRequested, pi.nonZeroRequests, -1);
    if (pi.hostPorts.length) {
      this.usedPorts = new Set();
      for (const p of this.pods) for (const hp of p.hostPorts) this.usedPorts.add(hp);
    }
    this.podsWithAffinity = this.podsWithAffinity.filter((p) => p.key !== key);
    this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((p) => p.key !== key);
    this.#flat();
    this.generation = nextGeneration();
    return true;
  }

  /** writeRow stores this node's sums in row `at` of a snapshot table (framework.ts T_* columns). */
  writeRow(table: Float64Array, at: number): void {
    const o = at * NODE_TABLE_STRIDE;
    table[o + T_ALLOC_CPU] = this.allocCPU; table[o + T_ALLOC_MEM] = this.allocMem; table[o + T_ALLOC_EPH] = this.allocEph;
    table[o + T_ALLOC_PODS] = this.allocPods; table[o + T_REQ_CPU] = this.reqCPU; table[o + T_REQ_MEM] = this.reqMem;
    table[o + T_REQ_EPH] = this.reqEph; table[o + T_POD_COUNT] = this.podCount; table[o + T_NZ_CPU] = this.nzCPU; table[o + T_NZ_MEM] = this.nzMem;
  }

  /** clone copies the NodeInfo (arrays and sums are private; PodInfos and the Node are shared, read-only). */
  clone(): MutableNodeInfo {
    const c = new MutableNodeInfo(this.name);
    c.node = this.node;
    c.hasNode = this.hasNode;
    c.pods = this.pods.slice();
    c.allocatable = this.allocatable;
    c.requested = cloneResources(this.requested);
    c.nonZeroRequested = cloneResources(this.nonZeroRequested);
    c.usedPorts = new Set(this.usedPorts);
    c.podsWithAffinity = this.podsWithAffinity.slice();
    c.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.slice();
    c.generation = this.generation;
    c.labels = this.labels;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.nodeClass = this.nodeClass;
    c.#flat();
    return c;
  }
}

/** portsConflict says whether any of `wanted` (`ip/proto/port`) clashes with `used`; 0.0.0.0 clashes with every IP. */
export function portsConflict(wanted: readonly string[], used: ReadonlySet<string>): boolean {
  if (used.size === 0) return false;
  for (const w of wanted) {
    if (used.has(w)) return true;
    const slash = w.indexOf('/');
    const ip = w.slice(0, slash);
    const rest = w.slice(slash);
    if (ip === '0.0.0.0') {
      for (const u of used) if (u.endsWith(rest) && u.indexOf('/') === u.length - rest.length) return true;
    } else if (used.has(`0.0.0.0${rest}`)) return true;
  }
  return false;
}
