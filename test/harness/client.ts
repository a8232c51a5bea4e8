/**
 * @module test/harness/client — a small HTTPS client for the Kubernetes REST API built on
 * node:https with the kubeconfig's client certificate (or token) and CA, keep-alive, a per-request
 * timeout, raw bodies (for malformed-input tests) and NDJSON watch streams.
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ClientRequest } from 'node:http';
import type { Credentials } from './kubeconfig.ts';

/** HttpResponse is a fully read response. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  text(): string;
  /** json parses the body; it throws with the status and body text when that is not JSON. */
  json<T = any>(): T;
}

/** Options of one request. A plain object body is sent as JSON; strings and Buffers are sent verbatim. */
export interface RequestOptions {
  readonly body?: string | Buffer | object;
  readonly contentType?: string;
  readonly accept?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** timeoutMs: abort the request (reject) when no complete response arrives in time (default 30 s). */
  readonly timeoutMs?: number;
}

/** WatchEvent is one line of a watch stream, or (type "HTTP") a non-200 answer to the watch request. */
export interface WatchEvent {
  readonly type: string;
  readonly object: any;
  /** at: performance.now() when the line arrived. */
  readonly at: number;
}

/** WatchStream is an open watch; events are kept (unless `keep: false`) and can be awaited. */
export interface WatchStream {
  readonly events: WatchEvent[];
  /** status resolves with the HTTP status of the watch response. */
  readonly status: Promise<number>;
  /** ended resolves when the server ends the stream (or it errors or is closed). */
  readonly ended: Promise<void>;
  /** next resolves with the first kept event (past or future) matching `pred`, or rejects at the deadline. */
  next(pred: (e: WatchEvent) => boolean, timeoutMs?: number, what?: string): Promise<WatchEvent>;
  close(): void;
}

/** ApiClient talks to one server as one user. */
export interface ApiClient {
  readonly server: string;
  readonly agent: Agent;
  request(method: string, path: string, opts?: RequestOptions): Promise<HttpResponse>;
  get(path: string, opts?: RequestOptions): Promise<HttpResponse>;
  post(path: string, body: RequestOptions['body'], opts?: RequestOptions): Promise<HttpResponse>;
  put(path: string, body: RequestOptions['body'], opts?: RequestOptions): Promise<HttpResponse>;
  patch(path: string, body: RequestOptions['body'], contentType: string, opts?: RequestOptions): Promise<HttpResponse>;
  delete(path: string, opts?: RequestOptions): Promise<HttpResponse>;
  /** watch opens `path` (add `watch=true` yourself) and streams its events. */
  watch(path: string, opts?: { keep?: boolean; onEvent?: (e: WatchEvent) => void; agent?: Agent }): WatchStream;
  /** close destroys the keep-alive sockets. */
  close(): void;
}

/** Options for createApiClient. */
export interface ClientOptions {
  readonly keepAlive?: boolean;
  readonly maxSockets?: number;
}

function makeResponse(res: IncomingMessage, body: Buffer): HttpResponse {
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    body,
    text: () => body.toString('utf8'),
    json<T>(): T {
      try {
        return JSON.parse(body.toString('utf8')) as T;
      } catch {
        throw new Error(`response ${res.statusCode} is not JSON: ${body.toString('utf8').slice(0, 500)}`);
      }
    },
  };
}

/** makeAgent builds a node:https Agent carrying the credentials' CA and client certificate. */
export function makeAgent(creds: Credentials, opts: ClientOptions = {}): Agent {
  return new Agent({
    ca: creds.ca, cert: creds.cert, key: creds.key,
    rejectUnauthorized: !creds.insecure,
    keepAlive: opts.keepAlive ?? true,
    maxSockets: opts.maxSockets ?? 64,
  });
}

