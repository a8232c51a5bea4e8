/**
 * @module agent/pods/container-config — the CRI ContainerConfig of a pod's container, as the
 * kubelet builds it: command and args with `$(VAR)` expansion against the resolved environment
 * (env.ts), the environment, mounts from the volume host, log path `<name>/<restartCount>.log`,
 * kubelet's `io.kubernetes.*` labels and annotations, stdin/tty, cgroup values from requests and
 * limits (cpu shares and CFS quota, memory limit, a QoS-based oom_score_adj that is never
 * negative: root lacks CAP_SYS_RESOURCE on the test machines) and the effective security context
 * (the container's over the pod's). Pure functions.
 */
import { createHash } from 'node:crypto';
import { parseQuantity, stableJson } from '../../api/index.ts';
import type { JsonObject } from '../../api/index.ts';
import type { ContainerConfig, LinuxContainerResources, LinuxContainerSecurity, Mount, NamespaceMode } from '../../runtime/index.ts';
import { qosClass } from './status.ts';
import { expand } from './env.ts';
import type { EnvVar } from './env.ts';

/** LABEL names kubelet's labels on sandboxes and containers. */
export const LABEL = {
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  podUid: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
} as const;

/** CPU_PERIOD is the CFS period (µs) kubelet sets with a CPU limit. */
export const CPU_PERIOD = 100_000;

/** ContainerConfigInput is everything containerConfig reads. */
export interface ContainerConfigInput {
  readonly pod: JsonObject;
  readonly container: JsonObject;
  readonly restartCount: number;
  readonly envs: readonly EnvVar[];
  readonly mounts?: readonly Mount[];
  /** memoryCapacity: the node's memory in bytes (Burstable oom_score_adj); unknown leaves oomScoreAdj unset for Burstable pods. */
  readonly memoryCapacity?: number;
  /** linux: whether to include the linux section (resources and security; hollow nodes skip it). */
  readonly linux?: boolean;
  /** targetContainerId: the runtime ID of an ephemeral container's `targetContainerName`, whose PID namespace it joins. */
  readonly targetContainerId?: string;
}

const milli = (v: unknown): number => Math.round((parseQuantity(v) ?? 0) * 1000);
const bytes = (v: unknown): number => Math.round(parseQuantity(v) ?? 0);

/** cpuShares converts a cpu request in millicores to cgroup cpu.shares (kubelet: minimum 2). */
export function cpuShares(milliCpu: number): number {
  return milliCpu <= 0 ? 2 : Math.max(2, Math.floor((milliCpu * 1024) / 1000));
}

/** cpuQuota converts a cpu limit in millicores to a CFS quota for `period` (0 = no limit; minimum 1000 µs). */
export function cpuQuota(milliCpu: number, period = CPU_PERIOD): number {
  return milliCpu <= 0 ? 0 : Math.max(1000, Math.floor((milliCpu * period) / 1000));
}

/** oomScoreAdj is kubelet's QoS-based OOM score adjustment, clamped at 0 (Guaranteed would be -997). */
export function oomScoreAdj(pod: JsonObject, container: JsonObject, memoryCapacity: number | undefined): number | undefined {
  const qos = qosClass(pod.spec ?? {});
  if (qos === 'Guaranteed') return 0;
  if (qos === 'BestEffort') return 1000;
  if (!memoryCapacity || memoryCapacity <= 0) return undefined;
  const req = bytes(container.resources?.requests?.memory);
  const adj = 1000 - Math.floor((1000 * req) / memoryCapacity);
  if (adj < 3) return 3;
  return adj >= 1000 ? 999 : adj;
}

/** linuxResources maps a container's requests and limits to cgroup values. */
export function linuxResources(pod: JsonObject, container: JsonObject, memoryCapacity?: number): LinuxContainerResources {
  const req = container.resources?.requests ?? {};
  const lim = container.resources?.limits ?? {};
  const quota = cpuQuota(milli(lim.cpu));
  const mem = bytes(lim.memory);
  const oom = oomScoreAdj(pod, container, memoryCapacity);
  return {
    cpuShares: cpuShares(milli(req.cpu ?? lim.cpu)),
    ...(quota > 0 ? { cpuQuota: quota, cpuPeriod: CPU_PERIOD } : {}),
    ...(mem > 0 ? { memoryLimitInBytes: mem } : {}),
    ...(oom !== undefined ? { oomScoreAdj: Math.max(0, oom) } : {}),
  };
}

/** namespaceModes gives the pid / ipc / network namespace modes of the pod's containers. */
export function namespaceModes(spec: JsonObject): { pid: NamespaceMode; ipc: NamespaceMode; network: NamespaceMode } {
  return {
    pid: spec.hostPID === true ? 'NODE' : spec.shareProcessNamespace === true ? 'POD' : 'CONTAINER',
    ipc: spec.hostIPC === true ? 'NODE' : 'POD',
    network: spec.hostNetwork === true ? 'NODE' : 'POD',
  };
}

