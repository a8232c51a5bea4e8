/**
 * @module scheduler/queue — the scheduling queue (kube-scheduler's PriorityQueue): activeQ, a heap
 * with higher spec.priority first and then earlier enqueue time; backoffQ, pods waiting out a
 * per-pod exponential backoff (1 s doubling to 10 s) on the injected Clock; and the unschedulable
 * pods, which cluster events move back when a plugin that rejected them registered the event
 * (plugins without EnqueueExtensions hear every event) and which are flushed back after 5 minutes.
 * Pods with scheduling gates wait aside until the gates are removed. `pop` waits for a pod.
 * Nominated pods (preemption's reservations) are tracked by the Nominator in nominator.ts.
 */
import type { JsonObject } from '../api/index.ts';
import { realClock, type Clock, type TimerHandle } from '../client/index.ts';
import type { ClusterEvent, PodInfo } from './framework.ts';
import { KeyedHeap } from './heap.ts';
import { Nominator } from './nominator.ts';
import { newPodInfo, podKey, podPriority } from './resources.ts';

/** QueuedPodInfo is a pod in the queue with its attempt bookkeeping. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** timestamp is when the pod was last added to the queue (or failed). */
  timestamp: number;
  readonly initialAttemptTimestamp: number;
  /** attempts counts pops. */
  attempts: number;
  /** unschedulablePlugins are the plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
}

/** SchedulingQueueOptions: clock, backoff bounds, the unschedulable flush age, and each plugin's registered events. */
export interface SchedulingQueueOptions {
  readonly clock?: Clock;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** maxUnschedulableMs is how long a pod stays unschedulable before it is retried anyway (default 5 min). */
  readonly maxUnschedulableMs?: number;
  /** flushPeriodMs is how often unschedulable pods are checked for that age (default 30 s). */
  readonly flushPeriodMs?: number;
  /** pluginEvents maps a plugin to the events it registered; plugins not in the map hear every event. */
  readonly pluginEvents?: ReadonlyMap<string, ReadonlySet<ClusterEvent>>;
}

const byPriority = (a: QueuedPodInfo, b: QueuedPodInfo): boolean => {
  const pa = podPriority(a.podInfo.pod);
  const pb = podPriority(b.podInfo.pod);
  return pa > pb || (pa === pb && a.timestamp < b.timestamp);
};

/** isPodUpdated says whether an update changed more than status and bookkeeping metadata (so it may now schedule). */
export function isPodUpdated(oldPod: JsonObject, newPod: JsonObject): boolean {
  const strip = (p: JsonObject): string => {
    const { resourceVersion: _rv, generation: _g, managedFields: _m, ...meta } = (p.metadata ?? {}) as JsonObject;
    return JSON.stringify({ meta, spec: p.spec });
  };
  return strip(oldPod) !== strip(newPod);
}

function hasGates(pod: JsonObject): boolean {
  const g = pod.spec?.schedulingGates;
  return Array.isArray(g) && g.length > 0;
}

