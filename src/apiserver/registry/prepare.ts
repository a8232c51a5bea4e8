/**
 * @module apiserver/registry/prepare — the strategy steps every write runs on an object before it
 * is stored: type-meta checks, unknown-field handling per `fieldValidation`, server-set metadata,
 * generation, status ownership, defaulting and validation.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { badRequest, fieldErrorMessage, invalid, rfc3339, type FieldError, type JsonObject, type KindInfo } from '../../api/index.ts';
import type { ApiDeps } from '../deps.ts';
import type { Catalog } from './catalog.ts';

/** FieldValidation is the `fieldValidation` query parameter. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** GENERATE_ALPHABET is upstream's generateName alphabet (no vowels, no look-alikes). */
export const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName returns prefix (truncated to 58) plus 5 random characters. */
export function generateName(prefix: string, rand: (n: number) => number = randomInt): string {
  let s = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
  for (let i = 0; i < 5; i++) s += GENERATE_ALPHABET[rand(GENERATE_ALPHABET.length)];
  return s;
}

/** rfc3339 is api's (metav1.Time, seconds precision). */
export { rfc3339 };

/** apiVersionOf renders "v1" or "apps/v1". */
export function apiVersionOf(kind: KindInfo): string {
  return kind.group ? `${kind.group}/${kind.version}` : kind.version;
}

