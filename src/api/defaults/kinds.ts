/**
 * @module api/defaults/kinds — defaulting of the workload, service, storage and misc kinds,
 * applied in place as upstream's SetDefaults_* functions do (apps/v1, batch/v1, core/v1,
 * autoscaling v1/v2).
 */
import type { JsonObject } from '../kinds/types.ts';
import { defaultPodTemplate, ensureObject, setDefault } from './pod.ts';

const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** defaultDeployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600. */
export function defaultDeployment(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = ensureObject(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObject(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec.template);
}

/** defaultReplicaSet: replicas 1 and template pod defaults. */
export function defaultReplicaSet(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(spec.template);
}

/** defaultReplicationController: replicas 1, selector and labels from the template when empty. */
export function defaultReplicationController(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'replicas', 1);
  const labels = isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (isObj(labels)) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    const meta = ensureObject(o, 'metadata');
    if (!isObj(meta.labels) || Object.keys(meta.labels).length === 0) meta.labels = { ...labels };
  }
  defaultPodTemplate(spec.template);
}

/** defaultPvc: volumeMode Filesystem and status.phase Pending (used for claims and claim templates). */
export function defaultPersistentVolumeClaim(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'volumeMode', 'Filesystem');
  setDefault(ensureObject(o, 'status'), 'phase', 'Pending');
}