/** SchedulingQueue holds the pods waiting to be scheduled. */
export class SchedulingQueue {
  readonly nominator = new Nominator();
  readonly #clock: Clock;
  readonly #initialBackoff: number;
  readonly #maxBackoff: number;
  readonly #maxUnschedulable: number;
  readonly #flushPeriod: number;
  readonly #pluginEvents: ReadonlyMap<string, ReadonlySet<ClusterEvent>>;
  readonly #active = new KeyedHeap<QueuedPodInfo>((q) => q.podInfo.key, byPriority);
  readonly #backoff = new KeyedHeap<QueuedPodInfo>((q) => q.podInfo.key, (a, b) => this.#backoffTime(a) < this.#backoffTime(b));
  readonly #unschedulable = new Map<string, QueuedPodInfo>();
  readonly #gated = new Map<string, QueuedPodInfo>();
  /** inFlight holds popped pods not yet done, with their latest version seen meanwhile. */
  readonly #inFlight = new Map<string, { pod: JsonObject; updated: boolean }>();
  readonly #waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  #schedulingCycle = 0;
  #moveRequestCycle = -1;
  #closed = false;
  #started = false;
  #backoffTimer: TimerHandle | undefined;
  #flushTimer: TimerHandle | undefined;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.#clock = opts.clock ?? realClock;
    this.#initialBackoff = opts.initialBackoffMs ?? 1000;
    this.#maxBackoff = opts.maxBackoffMs ?? 10_000;
    this.#maxUnschedulable = opts.maxUnschedulableMs ?? 5 * 60_000;
    this.#flushPeriod = opts.flushPeriodMs ?? 30_000;
    this.#pluginEvents = opts.pluginEvents ?? new Map();
  }

  /** schedulingCycle counts pops; failures report the cycle they were popped in. */
  get schedulingCycle(): number { return this.#schedulingCycle; }

  /** backoffDuration is initial·2^(attempts-1), capped at the maximum. */
  backoffDuration(q: QueuedPodInfo): number {
    let d = this.#initialBackoff;
    for (let i = 1; i < q.attempts; i++) {
      d *= 2;
      if (d >= this.#maxBackoff) return this.#maxBackoff;
    }
    return Math.min(d, this.#maxBackoff);
  }

  #backoffTime(q: QueuedPodInfo): number { return q.timestamp + this.backoffDuration(q); }

  #isBackingOff(q: QueuedPodInfo): boolean { return q.attempts > 0 && this.#backoffTime(q) > this.#clock.now(); }

  /** start arms the backoff and unschedulable-flush timers. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    const flush = (): void => {
      this.flushUnschedulableLeftover();
      this.#flushTimer = this.#clock.setTimeout(flush, this.#flushPeriod);
    };
    this.#flushTimer = this.#clock.setTimeout(flush, this.#flushPeriod);
    this.#armBackoff();
  }

  /** close stops the timers and wakes every pending `pop` with undefined. */
  close(): void {
    this.#closed = true;
    if (this.#flushTimer) this.#clock.clearTimeout(this.#flushTimer);
    if (this.#backoffTimer) this.#clock.clearTimeout(this.#backoffTimer);
    this.#flushTimer = this.#backoffTimer = undefined;
    for (const w of this.#waiters.splice(0)) w(undefined);
  }

  #armBackoff(): void {
    if (!this.#started || this.#closed) return;
    if (this.#backoffTimer) this.#clock.clearTimeout(this.#backoffTimer);
    this.#backoffTimer = undefined;
    const head = this.#backoff.peek();
    if (!head) return;
    this.#backoffTimer = this.#clock.setTimeout(() => { this.#backoffTimer = undefined; this.flushBackoffCompleted(); }, this.#backoffTime(head) - this.#clock.now());
  }

  #pushActive(q: QueuedPodInfo): void {
    const w = this.#waiters.shift();
    if (w) this.#hand(q, w);
    else this.#active.addOrUpdate(q);
  }

  #pushBackoff(q: QueuedPodInfo): void {
    this.#backoff.addOrUpdate(q);
    this.#armBackoff();
  }

  #hand(q: QueuedPodInfo, w: (q: QueuedPodInfo) => void): void {
    q.attempts++;
    this.#schedulingCycle++;
    this.#inFlight.set(q.podInfo.key, { pod: q.podInfo.pod, updated: false });
    w(q);
  }

  #newQueued(pod: JsonObject): QueuedPodInfo {
    const now = this.#clock.now();
    return { podInfo: newPodInfo(pod), timestamp: now, initialAttemptTimestamp: now, attempts: 0, unschedulablePlugins: new Set() };
  }

  /** has says whether the pod is anywhere in the queue (active, backoff, unschedulable, gated). */
  has(key: string): boolean {
    return this.#active.has(key) || this.#backoff.has(key) || this.#unschedulable.has(key) || this.#gated.has(key);
  }

  /** add queues a new pending pod (gated pods wait aside). */
  add(pod: JsonObject): void {
    const key = podKey(pod);
    if (this.has(key) || this.#inFlight.has(key)) return;
    const q = this.#newQueued(pod);
    this.nominator.add(q.podInfo);
    if (hasGates(pod)) this.#gated.set(key, q);
    else this.#pushActive(q);
  }

  /** update applies a new version of a pending pod; a real change moves an unschedulable pod back. */
  update(oldPod: JsonObject, newPod: JsonObject): void {
    const key = podKey(newPod);
    const fl = this.#inFlight.get(key);
    if (fl) {
      fl.updated ||= isPodUpdated(fl.pod, newPod);
      fl.pod = newPod;
      return;
    }
    const pi = newPodInfo(newPod);
    this.nominator.update(oldPod, pi);
    const gated = this.#gated.get(key);
    if (gated) {
      gated.podInfo = pi;
      if (!hasGates(newPod)) { this.#gated.delete(key); this.#pushActive(gated); }
      return;
    }
    for (const heap of [this.#active, this.#backoff]) {
      const q = heap.get(key);
      if (q) { q.podInfo = pi; heap.addOrUpdate(q); return; }
    }
    const u = this.#unschedulable.get(key);
    if (u) {
      u.podInfo = pi;
      if (isPodUpdated(oldPod, newPod)) {
        this.#unschedulable.delete(key);
        if (this.#isBackingOff(u)) this.#pushBackoff(u); else this.#pushActive(u);
      }
      return;
    }
    this.add(newPod);
  }

  /** delete removes a pod from every part of the queue. */
  delete(pod: JsonObject): void {
    const key = podKey(pod);
    this.#active.delete(key);
    if (this.#backoff.delete(key)) this.#armBackoff();
    this.#unschedulable.delete(key);
    this.#gated.delete(key);
    this.#inFlight.delete(key);
    this.nominator.delete(key);
  }

  /** done marks a popped pod's scheduling attempt as finished (whatever its outcome). */
  done(key: string): void { this.#inFlight.delete(key); }

  /** addUnschedulableIfNotPresent returns a failed pod: to backoffQ when a move happened during its cycle or it failed with an error, else to the unschedulable pods. */
  addUnschedulableIfNotPresent(q: QueuedPodInfo, podSchedulingCycle: number): void {
    const key = q.podInfo.key;
    const fl = this.#inFlight.get(key);
    this.#inFlight.delete(key);
    if (this.has(key)) return;
    let updated = false;
    if (fl && fl.pod !== q.podInfo.pod) {
      const old = q.podInfo.pod;
      q.podInfo = newPodInfo(fl.pod);
      updated = fl.updated;
      this.nominator.update(old, q.podInfo);
    }
    q.timestamp = this.#clock.now();
    if (this.#moveRequestCycle >= podSchedulingCycle || q.unschedulablePlugins.size === 0 || updated) this.#pushBackoff(q);
    else this.#unschedulable.set(key, q);
  }

  #matches(q: QueuedPodInfo, event: ClusterEvent): boolean {
    if (q.unschedulablePlugins.size === 0) return true;
    for (const p of q.unschedulablePlugins) {
      const evs = this.#pluginEvents.get(p);
      if (!evs || evs.has(event)) return true;
    }
    return false;
  }

  #moveOut(list: QueuedPodInfo[]): void {
    for (const q of list) {
      this.#unschedulable.delete(q.podInfo.key);
      if (this.#isBackingOff(q)) this.#pushBackoff(q); else this.#pushActive(q);
    }
  }

  /** moveAllToActiveOrBackoff moves the unschedulable pods a plugin of which registered `event`; returns how many moved. */
  moveAllToActiveOrBackoff(event: ClusterEvent): number {
    const list: QueuedPodInfo[] = [];
    for (const q of this.#unschedulable.values()) if (this.#matches(q, event)) list.push(q);
    this.#moveOut(list);
    this.#moveRequestCycle = this.#schedulingCycle;
    return list.length;
  }

  /** flushBackoffCompleted moves pods whose backoff has expired to activeQ. */
  flushBackoffCompleted(): void {
    const now = this.#clock.now();
    for (;;) {
      const head = this.#backoff.peek();
      if (!head || this.#backoffTime(head) > now) break;
      this.#backoff.pop();
      this.#pushActive(head);
    }
    this.#armBackoff();
  }

  /** flushUnschedulableLeftover moves pods unschedulable for longer than the maximum back. */
  flushUnschedulableLeftover(): void {
    const now = this.#clock.now();
    const list: QueuedPodInfo[] = [];
    for (const q of this.#unschedulable.values()) if (now - q.timestamp > this.#maxUnschedulable) list.push(q);
    this.#moveOut(list);
  }

  /** pop resolves with the highest-priority active pod, waiting for one; undefined once closed or `signal` aborts. */
  pop(signal?: AbortSignal): Promise<QueuedPodInfo | undefined> {
    if (this.#closed || signal?.aborted) return Promise.resolve(undefined);
    const q = this.#active.pop();
    if (q) {
      return new Promise((resolve) => this.#hand(q, resolve));
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve(undefined);
      };
      const waiter = (x: QueuedPodInfo | undefined): void => { signal?.removeEventListener('abort', onAbort); resolve(x); };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** tryPop returns the next active pod at once, or undefined (the benchmark's synchronous loop). */
  tryPop(): QueuedPodInfo | undefined {
    const q = this.#active.pop();
    if (!q) return undefined;
    let out: QueuedPodInfo | undefined;
    this.#hand(q, (x) => { out = x; });
    return out;
  }

  /** counts reports the sizes of the sub-queues. */
  counts(): { active: number; backoff: number; unschedulable: number; gated: number } {
    return { active: this.#active.size, backoff: this.#backoff.size, unschedulable: this.#unschedulable.size, gated: this.#gated.size };
  }

  /** pendingKeys lists the keys in each sub-queue (tests). */
  pendingKeys(): { active: string[]; backoff: string[]; unschedulable: string[] } {
    const keys = (l: QueuedPodInfo[]): string[] => l.map((q) => q.podInfo.key).sort();
    return { active: keys(this.#active.list()), backoff: keys(this.#backoff.list()), unschedulable: keys([...this.#unschedulable.values()]) };
  }
}
