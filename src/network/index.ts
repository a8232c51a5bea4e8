/**
 * @module network — the node's networking, imported by the agent and the CLI; it reads the API
 * only (src/api, src/client): the CNI configuration written from the node's pod CIDR (cni.ts),
 * the pod network modes l3 / host-gw / vxlan (routes/), kube-proxy's nftables semantics for
 * Services (proxy/), the cluster DNS (dns/) and NetworkPolicy enforcement (policy/). Each folder
 * exposes its full API from its own index.ts; the entry points are re-exported here.
 */
export { CONFLIST_NAME, bridgeConflist, parseCidr, podCidrsOf, writeBridgeConflist } from './cni.ts';
export type { BridgeConfOptions } from './cni.ts';
export { ANNOTATIONS, NETWORK_MODES, commandRunner, nodeInfoOf, planPodNetwork, startPodNetwork, upstreamRoutesOf } from './routes/index.ts';
export type { CommandRunner, NetworkMode, NodeInfo, PodNetworkHandle, PodNetworkOptions } from './routes/index.ts';
export { NftProxy, buildProxyModel, startServiceProxy } from './proxy/index.ts';
export type { ServiceProxyHandle, ServiceProxyOptions } from './proxy/index.ts';
export { podDnsConfig, startClusterDns } from './dns/index.ts';
export type { ClusterDns, ClusterDnsOptions, PodDnsConfig } from './dns/index.ts';
export { buildPolicyModel, startNetworkPolicy } from './policy/index.ts';
export { NftError, nftCheck, nftRunner } from './nft.ts';
export type { NftRunner, NftRunnerOptions } from './nft.ts';
export type { NetworkPolicyEnforcer, NetworkPolicyOptions } from './policy/index.ts';
