/**
 * @module api/validation/pod — Pod, PodSpec and PodTemplateSpec validation in upstream's words:
 * containers (names, images, ports, resources, mounts), volumes, policies, tolerations, and the
 * update rule that only images, activeDeadlineSeconds, added tolerations (and a few more) may change.
 */
import type { FieldError } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortName, isValidPortNum, isValidLabelValue, inclusiveRangeError } from '../selectors/names.ts';
import {
  arr, child, deepEqual, duplicate, forbidden, index, invalid, isSet, key, notFoundField, notSupported, obj, required, text,
} from './field.ts';
import { validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { parseQuantity, quantityText } from './quantity.ts';

/** PROTOCOLS are the supported port protocols, sorted as upstream lists them. */
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const MAX_INT32 = 2147483647;
const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

/** enumField checks a required enum field (Required when empty, NotSupported when unknown). */
export function enumField(v: unknown, path: string, values: readonly string[], requiredIfEmpty = true): FieldError[] {
  if (v === undefined || v === null || v === '') return requiredIfEmpty ? [required(path)] : [];
  return values.includes(text(v)) ? [] : [notSupported(path, v, values)];
}

function validateResources(res: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const r = obj(res);
  const limits = obj(r.limits);
  const requests = obj(r.requests);
  for (const [which, m] of [['limits', limits], ['requests', requests]] as const) {
    for (const [name, q] of Object.entries(m)) {
      const n = parseQuantity(q);
      if (n !== undefined && n < 0) errs.push(invalid(key(child(path, which), name), quantityText(q), 'must be greater than or equal to 0'));
    }
  }
  for (const [name, q] of Object.entries(requests)) {
    if (!(name in limits)) continue;
    const rq = parseQuantity(q);
    const lq = parseQuantity(limits[name]);
    if (rq === undefined || lq === undefined) continue;
    const overcommit = name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith('requests.') || !name.includes('/');
    if (!overcommit && rq !== lq) {
      errs.push(invalid(child(path, 'requests'), quantityText(q), `must be equal to ${name} limit of ${quantityText(limits[name])}`));
    } else if (rq > lq) {
      errs.push(invalid(child(path, 'requests'), quantityText(q), `must be less than or equal to ${name} limit of ${quantityText(limits[name])}`));
    }
  }
  return errs;
}

function validatePorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(ports).forEach((p, i) => {
    const ip = index(path, i);
    if (p.name) {
      for (const m of isValidPortName(String(p.name))) errs.push(invalid(child(ip, 'name'), p.name, m));
      if (names.has(p.name)) errs.push(duplicate(child(ip, 'name'), p.name));
      names.add(p.name);
    }
    if (!p.containerPort) errs.push(required(child(ip, 'containerPort')));
    else for (const m of isValidPortNum(p.containerPort)) errs.push(invalid(child(ip, 'containerPort'), p.containerPort, m));
    if (p.hostPort) for (const m of isValidPortNum(p.hostPort)) errs.push(invalid(child(ip, 'hostPort'), p.hostPort, m));
    errs.push(...enumField(p.protocol, child(ip, 'protocol'), PROTOCOLS));
  });
  return errs;
}

function validateContainer(c: JsonObject, path: string, volumes: Set<string>, isPod: boolean, isInit: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(required(child(path, 'name')));
  else for (const m of isDNS1123Label(String(c.name))) errs.push(invalid(child(path, 'name'), c.name, m));
  if (!c.image) errs.push(required(child(path, 'image')));
  else if (isPod && String(c.image).trim() !== c.image) errs.push(invalid(child(path, 'image'), c.image, 'must not have leading or trailing whitespace'));
  errs.push(...enumField(c.imagePullPolicy, child(path, 'imagePullPolicy'), PULL_POLICIES));
  errs.push(...enumField(c.terminationMessagePolicy, child(path, 'terminationMessagePolicy'), TERMINATION_MESSAGE_POLICIES));
  errs.push(...validatePorts(c.ports, child(path, 'ports')));
  arr(c.env).forEach((e, i) => { if (!e.name) errs.push(required(child(index(child(path, 'env'), i), 'name'))); });
  errs.push(...validateResources(c.resources, child(path, 'resources')));
  const mountPaths = new Set<string>();
  arr(c.volumeMounts).forEach((m, i) => {
    const mp = index(child(path, 'volumeMounts'), i);
    if (!m.name) errs.push(required(child(mp, 'name')));
    else if (!volumes.has(m.name)) errs.push(notFoundField(child(mp, 'name'), m.name));
    if (!m.mountPath) errs.push(required(child(mp, 'mountPath')));
    else if (mountPaths.has(m.mountPath)) errs.push(invalid(child(mp, 'mountPath'), m.mountPath, 'must be unique'));
    else mountPaths.add(m.mountPath);
  });
  if (isSet(c.restartPolicy)) {
    if (!isInit) errs.push(forbidden(child(path, 'restartPolicy'), 'may not be set for non-init containers'));
    else if (c.restartPolicy !== 'Always') errs.push(notSupported(child(path, 'restartPolicy'), c.restartPolicy, ['Always']));
  }
  return errs;
}

