/**
 * @module client/leader-election — client-go's leader election on a coordination.k8s.io/v1 Lease.
 *
 * A candidate tries to acquire the Lease every retryPeriod; the holder renews it every retryPeriod
 * and gives up leadership when it has not renewed within renewDeadline. Another holder's lease
 * counts as expired when leaseDuration has passed on *our* clock since we last saw its record
 * change (so clock skew between machines does not matter). Writes are conditional on the Lease's
 * resourceVersion, so of two racing candidates only one wins.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { realClock, type Clock } from './clock.ts';
import type { ApiClient } from './rest.ts';
import { RESOURCES } from './resources.ts';

/** LeaderElectionConfig names the Lease and this candidate, with client-go's timing defaults (15 s / 10 s / 2 s). */
export interface LeaderElectionConfig {
  readonly client: ApiClient;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** releaseOnCancel clears the holder when the signal aborts while leading (default true). */
  readonly releaseOnCancel?: boolean;
  readonly clock?: Clock;
  readonly onError?: (e: unknown) => void;
}

/** LeaderCallbacks: `onStartedLeading` gets a signal that aborts when leadership ends. */
export interface LeaderCallbacks {
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading?(): void;
  onNewLeader?(identity: string): void;
}

/** microTime formats a time as a MicroTime (RFC 3339 with microseconds). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** LeaderElector runs one candidate's acquire / renew / release cycle. */
export class LeaderElector {
  readonly config: Required<Omit<LeaderElectionConfig, 'onError'>> & Pick<LeaderElectionConfig, 'onError'>;
  #observed: JsonObject | undefined;
  #observedAt = 0;
  #leader = '';

  constructor(config: LeaderElectionConfig) {
    this.config = {
      leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, releaseOnCancel: true, clock: realClock,
      ...config,
    };
    if (this.config.leaseDurationMs <= this.config.renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
  }

  /** leader is the holder last observed ('' when unknown). */
  get leader(): string { return this.#leader; }

  /** isLeader says whether this candidate held the lease at its last observation. */
  isLeader(): boolean { return this.#leader === this.config.identity; }

  /** tryAcquireOrRenew makes one attempt to take or extend the lease; true when we hold it afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity, clock } = this.config;
    const now = clock.now();
    const spec = (transitions: number, acquireTime: string): JsonObject => ({
      holderIdentity: identity, leaseDurationSeconds: Math.round(this.config.leaseDurationMs / 1000),
      acquireTime, renewTime: microTime(now), leaseTransitions: transitions,
    });
    let lease: JsonObject;
    try {
      lease = await client.get(RESOURCES.leases, namespace, name);
    } catch (e) {
      if (!isStatusError(e, 404)) throw e;
      const created = await client.create(RESOURCES.leases, namespace, {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: spec(0, microTime(now)),
      });
      this.#observe(created, now);
      return true;
    }
    const holder = String(lease.spec?.holderIdentity ?? '');
    if (!this.#observed || JSON.stringify(this.#observed.spec) !== JSON.stringify(lease.spec)) this.#observe(lease, now);
    const durationMs = Number(lease.spec?.leaseDurationSeconds ?? 0) * 1000 || this.config.leaseDurationMs;
    if (holder && holder !== identity && this.#observedAt + durationMs > now) return false;
    const next = structuredClone(lease);
    const transitions = Number(lease.spec?.leaseTransitions ?? 0);
    next.spec = holder === identity
      ? { ...lease.spec, ...spec(transitions, String(lease.spec?.acquireTime ?? microTime(now))) }
      : spec(transitions + 1, microTime(now));
    const updated = await client.update(RESOURCES.leases, namespace, next);
    this.#observe(updated, now);
    return true;
  }

  #observe(lease: JsonObject, now: number): void {
    this.#observed = lease;
    this.#observedAt = now;
    const holder = String(lease.spec?.holderIdentity ?? '');
    if (holder !== this.#leader) {
      this.#leader = holder;
      if (holder) this.#callbacks?.onNewLeader?.(holder);
    }
  }

  #callbacks: LeaderCallbacks | undefined;

  async #attempt(): Promise<boolean> {
    try {
      return await this.tryAcquireOrRenew();
    } catch (e) {
      this.config.onError?.(e);
      return false;
    }
  }

  /** run campaigns until `signal` aborts: acquire, lead (renewing) until leadership is lost, then campaign again. */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    this.#callbacks = callbacks;
    const { clock, retryPeriodMs, renewDeadlineMs } = this.config;
    while (!signal.aborted) {
      if (!(await this.#attempt())) {
        if (!(await clock.sleep(retryPeriodMs, signal))) break;
        continue;
      }
      const leading = new AbortController();
      const stop = (): void => leading.abort();
      signal.addEventListener('abort', stop, { once: true });
      const work = Promise.resolve().then(() => callbacks.onStartedLeading(leading.signal)).catch((e: unknown) => this.config.onError?.(e));
      let lastRenew = clock.now();
      while (!signal.aborted) {
        if (!(await clock.sleep(retryPeriodMs, signal))) break;
        if (await this.#attempt()) { lastRenew = clock.now(); continue; }
        if (clock.now() - lastRenew >= renewDeadlineMs || (this.#leader && this.#leader !== this.config.identity)) break;
      }
      signal.removeEventListener('abort', stop);
      leading.abort();
      await work;
      if (signal.aborted && this.config.releaseOnCancel) await this.release();
      this.#leader = this.#leader === this.config.identity ? '' : this.#leader;
      callbacks.onStoppedLeading?.();
    }
  }

  /** release clears the holder of a lease we hold so another candidate can take it at once. */
  async release(): Promise<void> {
    const { client, namespace, name, identity, clock } = this.config;
    try {
      const lease = await client.get(RESOURCES.leases, namespace, name);
      if (lease.spec?.holderIdentity !== identity) return;
      const next = structuredClone(lease);
      next.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(clock.now()) };
      delete next.spec.holderIdentity;
      await client.update(RESOURCES.leases, namespace, next);
    } catch (e) {
      this.config.onError?.(e);
    }
  }
}
