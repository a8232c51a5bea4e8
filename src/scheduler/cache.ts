/**
 * @module scheduler/cache — the scheduler's view of the cluster: nodes and the pods assigned to
 * them as NodeInfos, plus "assumed" pods (placed at Reserve before the API shows the binding; they
 * expire if the binding is never confirmed). `updateSnapshot` refreshes the one Snapshot object the
 * scheduling cycles read, cloning only the NodeInfos that changed since the last cycle.
 */
import type { JsonObject } from '../api/index.ts';
import { realClock, type Clock, type TimerHandle } from '../client/index.ts';
import { NODE_TABLE_STRIDE, type NodeInfo, type PodInfo, type Snapshot } from './framework.ts';
import { MutableNodeInfo } from './node-info.ts';
import { newPodInfo, podKey } from './resources.ts';

/** zoneKey is the region and zone of a node ('' when unlabelled), as upstream's node tree groups them. */
export function zoneKey(ni: MutableNodeInfo): string {
  const l = ni.labels;
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region || zone ? `${region}:\u0000:${zone}` : '';
}

/** CacheSnapshot is the Snapshot a cycle reads; the cache updates it in place between cycles. */
export class CacheSnapshot implements Snapshot {
  nodes: MutableNodeInfo[] = [];
  nodeClasses = new Int32Array(0);
  /** table holds each node's resource sums, row i for nodes[i] (framework.ts Snapshot.table). */
  table = new Float64Array(0);
  havePodsWithAffinity: NodeInfo[] = [];
  havePodsWithRequiredAntiAffinity: NodeInfo[] = [];
  readonly byName = new Map<string, MutableNodeInfo>();
  readonly index = new Map<string, number>();

  /** get returns the NodeInfo of a node in this snapshot. */
  get(nodeName: string): NodeInfo | undefined { return this.byName.get(nodeName); }
}

interface PodState {
  pi: PodInfo;
  nodeName: string;
  assumed: boolean;
  bindingFinished: boolean;
  deadline: number;
}

/** SchedulerCacheOptions: the clock for assumed-pod expiry and how long a finished binding may stay unconfirmed. */
export interface SchedulerCacheOptions {
  readonly clock?: Clock;
  /** assumedTtlMs is how long an assumed pod lives after its binding finished without the API confirming it (default 30 s). */
  readonly assumedTtlMs?: number;
  /** cleanupPeriodMs is how often expired assumed pods are dropped by `start` (default 1 s). */
  readonly cleanupPeriodMs?: number;
}

/** SchedulerCache holds nodes, assigned and assumed pods, and produces incremental snapshots. */
export class SchedulerCache {
  readonly #nodes = new Map<string, MutableNodeInfo>();
  readonly #pods = new Map<string, PodState>();
  readonly #dirty = new Set<string>();
  readonly #snapshot = new CacheSnapshot();
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #period: number;
  #timer: TimerHandle | undefined;

  constructor(opts: SchedulerCacheOptions = {}) {
    this.#clock = opts.clock ?? realClock;
    this.#ttl = opts.assumedTtlMs ?? 30_000;
    this.#period = opts.cleanupPeriodMs ?? 1000;
  }

  #info(name: string): MutableNodeInfo {
    let ni = this.#nodes.get(name);
    if (!ni) { ni = new MutableNodeInfo(name); this.#nodes.set(name, ni); }
    return ni;
  }

