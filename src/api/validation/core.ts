/**
 * @module api/validation/core — validation of the core kinds other than Pod: Service,
 * ConfigMap, Secret, Namespace, Node, PersistentVolume(Claim), Event, ServiceAccount, Endpoints.
 */
import type { FieldError } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidCIDR, isValidIP, isValidPortName, isValidPortNum } from '../selectors/names.ts';
import {
  arr, child, deepEqual, duplicate, forbidden, index, invalid, isSet, key, notSupported, obj, required, strs, tooLong,
} from './field.ts';
import { nameIsDNS1035Label, nameIsDNSLabel, validateLabels, validateObjectMeta, validateObjectMetaUpdate, type NameValidator } from './meta.ts';
import { PROTOCOLS, enumField } from './pod.ts';
import { parseQuantity } from './quantity.ts';

/** MAX_SECRET_SIZE is 1 MiB, the limit for ConfigMap and Secret data. */
export const MAX_SECRET_SIZE = 1024 * 1024;
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

function meta(o: JsonObject, old: JsonObject | undefined, namespaced: boolean, nv?: NameValidator): FieldError[] {
  const errs = validateObjectMeta(obj(o.metadata), namespaced, nv);
  if (old) errs.push(...validateObjectMetaUpdate(obj(o.metadata), obj(old.metadata)));
  return errs;
}

/** nodePortRangeError is the allocator's message for a nodePort outside 30000–32767. */
export function nodePortRangeError(path: string, port: number, lo = 30000, hi = 32767): FieldError {
  return invalid(path, port, `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`);
}

/** validateService validates a core/v1 Service (ports, type, clusterIP immutable, nodePort range). */
export function validateService(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, true, nameIsDNS1035Label);
  const spec = obj(o.spec);
  const type = spec.type ?? 'ClusterIP';
  const headless = spec.clusterIP === 'None';
  const ports = arr(spec.ports);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  if (!SERVICE_TYPES.includes(type)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
    else for (const m of isDNS1123Subdomain(String(spec.externalName).replace(/\.$/, ''))) errs.push(invalid('spec.externalName', spec.externalName, m));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = index('spec.ports', i);
    if (ports.length > 1 && !p.name) errs.push(required(child(pp, 'name')));
    else if (p.name) {
      for (const m of isDNS1123Label(String(p.name))) errs.push(invalid(child(pp, 'name'), p.name, m));
      if (names.has(p.name)) errs.push(duplicate(child(pp, 'name'), p.name));
      names.add(p.name);
    }
    for (const m of isValidPortNum(p.port)) errs.push(invalid(child(pp, 'port'), p.port ?? 0, m));
    errs.push(...enumField(p.protocol, child(pp, 'protocol'), PROTOCOLS));
    if (typeof p.targetPort === 'number') {
      if (p.targetPort !== 0) for (const m of isValidPortNum(p.targetPort)) errs.push(invalid(child(pp, 'targetPort'), p.targetPort, m));
    } else if (typeof p.targetPort === 'string' && p.targetPort !== '') {
      for (const m of isValidPortName(p.targetPort)) errs.push(invalid(child(pp, 'targetPort'), p.targetPort, m));
    }
    if (isSet(p.nodePort) && p.nodePort !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') errs.push(forbidden(child(pp, 'nodePort'), `may not be used when \`type\` is '${type}'`));
      // The range (--service-node-port-range) is the allocator's to check; here only a valid port.
      else if (typeof p.nodePort === 'number') for (const m of isValidPortNum(p.nodePort)) errs.push(invalid(child(pp, 'nodePort'), p.nodePort, m));
    }
  });
  if (spec.clusterIP && spec.clusterIP !== 'None' && !isValidIP(String(spec.clusterIP))) {
    errs.push(invalid('spec.clusterIPs[0]', spec.clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  }
  if (isSet(spec.sessionAffinity) && !['ClientIP', 'None'].includes(spec.sessionAffinity)) errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  if (old) {
    const oldSpec = obj(old.spec);
    const oldIP = oldSpec.clusterIP;
    if (oldIP && spec.clusterIP && type !== 'ExternalName' && (oldSpec.type ?? 'ClusterIP') !== 'ExternalName' && spec.clusterIP !== oldIP) {
      errs.push(invalid('spec.clusterIP', spec.clusterIP, 'field is immutable'));
    }
  }
  return errs;
}

function dataKeys(data: unknown, path: string, other: unknown, otherName: string): { errs: FieldError[]; size: number } {
  const errs: FieldError[] = [];
  let size = 0;
  const o = obj(other);
  for (const [k, v] of Object.entries(obj(data))) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key(path, k), k, m));
    if (k in o) errs.push(invalid(key(path, k), k, `duplicate of key present in ${otherName}`));
    size += typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0;
  }
  return { errs, size };
}

