/**
 * @module agent/stats/types — the data the stats part passes around: one sample of the host
 * (node cpu, memory, network, filesystems, pid limits) as the platform readers produce it, the
 * per-volume usage a volume plugin reports, and the in-memory model of a kubelet stats Summary
 * (epoch-ms times, plain numbers) that both renderers — the `/stats/summary` JSON and the
 * `/metrics/resource` Prometheus text — read. Field names follow stats/v1alpha1.
 */

/** CpuSample: cumulative cpu time (ns) and the rate between two samples (nano-cores), as stats/v1alpha1 CPUStats. */
export interface CpuSample {
  readonly time: number;
  readonly usageNanoCores?: number;
  readonly usageCoreNanoSeconds?: number;
}

/** MemorySample mirrors stats/v1alpha1 MemoryStats (bytes; fault counters cumulative). */
export interface MemorySample {
  readonly time: number;
  readonly availableBytes?: number;
  readonly usageBytes?: number;
  readonly workingSetBytes?: number;
  readonly rssBytes?: number;
  readonly pageFaults?: number;
  readonly majorPageFaults?: number;
}

/** SwapSample mirrors stats/v1alpha1 SwapStats. */
export interface SwapSample {
  readonly time: number;
  readonly swapAvailableBytes?: number;
  readonly swapUsageBytes?: number;
}

/** InterfaceSample mirrors stats/v1alpha1 InterfaceStats (cumulative counters of one network interface). */
export interface InterfaceSample {
  readonly name: string;
  readonly rxBytes?: number;
  readonly rxErrors?: number;
  readonly txBytes?: number;
  readonly txErrors?: number;
}

/** NetworkSample: every measured interface; the renderer picks the default one (eth0, else the first). */
export interface NetworkSample {
  readonly time: number;
  readonly interfaces: readonly InterfaceSample[];
}

/** FsSample mirrors stats/v1alpha1 FsStats. */
export interface FsSample {
  readonly time: number;
  readonly availableBytes?: number;
  readonly capacityBytes?: number;
  readonly usedBytes?: number;
  readonly inodesFree?: number;
  readonly inodes?: number;
  readonly inodesUsed?: number;
}

/** RlimitSample mirrors stats/v1alpha1 RlimitStats (`maxpid`, `curproc`). */
export interface RlimitSample {
  readonly time: number;
  readonly maxpid?: number;
  readonly curproc?: number;
}

/** ContainerSample is one container of the model (pod containers and node system containers). */
export interface ContainerSample {
  readonly name: string;
  /** startTime: epoch ms (the container's creation time, as kubelet's CRI stats provider reports). */
  readonly startTime: number;
  readonly cpu?: CpuSample;
  readonly memory?: MemorySample;
  readonly rootfs?: FsSample;
  readonly logs?: FsSample;
}

/** HostSample is one reading of the machine: what a HostStats reader returns. */
export interface HostSample {
  /** time: when the sample was taken (epoch ms). */
  readonly time: number;
  /** bootTime: epoch ms the node's aggregate counters started from (the node's startTime). */
  readonly bootTime?: number;
  readonly cpu?: CpuSample;
  readonly memory?: MemorySample;
  readonly swap?: SwapSample;
  readonly network?: NetworkSample;
  /** fs: the filesystem holding the agent data dir (kubelet's nodefs). */
  readonly fs?: FsSample;
  /** imageFs: the filesystem holding images (capacity/available; usedBytes is filled by the summary from the runtime's images). */
  readonly imageFs?: FsSample;
  readonly rlimit?: RlimitSample;
  /** systemContainers: best-effort `kubelet` / `runtime` rows (the summary adds `pods`). */
  readonly systemContainers?: readonly ContainerSample[];
}

/** HostStats reads the machine; readers keep the previous cpu sample to compute usageNanoCores. */
export interface HostStats {
  /** sample reads the host now; never rejects — unreadable parts are left out. */
  sample(): Promise<HostSample>;
}

/** VolumeStat is one mounted volume's usage (stats/v1alpha1 VolumeStats: FsStats inline plus name and pvcRef). */
export interface VolumeStat {
  readonly name: string;
  readonly time?: number;
  readonly availableBytes?: number;
  readonly capacityBytes?: number;
  readonly usedBytes?: number;
  readonly inodesFree?: number;
  readonly inodes?: number;
  readonly inodesUsed?: number;
  readonly pvcRef?: { readonly name: string; readonly namespace: string };
}

/** PodSample is one pod of the model. */
export interface PodSample {
  readonly podRef: { readonly name: string; readonly namespace: string; readonly uid: string };
  /** startTime: epoch ms (the sandbox's creation time). */
  readonly startTime: number;
  readonly containers: readonly ContainerSample[];
  readonly cpu?: CpuSample;
  readonly memory?: MemorySample;
  readonly network?: NetworkSample;
  readonly volume?: readonly VolumeStat[];
  readonly ephemeralStorage?: FsSample;
  readonly processCount?: number;
}

/** NodeSample is the node part of the model. */
export interface NodeSample {
  readonly nodeName: string;
  readonly systemContainers: readonly ContainerSample[];
  readonly startTime: number;
  readonly cpu?: CpuSample;
  readonly memory?: MemorySample;
  readonly swap?: SwapSample;
  readonly network?: NetworkSample;
  readonly fs?: FsSample;
  readonly imageFs?: FsSample;
  readonly rlimit?: RlimitSample;
}

/** SummaryModel is a whole Summary before rendering. */
export interface SummaryModel {
  readonly node: NodeSample;
  readonly pods: readonly PodSample[];
}
