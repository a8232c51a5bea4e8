/**
 * @module scheduler/events — what the scheduler tells the API about its decisions: core/v1 Events
 * (Scheduled, FailedScheduling; repeats of the same message are aggregated into one Event whose
 * count is patched at most every `aggregateMs`), the PodScheduled=False/Unschedulable condition
 * (written only when its message changes) and status.nominatedNodeName. Writes never block the
 * scheduling loop; failures are logged.
 */
import { rfc3339, type JsonObject } from '../api/index.ts';
import { RESOURCES, realClock, type ApiClient, type Clock } from '../client/index.ts';

/** SchedulerLog is the logger the scheduler writes to. */
export interface SchedulerLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** SchedulingRecorder receives the scheduler's outcomes. */
export interface SchedulingRecorder {
  scheduled(pod: JsonObject, nodeName: string): void;
  failed(pod: JsonObject, message: string): void;
  /** gated writes PodScheduled=False/SchedulingGated for a pod held by scheduling gates (optional). */
  gated?(pod: JsonObject): void;
  /** nominated writes status.nominatedNodeName ('' clears it). */
  nominated(pod: JsonObject, nodeName: string): void;
  /** forget drops what is remembered about a deleted pod. */
  forget(pod: JsonObject): void;
  /** flush resolves when every write started so far has finished. */
  flush(): Promise<void>;
}

/** GATED_MESSAGE is upstream's PodScheduled message for a pod with scheduling gates. */
export const GATED_MESSAGE = 'Scheduling is blocked due to non-empty scheduling gates';

/** NOOP_RECORDER records nothing (benchmarks). */
export const NOOP_RECORDER: SchedulingRecorder = {
  scheduled: () => undefined, failed: () => undefined, nominated: () => undefined, forget: () => undefined, flush: () => Promise.resolve(),
};

/** RecorderOptions: the component name in Events (default default-scheduler), the clock and the aggregation interval. */
export interface RecorderOptions {
  readonly component?: string;
  readonly clock?: Clock;
  readonly log?: SchedulerLog;
  /** aggregateMs is the least time between count updates of one repeated Event (default 10 s). */
  readonly aggregateMs?: number;
}

interface Aggregate { name: string; namespace: string; message: string; count: number; lastWrite: number; first: string }

const uidOf = (pod: JsonObject): string => String(pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`);

/** ApiRecorder writes Events and pod status through the API. */
export class ApiRecorder implements SchedulingRecorder {
  readonly #client: ApiClient;
  readonly #component: string;
  readonly #clock: Clock;
  readonly #log: SchedulerLog | undefined;
  readonly #aggregateMs: number;
  readonly #conditions = new Map<string, string>();
  readonly #events = new Map<string, Aggregate>();
  readonly #pending = new Set<Promise<unknown>>();
  #seq = 0;

  constructor(client: ApiClient, opts: RecorderOptions = {}) {
    this.#client = client;
    this.#component = opts.component ?? 'default-scheduler';
    this.#clock = opts.clock ?? realClock;
    this.#log = opts.log;
    this.#aggregateMs = opts.aggregateMs ?? 10_000;
  }

  #track(what: string, p: Promise<unknown>): void {
    const q = p.catch((e: unknown) => this.#log?.error(`scheduler: ${what} failed`, { error: e instanceof Error ? e.message : String(e) })).finally(() => this.#pending.delete(q));
    this.#pending.add(q);
  }

  #event(pod: JsonObject, type: 'Normal' | 'Warning', reason: string, message: string, aggregate: boolean): void {
    const ns = String(pod.metadata?.namespace ?? 'default');
    const podName = String(pod.metadata?.name ?? '');
    const key = `${uidOf(pod)}/${reason}`;
    const now = this.#clock.now();
    const agg = this.#events.get(key);
    if (agg && agg.message === message) {
      agg.count++;
      if (now - agg.lastWrite < this.#aggregateMs) return;
      agg.lastWrite = now;
      this.#track('event update', this.#client.patch(RESOURCES.events, agg.namespace, agg.name, 'merge', { count: agg.count, lastTimestamp: rfc3339(now) }));
      return;
    }
    const name = `${podName}.${(BigInt(now) * 1_000_000n + BigInt(this.#seq++ % 1_000_000)).toString(16)}`;
    const first = rfc3339(now);
    if (aggregate) this.#events.set(key, { name, namespace: ns, message, count: 1, lastWrite: now, first });
    const ev: JsonObject = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: ns, name: podName, uid: pod.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion },
      reason, message, type, count: 1, firstTimestamp: first, lastTimestamp: first,
      source: { component: this.#component }, reportingComponent: this.#component, reportingInstance: this.#component,
    };
    this.#track('event create', this.#client.create(RESOURCES.events, ns, ev));
  }

  scheduled(pod: JsonObject, nodeName: string): void {
    const ns = String(pod.metadata?.namespace ?? '');
    this.#event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${String(pod.metadata?.name ?? '')} to ${nodeName}`, false);
    this.#conditions.delete(uidOf(pod));
    this.#events.delete(`${uidOf(pod)}/FailedScheduling`);
  }

  failed(pod: JsonObject, message: string): void {
    this.#event(pod, 'Warning', 'FailedScheduling', message, true);
    this.#condition(pod, 'Unschedulable', message);
  }

  gated(pod: JsonObject): void {
    const has = (pod.status?.conditions ?? []).some((c: JsonObject) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated');
    if (!has) this.#condition(pod, 'SchedulingGated', GATED_MESSAGE);
  }

  #condition(pod: JsonObject, reason: string, message: string): void {
    const uid = uidOf(pod);
    if (this.#conditions.get(uid) === `${reason}/${message}`) return;
    this.#conditions.set(uid, `${reason}/${message}`);
    const cond = { type: 'PodScheduled', status: 'False', reason, message, lastProbeTime: null, lastTransitionTime: rfc3339(this.#clock.now()) };
    this.#track('pod condition', this.#client.patch(RESOURCES.pods, String(pod.metadata?.namespace ?? ''), String(pod.metadata?.name ?? ''), 'strategic', { status: { conditions: [cond] } }, { subresource: 'status' }));
  }

  nominated(pod: JsonObject, nodeName: string): void {
    if (String(pod.status?.nominatedNodeName ?? '') === nodeName) return;
    this.#track('nominatedNodeName', this.#client.patch(RESOURCES.pods, String(pod.metadata?.namespace ?? ''), String(pod.metadata?.name ?? ''), 'merge', { status: { nominatedNodeName: nodeName || null } }, { subresource: 'status' }));
  }

  forget(pod: JsonObject): void {
    const uid = uidOf(pod);
    this.#conditions.delete(uid);
    this.#events.delete(`${uid}/FailedScheduling`);
  }

  async flush(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }
}
