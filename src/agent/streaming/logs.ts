/**
 * @module agent/streaming/logs — reads container logs in the CRI log format
 * (`<RFC3339Nano> <stdout|stderr> <F|P> <text>` lines; P = partial line continued by the next
 * entry) the way `kubectl logs` expects them: tail, since, timestamps, byte limit, and follow
 * (polling the file for growth, reopening it after rotation or truncation, stopping once the
 * container has exited and the file is drained).
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';

/** CriLogEntry is one parsed CRI log line. */
export interface CriLogEntry {
  readonly time: string;
  readonly timeMs: number;
  readonly stream: 'stdout' | 'stderr';
  readonly partial: boolean;
  readonly content: string;
}

/** LogOptions mirror v1.PodLogOptions (sinceTime as epoch ms; sinceSeconds is converted by the caller). */
export interface LogOptions {
  readonly follow?: boolean;
  readonly tailLines?: number;
  readonly sinceMs?: number;
  readonly timestamps?: boolean;
  readonly limitBytes?: number;
}

/** parseTime reads an RFC 3339 time with up to nanosecond fractions into epoch ms. */
export function parseTime(s: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return Number.NaN;
  const frac = m[2] ? m[2].slice(0, 4).padEnd(4, '0') : '';
  return Date.parse(`${m[1]}${frac}${m[3]}`);
}

/** parseCriLogLine parses one line (without its newline); undefined when malformed. */
export function parseCriLogLine(line: string): CriLogEntry | undefined {
  const a = line.indexOf(' ');
  if (a < 0) return undefined;
  const b = line.indexOf(' ', a + 1);
  if (b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const c = line.indexOf(' ', b + 1);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const time = line.slice(0, a);
  const timeMs = parseTime(time);
  if (Number.isNaN(timeMs)) return undefined;
  return { time, timeMs, stream, partial: tag.split(':')[0] === 'P', content: c < 0 ? '' : line.slice(c + 1) };
}

/** formatEntry renders an entry as kubectl shows it. */
function formatEntry(e: CriLogEntry, timestamps: boolean): string {
  return `${timestamps ? `${e.time} ` : ''}${e.content}${e.partial ? '' : '\n'}`;
}

/** LogSink counts bytes against limitBytes and writes with backpressure. */
class LogSink {
  private written = 0;
  private readonly out: Writable;
  private readonly limit: number | undefined;
  constructor(out: Writable, limit: number | undefined) { this.out = out; this.limit = limit; }
  get full(): boolean { return this.limit !== undefined && this.written >= this.limit; }
  async write(text: string): Promise<void> {
    if (this.full || this.out.destroyed) return;
    let buf = Buffer.from(text, 'utf8');
    if (this.limit !== undefined && this.written + buf.length > this.limit) buf = buf.subarray(0, this.limit - this.written);
    this.written += buf.length;
    if (!this.out.write(buf)) await new Promise<void>((r) => { this.out.once('drain', r); this.out.once('close', r); });
  }
}

/** FollowOptions: how to know the container is still writing, when to stop, how often to poll. */
export interface FollowOptions {
  readonly isRunning?: () => Promise<boolean>;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(); return; }
    const t = setTimeout(done, ms);
    function done(): void { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function readFrom(fh: FileHandle, offset: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let pos = offset;
  for (;;) {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    chunks.push(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return Buffer.concat(chunks);
}

/** streamContainerLog writes the log at `path` to `out` per `opts` (and follows it with `follow`); a missing file is an empty log. */
export async function streamContainerLog(path: string, out: Writable, opts: LogOptions & FollowOptions = {}): Promise<void> {
  const sink = new LogSink(out, opts.limitBytes);
  const timestamps = opts.timestamps === true;
  const keep = (e: CriLogEntry): boolean => opts.sinceMs === undefined || e.timeMs >= opts.sinceMs;
  let fh: FileHandle | undefined;
  let ino = -1;
  let offset = 0;
  let rest = '';
  const reopen = async (): Promise<boolean> => {
    try {
      const st = await stat(path);
      if (fh && st.ino === ino && st.size >= offset) return true;
      await fh?.close();
      fh = await open(path, 'r');
      ino = st.ino;
      offset = 0;
      rest = '';
      return true;
    } catch {
      return false;
    }
  };
  const readNew = async (): Promise<CriLogEntry[]> => {
    if (!fh) return [];
    const buf = await readFrom(fh, offset);
    const lastNl = buf.lastIndexOf(0x0a);
    if (lastNl < 0) { rest += buf.toString('utf8'); offset += buf.length; return []; }
    const text = rest + buf.subarray(0, lastNl).toString('utf8');
    rest = buf.subarray(lastNl + 1).toString('utf8');
    offset += buf.length;
    const entries: CriLogEntry[] = [];
    for (const line of text.split('\n')) { const e = parseCriLogLine(line); if (e) entries.push(e); }
    return entries;
  };
  try {
    await reopen();
    let first = await readNew();
    if (opts.tailLines !== undefined) first = first.slice(Math.max(0, first.length - opts.tailLines));
    for (const e of first) if (keep(e)) await sink.write(formatEntry(e, timestamps));
    if (!opts.follow) return;
    const poll = opts.pollMs ?? 200;
    for (;;) {
      if (sink.full || opts.signal?.aborted || out.destroyed) return;
      const running = opts.isRunning ? await opts.isRunning() : true;
      if (await reopen()) for (const e of await readNew()) if (keep(e)) await sink.write(formatEntry(e, timestamps));
      if (!running) return;
      await sleep(poll, opts.signal);
    }
  } finally {
    await fh?.close();
  }
}
