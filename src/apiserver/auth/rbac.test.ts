/**
 * Unit tests of the authorizers: an RBAC matrix (verbs × resources × subjects — users, groups,
 * service accounts — with resourceNames, subresources, non-resource URLs and aggregation), the
 * escalation and bind checks of RBAC writes, and the Node authorizer's graph checks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject, KindInfo } from '../../api/index.ts';
import type { Catalog } from '../registry/catalog.ts';
import type { ResourceRegistry } from '../registry/resource-store.ts';
import type { WatchCaches } from '../watch-cache.ts';
import { NodeAuthorizer, NodeGraph } from './node.ts';
import { aggregateRules, RbacAuthorizer, RbacIndex } from './rbac.ts';
import { forbiddenMessage, uncovered } from './rules.ts';
import { AuthService } from './service.ts';
import type { PolicyRule, RequestAttributes, UserInfo } from './types.ts';

const RBAC = 'rbac.authorization.k8s.io';
const cr = (name: string, rules: PolicyRule[], labels: Record<string, string> = {}, agg?: JsonObject[]): JsonObject =>
  ({ metadata: { name, labels }, rules, ...(agg ? { aggregationRule: { clusterRoleSelectors: agg } } : {}) });
const role = (ns: string, name: string, rules: PolicyRule[]): JsonObject => ({ metadata: { name, namespace: ns }, rules });
const subj = (s: string): JsonObject => {
  const i = s.indexOf(':');
  const kind = s.slice(0, i);
  if (kind !== 'ServiceAccount') return { kind, name: s.slice(i + 1) };
  const [name, namespace] = s.slice(i + 1).split(':');
  return { kind, name, ...(namespace ? { namespace } : {}) };
};
const crb = (name: string, roleName: string, ...subjects: string[]): JsonObject => ({ metadata: { name }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName }, subjects: subjects.map(subj) });
const rb = (ns: string, name: string, kind: string, roleName: string, ...subjects: string[]): JsonObject =>
  ({ metadata: { name, namespace: ns }, roleRef: { apiGroup: RBAC, kind, name: roleName }, subjects: subjects.map(subj) });

function makeIndex(): RbacIndex {
  const ix = new RbacIndex();
  ix.put('clusterroles', cr('pod-reader', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] }]));
  ix.put('clusterroles', cr('secret-one', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] }]));
  ix.put('clusterroles', cr('scaler', [{ verbs: ['get', 'update'], apiGroups: ['apps'], resources: ['deployments/scale'] }]));
  ix.put('clusterroles', cr('any-status', [{ verbs: ['get'], apiGroups: ['*'], resources: ['*/status'] }]));
  ix.put('clusterroles', cr('urls', [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/logs/*'] }]));
  ix.put('clusterroles', cr('batch-star', [{ verbs: ['*'], apiGroups: ['batch'], resources: ['*'] }]));
  ix.put('clusterroles', cr('agg-part', [{ verbs: ['list'], apiGroups: [''], resources: ['services'] }], { 'example.com/agg': 'true' }));
  ix.put('clusterroles', cr('agg-other', [{ verbs: ['list'], apiGroups: [''], resources: ['endpoints'] }], { 'example.com/agg': 'false' }));
  const sel = [{ matchLabels: { 'example.com/agg': 'true' } }];
  ix.put('clusterroles', cr('agg', aggregateRules('agg', sel, ix.clusterRoles), {}, sel));
  ix.put('roles', role('ns-a', 'cm-editor', [{ verbs: ['create', 'update', 'get'], apiGroups: [''], resources: ['configmaps'] }]));
  ix.put('rolebindings', rb('ns-a', 'alice-cm', 'Role', 'cm-editor', 'User:alice'));
  ix.put('rolebindings', rb('ns-a', 'devs-pods', 'ClusterRole', 'pod-reader', 'Group:devs'));
  ix.put('rolebindings', rb('ns-b', 'robot2-pods', 'ClusterRole', 'pod-reader', 'ServiceAccount:robot2'));
  ix.put('clusterrolebindings', crb('bob-secrets', 'secret-one', 'User:bob'));
  ix.put('clusterrolebindings', crb('robot-scaler', 'scaler', 'ServiceAccount:robot:ns-a'));
  ix.put('clusterrolebindings', crb('urls', 'urls', 'Group:system:authenticated'));
  ix.put('clusterrolebindings', crb('carol-batch', 'batch-star', 'User:carol'));
  ix.put('clusterrolebindings', crb('dave-agg', 'agg', 'User:dave'));
  ix.put('clusterrolebindings', crb('erin-status', 'any-status', 'User:erin'));
  return ix;
}

const U = (username: string, ...groups: string[]): UserInfo => ({ username, groups: [...groups, 'system:authenticated'] });
const SA = (ns: string, name: string): UserInfo => ({ username: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] });
const res = (verb: string, resource: string, namespace = '', name = '', apiGroup = '', subresource = ''): RequestAttributes =>
  ({ type: 'resource', verb, apiGroup, apiVersion: 'v1', resource, subresource, name, namespace });
const url = (verb: string, path: string): RequestAttributes => ({ type: 'nonResource', verb, path });

const alice = U('alice'); const bob = U('bob'); const carol = U('carol'); const dave = U('dave'); const erin = U('erin');
const dev = U('zed', 'devs'); const nobody = U('nobody'); const admin = U('root', 'system:masters');
const robot = SA('ns-a', 'robot'); const robot2 = SA('ns-b', 'robot2'); const robot2elsewhere = SA('ns-c', 'robot2');
const anon: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

const MATRIX: [string, UserInfo, RequestAttributes, boolean][] = [
  ['role grants create configmaps in its namespace', alice, res('create', 'configmaps', 'ns-a'), true],
  ['role grants update configmaps', alice, res('update', 'configmaps', 'ns-a', 'c'), true],
  ['role grants get configmaps', alice, res('get', 'configmaps', 'ns-a', 'c'), true],
  ['role does not grant list', alice, res('list', 'configmaps', 'ns-a'), false],
  ['role does not grant delete', alice, res('delete', 'configmaps', 'ns-a', 'c'), false],
  ['role does not reach another namespace', alice, res('get', 'configmaps', 'ns-b', 'c'), false],
  ['role does not grant cluster-wide list', alice, res('list', 'configmaps'), false],
  ['role does not grant secrets', alice, res('get', 'secrets', 'ns-a', 'c'), false],
  ['group binding grants list pods', dev, res('list', 'pods', 'ns-a'), true],
  ['group binding grants watch pods', dev, res('watch', 'pods', 'ns-a'), true],
  ['group binding grants pods/log', dev, res('get', 'pods', 'ns-a', 'p', '', 'log'), true],
  ['pods rule does not grant pods/exec', dev, res('create', 'pods', 'ns-a', 'p', '', 'exec'), false],
  ['pods/log rule does not grant pods/status', dev, res('get', 'pods', 'ns-a', 'p', '', 'status'), false],
  ['group binding is namespaced', dev, res('list', 'pods', 'ns-b'), false],
  ['group binding does not grant delete pods', dev, res('delete', 'pods', 'ns-a', 'p'), false],
  ['non-member of the group is denied', nobody, res('list', 'pods', 'ns-a'), false],
  ['resourceNames grants the named secret', bob, res('get', 'secrets', 'ns-x', 's1'), true],
  ['resourceNames denies another secret', bob, res('get', 'secrets', 'ns-x', 's2'), false],
  ['resourceNames denies list (no name)', bob, res('list', 'secrets', 'ns-x'), false],
  ['resourceNames does not grant other verbs', bob, res('delete', 'secrets', 'ns-x', 's1'), false],
  ['SA cluster binding grants deployments/scale update', robot, res('update', 'deployments', 'ns-z', 'd', 'apps', 'scale'), true],
  ['scale rule does not grant the deployment itself', robot, res('update', 'deployments', 'ns-z', 'd', 'apps'), false],
  ['scale rule needs the apps group', robot, res('update', 'deployments', 'ns-z', 'd', 'extensions', 'scale'), false],
  ['SA subject without namespace binds the RoleBinding namespace', robot2, res('get', 'pods', 'ns-b', 'p'), true],
  ['same SA name in another namespace is not bound', robot2elsewhere, res('get', 'pods', 'ns-b', 'p'), false],
  ['*/status grants any status subresource', erin, res('get', 'deployments', 'n', 'd', 'apps', 'status'), true],
  ['*/status grants core status', erin, res('get', 'pods', 'n', 'p', '', 'status'), true],
  ['*/status does not grant the main resource', erin, res('get', 'pods', 'n', 'p'), false],
  ['verb * and resources * in one group', carol, res('deletecollection', 'jobs', 'n', '', 'batch'), true],
  ['resources * covers subresources', carol, res('update', 'jobs', 'n', 'j', 'batch', 'status'), true],
  ['group wildcard is per group', carol, res('get', 'deployments', 'n', 'd', 'apps'), false],
  ['aggregated rules apply', dave, res('list', 'services', 'n'), true],
  ['non-matching label is not aggregated', dave, res('list', 'endpoints', 'n'), false],
  ['non-resource URL exact', nobody, url('get', '/healthz'), true],
  ['non-resource URL prefix *', nobody, url('get', '/logs/kube/x.log'), true],
  ['non-resource URL verb mismatch', nobody, url('post', '/healthz'), false],
  ['non-resource URL not listed', nobody, url('get', '/metrics'), false],
  ['non-resource rule does not grant resources', nobody, res('get', 'healthz', 'n', 'x'), false],
  ['anonymous is not authenticated', anon, url('get', '/healthz'), false],
  ['system:masters may do everything', admin, res('delete', 'nodes', '', 'n1'), true],
  ['system:masters may use any URL', admin, url('put', '/anything'), true],
];

for (const [name, user, attrs, allowed] of MATRIX) {
  void test(`rbac: ${name}`, () => {
    const d = new RbacAuthorizer(makeIndex()).authorize(user, attrs);
    assert.equal(d.decision === 'allow', allowed, `${forbiddenMessage(user, attrs)} → ${d.decision}`);
  });
}

void test('rbac: deleting a binding revokes at once', () => {
  const ix = makeIndex();
  const a = new RbacAuthorizer(ix);
  assert.equal(a.authorize(alice, res('get', 'configmaps', 'ns-a', 'c')).decision, 'allow');
  ix.remove('rolebindings', { metadata: { name: 'alice-cm', namespace: 'ns-a' } });
  assert.equal(a.authorize(alice, res('get', 'configmaps', 'ns-a', 'c')).decision, 'noOpinion');
});

void test('rbac: forbidden messages have upstream form', () => {
  assert.equal(forbiddenMessage(U('x'), res('list', 'pods', 'default')), 'User "x" cannot list resource "pods" in API group "" in the namespace "default"');
  assert.equal(forbiddenMessage(U('x'), res('get', 'deployments', '', 'd', 'apps', 'scale')), 'User "x" cannot get resource "deployments/scale" in API group "apps" at the cluster scope');
  assert.equal(forbiddenMessage(U('x'), url('get', '/api')), 'User "x" cannot get path "/api"');
});

const COVERS: [string, PolicyRule[], PolicyRule[], number][] = [
  ['exact rule is covered', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], 0],
  ['star covers everything', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['get', 'delete'], apiGroups: ['apps', ''], resources: ['x', 'y/z'] }], 0],
  ['missing verb is uncovered', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }], 1],
  ['named owner does not cover unnamed', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], 1],
  ['unnamed owner covers named', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'] }], 0],
  ['*/scale covers x/scale', [{ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }], 0],
  ['pods does not cover *', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['*'] }], 1],
  ['URL prefix covers longer URL', [{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/logs/a', '/logs/b*'] }], 0],
  ['URL not covered', [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }], 1],
];
for (const [name, owner, requested, n] of COVERS) {
  void test(`covers: ${name}`, () => { assert.equal(uncovered(owner, requested).length, n); });
}

function service(): AuthService {
  const s = new AuthService({ registry: {} as ResourceRegistry, catalog: {} as Catalog, caches: {} as WatchCaches, now: Date.now });
  const ix = makeIndex();
  for (const [n, r] of ix.clusterRoles) s.index.put('clusterroles', cr(n, r.rules, r.labels));
  for (const [k, r] of ix.roles) s.index.put('roles', role(k.split('/')[0], r.name, r.rules));
  for (const [, b] of ix.clusterRoleBindings) s.index.put('clusterrolebindings', { metadata: { name: b.name }, roleRef: { kind: b.roleKind, name: b.roleName }, subjects: b.subjects });
  for (const [ns, m] of ix.roleBindings) for (const [, b] of m) s.index.put('rolebindings', { metadata: { name: b.name, namespace: ns }, roleRef: { kind: b.roleKind, name: b.roleName }, subjects: b.subjects });
  s.index.put('clusterroles', cr('rbac-manager', [{ verbs: ['create', 'update', 'get'], apiGroups: [RBAC], resources: ['roles', 'rolebindings'] }]));
  s.index.put('clusterroles', cr('escalator', [{ verbs: ['escalate'], apiGroups: [RBAC], resources: ['roles'] }]));
  s.index.put('clusterroles', cr('binder', [{ verbs: ['bind'], apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['batch-star'] }]));
  s.index.put('rolebindings', rb('ns-a', 'alice-rbac', 'ClusterRole', 'rbac-manager', 'User:alice'));
  s.index.put('rolebindings', rb('ns-a', 'frank-rbac', 'ClusterRole', 'rbac-manager', 'User:frank'));
  s.index.put('rolebindings', rb('ns-a', 'frank-esc', 'ClusterRole', 'escalator', 'User:frank'));
  s.index.put('rolebindings', rb('ns-a', 'frank-bind', 'ClusterRole', 'binder', 'User:frank'));
  return s;
}
const ROLES = { group: RBAC, version: 'v1', resource: 'roles', kind: 'Role' } as KindInfo;
const BINDINGS = { group: RBAC, version: 'v1', resource: 'rolebindings', kind: 'RoleBinding' } as KindInfo;
const frank = U('frank');

const ESCALATION: [string, UserInfo, KindInfo, JsonObject, boolean][] = [
  ['a role within held permissions may be created', alice, ROLES, role('ns-a', 'r', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }]), true],
  ['a role with more verbs than held is refused', alice, ROLES, role('ns-a', 'r', [{ verbs: ['delete'], apiGroups: [''], resources: ['configmaps'] }]), false],
  ['a role with other resources is refused', alice, ROLES, role('ns-a', 'r', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]), false],
  ['escalate allows any role', frank, ROLES, role('ns-a', 'r', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]), true],
  ['system:masters may create any role', admin, ROLES, role('ns-a', 'r', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]), true],
  ['binding to a role whose permissions are held', alice, BINDINGS, rb('ns-a', 'b', 'Role', 'cm-editor', 'User:zoe'), true],
  ['binding to a role whose permissions are not held', alice, BINDINGS, rb('ns-a', 'b', 'ClusterRole', 'batch-star', 'User:zoe'), false],
  ['bind on the named ClusterRole allows the binding', frank, BINDINGS, rb('ns-a', 'b', 'ClusterRole', 'batch-star', 'User:zoe'), true],
  ['bind on one role does not allow another', frank, BINDINGS, rb('ns-a', 'b', 'ClusterRole', 'secret-one', 'User:zoe'), false],
];
for (const [name, user, kind, obj, ok] of ESCALATION) {
  void test(`escalation: ${name}`, () => {
    const s = service();
    const run = (): void => s.guardRbacWrite(kind, 'ns-a', obj, undefined, user);
    if (ok) assert.doesNotThrow(run);
    else assert.throws(run, (e: { code?: number; message?: string }) => e.code === 403 && /is forbidden/.test(String(e.message)));
  });
}