/** defaultStatefulSet: replicas 1, OrderedReady, RollingUpdate partition 0, Retain/Retain, revisionHistoryLimit 10. */
export function defaultStatefulSet(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const us = ensureObject(spec, 'updateStrategy');
  setDefault(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') setDefault(ensureObject(us, 'rollingUpdate'), 'partition', 0);
  const ret = ensureObject(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefault(ret, 'whenDeleted', 'Retain');
  setDefault(ret, 'whenScaled', 'Retain');
  setDefault(spec, 'revisionHistoryLimit', 10);
  for (const t of list(spec.volumeClaimTemplates)) defaultPersistentVolumeClaim(t);
  defaultPodTemplate(spec.template);
}

/** defaultDaemonSet: RollingUpdate maxUnavailable 1 / maxSurge 0, revisionHistoryLimit 10. */
export function defaultDaemonSet(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  const us = ensureObject(spec, 'updateStrategy');
  setDefault(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = ensureObject(us, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec.template);
}

/** defaultJob: completions/parallelism 1, backoffLimit 6, NonIndexed, suspend false, podReplacementPolicy, labels from template. */
export function defaultJob(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  if ((spec.completions ?? null) === null && (spec.parallelism ?? null) === null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', (spec.backoffLimitPerIndex ?? null) !== null ? 2147483647 : 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', isObj(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed');
  for (const r of list(spec.podFailurePolicy?.rules)) for (const c of list(r.onPodConditions)) setDefault(c, 'status', 'True');
  const labels = isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  const meta = ensureObject(o, 'metadata');
  if (isObj(labels) && (!isObj(meta.labels) || Object.keys(meta.labels).length === 0)) meta.labels = { ...labels };
  defaultPodTemplate(spec.template);
}

/** defaultCronJob: Allow, suspend false, history limits 3 and 1, and the job template's pod defaults. */
export function defaultCronJob(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jt = isObj(spec.jobTemplate) ? spec.jobTemplate : undefined;
  if (jt && isObj(jt.spec)) defaultPodTemplate(jt.spec.template);
}

/** defaultService: ClusterIP, sessionAffinity None, port protocol TCP and targetPort = port, traffic policies. */
export function defaultService(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = ensureObject(spec, 'sessionAffinityConfig');
    setDefault(ensureObject(cfg, 'clientIP'), 'timeoutSeconds', 10800);
  }
  setDefault(spec, 'type', 'ClusterIP');
  for (const p of list(spec.ports)) {
    setDefault(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (external) setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (spec.type !== 'ExternalName') setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
}

/** defaultSecret: type Opaque; write-only `stringData` is merged into `data` (base64) and dropped, as upstream's conversion does. */
export function defaultSecret(o: JsonObject): void {
  setDefault(o, 'type', 'Opaque');
  if (isObj(o.stringData)) {
    const data = ensureObject(o, 'data');
    for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(typeof v === 'string' ? v : '', 'utf8').toString('base64');
  }
  delete o.stringData;
}

/** defaultNamespace: the kubernetes.io/metadata.name label, spec.finalizers ["kubernetes"], status.phase Active. */
export function defaultNamespace(o: JsonObject): void {
  const meta = ensureObject(o, 'metadata');
  if (typeof meta.name === 'string' && meta.name) ensureObject(meta, 'labels')['kubernetes.io/metadata.name'] = meta.name;
  setDefault(ensureObject(o, 'spec'), 'finalizers', ['kubernetes']);
  setDefault(ensureObject(o, 'status'), 'phase', 'Active');
}

/** defaultNode: status.allocatable copies capacity when absent. */
export function defaultNode(o: JsonObject): void {
  const st = isObj(o.status) ? o.status : undefined;
  if (st && isObj(st.capacity) && !isObj(st.allocatable)) st.allocatable = { ...st.capacity };
}

/** defaultPersistentVolume: reclaim policy Retain, volumeMode Filesystem, status.phase Pending. */
export function defaultPersistentVolume(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefault(spec, 'volumeMode', 'Filesystem');
  setDefault(ensureObject(o, 'status'), 'phase', 'Pending');
}

/** defaultEndpoints: port protocol TCP. */
export function defaultEndpoints(o: JsonObject): void {
  for (const ss of list(o.subsets)) for (const p of list(ss.ports)) setDefault(p, 'protocol', 'TCP');
}

function scalingRules(r: unknown, up: boolean): JsonObject {
  const rules: JsonObject = isObj(r) ? r : {};
  if (up) setDefault(rules, 'stabilizationWindowSeconds', 0);
  setDefault(rules, 'selectPolicy', 'Max');
  setDefault(rules, 'policies', up
    ? [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }]
    : [{ type: 'Percent', value: 100, periodSeconds: 15 }]);
  return rules;
}

/** defaultHPA: minReplicas 1; for autoscaling/v2 a CPU 80% metric when none and behavior rule defaults when behavior is set. */
export function defaultHPA(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'minReplicas', 1);
  if (String(o.apiVersion ?? '') === 'autoscaling/v1') return;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = scalingRules(spec.behavior.scaleUp, true);
    spec.behavior.scaleDown = scalingRules(spec.behavior.scaleDown, false);
  }
}

/** defaultNetworkPolicy: port protocol TCP, policyTypes from the rules present. */
export function defaultNetworkPolicy(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(spec, 'podSelector', {});
  for (const r of [...list(spec.ingress), ...list(spec.egress)]) for (const p of list(r.ports)) setDefault(p, 'protocol', 'TCP');
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = Array.isArray(spec.egress) ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

/** defaultStorageClass: reclaimPolicy Delete, volumeBindingMode Immediate. */
export function defaultStorageClass(o: JsonObject): void {
  setDefault(o, 'reclaimPolicy', 'Delete');
  setDefault(o, 'volumeBindingMode', 'Immediate');
}

/** defaultPriorityClass: preemptionPolicy PreemptLowerPriority. */
export function defaultPriorityClass(o: JsonObject): void {
  setDefault(o, 'preemptionPolicy', 'PreemptLowerPriority');
}

/** defaultRoleBinding: roleRef.apiGroup and User/Group subjects' apiGroup rbac.authorization.k8s.io. */
export function defaultRoleBinding(o: JsonObject): void {
  if (isObj(o.roleRef)) setDefault(o.roleRef, 'apiGroup', 'rbac.authorization.k8s.io');
  for (const s of list(o.subjects)) {
    if (s.kind === 'User' || s.kind === 'Group') setDefault(s, 'apiGroup', 'rbac.authorization.k8s.io');
  }
}

/** defaultCRD: conversion strategy None. */
export function defaultCRD(o: JsonObject): void {
  const spec = ensureObject(o, 'spec');
  setDefault(ensureObject(spec, 'conversion'), 'strategy', 'None');
  if (isObj(spec.names) && typeof spec.names.kind === 'string') setDefault(spec.names, 'listKind', `${spec.names.kind}List`);
}

/** defaultEndpointSlice: port protocol TCP. */
export function defaultEndpointSlice(o: JsonObject): void {
  for (const p of list(o.ports)) setDefault(p, 'protocol', 'TCP');
}
