/**
 * @module agent/streaming/portforward — the server side of `pods/portforward`: SPDY/3.1
 * (`portforward.k8s.io`: per forwarded connection an `error` and a `data` stream carrying `port`
 * and `requestid` headers), the same SPDY session tunnelled in WebSocket binary messages
 * (subprotocol `SPDY/3.1+portforward.k8s.io`, kubectl 1.31+), and plain WebSocket channels
 * (`?ports=80,443`: channel 2i carries port i's data, 2i+1 its errors; the server's first frame on
 * each channel is the port as a little-endian uint16; v5's `[255, 2i]` half-closes port i).
 * Every forwarded connection is handed to a backend that opens the pod-side connection.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream } from 'ws';
import { SpdySession, type SpdyStream } from './spdy.ts';
import { acceptSpdy, acceptWebSocket, headerValues, rejectUpgrade, upgradeKind } from './upgrade.ts';
import { closeWs } from './remotecommand.ts';

/** PortForwardBackend opens the pod-side connection of one forwarded connection. */
export type PortForwardBackend = (port: number) => Promise<Duplex>;

/** SPDY_TUNNEL_PROTOCOL is the WebSocket subprotocol of SPDY tunnelled in WebSocket. */
export const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
const WS_CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
const WS_PROTOCOLS = [SPDY_TUNNEL_PROTOCOL, ...WS_CHANNEL_PROTOCOLS, 'v5.channel.k8s.io'];

/** portsFromQuery reads `ports` (repeated or comma-separated); undefined when one is not a valid port. */
export function portsFromQuery(q: URLSearchParams): number[] | undefined {
  const out: number[] = [];
  for (const v of q.getAll('ports')) {
    for (const p of v.split(',')) {
      if (!p.trim()) continue;
      const n = Number(p.trim());
      if (!Number.isInteger(n) || n < 1 || n > 65535) return undefined;
      out.push(n);
    }
  }
  return out;
}

/** pipeBoth joins a client-side stream and the backend connection, half-closing each way; resolves when both directions are done. */
export function pipeBoth(client: Duplex, backend: Duplex): Promise<void> {
  return new Promise((resolve) => {
    let done = 0;
    const finish = (): void => { if (++done === 2) resolve(); };
    const fail = (): void => { if (!client.destroyed) client.destroy(); if (!backend.destroyed) backend.destroy(); resolve(); };
    client.on('data', (c: Buffer) => { if (!backend.write(c)) client.pause(); });
    backend.on('drain', () => client.resume());
    client.once('end', () => { backend.end(); finish(); });
    backend.on('data', (c: Buffer) => { if (!client.write(c)) backend.pause(); });
    client.on('drain', () => backend.resume());
    backend.once('end', () => { client.end(); finish(); });
    backend.once('error', fail);
    client.once('error', fail);
    backend.once('close', () => { if (!backend.readableEnded) fail(); });
    client.once('close', () => { if (!client.readableEnded) fail(); });
  });
}

/** PortForwardMode names how a port-forward connection was served. */
export type PortForwardMode = 'spdy' | 'websocket-spdy' | 'websocket-channels';

/** acceptPortForward serves one port-forward upgrade request until the client goes away; `onMode` hears the negotiated mode. */
export async function acceptPortForward(req: IncomingMessage, socket: Duplex, head: Buffer, q: URLSearchParams, backend: PortForwardBackend, onMode?: (m: PortForwardMode) => void): Promise<void> {
  const kind = upgradeKind(req);
  if (kind === 'spdy') {
    const offered = headerValues(req, 'x-stream-protocol-version');
    if (offered.length > 0 && !offered.includes('portforward.k8s.io')) {
      rejectUpgrade(socket, { code: 403, reason: 'Forbidden', message: `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ["portforward.k8s.io"]` });
      return;
    }
    acceptSpdy(socket, head, offered.length > 0 ? 'portforward.k8s.io' : undefined);
    onMode?.('spdy');
    await serveSpdy(socket, backend);
    return;
  }
  if (kind !== 'websocket') {
    rejectUpgrade(socket, { code: 400, reason: 'BadRequest', message: 'Upgrade request required' });
    return;
  }
  const ports = portsFromQuery(q);
  const got = acceptWebSocket(req, socket, head, WS_PROTOCOLS);
  if (!got) return;
  if (got.protocol === SPDY_TUNNEL_PROTOCOL) {
    const tunnel = createWebSocketStream(got.ws, { allowHalfOpen: false });
    tunnel.on('error', () => undefined);
    onMode?.('websocket-spdy');
    await serveSpdy(tunnel, backend);
    return;
  }
  onMode?.('websocket-channels');
  await serveChannels(got.ws, ports ?? [], backend);
}

