/**
 * @module apiserver/node-proxy — `pods/log`, `pods/exec`, `pods/attach` and `pods/portforward`:
 * looks the pod and its node up, maps the request to the node agent's kubelet path
 * (`/containerLogs`, `/exec`, `/attach`, `/portForward`) on the node's InternalIP and
 * `status.daemonEndpoints.kubeletEndpoint.Port`, and forwards it over TLS with the API server's
 * kubelet client certificate, verifying the agent's serving certificate against the cluster CA.
 * Plain requests (logs) are relayed as a streamed response; upgrades (WebSocket or SPDY) are
 * relayed as raw bytes both ways once the request is written, as upstream's upgrade-aware proxy
 * does, so the agent's answer (101 or an error Status) reaches the client unchanged.
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { badRequest, StatusError, type JsonObject, type StatusReason } from '../api/index.ts';
import type { Catalog } from './registry/catalog.ts';
import type { ResourceRegistry } from './registry/resource-store.ts';
import type { ResourcePath, RoutedPath } from './router.ts';

/** KubeletClientTls is the API server's client identity towards node agents and the CA their serving certificates chain to. */
export interface KubeletClientTls {
  readonly caCert: string;
  readonly cert: string;
  readonly key: string;
}

/** NODE_PROXY_SUBRESOURCES are the pod subresources served by the node agent. */
export const NODE_PROXY_SUBRESOURCES: ReadonlySet<string> = new Set(['log', 'exec', 'attach', 'portforward']);

/** isNodeProxied returns the path when it names a pod subresource served by the node agent. */
export function isNodeProxied(r: RoutedPath): ResourcePath | undefined {
  return r.type === 'resource' && r.group === '' && r.version === 'v1' && r.resource === 'pods' && r.name !== '' && r.namespace !== '' && NODE_PROXY_SUBRESOURCES.has(r.subresource) ? r : undefined;
}

/** KubeletTarget is where a request goes: host, port and kubelet path with query. */
export interface KubeletTarget { readonly host: string; readonly port: number; readonly path: string }

