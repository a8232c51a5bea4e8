/**
 * @module controllers/bootstrap-token — reading kubeadm bootstrap-token Secrets
 * (`kube-system/bootstrap-token-<id>`, type `bootstrap.kubernetes.io/token`): their id, secret,
 * usages and expiry, and the detached HS256 JWS that signs `cluster-info` (RFC 7515 appendix F:
 * `base64url(header)..base64url(signature)`, header `{"alg":"HS256","kid":"<id>"}`, key = the token
 * secret), which is what kubeadm's discovery verifies.
 */
import { createHmac } from 'node:crypto';
import type { JsonObject } from '../api/index.ts';

/** BOOTSTRAP_TOKEN_SECRET_TYPE is the Secret type of bootstrap tokens. */
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
/** BOOTSTRAP_TOKEN_NAMESPACE is where bootstrap-token Secrets live. */
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';

/** BootstrapTokenSecret is what a bootstrap-token Secret says. */
export interface BootstrapTokenSecret {
  readonly id: string;
  readonly secret: string;
  /** expiresAt in epoch ms, undefined when the token never expires. */
  readonly expiresAt: number | undefined;
  readonly usages: readonly string[];
}

/** secretValue reads one key of a Secret (base64 `data`, or `stringData`). */
export function secretValue(secret: JsonObject, key: string): string | undefined {
  const d = secret.data?.[key];
  if (typeof d === 'string') return Buffer.from(d, 'base64').toString('utf8');
  const s = secret.stringData?.[key];
  return typeof s === 'string' ? s : undefined;
}

/** parseBootstrapTokenSecret returns the token a Secret holds, or undefined when it is not a well-formed bootstrap token. */
export function parseBootstrapTokenSecret(secret: JsonObject): BootstrapTokenSecret | undefined {
  if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || secret.metadata?.namespace !== BOOTSTRAP_TOKEN_NAMESPACE) return undefined;
  const id = secretValue(secret, 'token-id') ?? '';
  const tokenSecret = secretValue(secret, 'token-secret') ?? '';
  if (!/^[a-z0-9]{6}$/.test(id) || !/^[a-z0-9]{16}$/.test(tokenSecret)) return undefined;
  if (secret.metadata?.name !== `bootstrap-token-${id}`) return undefined;
  const exp = secretValue(secret, 'expiration');
  let expiresAt: number | undefined;
  if (exp) {
    expiresAt = Date.parse(exp);
    if (Number.isNaN(expiresAt)) expiresAt = 0; // unparseable expiry: treat as expired, as upstream does
  }
  const usages = Object.keys(secret.data ?? {}).concat(Object.keys(secret.stringData ?? {}))
    .filter((k) => k.startsWith('usage-bootstrap-') && secretValue(secret, k) === 'true')
    .map((k) => k.slice('usage-bootstrap-'.length));
  return { id, secret: tokenSecret, expiresAt, usages: [...new Set(usages)] };
}

/** expirationOf returns a bootstrap-token Secret's expiry in epoch ms (0 when unparseable), undefined when it has none. */
export function expirationOf(secret: JsonObject): number | undefined {
  const exp = secretValue(secret, 'expiration');
  if (!exp) return undefined;
  const t = Date.parse(exp);
  return Number.isNaN(t) ? 0 : t;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** detachedJws signs `payload` for token `id` with its `secret`: `base64url(header)..base64url(HMAC-SHA256)`. */
export function detachedJws(payload: string, id: string, secret: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: id }));
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${header}.${b64url(payload)}`).digest();
  return `${header}..${b64url(mac)}`;
}
