/**
 * @module apiserver/patch/managed-fields — server-side apply and field ownership:
 * `metadata.managedFields` entries, the apply operation (merge, prune, conflicts, force) and the
 * ownership bookkeeping of ordinary writes (create/update/patch by kubectl-client-side-apply,
 * kubectl-edit, controllers…), with upstream's conflict wording.
 */
import type { SchemaRegistry } from '../../api/schema/model.ts';
import type { JsonObject } from '../../api/kinds/types.ts';
import { StatusError, type StatusCause } from '../../api/errors.ts';
import { clone, deepEqual, isObject } from './json-util.ts';
import {
  difference, emptySet, fieldPE, insert, intersection, intersects, isSubset, isEmpty, members, parseFieldsV1, pathString,
  recursiveDifference, toFieldsV1, union, type FieldSet,
} from './fieldset.ts';
import { compare, fieldSetOf } from './field-walk.ts';
import { pruneDropped, ssaMerge } from './ssa-merge.ts';
import { rootShape } from './shape.ts';

/** Conflict is one field another manager owns with a different value. */
export interface Conflict {
  readonly manager: string;
  /** field: the path as upstream prints it, `.spec.replicas`, `.spec.template.spec.containers[name="nginx"].image`. */
  readonly field: string;
  readonly operation?: string;
  readonly apiVersion?: string;
  readonly subresource?: string;
}

/** ApplyOptions are the inputs of one server-side apply. `ignoredFields` are dot paths whose
 * ownership is not tracked (the fields the write resets, e.g. `status` for the main resource). */
export interface ApplyOptions {
  readonly live: JsonObject | undefined;
  readonly applied: JsonObject;
  readonly manager: string;
  readonly force: boolean;
  readonly structName: string;
  readonly registry: SchemaRegistry;
  readonly apiVersion: string;
  /** now: RFC 3339 time (seconds) recorded in the manager's entry. */
  readonly now: string;
  readonly subresource?: string;
  readonly ignoredFields?: readonly string[];
}

/** ApplyResult is the object to persist (with managedFields) or the conflicts that stopped it. */
export type ApplyResult = { ok: true; object: JsonObject } | { ok: false; conflicts: Conflict[] };

/** UpdateOptions are the inputs of the ownership bookkeeping of a non-apply write. */
export interface UpdateOptions {
  readonly old: JsonObject | undefined;
  readonly updated: JsonObject;
  readonly manager: string;
  readonly operation?: 'Update';
  readonly structName: string;
  readonly registry: SchemaRegistry;
  readonly apiVersion: string;
  readonly now: string;
  readonly subresource?: string;
  readonly ignoredFields?: readonly string[];
}

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
  /** encoded: `set` as stored (canonical FieldsV1), kept only while `set` is unchanged, so that
   * untouched entries are not encoded again on every write. */
  encoded?: JsonObject;
}

const STRIP_RECURSIVE = ((): FieldSet => {
  const s = emptySet();
  for (const f of ['apiVersion', 'kind']) insert(s, [fieldPE(f)]);
  for (const f of ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']) {
    insert(s, [fieldPE('metadata'), fieldPE(f)]);
  }
  return s;
})();
const METADATA_NODE = ((): FieldSet => { const s = emptySet(); insert(s, [fieldPE('metadata')]); return s; })();

function ignoredSet(paths: readonly string[] | undefined): FieldSet {
  const s = emptySet();
  for (const p of paths ?? []) insert(s, p.split('.').filter(Boolean).map(fieldPE));
  return s;
}

/** tracked drops the paths whose ownership is never recorded (identity, metadata bookkeeping, ignored). */
function tracked(s: FieldSet, ignored: FieldSet): FieldSet {
  return recursiveDifference(difference(recursiveDifference(s, STRIP_RECURSIVE), METADATA_NODE), ignored);
}

/** parseEntries reads managedFields; `canonical` (entries we stored ourselves) keeps each fieldsV1 for reuse. */
function parseEntries(v: unknown, canonical = false): Entry[] {
  if (!Array.isArray(v)) return [];
  const out: Entry[] = [];
  for (const e of v) {
    if (!isObject(e) || typeof e.manager !== 'string') continue;
    out.push({
      manager: e.manager,
      operation: typeof e.operation === 'string' ? e.operation : 'Update',
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      time: typeof e.time === 'string' ? e.time : undefined,
      subresource: typeof e.subresource === 'string' && e.subresource ? e.subresource : undefined,
      set: parseFieldsV1(e.fieldsV1),
      ...(canonical && isObject(e.fieldsV1) ? { encoded: e.fieldsV1 } : {}),
    });
  }
  return out;
}

