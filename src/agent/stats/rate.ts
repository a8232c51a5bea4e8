/**
 * @module agent/stats/rate — usageNanoCores from cumulative cpu counters, the way cadvisor and
 * kubelet's CRI stats provider derive it: remember an earlier sample of each counter and divide
 * the cpu time used since then by the wall time passed. A reading closer than `minWindowMs` to
 * the remembered one reuses the last rate (so back-to-back scrapes do not produce noise); a
 * counter that went backwards (container restarted under the same key) starts over.
 */
import type { CpuSample } from './types.ts';

interface Entry {
  refTime: number;
  refValue: number;
  rate: number | undefined;
  seen: number;
}

/** RateCache computes per-key cpu rates (nano-cores) from cumulative nanosecond counters. */
export class RateCache {
  readonly #entries = new Map<string, Entry>();
  readonly #minWindowMs: number;
  readonly #ttlMs: number;

  /** minWindowMs: shortest interval a new rate is computed over; ttlMs: how long an unseen key is kept. */
  constructor(o: { minWindowMs?: number; ttlMs?: number } = {}) {
    this.#minWindowMs = o.minWindowMs ?? 1000;
    this.#ttlMs = o.ttlMs ?? 10 * 60_000;
  }

  /** rate records `usageNs` at `timeMs` for `key` and returns the nano-core rate, undefined until two samples exist. */
  rate(key: string, timeMs: number, usageNs: number): number | undefined {
    const e = this.#entries.get(key);
    if (!e || usageNs < e.refValue || timeMs < e.refTime) {
      this.#entries.set(key, { refTime: timeMs, refValue: usageNs, rate: undefined, seen: timeMs });
      return undefined;
    }
    e.seen = timeMs;
    const dt = timeMs - e.refTime;
    if (dt >= this.#minWindowMs && dt > 0) {
      e.rate = Math.round(((usageNs - e.refValue) * 1000) / dt);
      e.refTime = timeMs;
      e.refValue = usageNs;
    }
    return e.rate;
  }

  /** prune forgets keys not seen since `nowMs - ttlMs` (containers that went away). */
  prune(nowMs: number): void {
    for (const [k, e] of this.#entries) if (e.seen < nowMs - this.#ttlMs) this.#entries.delete(k);
  }

  /** forget drops one key (its next reading starts a new window). */
  forget(key: string): void { this.#entries.delete(key); }

  /** size is the number of remembered keys (for tests). */
  get size(): number { return this.#entries.size; }
}

/** cpuSample builds CPUStats from a cumulative counter (ns) and its rate (when known). */
export function cpuSample(time: number, usageNs: number, nanoCores: number | undefined): CpuSample {
  return { time, ...(nanoCores !== undefined ? { usageNanoCores: nanoCores } : {}), usageCoreNanoSeconds: Math.round(usageNs) };
}
