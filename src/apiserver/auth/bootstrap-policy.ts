/**
 * @module apiserver/auth/bootstrap-policy — the RBAC objects a fresh cluster starts with (upstream's
 * bootstrap policy plus kubeadm's join bindings) and their reconciliation at start: missing objects
 * are created; objects annotated `rbac.authorization.kubernetes.io/autoupdate: "true"` get missing
 * rules and subjects added back; objects without that annotation are left as the user edited them.
 */
import { isStatusError, type JsonObject } from '../../api/index.ts';
import type { Catalog } from '../registry/catalog.ts';
import type { ResourceRegistry } from '../registry/resource-store.ts';
import { NODE_RULES } from './node.ts';
import { uncovered } from './rules.ts';
import type { PolicyRule } from './types.ts';

const RBAC = 'rbac.authorization.k8s.io';
const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const R = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({ verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) });
const U = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

function meta(name: string, labels: Record<string, string> = {}, namespace?: string): JsonObject {
  return { name, ...(namespace ? { namespace } : {}), labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels }, annotations: { [AUTOUPDATE]: 'true' } };
}
function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>, aggregateFrom?: string): JsonObject {
  return {
    apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: meta(name, labels), rules,
    ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregateFrom]: 'true' } }] } } : {}),
  };
}
type Subject = { kind: 'User' | 'Group' | 'ServiceAccount'; name: string; namespace?: string };
const user = (name: string): Subject => ({ kind: 'User', name });
const group = (name: string): Subject => ({ kind: 'Group', name });
function subjects(list: Subject[]): JsonObject[] {
  return list.map((s) => (s.kind === 'ServiceAccount' ? { ...s } : { ...s, apiGroup: RBAC }));
}
function crb(name: string, role: string, list: Subject[]): JsonObject {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: meta(name), roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role }, subjects: subjects(list) };
}

const AGG = (verb: string): string => `rbac.authorization.k8s.io/aggregate-to-${verb}`;
const CORE_VIEW = ['pods', 'pods/log', 'pods/status', 'configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status',
  'replicationcontrollers', 'replicationcontrollers/scale', 'replicationcontrollers/status', 'serviceaccounts', 'services', 'services/status',
  'bindings', 'events', 'limitranges', 'namespaces', 'namespaces/status', 'resourcequotas', 'resourcequotas/status'];
const APPS = ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale',
  'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status', 'controllerrevisions'];

/** CSR_GROUP is certificates.k8s.io. */
const CSR = 'certificates.k8s.io';

