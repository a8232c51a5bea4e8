/**
 * @module api/kinds/catalog — the static facts of every built-in resource windlass serves (names,
 * scope, short names, categories, verbs, subresources, schema), without semantic hooks.
 */
import type { KindFact } from './catalog-helpers.ts';
import { coreKinds } from './catalog-core.ts';
import { groupKinds } from './catalog-groups.ts';

/** builtinKindFacts: every built-in served resource of every group-version, core first; for a group
 * served in several versions the preferred version comes first (autoscaling v2 before v1). */
export const builtinKindFacts: readonly KindFact[] = [...coreKinds, ...groupKinds];
