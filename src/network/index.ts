/**
 * @module network — the node's pod network: the CNI configuration the agent writes from its pod
 * CIDR (cni.ts). Routing modes, the service proxy and network policy come later. Imports only
 * src/api and src/client.
 */
export { CONFLIST_NAME, bridgeConflist, parseCidr, podCidrsOf, writeBridgeConflist } from './cni.ts';
export type { BridgeConfOptions } from './cni.ts';
