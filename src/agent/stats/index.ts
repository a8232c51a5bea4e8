/**
 * @module agent/stats — what the node agent serves for metrics-server, `kubectl top` and the
 * HPA: kubelet's `/stats/summary` JSON and `/metrics/resource` Prometheus text, built from the
 * Runtime's CRI stats and a HostStats reader (Linux /proc + cgroups, or Windows via Node's os
 * module), plus the Node capacity/allocatable lists for registration.
 */
export { summary, collectSummary, pickSandbox, runningContainers, sumCpu, sumMemory, withPvcRefs } from './summary.ts';
export type { SummaryOptions } from './summary.ts';
export { summaryJson } from './summary-json.ts';
export { resourceMetrics, formatResourceMetrics, RESOURCE_METRICS_CONTENT_TYPE } from './metrics.ts';
export { linuxHostStats } from './linux-host.ts';
export type { LinuxHostOptions } from './linux-host.ts';
export { windowsHostStats, realWindowsMachine, parseNetstatE, cpuBusyNs } from './windows-host.ts';
export type { CpuTimes, WindowsHostOptions, WindowsMachine } from './windows-host.ts';
export {
  parseProcStat, parseMeminfo, parseKeyValues, parseNetDev, parseLoadavg, parsePidStat, nodeInterfaces, nodeMemoryFigures, memoryStats, USER_HZ,
} from './linux-parse.ts';
export type { MemoryFigures, PidStat, ProcStat } from './linux-parse.ts';
export { podVolumeStats } from './volumes.ts';
export { cgroupReader, podCgroupStats } from './cgroup.ts';
export type { CgroupReaderOptions, CgroupReading } from './cgroup.ts';
export type { PodVolumeStatsOptions } from './volumes.ts';
export { realHostIo, dirUsage, cachedDirUsage, fsSample } from './host-io.ts';
export type { DirUsage, HostIo, StatfsResult } from './host-io.ts';
export { RateCache, cpuSample } from './rate.ts';
export { goFloat, metaTime } from './format.ts';
export { hostCapacity, allocatable, capacityFrom, binaryQuantity, cpuQuantity, linuxHugePages, DEFAULT_EVICTION_HARD } from './capacity.ts';
export type { EvictionHard, HugePageSize, NodeCapacity, Reserved } from './capacity.ts';
export type {
  ContainerSample, CpuSample, FsSample, HostSample, HostStats, InterfaceSample, MemorySample, NetworkSample, NodeSample, PodSample,
  RlimitSample, SummaryModel, SwapSample, VolumeStat,
} from './types.ts';
