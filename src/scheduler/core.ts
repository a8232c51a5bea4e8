/**
 * @module scheduler/core — the scheduling loop: pop a pod, run the algorithm on a fresh snapshot,
 * PostFilter (preemption) when nothing fits, assume the pod in the cache and Reserve, then start the
 * binding cycle (PreBind, Bind) without waiting for it, so the next pod's cycle runs while the API
 * write is in flight. Failures unreserve, forget the assumed pod and requeue it with backoff; pods
 * the API shows deleted or already bound are dropped instead.
 */
import type { JsonObject } from '../api/index.ts';
import { realClock, type Clock } from '../client/index.ts';
import type { Algorithm, ScheduleResult } from './algorithm.ts';
import type { SchedulerCache } from './cache.ts';
import { NOOP_RECORDER, type SchedulerLog, type SchedulingRecorder } from './events.ts';
import { fitErrorMessage } from './failure.ts';
import { CycleState, status, type PodInfo, type Status } from './framework.ts';
import { BIND_CONFLICT_PREFIX } from './plugins/default-binder.ts';
import type { QueuedPodInfo, SchedulingQueue } from './queue.ts';
import type { FrameworkRunner } from './runner.ts';

/** SchedulerCoreOptions wire the loop to its parts. */
export interface SchedulerCoreOptions {
  readonly runner: FrameworkRunner;
  readonly algorithm: Algorithm;
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly recorder?: SchedulingRecorder;
  readonly log?: SchedulerLog;
  readonly clock?: Clock;
  /** currentPod returns the API's latest version of a pod (the informer cache); undefined when it is gone. */
  readonly currentPod?: (key: string) => JsonObject | undefined;
  /** maxBindingsInFlight holds the loop back while this many binding cycles are outstanding (default 256). */
  readonly maxBindingsInFlight?: number;
}

/** NO_NODES_MESSAGE is upstream's failure message when the cluster has no nodes. */
export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

/** YIELD_EVERY_MS bounds how long the loop keeps the event loop to itself. */
const YIELD_EVERY_MS = 5;

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

const NOOP_LOG: SchedulerLog = { info: () => undefined, error: () => undefined };

/** Scheduler runs scheduling cycles and binding cycles. */
export class Scheduler {
  readonly runner: FrameworkRunner;
  readonly algorithm: Algorithm;
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly #recorder: SchedulingRecorder;
  readonly #log: SchedulerLog;
  readonly #clock: Clock;
  readonly #currentPod: ((key: string) => JsonObject | undefined) | undefined;
  readonly #bindings = new Set<Promise<void>>();
  readonly #maxBindings: number;
  /** scheduled / failedAttempts count outcomes (bound pods; failed scheduling attempts). */
  scheduled = 0;
  failedAttempts = 0;

  constructor(o: SchedulerCoreOptions) {
    this.runner = o.runner;
    this.algorithm = o.algorithm;
    this.cache = o.cache;
    this.queue = o.queue;
    this.#recorder = o.recorder ?? NOOP_RECORDER;
    this.#log = o.log ?? NOOP_LOG;
    this.#clock = o.clock ?? realClock;
    this.#currentPod = o.currentPod;
    this.#maxBindings = o.maxBindingsInFlight ?? 256;
  }