void test('escalation: the refusal lists the permissions not held', () => {
  const s = service();
  assert.throws(() => s.guardRbacWrite(ROLES, 'ns-a', role('ns-a', 'r', [{ verbs: ['delete'], apiGroups: [''], resources: ['configmaps'] }]), undefined, alice),
    /roles\.rbac\.authorization\.k8s\.io "r" is forbidden: user "alice" .* attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["configmaps"\], Verbs:\["delete"\]\}/);
});

void test('aggregation: rules of matching roles in name order, without duplicates, not self', () => {
  const roles = new Map([
    ['b', { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], labels: { a: 'true' } }],
    ['a', { rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], apiGroups: [''], resources: ['pods'] }], labels: { a: 'true' } }],
    ['self', { rules: [{ verbs: ['x'] }], labels: { a: 'true' } }],
    ['c', { rules: [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }], labels: { a: 'false' } }],
  ]);
  assert.deepEqual(aggregateRules('self', [{ matchLabels: { a: 'true' } }], roles).map((r) => r.verbs[0]), ['list', 'get']);
  assert.deepEqual(aggregateRules('self', [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['false'] }] }], roles).map((r) => r.verbs[0]), ['delete']);
});

const NODE_USER = (n: string): UserInfo => ({ username: `system:node:${n}`, groups: ['system:nodes', 'system:authenticated'] });
void test('node authorizer: secrets, configmaps and PVCs of pods on the node only; own Node and Lease', () => {
  const g = new NodeGraph();
  g.putPod({ metadata: { name: 'p1', namespace: 'n' }, spec: { nodeName: 'a', volumes: [{ name: 'v', secret: { secretName: 's-a' } }, { name: 'c', persistentVolumeClaim: { claimName: 'claim' } }],
    containers: [{ name: 'x', env: [{ name: 'E', valueFrom: { configMapKeyRef: { name: 'cm-a', key: 'k' } } }], envFrom: [{ secretRef: { name: 's-env' } }] }], imagePullSecrets: [{ name: 'pull' }] } });
  g.putPod({ metadata: { name: 'p2', namespace: 'n' }, spec: { nodeName: 'b', volumes: [{ name: 'v', projected: { sources: [{ secret: { name: 's-b' } }] } }] } });
  g.putPvc({ metadata: { name: 'claim', namespace: 'n' }, spec: { volumeName: 'pv1' } });
  const na = new NodeAuthorizer(g);
  const a = NODE_USER('a');
  const cases: [RequestAttributes, boolean][] = [
    [res('get', 'secrets', 'n', 's-a'), true],
    [res('get', 'secrets', 'n', 's-env'), true],
    [res('get', 'secrets', 'n', 'pull'), true],
    [res('watch', 'secrets', 'n', 's-a'), true],
    [res('get', 'configmaps', 'n', 'cm-a'), true],
    [res('get', 'persistentvolumeclaims', 'n', 'claim'), true],
    [res('get', 'persistentvolumes', '', 'pv1'), true],
    [res('get', 'secrets', 'n', 's-b'), false],
    [res('get', 'secrets', 'other', 's-a'), false],
    [res('list', 'secrets', 'n'), false],
    [res('update', 'secrets', 'n', 's-a'), false],
    [res('update', 'nodes', '', 'a', '', 'status'), true],
    [res('patch', 'nodes', '', 'b'), false],
    [res('get', 'nodes', '', 'b'), true],
    [res('update', 'leases', 'kube-node-lease', 'a', 'coordination.k8s.io'), true],
    [res('update', 'leases', 'kube-node-lease', 'b', 'coordination.k8s.io'), false],
    [res('update', 'pods', 'n', 'p1', '', 'status'), true],
    [res('update', 'pods', 'n', 'p2', '', 'status'), false],
    [res('create', 'certificatesigningrequests', '', '', 'certificates.k8s.io'), true],
    [res('create', 'events', 'n'), true],
    [res('delete', 'namespaces', '', 'n'), false],
  ];
  for (const [attrs, ok] of cases) assert.equal(na.authorize(a, attrs).decision === 'allow', ok, forbiddenMessage(a, attrs));
  assert.equal(na.authorize(U('system:node:a'), res('get', 'secrets', 'n', 's-a')).decision, 'noOpinion', 'not in system:nodes');
  g.removePod({ metadata: { name: 'p1', namespace: 'n' } });
  assert.equal(na.authorize(a, res('get', 'secrets', 'n', 's-a')).decision, 'noOpinion');
});
