/**
 * @module api/printers — Table columns for `kubectl get`, mirroring upstream's printers. Each
 * kind's list holds the columns after NAME; a list that carries its own `format: "name"` column
 * (Event, StorageClass) is the whole row and gets no NAME prepended. Kinds without columns get
 * `[nameColumn, ageColumn]`.
 */
import { gvkKey, type ColumnDef } from '../kinds/types.ts';
import { ageColumn, nameColumn } from './common.ts';
import { podColumns } from './pod.ts';
import * as w from './workloads.ts';
import * as c from './core.ts';
import * as x from './others.ts';

export { humanDuration, since, parseTime, column, nameColumn, ageColumn, createdAtColumn, containerCells, type ColumnOptions } from './common.ts';
export { podColumns, summarizePod, restartsText, type PodSummary } from './pod.ts';
export * from './workloads.ts';
export * from './core.ts';
export * from './others.ts';

/** printerColumns maps gvkKey(group, kind) to the kind's Table columns after NAME. */
export const printerColumns: Readonly<Record<string, readonly ColumnDef[]>> = {
  [gvkKey('', 'Pod')]: podColumns,
  [gvkKey('', 'Service')]: c.serviceColumns,
  [gvkKey('', 'Node')]: c.nodeColumns,
  [gvkKey('', 'Namespace')]: c.namespaceColumns,
  [gvkKey('', 'ConfigMap')]: c.configMapColumns,
  [gvkKey('', 'Secret')]: c.secretColumns,
  [gvkKey('', 'ServiceAccount')]: c.serviceAccountColumns,
  [gvkKey('', 'Event')]: c.eventColumns,
  [gvkKey('events.k8s.io', 'Event')]: c.eventColumns,
  [gvkKey('', 'Endpoints')]: c.endpointsColumns,
  [gvkKey('', 'PersistentVolume')]: c.persistentVolumeColumns,
  [gvkKey('', 'PersistentVolumeClaim')]: c.persistentVolumeClaimColumns,
  [gvkKey('', 'PodTemplate')]: c.podTemplateColumns,
  [gvkKey('', 'ReplicationController')]: w.replicationControllerColumns,
  [gvkKey('apps', 'Deployment')]: w.deploymentColumns,
  [gvkKey('apps', 'ReplicaSet')]: w.replicaSetColumns,
  [gvkKey('apps', 'StatefulSet')]: w.statefulSetColumns,
  [gvkKey('apps', 'DaemonSet')]: w.daemonSetColumns,
  [gvkKey('apps', 'ControllerRevision')]: w.controllerRevisionColumns,
  [gvkKey('batch', 'Job')]: w.jobColumns,
  [gvkKey('batch', 'CronJob')]: w.cronJobColumns,
  [gvkKey('autoscaling', 'HorizontalPodAutoscaler')]: w.hpaColumns,
  [gvkKey('policy', 'PodDisruptionBudget')]: w.pdbColumns,
  [gvkKey('discovery.k8s.io', 'EndpointSlice')]: x.endpointSliceColumns,
  [gvkKey('networking.k8s.io', 'Ingress')]: x.ingressColumns,
  [gvkKey('networking.k8s.io', 'IngressClass')]: x.ingressClassColumns,
  [gvkKey('networking.k8s.io', 'NetworkPolicy')]: x.networkPolicyColumns,
  [gvkKey('coordination.k8s.io', 'Lease')]: x.leaseColumns,
  [gvkKey('storage.k8s.io', 'StorageClass')]: x.storageClassColumns,
  [gvkKey('scheduling.k8s.io', 'PriorityClass')]: x.priorityClassColumns,
  [gvkKey('node.k8s.io', 'RuntimeClass')]: x.runtimeClassColumns,
  [gvkKey('rbac.authorization.k8s.io', 'Role')]: x.roleColumns,
  [gvkKey('rbac.authorization.k8s.io', 'ClusterRole')]: x.roleColumns,
  [gvkKey('rbac.authorization.k8s.io', 'RoleBinding')]: x.roleBindingColumns,
  [gvkKey('rbac.authorization.k8s.io', 'ClusterRoleBinding')]: x.roleBindingColumns,
  [gvkKey('certificates.k8s.io', 'CertificateSigningRequest')]: x.csrColumns,
  [gvkKey('apiextensions.k8s.io', 'CustomResourceDefinition')]: x.crdColumns,
};

/** tableColumns returns the full row layout for a kind's columns: NAME first unless they carry their own name column. */
export function tableColumns(columns: readonly ColumnDef[] | undefined): readonly ColumnDef[] {
  if (!columns || columns.length === 0) return [nameColumn, ageColumn];
  return columns.some((c) => c.format === 'name') ? columns : [nameColumn, ...columns];
}