function serveSpdy(transport: Duplex, backend: PortForwardBackend): Promise<void> {
  return new Promise((resolve) => {
    const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
    const conns = new Set<Duplex>();
    const session = new SpdySession(transport, {
      role: 'server',
      onStream: (s) => {
        const type = s.headers.streamtype;
        const key = s.headers.requestid ?? s.headers.port ?? '';
        const pair = pairs.get(key) ?? {};
        pairs.set(key, pair);
        if (type === 'error') { pair.error = s; s.resume(); } else if (type === 'data') pair.data = s;
        else { s.destroy(); return; }
        if (pair.error && pair.data) {
          pairs.delete(key);
          void forward(pair.error, pair.data, backend, conns);
        }
      },
    });
    // The client is gone: its streams only end, so drop the pod connections they fed.
    session.once('close', () => { for (const c of conns) c.destroy(); resolve(); });
  });
}

async function forward(error: SpdyStream, data: SpdyStream, backend: PortForwardBackend, conns: Set<Duplex>): Promise<void> {
  const port = Number(data.headers.port);
  let conn: Duplex;
  try {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port "${data.headers.port ?? ''}"`);
    conn = await backend(port);
  } catch (e) {
    error.end(`error forwarding port ${port}: ${(e as Error).message}`);
    data.end();
    return;
  }
  conn.on('error', (e: Error) => { if (!error.writableEnded && !error.destroyed) error.write(`error forwarding port ${port}: ${e.message}`); });
  conns.add(conn);
  await pipeBoth(data, conn);
  conns.delete(conn);
  if (!error.destroyed && !error.writableEnded) error.end();
}

async function serveChannels(ws: import('ws').WebSocket, ports: readonly number[], backend: PortForwardBackend): Promise<void> {
  const conns: (Duplex | undefined)[] = [];
  const send = (ch: number, data: Buffer): void => { if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.of(ch), data])); };
  const pending: Buffer[][] = ports.map(() => []);
  ws.on('message', (m: Buffer) => {
    if (m.length === 0) return;
    const ch = m[0];
    if (ch === 255 && m.length > 1 && m[1] % 2 === 0) { conns[m[1] / 2]?.end(); return; }
    if (ch % 2 !== 0 || ch / 2 >= ports.length) return;
    const i = ch / 2;
    const c = conns[i];
    if (c) c.write(m.subarray(1)); else pending[i].push(m.subarray(1));
  });
  ws.on('error', () => undefined);
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  const done = ports.map(async (port, i) => {
    const le = Buffer.alloc(2);
    le.writeUInt16LE(port, 0);
    send(2 * i, le);
    send(2 * i + 1, le);
    try {
      const c = await backend(port);
      conns[i] = c;
      for (const b of pending[i]) c.write(b);
      c.on('data', (d: Buffer) => send(2 * i, d));
      c.on('error', (e: Error) => send(2 * i + 1, Buffer.from(`error forwarding port ${port}: ${e.message}`)));
      await new Promise<void>((r) => { c.once('close', () => r()); void closed.then(() => { c.destroy(); r(); }); });
    } catch (e) {
      send(2 * i + 1, Buffer.from(`error forwarding port ${port}: ${(e as Error).message}`));
    }
  });
  await Promise.race([Promise.all(done), closed]);
  await closeWs(ws);
}
