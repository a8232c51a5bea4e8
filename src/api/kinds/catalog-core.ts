/**
 * @module api/kinds/catalog-core — the core (`v1`, group "") resources windlass serves.
 */
import { CREATE_ONLY, REPLICAS_SCALE, kind, type KindFact } from './catalog-helpers.ts';

const ALL = ['all'];

/** coreKinds: every served resource of the core group, version v1. */
export const coreKinds: readonly KindFact[] = [
  kind('', 'v1', 'Namespace', 'namespaces', {
    namespaced: false, shortNames: ['ns'], subresources: ['status', 'finalize'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    description: 'A Namespace groups namespaced objects under one name, for naming, access control and quotas.',
  }),
  kind('', 'v1', 'Pod', 'pods', {
    namespaced: true, shortNames: ['po'], categories: ALL,
    subresources: ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers'],
    description: 'A Pod is a group of containers that share one network endpoint and run together on one node.',
  }),
  kind('', 'v1', 'Binding', 'bindings', {
    namespaced: true, verbs: CREATE_ONLY,
    description: 'A Binding assigns a pod to a node; it is created, never stored on its own.',
  }),
  kind('', 'v1', 'Node', 'nodes', {
    namespaced: false, shortNames: ['no'], subresources: ['status', 'proxy'],
    description: 'A Node is a machine that runs pods, registered and kept up to date by its agent.',
  }),
  kind('', 'v1', 'Service', 'services', {
    namespaced: true, shortNames: ['svc'], categories: ALL, subresources: ['status', 'proxy'],
    description: 'A Service gives a set of pods, chosen by labels, one stable virtual address and load-balanced ports.',
  }),
  kind('', 'v1', 'Endpoints', 'endpoints', {
    namespaced: true, shortNames: ['ep'], singular: 'endpoints',
    description: 'Endpoints lists the ready and not-ready addresses behind a service (legacy form of EndpointSlice).',
  }),
  kind('', 'v1', 'ConfigMap', 'configmaps', {
    namespaced: true, shortNames: ['cm'],
    description: 'A ConfigMap holds non-secret configuration as key-value pairs for pods to consume.',
  }),
  kind('', 'v1', 'Secret', 'secrets', {
    namespaced: true,
    description: 'A Secret holds a small amount of sensitive data (passwords, tokens, keys) for pods to consume.',
  }),
  kind('', 'v1', 'ServiceAccount', 'serviceaccounts', {
    namespaced: true, shortNames: ['sa'], subresources: ['token'],
    description: 'A ServiceAccount is an identity for processes that run in pods.',
  }),
  kind('', 'v1', 'Event', 'events', {
    namespaced: true, shortNames: ['ev'],
    description: 'An Event reports something that happened to an object, such as a scheduling decision or an error.',
  }),
  kind('', 'v1', 'PersistentVolume', 'persistentvolumes', {
    namespaced: false, shortNames: ['pv'], subresources: ['status'],
    description: 'A PersistentVolume is a piece of cluster storage, provisioned by an administrator or a storage class.',
  }),
  kind('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', {
    namespaced: true, shortNames: ['pvc'], subresources: ['status'],
    description: 'A PersistentVolumeClaim is a request for storage that binds to a matching PersistentVolume.',
  }),
  kind('', 'v1', 'LimitRange', 'limitranges', {
    namespaced: true, shortNames: ['limits'],
    description: 'A LimitRange sets default, minimum and maximum resource amounts per object in a namespace.',
  }),
  kind('', 'v1', 'ResourceQuota', 'resourcequotas', {
    namespaced: true, shortNames: ['quota'], subresources: ['status'],
    description: 'A ResourceQuota caps the total resources and object counts a namespace may use.',
  }),
  kind('', 'v1', 'PodTemplate', 'podtemplates', {
    namespaced: true,
    description: 'A PodTemplate stores a reusable pod description.',
  }),
  kind('', 'v1', 'ReplicationController', 'replicationcontrollers', {
    namespaced: true, shortNames: ['rc'], categories: ALL, subresources: ['status', 'scale'], scale: REPLICAS_SCALE,
    description: 'A ReplicationController keeps a fixed number of pod replicas running (predecessor of ReplicaSet).',
  }),
];
