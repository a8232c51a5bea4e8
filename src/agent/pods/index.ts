/**
 * @module agent/pods — pod lifecycle on a node, shared by real and hollow nodes: the per-node pod
 * workers (worker.ts) driving a Runtime, the pure pod status computation (status.ts), and the
 * kubelet-style pieces of real pods: container and sandbox configs (env, resources, security,
 * DNS), image pulls with pull secrets and back-off, lifecycle hooks and adoption after a restart.
 */
export { PodWorkers } from './worker.ts';
export { apiStatusDiffers, containerViews } from './views.ts';
export type { ViewContext } from './views.ts';
export type { PodWorkersOptions } from './worker.ts';
export { KUBELET_CONDITIONS, computePodStatus, initProgress, isSidecar, podPhase, qosClass, readyAt, rfc3339 } from './status.ts';
export type { ContainerView, StatusInput } from './status.ts';
export {
  CPU_PERIOD, LABEL, containerConfig, containerLabels, containerSecurity, cpuQuota, cpuShares, expandCommand, linuxResources, namespaceModes, oomScoreAdj,
} from './container-config.ts';
export type { ContainerConfigInput } from './container-config.ts';
export { expand, fieldValue, isEnvVarName, resolveEnv, resourceValue, serviceLinkEnv } from './env.ts';
export type { EnvContext, EnvResult, EnvVar } from './env.ts';
export { parseResolvConf, podDnsConfig, podHostname, podLogDirectory, portMappings, sandboxConfig, sandboxLabels } from './sandbox-config.ts';
export type { ClusterDns, SandboxInput } from './sandbox-config.ts';
export { ImagePuller, canonicalHost, credentialsFor, parseImage, pullPolicy } from './images.ts';
export type { ImagePullerOptions, ImageRef, PullEventSink, PullPolicy, PullResult } from './images.ts';
export { resolvePort, runHook } from './hooks.ts';
export type { HookResult, HookTarget } from './hooks.ts';
export { removeLogDirectory, removePodCgroups, scanRuntime } from './adoption.ts';
export type { AdoptedContainer, AdoptedPod } from './adoption.ts';
export type { PodProbes } from './runner.ts';
export {
  MAX_MESSAGE_BYTES, TERMINATION_LOG_ANNOTATION, createTerminationLog, hostsFile, logTail, podFilesDir, readTerminationMessage, removePodFiles, writeHostsFile,
} from './pod-files.ts';
export { takeOver } from './adoption.ts';
export type { TakeOverDeps } from './adoption.ts';
export { ContainerRunner, nodeFacts } from './runner.ts';
export type { ContainerRec, PodRec, RunnerHost, Waiting } from './runner.ts';
