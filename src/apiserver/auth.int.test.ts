/**
 * Integration tests of authentication and authorization against a real server (real kinds and
 * schemas, memory store, a throwaway CA): certificate users without and with bindings, service
 * account tokens from TokenRequest, anonymous access, bootstrap tokens, node identities, reviews
 * and ClusterRole aggregation.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createMemoryStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { startApiServer, type ApiServer } from './server.ts';

interface Pki { ca: string; serverCert: string; serverKey: string; issue(cn: string, orgs: string[]): { cert: string; key: string }; csr(cn: string, orgs: string[]): string; close(): void }

function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'windlass-auth-test-'));
  const o = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }); };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  o('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  o('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=server');
  o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
  const r = (f: string): string => readFileSync(join(dir, f), 'utf8');
  let n = 0;
  const subj = (cn: string, orgs: string[]): string => `${orgs.map((g) => `/O=${g}`).join('')}/CN=${cn}`;
  return {
    ca: r('ca.crt'), serverCert: r('server.crt'), serverKey: r('server.key'),
    issue(cn, orgs) {
      const b = `u${n++}`;
      o('req', ...ec, '-keyout', `${b}.key`, '-out', `${b}.csr`, '-subj', subj(cn, orgs));
      o('x509', '-req', '-in', `${b}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${b}.crt`, '-days', '2');
      return { cert: r(`${b}.crt`), key: r(`${b}.key`) };
    },
    csr(cn, orgs) {
      const b = `c${n++}`;
      o('req', ...ec, '-keyout', `${b}.key`, '-out', `${b}.csr`, '-subj', subj(cn, orgs));
      return r(`${b}.csr`);
    },
    close() { rmSync(dir, { recursive: true, force: true }); },
  };
}

interface Reply { status: number; json: any; text: string }
type Who = { cert: string; key: string } | { token: string } | 'anonymous';

function call(base: string, ca: string, who: Who, method: string, path: string, body?: unknown, extraHeaders: Record<string, string | string[]> = {}): Promise<Reply> {
  const agent = new Agent({ ca, keepAlive: false, ...(typeof who === 'object' && 'cert' in who ? who : {}) });
  const data = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string | string[]> = { ...extraHeaders };
  if (data !== undefined) { headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json'; headers['Content-Length'] = String(Buffer.byteLength(data)); }
  if (typeof who === 'object' && 'token' in who) headers.Authorization = `Bearer ${who.token}`;
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        agent.destroy();
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.on('error', (e) => { agent.destroy(); reject(e); });
    req.end(data);
  });
}

/** eventually retries `fn` until it returns true (informers apply writes asynchronously). */
async function eventually(what: string, fn: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for: ${what}`);
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const pod = (name: string, node: string, secret: string): object => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'v', secret: { secretName: secret } }] },
});

void describe('apiserver authentication and authorization', () => {
  let pki: Pki;
  let store: Store;
  let server: ApiServer;
  let admin: Who;
  const as = (who: Who, method: string, path: string, body?: unknown, headers?: Record<string, string | string[]>): Promise<Reply> => call(server.url, pki.ca, who, method, path, body, headers);

  before(async () => {
    pki = makePki();
    store = createMemoryStore();
    server = await startApiServer({ store, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, host: '127.0.0.1', port: 0, clusterCIDR: '10.200.0.0/16', serviceCIDR: '10.201.0.0/16' });
    admin = pki.issue('root', ['system:masters']);
    for (const sa of ['default', 'robot']) assert.equal((await as(admin, 'POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: sa } })).status, 201);
  });
  after(async () => {
    await server.close();
    await store.close();
    pki.close();
  });

  void test('a certificate user without bindings gets 403; a RoleBinding makes it work', async () => {
    const bob = pki.issue('bob', ['devs']);
    const denied = await as(bob, 'GET', '/api/v1/namespaces/default/pods');
    assert.equal(denied.status, 403);
    assert.equal(denied.json.reason, 'Forbidden');
    assert.equal(denied.json.message, 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"');
    assert.deepEqual(denied.json.details, { group: '', kind: 'pods' });
    assert.equal((await as(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', {
      metadata: { name: 'pod-reader' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] })).status, 201);
    assert.equal((await as(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      metadata: { name: 'devs-read' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'Group', name: 'devs' }] })).status, 201);
    await eventually('bob may list pods', async () => (await as(bob, 'GET', '/api/v1/namespaces/default/pods')).status === 200);
    assert.equal((await as(bob, 'GET', '/api/v1/namespaces/kube-system/pods')).status, 403);
    assert.equal((await as(bob, 'DELETE', '/api/v1/namespaces/default/pods/x')).status, 403);
    // discovery and self reviews come from the bootstrap policy (system:authenticated)
    assert.equal((await as(bob, 'GET', '/api')).status, 200);
    const rules = await as(bob, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } });
    assert.equal(rules.status, 201);
    assert.ok(rules.json.status.resourceRules.some((r: any) => r.resources.includes('pods') && r.verbs.includes('list')));
    assert.ok(rules.json.status.nonResourceRules.some((r: any) => r.nonResourceURLs.includes('/api')));
    assert.equal(rules.json.status.incomplete, false);
    const can = async (verb: string, ns: string): Promise<boolean> => (await as(bob, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      { spec: { resourceAttributes: { verb, resource: 'pods', namespace: ns } } })).json.status.allowed;
    assert.equal(await can('list', 'default'), true);
    assert.equal(await can('delete', 'default'), false);
    // impersonation: the admin may act as bob in group devs; bob may not impersonate anyone
    const imp = await as(admin, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, { 'Impersonate-User': 'bob', 'Impersonate-Group': 'devs' });
    assert.deepEqual(imp.json.status.userInfo, { username: 'bob', groups: ['devs', 'system:authenticated'] });
    assert.equal((await as(admin, 'GET', '/api/v1/namespaces/default/pods', undefined, { 'Impersonate-User': 'bob', 'Impersonate-Group': 'devs' })).status, 200);
    assert.equal((await as(admin, 'GET', '/api/v1/namespaces/default/pods', undefined, { 'Impersonate-User': 'bob' })).status, 403);
    const cannot = await as(bob, 'GET', '/api/v1/namespaces/default/pods', undefined, { 'Impersonate-User': 'root', 'Impersonate-Group': 'system:masters' });
    assert.equal(cannot.status, 403);
    assert.match(cannot.json.message, /cannot impersonate resource "users"/);
    const sar = await as(admin, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { spec: { user: 'carl', groups: ['devs'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } } });
    assert.equal(sar.json.status.allowed, true);
    const lsar = await as(admin, 'POST', '/apis/authorization.k8s.io/v1/namespaces/kube-system/localsubjectaccessreviews', { spec: { user: 'carl', groups: ['devs'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'kube-system' } } });
    assert.equal(lsar.status, 201);
    assert.equal(lsar.json.status.allowed, false);
    // bob may not grant himself more than he holds
    const esc = await as(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { metadata: { name: 'role-admin' }, rules: [{ verbs: ['create'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }] });
    assert.equal(esc.status, 201);
    await as(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', { metadata: { name: 'bob-roles' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'role-admin' }, subjects: [{ kind: 'User', name: 'bob' }] });
    await eventually('bob may create a role he holds', async () => (await as(bob, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { metadata: { name: 'mine' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] })).status === 201);
    const more = await as(bob, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { metadata: { name: 'more' }, rules: [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }] });
    assert.equal(more.status, 403);
    assert.match(more.json.message, /attempting to grant RBAC permissions not currently held/);
    // nor by patching a role he may patch (the escalation check sees the role before and after the patch)
    await as(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { metadata: { name: 'role-patcher' }, rules: [{ verbs: ['get', 'patch'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }] });
    await as(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', { metadata: { name: 'bob-patches' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'role-patcher' }, subjects: [{ kind: 'User', name: 'bob' }] });
    const patchMine = (verbs: string[]): Promise<any> => as(bob, 'PATCH', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/mine',
      { rules: [{ verbs, apiGroups: [''], resources: ['pods'] }] }, { 'Content-Type': 'application/merge-patch+json' });
    await eventually('bob may patch a role within what he holds', async () => (await patchMine(['list'])).status === 200);
    const escalating = await patchMine(['delete']);
    assert.equal(escalating.status, 403);
    assert.match(escalating.json.message, /attempting to grant RBAC permissions not currently held/);
    const mine = await as(admin, 'GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/mine');
    assert.deepEqual(mine.json.rules[0].verbs, ['list'], 'the refused patch changed nothing');
  });

  void test('kube-system/kubeadm-config tells nodes the cluster and service CIDRs; other users may not read it', async () => {
    const node = pki.issue('system:node:n1', ['system:nodes']);
    const got = await as(node, 'GET', '/api/v1/namespaces/kube-system/configmaps/kubeadm-config');
    assert.equal(got.status, 200);
    const { parse } = await import('yaml');
    assert.deepEqual(parse(got.json.data.ClusterConfiguration).networking, { dnsDomain: 'cluster.local', podSubnet: '10.200.0.0/16', serviceSubnet: '10.201.0.0/16' });
    assert.match(got.json.data.ClusterConfiguration, /^apiVersion: kubeadm\.k8s\.io\/v1beta3\nkind: ClusterConfiguration\n/);
    assert.equal((await as(pki.issue('eve', ['devs']), 'GET', '/api/v1/namespaces/kube-system/configmaps/kubeadm-config')).status, 403);
    assert.equal((await as(node, 'GET', '/api/v1/namespaces/kube-system/configmaps/other')).status, 403, 'only that ConfigMap');
  });

  void test('TokenRequest tokens authenticate as the service account and follow its bindings', async () => {
    const tr = await as(admin, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    assert.equal(tr.status, 201);
    assert.equal(tr.json.kind, 'TokenRequest');
    assert.equal(tr.json.spec.expirationSeconds, 3600);
    assert.deepEqual(tr.json.spec.audiences, ['https://kubernetes.default.svc.cluster.local']);
    const robot = { token: tr.json.status.token as string };
    const who = await as(robot, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    assert.equal(who.json.status.userInfo.username, 'system:serviceaccount:default:robot');
    assert.ok(who.json.status.userInfo.uid);
    assert.deepEqual(who.json.status.userInfo.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    assert.equal((await as(robot, 'GET', '/api/v1/namespaces/default/configmaps')).status, 403);
    await as(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      metadata: { name: 'robot-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'default' }] });
    await eventually('robot may list configmaps through view', async () => (await as(robot, 'GET', '/api/v1/namespaces/default/configmaps')).status === 200);
    assert.equal((await as(robot, 'GET', '/api/v1/namespaces/default/secrets')).status, 403, 'view does not read secrets');
    const review = await as(admin, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token: robot.token } });
    assert.equal(review.json.status.authenticated, true);
    assert.equal(review.json.status.user.username, 'system:serviceaccount:default:robot');
    const badAud = await as(admin, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token: robot.token, audiences: ['other'] } });
    assert.notEqual(badAud.json.status.authenticated, true);
    assert.equal((await as(admin, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', { spec: { expirationSeconds: 60 } })).status, 422);
    assert.equal((await as(admin, 'POST', '/api/v1/namespaces/default/serviceaccounts/ghost/token', { spec: {} })).status, 404);
    const forged = `${robot.token.slice(0, -4)}AAAA`;
    assert.equal((await as({ token: forged }, 'GET', '/version')).status, 401);
    assert.equal((await as({ token: 'not-a-token' }, 'GET', '/api')).json.reason, 'Unauthorized');
    // deleting the service account invalidates its tokens
    assert.equal((await as(admin, 'DELETE', '/api/v1/namespaces/default/serviceaccounts/robot')).status, 200);
    await eventually('the token of a deleted service account is refused', async () => (await as(robot, 'GET', '/api/v1/namespaces/default/configmaps')).status === 401);
  });

  void test('anonymous may read /version, health and cluster-info only', async () => {
    assert.equal((await as(admin, 'POST', '/api/v1/namespaces/kube-public/configmaps', { metadata: { name: 'cluster-info' }, data: { kubeconfig: 'x' } })).status, 201);
    assert.equal((await as('anonymous', 'GET', '/version')).status, 200);
    for (const p of ['/healthz', '/livez', '/readyz']) assert.equal((await as('anonymous', 'GET', p)).text, 'ok');
    await eventually('anonymous reads cluster-info', async () => (await as('anonymous', 'GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info')).status === 200);
    const ns = await as('anonymous', 'GET', '/api/v1/namespaces');
    assert.equal(ns.status, 403);
    assert.equal(ns.json.message, 'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope');
    assert.equal((await as('anonymous', 'GET', '/api/v1/namespaces/kube-public/configmaps')).status, 403);
    assert.equal((await as('anonymous', 'GET', '/apis')).status, 403);
    assert.equal((await as('anonymous', 'GET', '/metrics')).status, 403);
  });

  void test('a bootstrap token may create CSRs but not read Secrets; expired or unusable tokens are 401', async () => {
    const secret = (id: string, extra: Record<string, string>): object => ({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' }, type: 'bootstrap.kubernetes.io/token',
      data: Object.fromEntries(Object.entries({ 'token-id': id, 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true', ...extra }).map(([k, v]) => [k, b64(v)])),
    });
    for (const [id, extra] of [['abcdef', {}], ['expird', { expiration: '2020-01-01T00:00:00Z' }], ['nousag', { 'usage-bootstrap-authentication': 'false' }]] as const) {
      assert.equal((await as(admin, 'POST', '/api/v1/namespaces/kube-system/secrets', secret(id, extra))).status, 201);
    }
    const boot = { token: 'abcdef.0123456789abcdef' };
    await eventually('the bootstrap token authenticates', async () => (await as(boot, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' })).status === 201);
    const who = await as(boot, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    assert.equal(who.json.status.userInfo.username, 'system:bootstrap:abcdef');
    assert.deepEqual(who.json.status.userInfo.groups, ['system:bootstrappers', 'system:authenticated']);
    const csr = await as(boot, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', {
      metadata: { name: 'node-csr-1' },
      spec: { request: b64(pki.csr('system:node:n1', ['system:nodes'])), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] },
    });
    assert.equal(csr.status, 201, csr.text);
    assert.equal(csr.json.spec.username, 'system:bootstrap:abcdef', 'the server records the requester');
    assert.deepEqual(csr.json.spec.groups, ['system:bootstrappers', 'system:authenticated']);
    assert.equal((await as(boot, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-1')).status, 200);
    const secrets = await as(boot, 'GET', '/api/v1/namespaces/kube-system/secrets');
    assert.equal(secrets.status, 403);
    assert.equal((await as(boot, 'GET', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef')).status, 403);
    assert.equal((await as({ token: 'abcdef.0123456789abcdez' }, 'GET', '/version')).status, 401, 'wrong secret');
    assert.equal((await as({ token: 'expird.0123456789abcdef' }, 'GET', '/version')).status, 401);
    assert.equal((await as({ token: 'nousag.0123456789abcdef' }, 'GET', '/version')).status, 401);
    assert.equal((await as({ token: 'zzzzzz.0123456789abcdef' }, 'GET', '/version')).status, 401);
  });

  void test('a node reads the Secret of its own pod only and cannot modify another Node', async () => {
    for (const s of ['s-a', 's-b']) assert.equal((await as(admin, 'POST', '/api/v1/namespaces/default/secrets', { metadata: { name: s }, data: { k: b64('v') } })).status, 201);
    for (const n of ['node-a', 'node-b']) assert.equal((await as(admin, 'POST', '/api/v1/nodes', { metadata: { name: n } })).status, 201);
    const pa = await as(admin, 'POST', '/api/v1/namespaces/default/pods', pod('pa', 'node-a', 's-a'));
    assert.equal(pa.status, 201, pa.text);
    assert.equal((await as(admin, 'POST', '/api/v1/namespaces/default/pods', pod('pb', 'node-b', 's-b'))).status, 201);
    const nodeA = pki.issue('system:node:node-a', ['system:nodes']);
    await eventually('node-a reads the secret of its pod', async () => (await as(nodeA, 'GET', '/api/v1/namespaces/default/secrets/s-a')).status === 200);
    const other = await as(nodeA, 'GET', '/api/v1/namespaces/default/secrets/s-b');
    assert.equal(other.status, 403);
    assert.match(other.json.message, /^secrets "s-b" is forbidden: User "system:node:node-a" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found/);
    assert.equal((await as(nodeA, 'GET', '/api/v1/namespaces/default/secrets')).status, 403);
    assert.equal((await as(nodeA, 'PATCH', '/api/v1/nodes/node-b', { metadata: { labels: { x: 'y' } } })).status, 403);
    assert.equal((await as(nodeA, 'PATCH', '/api/v1/nodes/node-a', { metadata: { labels: { x: 'y' } } })).status, 200);
    assert.equal((await as(nodeA, 'GET', '/api/v1/nodes/node-b')).status, 200);
  });

  void test('ClusterRoles labelled aggregate-to-view are aggregated into view, edit and admin', async () => {
    assert.equal((await as(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      metadata: { name: 'widget-viewer', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] }] })).status, 201);
    for (const r of ['view', 'edit', 'admin']) {
      await eventually(`${r} aggregates widgets`, async () => ((await as(admin, 'GET', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${r}`)).json.rules ?? []).some((x: any) => x.resources?.includes('widgets')));
    }
    const view = (await as(admin, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/view')).json;
    assert.ok(view.rules.some((x: any) => x.resources?.includes('pods/log')), 'view keeps the bootstrap rules');
    assert.ok(!view.rules.some((x: any) => x.resources?.includes('secrets')), 'view does not get edit rules');
  });
});
