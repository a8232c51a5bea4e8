/**
 * @module agent/stats/linux-parse — pure parsers of the Linux files the node stats come from
 * (/proc/stat, /proc/meminfo, /proc/net/dev, /proc/loadavg, /proc/<pid>/stat, cgroup
 * `memory.stat` / `cpu.stat`) and the memory arithmetic kubelet applies (working set = usage −
 * inactive file pages; available = capacity − working set).
 */
import type { InterfaceSample } from './types.ts';

/** USER_HZ: the clock-tick unit of /proc/stat and /proc/<pid>/stat (100 on every Linux ABI Node supports). */
export const USER_HZ = 100;

/** ProcStat: what /proc/stat tells the node reader. */
export interface ProcStat {
  /** usageNs: cpu time spent running tasks (user + nice + system + irq + softirq), all cores, in ns. */
  readonly usageNs: number;
  /** bootTime: boot time (epoch ms, from `btime`). */
  readonly bootTime?: number;
}

/** parseProcStat reads the aggregate `cpu` line and `btime` of /proc/stat; undefined without a cpu line. */
export function parseProcStat(text: string): ProcStat | undefined {
  const m = /^cpu\s+(.*)$/m.exec(text);
  if (!m) return undefined;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = m[1].trim().split(/\s+/).map(Number);
  const ticks = user + nice + system + irq + softirq;
  const bt = /^btime\s+(\d+)$/m.exec(text);
  return { usageNs: (ticks * 1e9) / USER_HZ, ...(bt ? { bootTime: Number(bt[1]) * 1000 } : {}) };
}

/** parseMeminfo reads /proc/meminfo into bytes per key (`kB` values × 1024; unit-less counts as they are). */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)(\s+kB)?\s*$/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * (m[3] ? 1024 : 1);
  }
  return out;
}

/** parseKeyValues reads `key value` lines (cgroup memory.stat, cpu.stat, /proc/vmstat). */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(-?\d+)\s*$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** parseNetDev reads /proc/net/dev into per-interface byte and error counters. */
export function parseNetDev(text: string): InterfaceSample[] {
  const out: InterfaceSample[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    if (f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out.push({ name: m[1], rxBytes: f[0], rxErrors: f[2], txBytes: f[8], txErrors: f[10] });
  }
  return out;
}

/** IGNORED_INTERFACE_PREFIXES: devices cadvisor leaves out of the node's network stats. */
export const IGNORED_INTERFACE_PREFIXES = ['lo', 'veth', 'docker', 'nerdctl'] as const;

/** nodeInterfaces keeps the named interfaces, or (no names given) all but cadvisor's ignored ones. */
export function nodeInterfaces(all: readonly InterfaceSample[], names?: readonly string[]): InterfaceSample[] {
  if (names && names.length > 0) return all.filter((i) => names.includes(i.name));
  return all.filter((i) => !IGNORED_INTERFACE_PREFIXES.some((p) => i.name.startsWith(p)));
}

/** parseLoadavg returns the number of kernel tasks (the total after the slash in /proc/loadavg). */
export function parseLoadavg(text: string): number | undefined {
  const m = /^\S+\s+\S+\s+\S+\s+\d+\/(\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** PidStat: a process's cpu time (ns) and start (ms after boot) from /proc/<pid>/stat. */
export interface PidStat {
  readonly usageNs: number;
  readonly startAfterBootMs: number;
  readonly minorFaults: number;
  readonly majorFaults: number;
}

/** parsePidStat reads /proc/<pid>/stat (the command name may hold spaces and parentheses). */
export function parsePidStat(text: string): PidStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields after the name start at field 3 (state); utime is field 14, stime 15, starttime 22.
  const f = text.slice(close + 2).trim().split(/\s+/);
  const at = (field: number): number => Number(f[field - 3]);
  const utime = at(14);
  const stime = at(15);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { usageNs: ((utime + stime) * 1e9) / USER_HZ, startAfterBootMs: (at(22) * 1000) / USER_HZ, minorFaults: at(10), majorFaults: at(12) };
}

/** MemoryFigures: the inputs of kubelet's node memory arithmetic (bytes; faults cumulative). */
export interface MemoryFigures {
  readonly capacity: number;
  readonly usage: number;
  readonly inactiveFile: number;
  readonly rss?: number;
  readonly pageFaults?: number;
  readonly majorPageFaults?: number;
}

/** nodeMemoryFigures picks the root memory cgroup's figures when present, else /proc/meminfo's. */
export function nodeMemoryFigures(src: {
  readonly meminfo: Record<string, number>;
  readonly vmstat?: Record<string, number>;
  /** v1: root memory.usage_in_bytes + memory.stat; v2: memory.current + memory.stat. */
  readonly cgroup?: { readonly version: 1 | 2; readonly usage: number; readonly stat: Record<string, number> };
}): MemoryFigures | undefined {
  const capacity = src.meminfo.MemTotal;
  if (capacity === undefined) return undefined;
  const cg = src.cgroup;
  if (cg?.version === 1) {
    return { capacity, usage: cg.usage, inactiveFile: cg.stat.total_inactive_file ?? 0, rss: cg.stat.total_rss, pageFaults: cg.stat.total_pgfault, majorPageFaults: cg.stat.total_pgmajfault };
  }
  if (cg?.version === 2) {
    return { capacity, usage: cg.usage, inactiveFile: cg.stat.inactive_file ?? 0, rss: cg.stat.anon, pageFaults: cg.stat.pgfault, majorPageFaults: cg.stat.pgmajfault };
  }
  const free = src.meminfo.MemFree ?? 0;
  return {
    capacity,
    usage: capacity - free,
    inactiveFile: src.meminfo['Inactive(file)'] ?? 0,
    rss: src.meminfo.AnonPages,
    pageFaults: src.vmstat?.pgfault,
    majorPageFaults: src.vmstat?.pgmajfault,
  };
}

/** memoryStats applies kubelet's arithmetic: workingSet = max(0, usage − inactive_file), available = max(0, capacity − workingSet). */
export function memoryStats(m: MemoryFigures): { availableBytes: number; usageBytes: number; workingSetBytes: number; rssBytes?: number; pageFaults?: number; majorPageFaults?: number } {
  const workingSetBytes = Math.max(0, m.usage - m.inactiveFile);
  return {
    availableBytes: Math.max(0, m.capacity - workingSetBytes),
    usageBytes: m.usage,
    workingSetBytes,
    ...(m.rss !== undefined ? { rssBytes: m.rss } : {}),
    ...(m.pageFaults !== undefined ? { pageFaults: m.pageFaults } : {}),
    ...(m.majorPageFaults !== undefined ? { majorPageFaults: m.majorPageFaults } : {}),
  };
}
