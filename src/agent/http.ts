/**
 * @module agent/http — a small JSON-over-HTTPS client for talking to the API server with explicit
 * credentials: a pinned CA (or, for kubeadm-style discovery only, no verification), a client
 * certificate or a bearer token. Connection failures become one-line errors; HTTP statuses are
 * returned as values.
 */
import { request } from 'node:https';

/** Where and how to connect: the server URL, trust and credentials (PEM strings). */
export interface HttpTarget {
  readonly server: string;
  /** caCert: the CA that must have signed the server's certificate (omit only with insecureSkipVerify). */
  readonly caCert?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly bearerToken?: string;
  /** insecureSkipVerify: do not verify the server certificate (token discovery's first request). */
  readonly insecureSkipVerify?: boolean;
  /** timeoutMs: give up on a request after this long (default 30 s). */
  readonly timeoutMs?: number;
}

/** An HTTP response: the status, the raw body text and the parsed JSON (undefined when not JSON). */
export interface HttpResponse {
  readonly status: number;
  readonly text: string;
  readonly json: any;
}

/** RequestOptions: the body's content type (default JSON) and an abort signal. */
export interface RequestOptions {
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/** describeNetworkError renders a connection failure as one line naming the server. */
function describeNetworkError(server: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const reason = e.code !== undefined && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
  return `cannot reach the API server at ${server}: ${reason}`;
}

/** requestJson sends one request (body JSON-encoded unless a string) and resolves to the response; rejects only on network/TLS failure or abort. */
export function requestJson(target: HttpTarget, method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<HttpResponse> {
  const url = new URL(path, `${target.server.replace(/\/+$/, '')}/`);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload !== undefined) {
    headers['content-type'] = opts.contentType ?? 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  if (target.bearerToken !== undefined) headers.authorization = `Bearer ${target.bearerToken}`;
  return new Promise((resolvePromise, reject) => {
    const req = request(url, {
      method, headers, signal: opts.signal, timeout: target.timeoutMs ?? 30_000,
      ca: target.caCert, cert: target.clientCert, key: target.clientKey,
      rejectUnauthorized: target.insecureSkipVerify !== true,
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => reject(new Error(describeNetworkError(target.server, err))));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolvePromise({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${(target.timeoutMs ?? 30_000) / 1000}s`), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => {
      if (err.name === 'AbortError') reject(err);
      else reject(new Error(describeNetworkError(target.server, err)));
    });
    req.end(payload);
  });
}

/** statusMessage returns the `message` of a Kubernetes Status body, else the raw text (trimmed), else the HTTP status. */
export function statusMessage(res: HttpResponse): string {
  const m = (res.json as { message?: unknown } | undefined)?.message;
  if (typeof m === 'string' && m !== '') return m;
  const t = res.text.trim().replace(/\s+/g, ' ');
  return t !== '' ? t.slice(0, 300) : `HTTP ${res.status}`;
}
