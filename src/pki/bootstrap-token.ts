/**
 * @module pki/bootstrap-token — kubeadm's bootstrap tokens and token discovery: token generation and
 * parsing (`[a-z0-9]{6}.[a-z0-9]{16}`), the CA public-key pin (`sha256:<hex>` over the DER
 * SubjectPublicKeyInfo) and the detached HS256 JWS that signs the `cluster-info` kubeconfig.
 *
 * The JWS is RFC 7515 appendix F (detached content): the compact serialisation with the payload
 * left out, `<header>..<signature>`, protected header `{"alg":"HS256","kid":"<token-id>"}` and the
 * token secret's bytes as the HMAC key. Verification recomputes it and compares, as kubeadm does.
 */
import { X509Certificate, createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { b64url } from './jwt.ts';

const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** A bootstrap token: its public id, its secret, and `id.secret`. */
export interface BootstrapToken {
  readonly id: string;
  readonly secret: string;
  readonly token: string;
}

/** randomChars returns `n` characters drawn uniformly from [a-z0-9]. */
function randomChars(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += TOKEN_CHARS[randomInt(TOKEN_CHARS.length)];
  return out;
}

/** generateBootstrapToken returns a fresh random bootstrap token. */
export function generateBootstrapToken(): BootstrapToken {
  const id = randomChars(6);
  const secret = randomChars(16);
  return { id, secret, token: `${id}.${secret}` };
}

/** parseBootstrapToken splits `id.secret` when it has the bootstrap-token form, else undefined. */
export function parseBootstrapToken(text: string): { id: string; secret: string } | undefined {
  const m = TOKEN_RE.exec(text);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

/** isBootstrapTokenId says whether `text` is a valid token id (`[a-z0-9]{6}`). */
export function isBootstrapTokenId(text: string): boolean {
  return /^[a-z0-9]{6}$/.test(text);
}

/** caCertHash returns kubeadm's pin of a PEM CA certificate: `sha256:` and the hex SHA-256 of its DER SubjectPublicKeyInfo. */
export function caCertHash(caCertPem: string): string {
  const spki = new X509Certificate(caCertPem).publicKey.export({ format: 'der', type: 'spki' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** normalizeCaCertHash lower-cases a `sha256:<64 hex>` pin, or returns undefined when it is not one. */
export function normalizeCaCertHash(text: string): string | undefined {
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(text.trim());
  return m ? `sha256:${m[1].toLowerCase()}` : undefined;
}

/** signDetachedJws returns the detached HS256 JWS (`header..signature`) of `payload` keyed by the token secret, kid = token id. */
export function signDetachedJws(payload: string, tokenId: string, tokenSecret: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const mac = createHmac('sha256', Buffer.from(tokenSecret, 'utf8')).update(`${header}.${b64url(payload)}`).digest();
  return `${header}..${b64url(mac)}`;
}

/** verifyDetachedJws says whether `jws` is exactly the detached JWS of `payload` for this token (constant-time compare). */
export function verifyDetachedJws(payload: string, jws: string, tokenId: string, tokenSecret: string): boolean {
  const expected = Buffer.from(signDetachedJws(payload, tokenId, tokenSecret));
  const given = Buffer.from(jws);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
