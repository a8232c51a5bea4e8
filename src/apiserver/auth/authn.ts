/**
 * @module apiserver/auth/authn — request authentication as upstream orders it: an x509 client
 * certificate that chains to the cluster CA (CN = user, O = groups), then a bearer token — a
 * service-account JWT (issuer, audiences, expiry, and the bound ServiceAccount/Pod/Secret still
 * existing with the token's uids) or a bootstrap token (its kube-system Secret, usage and expiry) —
 * else anonymous. Invalid credentials are a failure (401), never anonymous.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { timingSafeEqual } from 'node:crypto';
import type { JsonObject } from '../../api/index.ts';
import type { JwtSigner } from './jwt.ts';
import { ANONYMOUS, AUTHENTICATED, BOOTSTRAPPERS_GROUP, type UserInfo } from './types.ts';

/** DEFAULT_ISSUER is the service-account token issuer and default API audience. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** ObjectLookup reads the objects tokens are checked against (from the watch caches). */
export interface ObjectLookup {
  get(resource: 'secrets' | 'serviceaccounts' | 'pods' | 'nodes', namespace: string, name: string): Promise<JsonObject | undefined>;
}

/** AuthnResult is a user, or a failure with its reason (the request gets 401). */
export type AuthnResult = { readonly ok: true; readonly user: UserInfo; readonly audiences?: readonly string[] } | { readonly ok: false; readonly reason: string };

/** AuthenticatorOptions configure the Authenticator. */
export interface AuthenticatorOptions {
  readonly lookup: ObjectLookup;
  readonly signer: JwtSigner;
  readonly now: () => number;
  /** issuer of service-account tokens (DEFAULT_ISSUER). */
  readonly issuer?: string;
  /** audiences the API server accepts ([issuer]). */
  readonly audiences?: readonly string[];
}

const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const WS_BEARER = 'base64url.bearer.authorization.k8s.io.';

/** withAuthenticated adds system:authenticated to the groups of a real user. */
function withAuthenticated(groups: readonly string[]): string[] {
  return groups.includes(AUTHENTICATED) ? [...groups] : [...groups, AUTHENTICATED];
}

/** secretValue reads one key of a Secret's data (base64) or stringData. */
export function secretValue(secret: JsonObject, key: string): string | undefined {
  const d = secret.data?.[key];
  if (typeof d === 'string') return Buffer.from(d, 'base64').toString('utf8');
  const s = secret.stringData?.[key];
  return typeof s === 'string' ? s : undefined;
}

/** bearerToken extracts the bearer token of a request (Authorization header, or the WebSocket
 * subprotocol kubectl uses for exec over WebSockets); undefined when none was sent. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m ? m[1] : '';
  }
  const proto = req.headers['sec-websocket-protocol'];
  if (typeof proto === 'string') {
    for (const p of proto.split(',').map((x) => x.trim())) {
      if (p.startsWith(WS_BEARER)) return Buffer.from(p.slice(WS_BEARER.length), 'base64url').toString('utf8');
    }
  }
  return undefined;
}

/** Authenticator maps requests and tokens to users. */
export class Authenticator {
  private readonly o: AuthenticatorOptions;
  private readonly certUsers = new WeakMap<object, AuthnResult>();
  private readonly localSockets = new WeakSet<object>();
  private localTokens: [Buffer, UserInfo][] = [];
  readonly issuer: string;
  readonly audiences: readonly string[];

  constructor(o: AuthenticatorOptions) {
    this.o = o;
    this.issuer = o.issuer ?? DEFAULT_ISSUER;
    this.audiences = o.audiences ?? [this.issuer];
  }

  /** setLocalTokens sets the bearer tokens of the server's local endpoint and their users. */
  setLocalTokens(tokens: ReadonlyMap<string, UserInfo>): void {
    this.localTokens = [...tokens].map(([t, user]) => [Buffer.from(t), user]);
  }

  /** markLocal says that `socket` came in on the local endpoint, where the local tokens are valid. */
  markLocal(socket: object): void { this.localSockets.add(socket); }

  /** authenticateRequest authenticates by client certificate, then bearer token (on the local
   * endpoint a local token first), else anonymous. */
  async authenticateRequest(req: IncomingMessage): Promise<AuthnResult> {
    const sock = req.socket as TLSSocket;
    let cert = this.certUsers.get(sock);
    if (!cert && typeof sock.getPeerCertificate === 'function') {
      cert = certificateUser(sock);
      this.certUsers.set(sock, cert);
    }
    if (cert && (cert.ok || cert.reason !== 'none')) return cert;
    const token = bearerToken(req);
    if (token === undefined) return { ok: true, user: ANONYMOUS };
    if (this.localSockets.has(sock)) {
      const t = Buffer.from(token);
      for (const [want, user] of this.localTokens) if (want.length === t.length && timingSafeEqual(want, t)) return { ok: true, user };
    }
    return this.authenticateToken(token);
  }