function base64Size(v: unknown): number {
  return typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
}

/** validateConfigMap validates a ConfigMap (keys, 1 MiB total, `immutable` freezing data). */
export function validateConfigMap(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, true);
  const d = dataKeys(o.data, 'data', o.binaryData, 'binaryData');
  const b = dataKeys(o.binaryData, 'binaryData', o.data, 'data');
  errs.push(...d.errs, ...b.errs);
  const size = d.size + Object.values(obj(o.binaryData)).reduce((n: number, v) => n + base64Size(v), 0);
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('', MAX_SECRET_SIZE));
  if (old && old.immutable === true) {
    if (o.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!deepEqual(o.data, old.data)) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
    if (!deepEqual(o.binaryData, old.binaryData)) errs.push(forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  return errs;
}

const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

/** validateSecret validates a Secret (keys, 1 MiB decoded total, per-type keys, type and data immutability). */
export function validateSecret(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, true);
  const data = obj(o.data);
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key('data', k), k, m));
    size += base64Size(v);
  }
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
  const type = String(o.type ?? 'Opaque');
  if (type === 'kubernetes.io/service-account-token' && !obj(obj(o.metadata).annotations)['kubernetes.io/service-account.name']) {
    errs.push(required(key('metadata.annotations', 'kubernetes.io/service-account.name')));
  }
  for (const k of SECRET_REQUIRED_KEYS[type] ?? []) if (!(k in data) && !(k in obj(o.stringData))) errs.push(required(key('data', k)));
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    errs.push(required(key('data', 'username')), required(key('data', 'password')));
  }
  if (old) {
    if ((old.type ?? 'Opaque') !== type) errs.push(invalid('type', type, 'field is immutable'));
    if (old.immutable === true) {
      if (o.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
      if (!deepEqual(o.data, old.data)) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
    }
  }
  return errs;
}

/** validateNamespace validates a Namespace (name is a DNS-1123 label; spec.finalizers qualified or standard). */
export function validateNamespace(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, false, nameIsDNSLabel);
  strs(obj(o.spec).finalizers).forEach((s) => {
    for (const m of isQualifiedName(s)) errs.push(invalid('spec.finalizers', s, m));
    if (!s.includes('/') && s !== 'kubernetes') errs.push(invalid('spec.finalizers', s, 'name is neither a standard finalizer name nor is it fully qualified'));
  });
  return errs;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** validateNode validates a Node (podCIDRs, taints; podCIDR and providerID set once). */
