/**
 * @module agent/streaming/spdy-frames — the SPDY/3.1 wire format: frame encoding and decoding
 * (control frames SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS,
 * WINDOW_UPDATE and DATA frames), the name/value header block, and its zlib compression with the
 * preset dictionary of the SPDY/3 specification (one compression context per direction, shared by
 * every header block of a session, each block ending with a sync flush).
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';

/** FRAME_TYPES are the SPDY/3 control frame type numbers. */
export const FRAME_TYPES = {
  SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9,
} as const;

/** FLAG_FIN ends the sender's half of a stream (control and data frames); FLAG_UNIDIRECTIONAL marks a SYN_STREAM the receiver may not answer with data. */
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_CODES are the RST_STREAM status codes used here. */
export const RST_CODES = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6, FLOW_CONTROL_ERROR: 7 } as const;

/** SETTINGS_INITIAL_WINDOW_SIZE is the SETTINGS id of the initial per-stream send window. */
export const SETTINGS_INITIAL_WINDOW_SIZE = 7;

const NAMED_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const TAIL_TEXT = '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505'
  + '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden'
  + '404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable'
  + 'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT'
  + 'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,'
  + 'publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** SPDY3_DICTIONARY is the SPDY/3 header-compression preset dictionary (1423 bytes): length-prefixed common words, then raw text. */
export const SPDY3_DICTIONARY: Buffer = Buffer.concat([
  ...NAMED_WORDS.map((w) => { const b = Buffer.alloc(4 + w.length); b.writeUInt32BE(w.length, 0); b.write(w, 4, 'latin1'); return b; }),
  Buffer.from(TAIL_TEXT, 'latin1'),
]);

/** SpdyHeaders is a decoded header block: lower-case names to values (multiple values joined by NUL, as on the wire). */
export type SpdyHeaders = Record<string, string>;

/** Frame is one decoded SPDY frame. */
export type Frame =
  | { readonly kind: 'data'; readonly streamId: number; readonly flags: number; readonly data: Buffer }
  | { readonly kind: 'control'; readonly type: number; readonly version: number; readonly flags: number; readonly payload: Buffer };

/** encodeHeaderBlock builds the uncompressed name/value block (names lower-cased). */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const entries = Object.entries(headers);
  const n = Buffer.alloc(4);
  n.writeUInt32BE(entries.length, 0);
  parts.push(n);
  for (const [k, v] of entries) {
    for (const s of [k.toLowerCase(), v]) {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length, 0);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

/** decodeHeaderBlock parses an uncompressed name/value block; throws on a malformed block. */
export function decodeHeaderBlock(buf: Buffer): SpdyHeaders {
  const out: SpdyHeaders = {};
  if (buf.length < 4) throw new Error('SPDY header block too short');
  const count = buf.readUInt32BE(0);
  let off = 4;
  const take = (): string => {
    if (off + 4 > buf.length) throw new Error('SPDY header block truncated');
    const len = buf.readUInt32BE(off);
    off += 4;
    if (off + len > buf.length) throw new Error('SPDY header block truncated');
    const s = buf.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    const value = take();
    out[name] = name in out ? `${out[name]}\0${value}` : value;
  }
  return out;
}

function zlibStep(z: Deflate | Inflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const onData = (c: Buffer): void => { out.push(c); };
    const onError = (e: Error): void => { z.off('data', onData); reject(e); };
    z.on('data', onData);
    z.once('error', onError);
    z.write(input);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off('data', onData);
      z.off('error', onError);
      resolve(Buffer.concat(out));
    });
  });
}

/** HeaderCodec holds one session's two zlib contexts; calls of each direction must be serialised by the caller. */
export class HeaderCodec {
  private readonly deflater = createDeflate({ dictionary: SPDY3_DICTIONARY });
  private readonly inflater = createInflate({ dictionary: SPDY3_DICTIONARY });
  private compressing: Promise<unknown> = Promise.resolve();

  /** compress returns the compressed header block of `headers` (outgoing order is kept by chaining). */
  compress(headers: SpdyHeaders): Promise<Buffer> {
    const p = this.compressing.then(() => zlibStep(this.deflater, encodeHeaderBlock(headers)));
    this.compressing = p.catch(() => undefined);
    return p;
  }

