/**
 * @module test/rbac.int.test — the RBAC matrix of issue 3 (acceptance 3) against a real server
 * process: every case is a real HTTPS request made as a subject — a user or group (client
 * certificate `CN=user, O=group` issued by the server's CA), a service account (TokenRequest
 * token), the admin, a bad token or nobody (anonymous) — after the admin created the roles and
 * bindings of the whole table. Covered: verbs × resources × subjects, namespaced vs cluster scope,
 * resourceNames, subresources (`pods/log`, `deployments/scale`), non-resource URLs, the
 * `escalate` and `bind` checks, the bootstrap roles (view/edit, system:basic-user,
 * system:discovery), ClusterRole aggregation into `view`, and anonymous access (only `/version`,
 * `/healthz`, `/livez`, `/readyz` and the kube-public `cluster-info` ConfigMap).
 * Each case has its own user so that bindings of one case never explain another's outcome.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  anonymousCredentials, createApiClient, requestServiceAccountToken, startServer, tokenCredentials, userCredentials, waitFor,
  type ApiClient, type Credentials, type HttpResponse, type ServerProcess,
} from './harness/index.ts';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const A = '/api/v1/namespaces/rbac-a';
const B = '/api/v1/namespaces/rbac-b';
const DEPLOY_A = '/apis/apps/v1/namespaces/rbac-a/deployments';
const AGG_LABEL = 'rbac.authorization.k8s.io/aggregate-to-view';

/** Subject is who makes a request. */
type Subject =
  | { readonly kind: 'admin' }
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly name: string; readonly groups?: readonly string[] }
  | { readonly kind: 'sa'; readonly ns: string; readonly name: string }
  | { readonly kind: 'token'; readonly token: string };

const admin: Subject = { kind: 'admin' };
const anon: Subject = { kind: 'anonymous' };
const user = (name: string, ...groups: string[]): Subject => ({ kind: 'user', name, groups });
const sa = (ns: string, name: string): Subject => ({ kind: 'sa', ns, name });

/** usernameOf is the name the server must report in a Forbidden message. */
function usernameOf(s: Subject): string | undefined {
  switch (s.kind) {
    case 'admin': return undefined;
    case 'anonymous': return 'system:anonymous';
    case 'user': return s.name;
    case 'sa': return `system:serviceaccount:${s.ns}:${s.name}`;
    case 'token': return undefined;
  }
}

type Rule = Record<string, unknown>;
const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): Rule =>
  ({ apiGroups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) });
const U = (name: string): Rule => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
const G = (name: string): Rule => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
const SA = (namespace: string, name: string): Rule => ({ kind: 'ServiceAccount', name, namespace });

/** Setup is one object the admin creates before the cases run. */
interface Setup { readonly path: string; readonly body: Rule }
const role = (ns: string, name: string, rules: Rule[]): Setup =>
  ({ path: `${RBAC}/namespaces/${ns}/roles`, body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules } });
const clusterRole = (name: string, rules: Rule[], labels?: Record<string, string>): Setup =>
  ({ path: `${RBAC}/clusterroles`, body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules } });
const roleBinding = (ns: string, name: string, ref: ['Role' | 'ClusterRole', string], subjects: Rule[]): Setup =>
  ({ path: `${RBAC}/namespaces/${ns}/rolebindings`, body: roleBindingBody(name, ref, subjects) });
const clusterRoleBinding = (name: string, roleName: string, subjects: Rule[]): Setup => ({
  path: `${RBAC}/clusterrolebindings`,
  body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName }, subjects },
});
function roleBindingBody(name: string, ref: ['Role' | 'ClusterRole', string], subjects: Rule[]): Rule {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: ref[0], name: ref[1] }, subjects };
}
const roleBody = (name: string, rules: Rule[]): Rule => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules });

