/**
 * @module apiserver/protobuf/formats — the JSON text forms of Kubernetes' special protobuf
 * values: `metav1.Time` (RFC 3339, whole seconds, UTC), `metav1.MicroTime` (RFC 3339 with six
 * fractional digits) and `metav1.Duration` (Go's `time.Duration.String()`).
 */

/** formatTime renders Unix seconds as Go's `time.RFC3339` in UTC ("2024-01-02T03:04:05Z"). */
export function formatTime(seconds: number): string {
  return `${isoDate(seconds * 1000).slice(0, 19)}Z`;
}

/** formatMicroTime renders seconds + nanos as RFC 3339 with microseconds ("…05.000123Z"). */
export function formatMicroTime(seconds: number, nanos: number): string {
  const micros = Math.floor(nanos / 1000);
  return `${isoDate(seconds * 1000).slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

function isoDate(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return new Date(0).toISOString();
  return d.toISOString();
}

const NS_PER_US = 1000n;
const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const NS_PER_M = 60n * NS_PER_S;
const NS_PER_H = 60n * NS_PER_M;

/** fraction writes `value / unit` with the remainder as trimmed decimal digits ("1.5", "2"). */
function fraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rem = value % unit;
  if (rem === 0n) return whole.toString();
  const width = unit.toString().length - 1;
  return `${whole}.${rem.toString().padStart(width, '0').replace(/0+$/, '')}`;
}

/** formatDuration renders nanoseconds exactly as Go's `time.Duration.String()` ("1h2m3.5s", "150ms"). */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  let u = ns < 0n ? -ns : ns;
  if (u < NS_PER_US) return `${sign}${u}ns`;
  if (u < NS_PER_MS) return `${sign}${fraction(u, NS_PER_US)}µs`;
  if (u < NS_PER_S) return `${sign}${fraction(u, NS_PER_MS)}ms`;
  const h = u / NS_PER_H;
  u %= NS_PER_H;
  const m = u / NS_PER_M;
  u %= NS_PER_M;
  const s = `${fraction(u, NS_PER_S)}s`;
  if (h > 0n) return `${sign}${h}h${m}m${s}`;
  if (m > 0n) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}
