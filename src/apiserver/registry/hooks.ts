/**
 * @module apiserver/registry/hooks — per-resource side effects the generic registry runs around a
 * write, as upstream's registry stores run BeginCreate/BeginUpdate/AfterDelete: a hook may adjust
 * the object before validation (`prepareUpdate`), reserve things after validation (returning a
 * pending write that is committed after the store write succeeded or aborted when it failed), and
 * release them when the object is gone.
 */
import type { JsonObject, KindInfo } from '../../api/index.ts';

/** PendingWrite is what a hook reserved for one write: `commit` after the write, `abort` instead. */
export interface PendingWrite {
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** ResourceHook is the side effects of one resource's writes. */
export interface ResourceHook {
  /** applies says whether the hook is about `kind`. */
  applies(kind: KindInfo): boolean;
  /** prepareUpdate runs on the new object of an update before defaulting and validation. */
  prepareUpdate?(obj: JsonObject, old: JsonObject): void;
  /** beforeCreate runs after validation; it may fill fields of `obj` and reserve resources. */
  beforeCreate?(obj: JsonObject, opts: { dryRun: boolean }): Promise<PendingWrite | undefined>;
  /** beforeUpdate runs after validation of an update (main resource only). */
  beforeUpdate?(obj: JsonObject, old: JsonObject, opts: { dryRun: boolean }): Promise<PendingWrite | undefined>;
  /** afterRemove runs after the object was removed from the store. */
  afterRemove?(old: JsonObject): Promise<void>;
}

/** hookFor returns the first hook that applies to `kind`. */
export function hookFor(hooks: readonly ResourceHook[] | undefined, kind: KindInfo): ResourceHook | undefined {
  return hooks?.find((h) => h.applies(kind));
}
