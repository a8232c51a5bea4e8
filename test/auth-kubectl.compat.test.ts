/**
 * @module test/auth-kubectl.compat.test — `kubectl auth whoami`, `kubectl auth can-i VERB RESOURCE`
 * and `kubectl auth can-i --list` (issue 3, acceptance 5) with the real kubectl 1.27, 1.30 and 1.33
 * as three identities: the admin (the harness kubeconfig, `system:masters`), a service account
 * (kubeconfig with a TokenRequest `token:`) bound to a Role, and a node (client certificate
 * `CN=system:node:kn1, O=system:nodes`). Usernames and groups must be printed as the server
 * authenticated them, yes/no answers must follow the bindings (exit 0 for yes, 1 for no), and
 * `--list` must show the rows the bindings imply and no more for the unprivileged subjects.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createApiClient, makeKubectl, nodeCredentials, requestServiceAccountToken, startServer, tokenCredentials, writeKubeconfigFile,
  type ApiClient, type Kubectl, type KubectlResult, type ServerProcess,
} from './harness/index.ts';

const VERSIONS = ['1.27', '1.30', '1.33'] as const;
const NS = 'kauth';

/** Identity is one subject of the test: its kubeconfig and what the server must say about it. */
interface Identity {
  readonly label: string;
  readonly kubeconfig: () => string;
  readonly username: string;
  readonly groups: readonly string[];
  /** canI: [args after `auth can-i`, expected answer]. */
  readonly canI: readonly (readonly [readonly string[], 'yes' | 'no'])[];
  /** list checks the `can-i --list -n kauth` output. */
  list(out: string, r: KubectlResult): void;
}

/** listRows parses `kubectl auth can-i --list` into resource → verbs (resource rows) and URL → verbs. */
function listRows(out: string): Map<string, Set<string>> {
  const rows = new Map<string, Set<string>>();
  for (const line of out.split('\n').slice(1)) {
    // Resource rows: `name  []  [names]  [verbs]`; non-resource rows leave the first column empty: `  [urls]  []  [verbs]`.
    const m = /^(\S*)\s*\[([^\]]*)\]\s+\[([^\]]*)\]\s+\[([^\]]*)\]\s*$/.exec(line);
    if (!m) continue;
    const key = m[1] === '' ? `url:${m[2]}` : m[1] + (m[3] ? `#${m[3]}` : '');
    const verbs = rows.get(key) ?? new Set<string>();
    for (const v of m[4].split(/\s+/).filter(Boolean)) verbs.add(v);
    rows.set(key, verbs);
  }
  return rows;
}

/** hasVerbs asserts that the row `key` exists with (at least) `verbs`. */
function hasVerbs(rows: Map<string, Set<string>>, key: string, verbs: readonly string[], r: KubectlResult): void {
  const got = rows.get(key);
  assert.ok(got, `no "${key}" row in can-i --list\n${r.describe()}`);
  for (const v of verbs) assert.ok(got.has(v) || got.has('*'), `row "${key}" lacks verb ${v}\n${r.describe()}`);
}

let server: ServerProcess;
let admin: ApiClient;
let dir: string;
const paths = { sa: '', node: '' };
let saSetupError: Error | undefined;

