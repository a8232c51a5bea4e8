/**
 * @module pki/pki.int.test — the certificate directory on disk and a real mutual-TLS handshake on
 * loopback using the credentials of a generated kubeconfig.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import {
  coversHost, ensureServerPki, isIssuedBy, kubeconfigYaml, readKubeconfigCredentials, writePrivateFile,
} from './index.ts';

const posix = process.platform !== 'win32';

/** withTempDir runs `fn` with a fresh temporary directory and removes it afterwards. */
async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'windlass-pki-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void test('ensureServerPki creates the directory once and is idempotent', () => withTempDir(async (root) => {
  const dir = join(root, 'tls');
  const first = await ensureServerPki(dir, { hosts: ['node1.example.com', '10.9.8.7'] });
  assert.deepEqual((await readdir(dir)).sort(), ['admin.crt', 'admin.key', 'ca.crt', 'ca.key', 'kubelet-client.crt', 'kubelet-client.key', 'server.crt', 'server.key']);
  assert.ok(isIssuedBy(first.kubeletClientCert, first.caCert));
  assert.match(new X509Certificate(first.kubeletClientCert).subject, /CN=kube-apiserver-kubelet-client/);
  assert.match(new X509Certificate(first.kubeletClientCert).subject, /O=system:masters/);
  assert.equal(await readFile(join(dir, 'ca.crt'), 'utf8'), first.caCert);
  assert.ok(isIssuedBy(first.serverCert, first.caCert));
  assert.ok(isIssuedBy(first.adminCert, first.caCert));
  assert.ok(coversHost(first.serverCert, 'node1.example.com') && coversHost(first.serverCert, '10.9.8.7'));
  if (posix) {
    for (const f of ['ca.key', 'server.key', 'admin.key', 'kubelet-client.key']) assert.equal((await stat(join(dir, f))).mode & 0o777, 0o600, f);
    assert.equal((await stat(join(dir, 'ca.crt'))).mode & 0o777, 0o644);
  }

  const second = await ensureServerPki(dir, { hosts: ['node1.example.com'] });
  assert.deepEqual(second, first);
}));

void test('ensureServerPki reissues the serving certificate for a new host with the same CA', () => withTempDir(async (dir) => {
  const first = await ensureServerPki(dir, { hosts: ['a.example'] });
  const second = await ensureServerPki(dir, { hosts: ['a.example', 'b.example', '192.0.2.10'] });
  assert.equal(second.caCert, first.caCert);
  assert.equal(second.caKey, first.caKey);
  assert.equal(second.adminCert, first.adminCert);
  assert.notEqual(second.serverCert, first.serverCert);
  assert.ok(isIssuedBy(second.serverCert, first.caCert));
  for (const h of ['a.example', 'b.example', '192.0.2.10']) assert.ok(coversHost(second.serverCert, h), h);
  assert.equal(await readFile(join(dir, 'server.crt'), 'utf8'), second.serverCert);
}));

void test('ensureServerPki renews leaves near expiry, and refuses a CA without its key', () => withTempDir(async (dir) => {
  const first = await ensureServerPki(dir, { hosts: [] });
  const later = new Date(Date.now() + 340 * 24 * 60 * 60 * 1000);
  const renewed = await ensureServerPki(dir, { hosts: [], now: later });
  assert.equal(renewed.caCert, first.caCert);
  assert.notEqual(renewed.serverCert, first.serverCert);
  assert.notEqual(renewed.adminCert, first.adminCert);
  assert.ok(new X509Certificate(renewed.serverCert).validToDate.getTime() > later.getTime() + 300 * 24 * 60 * 60 * 1000);

  await rm(join(dir, 'ca.key'));
  await assert.rejects(ensureServerPki(dir, { hosts: [] }), /ca\.key/);
}));

void test('writePrivateFile creates parents, replaces atomically, leaves no temp files', () => withTempDir(async (root) => {
  const path = join(root, 'a', 'b', 'secret.txt');
  await writePrivateFile(path, 'one');
  await writePrivateFile(path, 'two');
  assert.equal(await readFile(path, 'utf8'), 'two');
  assert.deepEqual(await readdir(join(root, 'a', 'b')), ['secret.txt']);
  if (posix) {
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await writeFile(join(root, 'open.txt'), 'x', { mode: 0o644 });
    await writePrivateFile(join(root, 'open.txt'), 'y');
    assert.equal((await stat(join(root, 'open.txt'))).mode & 0o777, 0o600);
    await writePrivateFile(join(root, 'shared.txt'), 'z', 0o640);
    assert.equal((await stat(join(root, 'shared.txt'))).mode & 0o777, 0o640);
  }
}));

void test('mutual TLS on loopback with the kubeconfig credentials shows the admin CN and O', () => withTempDir(async (dir) => {
  const pki = await ensureServerPki(dir, { hosts: [] });
  const server = tls.createServer({
    cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requestCert: true, rejectUnauthorized: false,
  });
  const seen = once(server, 'secureConnection') as Promise<[tls.TLSSocket]>;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const kubeconfig = kubeconfigYaml({
      server: `https://127.0.0.1:${port}`, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey,
    });
    const creds = readKubeconfigCredentials(kubeconfig);
    const url = new URL(creds.server);
    const socket = tls.connect({
      host: url.hostname, port: Number(url.port),
      ca: creds.caCert, cert: creds.clientCert, key: creds.clientKey,
    });
    await once(socket, 'secureConnect');
    assert.equal(socket.authorized, true, String(socket.authorizationError));
    const [peer] = await seen;
    assert.equal(peer.authorized, true, String(peer.authorizationError));
    const subject = peer.getPeerCertificate().subject;
    assert.equal(subject.CN, 'kubernetes-admin');
    assert.equal(subject.O, 'system:masters');
    socket.destroy();
    peer.destroy();
  } finally {
    server.close();
    await once(server, 'close');
  }
}));
