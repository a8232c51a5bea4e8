/**
 * @module agent/server — the node agent's HTTPS server on kubelet's paths: `/containerLogs`,
 * `/exec`, `/attach`, `/portForward` (WebSocket or SPDY upgrades, continued to the runtime's
 * streaming server), `/stats/summary`, `/metrics/resource`, `/pods` and `/healthz`. Clients present a
 * certificate chained to the cluster CA (or a bearer token, checked with a TokenReview);
 * `system:masters` members are allowed, others are checked with a SubjectAccessReview on this node
 * (`nodes/proxy`, `nodes/log`, `nodes/stats`, `nodes/metrics`).
 * Containers are found through `Runtime.listContainers` by the `io.kubernetes.*` labels.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { JsonObject } from '../api/index.ts';
import { RESOURCES, resource, type ApiClient } from '../client/index.ts';
import type { Container, Runtime } from '../runtime/types.ts';
import { bridgeCommand } from './streaming/bridge.ts';
import { streamContainerLog, parseTime } from './streaming/logs.ts';
import { acceptPortForward } from './streaming/portforward.ts';
import { acceptRemoteCommand, streamOptionsFromQuery } from './streaming/remotecommand.ts';
import { dialPortForward, dialRemoteCommand, type PortForwardClient } from './streaming/runtime-client.ts';
import { rejectUpgrade, statusBody, type StatusLike } from './streaming/upgrade.ts';

/** AgentServerLog receives the server's problems. */
export interface AgentServerLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** AgentServerOptions configures startAgentServer; `tls` is called per new connection so rotated serving certificates take effect. */
export interface AgentServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: () => { cert: string; key: string };
  readonly caCert: string;
  readonly nodeName: string;
  readonly runtime: Runtime;
  /** client answers TokenReviews (bearer tokens) and SubjectAccessReviews for callers outside system:masters (absent: they are refused). */
  readonly client?: ApiClient;
  readonly stats?: { summary(): Promise<JsonObject>; resourceMetrics(): Promise<string> };
  readonly pods?: () => JsonObject[];
  readonly signal?: AbortSignal;
  readonly log?: AgentServerLog;
  /** logPollMs: how often a followed log is polled (default 200 ms). */
  readonly logPollMs?: number;
}

/** AgentServer is a running server. */
export interface AgentServer {
  readonly port: number;
  close(): Promise<void>;
}

interface Caller { readonly user: string; readonly groups: readonly string[] }

const TOKEN_REVIEWS = resource('authentication.k8s.io', 'v1', 'tokenreviews', false);

class HttpError extends Error {
  readonly status: StatusLike;
  constructor(status: StatusLike) { super(status.message); this.status = status; }
}
const notFound = (message: string): HttpError => new HttpError({ code: 404, reason: 'NotFound', message });
const badRequest = (message: string): HttpError => new HttpError({ code: 400, reason: 'BadRequest', message });

