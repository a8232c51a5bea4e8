/**
 * @module api/printers/others — Table columns of the remaining built-in kinds: EndpointSlice,
 * Ingress, IngressClass, NetworkPolicy, Lease, StorageClass, PriorityClass, RuntimeClass,
 * RBAC roles and bindings, CertificateSigningRequest and CustomResourceDefinition.
 */
import type { ColumnDef, JsonObject } from '../kinds/types.ts';
import { formatLabelSelector } from '../selectors/labels.ts';
import { ageColumn, column, createdAtColumn, humanDuration, int, listWithMore, str } from './common.ts';

const arr = (v: unknown): JsonObject[] => (Array.isArray(v) ? v : []);

/** endpointSliceColumns: ADDRESSTYPE, PORTS, ENDPOINTS, AGE. */
export const endpointSliceColumns: readonly ColumnDef[] = [
  column('AddressType', 'string', (o) => str(o.addressType), { description: 'Address family of the endpoints.' }),
  column('Ports', 'string', (o) => listWithMore(arr(o.ports).map((p) => (typeof p.port === 'number' ? String(p.port) : typeof p.name === 'string' ? p.name : '*')), 3), { description: 'Ports of the endpoints.' }),
  column('Endpoints', 'string', (o) => listWithMore(arr(o.endpoints).flatMap((e) => arr(e.addresses).map(String)), 3), { description: 'Addresses of the endpoints.' }),
  ageColumn,
];

/** ingressHosts is the HOSTS cell ("*" when no rule names a host). */
export function ingressHosts(o: JsonObject): string {
  const rules = arr(o.spec?.rules);
  const list: string[] = [];
  let more = false;
  for (const r of rules) {
    if (list.length === 3) more = true;
    if (!more && r?.host) list.push(str(r.host));
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - 3} more...` : list.join(',');
}

/** ingressColumns: CLASS, HOSTS, ADDRESS, PORTS, AGE. */
export const ingressColumns: readonly ColumnDef[] = [
  column('Class', 'string', (o) => (typeof o.spec?.ingressClassName === 'string' ? o.spec.ingressClassName : '<none>'), { description: 'Ingress class of the ingress.' }),
  column('Hosts', 'string', ingressHosts, { description: 'Hosts the ingress serves.' }),
  column('Address', 'string', (o) => [...new Set(arr(o.status?.loadBalancer?.ingress).map((i) => str(i?.ip) || str(i?.hostname)).filter(Boolean))].sort().join(','), { description: 'Load balancer addresses.' }),
  column('Ports', 'string', (o) => (arr(o.spec?.tls).length ? '80, 443' : '80'), { description: 'Ports the ingress serves.' }),
  ageColumn,
];

/** ingressClassColumns: CONTROLLER, PARAMETERS, AGE. */
export const ingressClassColumns: readonly ColumnDef[] = [
  column('Controller', 'string', (o) => str(o.spec?.controller), { description: 'Controller that implements the class.' }),
  column('Parameters', 'string', (o) => {
    const p = o.spec?.parameters;
    if (!p) return '<none>';
    const gk = p.apiGroup ? `${str(p.kind)}.${str(p.apiGroup)}` : str(p.kind);
    return `${gk}/${str(p.name)}`;
  }, { description: 'Parameters of the class.' }),
  ageColumn,
];

/** networkPolicyColumns: POD-SELECTOR, AGE. */
export const networkPolicyColumns: readonly ColumnDef[] = [
  column('Pod-Selector', 'string', (o) => formatLabelSelector(o.spec?.podSelector ?? {}), { description: 'Pods the policy applies to.' }),
  ageColumn,
];

/** leaseColumns: HOLDER, AGE. */
export const leaseColumns: readonly ColumnDef[] = [
  column('Holder', 'string', (o) => str(o.spec?.holderIdentity), { description: 'Current holder of the lease.' }),
  ageColumn,
];

const isDefaultClass = (o: JsonObject): boolean => {
  const a = o.metadata?.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
};

/** storageClassColumns: its own NAME (with " (default)"), PROVISIONER, RECLAIMPOLICY, VOLUMEBINDINGMODE, ALLOWVOLUMEEXPANSION, AGE. */
export const storageClassColumns: readonly ColumnDef[] = [
  column('Name', 'string', (o) => `${str(o.metadata?.name)}${isDefaultClass(o) ? ' (default)' : ''}`, { format: 'name', description: 'Name of the object, unique within its namespace.' }),
  column('Provisioner', 'string', (o) => str(o.provisioner), { description: 'Volume plugin that provisions volumes.' }),
  column('ReclaimPolicy', 'string', (o) => str(o.reclaimPolicy) || 'Delete', { description: 'Reclaim policy of provisioned volumes.' }),
  column('VolumeBindingMode', 'string', (o) => str(o.volumeBindingMode) || 'Immediate', { description: 'When volumes are bound.' }),
  column('AllowVolumeExpansion', 'string', (o) => o.allowVolumeExpansion === true, { description: 'Whether volumes may be expanded.' }),
  ageColumn,
];

/** priorityClassColumns: VALUE, GLOBAL-DEFAULT, AGE, PREEMPTIONPOLICY. */
export const priorityClassColumns: readonly ColumnDef[] = [
  column('Value', 'integer', (o) => int(o.value), { description: 'Priority value.' }),
  column('Global-Default', 'boolean', (o) => o.globalDefault === true, { description: 'Whether this is the default class.' }),
  ageColumn,
  column('PreemptionPolicy', 'string', (o) => str(o.preemptionPolicy), { description: 'Preemption policy of the class.' }),
];

/** runtimeClassColumns: HANDLER, AGE. */
export const runtimeClassColumns: readonly ColumnDef[] = [
  column('Handler', 'string', (o) => str(o.handler), { description: 'CRI handler of the class.' }),
  ageColumn,
];

/** roleColumns: CREATED AT (upstream prints roles that way). */
export const roleColumns: readonly ColumnDef[] = [createdAtColumn];

const subjects = (o: JsonObject, kind: string): string =>
  arr(o.subjects).filter((s) => s?.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${str(s.namespace)}/${str(s.name)}` : str(s.name))).join(', ');