const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

/** containerSecurity merges the pod's and the container's securityContext into CRI's (the container's fields win). */
export function containerSecurity(pod: JsonObject, container: JsonObject, targetContainerId?: string): LinuxContainerSecurity {
  const psc = (pod.spec?.securityContext ?? {}) as JsonObject;
  const csc = (container.securityContext ?? {}) as JsonObject;
  const runAsUser = int(csc.runAsUser) ?? int(psc.runAsUser);
  const runAsGroup = int(csc.runAsGroup) ?? int(psc.runAsGroup);
  const groups = [...((psc.supplementalGroups ?? []) as unknown[]).map(Number), ...(int(psc.fsGroup) !== undefined ? [Number(psc.fsGroup)] : [])].filter(Number.isInteger);
  const add = (csc.capabilities?.add ?? []) as string[];
  const drop = (csc.capabilities?.drop ?? []) as string[];
  const privileged = csc.privileged === true;
  return {
    ...(add.length > 0 || drop.length > 0 ? { capabilities: { addCapabilities: add.map(String), dropCapabilities: drop.map(String) } } : {}),
    ...(privileged ? { privileged } : {}),
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup } : {}),
    ...(groups.length > 0 ? { supplementalGroups: [...new Set(groups)] } : {}),
    ...(csc.readOnlyRootFilesystem === true ? { readonlyRootfs: true } : {}),
    ...(csc.allowPrivilegeEscalation === false && !privileged ? { noNewPrivs: true } : {}),
    namespaceOptions: { ...namespaceModes(pod.spec ?? {}), ...(targetContainerId ? { pid: 'TARGET' as const, targetId: targetContainerId } : {}) },
  };
}

/** expandCommand expands `$(VAR)` references in a command or args list against the container's environment. */
export function expandCommand(words: readonly unknown[], envs: readonly EnvVar[]): string[] {
  const map = new Map(envs.map((e) => [e.key, e.value]));
  return words.map((w) => expand(String(w), (n) => map.get(n)));
}

/** containerLabels are kubelet's labels of a pod's container (used to find containers again after a restart). */
export function containerLabels(pod: JsonObject, name: string): Record<string, string> {
  const m = pod.metadata ?? {};
  return { [LABEL.podName]: String(m.name), [LABEL.podNamespace]: String(m.namespace), [LABEL.podUid]: String(m.uid ?? ''), [LABEL.containerName]: name };
}

/** CONTAINER_HASH_ANNOTATION records on the runtime's container the hash of the spec it was made from. */
export const CONTAINER_HASH_ANNOTATION = 'io.kubernetes.container.hash';

/** containerHash is the kubelet-style hash of a container's spec (resources left out, as the kubelet does since in-place resize): a running container whose hash differs from its spec's is restarted. */
export function containerHash(c: JsonObject): string {
  const { resources: _r, ...rest } = c;
  return createHash('sha256').update(stableJson(rest)).digest('hex').slice(0, 16);
}

/** containerConfig builds the CRI ContainerConfig of `container` at restart count `restartCount`. */
export function containerConfig(input: ContainerConfigInput): ContainerConfig {
  const { pod, container: c, restartCount, envs } = input;
  const name = String(c.name);
  const linux = input.linux === true
    ? { linux: { resources: linuxResources(pod, c, input.memoryCapacity), securityContext: containerSecurity(pod, c, input.targetContainerId) } }
    : {};
  return {
    metadata: { name, attempt: restartCount },
    image: { image: String(c.image ?? '') },
    ...(Array.isArray(c.command) ? { command: expandCommand(c.command, envs) } : {}),
    ...(Array.isArray(c.args) ? { args: expandCommand(c.args, envs) } : {}),
    ...(typeof c.workingDir === 'string' && c.workingDir ? { workingDir: c.workingDir } : {}),
    envs,
    ...(input.mounts && input.mounts.length > 0 ? { mounts: input.mounts } : {}),
    labels: containerLabels(pod, name),
    annotations: {
      [CONTAINER_HASH_ANNOTATION]: containerHash(c),
      'io.kubernetes.container.restartCount': String(restartCount),
      'io.kubernetes.container.terminationMessagePath': String(c.terminationMessagePath ?? '/dev/termination-log'),
      'io.kubernetes.container.terminationMessagePolicy': String(c.terminationMessagePolicy ?? 'File'),
      'io.kubernetes.pod.terminationGracePeriod': String(pod.spec?.terminationGracePeriodSeconds ?? 30),
    },
    logPath: `${name}/${restartCount}.log`,
    ...(c.stdin === true ? { stdin: true } : {}),
    ...(c.stdinOnce === true ? { stdinOnce: true } : {}),
    ...(c.tty === true ? { tty: true } : {}),
    ...linux,
  };
}