function sendStatus(res: ServerResponse, s: StatusLike): void {
  if (res.headersSent) { res.destroy(); return; }
  const body = statusBody(s);
  res.writeHead(s.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** callerOf reads the verified client certificate of a request (undefined: none, or not chained to the CA). */
function callerOf(req: IncomingMessage): Caller | undefined {
  const sock = req.socket as TLSSocket;
  if (!sock.authorized) return undefined;
  const cert = sock.getPeerCertificate();
  if (!cert?.subject) return undefined;
  const cn = cert.subject.CN;
  const o = cert.subject.O;
  const user = Array.isArray(cn) ? cn[0] : cn;
  if (!user) return undefined;
  return { user, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

/** kubeletSubresource maps a path to the nodes subresource kubelet authorizes it with. */
export function kubeletSubresource(path: string): string {
  if (path.startsWith('/stats/')) return 'stats';
  if (path.startsWith('/metrics')) return 'metrics';
  if (path.startsWith('/logs/')) return 'log';
  return 'proxy';
}

function methodVerb(method: string): string {
  switch (method) {
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return 'delete';
    default: return 'get';
  }
}

/** TargetPath is a parsed container or pod path (`/{kind}/{ns}/{pod}[/{uid}]/{container}`). */
export interface TargetPath { readonly kind: string; readonly namespace: string; readonly pod: string; readonly uid: string; readonly container: string }

/** parseTargetPath splits a kubelet streaming/log path; undefined when it is not one. */
export function parseTargetPath(path: string): TargetPath | undefined {
  const seg = path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  const kind = seg[0];
  if (kind === 'portForward') {
    if (seg.length === 3) return { kind, namespace: seg[1], pod: seg[2], uid: '', container: '' };
    if (seg.length === 4) return { kind, namespace: seg[1], pod: seg[2], uid: seg[3], container: '' };
    return undefined;
  }
  if (kind !== 'exec' && kind !== 'attach' && kind !== 'containerLogs') return undefined;
  if (seg.length === 4) return { kind, namespace: seg[1], pod: seg[2], uid: '', container: seg[3] };
  if (seg.length === 5 && kind !== 'containerLogs') return { kind, namespace: seg[1], pod: seg[2], uid: seg[3], container: seg[4] };
  return undefined;
}

/** startAgentServer serves kubelet's HTTPS API for this node until closed or `signal` aborts. */
export async function startAgentServer(opts: AgentServerOptions): Promise<AgentServer> {
  const log = opts.log;
  const rt = opts.runtime;
  let current = opts.tls();
  const server: Server = createServer({
    cert: current.cert, key: current.key, ca: opts.caCert, requestCert: true, rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'], requestTimeout: 0, keepAliveTimeout: 65_000,
  }, (req, res) => { void handle(req, res); });
  // Before tls.Server's own listener wraps the socket, so a rotated certificate serves this very connection.
  server.prependListener('connection', () => {
    try {
      const next = opts.tls();
      if (next.cert !== current.cert || next.key !== current.key) {
        server.setSecureContext({ cert: next.cert, key: next.key, ca: opts.caCert });
        current = next;
      }
    } catch (e) { log?.error('agent server: reading the serving certificate failed', { error: String(e) }); }
  });
  server.on('tlsClientError', () => undefined);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => { void upgrade(req, socket, head); });
  const sockets = new Set<Duplex>();
  server.on('secureConnection', (s: Duplex) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });

  /** tokenCaller authenticates a bearer token with a TokenReview (webhook authentication, as kubelet does). */
  async function tokenCaller(req: IncomingMessage): Promise<Caller | undefined> {
    const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    if (!m || !opts.client) return undefined;
    const review = await opts.client.create<JsonObject>(TOKEN_REVIEWS, '', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: m[1] } });
    const st = (review.status ?? {}) as { authenticated?: boolean; user?: { username?: string; groups?: string[] } };
    return st.authenticated && st.user?.username ? { user: st.user.username, groups: st.user.groups ?? [] } : undefined;
  }

  async function authorize(req: IncomingMessage, path: string): Promise<void> {
    const caller = callerOf(req) ?? await tokenCaller(req);
    if (!caller) throw new HttpError({ code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
    if (caller.groups.includes('system:masters')) return;
    const subresource = kubeletSubresource(path);
    const verb = methodVerb(req.method ?? 'GET');
    if (opts.client) {
      const review = await opts.client.create<JsonObject>(RESOURCES.subjectaccessreviews, '', {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: { user: caller.user, groups: [...caller.groups], resourceAttributes: { verb, resource: 'nodes', subresource, name: opts.nodeName } },
      });
      if ((review.status as JsonObject | undefined)?.allowed === true) return;
    }
    throw new HttpError({ code: 403, reason: 'Forbidden', message: `Forbidden (user=${caller.user}, verb=${verb}, resource=nodes, subresource=${subresource})` });
  }

  async function findContainers(t: TargetPath): Promise<Container[]> {
    const sel: Record<string, string> = { 'io.kubernetes.pod.namespace': t.namespace, 'io.kubernetes.pod.name': t.pod, 'io.kubernetes.container.name': t.container };
    if (t.uid) sel['io.kubernetes.pod.uid'] = t.uid;
    const list = await rt.listContainers({ labelSelector: sel });
    return list.sort((a, b) => b.metadata.attempt - a.metadata.attempt || b.createdAt - a.createdAt);
  }

  async function runningContainer(t: TargetPath): Promise<Container> {
    const list = await findContainers(t);
    if (list.length === 0) throw notFound(`container "${t.container}" in pod "${t.pod}" not found`);
    const c = list.find((x) => x.state === 'RUNNING');
    if (!c) throw badRequest(`container "${t.container}" in pod "${t.pod}" is not running`);
    return c;
  }

  async function serveLogs(req: IncomingMessage, res: ServerResponse, t: TargetPath, q: URLSearchParams): Promise<void> {
    const list = await findContainers(t);
    if (list.length === 0) throw notFound(`container "${t.container}" in pod "${t.pod}" is not available`);
    const previous = q.get('previous') === 'true';
    const c = previous ? list[1] : list[0];
    if (!c) throw badRequest(`previous terminated container "${t.container}" in pod "${t.pod}" not found`);
    const st = await rt.containerStatus(c.id);
    if (!st) throw notFound(`container "${t.container}" in pod "${t.pod}" is not available`);
    const num = (name: string): number | undefined => {
      const v = q.get(name);
      if (v === null || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw badRequest(`${name}: invalid value "${v}"`);
      return n;
    };
    const tailLines = num('tailLines');
    const limitBytes = num('limitBytes');
    const sinceSeconds = num('sinceSeconds');
    const sinceTime = q.get('sinceTime');
    let sinceMs: number | undefined;
    if (sinceSeconds !== undefined) sinceMs = Date.now() - sinceSeconds * 1000;
    else if (sinceTime) { sinceMs = parseTime(sinceTime); if (Number.isNaN(sinceMs)) throw badRequest(`sinceTime: invalid value "${sinceTime}"`); }
    const follow = q.get('follow') === 'true' && !previous;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    opts.signal?.addEventListener('abort', () => abort.abort(), { once: true });
    await streamContainerLog(st.logPath ?? '', res, {
      follow, tailLines, limitBytes, sinceMs, timestamps: q.get('timestamps') === 'true', signal: abort.signal, pollMs: opts.logPollMs,
      isRunning: async () => (await rt.containerStatus(c.id))?.state === 'RUNNING',
    });
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://agent');
    const path = url.pathname;
    try {
      if (path === '/healthz') { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('ok'); return; }
      await authorize(req, path);
      if (path === '/pods' || path === '/pods/') {
        const body = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: opts.pods?.() ?? [] });
        res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(body); return;
      }
      if (path === '/stats/summary' || path === '/stats/summary/') {
        if (!opts.stats) throw notFound('stats are not available');
        const body = JSON.stringify(await opts.stats.summary());
        res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(body); return;
      }
      if (path === '/metrics/resource') {
        if (!opts.stats) throw notFound('metrics are not available');
        const text = await opts.stats.resourceMetrics();
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }); res.end(text); return;
      }
      const t = parseTargetPath(path);
      if (t?.kind === 'containerLogs' && (req.method === 'GET' || req.method === 'HEAD')) { await serveLogs(req, res, t, url.searchParams); return; }
      if (t) throw badRequest('Upgrade request required');
      throw notFound('the server could not find the requested resource');
    } catch (e) {
      if (e instanceof HttpError) sendStatus(res, e.status);
      else {
        log?.error('agent server: request failed', { path, error: e instanceof Error ? e.message : String(e) });
        sendStatus(res, { code: 500, reason: 'InternalError', message: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'https://agent');
    const q = url.searchParams;
    try {
      await authorize(req, url.pathname);
      const t = parseTargetPath(url.pathname);
      if (!t || t.kind === 'containerLogs') throw notFound('the server could not find the requested resource');
      if (t.kind === 'portForward') { await servePortForward(req, socket, head, t, q); return; }
      const c = await runningContainer(t);
      const so = streamOptionsFromQuery(q);
      if (t.kind === 'exec' && q.getAll('command').length === 0) throw badRequest('you must specify at least 1 command');
      if (!so.stdin && !so.stdout && !so.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
      const session = await acceptRemoteCommand(req, socket, head, so);
      if (!session) return;
      log?.info('agent server: stream session', { kind: t.kind, namespace: t.namespace, pod: t.pod, container: t.container, transport: session.transport, protocol: session.protocol, tty: so.tty });
      try {
        const sreq = { containerId: c.id, tty: so.tty, stdin: so.stdin, stdout: so.stdout, stderr: so.stderr };
        const { url: target } = t.kind === 'exec' ? await rt.exec({ ...sreq, cmd: q.getAll('command') }) : await rt.attach(sreq);
        const cmd = await dialRemoteCommand(target, so);
        await bridgeCommand(session, cmd);
      } catch (e) {
        await session.finish({ error: e instanceof Error ? e.message : String(e) });
      }
    } catch (e) {
      if (e instanceof HttpError) rejectUpgrade(socket, e.status);
      else {
        log?.error('agent server: upgrade failed', { path: url.pathname, error: e instanceof Error ? e.message : String(e) });
        rejectUpgrade(socket, { code: 500, reason: 'InternalError', message: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  async function servePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, t: TargetPath, q: URLSearchParams): Promise<void> {
    const sel: Record<string, string> = { 'io.kubernetes.pod.namespace': t.namespace, 'io.kubernetes.pod.name': t.pod };
    if (t.uid) sel['io.kubernetes.pod.uid'] = t.uid;
    const sandboxes = (await rt.listPodSandbox({ labelSelector: sel, state: 'READY' })).sort((a, b) => b.createdAt - a.createdAt);
    const sandbox = sandboxes[0];
    if (!sandbox) throw notFound(`pod "${t.pod}" not found`);
    let client: Promise<PortForwardClient> | undefined;
    const ports = new Set<number>();
    const backend = async (port: number): Promise<Duplex> => {
      ports.add(port);
      client ??= rt.portForward(sandbox.id, [port]).then(({ url }) => dialPortForward(url));
      const c = await client.catch((e: unknown) => { client = undefined; throw e; });
      if (c.closed) { client = undefined; return backend(port); }
      return c.connect(port);
    };
    await acceptPortForward(req, socket, head, q, backend, (mode) => log?.info('agent server: stream session', { kind: t.kind, namespace: t.namespace, pod: t.pod, transport: mode }));
    if (client) void client.then((c) => c.close(), () => undefined);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
    });
    return closing;
  };
  opts.signal?.addEventListener('abort', () => { void close(); }, { once: true });
  log?.info('agent server listening', { host: opts.host, port });
  return { port, close };
}