function validateVolumes(volumes: unknown, path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(volumes).forEach((v, i) => {
    const vp = index(path, i);
    if (!v.name) errs.push(required(child(vp, 'name')));
    else {
      for (const m of isDNS1123Label(String(v.name))) errs.push(invalid(child(vp, 'name'), v.name, m));
      if (names.has(v.name)) errs.push(duplicate(child(vp, 'name'), v.name));
      names.add(v.name);
    }
    const sources = VOLUME_SOURCES.filter((s) => isSet(v[s]));
    if (sources.length === 0) errs.push(required(vp, 'must specify a volume type'));
    for (const s of sources.slice(1)) errs.push(forbidden(child(vp, s), 'may not specify more than 1 volume type'));
    if (isSet(v.persistentVolumeClaim) && !v.persistentVolumeClaim.claimName) errs.push(required(child(vp, 'persistentVolumeClaim', 'claimName')));
    if (isSet(v.configMap) && !v.configMap.name) errs.push(required(child(vp, 'configMap', 'name')));
    if (isSet(v.secret) && !v.secret.secretName) errs.push(required(child(vp, 'secret', 'secretName')));
    if (isSet(v.hostPath) && !v.hostPath.path) errs.push(required(child(vp, 'hostPath', 'path')));
  });
  return { errs, names };
}