function status(code: number, reason: StatusReason, message: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function containerNames(pod: JsonObject): string[] {
  const spec = (pod.spec ?? {}) as JsonObject;
  const names = (k: string): string[] => (Array.isArray(spec[k]) ? spec[k] as JsonObject[] : []).map((c) => String(c.name ?? ''));
  return [...names('containers'), ...names('initContainers'), ...names('ephemeralContainers')];
}

/** chooseContainer picks the request's container (the only one when unnamed), or throws upstream's 400. */
export function chooseContainer(pod: JsonObject, requested: string): string {
  const name = String(pod.metadata?.name ?? '');
  const all = containerNames(pod);
  if (requested) {
    if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  const main = (Array.isArray(pod.spec?.containers) ? pod.spec.containers as JsonObject[] : []).map((c) => String(c.name ?? ''));
  if (main.length === 1) return main[0];
  throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]`);
}

/** nodeEndpoint finds a node's agent address: InternalIP (else the first address) and the kubelet endpoint port. */
export function nodeEndpoint(node: JsonObject): { host: string; port: number } {
  const st = (node.status ?? {}) as JsonObject;
  const addrs = (Array.isArray(st.addresses) ? st.addresses : []) as { type?: string; address?: string }[];
  const a = addrs.find((x) => x.type === 'InternalIP' && x.address) ?? addrs.find((x) => x.address);
  if (!a?.address) throw status(503, 'ServiceUnavailable', `no preferred addresses found for node "${String(node.metadata?.name ?? '')}"`);
  const port = Number((st.daemonEndpoints as JsonObject | undefined)?.kubeletEndpoint?.Port ?? 0) || 10250;
  return { host: a.address, port };
}

const LOG_PARAMS = ['follow', 'previous', 'sinceSeconds', 'sinceTime', 'tailLines', 'timestamps', 'limitBytes', 'insecureSkipTLSVerifyBackend'];

/** kubeletTarget resolves the agent location and path of a node-proxied pod request. */
export async function kubeletTarget(registry: ResourceRegistry, catalog: Catalog, p: ResourcePath, q: URLSearchParams): Promise<KubeletTarget> {
  const podKind = catalog.lookup('', 'v1', 'pods');
  const nodeKind = catalog.lookup('', 'v1', 'nodes');
  if (!podKind || !nodeKind) throw status(404, 'NotFound', 'the server could not find the requested resource');
  const pod = await registry.get(podKind, p.namespace, p.name);
  const nodeName = String(pod.spec?.nodeName ?? '');
  if (!nodeName) throw badRequest(`pod ${p.name} does not have a host assigned`);
  const node = await registry.get(nodeKind, '', nodeName).catch((e: unknown) => {
    if (e instanceof StatusError && e.code === 404) throw status(503, 'ServiceUnavailable', `node "${nodeName}" of pod ${p.name} not found`);
    throw e;
  });
  const { host, port } = nodeEndpoint(node);
  const enc = encodeURIComponent;
  const base = `${enc(p.namespace)}/${enc(p.name)}`;
  const out = new URLSearchParams();
  let path: string;
  switch (p.subresource) {
    case 'log': {
      const c = chooseContainer(pod, q.get('container') ?? '');
      for (const k of LOG_PARAMS) { const v = q.get(k); if (v !== null && k !== 'insecureSkipTLSVerifyBackend') out.set(k, v); }
      path = `/containerLogs/${base}/${enc(c)}`;
      break;
    }
    case 'exec': case 'attach': {
      const c = chooseContainer(pod, q.get('container') ?? '');
      for (const [k, v] of q) if (k !== 'container') out.append(k, v);
      path = `/${p.subresource}/${base}/${enc(c)}`;
      break;
    }
    default:
      for (const [k, v] of q) out.append(k, v);
      path = `/portForward/${base}`;
  }
  const qs = out.toString();
  return { host, port, path: qs ? `${path}?${qs}` : path };
}

/** CLIENT_DRAIN_MS bounds how long a closed agent connection's remaining output may take to reach the client. */
const CLIENT_DRAIN_MS = 30_000;
const DIAL_TIMEOUT_MS = 10_000;

/** proxyHttp relays a plain request (e.g. logs) to the agent and streams its answer back. */
export function proxyHttp(req: IncomingMessage, res: ServerResponse, target: KubeletTarget, tls: KubeletClientTls): Promise<void> {
  return new Promise((resolve) => {
    const up = httpsRequest({
      host: target.host, port: target.port, path: target.path, method: req.method ?? 'GET',
      ca: tls.caCert, cert: tls.cert, key: tls.key, timeout: DIAL_TIMEOUT_MS, agent: false,
      headers: { Accept: req.headers.accept ?? '*/*' },
    });
    up.on('timeout', () => up.destroy(new Error('timed out')));
    up.on('error', (e: Error) => {
      if (!res.headersSent) {
        const body = JSON.stringify(status(502, 'InternalError', `error dialing the node agent at ${target.host}:${target.port}: ${e.message}`).status);
        res.writeHead(502, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      } else res.destroy();
      resolve();
    });
    up.on('response', (ur: IncomingMessage) => {
      up.setTimeout(0);
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'content-length']) { const v = ur.headers[h]; if (typeof v === 'string') headers[h] = v; }
      res.writeHead(ur.statusCode ?? 502, headers);
      if (typeof res.flushHeaders === 'function') res.flushHeaders();
      ur.pipe(res);
      ur.once('end', () => resolve());
      ur.once('error', () => { res.destroy(); resolve(); });
      res.once('close', () => { ur.destroy(); up.destroy(); resolve(); });
    });
    up.end();
  });
}

const FORWARDED_UPGRADE_HEADERS = ['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'x-stream-protocol-version'];

/** writeUpgradeError answers an upgrade request on its raw socket with a Status. */
export function writeUpgradeError(socket: Duplex, e: StatusError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(e.status);
  socket.end(`HTTP/1.1 ${e.code} ${e.status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** proxyUpgrade writes the upgrade request to the agent and then pipes both raw sockets until either side closes. */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: KubeletTarget, tls: KubeletClientTls): Promise<void> {
  return new Promise((resolve) => {
    const lines = [`${req.method ?? 'GET'} ${target.path} HTTP/1.1`, `Host: ${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (FORWARDED_UPGRADE_HEADERS.includes(req.rawHeaders[i].toLowerCase())) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    lines.push('Content-Length: 0', '', '');
    let settled = false;
    const up: TLSSocket = tlsConnect({ host: target.host, port: target.port, ca: tls.caCert, cert: tls.cert, key: tls.key, ALPNProtocols: ['http/1.1'], ...(/^[\d.]+$|:/.test(target.host) ? {} : { servername: target.host }) });
    const finish = (): void => { if (settled) return; settled = true; resolve(); };
    // The client going away drops the agent connection at once. The agent closing first must not
    // cut what is still queued for a slow client (the tail of `kubectl cp`, the exit status):
    // the client socket is ended — it flushes, then closes — and destroyed only if it never drains.
    const drainClient = (): void => {
      if (socket.destroyed) { finish(); return; }
      const t = setTimeout(() => socket.destroy(), CLIENT_DRAIN_MS);
      t.unref();
      socket.once('close', () => { clearTimeout(t); finish(); });
      if (!socket.writableEnded) socket.end();
    };
    const timer = setTimeout(() => { up.destroy(new Error('timed out')); }, DIAL_TIMEOUT_MS);
    let connected = false;
    up.once('secureConnect', () => {
      connected = true;
      clearTimeout(timer);
      up.write(lines.join('\r\n'));
      if (head.length > 0) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', (e: Error) => {
      clearTimeout(timer);
      if (!connected) {
        writeUpgradeError(socket, status(502, 'InternalError', `error dialing the node agent at ${target.host}:${target.port}: ${e.message}`));
        finish();
      }
    });
    up.once('close', () => { clearTimeout(timer); if (connected) drainClient(); });
    socket.on('error', () => socket.destroy());
    socket.once('close', () => { up.destroy(); finish(); });
  });
}
