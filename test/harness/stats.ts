/**
 * @module test/harness/stats — latency summaries (nearest-rank percentiles over all samples) and
 * CPU readings of processes and their threads from /proc, for the benchmarks; never used for timed
 * assertions in tests.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Summary of a set of latency samples in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** percentile returns the nearest-rank p-th percentile (0 < p <= 100) of ascending `sorted`, or NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** summarize sorts a copy of `samples` and returns count, p50, p90, p99, max and mean. */
export function summarize(samples: readonly number[]): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    count: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s.length ? s[s.length - 1] : Number.NaN,
    mean: s.length ? sum / s.length : Number.NaN,
  };
}

/** fmtMs renders milliseconds with a precision suited to the magnitude ("0.42", "12.3", "1520"). */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** cpuSeconds reads utime + stime of a process (or, with `thread`, of one of its threads) from /proc (0 when unavailable). */
export function cpuSeconds(pid: number | undefined, thread?: number): number {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // fields 14 and 15, in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** threadCpu maps each thread of a process, as "name/tid", to its CPU seconds so far. */
export function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(`${name}/${tid}`, cpuSeconds(pid, Number(tid)));
    }
  } catch { /* the process is gone */ }
  return out;
}

/** byThreadName sums the CPU spent between two threadCpu readings per thread name (tid dropped). */
export function byThreadName(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) {
    const name = k.slice(0, k.lastIndexOf('/'));
    out[name] = (out[name] ?? 0) + v - (before.get(k) ?? 0);
  }
  return out;
}
