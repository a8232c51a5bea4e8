/**
 * @module network/policy — NetworkPolicy enforcement on a node: the pure model of upstream
 * semantics (`buildPolicyModel`), the nftables renderer (`renderPolicyRuleset`), the nft runner
 * seam (`nftRunner`) and the informer-driven enforcer (`startNetworkPolicy`).
 */
export { buildPolicyModel, namedPort, podIPs, policyTypesOf } from './model.ts';
export type { AllowRule, IpBlockPeer, PodPolicy, PolicyModel, PolicyModelInput, PortMatch, Protocol, RulePeers } from './model.ts';
export { renderPolicyRuleset, removePolicyScript, peerRanges, mergeRanges, subtractRanges, DEFAULT_POLICY_TABLE } from './render.ts';
export type { RenderOptions } from './render.ts';
export { nftRunner } from './nft.ts';
export type { NftRunner, NftRunnerOptions } from './nft.ts';
export { startNetworkPolicy, NETWORK_POLICIES } from './enforcer.ts';
export type { NetworkPolicyEnforcer, NetworkPolicyOptions, PolicyLog } from './enforcer.ts';
