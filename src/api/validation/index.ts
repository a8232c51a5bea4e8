/**
 * @module api/validation — the semantic layer's face: structural checks against the schema
 * registry, ObjectMeta and per-kind validation in upstream's words, the name rules, and
 * `kindHooks` (defaults, validate, columns, fieldSelectors per kind). Selectors, defaults and
 * printers are re-exported for convenience; each also has its own index.
 */
export { checkStructure, pruneUnknown, jsonTypeName, unknownFieldMessages, type StructureReport } from './structure.ts';
export {
  validateObjectMeta, validateObjectMetaUpdate, validateLabels, validateAnnotations, validateFinalizers, validateLabelSelector,
  nameIsDNSSubdomain, nameIsDNSLabel, nameIsDNS1035Label, nameIsPathSegment, TOTAL_ANNOTATION_SIZE_LIMIT, type NameValidator,
} from './meta.ts';
export { validatePod, validatePodSpec, validatePodTemplateSpec, validatePodTemplate, POD_UPDATE_MESSAGE } from './pod.ts';
export {
  validateDeployment, validateReplicaSet, validateReplicationController, validateStatefulSet, validateDaemonSet,
  validateControllerRevision, templateMatchesSelector, SELECTOR_MISMATCH,
} from './apps.ts';
export { validateJob, validateCronJob, validateTimeZone } from './batch.ts';
export { parseCron, type CronSchedule } from './cron.ts';
export {
  validateService, validateConfigMap, validateSecret, validateNamespace, validateNode, validatePersistentVolumeClaim,
  validatePersistentVolume, validateEvent, validateServiceAccount, validateEndpoints, nodePortRangeError, MAX_SECRET_SIZE,
} from './core.ts';
export {
  validateHPA, validateCRD, structuralSchema, validateLease, validateRole, validateRoleBinding, validatePriorityClass,
  validateCSR, validatePDB, validateStorageClass, validateRuntimeClass, validateEventsV1,
  HIGHEST_USER_PRIORITY,
} from './misc.ts';
export { validateNetworkPolicy, validateIngress } from './networking.ts';
export { parseQuantity, isQuantity, QUANTITY_MESSAGE } from './quantity.ts';
export { goLabelSelector, goStringMap } from './field.ts';
export { fieldSelectorsByKind, fieldGetter, unsupportedFields, type FieldGetters } from './field-selectors.ts';
export { kindHooks, metaOnly, type KindHooks } from './hooks.ts';
export {
  parseLabelSelector, labelSelectorFromMeta, matchesLabels, labelSelectorString, formatLabelSelector, formatLabels,
  parseFieldSelector, matchesFields, fieldSelectorFields, fieldSelectorString,
  isDNS1123Subdomain, isDNS1123Label, isDNS1035Label, isQualifiedName, isValidLabelValue, isValidPathSegmentName, isConfigMapKey,
  type LabelSelector, type LabelRequirement, type FieldSelector, type FieldTerm,
} from '../selectors/index.ts';
export { defaulters } from '../defaults/index.ts';
export { printerColumns, tableColumns, nameColumn, ageColumn, createdAtColumn, humanDuration } from '../printers/index.ts';
export { validateJsonSchema } from './json-schema-validate.ts';
export { applyJsonSchemaDefaults, pruneJsonSchemaNulls } from './json-schema-defaults.ts';
