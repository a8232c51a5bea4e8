/**
 * @module api/validation/apps — Deployment, ReplicaSet, ReplicationController, StatefulSet,
 * DaemonSet and ControllerRevision validation: replicas, selectors that must match the template's
 * labels, selector immutability (apps/v1), strategies, and the pod template.
 */
import type { FieldError } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import { labelSelectorFromMeta, matchesLabels } from '../selectors/labels.ts';
import { isValidPercent } from '../selectors/names.ts';
import { child, deepEqual, forbidden, goLabelSelector, goStringMap, invalid, invalidRaw, isSet, nonNegative, notSupported, obj, required } from './field.ts';
import { validateLabelSelector, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { validatePodTemplateSpec } from './pod.ts';

/** SELECTOR_MISMATCH is upstream's detail for a selector that does not select its template. */
export const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

/** templateMatchesSelector checks a metav1.LabelSelector against `spec.template.metadata.labels`. */
export function templateMatchesSelector(selector: unknown, template: unknown, templatePath: string): FieldError[] {
  const r = labelSelectorFromMeta(obj(selector));
  if (!r.ok || r.selector.requirements.length === 0) return [];
  const labels = obj(obj(obj(template).metadata).labels) as Record<string, string>;
  if (matchesLabels(r.selector, labels)) return [];
  return [invalidRaw(child(templatePath, 'metadata', 'labels'), goStringMap(labels), SELECTOR_MISMATCH)];
}

/** validateMetaSelector checks a required, non-empty metav1.LabelSelector at `path` (workload wording). */
function validateMetaSelector(sel: unknown, path: string, what: string): FieldError[] {
  if (!isSet(sel)) return [required(path)];
  const errs = validateLabelSelector(sel, path);
  const s = obj(sel);
  if (Object.keys(obj(s.matchLabels)).length + (Array.isArray(s.matchExpressions) ? s.matchExpressions.length : 0) === 0) {
    errs.push(invalidRaw(path, goLabelSelector(s), `empty selector is invalid for ${what}`));
  }
  const conv = labelSelectorFromMeta(s);
  if (!conv.ok && errs.length === 0) errs.push(invalidRaw(path, goLabelSelector(s), 'invalid label selector'));
  return errs;
}

function replicaTemplateChecks(spec: JsonObject, path: string): FieldError[] {
  if (!isSet(spec.template)) return [required(child(path, 'template'))];
  const errs = validatePodTemplateSpec(spec.template, child(path, 'template'));
  const pod = obj(obj(spec.template).spec);
  if (pod.restartPolicy !== 'Always') errs.push(notSupported(child(path, 'template', 'spec', 'restartPolicy'), pod.restartPolicy ?? '', ['Always']));
  if (isSet(pod.activeDeadlineSeconds)) errs.push(forbidden(child(path, 'template', 'spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  return errs;
}

/** withClaimVolumes returns the StatefulSet spec with each volumeClaimTemplate as a template volume,
 * so that volumeMounts naming a claim template validate (the controller adds those volumes to pods). */
function withClaimVolumes(spec: JsonObject): JsonObject {
  const claims = Array.isArray(spec.volumeClaimTemplates) ? (spec.volumeClaimTemplates as JsonObject[]) : [];
  if (!claims.length || !isSet(spec.template)) return spec;
  const template: JsonObject = structuredClone(spec.template);
  const pod = obj(template.spec);
  const volumes = Array.isArray(pod.volumes) ? [...(pod.volumes as JsonObject[])] : [];
  for (const c of claims) {
    const name = obj(c.metadata).name;
    if (typeof name === 'string' && name && !volumes.some((v) => v.name === name)) volumes.push({ name, persistentVolumeClaim: { claimName: name } });
  }
  template.spec = { ...pod, volumes };
  return { ...spec, template };
}

function intOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalid(path, v, m));
  return nonNegative(v, path);
}

function percentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) return Number(v.slice(0, -1));
  return 0;
}

