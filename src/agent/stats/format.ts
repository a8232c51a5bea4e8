/**
 * @module agent/stats/format — small renderings shared by the summary and the metrics text:
 * metav1.Time (RFC 3339, whole seconds, UTC), Go's shortest `%g`-style float text that the
 * Prometheus Go client writes (`1.7391616e+07`, `40.384910049`), Prometheus label and help
 * escaping, and the choice of a default network interface (kubelet's `eth0`).
 */
import type { InterfaceSample } from './types.ts';

/** metaTime renders epoch ms as metav1.Time JSON does: RFC 3339 in UTC, whole seconds. */
export function metaTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** goFloat renders a number as Go's strconv.FormatFloat(v, 'g', -1, 64) (Prometheus text values). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, e] = v.toExponential().split('e');
  const exp = Number(e);
  // Go switches to exponent form below 1e-4 and from 1e+06 on (its rule for shortest precision).
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(v);
}

/** escapeLabelValue escapes a Prometheus text-format label value (backslash, double quote, newline). */
export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** escapeHelp escapes a Prometheus text-format HELP text (backslash, newline). */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** DEFAULT_INTERFACE is kubelet's default network interface name for the inline NetworkStats fields. */
export const DEFAULT_INTERFACE = 'eth0';

/** defaultInterface picks the interface whose counters go inline: `eth0`, else the first one. */
export function defaultInterface(interfaces: readonly InterfaceSample[]): InterfaceSample | undefined {
  return interfaces.find((i) => i.name === DEFAULT_INTERFACE) ?? interfaces[0];
}

/** int rounds a measured value to the unsigned integer stats/v1alpha1 carries (undefined stays undefined). */
export function int(v: number | undefined): number | undefined {
  return v === undefined || !Number.isFinite(v) ? undefined : Math.max(0, Math.round(v));
}
