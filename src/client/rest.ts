/**
 * @module client/rest — the REST client: a pool of keep-alive HTTPS connections (undici) with the
 * caller's credentials (CA, client certificate/key or bearer token), or plain HTTP on the server's
 * local socket; the Kubernetes verbs over JSON, and watches (each on a connection of its own,
 * node:http) as an async iterator of NDJSON events. Failures from the server come back as
 * `StatusError`s carrying the server's Status, so callers test them with `isStatusError(e, 404)`.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { errors as undiciErrors, Pool } from 'undici';
import { parse as parseYaml } from 'yaml';
import { StatusError, type JsonObject, type StatusBody } from '../api/index.ts';
import { resourcePath, type Resource } from './resources.ts';

/** RestConfig is where and as whom the client connects. */
export interface RestConfig {
  /** server is the base URL, `https://host:port`. */
  readonly server: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly token?: string;
  readonly userAgent?: string;
  /** timeoutMs bounds each non-watch request (default 60 s). */
  readonly timeoutMs?: number;
  /** socketPath is the API server's local endpoint (a Unix socket, or a named pipe on Windows):
   * when given, requests and watches go there as plain HTTP/1.1 (no TLS; the token authenticates),
   * `server` names the API only in the Host header, and ca, cert, key are unused. */
  readonly socketPath?: string;
  /** maxConnections bounds the requests in flight at once, each on a keep-alive connection of its
   * own (default 32; HTTP/1.1 has no streams to multiplex them as client-go's HTTP/2 does); watches
   * are not counted. */
  readonly maxConnections?: number;
}

/** ListOptions are the query parameters of a list. */
export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
  readonly signal?: AbortSignal;
}

/** ObjectList is a list reply: items plus the list's resourceVersion and continue token. */
export interface ObjectList<T = JsonObject> {
  readonly items: T[];
  readonly metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
}

/** WatchOptions are the query parameters of a watch, with the signal that ends it. */
export interface WatchOptions {
  readonly resourceVersion?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly timeoutSeconds?: number;
  readonly allowWatchBookmarks?: boolean;
  readonly signal?: AbortSignal;
}

/** WatchEventType is the `type` of a watch event. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** WatchEvent is one line of a watch stream (ERROR carries a Status as its object). */
export interface WatchEvent<T = JsonObject> { readonly type: WatchEventType; readonly object: T }

/** PatchType selects the patch content type. */
export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** WriteOptions apply to create/update/patch. */
export interface WriteOptions { readonly fieldManager?: string; readonly dryRun?: boolean; readonly signal?: AbortSignal }

/** PatchOptions add the subresource and apply's force flag; `metadataOnly` asks for the patched
 * object as a PartialObjectMetadata (`Accept: …;as=PartialObjectMetadata`): its metadata only, for
 * callers that need no more than the new resourceVersion (less to send and to parse). */
export interface PatchOptions extends WriteOptions { readonly subresource?: string; readonly force?: boolean; readonly metadataOnly?: boolean }

const PARTIAL_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/** DeleteOptions are a delete's body fields. */
export interface DeleteOptions {
  readonly preconditions?: { uid?: string; resourceVersion?: string };
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly gracePeriodSeconds?: number;
  readonly signal?: AbortSignal;
}

/** ApiClient is the verb set controllers use; `RestClient` is the HTTPS implementation, tests use recording fakes. */
export interface ApiClient {
  get<T = JsonObject>(r: Resource, namespace: string, name: string, opts?: { signal?: AbortSignal }): Promise<T>;
  list<T = JsonObject>(r: Resource, namespace: string, opts?: ListOptions): Promise<ObjectList<T>>;
  create<T = JsonObject>(r: Resource, namespace: string, obj: JsonObject, opts?: WriteOptions): Promise<T>;
  update<T = JsonObject>(r: Resource, namespace: string, obj: JsonObject, opts?: WriteOptions): Promise<T>;
  updateStatus<T = JsonObject>(r: Resource, namespace: string, obj: JsonObject, opts?: WriteOptions): Promise<T>;
  /** updateSubresource PUTs `obj` to `.../name/<subresource>` (e.g. a CSR's `approval`). */
  updateSubresource<T = JsonObject>(r: Resource, namespace: string, subresource: string, obj: JsonObject, opts?: WriteOptions): Promise<T>;
  patch<T = JsonObject>(r: Resource, namespace: string, name: string, type: PatchType, patch: unknown, opts?: PatchOptions): Promise<T>;
  /** createSubresource POSTs `obj` to `.../name/<subresource>` (pods/binding, pods/eviction, serviceaccounts/token). */
  createSubresource<T = JsonObject>(r: Resource, namespace: string, name: string, subresource: string, obj: JsonObject, opts?: WriteOptions): Promise<T>;
  delete(r: Resource, namespace: string, name: string, opts?: DeleteOptions): Promise<void>;
  watch<T = JsonObject>(r: Resource, namespace: string, opts?: WatchOptions): AsyncIterable<WatchEvent<T>>;
}

