/**
 * @module apiserver/protobuf/openapi-v2.int.test — real kubectl 1.27 and 1.28 against a throw-away
 * HTTPS server on 127.0.0.1 that serves only legacy discovery and `/openapi/v2` encoded by
 * encodeOpenApiV2Protobuf. `kubectl apply` with default validation succeeds only if kubectl parses
 * the document and finds the `fieldValidation` parameter on the Deployment PATCH operation: the
 * manifest carries an unknown field, which kubectl's client-side schema validation (its fallback
 * when the parameter is missing) would reject; with the parameter it sends `fieldValidation=Strict`. Skipped when the kubectl binaries or openssl are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeOpenApiV2Protobuf, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './openapi-v2.ts';

const BIN = '/usr/lib/google-cloud-sdk/bin';
const GVK = { group: 'apps', kind: 'Deployment', version: 'v1' };
const fieldValidation = { in: 'query', name: 'fieldValidation', type: 'string', uniqueItems: true };

/** DOC is a small but self-consistent Swagger document (every $ref resolves). */
const DOC = {
  swagger: '2.0',
  info: { title: 'windlass', version: 'v1.28.0' },
  paths: {
    '/apis/apps/v1/namespaces/{namespace}/deployments': {
      post: { operationId: 'createAppsV1NamespacedDeployment', parameters: [fieldValidation], responses: { 201: { description: 'Created' } }, 'x-kubernetes-action': 'post', 'x-kubernetes-group-version-kind': GVK },
    },
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}': {
      patch: {
        operationId: 'patchAppsV1NamespacedDeployment',
        parameters: [{ in: 'body', name: 'body', required: true, schema: { type: 'object' } }, fieldValidation],
        responses: { 200: { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } } },
        'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': GVK,
      },
    },
  },
  definitions: {
    'io.k8s.api.apps.v1.Deployment': {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' }, kind: { type: 'string' },
        metadata: { type: 'object', additionalProperties: { type: 'string' } },
        spec: { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec' },
      },
      'x-kubernetes-group-version-kind': [GVK],
    },
    'io.k8s.api.apps.v1.DeploymentSpec': {
      type: 'object',
      properties: { replicas: { type: 'integer', format: 'int32' }, containers: { type: 'array', items: { type: 'object' }, 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' } },
    },
  },
};

const MANIFEST = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 2\n  bogus: 1\n';

function haveTools(): boolean {
  if (!existsSync(`${BIN}/kubectl.1.27`)) return false;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function runKubectl(version: string, doc: object): Promise<{ writes: string[]; openapi: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'oapi2-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
  const writes: string[] = [];
  let openapi = 0;
  const pbDoc = encodeOpenApiV2Protobuf(doc);
  const server = https.createServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      const json = (code: number, body: unknown): void => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (path === '/openapi/v2') {
        openapi++;
        res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF_CONTENT_TYPE });
        res.end(pbDoc);
      } else if (path === '/api') json(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      else if (path === '/apis') {
        const gv = { groupVersion: 'apps/v1', version: 'v1' };
        json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [gv], preferredVersion: gv }] });
      } else if (path === '/api/v1') json(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'v1', resources: [] });
      else if (path === '/apis/apps/v1') {
        json(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1', resources: [
          { name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: ['create', 'get', 'list', 'patch', 'update'] }] });
      } else if (req.method === 'GET') json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
      else {
        writes.push(`${req.method} ${req.url}`);
        json(201, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  writeFileSync(join(dir, 'config'), `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:${port}', insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`);
  writeFileSync(join(dir, 'deploy.yaml'), MANIFEST);
  try {
    const [stdout, stderr] = await new Promise<[string, string]>((resolve) => {
      execFile(`${BIN}/kubectl.${version}`, ['apply', '-f', join(dir, 'deploy.yaml')],
        { env: { ...process.env, HOME: dir, KUBECONFIG: join(dir, 'config') }, encoding: 'utf8', timeout: 60_000 },
        (_err, out, errOut) => resolve([out, errOut]));
    });
    return { writes, openapi, stdout, stderr };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** projectDoc is the project's full Swagger document (src/api/openapi), when that module loads. */
async function projectDoc(): Promise<object | undefined> {
  try {
    const paths = ['../../api/openapi/index.ts', '../../api/kinds/index.ts', '../../api/schema/index.ts'];
    const [openapi, kinds, schema] = await Promise.all(paths.map(async (p) => import(p)));
    return openapi.buildOpenApiV2(kinds.builtinKinds ?? kinds.builtinKindFacts, schema.schemas);
  } catch {
    return undefined;
  }
}

const full = await projectDoc();
const cases = [
  ...['1.27', '1.28'].map((v) => ({ version: v, label: 'a small document', doc: DOC })),
  ...['1.27', '1.28'].map((v) => ({ version: v, label: 'the full project document', doc: full })),
];

for (const { version, label, doc } of cases) {
  const skip = !haveTools() ? 'kubectl or openssl missing' : doc === undefined ? 'src/api/openapi not available' : false;
  void test(`kubectl ${version} apply validates via ${label} as protobuf /openapi/v2`, { skip }, async () => {
    const r = await runKubectl(version, doc!);
    assert.ok(r.openapi >= 1, 'kubectl fetched /openapi/v2');
    assert.match(r.stdout, /deployment\.apps\/web created/, r.stderr);
    assert.equal(r.writes.length, 1);
    assert.match(r.writes[0], /^POST \/apis\/apps\/v1\/namespaces\/default\/deployments\?fieldManager=kubectl-client-side-apply&fieldValidation=Strict$/);
  });
}

/** withoutFieldValidation copies a document with every `fieldValidation` parameter removed. */
function withoutFieldValidation(doc: object): object {
  const copy = structuredClone(doc) as { paths: Record<string, Record<string, { parameters?: { name?: string }[] }>> };
  for (const item of Object.values(copy.paths)) {
    for (const op of Object.values(item)) if (Array.isArray(op?.parameters)) op.parameters = op.parameters.filter((p) => p.name !== 'fieldValidation');
  }
  return copy;
}

// Control: without the parameter kubectl validates client-side against the encoded definitions,
// which proves it parsed them (properties, $refs, required, the GVK list extension).
for (const { label, doc } of [{ label: 'the small document', doc: DOC as object | undefined }, { label: 'the full project document', doc: full }]) {
  const skip = !haveTools() ? 'kubectl or openssl missing' : doc === undefined ? 'src/api/openapi not available' : false;
  void test(`kubectl 1.27 validates client-side against the definitions of ${label} when fieldValidation is absent`, { skip }, async () => {
    const r = await runKubectl('1.27', withoutFieldValidation(doc!));
    assert.match(r.stderr, /unknown field "bogus" in io\.k8s\.api\.apps\.v1\.DeploymentSpec/);
    assert.deepEqual(r.writes, []);
  });
}
