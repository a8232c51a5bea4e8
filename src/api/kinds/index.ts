/**
 * @module api/kinds — the kind registry: every built-in served resource with its static facts
 * (catalog) and its semantic hooks (defaults, validation, columns, field selectors) merged in.
 */
import type { KindInfo } from './types.ts';
import { gvkKey } from './types.ts';
import { builtinKindFacts } from './catalog.ts';
import { kindHooks } from '../validation/index.ts';

export { builtinKindFacts } from './catalog.ts';
export { kind as defineKind, schemaPrefix, CRUD_VERBS, CREATE_ONLY, REPLICAS_SCALE } from './catalog-helpers.ts';
export type { KindFact, KindOpts } from './catalog-helpers.ts';
export { subresourceInfo, isStreamingSubresource } from './subresources.ts';
export type { SubresourceInfo } from './subresources.ts';

/** builtinKinds: every built-in served resource of every group-version, with the hooks of
 * `kindHooks` (keyed by gvkKey(group, kind), shared across versions) merged in. */
export const builtinKinds: readonly KindInfo[] = builtinKindFacts.map((k) => ({ ...k, ...kindHooks[gvkKey(k.group, k.kind)] }));

/** kindDescription returns the catalog's one-line description of a kind, if it has one. */
export function kindDescription(k: KindInfo): string | undefined {
  const d = (k as { description?: unknown }).description;
  return typeof d === 'string' ? d : undefined;
}
