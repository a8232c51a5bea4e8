/**
 * @module api/validation/hooks — `kindHooks`: the semantic hooks (defaults, validate, columns,
 * fieldSelectors) of every built-in kind, keyed by gvkKey(group, kind) across versions.
 * Each `validate` includes ObjectMeta validation with the kind's name rule and scope.
 */
import type { FieldError } from '../errors.ts';
import { gvkKey, type JsonObject, type KindInfo } from '../kinds/types.ts';
import { defaulters } from '../defaults/index.ts';
import { printerColumns } from '../printers/index.ts';
import * as apps from './apps.ts';
import * as batch from './batch.ts';
import * as core from './core.ts';
import { fieldSelectorsByKind } from './field-selectors.ts';
import { obj } from './field.ts';
import { validateObjectMeta, validateObjectMetaUpdate, type NameValidator } from './meta.ts';
import * as misc from './misc.ts';
import * as net from './networking.ts';
import { validatePod, validatePodTemplate } from './pod.ts';

/** KindHooks is the semantic part of a KindInfo. */
export type KindHooks = Pick<KindInfo, 'defaults' | 'validate' | 'columns' | 'fieldSelectors'>;
type Validate = (o: JsonObject, old?: JsonObject) => FieldError[];

/** metaOnly validates only ObjectMeta (for kinds without further rules). */
export function metaOnly(namespaced: boolean, nv?: NameValidator): Validate {
  return (o, old) => [
    ...validateObjectMeta(obj(o.metadata), namespaced, nv),
    ...(old ? validateObjectMetaUpdate(obj(o.metadata), obj(old.metadata)) : []),
  ];
}

const validators: Record<string, Validate> = {
  [gvkKey('', 'Pod')]: validatePod,
  [gvkKey('', 'PodTemplate')]: validatePodTemplate,
  [gvkKey('', 'ReplicationController')]: apps.validateReplicationController,
  [gvkKey('', 'Service')]: core.validateService,
  [gvkKey('', 'ConfigMap')]: core.validateConfigMap,
  [gvkKey('', 'Secret')]: core.validateSecret,
  [gvkKey('', 'Namespace')]: core.validateNamespace,
  [gvkKey('', 'Node')]: core.validateNode,
  [gvkKey('', 'PersistentVolumeClaim')]: core.validatePersistentVolumeClaim,
  [gvkKey('', 'PersistentVolume')]: core.validatePersistentVolume,
  [gvkKey('', 'Event')]: core.validateEvent,
  [gvkKey('', 'ServiceAccount')]: core.validateServiceAccount,
  [gvkKey('', 'Endpoints')]: core.validateEndpoints,
  [gvkKey('', 'LimitRange')]: metaOnly(true),
  [gvkKey('', 'ResourceQuota')]: metaOnly(true),
  [gvkKey('apps', 'Deployment')]: apps.validateDeployment,
  [gvkKey('apps', 'ReplicaSet')]: apps.validateReplicaSet,
  [gvkKey('apps', 'StatefulSet')]: apps.validateStatefulSet,
  [gvkKey('apps', 'DaemonSet')]: apps.validateDaemonSet,
  [gvkKey('apps', 'ControllerRevision')]: apps.validateControllerRevision,
  [gvkKey('batch', 'Job')]: batch.validateJob,
  [gvkKey('batch', 'CronJob')]: batch.validateCronJob,
  [gvkKey('autoscaling', 'HorizontalPodAutoscaler')]: misc.validateHPA,
  [gvkKey('apiextensions.k8s.io', 'CustomResourceDefinition')]: misc.validateCRD,
  [gvkKey('coordination.k8s.io', 'Lease')]: misc.validateLease,
  [gvkKey('events.k8s.io', 'Event')]: misc.validateEventsV1,
  [gvkKey('rbac.authorization.k8s.io', 'Role')]: misc.validateRole(true),
  [gvkKey('rbac.authorization.k8s.io', 'ClusterRole')]: misc.validateRole(false),
  [gvkKey('rbac.authorization.k8s.io', 'RoleBinding')]: misc.validateRoleBinding(true),
  [gvkKey('rbac.authorization.k8s.io', 'ClusterRoleBinding')]: misc.validateRoleBinding(false),
  [gvkKey('scheduling.k8s.io', 'PriorityClass')]: misc.validatePriorityClass,
  [gvkKey('certificates.k8s.io', 'CertificateSigningRequest')]: misc.validateCSR,
  [gvkKey('networking.k8s.io', 'NetworkPolicy')]: net.validateNetworkPolicy,
  [gvkKey('networking.k8s.io', 'Ingress')]: net.validateIngress,
  [gvkKey('networking.k8s.io', 'IngressClass')]: metaOnly(false),
  [gvkKey('policy', 'PodDisruptionBudget')]: misc.validatePDB,
  [gvkKey('storage.k8s.io', 'StorageClass')]: misc.validateStorageClass,
  [gvkKey('node.k8s.io', 'RuntimeClass')]: misc.validateRuntimeClass,
  [gvkKey('discovery.k8s.io', 'EndpointSlice')]: metaOnly(true),
  [gvkKey('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration')]: metaOnly(false),
  [gvkKey('admissionregistration.k8s.io', 'MutatingWebhookConfiguration')]: metaOnly(false),
};


function build(): Record<string, KindHooks> {
  const keys = new Set([...Object.keys(validators), ...Object.keys(defaulters), ...Object.keys(printerColumns), ...Object.keys(fieldSelectorsByKind)]);
  const out: Record<string, KindHooks> = {};
  for (const k of [...keys].sort()) {
    const h: { -readonly [P in keyof KindHooks]: KindHooks[P] } = {};
    if (defaulters[k]) h.defaults = defaulters[k];
    if (validators[k]) h.validate = validators[k];
    if (printerColumns[k]) h.columns = printerColumns[k];
    if (fieldSelectorsByKind[k]) h.fieldSelectors = fieldSelectorsByKind[k];
    out[k] = h;
  }
  return out;
}

/** kindHooks maps gvkKey(group, kind) to that kind's defaults, validate, columns and fieldSelectors. */
export const kindHooks: Readonly<Record<string, KindHooks>> = build();