  #dropIfEmpty(name: string): void {
    const ni = this.#nodes.get(name);
    if (ni && !ni.hasNode && ni.pods.length === 0) this.#nodes.delete(name);
  }

  /** nodeCount is the number of nodes with a Node object. */
  get nodeCount(): number {
    let n = 0;
    for (const ni of this.#nodes.values()) if (ni.hasNode) n++;
    return n;
  }

  /** addNode / updateNode record a Node. */
  addNode(node: JsonObject): void {
    const name = String(node.metadata?.name ?? '');
    this.#info(name).setNode(node);
    this.#dirty.add(name);
  }

  /** updateNode records a new version of a Node. */
  updateNode(_old: JsonObject, node: JsonObject): void { this.addNode(node); }

  /** removeNode forgets a Node; its pods stay accounted until they are deleted. */
  removeNode(node: JsonObject): void {
    const name = String(node.metadata?.name ?? '');
    const ni = this.#nodes.get(name);
    if (!ni) return;
    ni.clearNode();
    this.#dropIfEmpty(name);
    this.#dirty.add(name);
  }

  #place(pi: PodInfo, nodeName: string, assumed: boolean): void {
    this.#info(nodeName).addPod(pi);
    this.#pods.set(pi.key, { pi, nodeName, assumed, bindingFinished: false, deadline: 0 });
    this.#dirty.add(nodeName);
  }

  #unplace(key: string): PodState | undefined {
    const st = this.#pods.get(key);
    if (!st) return undefined;
    this.#pods.delete(key);
    this.#nodes.get(st.nodeName)?.removePod(key);
    this.#dropIfEmpty(st.nodeName);
    this.#dirty.add(st.nodeName);
    return st;
  }

  /** assumePod places a pod on `nodeName` before the API confirms the binding. */
  assumePod(pi: PodInfo, nodeName: string): void {
    if (this.#pods.has(pi.key)) throw new Error(`pod ${pi.key} is already in the cache, so can't be assumed`);
    const pod = { ...pi.pod, spec: { ...(pi.pod.spec ?? {}), nodeName } };
    this.#place({ ...pi, pod }, nodeName, true);
  }

  /** finishBinding starts the expiry clock of an assumed pod (its bind call returned). */
  finishBinding(key: string): void {
    const st = this.#pods.get(key);
    if (st?.assumed) { st.bindingFinished = true; st.deadline = this.#clock.now() + this.#ttl; }
  }

  /** forgetPod removes an assumed pod (the binding failed). */
  forgetPod(key: string): void {
    if (this.#pods.get(key)?.assumed) this.#unplace(key);
  }

  /** isAssumed says whether the pod is assumed and not yet confirmed. */
  isAssumed(key: string): boolean { return this.#pods.get(key)?.assumed === true; }

  /** podNode returns the node the cache has a pod on (assumed or confirmed). */
  podNode(key: string): string | undefined { return this.#pods.get(key)?.nodeName; }

  /** addPod records an assigned pod the API shows (confirming an assumed one). */
  addPod(pod: JsonObject): void {
    const key = podKey(pod);
    const nodeName = String(pod.spec?.nodeName ?? '');
    if (!nodeName) return;
    if (this.#pods.has(key)) this.#unplace(key);
    this.#place(newPodInfo(pod), nodeName, false);
  }

  /** updatePod records a new version of an assigned pod. */
  updatePod(_old: JsonObject, pod: JsonObject): void { this.addPod(pod); }

  /** removePod forgets an assigned (or assumed) pod. */
  removePod(pod: JsonObject): void { this.#unplace(podKey(pod)); }

  /** cleanupExpired drops assumed pods whose binding finished more than the TTL ago; returns their keys. */
  cleanupExpired(): string[] {
    const now = this.#clock.now();
    const out: string[] = [];
    for (const [key, st] of this.#pods) {
      if (st.assumed && st.bindingFinished && st.deadline <= now) out.push(key);
    }
    for (const key of out) this.#unplace(key);
    return out;
  }

  /** start runs cleanupExpired periodically on the clock until `stop`. */
  start(onExpired?: (keys: string[]) => void): void {
    const tick = (): void => {
      const keys = this.cleanupExpired();
      if (keys.length) onExpired?.(keys);
      this.#timer = this.#clock.setTimeout(tick, this.#period);
    };
    this.#timer = this.#clock.setTimeout(tick, this.#period);
  }

  /** stop ends the periodic cleanup. */
  stop(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** updateSnapshot brings the shared snapshot up to date, cloning only NodeInfos changed since the last call.
   * Nodes are listed zone by zone in turn (upstream's node tree), so a partial search spreads over zones. */
  updateSnapshot(): CacheSnapshot {
    const s = this.#snapshot;
    if (this.#dirty.size === 0) return s;
    let reorder = false;
    let affinityChanged = false;
    for (const name of this.#dirty) {
      const ni = this.#nodes.get(name);
      const old = s.byName.get(name);
      if (old && (old.podsWithAffinity.length || old.podsWithRequiredAntiAffinity.length)) affinityChanged = true;
      if (!ni || !ni.hasNode) {
        if (old) { s.byName.delete(name); reorder = true; }
        continue;
      }
      const c = ni.clone();
      if (c.podsWithAffinity.length || c.podsWithRequiredAntiAffinity.length) affinityChanged = true;
      if (!old || zoneKey(old) !== zoneKey(c)) reorder = true;
      s.byName.set(name, c);
      const i = s.index.get(name);
      if (i !== undefined) { s.nodes[i] = c; s.nodeClasses[i] = c.nodeClass; c.writeRow(s.table, i); }
    }
    this.#dirty.clear();
    if (reorder) {
      const zones = new Map<string, MutableNodeInfo[]>();
      for (const ni of this.#nodes.values()) {
        const c = ni.hasNode ? s.byName.get(ni.name) : undefined;
        if (!c) continue;
        const z = zoneKey(c);
        const list = zones.get(z);
        if (list) list.push(c); else zones.set(z, [c]);
      }
      const lists = [...zones.values()];
      const nodes: MutableNodeInfo[] = [];
      for (let i = 0; nodes.length < s.byName.size; i++) for (const l of lists) if (i < l.length) nodes.push(l[i]);
      s.nodes = nodes;
      s.nodeClasses = Int32Array.from(nodes, (n) => n.nodeClass);
      s.table = new Float64Array(nodes.length * NODE_TABLE_STRIDE);
      nodes.forEach((n, i) => n.writeRow(s.table, i));
      s.index.clear();
      nodes.forEach((n, i) => s.index.set(n.name, i));
    }
    if (affinityChanged || reorder) {
      s.havePodsWithAffinity = s.nodes.filter((n) => n.podsWithAffinity.length > 0);
      s.havePodsWithRequiredAntiAffinity = s.nodes.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
    }
    return s;
  }

  /** nodeInfo returns the live NodeInfo of a node (tests and debugging). */
  nodeInfo(name: string): NodeInfo | undefined { return this.#nodes.get(name); }
}
