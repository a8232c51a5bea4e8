/**
 * @module network/dns/upstream — forwarding queries for names outside the cluster zone: the upstream
 * server list (`ip`, `ip:port`, `[ipv6]:port`; by default the host's resolv.conf nameservers) and one
 * exchange with an upstream over UDP (retried over TCP when the answer is truncated and the client
 * asked over TCP), trying each server in turn.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, isIP } from 'node:net';

/** Upstream is one forwarding target. */
export interface Upstream { readonly host: string; readonly port: number }

/** parseUpstream parses `ip`, `ip:port` or `[ipv6]:port` (port 53 by default); undefined when malformed. */
export function parseUpstream(text: string): Upstream | undefined {
  const t = text.trim();
  if (isIP(t)) return { host: t, port: 53 };
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(t) ?? /^([^:]+):(\d+)$/.exec(t);
  if (!m || !isIP(m[1])) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1], port } : undefined;
}

/** resolvConfNameservers reads the `nameserver` lines of a resolv.conf file (missing file: none). */
export function resolvConfNameservers(path = '/etc/resolv.conf'): string[] {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch { return []; }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && isIP(m[1].replace(/%.*$/, ''))) out.push(m[1].replace(/%.*$/, ''));
  }
  return out;
}

/** exchangeUdp sends one query to `u` over UDP and resolves the first reply with the same ID (rejects on timeout). */
export function exchangeUdp(query: Buffer, u: Upstream, timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(isIP(u.host) === 6 ? 'udp6' : 'udp4');
    const done = (e: Error | undefined, b?: Buffer): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.close();
      if (e) reject(e); else resolve(b as Buffer);
    };
    const onAbort = (): void => done(new Error('aborted'));
    const timer = setTimeout(() => done(new Error(`upstream ${u.host}:${u.port} timed out`)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (e) => done(e));
    sock.on('message', (msg) => {
      if (msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(undefined, msg);
    });
    sock.send(query, u.port, u.host);
  });
}

/** exchangeTcp sends one query to `u` over TCP (2-byte length prefix) and resolves its reply. */
export function exchangeTcp(query: Buffer, u: Upstream, timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: u.host, port: u.port });
    let buf = Buffer.alloc(0);
    let settled = false;
    const done = (e: Error | undefined, b?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (e) reject(e); else resolve(b as Buffer);
    };
    const onAbort = (): void => done(new Error('aborted'));
    const timer = setTimeout(() => done(new Error(`upstream ${u.host}:${u.port} timed out (tcp)`)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (e) => done(e));
    sock.on('close', () => done(new Error('upstream closed the connection')));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(undefined, buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(query.length);
    sock.write(Buffer.concat([len, query]));
  });
}

/** forwardQuery asks each upstream in turn (UDP; TCP after a truncated answer when `tcp`), resolving the first reply or undefined when all fail. */
export async function forwardQuery(query: Buffer, upstreams: readonly Upstream[], opts: { tcp: boolean; timeoutMs?: number; signal?: AbortSignal }): Promise<Buffer | undefined> {
  const timeout = opts.timeoutMs ?? 2000;
  for (const u of upstreams) {
    if (opts.signal?.aborted) return undefined;
    try {
      const r = await exchangeUdp(query, u, timeout, opts.signal);
      const truncated = r.length >= 4 && (r.readUInt16BE(2) & 0x200) !== 0;
      if (truncated && opts.tcp) return await exchangeTcp(query, u, timeout, opts.signal);
      return r;
    } catch {
      // try the next upstream
    }
  }
  return undefined;
}