function rollingUpdateChecks(ru: JsonObject, path: string): FieldError[] {
  const errs = [...intOrPercent(ru.maxUnavailable, child(path, 'maxUnavailable')), ...intOrPercent(ru.maxSurge, child(path, 'maxSurge'))];
  if (percentValue(ru.maxUnavailable) === 0 && percentValue(ru.maxSurge) === 0) {
    errs.push(invalid(child(path, 'maxUnavailable'), ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  if (typeof ru.maxUnavailable === 'string' && percentValue(ru.maxUnavailable) > 100) {
    errs.push(invalid(child(path, 'maxUnavailable'), ru.maxUnavailable, 'must not be greater than 100%'));
  }
  return errs;
}

function selectorImmutable(o: JsonObject, old: JsonObject | undefined): FieldError[] {
  if (!old) return [];
  const a = obj(o.spec).selector;
  const b = obj(old.spec).selector;
  return deepEqual(a, b) ? [] : [invalidRaw('spec.selector', goLabelSelector(a), 'field is immutable')];
}

function meta(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = validateObjectMeta(obj(o.metadata), true);
  if (old) errs.push(...validateObjectMetaUpdate(obj(o.metadata), obj(old.metadata)));
  return errs;
}

/** validateDeployment validates an apps/v1 Deployment (selector immutable on update). */
export function validateDeployment(o: JsonObject, old?: JsonObject): FieldError[] {
  const spec = obj(o.spec);
  const errs = meta(o, old);
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...validateMetaSelector(spec.selector, 'spec.selector', 'deployment'));
  errs.push(...templateMatchesSelector(spec.selector, spec.template, 'spec.template'));
  errs.push(...replicaTemplateChecks(spec, 'spec'));
  const strategy = obj(spec.strategy);
  switch (strategy.type) {
    case 'Recreate':
      if (isSet(strategy.rollingUpdate)) errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
      break;
    case 'RollingUpdate':
      if (!isSet(strategy.rollingUpdate)) errs.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
      else errs.push(...rollingUpdateChecks(obj(strategy.rollingUpdate), 'spec.strategy.rollingUpdate'));
      break;
    default:
      errs.push(notSupported('spec.strategy.type', strategy.type ?? '', ['Recreate', 'RollingUpdate']));
  }
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (typeof spec.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= (typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0)) {
      errs.push(invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  errs.push(...selectorImmutable(o, old));
  return errs;
}

/** validateReplicaSet validates an apps/v1 ReplicaSet. */
export function validateReplicaSet(o: JsonObject, old?: JsonObject): FieldError[] {
  const spec = obj(o.spec);
  const errs = meta(o, old);
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateMetaSelector(spec.selector, 'spec.selector', 'deployment'));
  errs.push(...templateMatchesSelector(spec.selector, spec.template, 'spec.template'));
  errs.push(...replicaTemplateChecks(spec, 'spec'));
  errs.push(...selectorImmutable(o, old));
  return errs;
}

/** validateReplicationController validates a core/v1 ReplicationController (map selector). */
export function validateReplicationController(o: JsonObject, old?: JsonObject): FieldError[] {
  const spec = obj(o.spec);
  const errs = meta(o, old);
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const sel = obj(spec.selector) as Record<string, string>;
  if (Object.keys(sel).length === 0) errs.push(required('spec.selector'));
  else errs.push(...validateLabels(sel, 'spec.selector'));
  if (isSet(spec.template)) {
    const labels = obj(obj(obj(spec.template).metadata).labels) as Record<string, string>;
    if (Object.keys(sel).length && !Object.entries(sel).every(([k, v]) => labels[k] === v)) {
      errs.push(invalidRaw('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
    }
    errs.push(...replicaTemplateChecks(spec, 'spec'));
  }
  return errs;
}

/** validateStatefulSet validates an apps/v1 StatefulSet (only replicas, ordinals, template, updateStrategy, PVC retention and minReadySeconds may change). */
export function validateStatefulSet(o: JsonObject, old?: JsonObject): FieldError[] {
  const spec = obj(o.spec);
  const errs = meta(o, old);
  switch (spec.podManagementPolicy) {
    case undefined: case null: case '': errs.push(required('spec.podManagementPolicy')); break;
    case 'OrderedReady': case 'Parallel': break;
    default: errs.push(invalid('spec.podManagementPolicy', spec.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = obj(spec.updateStrategy);
  switch (us.type) {
    case undefined: case null: case '': errs.push(required('spec.updateStrategy')); break;
    case 'OnDelete':
      if (isSet(us.rollingUpdate)) errs.push(invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate': {
      const ru = obj(us.rollingUpdate);
      errs.push(...nonNegative(ru.partition, 'spec.updateStrategy.rollingUpdate.partition'));
      if (isSet(ru.maxUnavailable)) {
        errs.push(...intOrPercent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
        if (percentValue(ru.maxUnavailable) === 0) errs.push(invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must be greater than 0'));
      }
      break;
    }
    default: errs.push(invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  errs.push(...validateMetaSelector(spec.selector, 'spec.selector', 'statefulset'));
  errs.push(...templateMatchesSelector(spec.selector, spec.template, 'spec.template'));
  errs.push(...replicaTemplateChecks(withClaimVolumes(spec), 'spec'));
  const ret = obj(spec.persistentVolumeClaimRetentionPolicy);
  for (const f of ['whenDeleted', 'whenScaled']) {
    if (isSet(ret[f]) && ret[f] !== 'Retain' && ret[f] !== 'Delete') errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, ret[f], ['Retain', 'Delete']));
  }
  if (old) {
    const a: JsonObject = structuredClone(spec);
    const b = obj(old.spec);
    for (const f of ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy']) a[f] = b[f];
    if (!deepEqual(a, b)) {
      errs.push(forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
  }
  return errs;
}

/** validateDaemonSet validates an apps/v1 DaemonSet. */
export function validateDaemonSet(o: JsonObject, old?: JsonObject): FieldError[] {
  const spec = obj(o.spec);
  const errs = meta(o, old);
  errs.push(...validateMetaSelector(spec.selector, 'spec.selector', 'daemonset'));
  errs.push(...templateMatchesSelector(spec.selector, spec.template, 'spec.template'));
  errs.push(...replicaTemplateChecks(spec, 'spec'));
  const us = obj(spec.updateStrategy);
  switch (us.type) {
    case 'OnDelete': break;
    case 'RollingUpdate':
      if (!isSet(us.rollingUpdate)) errs.push(required('spec.updateStrategy.rollingUpdate'));
      else errs.push(...rollingUpdateChecks(obj(us.rollingUpdate), 'spec.updateStrategy.rollingUpdate'));
      break;
    default: errs.push(notSupported('spec.updateStrategy', us.type ?? '', ['OnDelete', 'RollingUpdate']));
  }
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  errs.push(...selectorImmutable(o, old));
  return errs;
}

/** validateControllerRevision validates an apps/v1 ControllerRevision (revision ≥ 0, data immutable). */
export function validateControllerRevision(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old);
  errs.push(...nonNegative(o.revision, 'revision'));
  if (old && !deepEqual(o.data, old.data)) errs.push(invalid('data', o.data ?? null, 'field is immutable'));
  return errs;
}
