/**
 * @module agent/stats/linux-host — the Linux HostStats reader. Node cpu comes from the root
 * cgroup's cumulative counter (v1 `cpuacct.usage`, found on its own mount or co-mounted with
 * cpu; pure v2 `cpu.stat usage_usec`) like cadvisor's root container, else from /proc/stat;
 * usageNanoCores is the rate between this sample and a remembered earlier one. Memory follows
 * kubelet (root cgroup usage − inactive file pages, else /proc/meminfo), network /proc/net/dev,
 * filesystems statfs of the data dir (and image dir), pid limits /proc/sys/kernel + /proc/loadavg,
 * plus best-effort `kubelet` (this process), `runtime` (a given pid) and `pods` (the pods' parent
 * cgroup) system containers.
 */
import type { HostIo } from './host-io.ts';
import { fsSample, realHostIo } from './host-io.ts';
import { cgroupReader } from './cgroup.ts';
import {
  nodeInterfaces, memoryStats, nodeMemoryFigures, parseKeyValues, parseLoadavg, parseMeminfo, parseNetDev, parsePidStat, parseProcStat,
} from './linux-parse.ts';
import type { MemoryFigures } from './linux-parse.ts';
import { RateCache, cpuSample } from './rate.ts';
import type { ContainerSample, CpuSample, HostSample, HostStats, MemorySample, RlimitSample, SwapSample } from './types.ts';

/** LinuxHostOptions configures linuxHostStats; only fsPath is required. */
export interface LinuxHostOptions {
  /** fsPath: the agent data dir (its filesystem is the node fs). */
  readonly fsPath: string;
  /** imageFsPath: where the runtime keeps images (default fsPath). */
  readonly imageFsPath?: string;
  /** netInterfaces: report only these interfaces (default: all but lo, veth…, docker…, nerdctl…). */
  readonly netInterfaces?: readonly string[];
  /** podsCgroup: the cgroup holding every pod (the pod workers' cgroupRoot, e.g. `/windlass`), for the `pods` system container. */
  readonly podsCgroup?: string;
  /** runtimePid: the container runtime's pid, for the `runtime` system container (best effort). */
  readonly runtimePid?: () => number | undefined;
  readonly clock?: { now(): number };
  readonly io?: HostIo;
  readonly procRoot?: string;
  readonly cgroupRoot?: string;
  /** minWindowMs: shortest interval for a new usageNanoCores (default 1000). */
  readonly minWindowMs?: number;
  /** self: this process's cpu (µs) and resident memory (bytes) and start (epoch ms) for the `kubelet` row (default: the real process). */
  readonly self?: () => { cpuMicros: number; rssBytes: number; startTime: number };
}

/** realSelf reads this Node.js process's usage. */
function realSelf(now: number): { cpuMicros: number; rssBytes: number; startTime: number } {
  const u = process.cpuUsage();
  return { cpuMicros: u.user + u.system, rssBytes: process.memoryUsage.rss(), startTime: now - process.uptime() * 1000 };
}

