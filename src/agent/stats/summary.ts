/**
 * @module agent/stats/summary — gathers the kubelet stats Summary: the host sample for the
 * node, and for every pod bound to this node its sandbox (found by the `io.kubernetes.pod.uid`
 * label; the newest ready one, else the newest) with the running containers' CRI stats. As in
 * kubelet's CRI stats provider a container's startTime is its creation time, only the newest
 * running instance of each container name is reported, usageNanoCores is computed between
 * calls when the runtime leaves it out, and pod cpu/memory come from the sandbox stats when the
 * runtime has them, else from the pod's cgroup (when a reader is given, as kubelet reads it
 * through cadvisor), else from the sum of the containers. Rendering is in summary-json.ts.
 */
import type { JsonObject } from '../../api/index.ts';
import type { Container, ContainerStats, PodSandbox, PodSandboxStats, Runtime } from '../../runtime/types.ts';
import type { CgroupReading } from './cgroup.ts';
import type { HostIo } from './host-io.ts';
import { cachedDirUsage, realHostIo } from './host-io.ts';
import { RateCache } from './rate.ts';
import { summaryJson } from './summary-json.ts';
import type { ContainerSample, CpuSample, FsSample, HostSample, MemorySample, PodSample, SummaryModel, VolumeStat } from './types.ts';

/** SummaryOptions are the inputs of summary() and resourceMetrics(). */
export interface SummaryOptions {
  readonly nodeName: string;
  readonly runtime: Runtime;
  /** pods: the pods bound to this node (the agent's informer view). */
  readonly pods: () => readonly JsonObject[];
  readonly host: { sample(): Promise<HostSample> };
  readonly clock: { now(): number };
  /** volumeStats: usage of a pod's mounted volumes (see podVolumeStats). */
  readonly volumeStats?: (podUid: string) => Promise<readonly VolumeStat[]>;
  /** podCgroupStats: a pod's own cgroup (see podCgroupStats), used for pod cpu/memory when the sandbox stats have none. */
  readonly podCgroupStats?: (podUid: string) => Promise<CgroupReading | undefined>;
  /** podLogsDir: `<dataDir>/logs`; when given, container `logs.usedBytes` is measured there. */
  readonly podLogsDir?: string;
  readonly io?: HostIo;
  /** rates: where usageNanoCores are computed between calls (default: one cache per runtime). */
  readonly rates?: RateCache;
  /** onlyCpuAndMemory: gather (and render) only cpu and memory — kubelet's `?only_cpu_and_memory=true`; skips volume, log and image measurements. */
  readonly onlyCpuAndMemory?: boolean;
}

const POD_UID = 'io.kubernetes.pod.uid';
const CONTAINER_NAME = 'io.kubernetes.container.name';
const sharedRates = new WeakMap<Runtime, RateCache>();
const logUsage = new WeakMap<Runtime, ReturnType<typeof cachedDirUsage>>();

