/**
 * @module pki/csr.test — CSR round trip: create, parse (subject, SANs, validity, tampering), sign
 * with usages; the issued certificate chains to the CA and carries the requested extensions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, isIssuedBy, keyMatchesCert } from './certs.ts';
import { certificateNotAfter, certificateSubject, createCertificateRequest, parseCertificateRequest, signCertificateRequest } from './csr.ts';

void test('createCertificateRequest → parseCertificateRequest round trip', async () => {
  const { csrPem, keyPem } = await createCertificateRequest({
    commonName: 'system:node:win-1', organizations: ['system:nodes'], dnsNames: ['win-1'], ipAddresses: ['10.0.0.7'],
  });
  assert.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----/);
  const parsed = parseCertificateRequest(csrPem);
  assert.equal(parsed.commonName, 'system:node:win-1');
  assert.deepEqual(parsed.organizations, ['system:nodes']);
  assert.deepEqual(parsed.dnsNames, ['win-1']);
  assert.deepEqual(parsed.ipAddresses, ['10.0.0.7']);
  assert.equal(parsed.valid, true);
  const derived = createPublicKey(createPrivateKey(keyPem)).export({ format: 'pem', type: 'spki' }).toString();
  assert.equal(createPublicKey(parsed.publicKeyPem).export({ format: 'pem', type: 'spki' }).toString(), derived);
});

void test('a tampered CSR parses but is not valid', async () => {
  const { csrPem } = await createCertificateRequest({ commonName: 'system:node:a', organizations: ['system:nodes'] });
  const b64 = csrPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const der = Buffer.from(b64, 'base64');
  // flip one byte of the CN value ("a" → "b")
  const at = der.lastIndexOf(Buffer.from('system:node:a')) + 'system:node:'.length;
  der[at] = 'b'.charCodeAt(0);
  const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
  const parsed = parseCertificateRequest(pem);
  assert.equal(parsed.commonName, 'system:node:b');
  assert.equal(parsed.valid, false);
  await assert.rejects(signCertificateRequest('x', 'y', pem, { usages: ['client auth'] }), /signature is invalid/);
});

void test('parseCertificateRequest throws on garbage', () => {
  assert.throws(() => parseCertificateRequest('not a csr'));
});

void test('signCertificateRequest issues a CA-signed certificate with the requested usages', async () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const ca = await createCertificateAuthority({ now });
  const { csrPem, keyPem } = await createCertificateRequest({ commonName: 'system:node:n1', organizations: ['system:nodes'] });
  const cases = [
    { usages: ['digital signature', 'client auth'] as const, eku: ['1.3.6.1.5.5.7.3.2'] },
    { usages: ['digital signature', 'key encipherment', 'server auth'] as const, eku: ['1.3.6.1.5.5.7.3.1'] },
  ];
  for (const c of cases) {
    const cert = await signCertificateRequest(ca.cert, ca.key, csrPem, { usages: [...c.usages], days: 2, now });
    assert.equal(isIssuedBy(cert, ca.cert), true);
    assert.equal(keyMatchesCert(cert, keyPem), true);
    assert.deepEqual(certificateSubject(cert), { commonName: 'system:node:n1', organizations: ['system:nodes'] });
    assert.equal(certificateNotAfter(cert).toISOString(), '2026-01-03T00:00:00.000Z');
    const x = new X509Certificate(cert);
    assert.equal(x.ca, false);
    assert.deepEqual(x.keyUsage, c.eku);
  }
});

void test('CSRs made by openssl (RSA with SANs, EC) parse, verify and sign', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'windlass-csr-'));
  try {
    const ca = await createCertificateAuthority();
    execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'r.key', '-out', 'r.csr', '-subj', '/O=system:nodes/CN=system:node:r1', '-addext', 'subjectAltName=DNS:r1,IP:10.1.2.3'], { cwd: dir, stdio: 'ignore' });
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'e.key', '-out', 'e.csr', '-subj', '/CN=system:node:e1'], { cwd: dir, stdio: 'ignore' });
    const rsa = parseCertificateRequest(readFileSync(join(dir, 'r.csr'), 'utf8'));
    assert.deepEqual({ ...rsa, publicKeyPem: undefined }, { commonName: 'system:node:r1', organizations: ['system:nodes'], dnsNames: ['r1'], ipAddresses: ['10.1.2.3'], publicKeyPem: undefined, valid: true });
    for (const f of ['r', 'e']) {
      const cert = await signCertificateRequest(ca.cert, ca.key, readFileSync(join(dir, `${f}.csr`), 'utf8'), { usages: ['digital signature', 'key encipherment', 'server auth'] });
      assert.equal(isIssuedBy(cert, ca.cert), true);
      assert.equal(keyMatchesCert(cert, readFileSync(join(dir, `${f}.key`), 'utf8')), true);
      if (f === 'r') assert.equal(new X509Certificate(cert).subjectAltName, 'DNS:r1, IP Address:10.1.2.3');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
