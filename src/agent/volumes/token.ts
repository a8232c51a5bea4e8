/**
 * @module agent/volumes/token — the kubelet's service-account token manager: projected
 * `serviceAccountToken` sources get a pod-bound token through the TokenRequest subresource
 * (`serviceaccounts/<name>/token`), cached per request and renewed once 80 % of its lifetime has
 * passed or it is older than 24 hours. A failed renewal keeps serving the cached token while it
 * is still valid.
 */
import type { JsonObject } from '../../api/index.ts';
import { RESOURCES, type ApiClient, type Clock } from '../../client/index.ts';

/** DEFAULT_TOKEN_SECONDS is the token lifetime asked for when a source names none. */
export const DEFAULT_TOKEN_SECONDS = 3600;
/** MIN_TOKEN_SECONDS is the shortest lifetime the API server accepts. */
export const MIN_TOKEN_SECONDS = 600;
const MAX_AGE_MS = 24 * 3600 * 1000;

/** TokenSpec names one token: the pod it is bound to and what it is for. */
export interface TokenSpec {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly podName: string;
  readonly podUid: string;
  readonly audience: string;
  readonly expirationSeconds: number;
}

interface Cached { readonly token: string; readonly issuedAt: number; readonly expiresAt: number }

/** requiresRefresh tells whether a token issued at `issuedAt` and expiring at `expiresAt` should be renewed at `now`. */
export function requiresRefresh(now: number, issuedAt: number, expiresAt: number): boolean {
  if (now >= expiresAt) return true;
  if (now - issuedAt > MAX_AGE_MS) return true;
  return now >= issuedAt + (expiresAt - issuedAt) * 0.8;
}

function keyOf(s: TokenSpec): string {
  return JSON.stringify([s.namespace, s.serviceAccount, s.podName, s.podUid, s.audience, s.expirationSeconds]);
}

/** TokenManager fetches and caches bound service-account tokens. */
export class TokenManager {
  readonly #client: ApiClient;
  readonly #clock: Clock;
  readonly #cache = new Map<string, Cached>();

  constructor(client: ApiClient, clock: Clock) {
    this.#client = client;
    this.#clock = clock;
  }

  /** token returns a valid token for `s`, requesting a new one when the cached one is due; throws when none can be had. */
  async token(s: TokenSpec): Promise<string> {
    const key = keyOf(s);
    const cached = this.#cache.get(key);
    const now = this.#clock.now();
    if (cached && !requiresRefresh(now, cached.issuedAt, cached.expiresAt)) return cached.token;
    const body: JsonObject = {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
      spec: {
        audiences: s.audience ? [s.audience] : [],
        expirationSeconds: Math.max(MIN_TOKEN_SECONDS, s.expirationSeconds),
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: s.podName, uid: s.podUid },
      },
    };
    try {
      const tr = await this.#client.createSubresource(RESOURCES.serviceaccounts, s.namespace, s.serviceAccount, 'token', body);
      const token = tr.status?.token;
      if (typeof token !== 'string' || !token) throw new Error('the TokenRequest returned no token');
      const exp = Date.parse(String(tr.status?.expirationTimestamp ?? ''));
      const expiresAt = Number.isFinite(exp) ? exp : now + Number(body.spec.expirationSeconds) * 1000;
      this.#cache.set(key, { token, issuedAt: now, expiresAt });
      return token;
    } catch (e) {
      if (cached && now < cached.expiresAt) return cached.token;
      throw new Error(`failed to fetch token: ${(e as Error).message}`, { cause: e });
    }
  }

  /** forget drops the cached tokens of the pod `podUid`. */
  forget(podUid: string): void {
    for (const k of [...this.#cache.keys()]) if ((JSON.parse(k) as string[])[3] === podUid) this.#cache.delete(k);
  }

  /** size is the number of cached tokens. */
  get size(): number { return this.#cache.size; }
}