/** collectSummary gathers the Summary model; it rejects only when the runtime cannot list sandboxes, containers or their stats. */
export async function collectSummary(o: SummaryOptions): Promise<SummaryModel> {
  const rates = o.rates ?? ratesFor(o.runtime);
  const io = o.io ?? realHostIo;
  const now = o.clock.now();
  rates.prune(now);
  const [host, sandboxes, containers, cstats, pstats, images] = await Promise.all([
    o.host.sample(),
    o.runtime.listPodSandbox(),
    o.runtime.listContainers(),
    o.runtime.listContainerStats(),
    o.runtime.listPodSandboxStats().catch((): PodSandboxStats[] => []),
    o.onlyCpuAndMemory ? Promise.resolve(undefined) : o.runtime.listImages().catch(() => undefined),
  ]);
  const statsById = new Map<string, ContainerStats>(cstats.map((s) => [s.id, s]));
  for (const ps of pstats) for (const s of ps.containers) if (!statsById.has(s.id)) statsById.set(s.id, s);
  const sandboxStats = new Map(pstats.map((s) => [s.id, s]));
  let logs = logUsage.get(o.runtime);
  if (!logs) { logs = cachedDirUsage(io, o.clock); logUsage.set(o.runtime, logs); }

  const pods: PodSample[] = [];
  for (const pod of o.pods()) {
    const uid = String(pod.metadata?.uid ?? '');
    const sandbox = pickSandbox(sandboxes.filter((s) => (s.labels[POD_UID] ?? s.metadata.uid) === uid));
    if (!uid || !sandbox) continue;
    const ref = { name: String(pod.metadata?.name ?? sandbox.metadata.name), namespace: String(pod.metadata?.namespace ?? sandbox.metadata.namespace), uid };
    const rows: ContainerSample[] = [];
    for (const c of runningContainers(containers.filter((c) => c.podSandboxId === sandbox.id))) {
      const st = statsById.get(c.id);
      if (!st) continue;
      const name = c.labels[CONTAINER_NAME] ?? c.metadata.name;
      const logDir = o.podLogsDir === undefined || o.onlyCpuAndMemory ? undefined : `${o.podLogsDir}/${ref.namespace}_${ref.name}_${uid}/${name}`;
      const used = logDir === undefined ? undefined : await logs(logDir);
      rows.push(containerRow(name, c.createdAt, st, rates, now, host, used));
    }
    const ss = sandboxStats.get(sandbox.id);
    const cgroup = (!ss?.cpu || !ss.memory) && o.podCgroupStats ? await o.podCgroupStats(uid).catch(() => undefined) : undefined;
    const volume = o.volumeStats && !o.onlyCpuAndMemory ? withPvcRefs(await o.volumeStats(uid).catch(() => []), pod, now) : undefined;
    pods.push({
      podRef: ref,
      startTime: sandbox.createdAt,
      containers: rows,
      ...optional('cpu', podCpu(ss, cgroup, rows, rates, uid, now)),
      ...optional('memory', ss?.memory ? memorySample(ss.memory, now) : cgroup?.memory ? { time: now, ...cgroup.memory } : sumMemory(rows.map((r) => r.memory))),
      ...optional('network', ss?.network ? { time: ss.network.timestamp || now, interfaces: ss.network.interfaces } : undefined),
      ...optional('volume', volume && volume.length > 0 ? volume : undefined),
      ...optional('ephemeralStorage', ephemeralStorage(rows, volume ?? [], pod, host.fs, now)),
      ...optional('processCount', ss?.processCount),
    });
  }

  const imageFs = host.imageFs && images ? { ...host.imageFs, usedBytes: images.reduce((a, i) => a + (i.size || 0), 0) } : host.imageFs;
  const startTime = host.bootTime ?? host.time;
  // The `pods` row: the host reader's (the pods' parent cgroup) when it has one, else the sum of the pods.
  const podsRow: ContainerSample = host.systemContainers?.find((c) => c.name === 'pods')
    ?? { name: 'pods', startTime, ...optional('cpu', sumCpu(pods.map((p) => p.cpu))), ...optional('memory', sumMemory(pods.map((p) => p.memory))) };
  return {
    node: {
      nodeName: o.nodeName,
      systemContainers: [...(host.systemContainers ?? []).filter((c) => c.name !== 'pods'), podsRow],
      startTime,
      ...optional('cpu', host.cpu),
      ...optional('memory', host.memory),
      ...optional('swap', host.swap),
      ...optional('network', host.network),
      ...optional('fs', host.fs),
      ...optional('imageFs', imageFs),
      ...optional('rlimit', host.rlimit),
    },
    pods,
  };
}

/** summary returns kubelet's `/stats/summary` JSON (`onlyCpuAndMemory`: the `?only_cpu_and_memory=true` form); it rejects when the runtime cannot be listed. */
export async function summary(o: SummaryOptions): Promise<JsonObject> {
  return summaryJson(await collectSummary(o), { onlyCpuAndMemory: o.onlyCpuAndMemory });
}

/** ratesFor returns the shared usageNanoCores cache of a runtime. */
function ratesFor(runtime: Runtime): RateCache {
  let r = sharedRates.get(runtime);
  if (!r) { r = new RateCache(); sharedRates.set(runtime, r); }
  return r;
}

/** optional spreads `{ [key]: value }` only when value is defined. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** pickSandbox: the newest READY sandbox of a pod, else its newest one. */
export function pickSandbox(list: readonly PodSandbox[]): PodSandbox | undefined {
  const sorted = [...list].sort((a, b) => b.createdAt - a.createdAt);
  return sorted.find((s) => s.state === 'READY') ?? sorted[0];
}

