/**
 * @module network/routes — the node's pod network between nodes on Linux: the pure planner for
 * the `l3`, `host-gw`, `vxlan` and `geneve` modes (plan.ts), reading what we own from the kernel
 * through iproute2 (kernel.ts), the idempotent difference and its application (diff.ts), and the
 * informer-driven reconciler that also publishes our Node's flannel-compatible annotations
 * (controller.ts). Imports only src/api and src/client.
 */
export { ANNOTATIONS, NETWORK_MODES, nodeInfoOf, planPodNetwork, publicIpOf, backendDataOf, tunnelDefaults, upstreamRoutesOf } from './plan.ts';
export type { NetworkMode, NodeInfo, TunnelOptions, Underlay, PlanInput, LinkPlan, AddressPlan, RoutePlan, NeighbourPlan, FdbPlan, PodNetworkPlan } from './plan.ts';
export { ROUTE_PROTO, LINK_ALIAS, commandRunner, readKernelState, findInterfaceAddress, parseLinks, parseAddresses, parseRoutes } from './kernel.ts';
export type { CommandRunner, KernelState, LinkState, InterfaceAddress } from './kernel.ts';
export { EMPTY_STATE, diffPodNetwork, applyPodNetwork, removePodNetwork } from './diff.ts';
export type { DesiredState, DiffResult, ApplyResult } from './diff.ts';
export { startPodNetwork, annotationPatch } from './controller.ts';
export type { PodNetworkOptions, PodNetworkHandle } from './controller.ts';
export { stableVtepMac, parseIpv4Cidr, inSubnet } from './ipv4.ts';
