/**
 * @module pki/jwt.test — ES256 JWT sign/verify (key rotation list, tampering, wrong alg) and the
 * service-account key files (created once, reloaded, public key rederived).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { b64url, ensureServiceAccountKeys, generateServiceAccountKeys, signJwt, verifyJwt } from './jwt.ts';

void test('signJwt → verifyJwt with the matching key among several', () => {
  const a = generateServiceAccountKeys();
  const b = generateServiceAccountKeys();
  const token = signJwt({ sub: 'system:serviceaccount:default:x', exp: 10 }, a.privateKeyPem, 'k1');
  assert.deepEqual(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()), { alg: 'ES256', kid: 'k1', typ: 'JWT' });
  assert.deepEqual(verifyJwt(token, [b.publicKeyPem, a.publicKeyPem]), { ok: true, claims: { sub: 'system:serviceaccount:default:x', exp: 10 }, kid: 'k1' });
  assert.deepEqual(verifyJwt(token, [b.publicKeyPem]), { ok: false, reason: 'invalid JWT signature' });
});

void test('verifyJwt refuses malformed, tampered and non-ES256 tokens', () => {
  const k = generateServiceAccountKeys();
  const token = signJwt({ sub: 'a' }, k.privateKeyPem);
  const [h, , s] = token.split('.');
  const cases: [string, RegExp][] = [
    ['abc', /not a compact JWT/],
    [`${h}.${b64url('{"sub":"b"}')}.${s}`, /invalid JWT signature/],
    [`${b64url('{"alg":"none"}')}.${b64url('{}')}.`, /unsupported JWT algorithm/],
    [`${b64url('[1]')}.${b64url('{}')}.${s}`, /malformed/],
  ];
  for (const [t, re] of cases) {
    const r = verifyJwt(t, [k.publicKeyPem]);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, re);
  }
});

void test('ensureServiceAccountKeys creates sa.key/sa.pub once and reloads them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'windlass-sa-'));
  try {
    const first = await ensureServiceAccountKeys(dir);
    const second = await ensureServiceAccountKeys(dir);
    assert.deepEqual(second, first);
    assert.equal(await readFile(join(dir, 'sa.pub'), 'utf8'), first.publicKeyPem);
    await rm(join(dir, 'sa.pub'));
    const third = await ensureServiceAccountKeys(dir);
    assert.equal(third.publicKeyPem, first.publicKeyPem);
    assert.equal(verifyJwt(signJwt({}, third.privateKeyPem), [first.publicKeyPem]).ok, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
