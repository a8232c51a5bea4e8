/**
 * @module pki/certs.test — the CA, serving and client certificates and kubeconfig rendering,
 * checked with node:crypto's own X.509 parser (no files, no sockets).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { parse } from 'yaml';
import {
  DEFAULT_SERVER_HOSTS, coversHost, createCertificateAuthority, expiresWithin, isIssuedBy,
  issueClientCertificate, issueServerCertificate, keyMatchesCert, kubeconfigYaml, readKubeconfigCredentials,
  sanEntries, setKubeconfigServer,
} from './index.ts';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2026-01-01T00:00:00Z');
const ca = await createCertificateAuthority({ now });
const otherCa = await createCertificateAuthority({ now });
const server = await issueServerCertificate(ca.cert, ca.key, { hosts: ['node1.example.com', '10.0.0.5', 'fd00::5'], now });
const client = await issueClientCertificate(ca.cert, ca.key, {
  commonName: 'kubernetes-admin', organizations: ['system:masters', 'devs'], days: 30, now,
});

void test('CA is self-signed, a CA, P-256, valid for 10 years', () => {
  const c = new X509Certificate(ca.cert);
  assert.equal(c.ca, true);
  assert.ok(c.checkIssued(c) && c.verify(c.publicKey));
  assert.equal(c.publicKey.asymmetricKeyType, 'ec');
  assert.equal(c.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(c.subject, /^CN=windlass-ca@\d+$/);
  assert.equal(Math.round((c.validToDate.getTime() - now.getTime()) / DAY), 3650);
  assert.ok(keyMatchesCert(ca.cert, ca.key));
  assert.match(ca.key, /^-----BEGIN PRIVATE KEY-----\n/);
});

void test('server certificate verifies against its CA and not against another', () => {
  const leaf = new X509Certificate(server.cert);
  const issuer = new X509Certificate(ca.cert);
  assert.ok(leaf.checkIssued(issuer));
  assert.ok(leaf.verify(issuer.publicKey));
  assert.equal(leaf.verify(new X509Certificate(otherCa.cert).publicKey), false);
  assert.equal(isIssuedBy(server.cert, ca.cert), true);
  assert.equal(isIssuedBy(server.cert, otherCa.cert), false);
  assert.equal(leaf.ca, false);
  assert.ok(keyMatchesCert(server.cert, server.key));
  assert.equal(keyMatchesCert(server.cert, client.key), false);
});

void test('server certificate: 1 year, serverAuth, every default and requested SAN', () => {
  const leaf = new X509Certificate(server.cert);
  assert.equal(Math.round((leaf.validToDate.getTime() - now.getTime()) / DAY), 365);
  assert.ok(leaf.validFromDate.getTime() <= now.getTime());
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  for (const host of [...DEFAULT_SERVER_HOSTS, 'node1.example.com', '10.0.0.5', 'fd00::5', '[::1]', 'NODE1.example.com']) {
    assert.ok(coversHost(server.cert, host), host);
  }
  for (const host of ['other.example.com', '10.0.0.6', 'kubernetes.default.svc.cluster']) {
    assert.equal(coversHost(server.cert, host), false, host);
  }
  const san = leaf.subjectAltName ?? '';
  for (const part of ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1', 'DNS:kubernetes.default.svc.cluster.local']) {
    assert.ok(san.includes(part), part);
  }
});

void test('client certificate: CN is the user, one O per group, clientAuth, requested lifetime', () => {
  const leaf = new X509Certificate(client.cert);
  assert.deepEqual(leaf.subject.split('\n'), ['O=system:masters', 'O=devs', 'CN=kubernetes-admin']);
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.ok(isIssuedBy(client.cert, ca.cert));
  assert.equal(Math.round((leaf.validToDate.getTime() - now.getTime()) / DAY), 30);
  assert.equal(expiresWithin(client.cert, 29, now), false);
  assert.equal(expiresWithin(client.cert, 31, now), true);
});

void test('sanEntries classifies hosts and drops duplicates and blanks', () => {
  assert.deepEqual(sanEntries(['a.example', 'A.example', '10.1.1.1', '[fd00::1]', ' ', '10.1.1.1']), [
    { type: 'dns', value: 'a.example' }, { type: 'ip', value: '10.1.1.1' }, { type: 'ip', value: 'fd00::1' },
  ]);
});

void test('kubeconfigYaml embeds base64 credentials under one current context', () => {
  const text = kubeconfigYaml({ server: 'https://127.0.0.1:6443', caCert: ca.cert, clientCert: client.cert, clientKey: client.key });
  const doc = parse(text);
  assert.equal(doc.apiVersion, 'v1');
  assert.equal(doc.kind, 'Config');
  assert.equal(doc['current-context'], 'windlass');
  assert.deepEqual(doc.contexts, [{ name: 'windlass', context: { cluster: 'windlass', user: 'windlass' } }]);
  assert.equal(doc.clusters[0].name, 'windlass');
  assert.equal(doc.clusters[0].cluster.server, 'https://127.0.0.1:6443');
  assert.equal(Buffer.from(doc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), ca.cert);
  assert.equal(Buffer.from(doc.users[0].user['client-certificate-data'], 'base64').toString(), client.cert);
  assert.equal(Buffer.from(doc.users[0].user['client-key-data'], 'base64').toString(), client.key);

  const named = parse(kubeconfigYaml({ server: 'https://h:1', caCert: 'x', clientCert: 'y', clientKey: 'z', name: 'lab' }));
  assert.equal(named['current-context'], 'lab');
  assert.equal(named.users[0].name, 'lab');
});

void test('readKubeconfigCredentials and setKubeconfigServer round-trip', () => {
  const text = kubeconfigYaml({ server: 'https://127.0.0.1:6443', caCert: ca.cert, clientCert: client.cert, clientKey: client.key });
  assert.deepEqual(readKubeconfigCredentials(text), {
    server: 'https://127.0.0.1:6443', caCert: ca.cert, clientCert: client.cert, clientKey: client.key,
  });
  const moved = setKubeconfigServer(text, 'https://10.0.0.5:7443');
  assert.equal(readKubeconfigCredentials(moved).server, 'https://10.0.0.5:7443');
  assert.equal(readKubeconfigCredentials(moved).clientKey, client.key);
  assert.throws(() => readKubeconfigCredentials('apiVersion: v1\nkind: Config\n'), /no cluster/);
});

void test('windowsPrivateAcl: the icacls form of mode 0600 (no inheritance; SYSTEM, Administrators, the user)', async () => {
  const { windowsPrivateAcl } = await import('./files.ts');
  assert.deepEqual(windowsPrivateAcl('C:\\ProgramData\\windlass\\agent\\x.key', 'CORP', 'alice'), [
    'C:\\ProgramData\\windlass\\agent\\x.key', '/inheritance:r', '/grant:r', '*S-1-5-18:F', '/grant:r', '*S-1-5-32-544:F', '/grant:r', 'CORP\\alice:F',
  ]);
  assert.deepEqual(windowsPrivateAcl('x.key', undefined, undefined).slice(-2), ['/grant:r', '*S-1-5-32-544:F'], 'without a user: SYSTEM and Administrators only');
});
