/**
 * @module apiserver/compactor — forgets store history the way kube-apiserver does: every
 * interval it compacts to the revision it saw at the previous tick, so at least one interval of
 * history (default 5 minutes) stays available to watches and continue tokens, and older
 * resourceVersions are answered with 410 Expired.
 */
import type { Store } from '../store/types.ts';

/** Timers is the part of the clock the compactor needs (injected in tests). */
export interface Timers {
  setInterval(fn: () => void, ms: number): { unref?(): unknown };
  clearInterval(handle: unknown): void;
}

/** Compactor runs periodic compaction of `store` until stopped. */
export class Compactor {
  private readonly store: Store;
  private readonly intervalMs: number;
  private readonly timers: Timers;
  private handle: unknown;
  private previous = 0;
  private running: Promise<void> | undefined;
  /** onError receives backend failures (a failed compaction is retried at the next tick). */
  onError: (err: unknown) => void = () => undefined;

  constructor(store: Store, intervalMs = 5 * 60_000, timers: Timers = globalThis) {
    this.store = store;
    this.intervalMs = intervalMs;
    this.timers = timers;
  }

  /** start begins ticking; the first tick only records the current revision. */
  start(): void {
    if (this.handle !== undefined || this.intervalMs <= 0) return;
    const h = this.timers.setInterval(() => { this.running ??= this.tick().finally(() => { this.running = undefined; }); }, this.intervalMs);
    h.unref?.();
    this.handle = h;
    this.running = this.tick().finally(() => { this.running = undefined; });
  }

  /** tick compacts to the revision recorded at the previous tick, then records the current one. */
  async tick(): Promise<void> {
    try {
      const target = this.previous;
      this.previous = await this.store.currentRevision();
      if (target > 0 && target > await this.store.compactRevision()) await this.store.compact(target);
    } catch (e) {
      this.onError(e);
    }
  }

  /** stop ends ticking and waits for a compaction in flight. */
  async stop(): Promise<void> {
    if (this.handle !== undefined) this.timers.clearInterval(this.handle);
    this.handle = undefined;
    await this.running;
  }
}
