/**
 * @module agent/stats/summary-json — renders the Summary model as kubelet's `/stats/summary`
 * JSON (stats/v1alpha1): field names, casing and order as the Go structs marshal them
 * (`ephemeral-storage`, `process_stats.process_count`, `volume[]` with FsStats inline, the
 * default interface's counters inline in NetworkStats), times as metav1.Time (whole seconds),
 * absent values left out (omitempty) and counters as unsigned integers. With
 * `onlyCpuAndMemory` it is the reduced form kubelet serves for `?only_cpu_and_memory=true`.
 */
import type { JsonObject } from '../../api/index.ts';
import { defaultInterface, int, metaTime } from './format.ts';
import type { ContainerSample, CpuSample, FsSample, InterfaceSample, MemorySample, NetworkSample, RlimitSample, SummaryModel, SwapSample, VolumeStat } from './types.ts';

/** compact drops undefined members (Go's omitempty on pointers). */
function compact(o: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** cpuJson renders CPUStats. */
export function cpuJson(c: CpuSample | undefined): JsonObject | undefined {
  return c && compact({ time: metaTime(c.time), usageNanoCores: int(c.usageNanoCores), usageCoreNanoSeconds: int(c.usageCoreNanoSeconds) });
}

/** memoryJson renders MemoryStats. */
export function memoryJson(m: MemorySample | undefined): JsonObject | undefined {
  return m && compact({
    time: metaTime(m.time), availableBytes: int(m.availableBytes), usageBytes: int(m.usageBytes), workingSetBytes: int(m.workingSetBytes),
    rssBytes: int(m.rssBytes), pageFaults: int(m.pageFaults), majorPageFaults: int(m.majorPageFaults),
  });
}

/** swapJson renders SwapStats. */
function swapJson(s: SwapSample | undefined): JsonObject | undefined {
  return s && compact({ time: metaTime(s.time), swapAvailableBytes: int(s.swapAvailableBytes), swapUsageBytes: int(s.swapUsageBytes) });
}

/** fsFields renders the FsStats members (shared by FsStats and the inline part of VolumeStats). */
function fsFields(f: Omit<FsSample, 'time'>, time: number): Record<string, unknown> {
  return {
    time: metaTime(time), availableBytes: int(f.availableBytes), capacityBytes: int(f.capacityBytes), usedBytes: int(f.usedBytes),
    inodesFree: int(f.inodesFree), inodes: int(f.inodes), inodesUsed: int(f.inodesUsed),
  };
}

/** fsJson renders FsStats. */
export function fsJson(f: FsSample | undefined): JsonObject | undefined {
  return f && compact(fsFields(f, f.time));
}

/** interfaceFields renders InterfaceStats (name always present, counters omitted when unknown). */
function interfaceFields(i: InterfaceSample | undefined): Record<string, unknown> {
  return { name: i?.name ?? '', rxBytes: int(i?.rxBytes), rxErrors: int(i?.rxErrors), txBytes: int(i?.txBytes), txErrors: int(i?.txErrors) };
}

/** networkJson renders NetworkStats: the default interface inline, then every interface. */
export function networkJson(n: NetworkSample | undefined): JsonObject | undefined {
  if (!n) return undefined;
  return compact({
    time: metaTime(n.time),
    ...interfaceFields(defaultInterface(n.interfaces)),
    interfaces: n.interfaces.length > 0 ? n.interfaces.map((i) => compact(interfaceFields(i))) : undefined,
  });
}

/** rlimitJson renders RlimitStats. */
function rlimitJson(r: RlimitSample | undefined): JsonObject | undefined {
  return r && compact({ time: metaTime(r.time), maxpid: int(r.maxpid), curproc: int(r.curproc) });
}

/** volumeJson renders VolumeStats (FsStats inline, then name and pvcRef). */
function volumeJson(v: VolumeStat, now: number): JsonObject {
  return compact({ ...fsFields(v, v.time ?? now), name: v.name || undefined, pvcRef: v.pvcRef && { name: v.pvcRef.name, namespace: v.pvcRef.namespace } });
}

/** containerJson renders ContainerStats. */
function containerJson(c: ContainerSample, only: boolean): JsonObject {
  return compact({
    name: c.name, startTime: metaTime(c.startTime), cpu: cpuJson(c.cpu), memory: memoryJson(c.memory),
    rootfs: only ? undefined : fsJson(c.rootfs), logs: only ? undefined : fsJson(c.logs),
  });
}

/** summaryJson renders the model as stats/v1alpha1 Summary JSON. */
export function summaryJson(m: SummaryModel, opts: { onlyCpuAndMemory?: boolean } = {}): JsonObject {
  const only = opts.onlyCpuAndMemory === true;
  const n = m.node;
  const node = compact({
    nodeName: n.nodeName,
    systemContainers: n.systemContainers.length > 0 ? n.systemContainers.map((c) => containerJson(c, only)) : undefined,
    startTime: metaTime(n.startTime),
    cpu: cpuJson(n.cpu),
    memory: memoryJson(n.memory),
    network: only ? undefined : networkJson(n.network),
    fs: only ? undefined : fsJson(n.fs),
    // containerFs (kubelet ≥ 1.29) is the image filesystem unless the runtime splits them, which ours never does.
    runtime: only || !n.imageFs ? undefined : { imageFs: fsJson(n.imageFs), containerFs: fsJson(n.imageFs) },
    rlimit: only ? undefined : rlimitJson(n.rlimit),
    swap: swapJson(n.swap),
  });
  const pods = m.pods.map((p) => compact({
    podRef: { name: p.podRef.name, namespace: p.podRef.namespace, uid: p.podRef.uid },
    startTime: metaTime(p.startTime),
    containers: p.containers.map((c) => containerJson(c, only)),
    cpu: cpuJson(p.cpu),
    memory: memoryJson(p.memory),
    network: only ? undefined : networkJson(p.network),
    volume: only || !p.volume || p.volume.length === 0 ? undefined : p.volume.map((v) => volumeJson(v, p.startTime)),
    'ephemeral-storage': only ? undefined : fsJson(p.ephemeralStorage),
    process_stats: only || p.processCount === undefined ? undefined : { process_count: int(p.processCount) },
  }));
  return { node, pods };
}