function seconds(t: string | undefined): number {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** encodeEntries renders entries as `metadata.managedFields`, sorted as upstream sorts them. */
function encodeEntries(entries: Entry[]): JsonObject[] {
  const kept = entries.filter((e) => !isEmpty(e.set));
  kept.sort((p, q) => cmpStr(p.operation, q.operation) || seconds(p.time) - seconds(q.time) ||
    cmpStr(p.manager, q.manager) || cmpStr(p.apiVersion, q.apiVersion) || cmpStr(p.subresource ?? '', q.subresource ?? ''));
  return kept.map((e) => {
    const o: JsonObject = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) o.time = e.time;
    o.fieldsType = 'FieldsV1';
    o.fieldsV1 = e.encoded ?? toFieldsV1(e.set);
    if (e.subresource) o.subresource = e.subresource;
    return o;
  });
}

function withoutManagedFields(obj: JsonObject | undefined): JsonObject | undefined {
  if (!obj) return undefined;
  const out = clone(obj);
  if (isObject(out.metadata)) delete out.metadata.managedFields;
  return out;
}

/** shallowWithoutManagedFields is `obj` without metadata.managedFields, copying only the top level and
 * metadata: nested values are shared with `obj`, so the result may only be read or have top-level and
 * metadata keys replaced (all updateOne does; a deep copy cost a third of an update's time). */
function shallowWithoutManagedFields(obj: JsonObject | undefined): JsonObject | undefined {
  if (!obj) return undefined;
  const out: JsonObject = { ...obj };
  if (isObject(obj.metadata)) {
    const { managedFields: _mf, ...meta } = obj.metadata;
    out.metadata = meta;
  }
  return out;
}

function setManagedFields(obj: JsonObject, entries: Entry[]): JsonObject {
  const encoded = encodeEntries(entries);
  if (!isObject(obj.metadata)) obj.metadata = {};
  if (encoded.length) obj.metadata.managedFields = encoded;
  else delete obj.metadata.managedFields;
  return obj;
}

const sameSub = (a: string | undefined, b: string | undefined): boolean => (a ?? '') === (b ?? '');

/** PositionalApplyOptions is the third argument of the positional call form
 * `applyServerSideApply(live, applied, opts)`; apiVersion defaults to `applied.apiVersion`. */
export type PositionalApplyOptions = Omit<ApplyOptions, 'live' | 'applied' | 'apiVersion'> & { readonly apiVersion?: string };

/** applyServerSideApply merges `applied` into `live` as field manager `manager`: it owns exactly
 * the fields it applies, fields it applied before and dropped are removed unless someone else owns
 * them, and changing a field another manager owns is a conflict unless `force` takes it over. */
export function applyServerSideApply(opts: ApplyOptions): ApplyResult;
/** applyServerSideApply (positional form) is the same operation as `applyServerSideApply({ live, applied, ...opts })`. */
export function applyServerSideApply(live: JsonObject | undefined, applied: JsonObject, opts: PositionalApplyOptions): ApplyResult;
export function applyServerSideApply(first: ApplyOptions | JsonObject | undefined, applied?: JsonObject, rest?: PositionalApplyOptions): ApplyResult {
  if (applied !== undefined && rest !== undefined) {
    return applyOne({ ...rest, live: first, applied, apiVersion: rest.apiVersion ?? String(applied.apiVersion ?? '') });
  }
  return applyOne(first as ApplyOptions);
}

function applyOne(opts: ApplyOptions): ApplyResult {
  const { manager, registry, now, subresource } = opts;
  const shape = rootShape(opts.structName, registry);
  const ignored = ignoredSet(opts.ignoredFields);
  const live = withoutManagedFields(opts.live);
  const applied = withoutManagedFields(opts.applied) ?? {};
  const entries = opts.live ? parseEntries(opts.live.metadata?.managedFields) : [];
  if (live && entries.length === 0) {
    const before = tracked(fieldSetOf(live, shape, registry), ignored);
    entries.push({ manager: 'before-first-apply', operation: 'Update', apiVersion: opts.apiVersion, time: now, set: before });
  }
  const selfIndex = entries.findIndex((e) => e.manager === manager && e.operation === 'Apply' && sameSub(e.subresource, subresource));
  const previous = selfIndex >= 0 ? entries[selfIndex] : undefined;
  const others = entries.filter((_, i) => i !== selfIndex);
  const configSet = tracked(fieldSetOf(applied, shape, registry), ignored);

  let merged = ssaMerge(live ?? {}, applied, shape, registry) as JsonObject;
  if (previous) {
    const owned = others.reduce((acc, e) => union(acc, e.set), configSet);
    merged = pruneDropped(merged, shape, registry, previous.set, owned) as JsonObject;
  }

  const diff = compare(live ?? {}, merged, shape, registry);
  const changed = tracked(union(diff.modified, diff.added), ignored);
  const removed = tracked(diff.removed, ignored);
  const conflicts: Conflict[] = [];
  for (const e of others) {
    for (const p of members(intersection(e.set, changed))) {
      conflicts.push({ manager: e.manager, field: pathString(p), operation: e.operation, apiVersion: e.apiVersion, ...(e.subresource ? { subresource: e.subresource } : {}) });
    }
  }
  if (conflicts.length && !opts.force) {
    conflicts.sort((a, b) => cmpStr(a.manager, b.manager));
    return { ok: false, conflicts };
  }
  for (const e of others) e.set = difference(difference(e.set, changed), removed);
  const unchanged = live !== undefined && deepEqual(live, merged);
  const self: Entry = {
    manager, operation: 'Apply', apiVersion: opts.apiVersion,
    time: unchanged && previous ? previous.time : now, subresource, set: configSet,
  };
  return { ok: true, object: setManagedFields(merged, [...others, self]) };
}