/** runningContainers keeps, per container name, the newest RUNNING instance (kubelet drops terminated ones). */
export function runningContainers(list: readonly Container[]): Container[] {
  const byName = new Map<string, Container>();
  for (const c of list) {
    if (c.state !== 'RUNNING') continue;
    const name = c.labels[CONTAINER_NAME] ?? c.metadata.name;
    const cur = byName.get(name);
    if (!cur || c.createdAt > cur.createdAt) byName.set(name, c);
  }
  const key = (c: Container): string => c.labels[CONTAINER_NAME] ?? c.metadata.name;
  return [...byName.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** containerRow turns one container's CRI stats into its summary row. */
function containerRow(name: string, createdAt: number, st: ContainerStats, rates: RateCache, now: number, host: HostSample, logs: { bytes: number; inodes: number } | undefined): ContainerSample {
  let cpu: CpuSample | undefined;
  if (st.cpu) {
    const time = st.cpu.timestamp || now;
    const usage = st.cpu.usageCoreNanoSeconds;
    const rate = usage === undefined ? undefined : rates.rate(`c:${st.id}`, time, usage);
    const nanoCores = st.cpu.usageNanoCores ?? rate;
    cpu = { time, ...optional('usageNanoCores', nanoCores), ...optional('usageCoreNanoSeconds', usage) };
  }
  const imageFs = host.imageFs;
  const rootfs: FsSample | undefined = st.writableLayer || imageFs ? {
    time: st.writableLayer?.timestamp || now,
    ...optional('availableBytes', imageFs?.availableBytes), ...optional('capacityBytes', imageFs?.capacityBytes),
    ...optional('usedBytes', st.writableLayer?.usedBytes),
    ...optional('inodesFree', imageFs?.inodesFree), ...optional('inodes', imageFs?.inodes),
    ...optional('inodesUsed', st.writableLayer?.inodesUsed),
  } : undefined;
  const fs = host.fs;
  const logStats: FsSample | undefined = logs || fs ? {
    time: now,
    ...optional('availableBytes', fs?.availableBytes), ...optional('capacityBytes', fs?.capacityBytes),
    ...optional('usedBytes', logs?.bytes),
    ...optional('inodesFree', fs?.inodesFree), ...optional('inodes', fs?.inodes),
    ...optional('inodesUsed', logs?.inodes),
  } : undefined;
  return {
    name, startTime: createdAt,
    ...optional('cpu', cpu),
    ...optional('memory', st.memory ? memorySample(st.memory, now) : undefined),
    ...optional('rootfs', rootfs),
    ...optional('logs', logStats),
  };
}

/** memorySample copies CRI MemoryUsage into MemoryStats (a 0 timestamp means now). */
function memorySample(m: NonNullable<ContainerStats['memory']>, now: number): MemorySample {
  return {
    time: m.timestamp || now,
    ...optional('availableBytes', m.availableBytes), ...optional('usageBytes', m.usageBytes),
    ...optional('workingSetBytes', m.workingSetBytes), ...optional('rssBytes', m.rssBytes),
    ...optional('pageFaults', m.pageFaults), ...optional('majorPageFaults', m.majorPageFaults),
  };
}

/** podCpu: the sandbox's own cpu stats when present (rate computed if missing), else the pod cgroup's, else the sum of its containers. */
function podCpu(ss: PodSandboxStats | undefined, cgroup: CgroupReading | undefined, rows: readonly ContainerSample[], rates: RateCache, uid: string, now: number): CpuSample | undefined {
  const c = ss?.cpu;
  if (c && c.usageCoreNanoSeconds !== undefined) {
    const time = c.timestamp || now;
    const nanoCores = c.usageNanoCores ?? rates.rate(`p:${uid}`, time, c.usageCoreNanoSeconds);
    return { time, ...optional('usageNanoCores', nanoCores), usageCoreNanoSeconds: c.usageCoreNanoSeconds };
  }
  if (cgroup?.usageNs !== undefined) {
    const usage = Math.round(cgroup.usageNs);
    return { time: now, ...optional('usageNanoCores', rates.rate(`pc:${uid}`, now, usage)), usageCoreNanoSeconds: usage };
  }
  return sumCpu(rows.map((r) => r.cpu));
}

/** sumCpu adds cpu stats (usageNanoCores only when every part has one); time is the newest part's. */
export function sumCpu(parts: readonly (CpuSample | undefined)[]): CpuSample | undefined {
  const list = parts.filter((p): p is CpuSample => p !== undefined);
  if (list.length === 0) return undefined;
  const sum = (k: 'usageNanoCores' | 'usageCoreNanoSeconds'): number | undefined =>
    list.every((p) => p[k] !== undefined) ? list.reduce((a, p) => a + (p[k] ?? 0), 0) : undefined;
  return { time: Math.max(...list.map((p) => p.time)), ...optional('usageNanoCores', sum('usageNanoCores')), ...optional('usageCoreNanoSeconds', sum('usageCoreNanoSeconds')) };
}

/** sumMemory adds memory stats field by field (availableBytes is left out: the parts' limits do not add up). */
export function sumMemory(parts: readonly (MemorySample | undefined)[]): MemorySample | undefined {
  const list = parts.filter((p): p is MemorySample => p !== undefined);
  if (list.length === 0) return undefined;
  const sum = (k: 'usageBytes' | 'workingSetBytes' | 'rssBytes' | 'pageFaults' | 'majorPageFaults'): number | undefined =>
    list.some((p) => p[k] !== undefined) ? list.reduce((a, p) => a + (p[k] ?? 0), 0) : undefined;
  return {
    time: Math.max(...list.map((p) => p.time)),
    ...optional('usageBytes', sum('usageBytes')), ...optional('workingSetBytes', sum('workingSetBytes')), ...optional('rssBytes', sum('rssBytes')),
    ...optional('pageFaults', sum('pageFaults')), ...optional('majorPageFaults', sum('majorPageFaults')),
  };
}

/** specVolumes returns the pod's spec.volumes by name. */
function specVolumes(pod: JsonObject): Map<string, JsonObject> {
  const vols = Array.isArray(pod.spec?.volumes) ? (pod.spec.volumes as JsonObject[]) : [];
  return new Map(vols.map((v) => [String(v.name), v]));
}

/** withPvcRefs fills `pvcRef` (from spec.volumes[].persistentVolumeClaim) and a default time. */
export function withPvcRefs(list: readonly VolumeStat[], pod: JsonObject, now: number): VolumeStat[] {
  const spec = specVolumes(pod);
  return list.map((v) => {
    const claim = spec.get(v.name)?.persistentVolumeClaim?.claimName;
    const pvcRef = v.pvcRef ?? (typeof claim === 'string' ? { name: claim, namespace: String(pod.metadata?.namespace ?? '') } : undefined);
    return { ...v, time: v.time ?? now, ...optional('pvcRef', pvcRef) };
  });
}

/** isLocalEphemeral: volumes kubelet counts in a pod's ephemeral storage (disk emptyDir, configMap, downwardAPI, gitRepo). */
function isLocalEphemeral(v: JsonObject | undefined): boolean {
  if (!v) return false;
  if (v.emptyDir) return (v.emptyDir.medium ?? '') === '';
  return Boolean(v.configMap || v.downwardAPI || v.gitRepo);
}

/** ephemeralStorage: containers' writable layers + logs + local ephemeral volumes, over the node fs. */
function ephemeralStorage(rows: readonly ContainerSample[], volumes: readonly VolumeStat[], pod: JsonObject, fs: FsSample | undefined, now: number): FsSample | undefined {
  if (!fs) return undefined;
  const spec = specVolumes(pod);
  let used = 0;
  let inodes = 0;
  for (const r of rows) {
    used += (r.rootfs?.usedBytes ?? 0) + (r.logs?.usedBytes ?? 0);
    inodes += (r.rootfs?.inodesUsed ?? 0) + (r.logs?.inodesUsed ?? 0);
  }
  for (const v of volumes) {
    if (v.pvcRef || !isLocalEphemeral(spec.get(v.name))) continue;
    used += v.usedBytes ?? 0;
    inodes += v.inodesUsed ?? 0;
  }
  return {
    time: now,
    ...optional('availableBytes', fs.availableBytes), ...optional('capacityBytes', fs.capacityBytes), usedBytes: used,
    ...optional('inodesFree', fs.inodesFree), ...optional('inodes', fs.inodes), inodesUsed: inodes,
  };
}