/** checkTypeMeta fills apiVersion/kind and rejects a body of another kind. */
export function checkTypeMeta(obj: JsonObject, kind: KindInfo): void {
  const av = apiVersionOf(kind);
  if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== kind.kind) {
    throw badRequest(`the kind in the body (${String(obj.kind)}) does not match the expected kind (${kind.kind})`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== av) {
    const [g] = String(obj.apiVersion).split('/');
    if (!String(obj.apiVersion).includes('/') ? kind.group !== '' : g !== kind.group) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${av})`);
    }
  }
  obj.apiVersion = av;
  obj.kind = kind.kind;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw badRequest('metadata must be an object');
}

/** isTypeMetaField tells whether a field path is the object's apiVersion, kind or metadata. */
function isTypeMetaField(field: string): boolean {
  return field === 'apiVersion' || field === 'kind' || field === 'metadata' || field.startsWith('metadata.') || field.startsWith('metadata[');
}

/** handleUnknownFields applies `fieldValidation`: Strict rejects, Warn reports, Ignore drops;
 * unknown fields are always pruned from what is stored. Returns the (possibly pruned) object.
 * `current` (an update's stored object): what `obj` shares with it by reference is not checked
 * again for a built-in kind (a custom resource's schema may have changed since it was stored).
 * A custom resource with a schema is decoded as upstream does: its type errors outside
 * apiVersion/kind/metadata are left to the CRD schema validation (422 on the field), and the
 * schema's defaults are applied right after pruning. */
export function handleUnknownFields(obj: JsonObject, kind: KindInfo, mode: FieldValidation, deps: ApiDeps, catalog: Catalog, warnings: string[], patch = false, current?: JsonObject): JsonObject {
  const schemas = catalog.schemas;
  if (!schemas.struct(kind.schema)) return obj;
  const res = deps.checkStructure(obj, kind.schema, schemas, current && !catalog.isCustom(kind) ? current : undefined);
  const custom = kind.validate !== undefined && catalog.isCustom(kind);
  const errors = custom ? res.errors.filter((e) => isTypeMetaField(e.field)) : res.errors;
  const decoded = (o: JsonObject): JsonObject => {
    if (custom) kind.defaults?.(o);
    return o;
  };
  if (errors.length > 0 && patch) {
    // Upstream decodes the patched object and reports a decode failure as Invalid on "patch".
    const detail = errors.map(fieldErrorMessage).join(', ');
    throw invalid(kind.kind, kind.group, String(obj.metadata?.name ?? ''), [{ type: 'FieldValueInvalid', field: 'patch', detail }]);
  }
  if (errors.length > 0) {
    throw badRequest(errors.map(fieldErrorMessage).join(', '), errors.map((e) => ({ reason: e.type, message: fieldErrorMessage(e), field: e.field })));
  }
  if (res.unknown.length === 0) return decoded(obj);
  if (mode === 'Strict') {
    const list = res.unknown.map((f) => `unknown field "${f}"`);
    throw badRequest(`strict decoding error: ${list.join(', ')}`);
  }
  if (mode === 'Warn') for (const f of res.unknown) warnings.push(`unknown field "${f}"`);
  return decoded(deps.pruneUnknown(obj, kind.schema, schemas));
}

/** prepareCreateMeta sets the server-owned metadata of a new object. */
export function prepareCreateMeta(obj: JsonObject, kind: KindInfo, namespace: string, now: number): void {
  const m = obj.metadata as JsonObject;
  if (kind.namespaced) {
    if (m.namespace && m.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    m.namespace = namespace;
  } else delete m.namespace;
  if (!m.name && typeof m.generateName === 'string' && m.generateName) m.name = generateName(m.generateName);
  m.uid = randomUUID();
  m.creationTimestamp = rfc3339(now);
  m.generation = 1;
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  if (kind.hasStatus) resetStatusOnCreate(obj, kind);
  if (kind.group === 'batch' && kind.resource === 'jobs') generateJobSelector(obj);
  if (kind.group === '' && kind.resource === 'namespaces') {
    const fin: string[] = Array.isArray(obj.spec?.finalizers) ? obj.spec.finalizers : [];
    obj.spec = { ...(obj.spec ?? {}), finalizers: fin.includes('kubernetes') ? fin : [...fin, 'kubernetes'] };
    obj.status = { phase: 'Active' };
  }
}

/** generateJobSelector gives a Job without `spec.manualSelector: true` upstream's generated selector
 * (`batch.kubernetes.io/controller-uid: <uid>`) and the matching template labels, new and legacy. */
export function generateJobSelector(job: JsonObject): void {
  const spec = job.spec as JsonObject | undefined;
  if (!spec || spec.manualSelector === true) return;
  const uid = String(job.metadata?.uid);
  const name = String(job.metadata?.name ?? '');
  const template = (spec.template ?? {}) as JsonObject;
  const meta = (template.metadata ?? {}) as JsonObject;
  meta.labels = {
    ...(meta.labels ?? {}),
    'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name,
  };
  template.metadata = meta;
  spec.template = template;
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

function resetStatusOnCreate(obj: JsonObject, kind: KindInfo): void {
  if (kind.group === '' && kind.resource === 'nodes') return;
  if (kind.group === '' && kind.resource === 'pods') {
    obj.status = { phase: 'Pending', ...(obj.status?.qosClass ? { qosClass: obj.status.qosClass } : {}) };
    return;
  }
  delete obj.status;
}

const IMMUTABLE_META = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const;

/** carryOverMeta copies server-owned metadata from the stored object onto an update. */
export function carryOverMeta(obj: JsonObject, old: JsonObject): void {
  const m = obj.metadata as JsonObject;
  const om = old.metadata as JsonObject;
  for (const f of IMMUTABLE_META) {
    if (om[f] === undefined) delete m[f];
    else m[f] = om[f];
  }
  m.name = om.name;
  if (om.namespace !== undefined) m.namespace = om.namespace;
  else delete m.namespace;
  delete m.selfLink;
  if (m.managedFields === undefined && om.managedFields !== undefined) m.managedFields = om.managedFields;
}

/** specChanged tells whether anything outside metadata (and status for kinds with a status
 * subresource) differs, which is what bumps metadata.generation. */
export function specChanged(obj: JsonObject, old: JsonObject, kind: KindInfo): boolean {
  const keys = new Set([...Object.keys(obj), ...Object.keys(old)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'apiVersion' || k === 'kind') continue;
    if (k === 'status' && kind.hasStatus) continue;
    if (!deepEqual(obj[k], old[k])) return true;
  }
  return false;
}

/** deepEqual compares JSON values structurally. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  for (const k of ak) if (!(k in bo) || !deepEqual(ao[k], bo[k])) return false;
  return true;
}

/** genericMetaErrors is the ObjectMeta validation of kinds without their own (custom resources):
 * the generic ObjectMeta rules, and on update no new finalizers once deletion has started. */
export function genericMetaErrors(obj: JsonObject, namespaced: boolean, deps: ApiDeps, old?: JsonObject): FieldError[] {
  const m = obj.metadata as JsonObject;
  const errs = [...deps.validateObjectMeta(m, namespaced)];
  if (old?.metadata?.deletionTimestamp) {
    const oldFin = new Set<string>((old.metadata?.finalizers as string[] | undefined) ?? []);
    for (const f of (m.finalizers as string[] | undefined) ?? []) {
      if (!oldFin.has(f)) errs.push({ type: 'FieldValueForbidden', field: 'metadata.finalizers', detail: `no new finalizers can be added if the object is being deleted, found new finalizers []string{"${f}"}` });
    }
  }
  return errs;
}

/** defaultAndValidate runs the kind's defaulting, then metadata and kind validation (422). */
export function defaultAndValidate(obj: JsonObject, kind: KindInfo, deps: ApiDeps, old?: JsonObject): void {
  kind.defaults?.(obj);
  const errs: FieldError[] = [];
  const m = obj.metadata as JsonObject;
  // kind.validate covers ObjectMeta itself (api/validation hooks; custom resources with a schema
  // call genericMetaErrors from their hook, see crd.ts); kinds without hooks get the generic check.
  if (kind.validate) errs.push(...kind.validate(obj, old));
  else errs.push(...genericMetaErrors(obj, kind.namespaced, deps, old));
  if (!m.name && !m.generateName && !errs.some((e) => e.field === 'metadata.name')) {
    errs.push({ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' });
  }
  if (errs.length > 0) throw invalid(kind.kind, kind.group, String(m.name ?? m.generateName ?? ''), errs);
}
