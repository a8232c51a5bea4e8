/**
 * @module agent/sim — hollow nodes (kubemark/KWOK style): thousands of Nodes in one process, each
 * running the real pod workers (pods/) over an in-memory HollowRuntime. Built for scale: ONE
 * shared pod informer (`spec.nodeName!=`) dispatches pods to nodes by spec.nodeName; ONE timer
 * wheel (a min-heap on the injected clock) renews every node's Lease each heartbeat interval and
 * re-posts node status every 5 minutes (kubelet's nodeStatusReportFrequency) or after a change,
 * with bounded concurrency; registration is bounded the same way. A node's runtime and workers
 * exist only once a pod is bound to it. Nodes report what real Linux or Windows Server nodes
 * report (labels, taints, nodeInfo, capacity, addresses), plus the annotation
 * `windlass.io/hollow: "true"`. The pod CIDR is the node's spec.podCIDR (node IPAM) as read when
 * its first pod sandbox is made, else a fake /24 per node.
 */
import type { JsonObject } from '../api/index.ts';
import { isStatusError } from '../api/index.ts';
import { Informer, RESOURCES, listWatcherFor, microTime, objectOf, realClock, stripManagedFields } from '../client/index.ts';
import type { ApiClient, Clock, ListWatcher, TimerHandle } from '../client/index.ts';
import { HollowRuntime, formatIpv4 } from '../runtime/index.ts';
import { AGENT_KUBELET_VERSION, nodeLabels } from './node-info.ts';
import type { HostFacts, Taint } from './node-info.ts';
import { PodWorkers, rfc3339 } from './pods/index.ts';

