/**
 * @module apiserver/registry/patching — PATCH: picks the patch algorithm from the Content-Type
 * (JSON patch, merge patch, strategic merge patch for built-in kinds, server-side apply) and turns
 * it into a registry mutation; apply creates a missing object.
 */
import { parse as parseYaml } from 'yaml';
import {
  badRequest, invalid, StatusError, unsupportedMediaType, type JsonObject, type KindInfo,
} from '../../api/index.ts';
import type { ApiDeps } from '../deps.ts';
import type { Catalog } from './catalog.ts';
import { apiVersionOf, rfc3339 } from './prepare.ts';

/** PatchType is a supported PATCH Content-Type. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** patchTypeOf maps the Content-Type of a PATCH to its type, or throws 415. */
export function patchTypeOf(contentType: string | undefined, custom: boolean): PatchType {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  switch (t) {
    case 'application/json-patch+json': return 'json';
    case 'application/merge-patch+json': return 'merge';
    case 'application/strategic-merge-patch+json':
      if (custom) throw unsupportedMediaType(t);
      return 'strategic';
    case 'application/apply-patch+yaml': return 'apply';
    default: {
      const e = unsupportedMediaType(t || '(none)');
      e.status.message = `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${custom ? '' : ', application/strategic-merge-patch+json'}`;
      throw e;
    }
  }
}

/** parsePatchBody decodes the patch document for its type (apply accepts YAML). */
export function parsePatchBody(type: PatchType, body: Buffer): unknown {
  const text = body.toString('utf8');
  let v: unknown;
  try {
    v = type === 'apply' ? parseYaml(text, { version: '1.1' }) : JSON.parse(text);
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message.split('\n')[0]}`);
  }
  if (type === 'json') {
    if (!Array.isArray(v)) throw badRequest('json patch must be an array of operations');
  } else if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw badRequest('patch body must be a JSON object');
  }
  return v;
}

/** applyPatch applies a non-apply patch to `current` (a private copy) and returns the result.
 * A patch that does not apply (a failed JSON-patch test, a missing path, a malformed strategic
 * directive) is 422 Invalid, as upstream answers. */
export function applyPatch(type: Exclude<PatchType, 'apply'>, current: JsonObject, patch: unknown, structName: string, deps: ApiDeps, catalog: Catalog): JsonObject {
  let out: JsonObject;
  try {
    if (type === 'json') out = deps.applyJsonPatch(current, patch);
    else if (type === 'merge') out = deps.applyMergePatch(current, patch);
    else out = deps.applyStrategicMergePatch(current, patch as JsonObject, structName, catalog.schemas);
  } catch (e) {
    const message = e instanceof StatusError ? e.status.message ?? 'the patch could not be applied' : (e as Error).message;
    const kind = String(current.kind ?? '');
    const group = String(current.apiVersion ?? '').includes('/') ? String(current.apiVersion).split('/')[0] : '';
    const err = invalid(kind, group, String(current.metadata?.name ?? ''), [{ type: 'FieldValueInvalid', field: 'patch', detail: message }]);
    err.status.message = message;
    throw err;
  }
  if (out === null || typeof out !== 'object' || Array.isArray(out)) throw badRequest('the patch produced a value that is not an object');
  return out;
}

/** applyApply runs server-side apply; conflicts become 409 with FieldManagerConflict causes. */
export function applyApply(kind: KindInfo, live: JsonObject | undefined, applied: JsonObject, manager: string, force: boolean, now: number, deps: ApiDeps, catalog: Catalog, subresource?: string): JsonObject {
  if (!manager) throw badRequest('PATCH, application/apply-patch+yaml requests require fieldManager to be specified');
  let r;
  try {
    r = deps.applyServerSideApply(live, applied, { manager, force, structName: kind.schema, registry: catalog.schemas, now: rfc3339(now), apiVersion: apiVersionOf(kind), subresource });
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw badRequest(`failed to apply: ${(e as Error).message}`);
  }
  if (r.ok) return r.object;
  const n = r.conflicts.length;
  const causes = r.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field }));
  const message = n === 1
    ? `Apply failed with 1 conflict: conflict with ${JSON.stringify(r.conflicts[0].manager)}: ${r.conflicts[0].field}`
    : `Apply failed with ${n} conflicts: ${r.conflicts.map((c) => `conflict with ${JSON.stringify(c.manager)}: ${c.field}`).join('\n')}`;
  throw new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 409, reason: 'Conflict',
    message,
    details: { causes },
  });
}
