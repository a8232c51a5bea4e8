/**
 * @module api/defaults — per-kind defaulting as the apiserver applies it on create and update.
 * `defaulters` maps gvkKey(group, kind) to a function that fills defaults in place.
 */
import { gvkKey, type JsonObject } from '../kinds/types.ts';
import * as k from './kinds.ts';
import { defaultPod, defaultPodTemplate } from './pod.ts';

export { defaultPod, defaultPodSpec, defaultPodTemplate, imagePullPolicyFor } from './pod.ts';
export * from './kinds.ts';

/** defaulters maps gvkKey(group, kind) to its in-place defaulting function. */
export const defaulters: Readonly<Record<string, (obj: JsonObject) => void>> = {
  [gvkKey('', 'Pod')]: defaultPod,
  [gvkKey('', 'PodTemplate')]: (o) => defaultPodTemplate(o.template),
  [gvkKey('', 'ReplicationController')]: k.defaultReplicationController,
  [gvkKey('', 'Service')]: k.defaultService,
  [gvkKey('', 'Secret')]: k.defaultSecret,
  [gvkKey('', 'Namespace')]: k.defaultNamespace,
  [gvkKey('', 'Node')]: k.defaultNode,
  [gvkKey('', 'PersistentVolumeClaim')]: k.defaultPersistentVolumeClaim,
  [gvkKey('', 'PersistentVolume')]: k.defaultPersistentVolume,
  [gvkKey('', 'Endpoints')]: k.defaultEndpoints,
  [gvkKey('apps', 'Deployment')]: k.defaultDeployment,
  [gvkKey('apps', 'ReplicaSet')]: k.defaultReplicaSet,
  [gvkKey('apps', 'StatefulSet')]: k.defaultStatefulSet,
  [gvkKey('apps', 'DaemonSet')]: k.defaultDaemonSet,
  [gvkKey('batch', 'Job')]: k.defaultJob,
  [gvkKey('batch', 'CronJob')]: k.defaultCronJob,
  [gvkKey('autoscaling', 'HorizontalPodAutoscaler')]: k.defaultHPA,
  [gvkKey('networking.k8s.io', 'NetworkPolicy')]: k.defaultNetworkPolicy,
  [gvkKey('storage.k8s.io', 'StorageClass')]: k.defaultStorageClass,
  [gvkKey('scheduling.k8s.io', 'PriorityClass')]: k.defaultPriorityClass,
  [gvkKey('rbac.authorization.k8s.io', 'RoleBinding')]: k.defaultRoleBinding,
  [gvkKey('rbac.authorization.k8s.io', 'ClusterRoleBinding')]: k.defaultRoleBinding,
  [gvkKey('apiextensions.k8s.io', 'CustomResourceDefinition')]: k.defaultCRD,
  [gvkKey('discovery.k8s.io', 'EndpointSlice')]: k.defaultEndpointSlice,
};
