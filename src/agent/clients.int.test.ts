/**
 * Streaming through the API server with other clients and paths: kubectl 1.33 forced to SPDY,
 * @kubernetes/client-node's WebSocket exec and port-forward, RBAC on pods/exec and pods/log
 * (create needed even for a WebSocket GET), the agent's own client authentication, and the API
 * server's errors (unknown pod, unscheduled pod, unreachable node).
 */
import { test } from 'node:test';
import { startApiServer } from '../apiserver/index.ts';
import { createMemoryStore } from '../store/index.ts';
import assert from 'node:assert/strict';
import { createServer as createNetServer, type Socket } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { PassThrough, Readable } from 'node:stream';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { Exec, KubeConfig, PortForward } from '@kubernetes/client-node';
import { issueClientCertificate, kubeconfigYaml } from '../pki/index.ts';
import { RESOURCES, resource } from '../client/index.ts';
import { VERSIONS, fetchText, fx, kubectl, kubectlUntil, sessionsSince, sessions, useStreamFixture } from './streaming/e2e-fixture.ts';

useStreamFixture((o) => startApiServer({ store: createMemoryStore(), host: '127.0.0.1', port: 0, ...o }));
const latest = VERSIONS.at(-1) ?? '1.33';
const ROLES = resource('rbac.authorization.k8s.io', 'v1', 'roles', true);
const ROLE_BINDINGS = resource('rbac.authorization.k8s.io', 'v1', 'rolebindings', true);

function clientNodeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYamlOfAdmin());
  return kc;
}
let adminYaml = '';
function kubeconfigYamlOfAdmin(): string { return adminYaml; }

void test('setup: admin kubeconfig text for client-node', async () => {
  const { readFile } = await import('node:fs/promises');
  adminYaml = await readFile(fx.kubeconfig, 'utf8');
  assert.match(adminYaml, /server: https:\/\/127\.0\.0\.1:/);
});

void test(`kubectl ${latest} forced to SPDY: exec and port-forward`, async () => {
  const n = sessions.length;
  const env = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };
  const r1 = await kubectl(latest, ['exec', '-i', 'web', '-c', 'main', '--', 'cat'], { input: 'spdy\n', env });
  assert.equal(r1.stdout, 'spdy\n', r1.stderr);
  const r2 = await kubectl(latest, ['exec', 'web', '-c', 'main', '--', 'sh', '-c', 'exit 7'], { env });
  assert.equal(r2.code, 7);
  assert.deepEqual(sessionsSince(n, 'exec').map((s) => `${String(s.transport)}/${String(s.protocol)}`), ['spdy/v5.channel.k8s.io', 'spdy/v5.channel.k8s.io']);
  let body = '';
  const r3 = await kubectlUntil(latest, ['port-forward', 'pod/web', `:${fx.webPort}`], /Forwarding from 127\.0\.0\.1:(\d+)/, async (m) => { body = await fetchText(Number(m[1]), '/spdy'); }, 20_000, env);
  assert.ok(r3.matched, r3.stderr);
  assert.equal(body, 'hello from /spdy');
  assert.deepEqual(sessionsSince(n, 'portForward').map((s) => s.transport), ['spdy']);
});

void test('client-node exec: output, status, stdin end, non-zero exit', async () => {
  const exec = new Exec(clientNodeConfig());
  const run = (cmd: string[], stdin: Readable | null): Promise<{ out: string; err: string; status: Record<string, unknown> }> => new Promise((resolve, reject) => {
    const out = new PassThrough(); const err = new PassThrough();
    let o = ''; let e = '';
    out.on('data', (c: Buffer) => { o += c.toString(); });
    err.on('data', (c: Buffer) => { e += c.toString(); });
    exec.exec('default', 'web', 'main', cmd, out, err, stdin, false, (status) => {
      setTimeout(() => resolve({ out: o, err: e, status: status as unknown as Record<string, unknown> }), 50);
    }).catch(reject);
  });
  const a = await run(['sh', '-c', 'echo hello; echo oops >&2'], null);
  assert.equal(a.out, 'hello\n');
  assert.equal(a.err, 'oops\n');
  assert.equal(a.status.status, 'Success');
  const b = await run(['cat'], Readable.from([Buffer.from('piped in\n')]));
  assert.equal(b.out, 'piped in\n');
  const c = await run(['sh', '-c', 'exit 5'], null);
  assert.equal(c.status.reason, 'NonZeroExitCode');
  assert.deepEqual((c.status.details as { causes: unknown[] }).causes, [{ reason: 'ExitCode', message: '5' }]);
});