/** statusErrorFrom turns a non-2xx reply into a StatusError (the server's Status, or one made from the code). */
export function statusErrorFrom(code: number, text: string): StatusError {
  try {
    const body = JSON.parse(text) as StatusBody;
    if (body && body.kind === 'Status') return new StatusError({ ...body, code: body.code || code });
  } catch { /* not JSON */ }
  const reason = code === 404 ? 'NotFound' : code === 403 ? 'Forbidden' : code === 401 ? 'Unauthorized' : code === 409 ? 'Conflict' : code === 410 ? 'Gone' : code >= 500 ? 'InternalError' : '';
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: text.trim() || `the server responded with status ${code}`, reason, code });
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function nameOf(obj: JsonObject): string {
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || !name) throw new Error('object has no metadata.name');
  return name;
}

/** Transport is what a client sends through: a connection pool for requests, an agent for watches. */
interface Transport {
  /** pool carries requests: undici spends 35–60 % of the CPU node:https's client does per request (bench/rest-client.bench.ts). */
  readonly pool: Pool;
  /** watchAgent carries watches: each holds a socket for minutes, so they must not use up the request pool. */
  readonly watchAgent: HttpAgent;
}

/** DEFAULT_MAX_CONNECTIONS is RestConfig.maxConnections when unset. */
export const DEFAULT_MAX_CONNECTIONS = 32;

/** RestClient is the ApiClient over one keep-alive connection pool (HTTPS, or HTTP on a local socket); call `close()` to release its sockets. */
export class RestClient implements ApiClient {
  #config: RestConfig;
  #pool: Pool;
  #watchAgent: HttpAgent;
  readonly #base: URL;
  readonly #request: (url: URL, opts: RequestOptions, cb?: (res: IncomingMessage) => void) => ClientRequest;

