/**
 * @module test/harness/harness.int.test — checks the harness itself against a fake server process
 * (fake-server.ts) and against nothing: the listening line and kubeconfig are picked up, the admin
 * client authenticates with the client certificate, kubectl against a closed port fails fast and
 * clearly, a hanging command is killed at its timeout, and kill -9 / SIGTERM behave.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  createApiClient, kubectlAvailable, makeKubectl, runKubectlBinary, startServer, waitFor,
  type ApiClient, type ServerProcess,
} from './index.ts';

const FAKE = join(import.meta.dirname, 'fake-server.ts');

void describe('harness against the fake server', () => {
  let server: ServerProcess;
  let api: ApiClient;
  before(async () => {
    server = await startServer({ entry: FAKE, timeoutMs: 30_000 });
    api = createApiClient(server.credentials);
  });
  after(async () => {
    api?.close();
    await server?.stop();
  });

  void test('parses the listening line and the kubeconfig', () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(server.port > 0);
    assert.equal(server.credentials.server, server.url);
    assert.match(server.credentials.cert ?? '', /BEGIN CERTIFICATE/);
  });

  void test('admin client does CRUD and watch over HTTPS with the client certificate', async () => {
    const w = api.watch('/api/v1/namespaces/default/configmaps?watch=true');
    assert.equal(await w.status, 200);
    const created = await api.post('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'h1' }, data: { a: '1' } });
    assert.equal(created.status, 201, created.text());
    const ev = await w.next((e) => e.type === 'ADDED' && e.object?.metadata?.name === 'h1', 5000);
    assert.equal(ev.object.data.a, '1');
    w.close();
    const got = await api.get('/api/v1/namespaces/default/configmaps/h1');
    assert.equal(got.json().data.a, '1');
    const missing = await api.get('/api/v1/namespaces/default/configmaps/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.json().kind, 'Status');
  });

  void test('kill -9 then restart on the same data dir keeps acknowledged creates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'windlass-harness-'));
    try {
      const s1 = await startServer({ entry: FAKE, dataDir: dir });
      const c1 = createApiClient(s1.credentials);
      assert.equal((await c1.post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'kept' } })).status, 201);
      c1.close();
      await s1.kill9();
      assert.equal((await s1.exited).signal, 'SIGKILL');
      const s2 = await startServer({ entry: FAKE, dataDir: dir });
      const c2 = createApiClient(s2.credentials);
      assert.equal((await c2.get('/api/v1/namespaces/default/configmaps/kept')).status, 200);
      c2.close();
      assert.deepEqual(await s2.stop(), { code: 0, signal: null });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void test('a request to a server that never answers fails at its timeout', async () => {
    const silent: Server = createServer(() => { /* accept and say nothing */ });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const c = createApiClient({ server: `https://127.0.0.1:${port}`, insecure: true });
    const t0 = Date.now();
    await assert.rejects(c.get('/version', { timeoutMs: 500 }), /no complete response within 500 ms/);
    assert.ok(Date.now() - t0 < 5000);
    c.close();
    silent.close();
  });
});

void describe('startServer failure modes', () => {
  void test('an entry that exits early is reported with its output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'windlass-harness-'));
    const bad = join(dir, 'bad.mjs');
    await writeFile(bad, 'console.error("boom: no such flag"); process.exit(3);\n');
    await assert.rejects(startServer({ entry: bad }), /exited before listening \(code 3[\s\S]*boom: no such flag/);
    await rm(dir, { recursive: true, force: true });
  });
  void test('an entry that never prints the listening line times out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'windlass-harness-'));
    const mute = join(dir, 'mute.mjs');
    await writeFile(mute, 'setInterval(() => {}, 1000);\n');
    await assert.rejects(startServer({ entry: mute, timeoutMs: 1000 }), /no "windlass: listening on https:\/\/…" line within 1000 ms/);
    await rm(dir, { recursive: true, force: true });
  });
});

void describe('kubectl runner', { skip: !kubectlAvailable('1.33') && 'kubectl.1.33 not installed' }, () => {
  void test('against nothing: connection refused, non-zero exit, no hang', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'windlass-harness-'));
    const kc = join(dir, 'kc');
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
    });
    await writeFile(kc, `apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters: [{name: x, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: x, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]\n`);
    const k = await makeKubectl('1.33', kc);
    const r = await k.run(['get', 'configmaps', '--request-timeout=5s'], { timeoutMs: 30_000 });
    assert.notEqual(r.code, 0, r.describe());
    assert.equal(r.timedOut, false);
    assert.match(r.stderr, /connection refused/, r.describe());
    await k.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  void test('a command that hangs is killed at its timeout', async () => {
    const r = await runKubectlBinary('/bin/sleep', ['30'], { PATH: '/usr/bin:/bin' }, { timeoutMs: 300 });
    assert.equal(r.timedOut, true);
    assert.equal(r.code, null);
  });
  void test('background waitFor fails clearly when the output never comes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'windlass-harness-'));
    const k = await makeKubectl('1.33', join(dir, 'missing-kubeconfig'));
    const bg = k.background(['version', '--client']);
    await assert.rejects(bg.waitFor(/never printed/, 10_000), /exited|timed out/);
    await bg.stop();
    await waitFor(() => bg.child.exitCode !== null || bg.child.signalCode !== null, { timeoutMs: 5000 });
    await k.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
});