before(async () => {
  server = await startServer();
  admin = createApiClient(server.credentials);
  dir = await mkdtemp(join(tmpdir(), 'windlass-auth-kubectl-'));
  // A failing service-account setup fails only the service-account tests (the error is rethrown there).
  try {
    const post = async (path: string, body: Record<string, unknown>): Promise<void> => {
      const r = await admin.post(path, body);
      assert.equal(r.status, 201, `setup POST ${path}: ${r.status} ${r.text().slice(0, 400)}`);
    };
    await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await post(`/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
    await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'robot' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }, { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] }],
    });
    await post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'robot' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'robot' },
      subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: NS }],
    });
    paths.sa = await writeKubeconfigFile(join(dir, 'sa.kubeconfig'), tokenCredentials(server, await requestServiceAccountToken(admin, NS, 'robot')));
  } catch (e) {
    saSetupError = e instanceof Error ? e : new Error(String(e));
  }
  paths.node = await writeKubeconfigFile(join(dir, 'node.kubeconfig'), await nodeCredentials(server, 'kn1'));
});
after(async () => {
  admin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  const out = server?.output() ?? '';
  const stopped = await server?.stop();
  if (stopped && stopped.code !== 0 && process.env.WINDLASS_TEST_LOG !== '1') console.error(`server exit ${JSON.stringify(stopped)}\n${out.slice(-4000)}`);
});

const IDENTITIES: Identity[] = [
  {
    label: 'admin',
    kubeconfig: () => server.kubeconfigPath,
    username: 'kubernetes-admin',
    groups: ['system:masters', 'system:authenticated'],
    canI: [[['*', '*'], 'yes'], [['create', 'deployments.apps', '-n', NS], 'yes'], [['get', '/logs'], 'yes'], [['delete', 'nodes'], 'yes']],
    list(out, r) {
      const rows = listRows(out);
      hasVerbs(rows, '*.*', ['*'], r);
      hasVerbs(rows, 'url:*', ['*'], r);
    },
  },
  {
    label: 'service account token',
    kubeconfig: () => {
      if (saSetupError) throw new Error(`service-account setup failed: ${saSetupError.message}`);
      return paths.sa;
    },
    username: `system:serviceaccount:${NS}:robot`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
    canI: [
      [['list', 'pods', '-n', NS], 'yes'], [['create', 'configmaps', '-n', NS], 'yes'], [['delete', 'pods', '-n', NS], 'no'],
      [['list', 'pods', '-n', 'default'], 'no'], [['get', 'secrets', '-n', NS], 'no'], [['list', 'nodes'], 'no'],
    ],
    list(out, r) {
      const rows = listRows(out);
      hasVerbs(rows, 'pods', ['get', 'list', 'watch'], r);
      hasVerbs(rows, 'configmaps', ['create'], r);
      assert.ok(!rows.get('configmaps')?.has('delete'), `configmaps row grants more than create\n${r.describe()}`);
      hasVerbs(rows, 'selfsubjectaccessreviews.authorization.k8s.io', ['create'], r);
      assert.ok(!rows.has('*.*'), `a service account must not see *.*\n${r.describe()}`);
      assert.ok(!rows.has('secrets'), `no binding grants secrets\n${r.describe()}`);
    },
  },
  {
    label: 'node identity',
    kubeconfig: () => paths.node,
    username: 'system:node:kn1',
    groups: ['system:nodes', 'system:authenticated'],
    canI: [[['get', 'nodes'], 'yes'], [['list', 'pods', '--all-namespaces'], 'yes'], [['delete', 'nodes'], 'no'], [['create', 'deployments.apps', '-n', NS], 'no'], [['get', 'secrets', '-n', NS], 'no']],
    list(out, r) {
      const rows = listRows(out);
      hasVerbs(rows, 'selfsubjectaccessreviews.authorization.k8s.io', ['create'], r);
      assert.ok(!rows.has('*.*'), `a node must not see *.*\n${r.describe()}`);
      assert.ok(!rows.get('secrets')?.has('list'), `a node must not list secrets\n${r.describe()}`);
    },
  },
];

for (const version of VERSIONS) {
  void describe(`kubectl ${version} auth`, { timeout: 240_000 }, () => {
    for (const id of IDENTITIES) {
      void describe(`as ${id.label}`, () => {
        let k: Kubectl;
        before(async () => { k = await makeKubectl(version, id.kubeconfig()); });
        after(async () => { await k?.cleanup(); });

        void test('auth whoami prints the username and groups', async () => {
          const table = await k.run(['auth', 'whoami']);
          assert.equal(table.code, 0, table.describe());
          assert.match(table.stdout, new RegExp(`^Username\\s+${id.username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm'), table.describe());
          const json = await k.run(['auth', 'whoami', '-o', 'json']);
          assert.equal(json.code, 0, json.describe());
          const info = JSON.parse(json.stdout).status?.userInfo;
          assert.equal(info?.username, id.username, json.describe());
          for (const g of id.groups) assert.ok(info.groups?.includes(g), `group ${g} missing\n${json.describe()}`);
        });

        void test('auth can-i VERB RESOURCE answers yes/no as the bindings say', async () => {
          for (const [args, want] of id.canI) {
            const r = await k.run(['auth', 'can-i', ...args]);
            // kubectl prints "yes", or "no" followed by " - <reason>" when the review carries one.
            assert.match(r.stdout.trim(), want === 'yes' ? /^yes$/ : /^no( - .+)?$/, `can-i ${args.join(' ')}\n${r.describe()}`);
            assert.equal(r.code, want === 'yes' ? 0 : 1, r.describe());
          }
        });

        void test('auth can-i --list shows the rules of the bindings', async () => {
          const r = await k.run(['auth', 'can-i', '--list', '-n', NS]);
          assert.equal(r.code, 0, r.describe());
          assert.match(r.stdout, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs\s*$/m, r.describe());
          id.list(r.stdout, r);
        });
      });
    }
  });
}