/** linuxHostStats returns a HostStats over /proc and /sys/fs/cgroup (or the given io/roots, for tests). */
export function linuxHostStats(o: LinuxHostOptions): HostStats {
  const io = o.io ?? realHostIo;
  const proc = o.procRoot ?? '/proc';
  const cg = o.cgroupRoot ?? '/sys/fs/cgroup';
  const clock = o.clock ?? { now: () => Date.now() };
  const rates = new RateCache({ minWindowMs: o.minWindowMs });
  let cpuSource: string | undefined;
  const readCgroup = cgroupReader({ io, cgroupFs: cg });

  const num = async (path: string): Promise<number | undefined> => {
    const t = await io.readText(path);
    const n = t === undefined ? NaN : Number(t.trim());
    return Number.isFinite(n) ? n : undefined;
  };

  /** nodeCpuNs reads the root cgroup counter, else /proc/stat; the source is kept so rates never mix sources. */
  const nodeCpuNs = async (stat: ReturnType<typeof parseProcStat>): Promise<{ source: string; ns: number } | undefined> => {
    for (const dir of ['cpuacct', 'cpu,cpuacct', 'cpuacct,cpu']) {
      const v = await num(`${cg}/${dir}/cpuacct.usage`);
      if (v !== undefined) return { source: 'cgroup-v1', ns: v };
    }
    if ((await io.readText(`${cg}/cgroup.controllers`)) !== undefined) {
      const usec = parseKeyValues((await io.readText(`${cg}/cpu.stat`)) ?? '').usage_usec;
      if (usec !== undefined) return { source: 'cgroup-v2', ns: usec * 1000 };
    }
    return stat ? { source: 'proc', ns: stat.usageNs } : undefined;
  };

  const memoryFigures = async (): Promise<MemoryFigures | undefined> => {
    const mi = await io.readText(`${proc}/meminfo`);
    if (mi === undefined) return undefined;
    const meminfo = parseMeminfo(mi);
    const v1Usage = await num(`${cg}/memory/memory.usage_in_bytes`);
    if (v1Usage !== undefined) {
      const stat = parseKeyValues((await io.readText(`${cg}/memory/memory.stat`)) ?? '');
      return nodeMemoryFigures({ meminfo, cgroup: { version: 1, usage: v1Usage, stat } });
    }
    const v2Usage = await num(`${cg}/memory.current`);
    if (v2Usage !== undefined) {
      const stat = parseKeyValues((await io.readText(`${cg}/memory.stat`)) ?? '');
      return nodeMemoryFigures({ meminfo, cgroup: { version: 2, usage: v2Usage, stat } });
    }
    const vmstat = parseKeyValues((await io.readText(`${proc}/vmstat`)) ?? '');
    return nodeMemoryFigures({ meminfo, vmstat });
  };

  const swap = async (time: number): Promise<SwapSample | undefined> => {
    const mi = parseMeminfo((await io.readText(`${proc}/meminfo`)) ?? '');
    if (!(mi.SwapTotal > 0)) return undefined;
    const free = mi.SwapFree ?? 0;
    return { time, swapAvailableBytes: free, swapUsageBytes: mi.SwapTotal - free };
  };

  const rlimit = async (time: number): Promise<RlimitSample | undefined> => {
    const pidMax = await num(`${proc}/sys/kernel/pid_max`);
    const threadsMax = await num(`${proc}/sys/kernel/threads-max`);
    const maxpid = pidMax !== undefined && threadsMax !== undefined ? Math.min(pidMax, threadsMax) : pidMax ?? threadsMax;
    const la = await io.readText(`${proc}/loadavg`);
    const curproc = la === undefined ? undefined : parseLoadavg(la);
    if (maxpid === undefined && curproc === undefined) return undefined;
    return { time, ...(maxpid !== undefined ? { maxpid } : {}), ...(curproc !== undefined ? { curproc } : {}) };
  };

  const systemContainers = async (time: number, bootTime: number | undefined): Promise<ContainerSample[]> => {
    const out: ContainerSample[] = [];
    const me = o.self ? o.self() : realSelf(time);
    const meNs = me.cpuMicros * 1000;
    out.push({
      name: 'kubelet', startTime: me.startTime,
      cpu: cpuSample(time, meNs, rates.rate('sys:kubelet', time, meNs)),
      memory: { time, usageBytes: me.rssBytes, workingSetBytes: me.rssBytes, rssBytes: me.rssBytes },
    });
    const pid = o.runtimePid?.();
    if (pid !== undefined && bootTime !== undefined) {
      const st = parsePidStat((await io.readText(`${proc}/${pid}/stat`)) ?? '');
      const status = (await io.readText(`${proc}/${pid}/status`)) ?? '';
      const rss = parseMeminfo(status).VmRSS;
      if (st) {
        out.push({
          name: 'runtime', startTime: bootTime + st.startAfterBootMs,
          cpu: cpuSample(time, st.usageNs, rates.rate(`sys:runtime:${pid}`, time, st.usageNs)),
          memory: { time, ...(rss !== undefined ? { usageBytes: rss, workingSetBytes: rss, rssBytes: rss } : {}), pageFaults: st.minorFaults, majorPageFaults: st.majorFaults },
        });
      }
    }
    if (o.podsCgroup !== undefined) {
      const r = await readCgroup(o.podsCgroup);
      if (r) {
        out.push({
          name: 'pods', startTime: bootTime ?? time,
          ...(r.usageNs !== undefined ? { cpu: cpuSample(time, r.usageNs, rates.rate('sys:pods', time, r.usageNs)) } : {}),
          ...(r.memory ? { memory: { time, ...r.memory } } : {}),
        });
      }
    }
    return out;
  };

  return {
    async sample(): Promise<HostSample> {
      const time = clock.now();
      rates.prune(time);
      const statText = await io.readText(`${proc}/stat`);
      const stat = statText === undefined ? undefined : parseProcStat(statText);
      const bootTime = stat?.bootTime;
      let cpu: CpuSample | undefined;
      const c = await nodeCpuNs(stat);
      if (c) {
        // A different counter (first sample, or the cgroup became unreadable) starts the rate over.
        if (cpuSource !== c.source) { cpuSource = c.source; rates.forget('node'); }
        cpu = cpuSample(time, c.ns, rates.rate('node', time, c.ns));
      }
      const figures = await memoryFigures();
      const memory: MemorySample | undefined = figures ? { time, ...memoryStats(figures) } : undefined;
      const netText = await io.readText(`${proc}/net/dev`);
      const network = netText === undefined ? undefined : { time, interfaces: nodeInterfaces(parseNetDev(netText), o.netInterfaces) };
      const fsStat = await io.statfs(o.fsPath);
      const imageStat = o.imageFsPath !== undefined && o.imageFsPath !== o.fsPath ? await io.statfs(o.imageFsPath) : fsStat;
      const sw = await swap(time);
      const rl = await rlimit(time);
      return {
        time,
        ...(bootTime !== undefined ? { bootTime } : {}),
        ...(cpu ? { cpu } : {}),
        ...(memory ? { memory } : {}),
        ...(sw ? { swap: sw } : {}),
        ...(network ? { network } : {}),
        ...(fsStat ? { fs: fsSample(fsStat, time) } : {}),
        ...(imageStat ? { imageFs: fsSample(imageStat, time) } : {}),
        ...(rl ? { rlimit: rl } : {}),
        systemContainers: await systemContainers(time, bootTime),
      };
    },
  };
}