  constructor(config: RestConfig) {
    this.#config = config;
    this.#base = new URL(config.server);
    if (config.socketPath) this.#base.protocol = 'http:';
    const socketPath = config.socketPath;
    this.#request = socketPath ? (url, opts, cb) => httpRequest(url, { ...opts, socketPath }, cb) : httpsRequest;
    ({ pool: this.#pool, watchAgent: this.#watchAgent } = RestClient.#transport(config, this.#base));
  }

  static #transport(c: RestConfig, base: URL): Transport {
    const timeout = c.timeoutMs ?? 60_000;
    const pooled = { connections: c.maxConnections ?? DEFAULT_MAX_CONNECTIONS, headersTimeout: timeout, bodyTimeout: timeout };
    if (c.socketPath) {
      return { pool: new Pool(base.origin, { ...pooled, connect: { socketPath: c.socketPath } }), watchAgent: new HttpAgent({ keepAlive: false }) };
    }
    // One TLS context for every connection: given PEM options instead, each new connection (every
    // watch, every socket the pool opens) parses the CA, certificate and key again.
    // PEM that does not parse keeps failing where it always did: on each connection, as a request error.
    let tls: { secureContext: SecureContext } | { ca?: string; cert?: string; key?: string };
    try {
      tls = { secureContext: createSecureContext({ ca: c.ca, cert: c.cert, key: c.key }) };
    } catch {
      tls = { ca: c.ca, cert: c.cert, key: c.key };
    }
    return { pool: new Pool(base.origin, { ...pooled, connect: tls }), watchAgent: new Agent({ keepAlive: false, ...tls }) };
  }

  /** config is the client's current configuration (its credentials change with setCredentials). */
  get config(): RestConfig { return this.#config; }

  /** setCredentials switches to a new client certificate (a rotated kubelet certificate): every
   * request from now on uses it. As client-go's rotating transport does, the old connections are
   * closed — idle ones now, busy requests' once they finish — and watches end at once (their
   * consumers watch again, with the new certificate). */
  setCredentials(pair: { readonly cert: string; readonly key: string }): void {
    const [oldPool, oldWatch] = [this.#pool, this.#watchAgent];
    this.#config = { ...this.#config, cert: pair.cert, key: pair.key };
    ({ pool: this.#pool, watchAgent: this.#watchAgent } = RestClient.#transport(this.#config, this.#base));
    oldPool.close().catch(() => undefined); // closes each connection once its requests are done
    oldWatch.destroy();
  }

  /** close destroys the client's connections (in-flight requests fail). */
  close(): void {
    this.#pool.destroy().catch(() => undefined);
    this.#watchAgent.destroy();
  }

  #headers(extra: Record<string, string>): Record<string, string> {
    const h: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.#config.userAgent ?? 'windlass-client', ...extra };
    if (this.#config.token) h.Authorization = `Bearer ${this.#config.token}`;
    return h;
  }

  /** raw sends one request and resolves with the status code and body text. */
  async raw(method: string, path: string, body?: string, contentType = 'application/json', signal?: AbortSignal, accept?: string): Promise<{ code: number; text: string }> {
    if (signal?.aborted) throw signal.reason;
    const headers = this.#headers({
      ...(body === undefined ? {} : { 'Content-Type': contentType }),
      ...(accept ? { Accept: accept } : {}),
    });
    try {
      const res = await this.#pool.request({ method, path, headers, body, signal });
      return { code: res.statusCode, text: await res.body.text() };
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError) throw new Error(`request timed out: ${method} ${path}`, { cause: e });
      throw e;
    }
  }

  async #json<T>(method: string, path: string, body?: unknown, contentType?: string, signal?: AbortSignal, accept?: string): Promise<T> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const r = await this.raw(method, path, text, contentType, signal, accept);
    if (r.code < 200 || r.code > 299) throw statusErrorFrom(r.code, r.text);
    return (r.text ? JSON.parse(r.text) : {}) as T;
  }

  get<T = JsonObject>(r: Resource, namespace: string, name: string, opts: { signal?: AbortSignal } = {}): Promise<T> {
    return this.#json('GET', resourcePath(r, namespace, name), undefined, undefined, opts.signal);
  }

  list<T = JsonObject>(r: Resource, namespace: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const q = query({ labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit, continue: opts.continue, resourceVersion: opts.resourceVersion });
    return this.#json('GET', resourcePath(r, namespace) + q, undefined, undefined, opts.signal);
  }

  create<T = JsonObject>(r: Resource, namespace: string, obj: JsonObject, opts: WriteOptions = {}): Promise<T> {
    return this.#json('POST', resourcePath(r, namespace) + query({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined }), obj, undefined, opts.signal);
  }

  update<T = JsonObject>(r: Resource, namespace: string, obj: JsonObject, opts: WriteOptions = {}): Promise<T> {
    return this.updateSubresource(r, namespace, '', obj, opts);
  }

  updateStatus<T = JsonObject>(r: Resource, namespace: string, obj: JsonObject, opts: WriteOptions = {}): Promise<T> {
    return this.updateSubresource(r, namespace, 'status', obj, opts);
  }

  updateSubresource<T = JsonObject>(r: Resource, namespace: string, subresource: string, obj: JsonObject, opts: WriteOptions = {}): Promise<T> {
    const path = resourcePath(r, namespace, nameOf(obj), subresource || undefined);
    return this.#json('PUT', path + query({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined }), obj, undefined, opts.signal);
  }

  createSubresource<T = JsonObject>(r: Resource, namespace: string, name: string, subresource: string, obj: JsonObject, opts: WriteOptions = {}): Promise<T> {
    const path = resourcePath(r, namespace, name, subresource);
    return this.#json('POST', path + query({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined }), obj, undefined, opts.signal);
  }

  patch<T = JsonObject>(r: Resource, namespace: string, name: string, type: PatchType, patch: unknown, opts: PatchOptions = {}): Promise<T> {
    const fieldManager = opts.fieldManager ?? (type === 'apply' ? 'windlass' : undefined);
    const q = query({ fieldManager, force: type === 'apply' && opts.force ? true : undefined, dryRun: opts.dryRun ? 'All' : undefined });
    return this.#json('PATCH', resourcePath(r, namespace, name, opts.subresource) + q, JSON.stringify(patch), PATCH_CONTENT_TYPES[type], opts.signal,
      opts.metadataOnly ? PARTIAL_METADATA : undefined);
  }

