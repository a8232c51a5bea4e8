/**
 * @module agent/streaming/remotecommand — the server side of Kubernetes' remote command protocols
 * (exec and attach). From an upgrade request it negotiates WebSocket channels
 * (`v5.channel.k8s.io`, `v4.channel.k8s.io`, `v3`/`v2`, `channel.k8s.io`, `base64.channel.k8s.io`)
 * or SPDY/3.1 (`X-Stream-Protocol-Version` v5 … `channel.k8s.io`, streams named by their
 * `streamtype` header) and yields one session shape: stdin/stdout/stderr streams, terminal resize
 * events and `finish`, which sends the exit status (a metav1.Status JSON on v4+, the error text
 * before) and closes.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import { SpdySession, type SpdyStream } from './spdy.ts';
import { acceptSpdy, acceptWebSocket, headerValues, rejectUpgrade, upgradeKind } from './upgrade.ts';

/** WS_PROTOCOLS are the WebSocket subprotocols served, best first. */
export const WS_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'] as const;
/** SPDY_PROTOCOLS are the remote command versions served over SPDY. */
export const SPDY_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;

/** StreamOptions: which streams the client asked for (query `stdin`/`input`, `stdout`/`output`, `stderr`/`error`, `tty`). */
export interface StreamOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

/** TerminalSize is one resize event. */
export interface TerminalSize { readonly width: number; readonly height: number }

/** CommandResult ends a session: the exit code, or an error message (the command could not run). */
export type CommandResult = { readonly exitCode: number } | { readonly error: string };

/** RemoteCommandSession is a negotiated exec/attach connection. */
export interface RemoteCommandSession {
  readonly transport: 'websocket' | 'spdy';
  readonly protocol: string;
  readonly tty: boolean;
  readonly stdin: Readable | null;
  readonly stdout: Writable | null;
  readonly stderr: Writable | null;
  /** resize emits 'resize' with a TerminalSize. */
  readonly resize: EventEmitter;
  /** lastSize is the latest size received (sizes may arrive before anyone listens). */
  readonly lastSize: TerminalSize | undefined;
  /** closed resolves when the client connection is gone. */
  readonly closed: Promise<void>;
  /** finish sends the result and closes the connection (idempotent). */
  finish(result: CommandResult): Promise<void>;
}

function flag(q: URLSearchParams, ...names: string[]): boolean {
  return names.some((n) => { const v = q.get(n); return v === 'true' || v === '1'; });
}

/** streamOptionsFromQuery reads the stream flags of an exec/attach query (kubelet's and the API's names); stderr is dropped with a tty. */
export function streamOptionsFromQuery(q: URLSearchParams): StreamOptions {
  const tty = flag(q, 'tty');
  return { stdin: flag(q, 'stdin', 'input'), stdout: flag(q, 'stdout', 'output'), stderr: !tty && flag(q, 'stderr', 'error'), tty };
}

