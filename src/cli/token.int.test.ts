/**
 * @module cli/token.int.test — `windlass token create|list|delete` through runCli against a real
 * API server (memory store, real kinds) with an admin kubeconfig in a temporary data dir.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  caCertHash, createCertificateAuthority, issueClientCertificate, issueServerCertificate, kubeconfigYaml, writePrivateFile,
} from '../pki/index.ts';
import { createMemoryStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { startApiServer } from '../apiserver/index.ts';
import type { ApiServer } from '../apiserver/index.ts';
import { requestJson } from '../agent/index.ts';
import { runCli } from './program.ts';

let store: Store;
let server: ApiServer;
let dir: string;
let caCert: string;
let admin: { cert: string; key: string };

before(async () => {
  const ca = await createCertificateAuthority();
  caCert = ca.cert;
  const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  admin = await issueClientCertificate(ca.cert, ca.key, { commonName: 'kubernetes-admin', organizations: ['system:masters'] });
  store = createMemoryStore();
  server = await startApiServer({ store, tls: { cert: serving.cert, key: serving.key, ca: ca.cert }, host: '127.0.0.1', port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'windlass-token-'));
  await writePrivateFile(join(dir, 'admin.kubeconfig'), kubeconfigYaml({ server: `https://127.0.0.1:${server.port}`, caCert, clientCert: admin.cert, clientKey: admin.key }));
});
after(async () => {
  await server.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** cli runs windlass with captured output. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { io: { out: (t) => { out += t; }, err: (t) => { err += t; } } });
  return { code, out, err };
}

void test('token create / list / delete against a real API server', async () => {
  const created = await cli('token', 'create', '-d', dir, '--description', 'for w1');
  assert.equal(created.code, 0, created.err);
  const token = created.out.trim();
  assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  const id = token.slice(0, 6);
  const target = { server: `https://127.0.0.1:${server.port}`, caCert, clientCert: admin.cert, clientKey: admin.key };
  const secret = await requestJson(target, 'GET', `/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`);
  assert.equal(secret.status, 200);
  assert.equal(secret.json.type, 'bootstrap.kubernetes.io/token');
  assert.equal(Buffer.from(secret.json.data['token-secret'], 'base64').toString(), token.slice(7));
  assert.equal(Buffer.from(secret.json.data['usage-bootstrap-authentication'], 'base64').toString(), 'true');

  const printed = await cli('token', 'create', 'zyxwvu.0123456789abcdef', '--kubeconfig', join(dir, 'admin.kubeconfig'), '--ttl', '0', '--print-join-command');
  assert.equal(printed.code, 0, printed.err);
  assert.equal(printed.out, `windlass join 127.0.0.1:${server.port} --token zyxwvu.0123456789abcdef --discovery-token-ca-cert-hash ${caCertHash(caCert)}\n`);

  const dup = await cli('token', 'create', 'zyxwvu.0123456789abcdef', '-d', dir);
  assert.equal(dup.code, 1);
  assert.match(dup.err, /a bootstrap token with ID "zyxwvu" already exists/);

  const listed = await cli('token', 'list', '-d', dir);
  assert.equal(listed.code, 0, listed.err);
  const lines = listed.out.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^TOKEN/);
  assert.ok(lines.some((l) => l.startsWith(token) && /\s2[34]h\s/.test(l) && l.includes('for w1')));
  assert.ok(lines.some((l) => l.startsWith('zyxwvu.0123456789abcdef') && l.includes('<forever>')));

  const deleted = await cli('token', 'delete', id, '-d', dir);
  assert.equal(deleted.code, 0, deleted.err);
  assert.equal(deleted.out, `bootstrap token "${id}" deleted\n`);
  const gone = await cli('token', 'delete', id, '-d', dir);
  assert.equal(gone.code, 1);
  assert.match(gone.err, new RegExp(`bootstrap token "${id}" not found`));
  assert.equal((await cli('token', 'list', '-d', dir)).out.trimEnd().split('\n').length, 2);
});

void test('token refusals: bad ttl, bad usage, missing admin kubeconfig, bad id', async () => {
  const cases: [string[], RegExp][] = [
    [['token', 'create', '-d', dir, '--ttl', '1d'], /--ttl "1d" is not a duration/],
    [['token', 'create', '-d', dir, '--usages', 'admin'], /invalid bootstrap token usage "admin"/],
    [['token', 'list', '-d', join(dir, 'nope')], /no admin kubeconfig at .*admin\.kubeconfig/],
    [['token', 'delete', 'ABC', '-d', dir], /neither a token ID/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.err, re);
  }
});