/** HollowNodesOptions configure startHollowNodes. */
export interface HollowNodesOptions {
  readonly client: ApiClient;
  /** heartbeatClient renews the Leases and posts node status (default: client). As the kubelet's
   * heartbeat client, it should have connections of its own: the pods' status writes queued on a
   * busy client would otherwise hold the heartbeats back until the nodes' Leases lapse. */
  readonly heartbeatClient?: ApiClient;
  /** nodes: Linux nodes to register; windows: Windows nodes in addition. */
  readonly nodes: number;
  readonly windows?: number;
  /** windowsBuild: Major.Minor.Build of the Windows nodes (default 10.0.20348, Windows Server 2022). */
  readonly windowsBuild?: string;
  /** windowsTaint: taint Windows nodes os=windows:NoSchedule. */
  readonly windowsTaint?: boolean;
  readonly podsPerNode?: number;
  readonly namePrefix?: string;
  /** heartbeatMs: Lease renewal period (default 10 000). */
  readonly heartbeatMs?: number;
  /** statusReportMs: node status re-post period without changes (default 300 000). */
  readonly statusReportMs?: number;
  /** concurrency: API requests in flight for registration and heartbeats, each (default 32). */
  readonly concurrency?: number;
  /** runPods: run the pods bound to the nodes (default true); false leaves them as bound (no pod
   * watch at all), as KWOK without pod stages: for measuring scheduling alone. */
  readonly runPods?: boolean;
  /** containerStartDelayMs: how long hollow containers take to start (default 0). */
  readonly containerStartDelayMs?: number;
  readonly clock?: Clock;
  readonly signal: AbortSignal;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** HollowCluster is a running set of hollow nodes. */
export interface HollowCluster {
  /** ready settles once the initial nodes are registered (or the cluster stopped). */
  readonly ready: Promise<void>;
  nodeNames(): string[];
  /** addNodes registers `n` more nodes and resolves with their names once registered. */
  addNodes(n: number, opts?: { windows?: boolean }): Promise<string[]>;
  /** stopHeartbeats leaves the node registered but stops renewing its Lease and status (a dead node). */
  stopHeartbeats(nodeName: string): void;
  resumeHeartbeats(nodeName: string): void;
  /** runtime is a node's in-memory runtime, once a pod was bound to it (tests). */
  runtime(nodeName: string): HollowRuntime | undefined;
  stop(): Promise<void>;
}

interface HollowNode {
  readonly name: string;
  readonly seq: number;
  readonly windows: boolean;
  readonly ip: string;
  readonly status: JsonObject;
  uid: string;
  podCidr?: string;
  lease?: JsonObject;
  registered: boolean;
  dead: boolean;
  queued: boolean;
  statusDirty: boolean;
  lastStatusAt: number;
  runtime?: HollowRuntime;
  workers?: PodWorkers;
}

const LEASE_NS = 'kube-node-lease';
const LEASE_SECONDS = 40;

/** windowsOsImage names the Windows Server release of a build, as its registry ProductName reads. */
export function windowsOsImage(build: string): string {
  const names: Record<string, string> = { '10.0.17763': 'Windows Server 2019 Datacenter', '10.0.20348': 'Windows Server 2022 Datacenter', '10.0.26100': 'Windows Server 2025 Datacenter' };
  return names[build] ?? 'Windows Server Datacenter';
}

/** hollowNodeIp is the fake InternalIP of the seq-th hollow node (10.64.0.0/10, .0 and .255 skipped). */
export function hollowNodeIp(seq: number): string {
  const block = Math.floor(seq / 254);
  return formatIpv4(((10 << 24) >>> 0) + (64 + Math.floor(block / 256)) * 65536 + (block % 256) * 256 + (seq % 254) + 1);
}

/** hollowPodCidr is the fake pod CIDR of the seq-th hollow node: a /24 of 10.128.0.0/9. */
export function hollowPodCidr(seq: number): string {
  const s = seq % 32768;
  return `10.${128 + Math.floor(s / 256)}.${s % 256}.0/24`;
}

/** hollowNodeObject builds the Node a hollow node registers and the status it reports. */
export function hollowNodeObject(o: { name: string; seq: number; windows: boolean; windowsBuild: string; taint: boolean; podsPerNode: number; now: number }): { node: JsonObject; status: JsonObject } {
  const release = o.windows ? `${o.windowsBuild}.2700` : '6.8.0-48-generic';
  const host: HostFacts = {
    platform: o.windows ? 'win32' : 'linux', arch: 'x64', release, osImage: o.windows ? windowsOsImage(o.windowsBuild) : 'Ubuntu 24.04.1 LTS',
    hostname: o.name, cpus: 4, memoryBytes: 16 * 2 ** 30, addresses: [hollowNodeIp(o.seq)],
  };
  const taints: Taint[] = o.windows && o.taint ? [{ key: 'os', value: 'windows', effect: 'NoSchedule' }] : [];
  const t = rfc3339(o.now);
  const capacity = { cpu: '4', memory: '16Gi', pods: String(o.podsPerNode), 'ephemeral-storage': '100Gi' };
  const id = o.seq.toString(16).padStart(32, '0');
  const cond = (type: string, status: string, reason: string, message: string): JsonObject => ({ type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime: t });
  const status: JsonObject = {
    capacity,
    allocatable: o.windows ? capacity : { ...capacity, memory: '16284Mi', 'ephemeral-storage': '90Gi' },
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    addresses: [{ type: 'InternalIP', address: host.addresses[0] }, { type: 'Hostname', address: o.name }],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: o.windows ? o.name : id, systemUUID: id.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'), bootID: id,
      kernelVersion: release, osImage: host.osImage, containerRuntimeVersion: 'containerd://1.7.22',
      kubeletVersion: AGENT_KUBELET_VERSION, kubeProxyVersion: '', operatingSystem: o.windows ? 'windows' : 'linux', architecture: 'amd64',
    },
  };
  const node: JsonObject = {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: o.name, labels: nodeLabels(host, o.name), annotations: { 'windlass.io/hollow': 'true' } },
    spec: taints.length > 0 ? { taints } : {},
  };
  return { node, status };
}

/** slim wraps a ListWatcher so the shared informer caches pods without managedFields (nothing here
 * reads them; they are most of a cached pod's size). */