function isResetMarker(v: unknown): boolean {
  return Array.isArray(v) && v.length === 1 && isObject(v[0]) && Object.keys(v[0]).length === 0;
}

/** PositionalUpdateOptions is the third argument of `updateManagedFields(old, updated, opts)`;
 * apiVersion defaults to `updated.apiVersion`. */
export type PositionalUpdateOptions = Omit<UpdateOptions, 'old' | 'updated' | 'apiVersion'> & { readonly apiVersion?: string };

/** updateManagedFields records a non-apply write (`Update`) of `manager`: it comes to own every
 * field the write added or changed (taking it from other managers), and fields the write removed
 * leave every manager's set. Returns a copy of `updated` with the new `metadata.managedFields` (a
 * shallow one: top level and metadata are copied, nested values are shared with `updated`). */
export function updateManagedFields(opts: UpdateOptions): JsonObject;
/** updateManagedFields (positional form) sets the new `metadata.managedFields` on `updated` in
 * place and returns it. */
export function updateManagedFields(old: JsonObject | undefined, updated: JsonObject, opts: PositionalUpdateOptions): JsonObject;
export function updateManagedFields(first: UpdateOptions | JsonObject | undefined, updated?: JsonObject, rest?: PositionalUpdateOptions): JsonObject {
  if (updated === undefined || rest === undefined) return updateOne(first as UpdateOptions);
  const out = updateOne({ ...rest, old: first, updated, apiVersion: rest.apiVersion ?? String(updated.apiVersion ?? '') });
  if (!isObject(updated.metadata)) updated.metadata = {};
  if (out.metadata.managedFields) updated.metadata.managedFields = out.metadata.managedFields;
  else delete updated.metadata.managedFields;
  return updated;
}

function updateOne(opts: UpdateOptions): JsonObject {
  const { manager, registry, now, subresource } = opts;
  const shape = rootShape(opts.structName, registry);
  const ignored = ignoredSet(opts.ignoredFields);
  const sent: unknown = opts.updated.metadata?.managedFields;
  let entries: Entry[];
  if (isResetMarker(sent)) entries = [];
  else {
    const fromRequest = subresource ? [] : parseEntries(sent);
    entries = fromRequest.length ? fromRequest : parseEntries(opts.old?.metadata?.managedFields, true);
  }
  const before = shallowWithoutManagedFields(opts.old) ?? {};
  const after = shallowWithoutManagedFields(opts.updated)!;
  const diff = compare(before, after, shape, registry);
  const changed = tracked(union(diff.modified, diff.added), ignored);
  const removed = tracked(diff.removed, ignored);
  for (const e of entries) {
    if (!intersects(e.set, removed) && !intersects(e.set, changed)) continue;
    e.set = difference(difference(e.set, removed), changed);
    e.encoded = undefined;
  }
  if (!isEmpty(changed)) {
    const self = entries.find((e) => e.manager === manager && e.operation === 'Update' && e.apiVersion === opts.apiVersion && sameSub(e.subresource, subresource));
    if (self) {
      // A manager writing the same fields again (a node's status) keeps its set and its encoding.
      if (!isSubset(changed, self.set)) { self.set = union(self.set, changed); self.encoded = undefined; }
      self.time = now;
    }
    else entries.push({ manager, operation: 'Update', apiVersion: opts.apiVersion, time: now, subresource, set: changed });
  }
  return setManagedFields(after, entries);
}

function who(c: Conflict): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === 'Apply' || !c.apiVersion) return s;
  return `${s} using ${c.apiVersion}`;
}

/** conflictMessage renders conflicts as upstream does:
 * `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas`. */
export function conflictMessage(conflicts: readonly Conflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${who(conflicts[0])}: ${conflicts[0].field}`;
  const byWho = new Map<string, string[]>();
  for (const c of conflicts) {
    const k = who(c);
    if (!byWho.has(k)) byWho.set(k, []);
    byWho.get(k)!.push(c.field);
  }
  const lines: string[] = [];
  for (const k of [...byWho.keys()].sort()) {
    lines.push(`conflicts with ${k}:`);
    for (const f of byWho.get(k)!) lines.push(`- ${f}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** conflictCauses are the Status causes of an apply conflict (`FieldManagerConflict`, one per field). */
export function conflictCauses(conflicts: readonly Conflict[]): StatusCause[] {
  return conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${who(c)}`, field: c.field }));
}

/** applyConflictError is the 409 Conflict StatusError upstream returns for apply conflicts. */
export function applyConflictError(conflicts: readonly Conflict[]): StatusError {
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 409, reason: 'Conflict',
    message: conflictMessage(conflicts), details: { causes: conflictCauses(conflicts) },
  });
}