  /** decompress inflates one received header block. */
  async decompress(block: Buffer): Promise<SpdyHeaders> {
    return decodeHeaderBlock(await zlibStep(this.inflater, block));
  }

  /** close frees the zlib contexts. */
  close(): void {
    this.deflater.destroy();
    this.inflater.destroy();
  }
}

/** controlFrame builds a control frame of `type` with `flags` around `payload`. */
export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | 3, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([h, payload]);
}

/** dataFrame builds a DATA frame. */
export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt32BE(((flags & 0xff) << 24 | data.length) >>> 0, 4);
  return data.length > 0 ? Buffer.concat([h, data]) : h;
}

function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** synStreamFrame builds a SYN_STREAM with an already compressed header block. */
export function synStreamFrame(streamId: number, flags: number, compressedHeaders: Buffer): Buffer {
  const p = Buffer.alloc(10);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE(0, 4);
  p.writeUInt16BE(0, 8);
  return controlFrame(FRAME_TYPES.SYN_STREAM, flags, Buffer.concat([p, compressedHeaders]));
}

/** synReplyFrame builds a SYN_REPLY with an already compressed header block. */
export function synReplyFrame(streamId: number, flags: number, compressedHeaders: Buffer): Buffer {
  return controlFrame(FRAME_TYPES.SYN_REPLY, flags, Buffer.concat([u32s(streamId & 0x7fffffff), compressedHeaders]));
}

/** rstStreamFrame builds a RST_STREAM. */
export function rstStreamFrame(streamId: number, status: number): Buffer {
  return controlFrame(FRAME_TYPES.RST_STREAM, 0, u32s(streamId & 0x7fffffff, status));
}

/** pingFrame builds a PING with `id`. */
export function pingFrame(id: number): Buffer {
  return controlFrame(FRAME_TYPES.PING, 0, u32s(id));
}

/** goAwayFrame builds a GOAWAY naming the last stream the sender processed. */
export function goAwayFrame(lastGoodStreamId: number, status = 0): Buffer {
  return controlFrame(FRAME_TYPES.GOAWAY, 0, u32s(lastGoodStreamId & 0x7fffffff, status));
}

/** windowUpdateFrame builds a WINDOW_UPDATE (stream 0: the session window, SPDY/3.1). */
export function windowUpdateFrame(streamId: number, delta: number): Buffer {
  return controlFrame(FRAME_TYPES.WINDOW_UPDATE, 0, u32s(streamId & 0x7fffffff, delta & 0x7fffffff));
}

/** settingsFrame builds a SETTINGS frame from id → value pairs. */
export function settingsFrame(settings: ReadonlyMap<number, number>): Buffer {
  const b = Buffer.alloc(4 + settings.size * 8);
  b.writeUInt32BE(settings.size, 0);
  let off = 4;
  for (const [id, value] of settings) {
    b.writeUInt32BE(id & 0xffffff, off);
    b.writeUInt32BE(value >>> 0, off + 4);
    off += 8;
  }
  return controlFrame(FRAME_TYPES.SETTINGS, 0, b);
}

/** parseSettings reads a SETTINGS payload into id → value. */
export function parseSettings(payload: Buffer): Map<number, number> {
  const m = new Map<number, number>();
  const n = payload.length >= 4 ? payload.readUInt32BE(0) : 0;
  for (let i = 0; i < n && 4 + i * 8 + 8 <= payload.length; i++) {
    m.set(payload.readUInt32BE(4 + i * 8) & 0xffffff, payload.readUInt32BE(8 + i * 8));
  }
  return m;
}

/** FrameParser splits a byte stream into frames (frames may arrive split or coalesced). */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  /** push adds bytes and returns every complete frame now available. */
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      const flags = this.buf[4];
      const payload = this.buf.subarray(8, 8 + len);
      if (this.buf[0] & 0x80) {
        frames.push({ kind: 'control', version: this.buf.readUInt16BE(0) & 0x7fff, type: this.buf.readUInt16BE(2), flags, payload });
      } else {
        frames.push({ kind: 'data', streamId: this.buf.readUInt32BE(0) & 0x7fffffff, flags, data: payload });
      }
      this.buf = this.buf.subarray(8 + len);
    }
    return frames;
  }
}