/** BOOTSTRAP_CLUSTER_ROLES are the ClusterRoles every cluster has. */
export const BOOTSTRAP_CLUSTER_ROLES: readonly JsonObject[] = [
  clusterRole('cluster-admin', [R(['*'], ['*'], ['*']), U(['*'], ['*'])]),
  clusterRole('admin', [], {}, AGG('admin')),
  clusterRole('edit', [], { [AGG('admin')]: 'true' }, AGG('edit')),
  clusterRole('view', [], { [AGG('edit')]: 'true' }, AGG('view')),
  clusterRole('system:aggregate-to-admin', [
    R(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
    R([...READ, ...WRITE], [RBAC], ['rolebindings', 'roles']),
  ], { [AGG('admin')]: 'true' }),
  clusterRole('system:aggregate-to-edit', [
    R(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
    R(['impersonate'], [''], ['serviceaccounts']),
    R(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
    R(['create'], [''], ['pods/eviction', 'serviceaccounts/token']),
    R(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
    R(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
    R(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
    R(WRITE, ['batch'], ['cronjobs', 'jobs']),
    R(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
    R(WRITE, ['policy'], ['poddisruptionbudgets']),
  ], { [AGG('edit')]: 'true' }),
  clusterRole('system:aggregate-to-view', [
    R(READ, [''], CORE_VIEW),
    R(READ, ['apps'], APPS),
    R(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    R(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
    R(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    R(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
    R(READ, ['discovery.k8s.io'], ['endpointslices']),
  ], { [AGG('view')]: 'true' }),
  clusterRole('system:basic-user', [
    R(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    R(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ]),
  clusterRole('system:discovery', [U(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
  clusterRole('system:public-info-viewer', [U(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
  clusterRole('system:monitoring', [U(['get'], ['/metrics', '/metrics/slis', '/healthz', '/healthz/*', '/livez', '/livez/*', '/readyz', '/readyz/*'])]),
  clusterRole('system:service-account-issuer-discovery', [U(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])]),
  clusterRole('system:node', [...NODE_RULES]),
  clusterRole('system:node-bootstrapper', [R(['create', 'get', 'list', 'watch'], [CSR], ['certificatesigningrequests'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [R(['create'], [CSR], ['certificatesigningrequests/nodeclient'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [R(['create'], [CSR], ['certificatesigningrequests/selfnodeclient'])]),
  clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [R(['approve'], [CSR], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])]),
  clusterRole('kubeadm:get-nodes', [R(['get'], [''], ['nodes'])]),
  clusterRole('system:kube-controller-manager', [
    R(['*'], ['', 'apps', 'batch', 'autoscaling', 'policy', 'discovery.k8s.io', 'coordination.k8s.io', 'events.k8s.io', 'networking.k8s.io', 'storage.k8s.io'], ['*']),
    R(['*'], [CSR], ['certificatesigningrequests', 'certificatesigningrequests/approval', 'certificatesigningrequests/status']),
    R(['approve', 'sign'], [CSR], ['signers']),
    R(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    R(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    R(READ, ['*'], ['*']),
    // The garbage collector and the namespace controller delete and patch objects of every
    // resource, including custom ones (upstream grants these to their service accounts).
    R(['delete', 'deletecollection', 'patch', 'update'], ['*'], ['*']),
  ]),
  // kube-proxy's role upstream; windlass's agents run the service proxy, so nodes hold it too.
  clusterRole('system:node-proxier', [
    R(['list', 'watch'], [''], ['endpoints', 'services']),
    R(['get', 'list', 'watch'], [''], ['nodes']),
    R(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    R(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
  ]),
  // What a windlass node's cluster DNS and NetworkPolicy enforcement read besides that.
  clusterRole('windlass:node-network', [
    R(READ, [''], ['namespaces', 'services', 'pods', 'nodes']),
    R(READ, ['discovery.k8s.io'], ['endpointslices']),
    R(READ, ['networking.k8s.io'], ['networkpolicies']),
  ]),
  clusterRole('system:volume-scheduler', [
    R(['get', 'list', 'watch', 'patch', 'update'], [''], ['persistentvolumes']),
    R(READ, ['storage.k8s.io'], ['storageclasses']),
    R(['get', 'list', 'watch', 'patch', 'update'], [''], ['persistentvolumeclaims']),
  ]),
  clusterRole('system:kube-scheduler', [
    R(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    R(['create'], ['coordination.k8s.io'], ['leases']),
    R(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
    R(['delete', ...READ], [''], ['pods']),
    R(['create'], [''], ['bindings', 'pods/binding']),
    R(['patch', 'update'], [''], ['pods/status']),
    R(READ, [''], ['nodes', 'namespaces', 'persistentvolumeclaims', 'persistentvolumes', 'replicationcontrollers', 'services', 'configmaps']),
    R(READ, ['apps'], ['replicasets', 'statefulsets']),
    R(READ, ['policy'], ['poddisruptionbudgets']),
    R(READ, ['storage.k8s.io'], ['csidrivers', 'csinodes', 'csistoragecapacities', 'storageclasses']),
    R(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    R(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
];

/** BOOTSTRAP_CLUSTER_ROLE_BINDINGS are the ClusterRoleBindings every cluster has. */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly JsonObject[] = [
  crb('cluster-admin', 'cluster-admin', [group('system:masters')]),
  crb('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
  crb('system:discovery', 'system:discovery', [group('system:authenticated')]),
  crb('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
  crb('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
  crb('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
  crb('system:node', 'system:node', []),
  crb('system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]),
  crb('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
  crb('system:volume-scheduler', 'system:volume-scheduler', [user('system:kube-scheduler')]),
  crb('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy'), group('system:nodes')]),
  crb('windlass:node-network', 'windlass:node-network', [group('system:nodes')]),
  crb('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group('system:bootstrappers')]),
  crb('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group('system:bootstrappers')]),
  crb('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [group('system:nodes')]),
  crb('kubeadm:get-nodes', 'kubeadm:get-nodes', [group('system:bootstrappers')]),
];

/** BOOTSTRAP_ROLES are namespaced Roles (kube-public's cluster-info reader, kube-system's kubeadm-config reader). */
export const BOOTSTRAP_ROLES: readonly JsonObject[] = [
  { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: meta('kubeadm:bootstrap-signer-clusterinfo', {}, 'kube-public'), rules: [R(['get'], [''], ['configmaps'], ['cluster-info'])] },
  // kubeadm's: joining and joined nodes read the cluster's networking from kube-system/kubeadm-config.
  { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: meta('kubeadm:nodes-kubeadm-config', {}, 'kube-system'), rules: [R(['get'], [''], ['configmaps'], ['kubeadm-config'])] },
];

/** BOOTSTRAP_ROLE_BINDINGS are namespaced RoleBindings (anonymous may read cluster-info; nodes and bootstrappers kubeadm-config). */
export const BOOTSTRAP_ROLE_BINDINGS: readonly JsonObject[] = [
  { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: meta('kubeadm:bootstrap-signer-clusterinfo', {}, 'kube-public'),
    roleRef: { apiGroup: RBAC, kind: 'Role', name: 'kubeadm:bootstrap-signer-clusterinfo' }, subjects: subjects([user('system:anonymous')]) },
  { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: meta('kubeadm:nodes-kubeadm-config', {}, 'kube-system'),
    roleRef: { apiGroup: RBAC, kind: 'Role', name: 'kubeadm:nodes-kubeadm-config' }, subjects: subjects([group('system:bootstrappers'), group('system:nodes')]) },
];

const OPTS = { dryRun: false, fieldManager: 'windlass-rbac-bootstrap', fieldValidation: 'Ignore' } as const;

/** reconcile returns the object to write back for an autoupdated existing object, or undefined. */
function reconcile(cur: JsonObject, want: JsonObject): JsonObject | undefined {
  if (cur.metadata?.annotations?.[AUTOUPDATE] !== 'true') return undefined;
  const next = structuredClone(cur);
  let changed = false;
  if (want.aggregationRule && JSON.stringify(cur.aggregationRule) !== JSON.stringify(want.aggregationRule)) { next.aggregationRule = want.aggregationRule; changed = true; }
  if (want.rules && !want.aggregationRule) {
    const missing = uncovered((cur.rules ?? []) as PolicyRule[], want.rules as PolicyRule[]);
    if (missing.length > 0) { next.rules = [...(cur.rules ?? []), ...(want.rules as PolicyRule[]).filter((r) => uncovered((cur.rules ?? []) as PolicyRule[], [r]).length > 0)]; changed = true; }
  }
  if (want.subjects) {
    const have = new Set(((cur.subjects ?? []) as JsonObject[]).map((s) => `${String(s.kind)}/${String(s.namespace ?? '')}/${String(s.name)}`));
    const add = (want.subjects as JsonObject[]).filter((s) => !have.has(`${String(s.kind)}/${String(s.namespace ?? '')}/${String(s.name)}`));
    if (add.length > 0) { next.subjects = [...(cur.subjects ?? []), ...add]; changed = true; }
  }
  return changed ? next : undefined;
}

/** ensureBootstrapPolicy creates or reconciles the bootstrap RBAC objects (skipped when the
 * catalog does not serve RBAC, as in tests with a small catalog). */
export async function ensureBootstrapPolicy(registry: ResourceRegistry, catalog: Catalog): Promise<void> {
  const sets: [string, readonly JsonObject[]][] = [
    ['clusterroles', BOOTSTRAP_CLUSTER_ROLES], ['clusterrolebindings', BOOTSTRAP_CLUSTER_ROLE_BINDINGS],
    ['roles', BOOTSTRAP_ROLES], ['rolebindings', BOOTSTRAP_ROLE_BINDINGS],
  ];
  for (const [resource, objs] of sets) {
    const kind = catalog.lookup(RBAC, 'v1', resource);
    if (!kind) continue;
    for (const want of objs) {
      const ns = kind.namespaced ? String(want.metadata.namespace) : '';
      const name = String(want.metadata.name);
      try {
        await registry.create(kind, ns, structuredClone(want), OPTS);
      } catch (e) {
        if (!isStatusError(e, 409)) throw e;
        if (!reconcile(await registry.get(kind, ns, name), want)) continue;
        await registry.update(kind, ns, name, (cur) => {
          const next = reconcile(cur, want) ?? cur;
          delete next.metadata.resourceVersion;
          return next;
        }, OPTS);
      }
    }
  }
}