function validateTolerations(tols: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(tols).forEach((t, i) => {
    const tp = index(path, i);
    if (t.key) for (const m of isQualifiedName(String(t.key))) errs.push(invalid(child(tp, 'key'), t.key, m));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(invalid(child(tp, 'operator'), t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (isSet(t.tolerationSeconds) && t.effect !== 'NoExecute') {
      errs.push(invalid(child(tp, 'effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator ?? 'Equal') {
      case '': case 'Equal':
        for (const m of isValidLabelValue(String(t.value ?? ''))) errs.push(invalid(child(tp, 'operator'), t.value, m));
        break;
      case 'Exists':
        if (t.value) errs.push(invalid(child(tp, 'operator'), t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(child(tp, 'operator'), t.operator, ['Equal', 'Exists']));
    }
    if (t.effect) errs.push(...enumField(t.effect, child(tp, 'effect'), TAINT_EFFECTS, false));
  });
  return errs;
}

/** PodSpecOptions: `isPod` adds the checks upstream runs only for pods (not templates). */
export interface PodSpecOptions { readonly isPod?: boolean }

/** validatePodSpec validates a PodSpec at `path` ("spec" or "spec.template.spec"). */
export function validatePodSpec(specIn: unknown, path: string, opts: PodSpecOptions = {}): FieldError[] {
  const spec = obj(specIn);
  const { errs, names: volumes } = validateVolumes(spec.volumes, child(path, 'volumes'));
  const containers = arr(spec.containers);
  const initContainers = arr(spec.initContainers);
  if (containers.length === 0) errs.push(required(child(path, 'containers')));
  const seen = new Set<string>();
  initContainers.forEach((c, i) => {
    const cp = index(child(path, 'initContainers'), i);
    errs.push(...validateContainer(c, cp, volumes, opts.isPod === true, true));
    if (c.name) { if (seen.has(c.name)) errs.push(duplicate(child(cp, 'name'), c.name)); seen.add(c.name); }
  });
  containers.forEach((c, i) => {
    const cp = index(child(path, 'containers'), i);
    errs.push(...validateContainer(c, cp, volumes, opts.isPod === true, false));
    if (c.name) { if (seen.has(c.name)) errs.push(duplicate(child(cp, 'name'), c.name)); seen.add(c.name); }
  });
  arr(spec.ephemeralContainers).forEach((c, i) => {
    const cp = index(child(path, 'ephemeralContainers'), i);
    errs.push(...validateContainer({ ...c, ports: undefined, livenessProbe: undefined, readinessProbe: undefined, startupProbe: undefined, lifecycle: undefined, resources: undefined }, cp, volumes, opts.isPod === true, false));
    // As upstream: a debugging container has no ports, probes, lifecycle hooks or resources.
    for (const f of ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resources'] as const) {
      if (c[f] !== undefined && c[f] !== null && !(f === 'resources' && Object.keys(obj(c[f])).length === 0)) errs.push(forbidden(child(cp, f), 'cannot be set for an Ephemeral Container'));
    }
    if (c.name) { if (seen.has(c.name)) errs.push(duplicate(child(cp, 'name'), c.name)); seen.add(c.name); }
  });
  errs.push(...enumField(spec.restartPolicy, child(path, 'restartPolicy'), RESTART_POLICIES));
  errs.push(...enumField(spec.dnsPolicy, child(path, 'dnsPolicy'), DNS_POLICIES));
  if (isSet(spec.activeDeadlineSeconds)) {
    const v = spec.activeDeadlineSeconds;
    if (typeof v === 'number' && (v < 1 || v > MAX_INT32)) errs.push(invalid(child(path, 'activeDeadlineSeconds'), v, inclusiveRangeError(1, MAX_INT32)));
  }
  if (spec.nodeName) for (const m of isDNS1123Subdomain(String(spec.nodeName))) errs.push(invalid(child(path, 'nodeName'), spec.nodeName, m));
  if (spec.serviceAccountName) for (const m of isDNS1123Subdomain(String(spec.serviceAccountName))) errs.push(invalid(child(path, 'serviceAccountName'), spec.serviceAccountName, m));
  if (spec.hostname) for (const m of isDNS1123Label(String(spec.hostname))) errs.push(invalid(child(path, 'hostname'), spec.hostname, m));
  if (spec.subdomain) for (const m of isDNS1123Label(String(spec.subdomain))) errs.push(invalid(child(path, 'subdomain'), spec.subdomain, m));
  errs.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  errs.push(...validateTolerations(spec.tolerations, child(path, 'tolerations')));
  if (spec.hostNetwork === true) errs.push(...hostNetworkPorts(containers, path, opts.isPod === true));
  return errs;
}

/** hostNetworkPorts: on the host's network a container port is the host port. In a Pod (where
 * defaulting filled it) hostPort must equal containerPort; in a template it may also be unset,
 * as upstream's validateHostNetwork. */
function hostNetworkPorts(containers: readonly JsonObject[], path: string, isPod: boolean): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, i) => {
    arr(c.ports).forEach((p, j) => {
      const hp = typeof p.hostPort === 'number' ? p.hostPort : 0;
      if ((isPod || hp !== 0) && hp !== p.containerPort) {
        errs.push(invalid(child(index(child(index(child(path, 'containers'), i), 'ports'), j), 'hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errs;
}

/** validatePodTemplateSpec validates a template's labels/annotations and spec at `path` ("spec.template"). */
export function validatePodTemplateSpec(tmpl: unknown, path: string): FieldError[] {
  const t = obj(tmpl);
  const m = obj(t.metadata);
  return [
    ...validateLabels(m.labels, child(path, 'metadata', 'labels')),
    ...validateAnnotations(m.annotations, child(path, 'metadata', 'annotations')),
    ...validatePodSpec(t.spec, child(path, 'spec')),
  ];
}

/** POD_UPDATE_MESSAGE is upstream's text for a forbidden pod spec change. */
export const POD_UPDATE_MESSAGE = 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** onlyBound tells whether `newSpec` is `oldSpec` with nodeName set where it was unset (a binding). */
function onlyBound(newSpec: JsonObject, oldSpec: JsonObject): boolean {
  if (oldSpec.nodeName || !newSpec.nodeName) return false;
  for (const k in newSpec) if (k !== 'nodeName' && !deepEqual(newSpec[k], oldSpec[k])) return false;
  for (const k in oldSpec) if (k !== 'nodeName' && !(k in newSpec)) return false;
  return true;
}

function validatePodSpecUpdate(newSpec: JsonObject, oldSpec: JsonObject): FieldError[] {
  if (deepEqual(newSpec, oldSpec)) return []; // most updates (status, metadata) leave the spec alone
  const errs: FieldError[] = [];
  const munged: JsonObject = structuredClone(newSpec);
  // Ephemeral containers (pods/ephemeralcontainers) may be added, never changed or removed.
  const newEph = arr(newSpec.ephemeralContainers);
  for (const old of arr(oldSpec.ephemeralContainers)) {
    const now = newEph.find((e) => e.name === old.name);
    if (!now) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers "${String(old.name)}" may not be removed`));
    else if (!deepEqual(now, old)) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers "${String(old.name)}" may not be changed`));
  }
  munged.ephemeralContainers = oldSpec.ephemeralContainers;
  if (munged.ephemeralContainers === undefined) delete munged.ephemeralContainers;
  for (const list of ['containers', 'initContainers'] as const) {
    const olds = arr(oldSpec[list]);
    arr(munged[list]).forEach((c, i) => { if (olds[i]) c.image = olds[i].image; });
  }
  const oldAds = oldSpec.activeDeadlineSeconds;
  const newAds = newSpec.activeDeadlineSeconds;
  if (isSet(oldAds)) {
    if (!isSet(newAds)) errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
    else if (newAds > oldAds) errs.push(invalid('spec.activeDeadlineSeconds', newAds, 'must be less than or equal to previous value'));
  }
  munged.activeDeadlineSeconds = oldAds;
  const oldTols = arr(oldSpec.tolerations);
  const newTols = arr(newSpec.tolerations);
  if (oldTols.every((t) => newTols.some((n) => deepEqual(n, t)))) munged.tolerations = oldSpec.tolerations;
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 && newSpec.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  // Deviation: windlass binds pods (pods/binding) through the generic update path, so nodeName may go from unset to set.
  if (!oldSpec.nodeName && newSpec.nodeName) munged.nodeName = oldSpec.nodeName;
  const oldGates = arr(oldSpec.schedulingGates);
  const newGates = arr(newSpec.schedulingGates);
  if (newGates.every((g) => oldGates.some((o) => deepEqual(o, g)))) munged.schedulingGates = oldSpec.schedulingGates;
  if (!deepEqual(munged, oldSpec)) {
    const keys = [...new Set([...Object.keys(munged), ...Object.keys(oldSpec)])].filter((k) => !deepEqual(munged[k], oldSpec[k])).sort();
    errs.push(forbidden('spec', `${POD_UPDATE_MESSAGE}\n  changed: ${keys.map((k) => `spec.${k}`).join(', ')}`));
  }
  return errs;
}

/** validatePod validates a Pod (and, with `old`, the update rules). */
export function validatePod(pod: JsonObject, old?: JsonObject): FieldError[] {
  const errs = validateObjectMeta(obj(pod.metadata), true);
  if (old) errs.push(...validateObjectMetaUpdate(obj(pod.metadata), obj(old.metadata)));
  // A status update carries the stored spec itself (the same object): it was validated when stored.
  if (old && pod.spec !== undefined && pod.spec === old.spec) return errs;
  // A binding sets nodeName and keeps the rest of the stored spec: only nodeName is new (upstream
  // validates no spec on a binding at all).
  if (old && pod.spec !== undefined && onlyBound(obj(pod.spec), obj(old.spec))) {
    for (const m of isDNS1123Subdomain(String(pod.spec.nodeName))) errs.push(invalid('spec.nodeName', pod.spec.nodeName, m));
    return errs;
  }
  errs.push(...validatePodSpec(pod.spec, 'spec', { isPod: true }));
  if (old) errs.push(...validatePodSpecUpdate(obj(pod.spec), obj(old.spec)));
  return errs;
}

/** validatePodTemplate validates a core/v1 PodTemplate object. */
export function validatePodTemplate(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = validateObjectMeta(obj(o.metadata), true);
  if (old) errs.push(...validateObjectMetaUpdate(obj(o.metadata), obj(old.metadata)));
  errs.push(...validatePodTemplateSpec(o.template, 'template'));
  return errs;
}