/** roleBindingColumns: ROLE ("ClusterRole/view"), AGE; wide USERS, GROUPS, SERVICEACCOUNTS. */
export const roleBindingColumns: readonly ColumnDef[] = [
  column('Role', 'string', (o) => `${str(o.roleRef?.kind)}/${str(o.roleRef?.name)}`, { description: 'Role the binding grants.' }),
  ageColumn,
  column('Users', 'string', (o) => subjects(o, 'User'), { priority: 1, description: 'Users in the binding.' }),
  column('Groups', 'string', (o) => subjects(o, 'Group'), { priority: 1, description: 'Groups in the binding.' }),
  column('ServiceAccounts', 'string', (o) => subjects(o, 'ServiceAccount'), { priority: 1, description: 'Service accounts in the binding.' }),
];

/** csrCondition is the CONDITION cell: Pending/Approved/Denied, then ",Failed" and ",Issued". */
export function csrCondition(o: JsonObject): string {
  const types = new Set(arr(o.status?.conditions).filter((c) => c?.status !== 'False').map((c) => c?.type));
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) s += ',Failed';
  if (typeof o.status?.certificate === 'string' && o.status.certificate.length > 0) s += ',Issued';
  return s;
}

/** csrColumns: AGE, SIGNERNAME, REQUESTOR, REQUESTEDDURATION, CONDITION. */
export const csrColumns: readonly ColumnDef[] = [
  ageColumn,
  column('SignerName', 'string', (o) => str(o.spec?.signerName) || '<none>', { description: 'Signer asked to sign the request.' }),
  column('Requestor', 'string', (o) => str(o.spec?.username), { description: 'User who created the request.' }),
  column('RequestedDuration', 'string', (o) => (typeof o.spec?.expirationSeconds === 'number' ? humanDuration(o.spec.expirationSeconds * 1000) : '<none>'), { description: 'Requested validity of the certificate.' }),
  column('Condition', 'string', csrCondition, { description: 'State of the request.' }),
];

/** crdColumns: CREATED AT (upstream's default table convertor). */
export const crdColumns: readonly ColumnDef[] = [createdAtColumn];
