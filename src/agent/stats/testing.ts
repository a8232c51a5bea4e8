/**
 * @module agent/stats/testing — a fake Runtime with fixed sandboxes, containers and
 * CRI stats, a fixed host sample and pods, shared by the summary and metrics tests.
 */
import type { JsonObject } from '../../api/index.ts';
import type { Container, ContainerStats, Image, PodSandbox, PodSandboxStats, Runtime } from '../../runtime/types.ts';
import type { HostIo } from './host-io.ts';
import type { HostSample } from './types.ts';

/** T0: the fixture's base time (2026-01-01T00:00:00Z). */
export const T0 = Date.UTC(2026, 0, 1);

function sandbox(id: string, name: string, uid: string, state: 'READY' | 'NOTREADY', createdAt: number): PodSandbox {
  return {
    id, state, createdAt, annotations: {}, runtimeHandler: '',
    metadata: { name, namespace: 'ns', uid, attempt: 0 },
    labels: { 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': 'ns', 'io.kubernetes.pod.uid': uid },
  };
}

function container(id: string, sandboxId: string, name: string, uid: string, state: Container['state'], createdAt: number): Container {
  return {
    id, podSandboxId: sandboxId, state, createdAt, image: { image: 'busybox' }, imageRef: 'sha256:1', annotations: {},
    metadata: { name, attempt: 0 },
    labels: { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.container.name': name },
  };
}

/** FakeStatsRuntime answers the list calls the stats part makes; `cpu` moves the web/app counter. */
export class FakeStatsRuntime {
  appCpuNs = 2.5e9;
  appCpuTime = T0 + 60_000;
  failSandboxes = false;
  sandboxStatsUnimplemented = false;
  readonly sandboxes: PodSandbox[] = [
    sandbox('s-old', 'web', 'u1', 'NOTREADY', T0 - 5000),
    sandbox('s1', 'web', 'u1', 'READY', T0 + 1000),
    sandbox('s2', 'db', 'u2', 'READY', T0 + 2000),
    sandbox('s3', 'orphan', 'u3', 'READY', T0 + 3000),
  ];
  readonly containers: Container[] = [
    container('c0', 's1', 'app', 'u1', 'EXITED', T0 + 1100),
    container('c1', 's1', 'app', 'u1', 'RUNNING', T0 + 1500),
    container('c2', 's1', 'sidecar', 'u1', 'RUNNING', T0 + 1200),
    container('c3', 's2', 'db', 'u2', 'RUNNING', T0 + 2100),
    container('c4', 's3', 'x', 'u3', 'RUNNING', T0 + 3100),
  ];

  async listPodSandbox(): Promise<PodSandbox[]> {
    if (this.failSandboxes) throw new Error('runtime down');
    return this.sandboxes;
  }
  async listContainers(): Promise<Container[]> { return this.containers; }
  async listImages(): Promise<Image[]> {
    return [{ id: 'a', repoTags: [], repoDigests: [], size: 1000, pinned: false }, { id: 'b', repoTags: [], repoDigests: [], size: 24, pinned: false }];
  }
  async listContainerStats(): Promise<ContainerStats[]> {
    const ts = T0 + 60_000;
    const row = (id: string): Pick<ContainerStats, 'id' | 'metadata' | 'labels'> => {
      const c = this.containers.find((x) => x.id === id)!;
      return { id, metadata: c.metadata, labels: c.labels };
    };
    return [
      { ...row('c0'), cpu: { timestamp: ts, usageCoreNanoSeconds: 1 } },
      { ...row('c1'), cpu: { timestamp: this.appCpuTime, usageCoreNanoSeconds: this.appCpuNs }, memory: { timestamp: ts, workingSetBytes: 2048, usageBytes: 4096, rssBytes: 1024, pageFaults: 10, majorPageFaults: 1 }, writableLayer: { timestamp: ts, usedBytes: 8192, inodesUsed: 3 } },
      { ...row('c2'), cpu: { timestamp: ts, usageCoreNanoSeconds: 0.5e9, usageNanoCores: 1000 }, memory: { timestamp: ts, workingSetBytes: 1024, availableBytes: 9000, usageBytes: 1024 } },
      { ...row('c3'), cpu: { timestamp: ts, usageCoreNanoSeconds: 7e9, usageNanoCores: 5e6 }, memory: { timestamp: ts, workingSetBytes: 1e6, usageBytes: 2e6 } },
      { ...row('c4'), cpu: { timestamp: ts, usageCoreNanoSeconds: 9e9 } },
    ];
  }
  async listPodSandboxStats(): Promise<PodSandboxStats[]> {
    if (this.sandboxStatsUnimplemented) throw new Error('unimplemented');
    const s2 = this.sandboxes[2];
    return [{
      id: 's2', metadata: s2.metadata, labels: s2.labels, processCount: 4, containers: [],
      cpu: { timestamp: T0 + 61_000, usageCoreNanoSeconds: 7.2e9, usageNanoCores: 6e6 },
      memory: { timestamp: T0 + 61_000, workingSetBytes: 1.5e6, usageBytes: 2.5e6 },
      network: { timestamp: T0 + 61_000, interfaces: [{ name: 'eth0', rxBytes: 100, rxErrors: 0, txBytes: 200, txErrors: 0 }] },
    }];
  }
}

/** fakeRuntime returns the fake as a Runtime (only the stats-related calls are used). */
export function fakeRuntime(): { fake: FakeStatsRuntime; runtime: Runtime } {
  const fake = new FakeStatsRuntime();
  return { fake, runtime: fake as unknown as Runtime };
}

/** PODS: the pods bound to the node (u3's sandbox has no pod: it is left out). */
export const PODS: JsonObject[] = [
  {
    metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
    spec: { volumes: [{ name: 'cache', emptyDir: {} }, { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } }, { name: 'tmp', emptyDir: { medium: 'Memory' } }] },
  },
  { metadata: { name: 'db', namespace: 'ns', uid: 'u2' }, spec: {} },
  { metadata: { name: 'pending', namespace: 'ns', uid: 'u9' }, spec: {} },
];

/** HOST: a fixed host sample. */
export const HOST: HostSample = {
  time: T0 + 60_000,
  bootTime: T0 - 3_600_000,
  cpu: { time: T0 + 60_000, usageNanoCores: 250_000_000, usageCoreNanoSeconds: 1_234_500_000_000 },
  memory: { time: T0 + 60_000, availableBytes: 3e9, usageBytes: 2e9, workingSetBytes: 1e9, rssBytes: 5e8, pageFaults: 100, majorPageFaults: 2 },
  network: { time: T0 + 60_000, interfaces: [{ name: 'ens3', rxBytes: 1, rxErrors: 0, txBytes: 2, txErrors: 0 }, { name: 'eth0', rxBytes: 10, rxErrors: 1, txBytes: 20, txErrors: 2 }] },
  fs: { time: T0 + 60_000, availableBytes: 5000, capacityBytes: 10000, usedBytes: 4000, inodesFree: 50, inodes: 100, inodesUsed: 50 },
  imageFs: { time: T0 + 60_000, availableBytes: 5000, capacityBytes: 10000, usedBytes: 4000, inodesFree: 50, inodes: 100, inodesUsed: 50 },
  rlimit: { time: T0 + 60_000, maxpid: 32768, curproc: 120 },
  systemContainers: [{ name: 'kubelet', startTime: T0 - 60_000, cpu: { time: T0 + 60_000, usageCoreNanoSeconds: 3e9 }, memory: { time: T0 + 60_000, workingSetBytes: 5e7 } }],
};

/** logIo: a HostIo whose dirUsage knows the web/app log directory. */
export const logIo: HostIo = {
  async readText() { return undefined; },
  async statfs() { return undefined; },
  async list() { return undefined; },
  async dirUsage(p) { return p === '/logs/ns_web_u1/app' ? { bytes: 512, inodes: 2 } : undefined; },
};