const SETUP: Setup[] = [
  role('rbac-a', 'cm-reader', [rule([''], ['configmaps'], ['get', 'list'])]),
  roleBinding('rbac-a', 'cm-reader', ['Role', 'cm-reader'], [U('u-cmr')]),
  roleBinding('rbac-a', 'devs-edit', ['ClusterRole', 'edit'], [G('g-devs')]),
  clusterRoleBinding('rbac-test-viewall', 'view', [U('u-viewall')]),
  role('rbac-a', 'pod-reader', [rule([''], ['pods'], ['get', 'list'])]),
  roleBinding('rbac-a', 'pod-reader', ['Role', 'pod-reader'], [SA('rbac-a', 'sa-reader')]),
  roleBinding('rbac-b', 'sa-group-view', ['ClusterRole', 'view'], [G('system:serviceaccounts:rbac-sa')]),
  role('rbac-a', 'cm1-only', [rule([''], ['configmaps'], ['get'], ['cm1'])]),
  roleBinding('rbac-a', 'cm1-only', ['Role', 'cm1-only'], [U('u-rn')]),
  role('rbac-a', 'pod-get', [rule([''], ['pods'], ['get'])]),
  roleBinding('rbac-a', 'pod-get', ['Role', 'pod-get'], [U('u-podget')]),
  role('rbac-a', 'log-reader', [rule([''], ['pods/log'], ['get'])]),
  roleBinding('rbac-a', 'log-reader', ['Role', 'log-reader'], [U('u-log')]),
  role('rbac-a', 'scaler', [rule(['apps'], ['deployments/scale'], ['get', 'update', 'patch'])]),
  roleBinding('rbac-a', 'scaler', ['Role', 'scaler'], [U('u-scale')]),
  clusterRole('rbac-test-metrics', [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]),
  clusterRoleBinding('rbac-test-metrics', 'rbac-test-metrics', [U('u-metrics')]),
  clusterRole('rbac-test-node-lister', [rule([''], ['nodes'], ['get', 'list'])]),
  clusterRoleBinding('rbac-test-node-lister', 'rbac-test-node-lister', [U('u-nodereader')]),
  roleBinding('rbac-a', 'ns-node-lister', ['ClusterRole', 'rbac-test-node-lister'], [U('u-nsnodes')]),
  clusterRole('rbac-test-cm-all', [rule([''], ['configmaps'], ['get', 'list'])]),
  clusterRoleBinding('rbac-test-cm-all', 'rbac-test-cm-all', [U('u-crb')]),
  clusterRole('rbac-test-cm-star', [rule([''], ['configmaps'], ['*'])]),
  roleBinding('rbac-b', 'cm-star', ['ClusterRole', 'rbac-test-cm-star'], [U('u-star')]),
  role('rbac-a', 'role-creator', [rule(['rbac.authorization.k8s.io'], ['roles'], ['create'])]),
  roleBinding('rbac-a', 'role-creator', ['Role', 'role-creator'], [U('u-rolemaker')]),
  role('rbac-a', 'role-escalator', [rule(['rbac.authorization.k8s.io'], ['roles'], ['create', 'escalate'])]),
  roleBinding('rbac-a', 'role-escalator', ['Role', 'role-escalator'], [U('u-escalator')]),
  role('rbac-a', 'role-creator-secrets', [rule(['rbac.authorization.k8s.io'], ['roles'], ['create']), rule([''], ['secrets'], ['get'])]),
  roleBinding('rbac-a', 'role-creator-secrets', ['Role', 'role-creator-secrets'], [U('u-rolemaker2')]),
  role('rbac-a', 'rb-creator', [rule(['rbac.authorization.k8s.io'], ['rolebindings'], ['create'])]),
  roleBinding('rbac-a', 'rb-creator', ['Role', 'rb-creator'], [U('u-binder'), U('u-binder2'), U('u-binder3')]),
  clusterRole('rbac-test-bind-view', [rule(['rbac.authorization.k8s.io'], ['clusterroles'], ['bind'], ['view'])]),
  roleBinding('rbac-a', 'bind-view', ['ClusterRole', 'rbac-test-bind-view'], [U('u-binder2')]),
  roleBinding('rbac-a', 'binder3-view', ['ClusterRole', 'view'], [U('u-binder3')]),
  // Created last: once it is effective, the authorizer has seen every earlier object.
  role('rbac-a', 'sentinel', [rule([''], ['configmaps'], ['get'])]),
  roleBinding('rbac-a', 'sentinel', ['Role', 'sentinel'], [U('u-sentinel')]),
];

/** Case is one row of the matrix. `allow`: neither 401 nor 403 (and exactly `status` when given). */
interface Case {
  readonly name: string;
  readonly as: Subject;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: Rule;
  readonly contentType?: string;
  readonly expect: 'allow' | 'forbidden' | 'unauthorized';
  readonly status?: number;
}

