/**
 * @module controllers/deployment-events — a small client-go style event recorder for the workload
 * controllers: core v1 Events about an object (`involvedObject`), named `<object>.<hex time>`, with
 * `source.component` and `reportingComponent` set. Recording never fails the caller: a refused
 * Event is only logged, as upstream's broadcaster drops what it cannot write.
 */
import type { JsonObject } from '../api/index.ts';
import { RESOURCES, type ApiClient, type Clock } from '../client/index.ts';
import { errorFields, type ControllerLog } from './controller.ts';

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
  readonly #log: ControllerLog;
  readonly #component: string;
  #seq = 0;

  constructor(client: ApiClient, clock: Clock, log: ControllerLog, component: string) {
    this.#client = client;
    this.#clock = clock;
    this.#log = log;
    this.#component = component;
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
      source: { component: this.#component },
      reportingComponent: this.#component, reportingInstance: '',
    };
    try {
      await this.#client.create(RESOURCES.events, ns, ev);
    } catch (e) {
      this.#log.info(`${this.#component}: event not recorded`, { reason, object: `${ns}/${name}`, ...errorFields(e) });
    }
  }
}