  /** run pops and schedules pods until `signal` aborts or the queue closes. Cycles resolve through microtasks
   * only, so it yields to the event loop every few milliseconds (watch events, binding replies) and holds
   * back while `maxBindingsInFlight` bindings are outstanding. */
  async run(signal: AbortSignal): Promise<void> {
    let lastYield = performance.now();
    while (!signal.aborted) {
      const q = await this.queue.pop(signal);
      if (!q) break;
      try {
        await this.scheduleOne(q);
      } catch (e) {
        this.queue.done(q.podInfo.key);
        this.#log.error('scheduler: scheduling cycle failed', { pod: q.podInfo.key, error: e instanceof Error ? e.message : String(e) });
      }
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      while (this.#bindings.size >= this.#maxBindings && !signal.aborted) await Promise.race(this.#bindings);
    }
  }

  /** drain waits for every binding cycle in flight. */
  async drain(): Promise<void> {
    while (this.#bindings.size) await Promise.all([...this.#bindings]);
  }

  /** scheduleOne runs one pod's scheduling cycle and starts its binding cycle. */
  async scheduleOne(q: QueuedPodInfo): Promise<void> {
    const pi = q.podInfo;
    const key = pi.key;
    if (pi.pod.metadata?.deletionTimestamp || this.cache.podNode(key) !== undefined) { this.queue.done(key); return; }
    const cycle = this.queue.schedulingCycle;
    const snapshot = this.cache.updateSnapshot();
    this.runner.setSnapshot(snapshot);
    const state = new CycleState();
    let result: ScheduleResult;
    try {
      result = this.algorithm.schedulePod(state, pi, snapshot);
    } catch (e) {
      await this.#fail(q, cycle, e instanceof Error ? e.message : String(e), new Set());
      return;
    }
    if (!result.ok) { await this.#onFitError(state, q, cycle, result); return; }
    const nodeName = result.nodeName;
    this.cache.assumePod(pi, nodeName);
    this.queue.nominator.delete(key);
    const reserved = await this.runner.runReserve(state, pi, nodeName);
    if (reserved.code !== 'Success') {
      await this.runner.runUnreserve(state, pi, nodeName);
      this.cache.forgetPod(key);
      const plugins = reserved.code === 'Error' || !reserved.plugin ? new Set<string>() : new Set([reserved.plugin]);
      await this.#fail(q, cycle, reserved.reasons.join(', ') || `Reserve failed (${reserved.plugin ?? 'unknown'})`, plugins);
      return;
    }
    this.queue.done(key);
    const b = this.#bindingCycle(state, q, cycle, nodeName).finally(() => this.#bindings.delete(b));
    this.#bindings.add(b);
  }

  async #onFitError(state: CycleState, q: QueuedPodInfo, cycle: number, r: Extract<ScheduleResult, { ok: false }>): Promise<void> {
    const d = r.diagnosis;
    if (d.error !== undefined) { await this.#fail(q, cycle, d.error, new Set()); return; }
    let postMsg = '';
    let nominated: string | undefined;
    if (this.runner.profile.postFilter.length && d.statuses.size) {
      try {
        const pf = await this.runner.runPostFilter(state, q.podInfo, d.statuses);
        if (pf.status.code !== 'Success') postMsg = pf.status.reasons.join(', ');
        nominated = pf.nominatedNodeName;
      } catch (e) {
        this.#log.error('scheduler: PostFilter failed', { pod: q.podInfo.key, error: e instanceof Error ? e.message : String(e) });
      }
    }
    const message = r.numAllNodes === 0 ? NO_NODES_MESSAGE : fitErrorMessage(r.numAllNodes, d.statuses, d.preFilterMsg, postMsg);
    await this.#fail(q, cycle, message, d.unschedulablePlugins, nominated);
  }

  /** #fail requeues a pod that could not be scheduled (unless the API shows it gone or bound) and reports why. */
  async #fail(q: QueuedPodInfo, cycle: number, message: string, plugins: Set<string>, nominated?: string): Promise<void> {
    const key = q.podInfo.key;
    this.failedAttempts++;
    const cur = this.#currentPod ? this.#currentPod(key) : q.podInfo.pod;
    if (!cur || cur.spec?.nodeName || cur.metadata?.deletionTimestamp || (q.podInfo.pod.metadata?.uid && cur.metadata?.uid !== q.podInfo.pod.metadata.uid)) {
      this.queue.done(key);
      return;
    }
    q.unschedulablePlugins = plugins;
    if (nominated !== undefined) {
      if (nominated) this.queue.nominator.add(q.podInfo, nominated); else this.queue.nominator.delete(key);
      this.#recorder.nominated(cur, nominated);
    }
    this.queue.addUnschedulableIfNotPresent(q, cycle);
    this.#recorder.failed(cur, message);
    this.#log.info('scheduler: unable to schedule pod', { pod: key, message });
  }

  async #bindingCycle(state: CycleState, q: QueuedPodInfo, cycle: number, nodeName: string): Promise<void> {
    const pi: PodInfo = q.podInfo;
    let s: Status;
    try {
      s = await this.runner.runPreBind(state, pi, nodeName);
      if (s.code === 'Success') s = await this.runner.runBind(state, pi, nodeName);
    } catch (e) {
      s = status('Error', e instanceof Error ? e.message : String(e));
    }
    if (s.code === 'Success') {
      this.cache.finishBinding(pi.key);
      this.scheduled++;
      this.#recorder.scheduled(pi.pod, nodeName);
      return;
    }
    await this.runner.runUnreserve(state, pi, nodeName);
    this.cache.forgetPod(pi.key);
    this.queue.moveAllToActiveOrBackoff('PodDelete');
    const msg = s.reasons.join(', ');
    if (msg.startsWith(BIND_CONFLICT_PREFIX)) {
      this.#log.info('scheduler: binding conflict, pod dropped', { pod: pi.key, message: msg, node: nodeName });
      return;
    }
    this.#log.error('scheduler: binding failed', { pod: pi.key, node: nodeName, message: msg, at: this.#clock.now() });
    await this.#fail(q, cycle, `Binding rejected: ${msg}`, new Set());
  }
}
