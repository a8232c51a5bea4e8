/**
 * @module apiserver/patch/testing-registry — a small hand-made SchemaRegistry for the patch tests:
 * Deployment, PodSpec, Container and friends with upstream's merge keys, list types and map
 * types (checked against reference/openapi-v3/apis__apps__v1.json). Not used by production code.
 */
import type { FieldDef, SchemaRegistry, StructDef, TypeRef } from '../../api/schema/model.ts';

const str: TypeRef = { kind: 'scalar', scalar: 'string' };
const int: TypeRef = { kind: 'scalar', scalar: 'int32' };
const bool: TypeRef = { kind: 'scalar', scalar: 'boolean' };
const ref = (name: string): TypeRef => ({ kind: 'ref', name });
const strMap: TypeRef = { kind: 'map', values: str };
const f = (type: TypeRef, extra: Partial<FieldDef> = {}): FieldDef => ({ type, ...extra });
const keyed = (item: string, key: string, keys: string[] = [key], strategy = 'merge'): TypeRef =>
  ({ kind: 'list', items: ref(item), listType: 'map', listMapKeys: keys, patchStrategy: strategy, patchMergeKey: key });
const atomicOf = (items: TypeRef): TypeRef => ({ kind: 'list', items, listType: 'atomic' });

const structs: StructDef[] = [
  { name: 'apps.v1.Deployment', fields: {
    apiVersion: f(str), kind: f(str),
    metadata: f(ref('meta.v1.ObjectMeta'), { default: {} }),
    spec: f(ref('apps.v1.DeploymentSpec'), { default: {} }),
    status: f(ref('apps.v1.DeploymentStatus'), { default: {} }),
  } },
  { name: 'apps.v1.DeploymentSpec', fields: {
    replicas: f(int), minReadySeconds: f(int), paused: f(bool),
    selector: f(ref('meta.v1.LabelSelector')),
    strategy: f(ref('apps.v1.DeploymentStrategy'), { default: {}, patchStrategy: 'retainKeys' }),
    template: f(ref('core.v1.PodTemplateSpec'), { default: {} }),
  } },
  { name: 'apps.v1.DeploymentStrategy', fields: { type: f(str), rollingUpdate: f(ref('apps.v1.RollingUpdateDeployment')) } },
  { name: 'apps.v1.RollingUpdateDeployment', fields: {
    maxSurge: f({ kind: 'special', special: 'intOrString' }), maxUnavailable: f({ kind: 'special', special: 'intOrString' }),
  } },
  { name: 'apps.v1.DeploymentStatus', fields: {
    replicas: f(int), readyReplicas: f(int),
    conditions: f(keyed('apps.v1.DeploymentCondition', 'type')),
  } },
  { name: 'apps.v1.DeploymentCondition', fields: { type: f(str), status: f(str), reason: f(str), message: f(str) } },
  { name: 'core.v1.PodTemplateSpec', fields: {
    metadata: f(ref('meta.v1.ObjectMeta'), { default: {} }), spec: f(ref('core.v1.PodSpec'), { default: {} }),
  } },
  { name: 'core.v1.PodSpec', fields: {
    containers: f(keyed('core.v1.Container', 'name'), { required: true }),
    initContainers: f(keyed('core.v1.Container', 'name')),
    volumes: f(keyed('core.v1.Volume', 'name', ['name'], 'merge,retainKeys')),
    tolerations: f(atomicOf(ref('core.v1.Toleration'))),
    imagePullSecrets: f(keyed('core.v1.LocalObjectReference', 'name')),
    nodeSelector: f({ kind: 'map', values: str, mapType: 'atomic' }),
    restartPolicy: f(str), serviceAccountName: f(str), hostNetwork: f(bool),
    terminationGracePeriodSeconds: f({ kind: 'scalar', scalar: 'int64' }),
  } },
  { name: 'core.v1.Container', fields: {
    name: f(str, { required: true, default: '' }), image: f(str), imagePullPolicy: f(str),
    args: f(atomicOf(str)), command: f(atomicOf(str)),
    env: f(keyed('core.v1.EnvVar', 'name')),
    ports: f(keyed('core.v1.ContainerPort', 'containerPort', ['containerPort', 'protocol'])),
    volumeMounts: f(keyed('core.v1.VolumeMount', 'mountPath')),
    resources: f(ref('core.v1.ResourceRequirements'), { default: {} }),
  } },
  { name: 'core.v1.ResourceRequirements', fields: {
    limits: f({ kind: 'map', values: { kind: 'special', special: 'quantity' } }),
    requests: f({ kind: 'map', values: { kind: 'special', special: 'quantity' } }),
  } },
  { name: 'core.v1.ContainerPort', fields: {
    containerPort: f(int, { required: true, default: 0 }), protocol: f(str, { default: 'TCP' }), name: f(str), hostPort: f(int),
  } },
  { name: 'core.v1.EnvVar', fields: { name: f(str, { required: true, default: '' }), value: f(str), valueFrom: f(ref('core.v1.EnvVarSource')) } },
  { name: 'core.v1.EnvVarSource', fields: { fieldRef: f(ref('core.v1.ObjectFieldSelector')) } },
  { name: 'core.v1.ObjectFieldSelector', mapType: 'atomic', fields: { apiVersion: f(str), fieldPath: f(str) } },
  { name: 'core.v1.VolumeMount', fields: { name: f(str), mountPath: f(str), readOnly: f(bool) } },
  { name: 'core.v1.Volume', fields: {
    name: f(str, { required: true, default: '' }),
    emptyDir: f(ref('core.v1.EmptyDirVolumeSource')), configMap: f(ref('core.v1.ConfigMapVolumeSource')),
    secret: f(ref('core.v1.SecretVolumeSource')),
  } },
  { name: 'core.v1.EmptyDirVolumeSource', fields: { medium: f(str), sizeLimit: f({ kind: 'special', special: 'quantity' }) } },
  { name: 'core.v1.ConfigMapVolumeSource', fields: { name: f(str), defaultMode: f(int), optional: f(bool) } },
  { name: 'core.v1.SecretVolumeSource', fields: { secretName: f(str), defaultMode: f(int) } },
  { name: 'core.v1.Toleration', fields: { key: f(str), operator: f(str), value: f(str), effect: f(str), tolerationSeconds: f({ kind: 'scalar', scalar: 'int64' }) } },
  { name: 'core.v1.LocalObjectReference', mapType: 'atomic', fields: { name: f(str, { default: '' }) } },
  { name: 'meta.v1.ObjectMeta', fields: {
    name: f(str), namespace: f(str), uid: f(str), resourceVersion: f(str), generation: f({ kind: 'scalar', scalar: 'int64' }),
    creationTimestamp: f({ kind: 'special', special: 'time' }),
    labels: f(strMap), annotations: f(strMap),
    finalizers: f({ kind: 'list', items: str, listType: 'set', patchStrategy: 'merge' }),
    ownerReferences: f(keyed('meta.v1.OwnerReference', 'uid')),
    managedFields: f(atomicOf(ref('meta.v1.ManagedFieldsEntry'))),
  } },
  { name: 'meta.v1.OwnerReference', mapType: 'atomic', fields: { apiVersion: f(str), kind: f(str), name: f(str), uid: f(str), controller: f(bool) } },
  { name: 'meta.v1.LabelSelector', mapType: 'atomic', fields: {
    matchLabels: f(strMap), matchExpressions: f(atomicOf(ref('meta.v1.LabelSelectorRequirement'))),
  } },
  { name: 'meta.v1.LabelSelectorRequirement', fields: { key: f(str), operator: f(str), values: f(atomicOf(str)) } },
  { name: 'meta.v1.ManagedFieldsEntry', fields: {
    manager: f(str), operation: f(str), apiVersion: f(str), time: f({ kind: 'special', special: 'time' }),
    fieldsType: f(str), fieldsV1: f({ kind: 'special', special: 'fieldsV1' }), subresource: f(str),
  } },
  { name: 'example.v1.Widget', fields: {
    apiVersion: f(str), kind: f(str), metadata: f(ref('meta.v1.ObjectMeta'), { default: {} }),
    spec: f(ref('example.v1.WidgetSpec')),
  } },
  { name: 'example.v1.WidgetSpec', fields: {
    // a list-type map without a patch merge key (as CRD schemas declare them)
    slots: f({ kind: 'list', items: ref('example.v1.Slot'), listType: 'map', listMapKeys: ['rack', 'slot'] }),
    tags: f({ kind: 'list', items: str, listType: 'set' }),
    config: f({ kind: 'special', special: 'json' }),
  } },
  { name: 'example.v1.Slot', fields: { rack: f(str), slot: f(int), size: f(int), note: f(str) } },
];

const byName = new Map(structs.map((s) => [s.name, s]));

/** testRegistry serves the structs above. */
export const testRegistry: SchemaRegistry = {
  struct: (name) => byName.get(name),
  all: () => byName.values(),
};