/** statusJson is the metav1.Status the v4+ protocols send at the end. */
export function statusJson(result: CommandResult): string {
  if ('error' in result) return JSON.stringify({ metadata: {}, status: 'Failure', message: result.error, reason: 'InternalError', code: 500 });
  if (result.exitCode === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
  return JSON.stringify({
    metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [...], exit code ${result.exitCode}`,
    reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(result.exitCode) }] },
  });
}

function legacyErrorText(result: CommandResult): string {
  if ('error' in result) return result.error;
  return result.exitCode === 0 ? '' : `command terminated with non-zero exit code: ${result.exitCode}`;
}

/** JsonObjectSplitter yields the JSON objects of a byte stream of concatenated objects. */
export class JsonObjectSplitter {
  private text = '';
  /** push adds text and returns the complete objects parsed (invalid ones are skipped). */
  push(chunk: string): unknown[] {
    this.text += chunk;
    const out: unknown[] = [];
    let depth = 0; let start = -1; let inStr = false; let esc = false; let consumed = 0;
    for (let i = 0; i < this.text.length; i++) {
      const c = this.text[i];
      if (inStr) { if (esc) esc = false; else if (c === '\\') esc = true; else if (c === '"') inStr = false; continue; }
      if (c === '"') inStr = true;
      else if (c === '{') { if (depth === 0) start = i; depth++; }
      else if (c === '}' && depth > 0) {
        depth--;
        if (depth === 0) {
          try { out.push(JSON.parse(this.text.slice(start, i + 1))); } catch { /* skip */ }
          consumed = i + 1;
        }
      }
    }
    this.text = this.text.slice(consumed);
    return out;
  }
}

/** sizeEmitter is an EventEmitter that remembers the last 'resize' it emitted. */
function sizeEmitter(): EventEmitter & { lastSize: TerminalSize | undefined } {
  const e = new EventEmitter() as EventEmitter & { lastSize: TerminalSize | undefined };
  e.lastSize = undefined;
  e.on('resize', (s: TerminalSize) => { e.lastSize = s; });
  return e;
}

function toSize(v: unknown): TerminalSize | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const width = Number(o.Width ?? o.width); const height = Number(o.Height ?? o.height);
  return Number.isFinite(width) && Number.isFinite(height) ? { width, height } : undefined;
}

/** acceptRemoteCommand negotiates the protocol of an exec/attach upgrade request; undefined after it answered an error. */
export async function acceptRemoteCommand(req: IncomingMessage, socket: Duplex, head: Buffer, opts: StreamOptions & { streamTimeoutMs?: number }): Promise<RemoteCommandSession | undefined> {
  const kind = upgradeKind(req);
  if (kind === 'websocket') return acceptWs(req, socket, head, opts);
  if (kind === 'spdy') return acceptSpdySession(req, socket, head, opts, opts.streamTimeoutMs ?? 30_000);
  rejectUpgrade(socket, { code: 400, reason: 'BadRequest', message: 'Upgrade request required' });
  return undefined;
}

function acceptWs(req: IncomingMessage, socket: Duplex, head: Buffer, opts: StreamOptions): RemoteCommandSession | undefined {
  const got = acceptWebSocket(req, socket, head, WS_PROTOCOLS);
  if (!got) return undefined;
  const { ws } = got;
  const protocol = got.protocol || 'channel.k8s.io';
  const base64 = protocol === 'base64.channel.k8s.io';
  const v5 = protocol === 'v5.channel.k8s.io';
  const resize = sizeEmitter();
  const stdin = opts.stdin ? new PassThrough() : null;
  const splitter = new JsonObjectSplitter();
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => { closedResolve = r; });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    let ch: number; let payload: Buffer;
    if (base64 && !isBinary) {
      const text = data.toString('latin1');
      if (text.length === 0) return;
      ch = text.charCodeAt(0) - 48;
      payload = Buffer.from(text.slice(1), 'base64');
    } else {
      if (data.length === 0) return;
      ch = data[0];
      payload = data.subarray(1);
    }
    if (ch === 0 && stdin && !stdin.writableEnded) stdin.write(payload);
    else if (ch === 4) for (const o of splitter.push(payload.toString('utf8'))) { const s = toSize(o); if (s) resize.emit('resize', s); }
    else if (ch === 255 && v5 && payload[0] === 0 && stdin && !stdin.writableEnded) stdin.end();
  });
  ws.on('close', () => { if (stdin && !stdin.writableEnded) stdin.end(); closedResolve(); });
  ws.on('error', () => undefined);
  const send = (ch: number, data: Buffer): Promise<void> => new Promise((resolve) => {
    if (ws.readyState !== ws.OPEN) { resolve(); return; }
    const msg = base64 ? String.fromCharCode(48 + ch) + data.toString('base64') : Buffer.concat([Buffer.of(ch), data]);
    ws.send(msg, { binary: !base64 }, () => resolve());
  });
  const channelWriter = (ch: number): Writable => new Writable({ write(chunk: Buffer, _e, cb) { send(ch, chunk).then(() => cb(), cb); } });
  const stdout = opts.stdout ? channelWriter(1) : null;
  const stderr = opts.stderr && !opts.tty ? channelWriter(2) : null;
  let finishing: Promise<void> | undefined;
  return {
    transport: 'websocket', protocol, tty: opts.tty, stdin, stdout, stderr, resize, closed,
    get lastSize() { return resize.lastSize; },
    finish(result) {
      finishing ??= (async () => {
        await Promise.all([stdout, stderr].map((w) => w ? endWritable(w) : Promise.resolve()));
        const v4 = protocol === 'v4.channel.k8s.io' || v5;
        const text = v4 ? statusJson(result) : legacyErrorText(result);
        if (text) await send(3, Buffer.from(text));
        await closeWs(ws);
      })();
      return finishing;
    },
  };
}

function endWritable(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (w.writableFinished || w.destroyed) { resolve(); return; }
    w.once('finish', resolve);
    w.once('close', resolve);
    w.once('error', () => resolve());
    w.end();
  });
}

/** closeWs sends close 1000 and waits (at most 5 s) for the peer's close. */
export function closeWs(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) { resolve(); return; }
    const t = setTimeout(() => { ws.terminate(); resolve(); }, 5000);
    ws.once('close', () => { clearTimeout(t); resolve(); });
    ws.close(1000);
  });
}

async function acceptSpdySession(req: IncomingMessage, socket: Duplex, head: Buffer, opts: StreamOptions, timeoutMs: number): Promise<RemoteCommandSession | undefined> {
  const offered = headerValues(req, 'x-stream-protocol-version');
  let protocol = 'channel.k8s.io';
  if (offered.length > 0) {
    const p = offered.find((o) => (SPDY_PROTOCOLS as readonly string[]).includes(o));
    if (!p) {
      rejectUpgrade(socket, { code: 403, reason: 'Forbidden', message: `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(SPDY_PROTOCOLS)}` });
      return undefined;
    }
    protocol = p;
  }
  acceptSpdy(socket, head, offered.length > 0 ? protocol : undefined);
  const version = protocol === 'channel.k8s.io' ? 1 : Number(protocol[1]);
  const expected = new Set<string>();
  if (version >= 2) expected.add('error');
  if (opts.stdin) expected.add('stdin');
  if (opts.stdout) expected.add('stdout');
  if (opts.stderr) expected.add('stderr');
  if (opts.tty && version >= 3) expected.add('resize');
  const got = new Map<string, SpdyStream>();
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => { closedResolve = r; });
  const session = new SpdySession(socket, { role: 'server' });
  session.on('close', () => closedResolve());
  const ready = await new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs);
    const check = (): void => { if ([...expected].every((e) => got.has(e))) { clearTimeout(t); resolve(true); } };
    session.on('stream', (s: SpdyStream) => {
      const type = s.headers.streamtype ?? '';
      got.set(type, s);
      if (type === 'error' || type === 'stdout' || type === 'stderr') s.resume();
      check();
    });
    session.once('close', () => { clearTimeout(t); resolve(false); });
    check();
  });
  if (!ready) { session.destroy(); return undefined; }
  const resize = sizeEmitter();
  const rs = got.get('resize');
  if (rs) {
    const splitter = new JsonObjectSplitter();
    rs.on('data', (c: Buffer) => { for (const o of splitter.push(c.toString('utf8'))) { const s = toSize(o); if (s) resize.emit('resize', s); } });
  }
  const stdout = got.get('stdout') ?? null;
  const stderr = opts.tty ? null : got.get('stderr') ?? null;
  const errorStream = got.get('error');
  let finishing: Promise<void> | undefined;
  return {
    transport: 'spdy', protocol, tty: opts.tty, stdin: got.get('stdin') ?? null, stdout, stderr, resize, closed,
    get lastSize() { return resize.lastSize; },
    finish(result) {
      finishing ??= (async () => {
        await Promise.all([stdout, stderr].map((w) => w ? endWritable(w) : Promise.resolve()));
        if (errorStream) {
          const text = version >= 4 ? statusJson(result) : legacyErrorText(result);
          if (text) errorStream.write(text);
          await endWritable(errorStream);
        }
        // The client closes the connection once it has the status; do not wait forever.
        await Promise.race([closed, new Promise<void>((r) => { const t = setTimeout(r, 5000); void closed.then(() => clearTimeout(t)); })]);
        session.destroy();
      })();
      return finishing;
    },
  };
}
