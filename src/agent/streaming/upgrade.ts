/**
 * @module agent/streaming/upgrade — HTTP upgrade plumbing on raw sockets: answering an upgrade
 * request with an error Status, the SPDY/3.1 `101` answer, and a hand-made WebSocket handshake
 * (RFC 6455 accept key) that hands the socket to the `ws` package with `setSocket`, so that
 * subprotocol tokens the `ws` server rejects (`SPDY/3.1+portforward.k8s.io`) still work.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** StatusLike is the metav1.Status shape written in error answers. */
export interface StatusLike {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
}

const REASON_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** statusBody is the metav1.Status JSON of a failure. */
export function statusBody(s: StatusLike): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: s.message, reason: s.reason, code: s.code });
}

/** rejectUpgrade answers an upgrade request on its raw socket with an HTTP error and a Status body, then ends the socket. */
export function rejectUpgrade(socket: Duplex, s: StatusLike): void {
  if (socket.destroyed) return;
  const body = statusBody(s);
  socket.end(`HTTP/1.1 ${s.code} ${REASON_TEXT[s.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** headerValues splits a (possibly repeated, comma-joined) header into trimmed values. */
export function headerValues(req: IncomingMessage, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() !== name) continue;
    for (const v of req.rawHeaders[i + 1].split(',')) if (v.trim()) out.push(v.trim());
  }
  return out;
}

/** upgradeKind says which upgrade an HTTP request asks for. */
export function upgradeKind(req: IncomingMessage): 'websocket' | 'spdy' | 'none' {
  const u = String(req.headers.upgrade ?? '').toLowerCase();
  if (u === 'websocket') return 'websocket';
  if (u.startsWith('spdy/3.1')) return 'spdy';
  return 'none';
}

/** acceptSpdy writes the `101 Switching Protocols` answer for SPDY/3.1 (with the chosen stream protocol) and puts `head` back in front of the socket's data. */
export function acceptSpdy(socket: Duplex, head: Buffer, protocol: string | undefined): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${protocol ? `X-Stream-Protocol-Version: ${protocol}\r\n` : ''}\r\n`);
  if (head.length > 0) socket.unshift(head);
}

interface SettableWebSocket {
  setSocket(socket: Duplex, head: Buffer, opts: { allowSynchronousEvents: boolean; maxPayload: number; skipUTF8Validation: boolean }): void;
}

/** acceptWebSocket completes a WebSocket handshake by hand, choosing the first subprotocol the client offers that `pick` accepts
 * (none → `undefined` protocol when the client offered none, else a 400); resolves the open socket, or undefined after answering an error. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, supported: readonly string[]): { ws: WebSocket; protocol: string } | undefined {
  const key = String(req.headers['sec-websocket-key'] ?? '');
  if (!/^[+/0-9A-Za-z]{22}==$/.test(key) || String(req.headers['sec-websocket-version'] ?? '') !== '13') {
    rejectUpgrade(socket, { code: 400, reason: 'BadRequest', message: 'invalid WebSocket handshake' });
    return undefined;
  }
  const offered = headerValues(req, 'sec-websocket-protocol');
  let protocol = '';
  if (offered.length > 0) {
    protocol = offered.find((p) => supported.includes(p)) ?? '';
    if (!protocol) {
      rejectUpgrade(socket, { code: 400, reason: 'BadRequest', message: `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(supported)}` });
      return undefined;
    }
  }
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`,
    ...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []), '', ''].join('\r\n'));
  const ws = new (WebSocket as unknown as new (address: null, protocols: undefined, opts: { autoPong: boolean }) => WebSocket)(null, undefined, { autoPong: true });
  (ws as unknown as SettableWebSocket).setSocket(socket, head, { allowSynchronousEvents: true, maxPayload: 256 * 1024 * 1024, skipUTF8Validation: false });
  return { ws, protocol };
}
