/**
 * @module agent/streaming/spdy — a SPDY/3.1 session over any byte Duplex (TCP, TLS, or a
 * WebSocket tunnel), in either role. The server role accepts SYN_STREAMs without `:method`/`:path`
 * (Kubernetes clients send only `streamtype`, `port`, `requestid`) and answers each with a
 * SYN_REPLY; the client role opens streams and waits for their reply. Streams are node Duplexes:
 * `end()` sends a DATA frame with FIN (half-close), a peer FIN ends the readable side, RST_STREAM
 * destroys them. PINGs of the peer are echoed; GOAWAY stops new streams. There is no flow
 * control, as in the Go peers (moby/spdystream, used by kubectl and containerd): sends do not wait
 * for windows and no WINDOW_UPDATE is sent — a peer that closes its socket right after its last
 * frame would answer one with a reset that discards the tail still unread on our side. When the
 * transport goes, streams end rather than being destroyed, so what they received stays readable.
 */
import { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import {
  FLAG_FIN, FLAG_UNIDIRECTIONAL, FRAME_TYPES, FrameParser, HeaderCodec, RST_CODES, dataFrame, goAwayFrame, pingFrame,
  rstStreamFrame, synReplyFrame, synStreamFrame, type Frame, type SpdyHeaders,
} from './spdy-frames.ts';

/** SpdyRole: a server's stream ids are even, a client's odd. */
export type SpdyRole = 'server' | 'client';

const MAX_DATA = 32 * 1024;

/** SpdyStream is one SPDY stream as a Duplex; `headers` are the SYN_STREAM's (or, for streams we opened, the ones we sent). */
export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: SpdyHeaders;
  /** replyHeaders: the peer's SYN_REPLY headers (streams we opened), once replied. */
  replyHeaders: SpdyHeaders | undefined;
  private readonly session: SpdySession;
  private localFin = false;
  private remoteFin = false;

  /** constructor is internal to SpdySession. */
  constructor(session: SpdySession, id: number, headers: SpdyHeaders) {
    super({ allowHalfOpen: true });
    this.session = session;
    this.id = id;
    this.headers = headers;
  }

  override _read(): void { /* data is pushed as frames arrive */ }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.session.closed) { cb(); return; }
    if (this.localFin) { cb(new Error('write after FIN')); return; }
    this.session.sendData(this.id, chunk, false).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.localFin || this.session.closed) { cb(); return; }
    this.localFin = true;
    this.session.sendData(this.id, Buffer.alloc(0), true).then(() => { cb(); this.maybeDone(); }, cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!(this.localFin && this.remoteFin)) this.session.reset(this.id, RST_CODES.CANCEL);
    this.session.forget(this.id);
    cb(err);
  }

  /** onData is called by the session for a DATA frame. */
  onData(data: Buffer, fin: boolean): void {
    if (this.remoteFin) return;
    if (data.length > 0) this.push(data);
    if (fin) this.onRemoteFin();
  }

  /** onRemoteFin ends the readable side. */
  onRemoteFin(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    this.push(null);
    this.maybeDone();
  }

  /** onSessionGone: the transport is gone — data already received stays readable to its end; writes from now on are discarded (the writer's own end() completes the stream). */
  onSessionGone(): void {
    this.localFin = true;
    this.onRemoteFin();
  }

  /** markLocalFin records that no data may be sent (unidirectional stream or FIN on SYN). */
  markLocalFin(): void { this.localFin = true; }

  /** onReset: the peer reset the stream. */
  onReset(): void {
    this.localFin = true;
    this.remoteFin = true;
    if (!this.readableEnded) this.push(null);
    this.destroy();
  }

  private maybeDone(): void {
    if (this.localFin && this.remoteFin) this.session.forget(this.id);
  }
}

/** SpdySessionOptions: the role and, for servers, the handler of new streams (already replied to). */
export interface SpdySessionOptions {
  readonly role: SpdyRole;
  readonly onStream?: (stream: SpdyStream) => void;
}

