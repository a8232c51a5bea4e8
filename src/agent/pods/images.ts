/**
 * @module agent/pods/images — image pulls as the kubelet does them: the pull policy (Always /
 * IfNotPresent / Never; the default is Always for `:latest` or no tag, else IfNotPresent),
 * registry credentials from imagePullSecrets (kubernetes.io/dockerconfigjson and
 * kubernetes.io/dockercfg, matched by registry host — docker.io and its aliases are one — with
 * `*.` globs, port and path prefix, most specific first), and a per pod-and-image back-off
 * (10 s doubling to 300 s) during which the container waits in ImagePullBackOff. Results are
 * values with kubelet's waiting reasons (ErrImagePull, ImagePullBackOff, ErrImageNeverPull,
 * InvalidImageName); events Pulling / Pulled / Failed / BackOff go to an optional sink.
 */
import type { JsonObject } from '../../api/index.ts';
import type { Clock } from '../../client/index.ts';
import type { AuthConfig, PodSandboxConfig, Runtime } from '../../runtime/index.ts';

/** PullPolicy is a container's imagePullPolicy. */
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** ImageRef is an image name split into registry host, repository path, tag and digest. */
export interface ImageRef { readonly host: string; readonly path: string; readonly tag: string; readonly digest: string }

const DOCKER_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** canonicalHost maps docker.io's aliases to `docker.io` and lower-cases the host. */
export function canonicalHost(host: string): string {
  const h = host.toLowerCase();
  return DOCKER_HOSTS.has(h) ? 'docker.io' : h;
}

/** parseImage splits an image reference (undefined when it cannot be parsed), defaulting the registry to docker.io. */
export function parseImage(image: string): ImageRef | undefined {
  if (!image || /\s/.test(image) || image !== image.trim()) return undefined;
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) { digest = rest.slice(at + 1); rest = rest.slice(0, at); if (!/^[a-z0-9]+:[a-fA-F0-9]+$/.test(digest)) return undefined; }
  let host = 'docker.io';
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') { host = first; rest = rest.slice(slash + 1); }
  }
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(rest)) return undefined;
  if (tag && !/^\w[\w.-]{0,127}$/.test(tag)) return undefined;
  host = canonicalHost(host);
  if (host === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  return { host, path: rest, tag, digest };
}

/** pullPolicy is the container's imagePullPolicy, defaulted as the API server does. */
export function pullPolicy(container: JsonObject): PullPolicy {
  const p = container.imagePullPolicy;
  if (p === 'Always' || p === 'IfNotPresent' || p === 'Never') return p;
  const ref = parseImage(String(container.image ?? ''));
  if (!ref || ref.digest) return 'IfNotPresent';
  return ref.tag === '' || ref.tag === 'latest' ? 'Always' : 'IfNotPresent';
}

interface Credential { readonly key: string; readonly host: string; readonly port: string; readonly path: string; readonly auth: AuthConfig }

function parseKey(key: string): { host: string; port: string; path: string } | undefined {
  let k = key.trim();
  if (!/^[a-z]+:\/\//i.test(k)) k = `https://${k}`;
  let u: URL;
  try { u = new URL(k); } catch { return undefined; }
  let path = u.pathname.replace(/\/+$/, '');
  const host = canonicalHost(u.hostname);
  if (host === 'docker.io' && (path === '/v1' || path === '/v2')) path = '';
  return { host, port: u.port, path: path.replace(/^\//, '') };
}

function toAuth(key: string, e: JsonObject): AuthConfig {
  let username = typeof e.username === 'string' ? e.username : undefined;
  let password = typeof e.password === 'string' ? e.password : undefined;
  if ((username === undefined || password === undefined) && typeof e.auth === 'string' && e.auth) {
    const text = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i >= 0) { username ??= text.slice(0, i); password ??= text.slice(i + 1); }
  }
  return {
    ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}),
    serverAddress: key,
    ...(typeof e.identitytoken === 'string' ? { identityToken: e.identitytoken } : {}),
    ...(typeof e.registrytoken === 'string' ? { registryToken: e.registrytoken } : {}),
  };
}

/** secretCredentials reads the registry credentials of dockerconfigjson / dockercfg Secrets. */
function secretCredentials(secrets: readonly JsonObject[]): Credential[] {
  const out: Credential[] = [];
  for (const s of secrets) {
    let entries: Record<string, JsonObject> | undefined;
    try {
      if (s.type === 'kubernetes.io/dockerconfigjson' && s.data?.['.dockerconfigjson']) {
        entries = (JSON.parse(Buffer.from(String(s.data['.dockerconfigjson']), 'base64').toString('utf8')) as JsonObject).auths as Record<string, JsonObject>;
      } else if (s.type === 'kubernetes.io/dockercfg' && s.data?.['.dockercfg']) {
        entries = JSON.parse(Buffer.from(String(s.data['.dockercfg']), 'base64').toString('utf8')) as Record<string, JsonObject>;
      }
    } catch { entries = undefined; }
    for (const [key, e] of Object.entries(entries ?? {})) {
      const k = parseKey(key);
      if (k && e && typeof e === 'object') out.push({ key, ...k, auth: toAuth(key, e) });
    }
  }
  return out;
}

