/**
 * @module apiserver/patch — the four write bodies of the Kubernetes API: JSON patch (RFC 6902),
 * JSON merge patch (RFC 7396), strategic merge patch and server-side apply, plus the managed-fields
 * bookkeeping of every write. Pure functions over decoded JSON; the HTTP layer maps failures to
 * Status responses.
 */
export { applyMergePatch, mergePatchInto } from './merge-patch.ts';
export { applyJsonPatch, type JsonPatchResult } from './json-patch.ts';
export { applyStrategicMergePatch, type StrategicMergeResult } from './strategic-merge.ts';
export {
  applyServerSideApply, updateManagedFields, conflictMessage, conflictCauses, applyConflictError,
  type ApplyOptions, type ApplyResult, type UpdateOptions, type Conflict, type PositionalApplyOptions, type PositionalUpdateOptions,
} from './managed-fields.ts';
export { parseFieldsV1, toFieldsV1, pathString, type FieldSet } from './fieldset.ts';

/** PatchType names a PATCH body format. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const TYPES: Readonly<Record<string, PatchType>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** patchTypeOf maps a PATCH Content-Type (parameters such as `; charset=utf-8` ignored) to its
 * patch type, or undefined when it is not one of the four. */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  if (!contentType) return undefined;
  const media = contentType.split(';')[0].trim().toLowerCase();
  return Object.hasOwn(TYPES, media) ? TYPES[media] : undefined;
}