  async delete(r: Resource, namespace: string, name: string, opts: DeleteOptions = {}): Promise<void> {
    const body: JsonObject = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (opts.preconditions) body.preconditions = opts.preconditions;
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    await this.#json('DELETE', resourcePath(r, namespace, name), body, undefined, opts.signal);
  }

  /** watch streams events until the server ends the watch, the signal aborts or the consumer stops iterating. */
  async *watch<T = JsonObject>(r: Resource, namespace: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const q = query({ watch: 'true', resourceVersion: opts.resourceVersion, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, timeoutSeconds: opts.timeoutSeconds, allowWatchBookmarks: opts.allowWatchBookmarks });
    const signal = opts.signal;
    if (signal?.aborted) return;
    const req = this.#request(new URL(resourcePath(r, namespace) + q, this.#base), { method: 'GET', agent: this.#watchAgent, headers: this.#headers({}) });
    const onAbort = (): void => { req.destroy(); };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        req.on('response', resolve);
        req.on('error', reject);
        req.end();
      });
      if ((res.statusCode ?? 0) !== 200) {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        throw statusErrorFrom(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
      }
      let buf = '';
      try {
        for await (const chunk of res) {
          buf += (chunk as Buffer).toString('utf8');
          // Parse every complete line in place, then keep only the unfinished tail (one copy per chunk).
          let start = 0;
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n', start)) {
            const line = buf.slice(start, i).trim();
            start = i + 1;
            if (line) yield JSON.parse(line) as WatchEvent<T>;
          }
          buf = start > 0 ? buf.slice(start) : buf;
        }
      } catch (e) {
        if (!signal?.aborted) throw e;
      }
    } catch (e) {
      if (signal?.aborted) return;
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
    }
  }
}

/** kubeconfigToRestConfig reads a kubeconfig (YAML) and returns the server and credentials of its current (or the named) context. */
export function kubeconfigToRestConfig(text: string, context?: string): RestConfig {
  const cfg = (parseYaml(text) ?? {}) as JsonObject;
  const ctxName: string = context ?? cfg['current-context'] ?? '';
  const named = (list: unknown, name: string): JsonObject | undefined =>
    (Array.isArray(list) ? list as JsonObject[] : []).find((e) => e?.name === name);
  const ctx = named(cfg.contexts, ctxName)?.context as JsonObject | undefined;
  const cluster = (ctx ? named(cfg.clusters, ctx.cluster) : (cfg.clusters?.[0] as JsonObject | undefined))?.cluster as JsonObject | undefined;
  const user = (ctx ? named(cfg.users, ctx.user) : (cfg.users?.[0] as JsonObject | undefined))?.user as JsonObject | undefined;
  if (!cluster?.server) throw new Error(`kubeconfig: no cluster server for context "${ctxName}"`);
  const pem = (data: unknown, file: unknown): string | undefined =>
    typeof data === 'string' && data ? Buffer.from(data, 'base64').toString('utf8') : typeof file === 'string' && file ? readFileSync(file, 'utf8') : undefined;
  const token = typeof user?.token === 'string' ? user.token : typeof user?.tokenFile === 'string' ? readFileSync(user.tokenFile, 'utf8').trim() : undefined;
  return {
    server: String(cluster.server),
    ca: pem(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: pem(user?.['client-certificate-data'], user?.['client-certificate']),
    key: pem(user?.['client-key-data'], user?.['client-key']),
    token,
  };
}
