/**
 * @module agent/stats/cgroup — reads one cgroup's cpu and memory counters, as cadvisor does for
 * kubelet's pod and `pods` cgroups: on cgroup v1 each controller has its own mount (`cpuacct`
 * may be alone — as on the project's test machines — or co-mounted with `cpu`), on v2 one
 * unified tree (`cpu.stat usage_usec`, `memory.current`, `memory.max`). Memory follows
 * kubelet: working set = usage − inactive file pages, available = limit − working set when a
 * limit is set. `podCgroupStats` points the reader at `<cgroupRoot>/pod<uid>` (the pod cgroup
 * parent the pod workers give containerd).
 */
import type { HostIo } from './host-io.ts';
import { realHostIo } from './host-io.ts';
import { parseKeyValues } from './linux-parse.ts';

/** CgroupReading: a cgroup's cumulative cpu (ns) and its memory figures (bytes; faults cumulative). */
export interface CgroupReading {
  readonly usageNs?: number;
  readonly memory?: {
    readonly usageBytes: number;
    readonly workingSetBytes: number;
    readonly availableBytes?: number;
    readonly rssBytes?: number;
    readonly pageFaults?: number;
    readonly majorPageFaults?: number;
  };
}

/** UNLIMITED_FROM: v1 reports "no limit" as a huge page-aligned number; anything this large is no limit. */
const UNLIMITED_FROM = 2 ** 62;

/** CgroupReaderOptions: where cgroupfs is mounted (default /sys/fs/cgroup) and the io seam. */
export interface CgroupReaderOptions {
  readonly cgroupFs?: string;
  readonly io?: HostIo;
}

/** cgroupReader returns a function reading the cgroup at `path` (e.g. `/windlass/pod<uid>`); undefined when it does not exist. */
export function cgroupReader(o: CgroupReaderOptions = {}): (path: string) => Promise<CgroupReading | undefined> {
  const io = o.io ?? realHostIo;
  const fs = o.cgroupFs ?? '/sys/fs/cgroup';
  const num = async (p: string): Promise<number | undefined> => {
    const t = (await io.readText(p))?.trim();
    if (t === undefined || t === '') return undefined;
    if (t === 'max') return Infinity;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  };
  const kv = async (p: string): Promise<Record<string, number> | undefined> => {
    const t = await io.readText(p);
    return t === undefined ? undefined : parseKeyValues(t);
  };
  return async (path) => {
    const rel = `/${path}`.replace(/\/+/g, '/').replace(/\/$/, '');
    const v2 = (await io.readText(`${fs}/cgroup.controllers`)) !== undefined;
    let usageNs: number | undefined;
    let usage: number | undefined;
    let limit: number | undefined;
    let stat: Record<string, number> | undefined;
    let keys: { inactive: string; rss: string; pgfault: string; pgmajfault: string };
    if (v2) {
      const cpu = await kv(`${fs}${rel}/cpu.stat`);
      usageNs = cpu?.usage_usec === undefined ? undefined : cpu.usage_usec * 1000;
      usage = await num(`${fs}${rel}/memory.current`);
      limit = await num(`${fs}${rel}/memory.max`);
      stat = await kv(`${fs}${rel}/memory.stat`);
      keys = { inactive: 'inactive_file', rss: 'anon', pgfault: 'pgfault', pgmajfault: 'pgmajfault' };
    } else {
      for (const dir of ['cpuacct', 'cpu,cpuacct', 'cpuacct,cpu']) {
        usageNs = await num(`${fs}/${dir}${rel}/cpuacct.usage`);
        if (usageNs !== undefined) break;
      }
      usage = await num(`${fs}/memory${rel}/memory.usage_in_bytes`);
      limit = await num(`${fs}/memory${rel}/memory.limit_in_bytes`);
      stat = await kv(`${fs}/memory${rel}/memory.stat`);
      keys = { inactive: 'total_inactive_file', rss: 'total_rss', pgfault: 'total_pgfault', pgmajfault: 'total_pgmajfault' };
    }
    if (usageNs === undefined && usage === undefined) return undefined;
    let memory: CgroupReading['memory'];
    if (usage !== undefined) {
      const workingSetBytes = Math.max(0, usage - (stat?.[keys.inactive] ?? 0));
      memory = {
        usageBytes: usage, workingSetBytes,
        ...(limit !== undefined && limit < UNLIMITED_FROM ? { availableBytes: Math.max(0, limit - workingSetBytes) } : {}),
        ...(stat?.[keys.rss] !== undefined ? { rssBytes: stat[keys.rss] } : {}),
        ...(stat?.[keys.pgfault] !== undefined ? { pageFaults: stat[keys.pgfault] } : {}),
        ...(stat?.[keys.pgmajfault] !== undefined ? { majorPageFaults: stat[keys.pgmajfault] } : {}),
      };
    }
    return { ...(usageNs !== undefined ? { usageNs } : {}), ...(memory ? { memory } : {}) };
  };
}

/** podCgroupStats returns the summary's `podCgroupStats` callback: the cgroup `<cgroupRoot>/pod<uid>`. */
export function podCgroupStats(o: CgroupReaderOptions & { readonly cgroupRoot: string }): (podUid: string) => Promise<CgroupReading | undefined> {
  const read = cgroupReader(o);
  const root = o.cgroupRoot.replace(/\/+$/, '');
  return (uid) => read(`${root}/pod${uid}`);
}
