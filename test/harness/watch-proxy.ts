/**
 * @module test/harness/watch-proxy — a plain-HTTP reverse proxy on 127.0.0.1 in front of the real
 * HTTPS server (it adds the admin credentials), used to interrupt a client's watch *cleanly*: it can
 * end every open watch response with a proper end of the chunked body (what a server-side watch
 * timeout looks like, so an informer re-watches from its last resourceVersion instead of failing),
 * hold new watch requests while the test writes, and release them later. Every request is logged
 * with its status and, for watches, whether an ERROR event with code 410 came back.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Credentials } from './kubeconfig.ts';
import { makeAgent } from './client.ts';

/** ProxiedRequest is one logged request. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly watch: boolean;
  status?: number;
  /** saw410: a watch stream carried an ERROR event with code 410 (or the answer was HTTP 410). */
  saw410?: boolean;
}

/** WatchProxy is a running proxy. */
export interface WatchProxy {
  /** url: http://127.0.0.1:PORT, for a kubeconfig with insecure-skip-tls-verify (client-node needs it for http). */
  readonly url: string;
  readonly log: ProxiedRequest[];
  /** hold: from now on, new watch requests wait (unanswered) until release(). */
  hold(): void;
  /** release forwards the held watch requests and stops holding. */
  release(): void;
  /** heldCount is the number of watch requests waiting. */
  heldCount(): number;
  /** endWatches ends every open watch response cleanly; resolves with how many were ended. */
  endWatches(): number;
  close(): Promise<void>;
}

/** startWatchProxy listens on a free loopback port and forwards to `target` with its credentials. */
export async function startWatchProxy(target: Credentials): Promise<WatchProxy> {
  const agent = makeAgent(target, { keepAlive: true, maxSockets: 32 });
  const base = new URL(target.server);
  const log: ProxiedRequest[] = [];
  const open = new Set<ServerResponse>();
  let holding = false;
  let held: (() => void)[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, entry: ProxiedRequest): void => {
    const headers = { ...req.headers, host: base.host };
    delete headers.connection;
    const up = httpsRequest({ protocol: 'https:', hostname: base.hostname, port: base.port, method: req.method, path: req.url, headers, agent }, (upRes) => {
      entry.status = upRes.statusCode;
      if (upRes.statusCode === 410) entry.saw410 = true;
      const h = { ...upRes.headers };
      delete h.connection;
      delete h['content-length'];
      delete h['transfer-encoding'];
      res.writeHead(upRes.statusCode ?? 502, h);
      if (entry.watch) {
        open.add(res);
        res.flushHeaders();
      }
      upRes.on('data', (d: Buffer) => {
        if (entry.watch && /"type":"ERROR"/.test(d.toString()) && /"code":410/.test(d.toString())) entry.saw410 = true;
        if (!res.writableEnded) res.write(d);
      });
      upRes.on('end', () => { open.delete(res); if (!res.writableEnded) res.end(); });
      upRes.on('error', () => { open.delete(res); res.destroy(); });
      res.on('close', () => { open.delete(res); upRes.destroy(); });
    });
    up.on('error', (e) => {
      entry.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`proxy: ${e.message}`);
    });
    up.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const watch = /[?&]watch=(true|1)\b/.test(req.url ?? '');
      const entry: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', watch };
      log.push(entry);
      const go = (): void => forward(req, res, Buffer.concat(chunks), entry);
      if (watch && holding) held.push(go);
      else go();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    hold() { holding = true; },
    release() {
      holding = false;
      const go = held;
      held = [];
      for (const f of go) f();
    },
    heldCount: () => held.length,
    endWatches() {
      const n = open.size;
      for (const res of open) res.end();
      open.clear();
      return n;
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}