export function slim(lw: ListWatcher<JsonObject>): ListWatcher<JsonObject> {
  return {
    async list(o) { const l = await lw.list(o); l.items.forEach(stripManagedFields); return l; },
    async *watch(o) { for await (const e of lw.watch(o)) { stripManagedFields(e.object); yield e; } },
  };
}

/** firstBeatDelay spreads first Lease renewals over the second half of the interval (golden-ratio sequence by node), so nodes registered in a burst do not renew in one. */
export function firstBeatDelay(seq: number, heartbeatMs: number): number {
  return Math.round(heartbeatMs * (0.5 + ((seq * 0.6180339887) % 1) / 2));
}

/** Limiter runs async tasks with at most `n` in flight. */
class Limiter {
  readonly #n: number;
  readonly #queue: (() => void)[] = [];
  #active = 0;
  constructor(n: number) { this.#n = Math.max(1, n); }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#n) await new Promise<void>((res) => this.#queue.push(res)); // the finishing task hands its slot over
    else this.#active++;
    try { return await fn(); } finally { const next = this.#queue.shift(); if (next) next(); else this.#active--; }
  }
}

/** Heap is a min-heap of (due, node) — the timer wheel of all heartbeats. */
class Heap {
  readonly #a: { due: number; node: HollowNode }[] = [];
  get size(): number { return this.#a.length; }
  peek(): { due: number; node: HollowNode } | undefined { return this.#a[0]; }
  push(due: number, node: HollowNode): void {
    const a = this.#a; a.push({ due, node });
    for (let i = a.length - 1; i > 0;) { const p = (i - 1) >> 1; if (a[p].due <= a[i].due) break; [a[p], a[i]] = [a[i], a[p]]; i = p; }
  }
  pop(): { due: number; node: HollowNode } | undefined {
    const a = this.#a; const top = a[0]; const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1; const r = l + 1; let m = i;
        if (l < a.length && a[l].due < a[m].due) m = l;
        if (r < a.length && a[r].due < a[m].due) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]]; i = m;
      }
    }
    return top;
  }
}

