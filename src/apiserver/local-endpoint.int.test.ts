/**
 * @module apiserver/local-endpoint.int.test — the server's local endpoint with the real modules:
 * plain HTTP on a Unix socket where each local token authenticates as its user (under that user's
 * RBAC, not as an admin); a wrong token is refused, no token is anonymous, and the local tokens
 * are worthless on the HTTPS port. A stale socket left by a killed server is replaced; a socket a
 * live process listens on, or any other file at the path, is never deleted (the start fails instead).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRealServer, type RealServer } from './test-support.ts';
import type { UserInfo } from './auth/types.ts';

const SCHEDULER: UserInfo = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };
const TOKEN = 'local-token-for-the-scheduler-0123456789';
let dir: string;
let real: RealServer;
let path: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'windlass-local-'));
  path = join(dir, 'api.sock');
  real = await startRealServer({ local: { path, tokens: new Map([[TOKEN, SCHEDULER]]) } });
});
after(async () => {
  await real.close();
  await rm(dir, { recursive: true, force: true });
});

/** send makes one request on the local socket and returns status and parsed body. */
async function send(method: string, p: string, token?: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string | number> = { accept: 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (text !== undefined) { headers['content-type'] = 'application/json'; headers['content-length'] = Buffer.byteLength(text); }
  const req = request({ socketPath: path, method, path: p, headers, agent: false });
  req.end(text);
  const [res] = await once(req, 'response') as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return { status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
}

const REVIEW = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };

test('local endpoint: a local token is its user, under that user\'s RBAC', async () => {
  assert.equal(real.server.localSocket, path);
  const who = await send('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', TOKEN, REVIEW);
  assert.equal(who.status, 201);
  assert.equal(who.json.status.userInfo.username, 'system:kube-scheduler');
  assert.deepEqual(who.json.status.userInfo.groups, ['system:authenticated']);
  const nodes = await send('GET', '/api/v1/nodes', TOKEN);
  assert.equal(nodes.status, 200, JSON.stringify(nodes.json));
  assert.equal(nodes.json.kind, 'NodeList');
  const secrets = await send('GET', '/api/v1/secrets', TOKEN);
  assert.equal(secrets.status, 403);
  assert.match(secrets.json.message, /User "system:kube-scheduler" cannot list resource "secrets"/);
});

test('local endpoint: a wrong token is refused and no token is anonymous', async () => {
  const wrong = await send('GET', '/api/v1/nodes', `${TOKEN}x`);
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.reason, 'Unauthorized');
  const anonymous = await send('GET', '/api/v1/nodes');
  assert.equal(anonymous.status, 403);
  assert.match(anonymous.json.message, /User "system:anonymous" cannot list resource "nodes"/);
});

test('local endpoint: its tokens are not accepted on the HTTPS port', async () => {
  const base = new URL(real.server.url);
  const r = await real.client.req('GET', '/api/v1/nodes', undefined, { Authorization: `Bearer ${TOKEN}` });
  assert.equal(r.status, 200, 'the admin certificate still authenticates'); // the client presents its certificate first
  // Without a certificate, the token alone:
  const { request: httpsRequest } = await import('node:https');
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpsRequest({ host: base.hostname, port: base.port, path: '/api/v1/nodes', ca: real.pki.ca, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 401);
});

test('local endpoint: a stale socket is replaced; a live one or another kind of file is kept and the start fails', async () => {
  const stalePath = join(dir, 'stale.sock');
  // A process that listened there and was killed leaves the socket file behind.
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(stalePath)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.ok(existsSync(stalePath));
  const own = await startRealServer({ local: { path: stalePath, tokens: new Map([[TOKEN, SCHEDULER]]) } });
  try {
    assert.equal(own.server.localSocket, stalePath);
  } finally { await own.close(); }

  // A socket another process still listens on is not taken over.
  const busyPath = join(dir, 'busy.sock');
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(busyPath, resolve));
  try {
    await assert.rejects(startRealServer({ local: { path: busyPath, tokens: new Map() } }), /EADDRINUSE/);
    const still = connect(busyPath);
    await once(still, 'connect');
    still.destroy();
  } finally { busy.close(); }

  const filePath = join(dir, 'not-a-socket');
  await writeFile(filePath, 'precious');
  await assert.rejects(startRealServer({ local: { path: filePath, tokens: new Map() } }), /EADDRINUSE/);
  assert.equal(await readFile(filePath, 'utf8'), 'precious');
});
