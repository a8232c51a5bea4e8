/**
 * @module runtime/cri/stats — CRI stats wire objects (Linux and Windows variants) → our
 * ContainerStats / PodSandboxStats, and the fallback that builds pod stats by summing the pod's
 * container stats when the runtime does not implement the pod-level stats RPCs (containerd 1.6).
 */
import type { ContainerStats, CpuUsage, MemoryUsage, PodSandbox, PodSandboxStats } from '../types.ts';
import type { Wire } from './proto.ts';
import { containerMetadataFromWire, nsToMs, obj, sandboxMetadataFromWire, str, strMap } from './mapping-response.ts';

/** u64 reads a UInt64Value wrapper (undefined when absent). */
function u64(v: unknown): number | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const value = (v as Wire).value;
  return typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : undefined;
}

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function cpuFromWire(v: unknown): CpuUsage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const c = v as Wire;
  return defined({ timestamp: nsToMs(c.timestamp), usageCoreNanoSeconds: u64(c.usage_core_nano_seconds), usageNanoCores: u64(c.usage_nano_cores) });
}

function memoryFromWire(v: unknown): MemoryUsage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Wire;
  return defined({
    timestamp: nsToMs(m.timestamp), workingSetBytes: u64(m.working_set_bytes), availableBytes: u64(m.available_bytes),
    usageBytes: u64(m.usage_bytes), rssBytes: u64(m.rss_bytes), pageFaults: u64(m.page_faults), majorPageFaults: u64(m.major_page_faults),
  });
}

/** containerStatsFromWire maps ContainerStats or WindowsContainerStats. */
export function containerStatsFromWire(w: Wire): ContainerStats {
  const attrs = obj(w.attributes);
  const out: { -readonly [K in keyof ContainerStats]: ContainerStats[K] } = {
    id: str(attrs.id), metadata: containerMetadataFromWire(attrs.metadata), labels: strMap(attrs.labels),
  };
  const cpu = cpuFromWire(w.cpu);
  if (cpu) out.cpu = cpu;
  const memory = memoryFromWire(w.memory);
  if (memory) out.memory = memory;
  if (typeof w.writable_layer === 'object' && w.writable_layer !== null) {
    const fs = w.writable_layer as Wire;
    out.writableLayer = defined({ timestamp: nsToMs(fs.timestamp), usedBytes: u64(fs.used_bytes), inodesUsed: u64(fs.inodes_used) });
  }
  return out;
}

/** podSandboxStatsFromWire maps PodSandboxStats (its linux section, else its windows section). */
export function podSandboxStatsFromWire(w: Wire): PodSandboxStats {
  const attrs = obj(w.attributes);
  const platform = typeof w.linux === 'object' && w.linux !== null ? w.linux as Wire : obj(w.windows);
  const out: { -readonly [K in keyof PodSandboxStats]: PodSandboxStats[K] } = {
    id: str(attrs.id), metadata: sandboxMetadataFromWire(attrs.metadata), labels: strMap(attrs.labels),
    containers: Array.isArray(platform.containers) ? (platform.containers as Wire[]).map(containerStatsFromWire) : [],
  };
  const cpu = cpuFromWire(platform.cpu);
  if (cpu) out.cpu = cpu;
  const memory = memoryFromWire(platform.memory);
  if (memory) out.memory = memory;
  if (typeof platform.network === 'object' && platform.network !== null) {
    const n = platform.network as Wire;
    const ifaces = Array.isArray(n.interfaces) && n.interfaces.length > 0 ? n.interfaces as Wire[] : n.default_interface ? [n.default_interface as Wire] : [];
    out.network = {
      timestamp: nsToMs(n.timestamp),
      interfaces: ifaces.map((i) => defined({ name: str(i.name), rxBytes: u64(i.rx_bytes), rxErrors: u64(i.rx_errors), txBytes: u64(i.tx_bytes), txErrors: u64(i.tx_errors) })),
    };
  }
  if (typeof platform.process === 'object' && platform.process !== null) {
    const count = u64((platform.process as Wire).process_count);
    if (count !== undefined) out.processCount = count;
  }
  return out;
}

function sum(values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length === 0 ? undefined : present.reduce((a, b) => a + b, 0);
}

function maxTimestamp(values: (number | undefined)[]): number {
  return Math.max(0, ...values.filter((v): v is number => v !== undefined));
}

/** aggregatePodStats builds a sandbox's stats from its containers' stats (sums of cpu and memory; no network or process figures). */
export function aggregatePodStats(sandbox: PodSandbox, containers: readonly ContainerStats[]): PodSandboxStats {
  const out: { -readonly [K in keyof PodSandboxStats]: PodSandboxStats[K] } = {
    id: sandbox.id, metadata: sandbox.metadata, labels: sandbox.labels, containers: [...containers],
  };
  const cpus = containers.map((c) => c.cpu).filter((c): c is CpuUsage => c !== undefined);
  if (cpus.length > 0) {
    out.cpu = defined({
      timestamp: maxTimestamp(cpus.map((c) => c.timestamp)),
      usageCoreNanoSeconds: sum(cpus.map((c) => c.usageCoreNanoSeconds)),
      usageNanoCores: sum(cpus.map((c) => c.usageNanoCores)),
    });
  }
  const mems = containers.map((c) => c.memory).filter((m): m is MemoryUsage => m !== undefined);
  if (mems.length > 0) {
    out.memory = defined({
      timestamp: maxTimestamp(mems.map((m) => m.timestamp)),
      workingSetBytes: sum(mems.map((m) => m.workingSetBytes)),
      usageBytes: sum(mems.map((m) => m.usageBytes)),
      rssBytes: sum(mems.map((m) => m.rssBytes)),
      pageFaults: sum(mems.map((m) => m.pageFaults)),
      majorPageFaults: sum(mems.map((m) => m.majorPageFaults)),
    });
  }
  return out;
}
