/**
 * @module agent/stats/metrics — kubelet's `/metrics/resource` (what metrics-server scrapes), as
 * Prometheus text format 0.0.4 written the way the Go client writes it: families sorted by name,
 * each with `# HELP <name> [STABLE] …` and `# TYPE`, samples sorted by their label values,
 * labels in name order, values in Go's shortest float form, and the sample's own time in epoch
 * milliseconds (no timestamp on container_start_time_seconds and resource_scrape_error, as
 * upstream). Written by hand rather than through prom-client: the set of series is rebuilt from
 * the runtime on every scrape, each series carries its own measurement time (prom-client's
 * registry has no per-sample timestamps), and its number rendering differs from Go's
 * (`17391616` vs `1.7391616e+07`). When the summary cannot be gathered only
 * `resource_scrape_error 1` is served, as kubelet does.
 */
import { escapeHelp, escapeLabelValue, goFloat } from './format.ts';
import { collectSummary } from './summary.ts';
import type { SummaryOptions } from './summary.ts';
import type { SummaryModel } from './types.ts';

/** RESOURCE_METRICS_CONTENT_TYPE is the Content-Type of the text (Prometheus text format 0.0.4). */
export const RESOURCE_METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Kind = 'counter' | 'gauge';
interface Family { readonly help: string; readonly type: Kind }

const FAMILIES = {
  container_cpu_usage_seconds_total: { help: 'Cumulative cpu time consumed by the container in core-seconds', type: 'counter' },
  container_memory_working_set_bytes: { help: 'Current working set of the container in bytes', type: 'gauge' },
  container_start_time_seconds: { help: 'Start time of the container since unix epoch in seconds', type: 'gauge' },
  node_cpu_usage_seconds_total: { help: 'Cumulative cpu time consumed by the node in core-seconds', type: 'counter' },
  node_memory_working_set_bytes: { help: 'Current working set of the node in bytes', type: 'gauge' },
  node_swap_usage_bytes: { help: 'Current swap usage of the node in bytes. Reported only on non-windows systems', type: 'gauge' },
  pod_cpu_usage_seconds_total: { help: 'Cumulative cpu time consumed by the pod in core-seconds', type: 'counter' },
  pod_memory_working_set_bytes: { help: 'Current working set of the pod in bytes', type: 'gauge' },
  resource_scrape_error: { help: '1 if there was an error while getting container metrics, 0 otherwise', type: 'gauge' },
} as const satisfies Record<string, Family>;

/** ALPHA_FAMILIES: families upstream marks ALPHA rather than STABLE. */
const ALPHA_FAMILIES: ReadonlySet<string> = new Set(['node_swap_usage_bytes']);

type FamilyName = keyof typeof FAMILIES;
interface Sample { readonly labels: readonly (readonly [string, string])[]; readonly value: number; readonly timestampMs?: number }

/** formatResourceMetrics renders a Summary model (or a failed scrape: `undefined`) as /metrics/resource text. */
export function formatResourceMetrics(m: SummaryModel | undefined): string {
  const series = new Map<FamilyName, Sample[]>();
  const add = (name: FamilyName, labels: Record<string, string>, value: number | undefined, timestampMs?: number): void => {
    if (value === undefined || !Number.isFinite(value)) return;
    const list = series.get(name) ?? [];
    const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    list.push({ labels: sorted, value, ...(timestampMs !== undefined ? { timestampMs: Math.floor(timestampMs) } : {}) });
    series.set(name, list);
  };
  add('resource_scrape_error', {}, m ? 0 : 1);
  if (m) {
    const n = m.node;
    if (n.cpu?.usageCoreNanoSeconds !== undefined) add('node_cpu_usage_seconds_total', {}, n.cpu.usageCoreNanoSeconds / 1e9, n.cpu.time);
    if (n.memory?.workingSetBytes !== undefined) add('node_memory_working_set_bytes', {}, n.memory.workingSetBytes, n.memory.time);
    if (n.swap?.swapUsageBytes !== undefined) add('node_swap_usage_bytes', {}, n.swap.swapUsageBytes, n.memory?.time ?? n.swap.time);
    for (const p of m.pods) {
      const pod = { namespace: p.podRef.namespace, pod: p.podRef.name };
      for (const c of p.containers) {
        const labels = { container: c.name, ...pod };
        if (Math.floor(c.startTime / 1000) > 0) add('container_start_time_seconds', labels, c.startTime / 1000);
        if (c.cpu?.usageCoreNanoSeconds !== undefined) add('container_cpu_usage_seconds_total', labels, c.cpu.usageCoreNanoSeconds / 1e9, c.cpu.time);
        if (c.memory?.workingSetBytes !== undefined) add('container_memory_working_set_bytes', labels, c.memory.workingSetBytes, c.memory.time);
      }
      if (p.cpu?.usageCoreNanoSeconds !== undefined) add('pod_cpu_usage_seconds_total', pod, p.cpu.usageCoreNanoSeconds / 1e9, p.cpu.time);
      if (p.memory?.workingSetBytes !== undefined) add('pod_memory_working_set_bytes', pod, p.memory.workingSetBytes, p.memory.time);
    }
  }
  let out = '';
  for (const name of [...series.keys()].sort()) {
    const fam: Family = FAMILIES[name];
    out += `# HELP ${name} [${ALPHA_FAMILIES.has(name) ? 'ALPHA' : 'STABLE'}] ${escapeHelp(fam.help)}\n# TYPE ${name} ${fam.type}\n`;
    for (const s of (series.get(name) ?? []).sort(compareSamples)) {
      const labels = s.labels.length === 0 ? '' : `{${s.labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
      out += `${name}${labels} ${goFloat(s.value)}${s.timestampMs !== undefined ? ` ${s.timestampMs}` : ''}\n`;
    }
  }
  return out;
}

/** compareSamples orders samples by label values (labels already in name order), then time — the Go client's order. */
function compareSamples(a: Sample, b: Sample): number {
  for (let i = 0; i < Math.min(a.labels.length, b.labels.length); i++) {
    const [x, y] = [a.labels[i][1], b.labels[i][1]];
    if (x !== y) return x < y ? -1 : 1;
  }
  return (a.timestampMs ?? 0) - (b.timestampMs ?? 0);
}

/** resourceMetrics gathers the summary and renders it; a runtime failure becomes `resource_scrape_error 1` (never rejects). */
export async function resourceMetrics(o: SummaryOptions): Promise<string> {
  let m: SummaryModel | undefined;
  try { m = await collectSummary({ ...o, onlyCpuAndMemory: true }); } catch { m = undefined; }
  return formatResourceMetrics(m);
}
