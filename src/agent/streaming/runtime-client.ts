/**
 * @module agent/streaming/runtime-client — the SPDY client side of the runtime's streaming server
 * (CRI Exec/Attach/PortForward URLs, e.g. containerd's on 127.0.0.1): upgrades with
 * `X-Stream-Protocol-Version` `v4.channel.k8s.io` (exec/attach; streams error, stdin, stdout,
 * stderr, resize) or `portforward.k8s.io` (an error + data stream pair with `port`/`requestid`
 * headers per forwarded connection).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { SpdySession, type SpdyStream } from './spdy.ts';
import type { CommandResult, StreamOptions, TerminalSize } from './remotecommand.ts';

/** dialSpdy upgrades `url` to SPDY/3.1 offering `protocols`; resolves the client session and the chosen protocol. */
export function dialSpdy(url: string, protocols: readonly string[], timeoutMs = 30_000): Promise<{ session: SpdySession; protocol: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': [...protocols], 'Content-Length': 0 },
      ...(u.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
      timeout: timeoutMs,
    });
    req.on('timeout', () => req.destroy(new Error(`timed out connecting to ${u.host}`)));
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(new Error(`runtime streaming server answered ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').trim()}`)));
    });
    req.on('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.setTimeout(0);
      if (head.length > 0) socket.unshift(head);
      const protocol = String(res.headers['x-stream-protocol-version'] ?? '');
      resolve({ session: new SpdySession(socket, { role: 'client' }), protocol });
    });
    req.end();
  });
}

/** readAll collects a readable's bytes until it ends (or is destroyed). */
export function readAll(r: Readable): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.once('end', () => resolve(Buffer.concat(chunks)));
    r.once('close', () => resolve(Buffer.concat(chunks)));
    r.once('error', () => resolve(Buffer.concat(chunks)));
  });
}

/** parseStatusResult reads the v4 error-stream content: empty or Success → exit 0, NonZeroExitCode → its code, else an error message. */
export function parseStatusResult(text: string): CommandResult {
  if (text.trim() === '') return { exitCode: 0 };
  try {
    const s = JSON.parse(text) as { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } };
    if (s.status === 'Success') return { exitCode: 0 };
    if (s.reason === 'NonZeroExitCode') {
      const c = s.details?.causes?.find((x) => x.reason === 'ExitCode');
      const code = Number(c?.message);
      if (Number.isInteger(code)) return { exitCode: code };
    }
    return { error: s.message ?? text };
  } catch {
    return { error: text };
  }
}

/** RuntimeCommand is a running exec/attach on the runtime's streaming server. */
export interface RuntimeCommand {
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  resize(size: TerminalSize): void;
  /** result resolves with the exit status once the error stream ended. */
  readonly result: Promise<CommandResult>;
  close(): void;
}

/** dialRemoteCommand connects to an exec/attach URL of the runtime and opens the requested streams. */
export async function dialRemoteCommand(url: string, opts: StreamOptions): Promise<RuntimeCommand> {
  const { session } = await dialSpdy(url, ['v4.channel.k8s.io']);
  try {
    const error = await session.openStream({ streamtype: 'error' });
    error.end();
    const result = readAll(error).then((b) => parseStatusResult(b.toString('utf8')));
    const open = async (on: boolean, type: string): Promise<SpdyStream | null> => on ? session.openStream({ streamtype: type }) : null;
    const stdin = await open(opts.stdin, 'stdin');
    const stdout = await open(opts.stdout, 'stdout');
    const stderr = await open(opts.stderr && !opts.tty, 'stderr');
    const resizeStream = await open(opts.tty, 'resize');
    for (const s of [stdout, stderr]) s?.end();
    resizeStream?.resume();
    return {
      stdin, stdout, stderr, result,
      resize(size) { if (resizeStream && !resizeStream.destroyed) resizeStream.write(JSON.stringify({ Width: size.width, Height: size.height })); },
      close() { session.destroy(); },
    };
  } catch (e) {
    session.destroy();
    throw e;
  }
}

/** PortForwardClient opens forwarded connections over one runtime port-forward session. */
export interface PortForwardClient {
  /** connect opens a connection to `port` in the pod; the Duplex is destroyed with the runtime's error message when it reports one. */
  connect(port: number): Promise<Duplex>;
  close(): void;
  readonly closed: boolean;
}

/** dialPortForward connects to a port-forward URL of the runtime. */
export async function dialPortForward(url: string): Promise<PortForwardClient> {
  const { session } = await dialSpdy(url, ['portforward.k8s.io']);
  let requestId = 0;
  return {
    get closed() { return session.closed; },
    async connect(port) {
      const id = String(requestId++);
      const error = await session.openStream({ streamtype: 'error', port: String(port), requestid: id });
      error.end();
      const data = await session.openStream({ streamtype: 'data', port: String(port), requestid: id });
      void readAll(error).then((b) => {
        const msg = b.toString('utf8').trim();
        if (msg && !data.destroyed) data.destroy(new Error(msg));
      });
      return data;
    },
    close() { session.destroy(); },
  };
}
