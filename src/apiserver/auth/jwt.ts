/**
 * @module apiserver/auth/jwt — ES256 JSON Web Tokens for service accounts with node:crypto: the
 * server's signing key pair (given or ephemeral), signing with a key id derived from the public
 * key, and signature verification. Claim checks (exp, nbf, audiences) are the caller's.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/** ServiceAccountKeyPems is an ES256 key pair as PEM (PKCS#8 private key, SPKI public key). */
export interface ServiceAccountKeyPems { readonly privateKeyPem: string; readonly publicKeyPem: string }

/** JwtSigner signs and verifies the server's service-account tokens. */
export class JwtSigner {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly kid: string;

  /** constructor uses `pems` or generates an ephemeral P-256 pair. */
  constructor(pems?: ServiceAccountKeyPems) {
    if (pems) {
      this.privateKey = createPrivateKey(pems.privateKeyPem);
      this.publicKey = createPublicKey(pems.publicKeyPem);
    } else {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      this.privateKey = pair.privateKey;
      this.publicKey = pair.publicKey;
    }
    this.kid = createHash('sha256').update(this.publicKey.export({ format: 'der', type: 'spki' })).digest('base64url');
  }

  /** sign returns a compact JWT of `claims`. */
  sign(claims: Record<string, unknown>): string {
    const head = Buffer.from(JSON.stringify({ alg: 'ES256', kid: this.kid })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${head}.${body}.${sig.toString('base64url')}`;
  }

  /** verify returns the claims of a token signed by this key, or undefined. */
  verify(token: string): Record<string, unknown> | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
    try {
      const head = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<string, unknown>;
      if (head.alg !== 'ES256') return undefined;
      const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
      if (!ok) return undefined;
      const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
      return claims && typeof claims === 'object' && !Array.isArray(claims) ? claims as Record<string, unknown> : undefined;
    } catch {
      return undefined;
    }
  }
}
