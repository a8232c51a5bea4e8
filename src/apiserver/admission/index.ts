/**
 * @module apiserver/admission — the admission chain of the API server: NamespaceLifecycle,
 * LimitRanger, ServiceAccount, NodeRestriction, PodSecurity, Priority, DefaultTolerationSeconds,
 * DefaultStorageClass, RuntimeClass and ResourceQuota, run by the registry on every create, update and delete.
 */
export * from './types.ts';
export { AdmissionChain, createAdmissionChain, defaultPlugins, ensureSystemPriorityClasses, registryContext } from './chain.ts';
export { csrCommonName } from './csr-subject.ts';
export { namespaceLifecycle, IMMORTAL_NAMESPACES } from './namespace-lifecycle.ts';
export { limitRanger, limitRangeItems, limitViolations, pvcViolations, LIMIT_RANGER_ANNOTATION } from './limit-ranger.ts';
export { serviceAccountAdmission, tokenVolume, TOKEN_MOUNT_PATH, MIRROR_ANNOTATION } from './service-account.ts';
export { nodeRestriction, nodeNameOfUser, forbiddenNodeLabel, KUBELET_LABELS } from './node-restriction.ts';
export { podSecurity, policyOf, labelErrors, PSA_LABEL_PREFIX, type NamespacePolicy, type PolicyLevel } from './pod-security.ts';
export { checkPod, renderViolations, type PodSecurityLevel, type CheckResult } from './pod-security-checks.ts';
export { priorityAdmission, SYSTEM_PRIORITY_CLASSES } from './priority.ts';
export { defaultTolerationSeconds, NOT_READY_TAINT, UNREACHABLE_TAINT } from './default-toleration-seconds.ts';
export { runtimeClassAdmission } from './runtime-class.ts';
export { defaultStorageClass, defaultStorageClassOf, IS_DEFAULT_CLASS } from './default-storage-class.ts';
export { resourceQuota, usageOf, countKey, resourceOfKey } from './resource-quota.ts';
export { parseQuantity, formatQuantity, type Quantity } from './quantity.ts';