/** startHollowNodes registers hollow nodes and runs their heartbeats and pods until stop() or the signal. */
export function startHollowNodes(opts: HollowNodesOptions): HollowCluster {
  const { client } = opts;
  const beat = opts.heartbeatClient ?? client;
  const clock = opts.clock ?? realClock;
  const log = opts.log ?? (() => undefined);
  const prefix = opts.namePrefix ?? 'hollow';
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const statusReportMs = opts.statusReportMs ?? 300_000;
  const stopper = new AbortController();
  const signal = AbortSignal.any([opts.signal, stopper.signal]);
  const registrar = new Limiter(opts.concurrency ?? 32);
  const beats = new Limiter(opts.concurrency ?? 32);
  const nodes = new Map<string, HollowNode>();
  const heap = new Heap();
  const counts = { linux: 0, windows: 0, seq: 0 };
  let wheelTimer: TimerHandle | undefined;
  let wheelAt = Infinity;
  const inflight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => { inflight.add(p); void p.finally(() => inflight.delete(p)).catch(() => undefined); return p; };

  const informer = opts.runPods === false ? undefined : new Informer(slim(listWatcherFor(client, RESOURCES.pods, '', { fieldSelector: 'spec.nodeName!=' })), {
    clock, name: 'hollow-pods', onError: (e) => { log('pod watch failed', { error: (e as Error).message }); },
    indexers: { node: (p) => [String(p.spec?.nodeName ?? '')] },
  });
  /** podCidrOf is the node's spec.podCIDR (read once more from the API if not yet seen), else its fake range. */
  const podCidrOf = async (n: HollowNode): Promise<string> => {
    if (!n.podCidr) {
      try { learn(n, await client.get(RESOURCES.nodes, '', n.name, { signal })); } catch { /* keep the fake range */ }
    }
    return n.podCidr ?? hollowPodCidr(n.seq);
  };
  const workersOf = (n: HollowNode): PodWorkers => {
    if (!n.workers) {
      n.runtime = new HollowRuntime({ podCidr: () => podCidrOf(n), hostIp: n.ip, clock, idPrefix: n.seq.toString(16).padStart(6, '0'), startDelayMs: opts.containerStartDelayMs ?? 0 });
      n.workers = new PodWorkers({ client, runtime: n.runtime, nodeName: n.name, hostIp: n.ip, clock, log });
    }
    return n.workers;
  };
  const dispatch = (pod: JsonObject): void => {
    const n = nodes.get(String(pod.spec?.nodeName ?? ''));
    if (n?.registered) workersOf(n).update(pod);
  };
  informer?.addEventHandler({
    add: dispatch,
    update: (_old, pod) => dispatch(pod),
    delete: (x) => { const pod = objectOf(x); nodes.get(String(pod.spec?.nodeName ?? ''))?.workers?.remove(pod); },
  });
  const informerRun = informer?.run(signal);

  const learn = (n: HollowNode, obj: JsonObject): void => {
    if (typeof obj.metadata?.uid === 'string') n.uid = obj.metadata.uid;
    const cidr = obj.spec?.podCIDR;
    if (typeof cidr === 'string' && cidr && !n.podCidr) n.podCidr = cidr;
  };

  const schedule = (n: HollowNode, due: number): void => {
    if (n.queued || n.dead || signal.aborted) return;
    n.queued = true;
    heap.push(due, n);
    arm();
  };
  const arm = (): void => {
    const head = heap.peek();
    if (!head || signal.aborted) return;
    if (wheelTimer && wheelAt <= head.due) return;
    if (wheelTimer) clock.clearTimeout(wheelTimer);
    wheelAt = head.due;
    wheelTimer = clock.setTimeout(tick, Math.max(0, head.due - clock.now()));
  };
  const tick = (): void => {
    wheelTimer = undefined; wheelAt = Infinity;
    const now = clock.now();
    while (heap.size > 0 && heap.peek()!.due <= now) {
      const { due, node } = heap.pop()!;
      node.queued = false;
      if (node.dead) continue;
      void track(beats.run(() => heartbeat(node)).finally(() => schedule(node, Math.max(due + heartbeatMs, clock.now()))));
    }
    arm();
  };

  const renewLease = async (n: HollowNode): Promise<void> => {
    const spec = { holderIdentity: n.name, leaseDurationSeconds: LEASE_SECONDS, renewTime: microTime(clock.now()) };
    const create = (): Promise<JsonObject> => beat.create(RESOURCES.leases, LEASE_NS, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { name: n.name, namespace: LEASE_NS, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: n.name, uid: n.uid }] }, spec,
    }, { signal });
    const refetch = async (): Promise<JsonObject> => {
      const got = await beat.get(RESOURCES.leases, LEASE_NS, n.name, { signal });
      return beat.update(RESOURCES.leases, LEASE_NS, { ...got, spec: { ...got.spec, ...spec } }, { signal });
    };
    try {
      n.lease = n.lease ? await beat.update(RESOURCES.leases, LEASE_NS, { ...n.lease, spec: { ...n.lease.spec, ...spec } }, { signal }) : await create();
    } catch (e) {
      if (isStatusError(e, 409)) n.lease = await refetch(); // modified elsewhere, or it already existed
      else if (isStatusError(e, 404)) n.lease = await create();
      else throw e;
    }
  };
  /** heartbeatNow stamps the node's conditions with the current time. */
  const heartbeatNow = (n: HollowNode): void => {
    const t = rfc3339(clock.now());
    for (const c of n.status.conditions as JsonObject[]) c.lastHeartbeatTime = t;
  };
  const postStatus = async (n: HollowNode, full: boolean): Promise<void> => {
    heartbeatNow(n);
    const reply = await beat.patch(RESOURCES.nodes, '', n.name, 'merge', { status: full ? n.status : { conditions: n.status.conditions } }, { subresource: 'status', signal });
    learn(n, reply);
    n.lastStatusAt = clock.now();
    n.statusDirty = false;
  };
  const heartbeat = async (n: HollowNode): Promise<void> => {
    if (n.dead || signal.aborted) return;
    try {
      await renewLease(n);
      if (n.statusDirty || clock.now() - n.lastStatusAt >= statusReportMs) await postStatus(n, false);
    } catch (e) {
      if (!signal.aborted) log('heartbeat failed', { node: n.name, error: (e as Error).message });
    }
  };

  const register = async (n: HollowNode, node: JsonObject): Promise<void> => {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        // As the kubelet registers: the new Node carries its first status (a Node keeps the status it
        // is created with), so only a Node that already existed needs its status posted.
        heartbeatNow(n);
        try {
          learn(n, await client.create(RESOURCES.nodes, '', { ...node, status: n.status }, { signal }));
          n.lastStatusAt = clock.now();
          n.statusDirty = false;
        } catch (e) {
          if (!isStatusError(e, 409)) throw e;
          learn(n, await client.patch(RESOURCES.nodes, '', n.name, 'merge', { metadata: { labels: node.metadata.labels }, spec: node.spec }, { signal }));
          await postStatus(n, true);
        }
        await renewLease(n);
        n.registered = true;
        for (const pod of informer?.cache.byIndex('node', n.name) ?? []) workersOf(n).update(pod);
        schedule(n, clock.now() + firstBeatDelay(n.seq, heartbeatMs));
        return;
      } catch (e) {
        if (signal.aborted) return;
        log('node registration failed, retrying', { node: n.name, error: (e as Error).message });
        await clock.sleep(Math.min(30_000, 500 * 2 ** attempt), signal);
      }
    }
  };

  const addNodes = async (count: number, o: { windows?: boolean } = {}): Promise<string[]> => {
    const windows = o.windows === true;
    const created: { n: HollowNode; node: JsonObject }[] = [];
    for (let i = 0; i < count; i++) {
      const idx = windows ? counts.windows++ : counts.linux++;
      const name = windows ? `${prefix}-win-${idx}` : `${prefix}-${idx}`;
      const seq = counts.seq++;
      const { node, status } = hollowNodeObject({ name, seq, windows, windowsBuild: opts.windowsBuild ?? '10.0.20348', taint: opts.windowsTaint === true, podsPerNode: opts.podsPerNode ?? 110, now: clock.now() });
      const n: HollowNode = { name, seq, windows, ip: hollowNodeIp(seq), status, uid: '', registered: false, dead: false, queued: false, statusDirty: false, lastStatusAt: 0 };
      nodes.set(name, n);
      created.push({ n, node });
    }
    await Promise.all(created.map(({ n, node }) => track(registrar.run(() => register(n, node)))));
    return created.map(({ n }) => n.name);
  };

  const started = clock.now();
  const ready = (async () => {
    await Promise.all([addNodes(opts.nodes, { windows: false }), addNodes(opts.windows ?? 0, { windows: true })]);
    if (!signal.aborted) log('hollow nodes registered', { nodes: nodes.size, ms: clock.now() - started });
  })();

  let stopping: Promise<void> | undefined;
  return {
    ready,
    nodeNames: () => [...nodes.keys()],
    addNodes,
    stopHeartbeats(name) { const n = nodes.get(name); if (n) n.dead = true; },
    resumeHeartbeats(name) {
      const n = nodes.get(name);
      if (!n || !n.dead) return;
      n.dead = false;
      n.statusDirty = true;
      const t = rfc3339(clock.now());
      for (const c of n.status.conditions as JsonObject[]) c.lastTransitionTime = t;
      if (n.registered) schedule(n, clock.now());
    },
    runtime: (name) => nodes.get(name)?.runtime,
    stop() {
      stopping ??= (async () => {
        stopper.abort();
        if (wheelTimer) clock.clearTimeout(wheelTimer);
        await informerRun;
        await Promise.allSettled([...inflight]);
        for (const n of nodes.values()) { await n.workers?.stop(); n.runtime?.close(); }
      })();
      return stopping;
    },
  };
}
