/**
 * @module api/printers/core — Table columns of the core kinds: Service, Node, Namespace,
 * ConfigMap, Secret, ServiceAccount, Event, Endpoints, PersistentVolume(Claim) and PodTemplate.
 */
import type { ColumnDef, JsonObject } from '../kinds/types.ts';
import { formatLabels } from '../selectors/labels.ts';
import { ageColumn, column, containerColumns, int, parseTime, quantityText, since, str } from './common.ts';

const arr = (v: unknown): JsonObject[] => (Array.isArray(v) ? v : []);

/** serviceExternalIP is the EXTERNAL-IP cell (`<none>`, `<pending>`, LB ingress, externalIPs, externalName). */
export function serviceExternalIP(o: JsonObject): string {
  const ext: string[] = arr(o.spec?.externalIPs).map(String);
  switch (o.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP': case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [...new Set(arr(o.status?.loadBalancer?.ingress).map((i) => str(i?.ip) || str(i?.hostname)).filter(Boolean))].sort();
      if (ext.length) return [...lb, ...ext].join(',');
      return lb.length ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(o.spec?.externalName);
    default:
      return '<unknown>';
  }
}

/** servicePorts is the PORT(S) cell: `80/TCP,443:30443/TCP`, `<none>` without ports. */
export function servicePorts(o: JsonObject): string {
  const s = arr(o.spec?.ports).map((p) => (int(p?.nodePort) > 0 ? `${int(p.port)}:${int(p.nodePort)}/${str(p.protocol)}` : `${int(p?.port)}/${str(p?.protocol)}`)).join(',');
  return s || '<none>';
}

/** serviceColumns: TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), AGE; wide SELECTOR. */
export const serviceColumns: readonly ColumnDef[] = [
  column('Type', 'string', (o) => str(o.spec?.type), { description: 'How the service is exposed.' }),
  column('Cluster-IP', 'string', (o) => str(o.spec?.clusterIPs?.[0]) || str(o.spec?.clusterIP) || '<none>', { description: 'Cluster-internal virtual IP of the service.' }),
  column('External-IP', 'string', serviceExternalIP, { description: 'External addresses of the service.' }),
  column('Port(s)', 'string', servicePorts, { description: 'Ports exposed by the service.' }),
  ageColumn,
  column('Selector', 'string', (o) => formatLabels(o.spec?.selector), { priority: 1, description: 'Label selector of the backing pods.' }),
];

