/**
 * @module pki/jwt — service-account signing keys and ES256 JSON Web Tokens.
 *
 * `ensureServiceAccountKeys(dir)` keeps `dir/sa.key` (PKCS#8, 0600) and `dir/sa.pub` (SPKI PEM);
 * `signJwt`/`verifyJwt` produce and check compact JWS tokens with `alg: ES256`. Claims such as
 * `exp`, `nbf`, `iss` and `aud` are the caller's to check, with its own clock.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, writePrivateFile } from './files.ts';

/** The service-account signing key pair as PEM strings. */
export interface ServiceAccountKeys {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** The outcome of verifyJwt: the claims of a token whose signature one of the keys verifies, or why not. */
export type VerifyJwtResult = { ok: true; claims: Record<string, unknown>; kid?: string } | { ok: false; reason: string };

/** b64url encodes bytes or UTF-8 text as unpadded base64url. */
export function b64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** generateServiceAccountKeys makes a fresh ECDSA P-256 pair. */
export function generateServiceAccountKeys(): ServiceAccountKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** ensureServiceAccountKeys loads `dir/sa.key` and `dir/sa.pub`, creating them on first use (the public key is rederived if missing). */
export async function ensureServiceAccountKeys(dir: string): Promise<ServiceAccountKeys> {
  const keyPath = join(dir, 'sa.key');
  const pubPath = join(dir, 'sa.pub');
  let privateKeyPem: string;
  try {
    privateKeyPem = await readFile(keyPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const keys = generateServiceAccountKeys();
    await writePrivateFile(keyPath, keys.privateKeyPem);
    await writeFileAtomic(pubPath, keys.publicKeyPem, 0o644);
    return keys;
  }
  const publicKeyPem = createPublicKey(createPrivateKey(privateKeyPem)).export({ format: 'pem', type: 'spki' }).toString();
  let stored: string | undefined;
  try {
    stored = await readFile(pubPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (stored !== publicKeyPem) await writeFileAtomic(pubPath, publicKeyPem, 0o644);
  return { privateKeyPem, publicKeyPem };
}

/** signJwt returns a compact ES256 JWT of `claims` signed with the PEM private key, with `kid` in the header when given. */
export function signJwt(claims: Record<string, unknown>, privateKeyPem: string, kid?: string): string {
  const header = kid === undefined ? { alg: 'ES256', typ: 'JWT' } : { alg: 'ES256', kid, typ: 'JWT' };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key: createPrivateKey(privateKeyPem), dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

/** parseJson decodes a base64url JSON object, or undefined. */
function parseSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** verifyJwt checks a compact ES256 JWT against any of the PEM public keys and returns its claims (expiry is not checked here). */
export function verifyJwt(token: string, publicKeyPems: readonly string[]): VerifyJwtResult {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return { ok: false, reason: 'not a compact JWT' };
  const header = parseSegment(parts[0]);
  const claims = parseSegment(parts[1]);
  if (header === undefined || claims === undefined) return { ok: false, reason: 'malformed JWT header or claims' };
  if (header.alg !== 'ES256') return { ok: false, reason: `unsupported JWT algorithm ${JSON.stringify(header.alg)}` };
  const input = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  for (const pem of publicKeyPems) {
    try {
      if (verify('sha256', input, { key: createPublicKey(pem), dsaEncoding: 'ieee-p1363' }, signature)) {
        return typeof header.kid === 'string' ? { ok: true, claims, kid: header.kid } : { ok: true, claims };
      }
    } catch {
      // a key of another type: try the next one
    }
  }
  return { ok: false, reason: 'invalid JWT signature' };
}
