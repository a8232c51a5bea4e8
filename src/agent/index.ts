/**
 * @module agent — the node agent. For now the "hollow" agent of the join issue: it registers the
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