/** nodeStatus is the STATUS cell: Ready / NotReady / Unknown, plus ",SchedulingDisabled". */
export function nodeStatus(o: JsonObject): string {
  const ready = arr(o.status?.conditions).find((c) => c?.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (o.spec?.unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** nodeRoles is the ROLES cell from node-role.kubernetes.io/* and kubernetes.io/role labels, `<none>` if none. */
export function nodeRoles(o: JsonObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries((o.metadata?.labels ?? {}) as Record<string, string>)) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const r = k.slice('node-role.kubernetes.io/'.length);
      if (r) roles.add(r);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort().join(',') || '<none>';
}

const nodeAddress = (o: JsonObject, type: string): string => str(arr(o.status?.addresses).find((a) => a?.type === type)?.address) || '<none>';
const orUnknown = (v: unknown): string => str(v) || '<unknown>';

/** nodeColumns: STATUS, ROLES, AGE, VERSION; wide INTERNAL-IP, EXTERNAL-IP, OS-IMAGE, KERNEL-VERSION, CONTAINER-RUNTIME. */
export const nodeColumns: readonly ColumnDef[] = [
  column('Status', 'string', nodeStatus, { description: 'The status of the node' }),
  column('Roles', 'string', nodeRoles, { description: 'The roles of the node' }),
  ageColumn,
  column('Version', 'string', (o) => str(o.status?.nodeInfo?.kubeletVersion), { description: 'Version of the node agent.' }),
  column('Internal-IP', 'string', (o) => nodeAddress(o, 'InternalIP'), { priority: 1, description: 'Internal address of the node.' }),
  column('External-IP', 'string', (o) => nodeAddress(o, 'ExternalIP'), { priority: 1, description: 'External address of the node.' }),
  column('OS-Image', 'string', (o) => orUnknown(o.status?.nodeInfo?.osImage), { priority: 1, description: 'Operating system image of the node.' }),
  column('Kernel-Version', 'string', (o) => orUnknown(o.status?.nodeInfo?.kernelVersion), { priority: 1, description: 'Kernel version of the node.' }),
  column('Container-Runtime', 'string', (o) => orUnknown(o.status?.nodeInfo?.containerRuntimeVersion), { priority: 1, description: 'Container runtime and version.' }),
];

/** namespaceColumns: STATUS, AGE. */
export const namespaceColumns: readonly ColumnDef[] = [
  column('Status', 'string', (o) => str(o.status?.phase), { description: 'The status of the namespace' }),
  ageColumn,
];

const count = (v: unknown): number => (v && typeof v === 'object' ? Object.keys(v).length : 0);

/** configMapColumns: DATA, AGE. */
export const configMapColumns: readonly ColumnDef[] = [
  column('Data', 'integer', (o) => count(o.data) + count(o.binaryData), { description: 'Number of data keys.' }),
  ageColumn,
];

/** secretColumns: TYPE, DATA, AGE. */
export const secretColumns: readonly ColumnDef[] = [
  column('Type', 'string', (o) => str(o.type), { description: 'The type of the secret' }),
  column('Data', 'integer', (o) => count(o.data), { description: 'Number of data keys.' }),
  ageColumn,
];

/** serviceAccountColumns: SECRETS, AGE. */
export const serviceAccountColumns: readonly ColumnDef[] = [
  column('Secrets', 'integer', (o) => arr(o.secrets).length, { description: 'Number of listed secrets.' }),
  ageColumn,
];

/** coreEventView normalises an events.k8s.io/v1 Event to core/v1 field names for printing. */
export function coreEventView(o: JsonObject): JsonObject {
  if (!o.regarding && !o.note && !o.deprecatedLastTimestamp) return o;
  return {
    metadata: o.metadata, type: o.type, reason: o.reason, message: o.note, involvedObject: o.regarding ?? {},
    firstTimestamp: o.deprecatedFirstTimestamp, lastTimestamp: o.deprecatedLastTimestamp, count: o.deprecatedCount,
    eventTime: o.eventTime, series: o.series, source: o.deprecatedSource,
    reportingComponent: o.reportingController, reportingInstance: o.reportingInstance,
  };
}

function eventTimes(e: JsonObject, now: number): { first: string; last: string; count: number } {
  const first = parseTime(e.firstTimestamp) !== undefined ? since(e.firstTimestamp, now) : since(e.eventTime, now);
  let last = parseTime(e.lastTimestamp) !== undefined ? since(e.lastTimestamp, now) : first;
  let n = int(e.count);
  if (e.series) {
    last = since(e.series.lastObservedTime, now);
    n = int(e.series.count);
  } else if (n === 0) n = 1;
  return { first, last, count: n };
}

function eventObject(e: JsonObject): string {
  const kind = str(e.involvedObject?.kind).toLowerCase();
  return e.involvedObject?.name ? `${kind}/${str(e.involvedObject.name)}` : kind;
}

function eventSource(e: JsonObject): string {
  const component = str(e.source?.component) || str(e.reportingComponent);
  const instance = str(e.source?.host) || str(e.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

const ev = (f: (e: JsonObject, now: number) => string | number): ColumnDef['cell'] => (o, now) => f(coreEventView(o), now);

/** eventColumns: the full event layout, carrying its own NAME column (wide, last) as upstream does. */
export const eventColumns: readonly ColumnDef[] = [
  column('Last Seen', 'string', ev((e, now) => eventTimes(e, now).last), { description: 'Time the event was last seen.' }),
  column('Type', 'string', ev((e) => str(e.type)), { description: 'Type of the event (Normal, Warning).' }),
  column('Reason', 'string', ev((e) => str(e.reason)), { description: 'Short machine-readable reason.' }),
  column('Object', 'string', ev(eventObject), { description: 'Object the event is about.' }),
  column('Subobject', 'string', ev((e) => str(e.involvedObject?.fieldPath)), { priority: 1, description: 'Part of the object the event is about.' }),
  column('Source', 'string', ev(eventSource), { priority: 1, description: 'Component that reported the event.' }),
  column('Message', 'string', ev((e) => str(e.message).trim()), { description: 'Human-readable description.' }),
  column('First Seen', 'string', ev((e, now) => eventTimes(e, now).first), { priority: 1, description: 'Time the event was first seen.' }),
  column('Count', 'string', ev((e, now) => eventTimes(e, now).count), { priority: 1, description: 'Number of occurrences.' }),
  column('Name', 'string', (o) => str(o.metadata?.name), { priority: 1, format: 'name', description: 'Name of the object, unique within its namespace.' }),
];

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** endpointsText is the ENDPOINTS cell of Endpoints ("10.0.0.1:80,… + 2 more...", `<none>`). */
export function endpointsText(o: JsonObject): string {
  const subsets = arr(o.subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let total = 0;
  for (const ss of subsets) {
    const addrs = arr(ss.addresses);
    const ports = arr(ss.ports);
    if (ports.length === 0) {
      total += addrs.length;
      for (const a of addrs) { if (list.length === max) { more = true; break; } list.push(str(a.ip)); }
      continue;
    }
    for (const p of ports) {
      total += addrs.length;
      for (const a of addrs) { if (list.length === max) { more = true; break; } list.push(hostPort(str(a.ip), int(p.port))); }
    }
  }
  const s = list.join(',');
  return more ? `${s} + ${total - max} more...` : s;
}

/** endpointsColumns: ENDPOINTS, AGE. */
export const endpointsColumns: readonly ColumnDef[] = [
  column('Endpoints', 'string', endpointsText, { description: 'Addresses and ports of the endpoints.' }),
  ageColumn,
];

const MODES: [string, string][] = [['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']];

/** accessModesText renders access modes as "RWO,ROX,RWX,RWOP" in upstream's fixed order. */
export function accessModesText(modes: unknown): string {
  const set = new Set(arr(modes).map(String));
  return MODES.filter(([m]) => set.has(m)).map(([, s]) => s).join(',');
}

const storageClassOf = (o: JsonObject): string =>
  str(o.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class']) || str(o.spec?.storageClassName);
const unsetOr = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : '<unset>');

/** persistentVolumeColumns: CAPACITY … REASON, AGE; wide VOLUMEMODE. */
export const persistentVolumeColumns: readonly ColumnDef[] = [
  column('Capacity', 'string', (o) => quantityText(o.spec?.capacity?.storage) || '0', { description: 'Capacity of the volume.' }),
  column('Access Modes', 'string', (o) => accessModesText(o.spec?.accessModes), { description: 'Ways the volume can be mounted.' }),
  column('Reclaim Policy', 'string', (o) => str(o.spec?.persistentVolumeReclaimPolicy), { description: 'What happens to the volume when released.' }),
  column('Status', 'string', (o) => (o.metadata?.deletionTimestamp ? 'Terminating' : str(o.status?.phase)), { description: 'Phase of the volume.' }),
  column('Claim', 'string', (o) => (o.spec?.claimRef ? `${str(o.spec.claimRef.namespace)}/${str(o.spec.claimRef.name)}` : ''), { description: 'Claim bound to the volume.' }),
  column('StorageClass', 'string', storageClassOf, { description: 'StorageClass of the pv' }),
  column('VolumeAttributesClass', 'string', (o) => unsetOr(o.spec?.volumeAttributesClassName), { description: 'VolumeAttributesClass of the pv' }),
  column('Reason', 'string', (o) => str(o.status?.reason), { description: 'Reason for the phase.' }),
  ageColumn,
  column('VolumeMode', 'string', (o) => unsetOr(o.spec?.volumeMode), { priority: 1, description: 'Filesystem or raw block volume.' }),
];

/** persistentVolumeClaimColumns: STATUS, VOLUME, CAPACITY, ACCESS MODES, STORAGECLASS, VOLUMEATTRIBUTESCLASS, AGE; wide VOLUMEMODE. */
export const persistentVolumeClaimColumns: readonly ColumnDef[] = [
  column('Status', 'string', (o) => (o.metadata?.deletionTimestamp ? 'Terminating' : str(o.status?.phase)), { description: 'Phase of the claim.' }),
  column('Volume', 'string', (o) => str(o.spec?.volumeName), { description: 'Volume bound to the claim.' }),
  column('Capacity', 'string', (o) => (o.spec?.volumeName ? quantityText(o.status?.capacity?.storage) || '0' : ''), { description: 'Capacity of the bound volume.' }),
  column('Access Modes', 'string', (o) => (o.spec?.volumeName ? accessModesText(o.status?.accessModes) : ''), { description: 'Ways the volume can be mounted.' }),
  column('StorageClass', 'string', storageClassOf, { description: 'StorageClass of the pvc' }),
  column('VolumeAttributesClass', 'string', (o) => unsetOr(o.spec?.volumeAttributesClassName), { description: 'VolumeAttributesClass of the pvc' }),
  ageColumn,
  column('VolumeMode', 'string', (o) => unsetOr(o.spec?.volumeMode), { priority: 1, description: 'Filesystem or raw block volume.' }),
];

/** podTemplateColumns: CONTAINERS, IMAGES, POD LABELS. */
export const podTemplateColumns: readonly ColumnDef[] = [
  ...containerColumns((o) => o.template).map((c) => ({ ...c, priority: 0 })),
  column('Pod Labels', 'string', (o) => formatLabels(o.template?.metadata?.labels), { description: 'Labels of the pod template.' }),
];