function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.split('.');
  const h = host.split('.');
  if (p.length !== h.length) return false;
  return p.every((part, i) => part === '*' || part === h[i]);
}

/** credentialsFor lists the credentials of `secrets` that apply to `image`, most specific first (each is tried in turn). */
export function credentialsFor(image: string, secrets: readonly JsonObject[]): AuthConfig[] {
  const ref = parseImage(image);
  if (!ref) return [];
  const [hostname, port = ''] = ref.host.split(/:(?=\d+$)/);
  const matches = secretCredentials(secrets).filter((c) => {
    if (!hostMatches(c.host, hostname) || c.port !== port) return false;
    return c.path === '' || ref.path === c.path || ref.path.startsWith(`${c.path}/`);
  });
  matches.sort((a, b) => b.path.length - a.path.length || (a.host.includes('*') ? 1 : 0) - (b.host.includes('*') ? 1 : 0));
  return matches.map((m) => m.auth);
}

/** PullResult: the image is there (with its reference), or why the container must wait. */
export type PullResult =
  | { readonly ok: true; readonly imageRef: string }
  | { readonly ok: false; readonly reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName'; readonly message: string };

/** PullEventSink receives kubelet's image events (type, reason, message). */
export type PullEventSink = (type: 'Normal' | 'Warning', reason: string, message: string) => void;

/** ImagePullerOptions: the runtime, clock and back-off (kubelet: 10 s doubling to 300 s). */
export interface ImagePullerOptions {
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;

/** ImagePuller ensures a container's image is present per its pull policy, backing off failed pulls per pod and image. */
export class ImagePuller {
  readonly #o: ImagePullerOptions;
  readonly #backoff = new Map<string, { until: number; delay: number; message: string }>();

  constructor(o: ImagePullerOptions) { this.#o = o; }

  /** backoffUntil is when the back-off of `podUid`'s pull of `image` ends (undefined: none). */
  backoffUntil(podUid: string, image: string): number | undefined {
    const b = this.#backoff.get(`${podUid}_${image}`);
    return b && b.until > this.#o.clock.now() ? b.until : undefined;
  }

  /** forget drops the back-off state of a pod (it is gone). */
  forget(podUid: string): void {
    for (const k of this.#backoff.keys()) if (k.startsWith(`${podUid}_`)) this.#backoff.delete(k);
  }

  /** ensure makes the container's image present (pulling per policy with the secrets' credentials) or says why not. */
  async ensure(podUid: string, container: JsonObject, secrets: readonly JsonObject[], sandbox: PodSandboxConfig | undefined, event: PullEventSink = () => {}): Promise<PullResult> {
    const image = String(container.image ?? '');
    if (!parseImage(image)) {
      const message = `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`;
      event('Warning', 'InspectFailed', message);
      return { ok: false, reason: 'InvalidImageName', message };
    }
    const policy = pullPolicy(container);
    const rt = this.#o.runtime;
    if (policy !== 'Always') {
      const present = await rt.imageStatus({ image });
      if (present) {
        event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
        return { ok: true, imageRef: present.repoDigests[0] ?? present.id };
      }
      if (policy === 'Never') {
        const message = `Container image "${image}" is not present with pull policy of Never`;
        event('Warning', 'ErrImageNeverPull', message);
        return { ok: false, reason: 'ErrImageNeverPull', message };
      }
    }
    const key = `${podUid}_${image}`;
    const now = this.#o.clock.now();
    const b = this.#backoff.get(key);
    if (b && now < b.until) {
      event('Normal', 'BackOff', `Back-off pulling image "${image}"`);
      return { ok: false, reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${b.message}` };
    }
    event('Normal', 'Pulling', `Pulling image "${image}"`);
    const auths = credentialsFor(image, secrets);
    let lastError: unknown;
    for (const auth of auths.length > 0 ? auths : [undefined]) {
      try {
        const ref = await rt.pullImage({ image }, auth, sandbox);
        const took = this.#o.clock.now() - now;
        const st = await rt.imageStatus({ image });
        event('Normal', 'Pulled', `Successfully pulled image "${image}" in ${seconds(took)} (${seconds(took)} including waiting).${st ? ` Image size: ${String(st.size)} bytes.` : ''}`);
        this.#backoff.delete(key);
        return { ok: true, imageRef: ref };
      } catch (e) { lastError = e; }
    }
    const message = lastError instanceof Error ? lastError.message : String(lastError);
    const base = this.#o.backoff ?? { baseMs: 10_000, maxMs: 300_000 };
    const delay = b ? Math.min(base.maxMs, b.delay * 2) : base.baseMs;
    this.#backoff.set(key, { until: this.#o.clock.now() + delay, delay, message });
    event('Warning', 'Failed', `Failed to pull image "${image}": ${message}`);
    event('Warning', 'Failed', 'Error: ErrImagePull');
    return { ok: false, reason: 'ErrImagePull', message };
  }
}
