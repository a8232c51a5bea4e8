/**
 * @module network/proxy — kube-proxy's nftables-mode semantics for one Linux node: a pure model
 * of Services and EndpointSlices (model.ts), its rendering as one nft table (render.ts), an
 * incremental syncer over an injectable `nft -f` runner (proxy.ts, nft.ts) and the informer-driven
 * controller that runs it (controller.ts). Imports only src/api and src/client.
 */
export { buildProxyModel, servicePortsOf, slicesByService, modelOf, byKey, DEFAULT_AFFINITY_SECONDS, SERVICE_NAME_LABEL } from './model.ts';
export type { Protocol, IpFamily, ProxyEndpoint, ServicePortModel, ProxyModel, ProxyModelInput, PortOptions } from './model.ts';
export { TABLE_NAME, MASQ_MARK, MAPS, chainNames, fragmentFor, sharedChain, renderFull, renderDelete, baseSignature } from './render.ts';
export type { Fragment, RenderContext, SharedChain } from './render.ts';
export { nftRunner, nftCheck, NftError } from './nft.ts';
export type { NftRunner, NftRunnerOptions } from './nft.ts';
export { NftProxy } from './proxy.ts';
export type { NftProxyOptions, SyncResult } from './proxy.ts';
export { startServiceProxy } from './controller.ts';
export type { ServiceProxyOptions, ServiceProxyHandle } from './controller.ts';