const cm = (name: string): Rule => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } });
const scale = (replicas: number): Rule => ({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'rbac-a' }, spec: { replicas } });
const MERGE = 'application/merge-patch+json';
const SSAR = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'rbac-a', verb: 'get', resource: 'pods' } } };
const secretsGet = [rule([''], ['secrets'], ['get'])];

const CASES: Case[] = [
  { name: 'admin (system:masters) lists secrets', as: admin, method: 'GET', path: `${A}/secrets`, expect: 'allow', status: 200 },
  { name: 'another system:masters certificate lists nodes', as: user('root2', 'system:masters'), method: 'GET', path: '/api/v1/nodes', expect: 'allow', status: 200 },
  { name: 'no bindings: get configmap', as: user('u-none'), method: 'GET', path: `${A}/configmaps/cm1`, expect: 'forbidden' },
  { name: 'no bindings: list namespaces', as: user('u-none'), method: 'GET', path: '/api/v1/namespaces', expect: 'forbidden' },
  { name: 'system:basic-user: create SelfSubjectAccessReview', as: user('u-none'), method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', body: SSAR, expect: 'allow', status: 201 },
  { name: 'system:discovery: GET /api', as: user('u-none'), method: 'GET', path: '/api', expect: 'allow', status: 200 },
  { name: 'system:discovery: GET /apis', as: user('u-none'), method: 'GET', path: '/apis', expect: 'allow', status: 200 },
  { name: 'system:public-info-viewer: GET /version', as: user('u-none'), method: 'GET', path: '/version', expect: 'allow', status: 200 },
  { name: 'system:discovery: GET /openapi/v3', as: user('u-none'), method: 'GET', path: '/openapi/v3', expect: 'allow', status: 200 },
  { name: 'no bindings: GET /metrics', as: user('u-none'), method: 'GET', path: '/metrics', expect: 'forbidden' },
  { name: 'Role get,list configmaps: get', as: user('u-cmr'), method: 'GET', path: `${A}/configmaps/cm1`, expect: 'allow', status: 200 },
  { name: 'Role get,list configmaps: list', as: user('u-cmr'), method: 'GET', path: `${A}/configmaps`, expect: 'allow', status: 200 },
  { name: 'Role get,list configmaps: other namespace', as: user('u-cmr'), method: 'GET', path: `${B}/configmaps/cm1`, expect: 'forbidden' },
  { name: 'Role get,list configmaps: delete', as: user('u-cmr'), method: 'DELETE', path: `${A}/configmaps/cm2`, expect: 'forbidden' },
  { name: 'Role get,list configmaps: get a secret', as: user('u-cmr'), method: 'GET', path: `${A}/secrets/s1`, expect: 'forbidden' },
  { name: 'Role get,list configmaps: list across namespaces', as: user('u-cmr'), method: 'GET', path: '/api/v1/configmaps', expect: 'forbidden' },
  { name: 'group g-devs → edit: create configmap', as: user('u-dev1', 'g-devs'), method: 'POST', path: `${A}/configmaps`, body: cm('dev-cm'), expect: 'allow', status: 201 },
  { name: 'group g-devs → edit: get secret', as: user('u-dev1', 'g-devs'), method: 'GET', path: `${A}/secrets/s1`, expect: 'allow', status: 200 },
  { name: 'group g-devs → edit: create in another namespace', as: user('u-dev1', 'g-devs'), method: 'POST', path: `${B}/configmaps`, body: cm('dev-cm'), expect: 'forbidden' },
  { name: 'group g-devs → edit: create a RoleBinding (edit has no RBAC)', as: user('u-dev1', 'g-devs'), method: 'POST', path: `${RBAC}/namespaces/rbac-a/rolebindings`, body: roleBindingBody('dev-rb', ['ClusterRole', 'view'], [U('u-dev1')]), expect: 'forbidden' },
  { name: 'same user without the group (no O in the certificate): get secret', as: user('u-dev1'), method: 'GET', path: `${A}/secrets/s1`, expect: 'forbidden' },
  { name: 'ClusterRoleBinding → view: list pods anywhere', as: user('u-viewall'), method: 'GET', path: `${B}/pods`, expect: 'allow', status: 200 },
  { name: 'view: get secret', as: user('u-viewall'), method: 'GET', path: `${A}/secrets/s1`, expect: 'forbidden' },
  { name: 'view: delete configmap', as: user('u-viewall'), method: 'DELETE', path: `${A}/configmaps/cm2`, expect: 'forbidden' },
  { name: 'view: list deployments (apps)', as: user('u-viewall'), method: 'GET', path: DEPLOY_A, expect: 'allow', status: 200 },
  { name: 'view: get deployments/scale', as: user('u-viewall'), method: 'GET', path: `${DEPLOY_A}/web/scale`, expect: 'allow', status: 200 },
  { name: 'view: update deployments/scale', as: user('u-viewall'), method: 'PUT', path: `${DEPLOY_A}/web/scale`, body: scale(3), expect: 'forbidden' },
  { name: 'service account → Role pod-reader: list pods', as: sa('rbac-a', 'sa-reader'), method: 'GET', path: `${A}/pods`, expect: 'allow', status: 200 },
  { name: 'service account → Role pod-reader: other namespace', as: sa('rbac-a', 'sa-reader'), method: 'GET', path: `${B}/pods`, expect: 'forbidden' },
  { name: 'service account → Role pod-reader: delete pod', as: sa('rbac-a', 'sa-reader'), method: 'DELETE', path: `${A}/pods/p1`, expect: 'forbidden' },
  { name: 'service account without bindings: list pods', as: sa('rbac-a', 'sa-none'), method: 'GET', path: `${A}/pods`, expect: 'forbidden' },
  { name: 'group system:serviceaccounts:rbac-sa → view in rbac-b: list configmaps', as: sa('rbac-sa', 'sa-x'), method: 'GET', path: `${B}/configmaps`, expect: 'allow', status: 200 },
  { name: 'service account of another namespace: list configmaps in rbac-b', as: sa('rbac-a', 'sa-none'), method: 'GET', path: `${B}/configmaps`, expect: 'forbidden' },
  { name: 'resourceNames [cm1]: get cm1', as: user('u-rn'), method: 'GET', path: `${A}/configmaps/cm1`, expect: 'allow', status: 200 },
  { name: 'resourceNames [cm1]: get cm2', as: user('u-rn'), method: 'GET', path: `${A}/configmaps/cm2`, expect: 'forbidden' },
  { name: 'resourceNames [cm1]: list', as: user('u-rn'), method: 'GET', path: `${A}/configmaps`, expect: 'forbidden' },
  { name: 'resourceNames [cm1] with get only: update cm1', as: user('u-rn'), method: 'PUT', path: `${A}/configmaps/cm1`, body: cm('cm1'), expect: 'forbidden' },
  { name: 'pods get: get pod', as: user('u-podget'), method: 'GET', path: `${A}/pods/p1`, expect: 'allow', status: 200 },
  { name: 'pods get does not grant pods/log', as: user('u-podget'), method: 'GET', path: `${A}/pods/p1/log`, expect: 'forbidden' },
  { name: 'pods/log get: read the log (authorized; the pod may have no log yet)', as: user('u-log'), method: 'GET', path: `${A}/pods/p1/log`, expect: 'allow' },
  { name: 'pods/log get does not grant pods', as: user('u-log'), method: 'GET', path: `${A}/pods/p1`, expect: 'forbidden' },
  { name: 'deployments/scale: get scale', as: user('u-scale'), method: 'GET', path: `${DEPLOY_A}/web/scale`, expect: 'allow', status: 200 },
  { name: 'deployments/scale: patch scale', as: user('u-scale'), method: 'PATCH', path: `${DEPLOY_A}/web/scale`, body: { spec: { replicas: 2 } }, contentType: MERGE, expect: 'allow', status: 200 },
  { name: 'deployments/scale does not grant the deployment', as: user('u-scale'), method: 'PATCH', path: `${DEPLOY_A}/web`, body: { spec: { replicas: 3 } }, contentType: MERGE, expect: 'forbidden' },
  { name: 'nonResourceURLs [/metrics]: GET /metrics', as: user('u-metrics'), method: 'GET', path: '/metrics', expect: 'allow', status: 200 },
  { name: 'ClusterRoleBinding nodes get,list: list nodes', as: user('u-nodereader'), method: 'GET', path: '/api/v1/nodes', expect: 'allow', status: 200 },
  { name: 'RoleBinding to a ClusterRole on nodes grants nothing cluster-scoped', as: user('u-nsnodes'), method: 'GET', path: '/api/v1/nodes', expect: 'forbidden' },
  { name: 'ClusterRoleBinding configmaps: list across namespaces', as: user('u-crb'), method: 'GET', path: '/api/v1/configmaps', expect: 'allow', status: 200 },
  { name: 'ClusterRoleBinding configmaps: list secrets', as: user('u-crb'), method: 'GET', path: '/api/v1/secrets', expect: 'forbidden' },
  { name: 'verbs [*] on configmaps in rbac-b: delete', as: user('u-star'), method: 'DELETE', path: `${B}/configmaps/del-me`, expect: 'allow', status: 200 },
  { name: 'verbs [*] on configmaps in rbac-b: not in rbac-a', as: user('u-star'), method: 'GET', path: `${A}/configmaps/cm1`, expect: 'forbidden' },
  { name: 'escalation: create a Role granting what the creator lacks', as: user('u-rolemaker'), method: 'POST', path: `${RBAC}/namespaces/rbac-a/roles`, body: roleBody('esc-1', secretsGet), expect: 'forbidden' },
  { name: 'escalation: create a Role granting nothing', as: user('u-rolemaker'), method: 'POST', path: `${RBAC}/namespaces/rbac-a/roles`, body: roleBody('esc-2', []), expect: 'allow', status: 201 },
  { name: 'escalation: with the escalate verb', as: user('u-escalator'), method: 'POST', path: `${RBAC}/namespaces/rbac-a/roles`, body: roleBody('esc-3', secretsGet), expect: 'allow', status: 201 },
  { name: 'escalation: granting permissions the creator holds', as: user('u-rolemaker2'), method: 'POST', path: `${RBAC}/namespaces/rbac-a/roles`, body: roleBody('esc-4', secretsGet), expect: 'allow', status: 201 },
  { name: 'escalation: a verb beyond what the creator holds', as: user('u-rolemaker2'), method: 'POST', path: `${RBAC}/namespaces/rbac-a/roles`, body: roleBody('esc-5', [rule([''], ['secrets'], ['get', 'delete'])]), expect: 'forbidden' },
  { name: 'bind: RoleBinding to view without bind or its permissions', as: user('u-binder'), method: 'POST', path: `${RBAC}/namespaces/rbac-a/rolebindings`, body: roleBindingBody('bind-1', ['ClusterRole', 'view'], [U('someone')]), expect: 'forbidden' },
  { name: 'bind: with bind on clusterroles [view]', as: user('u-binder2'), method: 'POST', path: `${RBAC}/namespaces/rbac-a/rolebindings`, body: roleBindingBody('bind-2', ['ClusterRole', 'view'], [U('someone')]), expect: 'allow', status: 201 },
  { name: 'bind: bind on [view] does not cover edit', as: user('u-binder2'), method: 'POST', path: `${RBAC}/namespaces/rbac-a/rolebindings`, body: roleBindingBody('bind-3', ['ClusterRole', 'edit'], [U('someone')]), expect: 'forbidden' },
  { name: 'bind: holding every permission of view', as: user('u-binder3'), method: 'POST', path: `${RBAC}/namespaces/rbac-a/rolebindings`, body: roleBindingBody('bind-4', ['ClusterRole', 'view'], [U('someone')]), expect: 'allow', status: 201 },
  { name: 'bind: holding view does not cover edit', as: user('u-binder3'), method: 'POST', path: `${RBAC}/namespaces/rbac-a/rolebindings`, body: roleBindingBody('bind-5', ['ClusterRole', 'edit'], [U('someone')]), expect: 'forbidden' },
  { name: 'a bearer token nobody issued is 401, not anonymous', as: { kind: 'token', token: 'not-a-real-token' }, method: 'GET', path: '/api', expect: 'unauthorized' },
  { name: 'a bootstrap-shaped token with no Secret is 401', as: { kind: 'token', token: 'abcdef.0123456789abcdef' }, method: 'GET', path: '/api', expect: 'unauthorized' },
  ...['/version', '/healthz', '/livez', '/readyz', '/api/v1/namespaces/kube-public/configmaps/cluster-info'].map((path): Case => (
    { name: `anonymous: GET ${path} allowed`, as: anon, method: 'GET', path, expect: 'allow', status: 200 })),
  ...['/api/v1/namespaces', '/api', '/apis', '/openapi/v3', '/metrics', '/api/v1/namespaces/kube-public/configmaps', '/api/v1/namespaces/kube-system/secrets', `${A}/configmaps/cm1`].map((path): Case => (
    { name: `anonymous: GET ${path} forbidden`, as: anon, method: 'GET', path, expect: 'forbidden' })),
  { name: 'anonymous: create a configmap in kube-public forbidden', as: anon, method: 'POST', path: '/api/v1/namespaces/kube-public/configmaps', body: cm('anon'), expect: 'forbidden' },
];

/** check asserts a response against a case's expectation. */
function check(c: Pick<Case, 'as' | 'expect' | 'status' | 'method' | 'path'>, r: HttpResponse): void {
  const what = `${c.method} ${c.path} as ${JSON.stringify(c.as)} → ${r.status} ${r.text().slice(0, 400)}`;
  switch (c.expect) {
    case 'allow':
      assert.ok(r.status !== 401 && r.status !== 403, `expected allowed: ${what}`);
      if (c.status !== undefined) assert.equal(r.status, c.status, what);
      break;
    case 'forbidden': {
      assert.equal(r.status, 403, `expected 403: ${what}`);
      const body = r.json();
      assert.equal(body.kind, 'Status', what);
      assert.equal(body.reason, 'Forbidden', what);
      const name = usernameOf(c.as);
      if (name) assert.ok(String(body.message).toLowerCase().includes(name.toLowerCase()), `the message does not name ${name}: ${what}`);
      break;
    }
    case 'unauthorized':
      assert.equal(r.status, 401, `expected 401: ${what}`);
      break;
  }
}

void describe('RBAC matrix (real server, real HTTPS requests)', { timeout: 300_000 }, () => {
  let server: ServerProcess;
  let adminClient: ApiClient;
  const clients = new Map<string, ApiClient>();

  /** clientFor returns (and caches) an HTTPS client authenticating as `s`. */
  const clientFor = async (s: Subject): Promise<ApiClient> => {
    const key = JSON.stringify(s);
    const hit = clients.get(key);
    if (hit) return hit;
    let creds: Credentials;
    switch (s.kind) {
      case 'admin': creds = server.credentials; break;
      case 'anonymous': creds = anonymousCredentials(server); break;
      case 'user': creds = await userCredentials(server, s.name, s.groups ?? []); break;
      case 'sa': creds = tokenCredentials(server, await requestServiceAccountToken(adminClient, s.ns, s.name)); break;
      case 'token': creds = tokenCredentials(server, s.token); break;
    }
    const c = createApiClient(creds);
    clients.set(key, c);
    return c;
  };

  /** create posts an object as the admin, failing with the answer unless 201. */
  const create = async (path: string, body: Rule): Promise<void> => {
    const r = await adminClient.post(path, body);
    assert.ok(r.status === 201 || r.status === 200, `setup POST ${path}: ${r.status} ${r.text().slice(0, 500)}`);
  };

  before(async () => {
    server = await startServer();
    adminClient = createApiClient(server.credentials);
    for (const ns of ['rbac-a', 'rbac-b', 'rbac-sa']) await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const ns of ['rbac-a', 'rbac-b']) {
      for (const name of ['cm1', 'cm2']) await create(`/api/v1/namespaces/${ns}/configmaps`, cm(name));
      await create(`/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, stringData: { password: 'x' } });
    }
    await create(`${B}/configmaps`, cm('del-me'));
    await create(`${A}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa-reader' } });
    await create(`${A}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa-none' } });
    await create('/api/v1/namespaces/rbac-sa/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa-x' } });
    await create(DEPLOY_A, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    // The ServiceAccount admission plugin may refuse pods until the namespace's default SA exists.
    await waitFor(async () => {
      const r = await adminClient.post(`${A}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      if (r.status === 201 || r.status === 409) return true;
      throw new Error(`create pod p1: ${r.status} ${r.text().slice(0, 300)}`);
    }, { timeoutMs: 30_000, intervalMs: 250, what: 'pod rbac-a/p1 to be created' });
    for (const s of SETUP) await create(s.path, s.body);
    // cluster-info is written by a controller after start; its anonymous case then fails on its own if it never appears.
    await waitFor(async () => (await adminClient.get('/api/v1/namespaces/kube-public/configmaps/cluster-info')).status === 200,
      { timeoutMs: 20_000, intervalMs: 200, what: 'kube-public/cluster-info' }).catch(() => undefined);
    const sentinel = await clientFor(user('u-sentinel'));
    await waitFor(async () => (await sentinel.get(`${A}/configmaps/cm1`)).status === 200,
      { timeoutMs: 30_000, intervalMs: 100, what: 'the last RoleBinding of the setup to take effect (u-sentinel may get rbac-a/cm1)' });
  });
  after(async () => {
    for (const c of clients.values()) c.close();
    adminClient?.close();
    const out = server?.output() ?? '';
    const stopped = await server?.stop();
    if (stopped && stopped.code !== 0 && process.env.WINDLASS_TEST_LOG !== '1') console.error(`server exit ${JSON.stringify(stopped)}\n${out.slice(-4000)}`);
  });

  void test(`the matrix has at least 40 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 40);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, 'case names are unique');
  });

  for (const c of CASES) {
    void test(c.name, async () => {
      const client = await clientFor(c.as);
      const r = await client.request(c.method, c.path, { body: c.body, contentType: c.contentType });
      check(c, r);
    });
  }

  void test('ClusterRole aggregation: a ClusterRole labelled aggregate-to-view extends view (and edit), and leaves it when deleted', async () => {
    const viewer = await clientFor(user('u-viewall'));
    const editor = await clientFor(user('u-dev1', 'g-devs'));
    const path = `${RBAC}/namespaces/rbac-a/roles`;
    check({ as: user('u-viewall'), expect: 'forbidden', method: 'GET', path }, await viewer.get(path));
    const view = await adminClient.get(`${RBAC}/clusterroles/view`);
    assert.equal(view.status, 200, view.text());
    assert.ok(view.json().aggregationRule?.clusterRoleSelectors?.length > 0, `view has no aggregationRule: ${view.text().slice(0, 500)}`);
    await create(`${RBAC}/clusterroles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
      metadata: { name: 'rbac-test-aggregate-roles', labels: { [AGG_LABEL]: 'true' } },
      rules: [rule(['rbac.authorization.k8s.io'], ['roles'], ['get', 'list'])],
    });
    await waitFor(async () => (await viewer.get(path)).status === 200, { timeoutMs: 30_000, intervalMs: 200, what: 'view to include the aggregated rule (u-viewall may list roles)' });
    const rules: any[] = (await adminClient.get(`${RBAC}/clusterroles/view`)).json().rules ?? [];
    assert.ok(rules.some((r) => r.resources?.includes('roles') && r.apiGroups?.includes('rbac.authorization.k8s.io')), 'view.rules does not show the aggregated rule');
    await waitFor(async () => (await editor.get(path)).status === 200, { timeoutMs: 30_000, intervalMs: 200, what: 'edit (which aggregates view) to include the rule (g-devs may list roles in rbac-a)' });
    const del = await adminClient.delete(`${RBAC}/clusterroles/rbac-test-aggregate-roles`);
    assert.equal(del.status, 200, del.text());
    await waitFor(async () => (await viewer.get(path)).status === 403, { timeoutMs: 30_000, intervalMs: 200, what: 'view to drop the rule of the deleted ClusterRole' });
  });

  void test('a binding added later takes effect and its removal revokes access', async () => {
    const c = await clientFor(user('u-late'));
    const path = `${A}/configmaps/cm1`;
    check({ as: user('u-late'), expect: 'forbidden', method: 'GET', path }, await c.get(path));
    await create(`${RBAC}/namespaces/rbac-a/rolebindings`, roleBindingBody('late', ['Role', 'cm-reader'], [U('u-late')]));
    await waitFor(async () => (await c.get(path)).status === 200, { timeoutMs: 30_000, intervalMs: 100, what: 'the new RoleBinding to allow u-late' });
    const del = await adminClient.delete(`${RBAC}/namespaces/rbac-a/rolebindings/late`);
    assert.equal(del.status, 200, del.text());
    await waitFor(async () => (await c.get(path)).status === 403, { timeoutMs: 30_000, intervalMs: 100, what: 'the deleted RoleBinding to stop allowing u-late' });
  });
});
