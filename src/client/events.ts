/**
 * @module client/events — a small client-go style event recorder: core v1 Events about an object
 * (`involvedObject`), named `<object>.<hex time>`, with `source.component` (and `source.host` for
 * node agents) and `reportingComponent` set. Recording never fails the caller: a refused Event is
 * only logged, as upstream's broadcaster drops what it cannot write. Used by the controllers and
 * by the node agent (the kubelet's Pulled/Started/Killing/BackOff/Unhealthy events).
 */
import type { JsonObject } from '../api/index.ts';
import { isStatusError } from '../api/index.ts';
import type { ApiClient } from './rest.ts';
import type { Clock } from './clock.ts';
import { RESOURCES } from './resources.ts';

/** EventLog is where a refused Event is reported. */
export interface EventLog {
  info(msg: string, fields?: Record<string, unknown>): void;
}

/** EventType is the `type` of a core Event. */
export type EventType = 'Normal' | 'Warning';

/** rfc3339 renders epoch milliseconds with seconds precision, as metav1.Time does. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** EventRecorder writes core v1 Events for one component (e.g. `deployment-controller`). */
export class EventRecorder {
  readonly #client: ApiClient;
  readonly #clock: Clock;
  readonly #log: EventLog;
  readonly #component: string;
  #seq = 0;

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
    // Upstream names events <object>.<UnixNano in hex>; a counter keeps names unique within one millisecond.
    const nano = BigInt(Math.floor(now)) * 1_000_000n + BigInt(this.#seq++ % 1_000_000);
    const ts = rfc3339(now);
    const ev: JsonObject = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: `${name}.${nano.toString(16)}`, namespace: ns },
      involvedObject: { apiVersion, kind, namespace: ns, name, uid: obj.metadata?.uid, resourceVersion: obj.metadata?.resourceVersion },
      reason, message, type, count: 1,
      firstTimestamp: ts, lastTimestamp: ts,
      source: { component: this.#component, ...(this.#host ? { host: this.#host } : {}) },
      reportingComponent: this.#component, reportingInstance: this.#host ?? '',
    };
    try {
      await this.#client.create(RESOURCES.events, ns, ev);
    } catch (e) {
      this.#log.info(`${this.#component}: event not recorded`, { reason, object: `${ns}/${name}`, ...(isStatusError(e) ? { error: e.message, code: e.code } : { error: e instanceof Error ? e.message : String(e) }) });
    }
  }
}
