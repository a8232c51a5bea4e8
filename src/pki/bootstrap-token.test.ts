/**
 * @module pki/bootstrap-token.test — token format, the CA pin checked against the openssl pipeline
 * kubeadm documents, and the detached JWS (format, known vector, tamper cases).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createCertificateAuthority } from './certs.ts';
import {
  caCertHash, generateBootstrapToken, isBootstrapTokenId, normalizeCaCertHash, parseBootstrapToken, signDetachedJws, verifyDetachedJws,
} from './bootstrap-token.ts';

void test('generateBootstrapToken has the kubeadm form and parses back', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const t = generateBootstrapToken();
    assert.match(t.token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    assert.deepEqual(parseBootstrapToken(t.token), { id: t.id, secret: t.secret });
    seen.add(t.token);
  }
  assert.equal(seen.size, 50);
});

void test('parseBootstrapToken rejects malformed tokens', () => {
  for (const bad of ['', 'abcdef', 'abcdef.0123456789abcde', 'ABCDEF.0123456789abcdef', 'abcdef.0123456789abcdef0', 'abcde.0123456789abcdefg', ' abcdef.0123456789abcdef', 'abcdef:0123456789abcdef']) {
    assert.equal(parseBootstrapToken(bad), undefined, bad);
  }
  assert.deepEqual(parseBootstrapToken('abcdef.0123456789abcdef'), { id: 'abcdef', secret: '0123456789abcdef' });
  assert.equal(isBootstrapTokenId('abc123'), true);
  assert.equal(isBootstrapTokenId('abc12'), false);
});

void test('caCertHash equals openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256', async () => {
  const ca = await createCertificateAuthority();
  const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout'], { input: ca.cert });
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
  const hex = execFileSync('openssl', ['dgst', '-sha256', '-hex'], { input: der }).toString().trim().split(/\s+/).pop();
  assert.equal(caCertHash(ca.cert), `sha256:${hex}`);
  assert.equal(normalizeCaCertHash(`SHA256:${hex}`), undefined);
  assert.equal(normalizeCaCertHash(`sha256:${hex!.toUpperCase()}`), `sha256:${hex}`);
  assert.equal(normalizeCaCertHash('sha256:abc'), undefined);
});

void test('signDetachedJws: header..signature, HS256 over header.payload keyed by the secret', () => {
  const jws = signDetachedJws('kubeconfig-text', 'abcdef', '0123456789abcdef');
  const [h, empty, sig] = jws.split('.');
  assert.equal(empty, '');
  assert.equal(Buffer.from(h, 'base64url').toString(), '{"alg":"HS256","kid":"abcdef"}');
  assert.equal(h, 'eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9');
  const expected = createHmac('sha256', '0123456789abcdef').update(`${h}.${Buffer.from('kubeconfig-text').toString('base64url')}`).digest('base64url');
  assert.equal(sig, expected);
});

void test('verifyDetachedJws accepts only the exact signature for this payload, id and secret', () => {
  const jws = signDetachedJws('payload', 'abcdef', '0123456789abcdef');
  assert.equal(verifyDetachedJws('payload', jws, 'abcdef', '0123456789abcdef'), true);
  assert.equal(verifyDetachedJws('payload2', jws, 'abcdef', '0123456789abcdef'), false);
  assert.equal(verifyDetachedJws('payload', jws, 'abcdeg', '0123456789abcdef'), false);
  assert.equal(verifyDetachedJws('payload', jws, 'abcdef', '0123456789abcdeg'), false);
  assert.equal(verifyDetachedJws('payload', `${jws}x`, 'abcdef', '0123456789abcdef'), false);
  assert.equal(verifyDetachedJws('payload', '', 'abcdef', '0123456789abcdef'), false);
});