void test('client-node port-forward over WebSocket channels', async () => {
  const n = sessions.length;
  const pf = new PortForward(clientNodeConfig());
  const server = createNetServer((socket: Socket) => { void pf.portForward('default', 'web', [fx.webPort], socket, null, socket); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  try {
    const body = await fetchText(typeof a === 'object' && a ? a.port : 0, '/client-node');
    assert.equal(body, 'hello from /client-node');
    assert.deepEqual(sessionsSince(n, 'portForward').map((s) => s.transport), ['websocket-channels']);
  } finally {
    await new Promise<void>((r) => { server.close(() => r()); });
  }
});

void test('RBAC: pods/exec needs create (also for a WebSocket GET), pods/log needs get', async () => {
  const dev = await issueClientCertificate(fx.ca.cert, fx.ca.key, { commonName: 'dev' });
  const kc = join(fx.dir, 'dev.kubeconfig');
  await writeFile(kc, kubeconfigYaml({ server: fx.api.url, caCert: fx.ca.cert, clientCert: dev.cert, clientKey: dev.key, name: 'dev' }));
  await fx.client.create(ROLES, 'default', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'dev', namespace: 'default' },
    rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }],
  });
  await fx.client.create(ROLE_BINDINGS, 'default', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'dev', namespace: 'default' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'dev' }, subjects: [{ kind: 'User', name: 'dev', apiGroup: 'rbac.authorization.k8s.io' }],
  });
  const logs = await kubectl(latest, ['logs', 'web', '-c', 'main', '--tail=1'], { kubeconfig: kc });
  assert.equal(logs.stdout, 'line three\n', logs.stderr);
  const denied = await kubectl(latest, ['exec', 'web', '-c', 'main', '--', 'true'], { kubeconfig: kc });
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /forbidden/i);
  await fx.client.update(ROLES, 'default', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'dev', namespace: 'default' },
    rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] }],
  });
  let allowed = await kubectl(latest, ['exec', 'web', '-c', 'main', '--', 'echo', 'ok'], { kubeconfig: kc });
  for (let i = 0; i < 20 && allowed.code !== 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    allowed = await kubectl(latest, ['exec', 'web', '-c', 'main', '--', 'echo', 'ok'], { kubeconfig: kc });
  }
  assert.equal(allowed.stdout, 'ok\n', allowed.stderr);
});

function agentGet(path: string, cert?: { cert: string; key: string }): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: fx.agent.port, path, ca: fx.ca.cert, agent: false, ...(cert ? { cert: cert.cert, key: cert.key } : {}) }, (res) => {
      let body = ''; res.on('data', (c: Buffer) => { body += c.toString(); }); res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

void test('agent server: client certificates, system:masters, 404 Status for unknown containers', async () => {
  assert.equal((await agentGet('/healthz')).body, 'ok');
  assert.equal((await agentGet('/pods')).code, 401);
  const dev = await issueClientCertificate(fx.ca.cert, fx.ca.key, { commonName: 'dev' });
  const forbidden = await agentGet('/containerLogs/default/web/main', dev);
  assert.equal(forbidden.code, 403);
  const master = await issueClientCertificate(fx.ca.cert, fx.ca.key, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'] });
  const ok = await agentGet('/containerLogs/default/web/main?tailLines=1', master);
  assert.deepEqual(ok, { code: 200, body: 'line three\n' });
  const missing = await agentGet('/containerLogs/default/web/nope', master);
  assert.equal(missing.code, 404);
  assert.equal((JSON.parse(missing.body) as { kind: string }).kind, 'Status');
  const pods = await agentGet('/pods', master);
  assert.equal((JSON.parse(pods.body) as { kind: string }).kind, 'PodList');
});

void test('API server errors: unknown pod, unscheduled pod, unreachable node', async () => {
  const unknown = await kubectl(latest, ['logs', 'nope']);
  assert.match(unknown.stderr, /not found/);
  const unscheduled = await kubectl(latest, ['exec', 'unscheduled', '--', 'true']);
  assert.notEqual(unscheduled.code, 0);
  const un = await kubectl(latest, ['get', '--raw', '/api/v1/namespaces/default/pods/unscheduled/log']);
  assert.match(un.stderr, /does not have a host assigned/);
  await fx.client.create(RESOURCES.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-gone' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } } });
  const pod = await fx.client.create<Record<string, unknown>>(RESOURCES.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: 'default' }, spec: { nodeName: 'node-gone', containers: [{ name: 'main', image: 'x' }] } });
  await fx.client.updateStatus(RESOURCES.pods, 'default', { ...pod, status: { phase: 'Running' } });
  const started = Date.now();
  const logs = await kubectl(latest, ['logs', 'orphan']);
  assert.notEqual(logs.code, 0);
  assert.match(logs.stderr, /error dialing the node agent/);
  const exec = await kubectl(latest, ['exec', 'orphan', '--', 'true']);
  assert.notEqual(exec.code, 0);
  assert.ok(Date.now() - started < 15_000);
});
