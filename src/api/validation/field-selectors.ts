/**
 * @module api/validation/field-selectors — the extra selectable fields of each kind (beyond
 * metadata.name and metadata.namespace), read as upstream's fields.Set renders them: strings
 * as-is, numbers in decimal, booleans "true"/"false", absent values as their zero value.
 */
import { gvkKey, type JsonObject } from '../kinds/types.ts';

/** FieldGetters maps a field label to its reader. */
export type FieldGetters = Readonly<Record<string, (obj: JsonObject) => string | undefined>>;

const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const n = (v: unknown): string => String(typeof v === 'number' ? v : 0);
const b = (v: unknown): string => String(v === true);

const podFields: FieldGetters = {
  'spec.nodeName': (o) => s(o.spec?.nodeName),
  'spec.restartPolicy': (o) => s(o.spec?.restartPolicy),
  'spec.schedulerName': (o) => s(o.spec?.schedulerName),
  'spec.serviceAccountName': (o) => s(o.spec?.serviceAccountName),
  'spec.hostNetwork': (o) => b(o.spec?.hostNetwork),
  'status.phase': (o) => s(o.status?.phase),
  'status.podIP': (o) => s(o.status?.podIPs?.[0]?.ip) || s(o.status?.podIP),
  'status.nominatedNodeName': (o) => s(o.status?.nominatedNodeName),
};

const io = (f: string) => (o: JsonObject): string => s(o.involvedObject?.[f]);
const eventFields: FieldGetters = {
  'involvedObject.kind': io('kind'),
  'involvedObject.namespace': io('namespace'),
  'involvedObject.name': io('name'),
  'involvedObject.uid': io('uid'),
  'involvedObject.apiVersion': io('apiVersion'),
  'involvedObject.resourceVersion': io('resourceVersion'),
  'involvedObject.fieldPath': io('fieldPath'),
  reason: (o) => s(o.reason),
  reportingComponent: (o) => s(o.reportingComponent),
  source: (o) => s(o.source?.component),
  type: (o) => s(o.type),
};

const replicas: FieldGetters = { 'status.replicas': (o) => n(o.status?.replicas) };

/** fieldSelectorsByKind maps gvkKey(group, kind) to its extra selectable fields. */
export const fieldSelectorsByKind: Readonly<Record<string, FieldGetters>> = {
  [gvkKey('', 'Pod')]: podFields,
  [gvkKey('', 'Event')]: eventFields,
  [gvkKey('', 'Secret')]: { type: (o) => s(o.type) },
  [gvkKey('', 'Namespace')]: { 'status.phase': (o) => s(o.status?.phase) },
  [gvkKey('', 'Node')]: { 'spec.unschedulable': (o) => b(o.spec?.unschedulable) },
  [gvkKey('', 'ReplicationController')]: replicas,
  [gvkKey('apps', 'ReplicaSet')]: replicas,
  [gvkKey('batch', 'Job')]: { 'status.successful': (o) => n(o.status?.succeeded) },
  [gvkKey('certificates.k8s.io', 'CertificateSigningRequest')]: { 'spec.signerName': (o) => s(o.spec?.signerName) },
  [gvkKey('', 'Service')]: { 'spec.clusterIP': (o) => s(o.spec?.clusterIP), 'spec.type': (o) => s(o.spec?.type) },
};

/** fieldGetter builds the getter `matchesFields` wants: metadata.name/namespace plus the kind's extra fields; undefined for unknown fields. */
export function fieldGetter(obj: JsonObject, extra: FieldGetters | undefined): (field: string) => string | undefined {
  return (field) => {
    if (field === 'metadata.name') return s(obj.metadata?.name);
    if (field === 'metadata.namespace') return s(obj.metadata?.namespace);
    const g = extra?.[field];
    return g ? g(obj) ?? '' : undefined;
  };
}

/** unsupportedFields returns the fields of a selector the kind cannot select on (the apiserver answers 400 `field label not supported: <f>`). */
export function unsupportedFields(fields: readonly string[], extra: FieldGetters | undefined): string[] {
  return fields.filter((f) => f !== 'metadata.name' && f !== 'metadata.namespace' && !(extra && f in extra));
}