  /** authenticateToken validates a bearer token for `audiences` (the API's when omitted). */
  async authenticateToken(token: string, audiences?: readonly string[]): Promise<AuthnResult> {
    if (!token) return { ok: false, reason: 'empty bearer token' };
    const bt = BOOTSTRAP_TOKEN.exec(token);
    if (bt) return this.bootstrapToken(bt[1], bt[2]);
    return this.serviceAccountToken(token, audiences ?? this.audiences);
  }

  private async bootstrapToken(id: string, secret: string): Promise<AuthnResult> {
    const s = await this.o.lookup.get('secrets', 'kube-system', `bootstrap-token-${id}`);
    const fail = (reason: string): AuthnResult => ({ ok: false, reason });
    if (!s || s.type !== 'bootstrap.kubernetes.io/token' || s.metadata?.deletionTimestamp) return fail('bootstrap token not found');
    const want = secretValue(s, 'token-secret') ?? '';
    if (secretValue(s, 'token-id') !== id || want.length !== secret.length || !timingSafeEqual(Buffer.from(want), Buffer.from(secret))) return fail('bootstrap token does not match');
    const exp = secretValue(s, 'expiration');
    if (exp !== undefined && !(Date.parse(exp) > this.o.now())) return fail('bootstrap token has expired');
    if (secretValue(s, 'usage-bootstrap-authentication') !== 'true') return fail('bootstrap token may not be used for authentication');
    const extra = (secretValue(s, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
    if (extra.some((g) => !EXTRA_GROUP.test(g))) return fail('bootstrap token has invalid auth-extra-groups');
    return { ok: true, user: { username: `system:bootstrap:${id}`, groups: withAuthenticated([BOOTSTRAPPERS_GROUP, ...extra.filter((g) => g !== BOOTSTRAPPERS_GROUP)]) } };
  }

  private async serviceAccountToken(token: string, audiences: readonly string[]): Promise<AuthnResult> {
    const c = this.o.signer.verify(token);
    const fail = (reason: string): AuthnResult => ({ ok: false, reason });
    if (!c) return fail('invalid bearer token');
    if (c.iss !== this.issuer) return fail('token issuer is not accepted');
    const aud = Array.isArray(c.aud) ? c.aud.map(String) : typeof c.aud === 'string' ? [c.aud] : [];
    const matched = aud.filter((a) => audiences.includes(a));
    if (matched.length === 0) return fail('token audiences are invalid');
    const nowSec = Math.floor(this.o.now() / 1000);
    if (typeof c.exp !== 'number' || c.exp <= nowSec) return fail('token has expired');
    if (typeof c.nbf === 'number' && c.nbf > nowSec + 60) return fail('token is not valid yet');
    const k = c['kubernetes.io'] as JsonObject | undefined;
    const ns = String(k?.namespace ?? '');
    const saName = String(k?.serviceaccount?.name ?? '');
    if (!ns || !saName) return fail('token has no service account claims');
    const sa = await this.o.lookup.get('serviceaccounts', ns, saName);
    if (!sa || sa.metadata?.uid !== k?.serviceaccount?.uid || sa.metadata?.deletionTimestamp) return fail(`service account ${ns}/${saName} has been deleted`);
    const extra: Record<string, string[]> = {};
    for (const [res, claim] of [['pods', 'pod'], ['secrets', 'secret'], ['nodes', 'node']] as const) {
      const ref = k?.[claim] as JsonObject | undefined;
      if (!ref) continue;
      const obj = await this.o.lookup.get(res, res === 'nodes' ? '' : ns, String(ref.name));
      if (!obj || obj.metadata?.uid !== ref.uid) return fail(`the bound ${claim} ${String(ref.name)} no longer exists`);
      if (claim === 'pod' || claim === 'node') {
        extra[`authentication.kubernetes.io/${claim}-name`] = [String(ref.name)];
        extra[`authentication.kubernetes.io/${claim}-uid`] = [String(ref.uid)];
      }
    }
    if (typeof c.jti === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`];
    const user: UserInfo = {
      username: `system:serviceaccount:${ns}:${saName}`, uid: String(sa.metadata.uid),
      groups: withAuthenticated(['system:serviceaccounts', `system:serviceaccounts:${ns}`]),
      ...(Object.keys(extra).length > 0 ? { extra } : {}),
    };
    return { ok: true, user, audiences: matched };
  }
}

/** certificateUser maps a verified peer certificate to a user; 'none' when no certificate was sent. */
function certificateUser(sock: TLSSocket): AuthnResult {
  const cert = sock.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0 || !cert.subject) return { ok: false, reason: 'none' };
  if (!sock.authorized) return { ok: false, reason: `x509: certificate signed by unknown authority (${String(sock.authorizationError)})` };
  const cn = cert.subject.CN;
  const o = cert.subject.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  const username = Array.isArray(cn) ? cn[0] : (cn ?? '');
  if (!username) return { ok: false, reason: 'x509: the certificate has no common name' };
  return { ok: true, user: { username, groups: withAuthenticated(groups) } };
}
