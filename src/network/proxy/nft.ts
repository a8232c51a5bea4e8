/**
 * @module network/proxy/nft — the proxy's nftables seam: the runner shared with the NetworkPolicy
 * enforcer (network/nft.ts).
 */
export { NftError, nftCheck, nftRunner } from '../nft.ts';
export type { NftRunner, NftRunnerOptions } from '../nft.ts';