export function validateNode(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, false);
  const spec = obj(o.spec);
  const cidrs: unknown[] = Array.isArray(spec.podCIDRs) ? spec.podCIDRs : spec.podCIDR ? [spec.podCIDR] : [];
  cidrs.forEach((c, i) => { if (!isValidCIDR(String(c))) errs.push(invalid(index('spec.podCIDRs', i), c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')); });
  if (cidrs.length > 2) errs.push(invalid('spec.podCIDRs', spec.podCIDRs, 'may specify no more than one CIDR for each IP family'));
  const seen = new Set<string>();
  arr(spec.taints).forEach((t, i) => {
    const tp = index('spec.taints', i);
    if (!t.key) errs.push(required(child(tp, 'key')));
    else for (const m of isQualifiedName(String(t.key))) errs.push(invalid(child(tp, 'key'), t.key, m));
    errs.push(...enumField(t.effect, child(tp, 'effect'), TAINT_EFFECTS));
    const id = `${t.key}:${t.effect}`;
    if (seen.has(id)) errs.push(duplicate(tp, `${t.key}=${t.value ?? ''}:${t.effect}`));
    seen.add(id);
  });
  if (old) {
    const os = obj(old.spec);
    if (os.podCIDR && spec.podCIDR !== os.podCIDR) errs.push(forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid'));
    if (Array.isArray(os.podCIDRs) && os.podCIDRs.length && !deepEqual(spec.podCIDRs, os.podCIDRs)) errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
    if (os.providerID && spec.providerID !== os.providerID) errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

function validatePvcSpec(specIn: unknown, path: string): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  const modes = strs(spec.accessModes);
  if (modes.length === 0) errs.push(required(child(path, 'accessModes'), 'at least 1 access mode is required'));
  for (const m of modes) if (!ACCESS_MODES.includes(m)) errs.push(notSupported(child(path, 'accessModes'), m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errs.push(forbidden(child(path, 'accessModes'), 'may not use ReadWriteOncePod with other access modes'));
  const storage = obj(obj(spec.resources).requests).storage;
  const sp = key(child(path, 'resources'), 'storage');
  if (!isSet(storage)) errs.push(required(sp));
  else {
    const q = parseQuantity(storage);
    if (q !== undefined && q <= 0) errs.push(invalid(sp, storage, 'must be greater than zero'));
  }
  if (isSet(spec.volumeMode) && !['Block', 'Filesystem'].includes(spec.volumeMode)) errs.push(notSupported(child(path, 'volumeMode'), spec.volumeMode, ['Block', 'Filesystem']));
  return errs;
}

/** validatePersistentVolumeClaim validates a PVC (access modes, storage request; spec immutable except requests/volumeName binding). */
export function validatePersistentVolumeClaim(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, true);
  errs.push(...validatePvcSpec(o.spec, 'spec'));
  if (old) {
    const a: JsonObject = structuredClone(obj(o.spec));
    const b = obj(old.spec);
    a.resources = b.resources;
    if (!b.volumeName) a.volumeName = b.volumeName;
    if (!b.storageClassName) a.storageClassName = b.storageClassName;
    a.volumeAttributesClassName = b.volumeAttributesClassName;
    if (!deepEqual(a, b)) errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  return errs;
}

/** validatePersistentVolume validates a PV (capacity, access modes, reclaim policy, one source). */
export function validatePersistentVolume(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, false);
  const spec = obj(o.spec);
  const modes = strs(spec.accessModes);
  if (modes.length === 0) errs.push(required('spec.accessModes'));
  for (const m of modes) if (!ACCESS_MODES.includes(m)) errs.push(notSupported('spec.accessModes', m, ACCESS_MODES));
  if (!isSet(obj(spec.capacity).storage)) errs.push(required(key('spec.capacity', 'storage')));
  if (isSet(spec.persistentVolumeReclaimPolicy) && !['Delete', 'Recycle', 'Retain'].includes(spec.persistentVolumeReclaimPolicy)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, ['Delete', 'Recycle', 'Retain']));
  }
  return errs;
}

/** validateEvent validates a core/v1 Event (involvedObject namespace must match the event's). */
export function validateEvent(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, true, () => []);
  const ns = String(obj(o.metadata).namespace ?? '');
  const io = obj(o.involvedObject);
  const ions = String(io.namespace ?? '');
  if (ions === '') {
    if (ns !== '' && ns !== 'default') errs.push(invalid('involvedObject.namespace', ions, 'does not match event.namespace'));
  } else if (ns !== ions) errs.push(invalid('involvedObject.namespace', ions, 'does not match event.namespace'));
  if (isSet(o.type) && o.type !== '' && !['Normal', 'Warning'].includes(o.type) && (o.reportingComponent || o.eventTime)) {
    errs.push(notSupported('type', o.type, ['Normal', 'Warning']));
  }
  return errs;
}

/** validateServiceAccount validates a ServiceAccount. */
export function validateServiceAccount(o: JsonObject, old?: JsonObject): FieldError[] {
  return meta(o, old, true);
}

/** validateEndpoints validates core/v1 Endpoints (addresses are IPs, ports in range). */
export function validateEndpoints(o: JsonObject, old?: JsonObject): FieldError[] {
  const errs = meta(o, old, true);
  arr(o.subsets).forEach((ss, i) => {
    const sp = index('subsets', i);
    for (const f of ['addresses', 'notReadyAddresses']) {
      arr(ss[f]).forEach((a, j) => { if (!isValidIP(String(a.ip ?? ''))) errs.push(invalid(child(index(child(sp, f), j), 'ip'), a.ip ?? '', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')); });
    }
    arr(ss.ports).forEach((p, j) => {
      const pp = index(child(sp, 'ports'), j);
      for (const m of isValidPortNum(p.port)) errs.push(invalid(child(pp, 'port'), p.port ?? 0, m));
      errs.push(...enumField(p.protocol, child(pp, 'protocol'), PROTOCOLS));
    });
  });
  return errs;
}
