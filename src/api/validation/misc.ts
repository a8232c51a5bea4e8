/**
 * @module api/validation/misc — validation of the remaining kinds with rules worth enforcing:
 * HorizontalPodAutoscaler, CustomResourceDefinition, Lease, RBAC roles and bindings,
 * PriorityClass, CertificateSigningRequest, PodDisruptionBudget,
 * StorageClass, RuntimeClass and events.k8s.io Events.
 */
import type { FieldError } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPathSegmentName, isValidPercent } from '../selectors/names.ts';
import { arr, child, deepEqual, forbidden, index, invalid, invalidRaw, isSet, notSupported, obj, required, strs } from './field.ts';
import { nameIsPathSegment, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate, type NameValidator } from './meta.ts';

function meta(o: JsonObject, old: JsonObject | undefined, namespaced: boolean, nv?: NameValidator): FieldError[] {
  const errs = validateObjectMeta(obj(o.metadata), namespaced, nv);
  if (old) errs.push(...validateObjectMetaUpdate(obj(o.metadata), obj(old.metadata)));
  return errs;
}

/** validateHPA validates autoscaling v1 and v2 HorizontalPodAutoscalers. */
export function validateHPA(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, true, nameIsPathSegment);
  const spec = obj(o.spec);
  const ref = obj(spec.scaleTargetRef);
  if (!ref.kind) errs.push(required('spec.scaleTargetRef.kind'));
  else for (const m of isValidPathSegmentName(String(ref.kind))) errs.push(invalid('spec.scaleTargetRef.kind', ref.kind, m));
  if (!ref.name) errs.push(required('spec.scaleTargetRef.name'));
  else for (const m of isValidPathSegmentName(String(ref.name))) errs.push(invalid('spec.scaleTargetRef.name', ref.name, m));
  if (typeof spec.minReplicas === 'number' && spec.minReplicas < 1) errs.push(invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  if (typeof spec.maxReplicas !== 'number' || spec.maxReplicas < 1) errs.push(invalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than 0'));
  else if (typeof spec.minReplicas === 'number' && spec.maxReplicas < spec.minReplicas) errs.push(invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  if (typeof spec.targetCPUUtilizationPercentage === 'number' && spec.targetCPUUtilizationPercentage < 1) {
    errs.push(invalid('spec.targetCPUUtilizationPercentage', spec.targetCPUUtilizationPercentage, 'must be greater than or equal to 1'));
  }
  const types = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
  arr(spec.metrics).forEach((m, i) => {
    const mp = index('spec.metrics', i);
    if (!m.type) errs.push(required(child(mp, 'type'), 'must specify a metric source type'));
    else if (!types.includes(m.type)) errs.push(notSupported(child(mp, 'type'), m.type, types));
    if (m.type === 'Resource') {
      const t = obj(obj(m.resource).target);
      if (!obj(m.resource).name) errs.push(required(child(mp, 'resource', 'name'), 'must specify a resource name'));
      if (t.type === 'Utilization' && typeof t.averageUtilization === 'number' && t.averageUtilization < 1) {
        errs.push(invalid(child(mp, 'resource', 'target', 'averageUtilization'), t.averageUtilization, 'must be greater than 0'));
      }
    }
  });
  return errs;
}

function crdVersions(spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const versions = arr(spec.versions);
  if (versions.length === 0) return [required('spec.versions')];
  const seen = new Set<string>();
  let storage = 0;
  let unique = true;
  versions.forEach((v, i) => {
    const vp = index('spec.versions', i);
    if (v.storage === true) storage++;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    const ve = isDNS1035Label(String(v.name ?? ''));
    if (ve.length) errs.push(invalid(child(vp, 'name'), v.name ?? '', ve.join(',')));
    const schema = obj(obj(v.schema).openAPIV3Schema);
    if (!isSet(obj(v.schema).openAPIV3Schema)) errs.push(required(child(vp, 'schema', 'openAPIV3Schema'), 'schemas are required'));
    else errs.push(...structuralSchema(schema, child(vp, 'schema', 'openAPIV3Schema'), true));
  });
  if (!unique) errs.push(invalid('spec.versions', versions.map((v) => v.name), 'must contain unique version names'));
  if (storage !== 1) errs.push(invalid('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version'));
  if (!versions.some((v) => v.served === true)) errs.push(invalid('spec.versions', versions.map((v) => v.name), 'must have at least one version marked as served'));
  return errs;
}

/** structuralSchema checks the basics of a structural schema: every node with properties/items has a type; object at the root. */
export function structuralSchema(s: JsonObject, path: string, root = false): FieldError[] {
  const errs: FieldError[] = [];
  const anyType = s['x-kubernetes-int-or-string'] === true || s['x-kubernetes-preserve-unknown-fields'] === true;
  if (root) {
    if (!s.type) errs.push(required(child(path, 'type'), 'must not be empty at the root'));
    else if (s.type !== 'object') errs.push(invalid(child(path, 'type'), s.type, 'must be object at the root'));
  } else if (!s.type && !anyType && (isSet(s.properties) || isSet(s.items))) {
    errs.push(required(child(path, 'type'), 'must not be empty for specified object fields'));
  }
  for (const [k, v] of Object.entries(obj(s.properties))) errs.push(...structuralSchema(obj(v), `${child(path, 'properties')}[${k}]`));
  if (isSet(s.items)) {
    if (Array.isArray(s.items)) errs.push(forbidden(child(path, 'items'), 'items must be a schema object and not an array'));
    else errs.push(...structuralSchema(obj(s.items), child(path, 'items')));
  }
  if (isSet(s.additionalProperties) && typeof s.additionalProperties === 'object') {
    if (isSet(s.properties)) errs.push(forbidden(child(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    errs.push(...structuralSchema(obj(s.additionalProperties), child(path, 'additionalProperties')));
  }
  if (s.type === 'array' && !isSet(s.items)) errs.push(required(child(path, 'items'), 'must be specified'));
  return errs;
}

/** validateCRD validates an apiextensions.k8s.io/v1 CustomResourceDefinition. */
export function validateCRD(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, false);
  const spec = obj(o.spec);
  const names = obj(spec.names);
  const group = String(spec.group ?? '');
  const name = String(obj(o.metadata).name ?? '');
  if (name && name !== `${names.plural ?? ''}.${group}`) errs.push(invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (!group) errs.push(required('spec.group'));
  else {
    for (const m of isDNS1123Subdomain(group)) errs.push(invalid('spec.group', group, m));
    if (group.split('.').length < 2) errs.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  if (!spec.scope) errs.push(required('spec.scope'));
  else if (!['Cluster', 'Namespaced'].includes(spec.scope)) errs.push(notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  for (const f of ['plural', 'singular']) {
    const v = String(names[f] ?? '');
    if (!v && f === 'plural') errs.push(required(`spec.names.${f}`));
    else if (v) { const e = isDNS1035Label(v); if (e.length) errs.push(invalid(`spec.names.${f}`, v, e.join(','))); }
  }
  const kind = String(names.kind ?? '');
  if (!kind) errs.push(required('spec.names.kind'));
  else { const e = isDNS1035Label(kind.toLowerCase()); if (e.length) errs.push(invalid('spec.names.kind', kind, `may have mixed case, but should otherwise match: ${e.join(',')}`)); }
  const listKind = String(names.listKind ?? '');
  if (!listKind) errs.push(required('spec.names.listKind'));
  else {
    const e = isDNS1035Label(listKind.toLowerCase());
    if (e.length) errs.push(invalid('spec.names.listKind', listKind, `may have mixed case, but should otherwise match: ${e.join(',')}`));
    if (listKind === kind) errs.push(invalid('spec.names.listKind', listKind, 'kind and listKind may not be the same or empty'));
  }
  strs(names.shortNames).forEach((s, i) => { const e = isDNS1035Label(s); if (e.length) errs.push(invalid(index('spec.names.shortNames', i), s, e.join(','))); });
  errs.push(...crdVersions(spec));
  if (old) {
    const os = obj(old.spec);
    if (os.group !== spec.group) errs.push(invalid('spec.group', spec.group ?? '', 'field is immutable'));
    if (os.scope !== spec.scope) errs.push(invalid('spec.scope', spec.scope ?? '', 'field is immutable'));
  }
  return errs;
}

/** validateLease validates a coordination.k8s.io Lease. */
export function validateLease(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, true);
  const spec = obj(o.spec);
  if (isSet(spec.leaseDurationSeconds) && spec.leaseDurationSeconds <= 0) errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  if (isSet(spec.leaseTransitions) && spec.leaseTransitions < 0) errs.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  return errs;
}

function policyRules(rules: unknown, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  arr(rules).forEach((r, i) => {
    const rp = index('rules', i);
    if (arr(r.verbs).length === 0) errs.push(required(child(rp, 'verbs'), 'verbs must contain at least one value'));
    if (arr(r.nonResourceURLs).length) {
      if (namespaced) errs.push(invalid(child(rp, 'nonResourceURLs'), r.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
      if (arr(r.apiGroups).length || arr(r.resources).length || arr(r.resourceNames).length) {
        errs.push(invalid(child(rp, 'nonResourceURLs'), r.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (arr(r.apiGroups).length === 0) errs.push(required(child(rp, 'apiGroups'), 'resource rules must supply at least one api group'));
    if (arr(r.resources).length === 0) errs.push(required(child(rp, 'resources'), 'resource rules must supply at least one resource'));
  });
  return errs;
}

/** validateRole validates a Role (namespaced) or ClusterRole: every rule needs verbs. */
export function validateRole(namespaced: boolean): (o: JsonObject, old?: JsonObject) => FieldError[] {
  return (o, old) => [...meta(o, old, namespaced, nameIsPathSegment), ...policyRules(o.rules, namespaced)];
}

/** validateRoleBinding validates a RoleBinding or ClusterRoleBinding (roleRef kind and immutability, subjects). */
export function validateRoleBinding(namespaced: boolean): (o: JsonObject, old?: JsonObject) => FieldError[] {
  return (o, old) => {
    const errs = meta(o, old, namespaced, nameIsPathSegment);
    const ref = obj(o.roleRef);
    if (ref.apiGroup !== 'rbac.authorization.k8s.io') errs.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', ['rbac.authorization.k8s.io']));
    const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
    if (!kinds.includes(ref.kind)) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
    if (!ref.name) errs.push(required('roleRef.name'));
    else for (const m of isValidPathSegmentName(String(ref.name))) errs.push(invalid('roleRef.name', ref.name, m));
    arr(o.subjects).forEach((s, i) => {
      const sp = index('subjects', i);
      if (!s.name) errs.push(required(child(sp, 'name')));
      switch (s.kind) {
        case 'ServiceAccount':
          if (s.name) for (const m of isDNS1123Subdomain(String(s.name))) errs.push(invalid(child(sp, 'name'), s.name, m));
          if (s.apiGroup) errs.push(notSupported(child(sp, 'apiGroup'), s.apiGroup, ['']));
          if (!namespaced && !s.namespace) errs.push(required(child(sp, 'namespace')));
          break;
        case 'User': case 'Group':
          if (s.apiGroup !== 'rbac.authorization.k8s.io') errs.push(notSupported(child(sp, 'apiGroup'), s.apiGroup ?? '', ['rbac.authorization.k8s.io']));
          break;
        default:
          errs.push(notSupported(child(sp, 'kind'), s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
      }
    });
    if (old && !deepEqual(o.roleRef, old.roleRef)) {
      errs.push(invalidRaw('roleRef', `rbac.RoleRef{APIGroup:${JSON.stringify(String(ref.apiGroup ?? ''))}, Kind:${JSON.stringify(String(ref.kind ?? ''))}, Name:${JSON.stringify(String(ref.name ?? ''))}}`, 'cannot change roleRef'));
    }
    return errs;
  };
}

/** HIGHEST_USER_PRIORITY is the largest value a non-system PriorityClass may have. */
export const HIGHEST_USER_PRIORITY = 1_000_000_000;
const SYSTEM_CLASSES: Record<string, number> = { 'system-cluster-critical': 2_000_000_000, 'system-node-critical': 2_000_001_000 };

/** validatePriorityClass validates a scheduling.k8s.io PriorityClass (value range, reserved names, value immutable). */
export function validatePriorityClass(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, false);
  const name = String(obj(o.metadata).name ?? '');
  const value = typeof o.value === 'number' ? o.value : 0;
  if (name.startsWith('system-')) {
    if (!(name in SYSTEM_CLASSES)) {
      errs.push(forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${JSON.stringify(name)} is not a known system priority class`));
    } else if (SYSTEM_CLASSES[name] !== value) {
      errs.push(forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: value of ${name} PriorityClass must be ${SYSTEM_CLASSES[name]}`));
    }
  } else if (value > HIGHEST_USER_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
  }
  if (isSet(o.preemptionPolicy) && !['Never', 'PreemptLowerPriority'].includes(o.preemptionPolicy)) {
    errs.push(notSupported('preemptionPolicy', o.preemptionPolicy, ['Never', 'PreemptLowerPriority']));
  }
  if (old && old.value !== o.value) errs.push(forbidden('value', 'may not be changed in an update.'));
  return errs;
}

const KEY_USAGES = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment', 'cert sign', 'crl sign',
  'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection', 's/mime', 'ipsec end system',
  'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc',
];

/** validateCSR validates a certificates.k8s.io/v1 CertificateSigningRequest (PEM request, signerName, usages). */
export function validateCSR(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, false);
  const spec = obj(o.spec);
  const pem = typeof spec.request === 'string' ? Buffer.from(spec.request, 'base64').toString('utf8') : '';
  if (!/-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----/.test(pem)) {
    errs.push(invalidRaw('spec.request', '[]byte{...}', 'PEM block type must be CERTIFICATE REQUEST'));
  }
  const signer = String(spec.signerName ?? '');
  if (!signer) errs.push(required('spec.signerName'));
  else {
    const parts = signer.split('/');
    if (parts.length < 2 || !parts[0] || !parts.slice(1).join('/')) {
      errs.push(invalid('spec.signerName', signer, "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
    } else for (const m of isDNS1123Subdomain(parts[0])) errs.push(invalid('spec.signerName', signer, m));
  }
  const usages = strs(spec.usages);
  if (usages.length === 0) errs.push(required('spec.usages'));
  usages.forEach((u, i) => { if (!KEY_USAGES.includes(u)) errs.push(notSupported(index('spec.usages', i), u, KEY_USAGES)); });
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) {
    errs.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  if (old && !deepEqual(spec.request, obj(old.spec).request)) errs.push(invalid('spec.request', '[]byte{...}', 'field is immutable'));
  return errs;
}

/** validatePDB validates a policy/v1 PodDisruptionBudget (one of minAvailable/maxUnavailable, percent syntax). */
export function validatePDB(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, true);
  const spec = obj(o.spec);
  if (isSet(spec.minAvailable) && isSet(spec.maxUnavailable)) errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  for (const f of ['minAvailable', 'maxUnavailable']) {
    const v = spec[f];
    if (typeof v === 'string') for (const m of isValidPercent(v)) errs.push(invalid(`spec.${f}`, v, m));
    else if (typeof v === 'number' && v < 0) errs.push(invalid(`spec.${f}`, v, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  return errs;
}

/** validateStorageClass validates a storage.k8s.io StorageClass (provisioner; parameters and provisioner immutable). */
export function validateStorageClass(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, false);
  const prov = String(o.provisioner ?? '');
  if (!prov) errs.push(required('provisioner'));
  else for (const m of isQualifiedName(prov.toLowerCase())) errs.push(invalid('provisioner', prov, m));
  if (isSet(o.reclaimPolicy) && !['Delete', 'Retain'].includes(o.reclaimPolicy)) errs.push(notSupported('reclaimPolicy', o.reclaimPolicy, ['Delete', 'Retain']));
  if (isSet(o.volumeBindingMode) && !['Immediate', 'WaitForFirstConsumer'].includes(o.volumeBindingMode)) {
    errs.push(notSupported('volumeBindingMode', o.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']));
  }
  if (old) {
    if (!deepEqual(o.parameters, old.parameters)) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
    if (o.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  }
  return errs;
}

/** validateRuntimeClass validates a node.k8s.io RuntimeClass (handler is a DNS label, immutable). */
export function validateRuntimeClass(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, false);
  const h = String(o.handler ?? '');
  if (!h) errs.push(required('handler'));
  else for (const m of isDNS1123Label(h)) errs.push(invalid('handler', h, m));
  if (old && o.handler !== old.handler) errs.push(invalid('handler', h, 'field is immutable'));
  return errs;
}

/** validateEventsV1 validates an events.k8s.io/v1 Event (eventTime, reportingController/Instance, action, reason, type). */
export function validateEventsV1(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, true, () => []);
  if (!old) {
    if (!o.eventTime) errs.push(required('eventTime'));
    if (o.type !== 'Normal' && o.type !== 'Warning') errs.push(invalid('type', o.type ?? '', 'has invalid value: ' + String(o.type ?? '')));
    if (!o.reportingController) errs.push(required('reportingController'));
    else for (const m of isQualifiedName(String(o.reportingController))) errs.push(invalid('reportingController', o.reportingController, m));
    if (!o.reportingInstance) errs.push(required('reportingInstance'));
    if (!o.action) errs.push(required('action'));
    if (!o.reason) errs.push(required('reason'));
  }
  if (typeof o.note === 'string' && Buffer.byteLength(o.note) > 1024) errs.push(invalid('note', '', 'can have at most 1024 characters'));
  return errs;
}
