/**
 * @module agent — the node agent (the kubelet of windlass): `startNodeAgent` (node.ts) runs real
 * pods through a CRI runtime with volumes, probes, streaming and stats; hollow nodes share its pod
 * workers. Also the registration-only agent of the join issue: it registers the
 * Node with its labels, taints and Ready status and heartbeats its Lease; plus the small HTTPS
 * JSON client it (and `windlass join`) use; and the node's certificate managers (client
 * certificate rotation, the kubelet serving certificate).
 */
export { registerNode } from './registration.ts';
export type { RegisterNodeOptions, RegisterNodeResult } from './registration.ts';
export {
  AGENT_KUBELET_VERSION, AGENT_RUNTIME_VERSION, MAX_PODS, currentHostFacts, defaultNodeName, isValidNodeName, kubeArch, kubeOs,
  nodeLabels, nodeStatus, parseNodeLabel, parseNodeTaint, readyCondition, windowsBuild,
} from './node-info.ts';
export type { HostFacts, Taint } from './node-info.ts';
export { requestJson, statusMessage } from './http.ts';
export type { HttpResponse, HttpTarget, RequestOptions } from './http.ts';
export { CERTIFICATE_KINDS, CertificateManager, retryDelay, rotationDeadline } from './certificates.ts';
export type {
  AgentLog, CertificateKind, CertificateManagerOptions, CertificatePair, CertificateSans, CertificateStore, RequestFn, RotationResult, RotationTiming,
} from './certificates.ts';
export {
  createNodeCertificates, kubeconfigCertificateStore, nodeAddressSans, pemFileCertificateStore, replaceKubeconfigCredentials, servingCertificatePaths,
} from './node-certificates.ts';
export type { NodeCertificates, NodeCertificatesOptions } from './node-certificates.ts';
export { startHollowNodes, hollowNodeIp, hollowNodeObject, hollowPodCidr, windowsOsImage } from './sim.ts';
export type { HollowCluster, HollowNodesOptions } from './sim.ts';
export { PodWorkers, computePodStatus, podPhase, qosClass } from './pods/index.ts';
export type { ContainerView, PodWorkersOptions, StatusInput } from './pods/index.ts';
export { VolumeManager, writeAtomic, checkHostPath, containerMounts, TokenManager, requiresRefresh } from './volumes/index.ts';
export type { SetUpResult, VolumeHost, VolumeManagerOptions, Payload, FileProjection, ReadyVolume, TokenSpec } from './volumes/index.ts';
export { ProbeManager, runProbe, probeTiming, resolvePort, PROBE_USER_AGENT } from './probes/index.ts';
export type { ProbeKind, ProbeManagerOptions, ProbeResult, ProbeTarget, ProbeTiming } from './probes/index.ts';
export {
  summary, collectSummary, summaryJson, resourceMetrics, formatResourceMetrics, RESOURCE_METRICS_CONTENT_TYPE, linuxHostStats, windowsHostStats,
  podVolumeStats, podCgroupStats, hostCapacity, allocatable, capacityFrom, DEFAULT_EVICTION_HARD,
} from './stats/index.ts';
export type {
  SummaryOptions, HostStats, HostSample, VolumeStat, SummaryModel, LinuxHostOptions, WindowsHostOptions, WindowsMachine, PodVolumeStatsOptions,
  NodeCapacity, Reserved, EvictionHard, HostIo,
} from './stats/index.ts';
export {
  ImagePuller, LABEL, apiStatusDiffers, containerConfig, containerSecurity, credentialsFor, expand, hostsFile, linuxResources, oomScoreAdj, parseImage, podDnsConfig,
  pullPolicy, readTerminationMessage, removePodCgroups, resolveEnv, runHook, sandboxConfig, scanRuntime, serviceLinkEnv,
} from './pods/index.ts';
export type { AdoptedPod, ClusterDns, ContainerConfigInput, EnvContext, EnvResult, EnvVar, HookResult, PodProbes, PullPolicy, PullResult, SandboxInput } from './pods/index.ts';
export { startAgentServer, kubeletSubresource, parseTargetPath } from './server.ts';
export type { AgentServer, AgentServerLog, AgentServerOptions, TargetPath } from './server.ts';
export * from './streaming/index.ts';
export { startNodeAgent, defaultNodeIp } from './node.ts';
export type { NodeAgent, NodeAgentOptions } from './node.ts';
