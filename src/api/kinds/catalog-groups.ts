/**
 * @module api/kinds/catalog-groups — the resources of the named API groups windlass serves.
 */
import { CREATE_ONLY, REPLICAS_SCALE, kind, type KindFact } from './catalog-helpers.ts';

const ALL = ['all'];
const HPA_DESC = 'A HorizontalPodAutoscaler adjusts the replica count of a scalable workload from observed metrics.';

/** groupKinds: every served resource of the named groups (apps, batch, autoscaling, …). */
export const groupKinds: readonly KindFact[] = [
  // apps/v1
  kind('apps', 'v1', 'Deployment', 'deployments', {
    namespaced: true, shortNames: ['deploy'], categories: ALL, subresources: ['status', 'scale'], scale: REPLICAS_SCALE,
    description: 'A Deployment declares a replicated, stateless application and rolls out changes through ReplicaSets.',
  }),
  kind('apps', 'v1', 'ReplicaSet', 'replicasets', {
    namespaced: true, shortNames: ['rs'], categories: ALL, subresources: ['status', 'scale'], scale: REPLICAS_SCALE,
    description: 'A ReplicaSet keeps a given number of identical pods running.',
  }),
  kind('apps', 'v1', 'StatefulSet', 'statefulsets', {
    namespaced: true, shortNames: ['sts'], categories: ALL, subresources: ['status', 'scale'], scale: REPLICAS_SCALE,
    description: 'A StatefulSet runs pods with stable names and per-pod storage, created and removed in order.',
  }),
  kind('apps', 'v1', 'DaemonSet', 'daemonsets', {
    namespaced: true, shortNames: ['ds'], categories: ALL, subresources: ['status'],
    description: 'A DaemonSet runs one copy of a pod on every node that matches its selector.',
  }),
  kind('apps', 'v1', 'ControllerRevision', 'controllerrevisions', {
    namespaced: true,
    description: 'A ControllerRevision is an immutable snapshot of a workload template, kept for rollbacks.',
  }),
  // batch/v1
  kind('batch', 'v1', 'Job', 'jobs', {
    namespaced: true, categories: ALL, subresources: ['status'],
    description: 'A Job runs pods until a given number of them complete successfully.',
  }),
  kind('batch', 'v1', 'CronJob', 'cronjobs', {
    namespaced: true, shortNames: ['cj'], categories: ALL, subresources: ['status'],
    description: 'A CronJob creates Jobs on a repeating schedule.',
  }),
  // autoscaling/v2 (preferred) and v1 share storage in v2
  kind('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', {
    namespaced: true, shortNames: ['hpa'], categories: ALL, subresources: ['status'], storageVersion: 'v2',
    description: HPA_DESC,
  }),
  kind('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', {
    namespaced: true, shortNames: ['hpa'], categories: ALL, subresources: ['status'], storageVersion: 'v2',
    description: HPA_DESC,
  }),
  // networking.k8s.io/v1
  kind('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', {
    namespaced: true, shortNames: ['netpol'],
    description: 'A NetworkPolicy says which traffic may reach or leave the pods it selects.',
  }),
  kind('networking.k8s.io', 'v1', 'Ingress', 'ingresses', {
    namespaced: true, shortNames: ['ing'], subresources: ['status'],
    description: 'An Ingress routes external HTTP(S) traffic to services by host name and path.',
  }),
  kind('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', {
    namespaced: false,
    description: 'An IngressClass names the controller that implements a class of Ingresses.',
  }),
  // discovery.k8s.io/v1
  kind('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', {
    namespaced: true,
    description: 'An EndpointSlice lists a subset of the network endpoints behind a service.',
  }),
  // coordination.k8s.io/v1
  kind('coordination.k8s.io', 'v1', 'Lease', 'leases', {
    namespaced: true,
    description: 'A Lease is a lightweight lock with a holder and renew time, used for heartbeats and leader election.',
  }),
  // certificates.k8s.io/v1
  kind('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'certificatesigningrequests', {
    namespaced: false, shortNames: ['csr'], subresources: ['status', 'approval'],
    description: 'A CertificateSigningRequest asks a signer to issue an X.509 certificate; it is approved, then signed.',
  }),
  // node.k8s.io/v1
  kind('node.k8s.io', 'v1', 'RuntimeClass', 'runtimeclasses', {
    namespaced: false,
    description: 'A RuntimeClass selects the container runtime configuration (handler) used to run a pod.',
  }),
  // rbac.authorization.k8s.io/v1
  kind('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', {
    namespaced: true,
    description: 'A Role is a set of permission rules within one namespace.',
  }),
  kind('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', {
    namespaced: false,
    description: 'A ClusterRole is a set of permission rules across the cluster or for cluster-scoped resources.',
  }),
  kind('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', {
    namespaced: true,
    description: 'A RoleBinding grants the rules of a Role or ClusterRole to subjects within one namespace.',
  }),
  kind('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', {
    namespaced: false,
    description: 'A ClusterRoleBinding grants the rules of a ClusterRole to subjects across the cluster.',
  }),
  // storage.k8s.io/v1
  kind('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', {
    namespaced: false, shortNames: ['sc'],
    description: 'A StorageClass describes a kind of storage and how volumes of it are provisioned.',
  }),
  kind('storage.k8s.io', 'v1', 'CSIDriver', 'csidrivers', {
    namespaced: false,
    description: 'A CSIDriver describes a Container Storage Interface volume driver installed in the cluster.',
  }),
  kind('storage.k8s.io', 'v1', 'CSINode', 'csinodes', {
    namespaced: false,
    description: 'A CSINode lists the CSI drivers installed on one node.',
  }),
  kind('storage.k8s.io', 'v1', 'VolumeAttachment', 'volumeattachments', {
    namespaced: false, subresources: ['status'],
    description: 'A VolumeAttachment asks for a volume to be attached to (or detached from) a node.',
  }),
  // policy/v1
  kind('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', {
    namespaced: true, shortNames: ['pdb'], subresources: ['status'],
    description: 'A PodDisruptionBudget limits how many pods of a set may be down at once through voluntary evictions.',
  }),
  // scheduling.k8s.io/v1
  kind('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', {
    namespaced: false, shortNames: ['pc'],
    description: 'A PriorityClass maps a name to a scheduling priority for pods.',
  }),
  // events.k8s.io/v1: a view of core v1 Events, sharing their storage
  kind('events.k8s.io', 'v1', 'Event', 'events', {
    namespaced: true, shortNames: ['ev'], storageGroup: '', storageVersion: 'v1',
    description: 'An Event reports something that happened to an object (the events.k8s.io form of core Events).',
  }),
  // apiextensions.k8s.io/v1
  kind('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', {
    namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'], subresources: ['status'],
    description: 'A CustomResourceDefinition adds a new resource type, with its schema, to the API.',
  }),
  // authentication.k8s.io/v1 (virtual, create-only)
  kind('authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews', {
    namespaced: false, verbs: CREATE_ONLY,
    description: 'A SelfSubjectReview returns the user information the server sees for the caller.',
  }),
  // v1beta1 is what kubectl 1.27 asks for in `auth whoami` (its schema is v1's, field for field).
  kind('authentication.k8s.io', 'v1beta1', 'SelfSubjectReview', 'selfsubjectreviews', {
    namespaced: false, verbs: CREATE_ONLY, schema: 'authentication.v1.SelfSubjectReview',
    description: 'A SelfSubjectReview returns the user information the server sees for the caller.',
  }),
  kind('authentication.k8s.io', 'v1', 'TokenReview', 'tokenreviews', {
    namespaced: false, verbs: CREATE_ONLY,
    description: 'A TokenReview asks the server to authenticate a bearer token and say whose it is.',
  }),
  // authorization.k8s.io/v1 (virtual, create-only)
  kind('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', {
    namespaced: false, verbs: CREATE_ONLY,
    description: 'A SelfSubjectAccessReview asks whether the caller may perform an action.',
  }),
  kind('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', {
    namespaced: false, verbs: CREATE_ONLY,
    description: 'A SelfSubjectRulesReview lists the actions the caller may perform in a namespace.',
  }),
  kind('authorization.k8s.io', 'v1', 'SubjectAccessReview', 'subjectaccessreviews', {
    namespaced: false, verbs: CREATE_ONLY,
    description: 'A SubjectAccessReview asks whether a given user or group may perform an action.',
  }),
];
