/**
 * @module client/events — a small client-go style event recorder: core v1 Events about an object
 * (`involvedObject`), named `<object>.<hex time>`, with `source.component` (and `source.host` for
 * node agents) and `reportingComponent` set. Recording never fails the caller: a refused Event is
 * only logged, as upstream's broadcaster drops what it cannot write. As client-go's correlator, an
 * event identical to one recorded in the last 10 minutes (same object, type, reason, message and
 * source) is not written again: the earlier Event's `count` and `lastTimestamp` are patched, so a
 * crash loop shows as one `BackOff (x12 over 3m)` line in `kubectl describe`, not twelve objects.
 * Used by the controllers and by the node agent (the kubelet's Pulled/Started/Killing/BackOff/Unhealthy events).
 */
import type { JsonObject } from '../api/index.ts';
import { isStatusError, rfc3339 } from '../api/index.ts';
import type { ApiClient } from './rest.ts';
import type { Clock } from './clock.ts';
import { RESOURCES } from './resources.ts';

/** EventLog is where a refused Event is reported. */
export interface EventLog {
  info(msg: string, fields?: Record<string, unknown>): void;
}

/** EventType is the `type` of a core Event. */
export type EventType = 'Normal' | 'Warning';

/** rfc3339 is api's (epoch milliseconds as metav1.Time, seconds precision). */
export { rfc3339 };

/** SERIES_WINDOW_MS: an identical event within this time of the last one is counted on it. */
const SERIES_WINDOW_MS = 10 * 60_000;
/** SERIES_CACHE: how many distinct recent events are remembered (client-go's LRU size). */
const SERIES_CACHE = 4096;

/** Series is a recorded Event that repeats of it are counted on; `pending` serialises its writes. */
interface Series { name: string; namespace: string; count: number; last: number; pending: Promise<void> }

/** EventRecorder writes core v1 Events for one component (e.g. `deployment-controller`). */
export class EventRecorder {
  readonly #client: ApiClient;
  readonly #clock: Clock;
  readonly #log: EventLog;
  readonly #component: string;
  #seq = 0;
  readonly #series = new Map<string, Series>();

  readonly #host: string | undefined;

  /** `host` is the node name for events a node agent records (source.host, reportingInstance). */
  constructor(client: ApiClient, clock: Clock, log: EventLog, component: string, host?: string) {
    this.#client = client;
    this.#clock = clock;
    this.#log = log;
    this.#component = component;
    this.#host = host;
  }

  /** event records `reason`/`message` about `obj` (of `apiVersion`/`kind`, as cached objects may lack them); errors are logged, never thrown. */
  async event(obj: JsonObject, apiVersion: string, kind: string, type: EventType, reason: string, message: string): Promise<void> {
    const now = this.#clock.now();
    const ns = String(obj.metadata?.namespace ?? 'default');
    const name = String(obj.metadata?.name ?? '');
    const key = JSON.stringify([apiVersion, kind, ns, name, obj.metadata?.uid ?? '', type, reason, message]);
    const prior = this.#series.get(key);
    if (prior && now - prior.last < SERIES_WINDOW_MS) {
      prior.count++;
      prior.last = now;
      this.#series.delete(key);
      this.#series.set(key, prior); // most recently used last
      const count = prior.count;
      const ts = rfc3339(now);
      prior.pending = prior.pending.then(async () => {
        try {
          await this.#client.patch(RESOURCES.events, prior.namespace, prior.name, 'merge', { count, lastTimestamp: ts });
        } catch (e) {
          if (isStatusError(e, 404)) { this.#series.delete(key); await this.#create(obj, apiVersion, kind, type, reason, message, now, key); return; }
          this.#refused(e, reason, ns, name);
        }
      });
      return prior.pending;
    }
    return this.#create(obj, apiVersion, kind, type, reason, message, now, key);
  }

  async #create(obj: JsonObject, apiVersion: string, kind: string, type: EventType, reason: string, message: string, now: number, key: string): Promise<void> {
    const ns = String(obj.metadata?.namespace ?? 'default');
    const name = String(obj.metadata?.name ?? '');
    // Upstream names events <object>.<UnixNano in hex>; a counter keeps names unique within one millisecond.
    const nano = BigInt(Math.floor(now)) * 1_000_000n + BigInt(this.#seq++ % 1_000_000);
    const ts = rfc3339(now);
    const eventName = `${name}.${nano.toString(16)}`;
    const ev: JsonObject = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: eventName, namespace: ns },
      involvedObject: { apiVersion, kind, namespace: ns, name, uid: obj.metadata?.uid, resourceVersion: obj.metadata?.resourceVersion },
      reason, message, type, count: 1,
      firstTimestamp: ts, lastTimestamp: ts,
      source: { component: this.#component, ...(this.#host ? { host: this.#host } : {}) },
      reportingComponent: this.#component, reportingInstance: this.#host ?? '',
    };
    const series: Series = { name: eventName, namespace: ns, count: 1, last: now, pending: Promise.resolve() };
    this.#series.set(key, series);
    if (this.#series.size > SERIES_CACHE) this.#series.delete(this.#series.keys().next().value!);
    series.pending = (async () => {
      try {
        await this.#client.create(RESOURCES.events, ns, ev);
      } catch (e) {
        if (this.#series.get(key) === series) this.#series.delete(key);
        this.#refused(e, reason, ns, name);
      }
    })();
    return series.pending;
  }

  #refused(e: unknown, reason: string, ns: string, name: string): void {
    this.#log.info(`${this.#component}: event not recorded`, { reason, object: `${ns}/${name}`, ...(isStatusError(e) ? { error: e.message, code: e.code } : { error: e instanceof Error ? e.message : String(e) }) });
  }
}