/** SpdySession speaks SPDY/3.1 over `transport`; emits 'stream' (server role), 'close' once the transport is gone. */
export class SpdySession extends EventEmitter {
  private readonly transport: Duplex;
  private readonly role: SpdyRole;
  private readonly codec = new HeaderCodec();
  private readonly parser = new FrameParser();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly pending = new Map<number, { resolve: (h: SpdyHeaders) => void; reject: (e: Error) => void }>();
  private readonly pings = new Map<number, () => void>();
  private nextStreamId: number;
  private nextPingId: number;
  private lastRemoteStream = 0;
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private goneAway = false;
  closed = false;

  /** constructor starts reading frames from `transport` at once. */
  constructor(transport: Duplex, opts: SpdySessionOptions) {
    super();
    this.transport = transport;
    this.role = opts.role;
    this.nextStreamId = opts.role === 'client' ? 1 : 2;
    this.nextPingId = opts.role === 'client' ? 1 : 2;
    if (opts.onStream) this.on('stream', opts.onStream);
    transport.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try { frames = this.parser.push(chunk); } catch (e) { this.destroy(e as Error); return; }
      for (const f of frames) this.inbound = this.inbound.then(() => this.handle(f)).catch((e: unknown) => this.destroy(e as Error));
    });
    transport.on('end', () => { this.inbound = this.inbound.then(() => this.destroy()); });
    transport.on('close', () => { this.inbound = this.inbound.then(() => this.destroy()); });
    // A failed write destroys the socket; frames already parsed are still delivered first.
    transport.on('error', (e: Error) => { this.inbound = this.inbound.then(() => this.destroy(e)); });
  }

  /** openStream (client role, or server push) sends SYN_STREAM with `headers` and resolves once the peer replied. */
  async openStream(headers: SpdyHeaders, opts: { fin?: boolean } = {}): Promise<SpdyStream> {
    if (this.closed || this.goneAway) throw new Error('SPDY session is closed');
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const s = new SpdyStream(this, id, headers);
    if (opts.fin) { s.markLocalFin(); s.end(); }
    this.streams.set(id, s);
    const replied = new Promise<SpdyHeaders>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    await this.enqueue(async () => synStreamFrame(id, opts.fin ? FLAG_FIN : 0, await this.codec.compress(headers)));
    s.replyHeaders = await replied;
    return s;
  }

  /** ping sends a PING and resolves when it is echoed. */
  ping(): Promise<void> {
    const id = this.nextPingId;
    this.nextPingId += 2;
    return new Promise<void>((resolve, reject) => {
      this.pings.set(id, resolve);
      this.enqueue(() => pingFrame(id)).catch(reject);
    });
  }

  /** goAway tells the peer no more streams will be accepted. */
  goAway(): void {
    if (this.closed || this.goneAway) return;
    this.goneAway = true;
    void this.enqueue(() => goAwayFrame(this.lastRemoteStream)).catch(() => undefined);
  }

  /** close sends GOAWAY, then ends the transport once queued frames are written. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.goAway();
    await this.outbound.catch(() => undefined);
    this.transport.end();
  }

  /** destroy drops the transport; its streams end (what they already received stays readable, so a slow reader loses no tail) and pending opens fail. */
  destroy(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) p.reject(err ?? new Error('SPDY session closed'));
    this.pending.clear();
    for (const s of [...this.streams.values()]) s.onSessionGone();
    this.streams.clear();
    this.codec.close();
    if (!this.transport.destroyed) this.transport.destroy();
    this.emit('close', err);
  }

  /** sendData writes a DATA frame (split into frames of at most 32 KiB); resolves once handed to the transport. */
  async sendData(id: number, data: Buffer, fin: boolean): Promise<void> {
    if (data.length <= MAX_DATA) { await this.enqueue(() => dataFrame(id, fin ? FLAG_FIN : 0, data)); return; }
    for (let off = 0; off < data.length; off += MAX_DATA) {
      const last = off + MAX_DATA >= data.length;
      await this.enqueue(() => dataFrame(id, last && fin ? FLAG_FIN : 0, data.subarray(off, off + MAX_DATA)));
    }
  }

  /** reset sends RST_STREAM (best effort). */
  reset(id: number, code: number): void {
    if (this.closed) return;
    void this.enqueue(() => rstStreamFrame(id, code)).catch(() => undefined);
  }

  /** forget drops a finished stream. */
  forget(id: number): void { this.streams.delete(id); }

  /** streamCount is the number of open streams. */
  get streamCount(): number { return this.streams.size; }

  private enqueue(build: () => Buffer | Promise<Buffer>): Promise<void> {
    const p = this.outbound.then(async () => {
      if (this.closed) throw new Error('SPDY session closed');
      const buf = await build();
      if (this.transport.destroyed || this.transport.writableEnded) throw new Error('SPDY transport closed');
      if (!this.transport.write(buf)) {
        await new Promise<void>((resolve) => {
          const done = (): void => { this.transport.off('drain', done); this.transport.off('close', done); resolve(); };
          this.transport.on('drain', done);
          this.transport.on('close', done);
        });
      }
    });
    this.outbound = p.catch(() => undefined);
    return p;
  }

  private async handle(f: Frame): Promise<void> {
    if (this.closed) return;
    if (f.kind === 'data') {
      const s = this.streams.get(f.streamId);
      if (!s) { if (!this.goneAway) this.reset(f.streamId, RST_CODES.INVALID_STREAM); return; }
      s.onData(f.data, (f.flags & FLAG_FIN) !== 0);
      return;
    }
    const p = f.payload;
    switch (f.type) {
      case FRAME_TYPES.SYN_STREAM: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = await this.codec.decompress(p.subarray(10));
        if (this.goneAway || this.role === 'client' && id % 2 === 1 || this.streams.has(id)) { this.reset(id, RST_CODES.REFUSED_STREAM); return; }
        this.lastRemoteStream = Math.max(this.lastRemoteStream, id);
        const s = new SpdyStream(this, id, headers);
        this.streams.set(id, s);
        await this.enqueue(async () => synReplyFrame(id, 0, await this.codec.compress({})));
        if (f.flags & FLAG_UNIDIRECTIONAL) { s.markLocalFin(); s.end(); }
        if (f.flags & FLAG_FIN) s.onRemoteFin();
        this.emit('stream', s);
        return;
      }
      case FRAME_TYPES.SYN_REPLY: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = await this.codec.decompress(p.subarray(4));
        const w = this.pending.get(id);
        this.pending.delete(id);
        w?.resolve(headers);
        if (f.flags & FLAG_FIN) this.streams.get(id)?.onRemoteFin();
        return;
      }
      case FRAME_TYPES.HEADERS: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        await this.codec.decompress(p.subarray(4));
        if (f.flags & FLAG_FIN) this.streams.get(id)?.onRemoteFin();
        return;
      }
      case FRAME_TYPES.RST_STREAM: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const w = this.pending.get(id);
        this.pending.delete(id);
        w?.reject(new Error(`SPDY stream ${id} reset (status ${p.readUInt32BE(4)})`));
        this.streams.get(id)?.onReset();
        return;
      }
      case FRAME_TYPES.PING: {
        const id = p.readUInt32BE(0);
        if ((id & 1) !== (this.nextPingId & 1)) { await this.enqueue(() => pingFrame(id)); return; }
        const w = this.pings.get(id);
        this.pings.delete(id);
        w?.();
        return;
      }
      case FRAME_TYPES.GOAWAY:
        this.goneAway = true;
        if (this.streams.size === 0) this.transport.end();
        return;
      case FRAME_TYPES.SETTINGS: case FRAME_TYPES.WINDOW_UPDATE:
        return;
      default:
        return;
    }
  }
}
