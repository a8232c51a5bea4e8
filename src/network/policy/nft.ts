/**
 * @module network/policy/nft — the enforcer's nftables seam: the runner shared with the Service
 * proxy (network/nft.ts).
 */
export { NftError, nftCheck, nftRunner } from '../nft.ts';
export type { NftRunner, NftRunnerOptions } from '../nft.ts';
