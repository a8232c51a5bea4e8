/**
 * @module api/validation/meta — ObjectMeta validation as apimachinery's ValidateObjectMeta and
 * ValidateObjectMetaUpdate: name or generateName, namespace by scope, labels, annotations
 * (keys and the 256 KiB total), owner references, finalizers; plus metav1.LabelSelector checks
 * and the name validators kinds choose from.
 */
import type { FieldError } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPathSegmentName } from '../selectors/names.ts';
import { arr, child, deepEqual, forbidden, index, invalid, isSet, nonNegative, obj, required, tooLong } from './field.ts';

/** NameValidator returns the problems with a name (empty list: valid). */
export type NameValidator = (name: string) => string[];

/** nameIsDNSSubdomain is the default rule for object names. */
export const nameIsDNSSubdomain: NameValidator = isDNS1123Subdomain;
/** nameIsDNSLabel is the rule for namespaces and a few others. */
export const nameIsDNSLabel: NameValidator = isDNS1123Label;
/** nameIsDNS1035Label is the rule for Service names. */
export const nameIsDNS1035Label: NameValidator = isDNS1035Label;
/** nameIsPathSegment is the rule for RBAC objects and other names used only as a path segment. */
export const nameIsPathSegment: NameValidator = isValidPathSegmentName;

/** TOTAL_ANNOTATION_SIZE_LIMIT is 256 KiB, counted over keys and values. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** validateLabels checks label keys (qualified names) and values. */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(obj(labels))) {
    for (const m of isQualifiedName(k)) errs.push(invalid(path, k, m));
    for (const m of isValidLabelValue(String(v))) errs.push(invalid(path, v, m));
  }
  return errs;
}

/** validateAnnotations checks annotation keys (qualified names, case-insensitive) and the total size. */
export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(obj(annotations))) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, m));
    total += byteLength(k) + byteLength(String(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** validateFinalizers checks finalizer names (qualified names) and the orphan/foreground exclusion. */
export function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = Array.isArray(finalizers) ? finalizers.map(String) : [];
  for (const f of list) for (const m of isQualifiedName(f)) errs.push(invalid(path, f, m));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let controllers = 0;
  for (const r of arr(refs)) {
    const av = String(r.apiVersion ?? '');
    const version = av.includes('/') ? av.slice(av.indexOf('/') + 1) : av;
    if (!version) errs.push(invalid(child(path, 'apiVersion'), av, 'version must not be empty'));
    if (!r.kind) errs.push(invalid(child(path, 'kind'), r.kind ?? '', 'must not be empty'));
    if (!r.name) errs.push(invalid(child(path, 'name'), r.name ?? '', 'must not be empty'));
    if (!r.uid) errs.push(invalid(child(path, 'uid'), r.uid ?? '', 'must not be empty'));
    if (r.controller === true) controllers++;
  }
  if (controllers > 1) {
    errs.push(invalid(path, refs, 'Only one reference can have Controller set to true'));
  }
  return errs;
}

function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
}

/** validateObjectMeta validates `metadata` of a new object; paths start with `metadata.`. */
export function validateObjectMeta(meta: JsonObject, namespaced: boolean, nameValidator: NameValidator = nameIsDNSSubdomain): FieldError[] {
  const m = obj(meta);
  const p = 'metadata';
  const errs: FieldError[] = [];
  const generateName = typeof m.generateName === 'string' ? m.generateName : '';
  if (generateName) {
    for (const msg of nameValidator(maskTrailingDash(generateName))) errs.push(invalid(child(p, 'generateName'), generateName, msg));
  }
  const name = typeof m.name === 'string' ? m.name : '';
  if (!name) {
    if (!generateName) errs.push(required(child(p, 'name'), 'name or generateName is required'));
  } else {
    for (const msg of nameValidator(name)) errs.push(invalid(child(p, 'name'), name, msg));
  }
  const ns = typeof m.namespace === 'string' ? m.namespace : '';
  if (namespaced) {
    if (!ns) errs.push(required(child(p, 'namespace')));
    else for (const msg of isDNS1123Label(ns)) errs.push(invalid(child(p, 'namespace'), ns, msg));
  } else if (ns) {
    errs.push(forbidden(child(p, 'namespace'), 'not allowed on this type'));
  }
  errs.push(...nonNegative(m.generation, child(p, 'generation')));
  errs.push(...validateLabels(m.labels, child(p, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(p, 'annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, child(p, 'ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, child(p, 'finalizers')));
  return errs;
}

function immutable(newV: unknown, oldV: unknown, path: string): FieldError[] {
  return deepEqual(newV ?? undefined, oldV ?? undefined) ? [] : [invalid(path, newV ?? null, 'field is immutable')];
}

/** validateObjectMetaUpdate checks the metadata rules of an update (immutable identity, no new finalizers while deleting). */
export function validateObjectMetaUpdate(meta: JsonObject, old: JsonObject): FieldError[] {
  const m = obj(meta);
  const o = obj(old);
  const p = 'metadata';
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const before = new Set(Array.isArray(o.finalizers) ? o.finalizers : []);
    const extra = [...new Set((Array.isArray(m.finalizers) ? m.finalizers : []).filter((f: unknown) => !before.has(f)))].map(String).sort();
    if (extra.length) {
      errs.push(forbidden(child(p, 'finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((x) => JSON.stringify(x)).join(', ')}}`));
    }
  }
  if (typeof m.generation === 'number' && typeof o.generation === 'number' && m.generation < o.generation) {
    errs.push(invalid(child(p, 'generation'), m.generation, 'must not be decremented'));
  }
  errs.push(...immutable(m.name, o.name, child(p, 'name')));
  errs.push(...immutable(m.namespace, o.namespace, child(p, 'namespace')));
  if (isSet(m.uid)) errs.push(...immutable(m.uid, o.uid, child(p, 'uid')));
  if (isSet(m.creationTimestamp)) errs.push(...immutable(m.creationTimestamp, o.creationTimestamp, child(p, 'creationTimestamp')));
  return errs;
}

/** validateLabelSelector checks a metav1.LabelSelector (matchLabels, matchExpressions operators/values). */
export function validateLabelSelector(sel: unknown, path: string, allowInvalidValues = false): FieldError[] {
  if (!isSet(sel)) return [];
  const s = obj(sel);
  const errs = validateLabels(s.matchLabels, child(path, 'matchLabels'));
  arr(s.matchExpressions).forEach((e, i) => {
    const ep = index(child(path, 'matchExpressions'), i);
    const values: unknown[] = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case 'In': case 'NotIn':
        if (values.length === 0) errs.push(required(child(ep, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists': case 'DoesNotExist':
        if (values.length > 0) errs.push(forbidden(child(ep, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(child(ep, 'operator'), e.operator ?? '', 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(String(e.key ?? ''))) errs.push(invalid(child(ep, 'key'), e.key ?? '', msg));
    if (!allowInvalidValues) {
      values.forEach((v, j) => {
        for (const msg of isValidLabelValue(String(v))) errs.push(invalid(index(child(ep, 'values'), j), v, msg));
      });
    }
  });
  return errs;
}

/** withMeta runs metadata validation (and update rules when `old` is given) before a kind's own checks. */
export function withMeta(namespaced: boolean, nameValidator: NameValidator, own: (o: JsonObject, old?: JsonObject) => FieldError[]): (o: JsonObject, old?: JsonObject) => FieldError[] {
  return (o, old) => [
    ...validateObjectMeta(obj(o.metadata), namespaced, nameValidator),
    ...(old ? validateObjectMetaUpdate(obj(o.metadata), obj(old.metadata)) : []),
    ...own(o, old),
  ];
}