/** createApiClient returns a client for the server and user of `creds`. */
export function createApiClient(creds: Credentials, opts: ClientOptions = {}): ApiClient {
  const agent = makeAgent(creds, opts);
  const base = new URL(creds.server);
  const headersFor = (o: RequestOptions, body: Buffer | undefined): Record<string, string> => {
    const h: Record<string, string> = { Accept: o.accept ?? 'application/json', ...o.headers };
    if (creds.token) h.Authorization = `Bearer ${creds.token}`;
    if (body) {
      h['Content-Type'] = o.contentType ?? 'application/json';
      h['Content-Length'] = String(body.length);
    }
    return h;
  };
  const encode = (b: RequestOptions['body']): Buffer | undefined => {
    if (b === undefined) return undefined;
    if (Buffer.isBuffer(b)) return b;
    if (typeof b === 'string') return Buffer.from(b, 'utf8');
    return Buffer.from(JSON.stringify(b), 'utf8');
  };
  const request = (method: string, path: string, o: RequestOptions = {}): Promise<HttpResponse> => {
    const body = encode(o.body);
    const timeoutMs = o.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(new Error(`${method} ${path}: no complete response within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (err: Error | undefined, r?: HttpResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(r!);
      };
      const req: ClientRequest = httpsRequest({
        protocol: 'https:', hostname: base.hostname, port: base.port, method, path,
        agent, headers: headersFor(o, body),
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(undefined, makeResponse(res, Buffer.concat(chunks))));
        res.on('error', (e) => done(new Error(`${method} ${path}: response error: ${e.message}`)));
      });
      // A server may answer (e.g. 413) and close before the whole body is written: the answer wins.
      req.on('error', (e) => done(new Error(`${method} ${path}: ${e.message}`)));
      req.end(body);
    });
  };

  const watch = (path: string, wo: { keep?: boolean; onEvent?: (e: WatchEvent) => void; agent?: Agent } = {}): WatchStream => {
    const events: WatchEvent[] = [];
    const keep = wo.keep ?? true;
    const waiters = new Set<{ pred: (e: WatchEvent) => boolean; resolve: (e: WatchEvent) => void }>();
    let setStatus!: (s: number) => void;
    let setEnded!: () => void;
    const status = new Promise<number>((r) => { setStatus = r; });
    const ended = new Promise<void>((r) => { setEnded = r; });
    const emit = (e: WatchEvent): void => {
      if (keep) events.push(e);
      wo.onEvent?.(e);
      for (const w of waiters) if (w.pred(e)) { waiters.delete(w); w.resolve(e); }
    };
    const req = httpsRequest({
      protocol: 'https:', hostname: base.hostname, port: base.port, method: 'GET', path,
      agent: wo.agent ?? agent, headers: headersFor({}, undefined),
    }, (res) => {
      setStatus(res.statusCode ?? 0);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        if (res.statusCode !== 200) return;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const at = performance.now();
          try {
            const ev = JSON.parse(line) as { type: string; object: unknown };
            emit({ type: ev.type, object: ev.object, at });
          } catch {
            emit({ type: 'UNPARSEABLE', object: line, at });
          }
        }
      });
      res.on('end', () => {
        if (res.statusCode !== 200) {
          let obj: unknown = buf;
          try { obj = JSON.parse(buf); } catch { /* keep text */ }
          emit({ type: 'HTTP', object: { httpStatus: res.statusCode, body: obj }, at: performance.now() });
        }
        setEnded();
      });
      res.on('error', () => setEnded());
      res.on('close', () => setEnded());
    });
    req.on('error', () => { setStatus(0); setEnded(); });
    req.end();
    return {
      events, status, ended,
      next(pred, timeoutMs = 10_000, what = 'a matching watch event') {
        const hit = events.find(pred);
        if (hit) return Promise.resolve(hit);
        return new Promise<WatchEvent>((resolve, reject) => {
          const w = { pred, resolve: (e: WatchEvent) => { clearTimeout(t); resolve(e); } };
          const t = setTimeout(() => {
            waiters.delete(w);
            reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${path} (saw ${events.length} events: ${events.slice(-5).map((e) => e.type).join(',')})`));
          }, timeoutMs);
          waiters.add(w);
        });
      },
      close() { req.destroy(); setEnded(); },
    };
  };

  return {
    server: creds.server, agent, request,
    get: (p, o) => request('GET', p, o),
    post: (p, b, o) => request('POST', p, { ...o, body: b }),
    put: (p, b, o) => request('PUT', p, { ...o, body: b }),
    patch: (p, b, ct, o) => request('PATCH', p, { ...o, body: b, contentType: ct }),
    delete: (p, o) => request('DELETE', p, o),
    watch,
    close: () => agent.destroy(),
  };
}
