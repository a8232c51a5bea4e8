/**
 * @module network/dns/server — the cluster DNS server: UDP and TCP (2-byte length prefix) listeners
 * on the given addresses (UDP and TCP share each port, also when port 0 picks one), answering from
 * Service and EndpointSlice informers through `resolve`, forwarding out-of-zone names (and unknown
 * reverse names) to upstream servers — the host's resolv.conf nameservers unless told otherwise —
 * and answering REFUSED when there are none, SERVFAIL when they all fail.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import { InformerFactory, RESOURCES, type ApiClient } from '../../client/index.ts';
import { appendChased, encodeResponse, errorReply, FLAG, RCODE, resolve, type DnsPacket } from './answer.ts';
import { forwardQuery, parseUpstream, resolvConfNameservers, type Upstream } from './upstream.ts';
import { cacheDnsView, type DnsView } from './view.ts';

/** DnsLog receives the server's notable events. */
export interface DnsLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** ClusterDnsOptions configure `startClusterDns`: where the Services come from, where to listen, where to forward. */
export interface ClusterDnsOptions {
  /** client: the API client to make informers with (ignored when `informers` or `view` is given). */
  readonly client?: ApiClient;
  /** informers: a shared factory (the caller starts it); the server uses its services and endpointslices informers. */
  readonly informers?: InformerFactory;
  /** view: answer from this view instead of informers (tests, embedding). */
  readonly view?: DnsView;
  readonly listen: readonly { readonly address: string; readonly port: number }[];
  readonly clusterDomain?: string;
  /** upstream: forwarding targets (`ip`, `ip:port`, `[ip6]:port`); default the nameservers of /etc/resolv.conf; `[]` forwards nothing. */
  readonly upstream?: readonly string[];
  readonly upstreamTimeoutMs?: number;
  readonly signal: AbortSignal;
  readonly log?: DnsLog;
}

/** ClusterDns is a running server: the bound ports (one per `listen` entry) and a way to stop it. */
export interface ClusterDns {
  readonly ports: number[];
  readonly upstreams: readonly Upstream[];
  close(): Promise<void>;
}

const nolog: DnsLog = { info: () => undefined, error: () => undefined };

/** startClusterDns waits for its informers to sync, binds every listen address (UDP + TCP) and serves until `signal` aborts or `close()`. */
export async function startClusterDns(opts: ClusterDnsOptions): Promise<ClusterDns> {
  const log = opts.log ?? nolog;
  const stop = new AbortController();
  const onAbort = (): void => { void close(); };
  const domain = opts.clusterDomain ?? 'cluster.local';
  let ownFactory: InformerFactory | undefined;
  let view = opts.view;
  if (!view) {
    const factory = opts.informers ?? (ownFactory = new InformerFactory(opts.client as ApiClient));
    if (!opts.informers && !opts.client) throw new Error('startClusterDns: one of client, informers or view is required');
    const services = factory.forResource(RESOURCES.services);
    const slices = factory.forResource(RESOURCES.endpointslices);
    view = cacheDnsView(services.cache, slices.cache, domain);
    if (ownFactory) ownFactory.start(stop.signal);
    const signal = AbortSignal.any([opts.signal, stop.signal]);
    const ok = (await services.waitForSync(signal)) && (await slices.waitForSync(signal));
    if (!ok) {
      stop.abort();
      await ownFactory?.stopped();
      throw new Error('startClusterDns: aborted before the informers synced');
    }
  }
  const dnsView = view;
  // Default upstreams must not point back at this server (a resolv.conf naming the node's own DNS).
  const isSelf = (u: Upstream): boolean => opts.listen.some((l) => l.port === u.port &&
    (l.address === u.host || ((l.address === '0.0.0.0' || l.address === '::') && (u.host.startsWith('127.') || u.host === '::1'))));
  const upstreams = (opts.upstream ?? resolvConfNameservers())
    .map((u) => parseUpstream(u)).filter((u): u is Upstream => u !== undefined)
    .filter((u) => opts.upstream !== undefined || !isSelf(u));

  const handle = async (buf: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> => {
    let query: DnsPacket;
    try {
      query = dnsPacket.decode(buf);
    } catch {
      if (buf.length < 12) return undefined;
      return dnsPacket.encode({ id: buf.readUInt16BE(0), type: 'response', flags: RCODE.FORMERR, questions: [] });
    }
    if (query.type === 'response') return undefined;
    const r = resolve(query, dnsView);
    if (r.kind === 'forward') {
      if (!upstreams.length) return encodeResponse(errorReply(query, RCODE.REFUSED), query, transport);
      const res = await forwardQuery(buf, upstreams, { tcp: transport === 'tcp', timeoutMs: opts.upstreamTimeoutMs, signal: stop.signal });
      return res ?? encodeResponse(errorReply(query, RCODE.SERVFAIL), query, transport);
    }
    let packet = r.packet;
    if (r.chase && upstreams.length) {
      const sub = dnsPacket.encode({ id: randomInt(65536), type: 'query', flags: FLAG.RD, questions: [{ name: r.chase.name, type: r.chase.type, class: 'IN' }] });
      const res = await forwardQuery(sub, upstreams, { tcp: true, timeoutMs: opts.upstreamTimeoutMs, signal: stop.signal });
      if (res) {
        try { packet = appendChased(packet, dnsPacket.decode(res)); } catch { /* keep the bare CNAME */ }
      }
    }
    try {
      return encodeResponse(packet, query, transport);
    } catch (e) {
      log.error('dns: cannot encode an answer', { question: query.questions?.[0]?.name, error: String(e) });
      return encodeResponse(errorReply(query, RCODE.SERVFAIL), query, transport);
    }
  };

  const udpSockets: UdpSocket[] = [];
  const tcpServers: Server[] = [];
  const conns = new Set<Socket>();
  const ports: number[] = [];
  let closed = false;

  const serveUdp = (sock: UdpSocket): void => {
    sock.on('message', (msg, rinfo) => {
      handle(msg, 'udp').then((out) => {
        if (out && !closed) sock.send(out, rinfo.port, rinfo.address);
      }).catch((e: unknown) => log.error('dns: udp query failed', { error: String(e) }));
    });
    sock.on('error', (e) => log.error('dns: udp socket error', { error: String(e) }));
  };
  const serveTcp = (conn: Socket): void => {
    conns.add(conn);
    conn.setTimeout(10_000, () => conn.destroy());
    conn.on('close', () => conns.delete(conn));
    conn.on('error', () => conn.destroy());
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    conn.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        chain = chain.then(async () => {
          const out = await handle(msg, 'tcp');
          if (!out || conn.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          conn.write(Buffer.concat([len, out]));
        }).catch((e: unknown) => { log.error('dns: tcp query failed', { error: String(e) }); conn.destroy(); });
      }
    });
  };

  try {
    for (const l of opts.listen) {
      const [udp, tcp, port] = await bindPair(l.address, l.port);
      serveUdp(udp);
      tcp.on('connection', serveTcp);
      udpSockets.push(udp);
      tcpServers.push(tcp);
      ports.push(port);
    }
  } catch (e) {
    await close();
    throw e;
  }
  log.info('dns: serving', { listen: opts.listen.map((l, i) => `${l.address}:${ports[i]}`), domain: dnsView.clusterDomain, upstreams: upstreams.map((u) => `${u.host}:${u.port}`) });

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    opts.signal.removeEventListener('abort', onAbort);
    stop.abort();
    for (const c of conns) c.destroy();
    await Promise.all([
      ...udpSockets.map((s) => new Promise<void>((r) => { try { s.close(() => r()); } catch { r(); } })),
      ...tcpServers.map((s) => new Promise<void>((r) => s.close(() => r()))),
    ]);
    await ownFactory?.stopped();
  }
  if (opts.signal.aborted) await close();
  else opts.signal.addEventListener('abort', onAbort, { once: true });
  return { ports, upstreams, close };
}

/** bindPair binds a UDP socket and a TCP server on one address and the same port (a free one for port 0, retried on a clash). */
async function bindPair(address: string, port: number): Promise<[UdpSocket, Server, number]> {
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    const bound = await new Promise<number>((resolve, reject) => {
      udp.once('error', (e) => { udp.close(); reject(e); });
      udp.bind({ address, port, exclusive: true }, () => { udp.removeAllListeners('error'); resolve(udp.address().port); });
    });
    const tcp = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: address, port: bound }, () => { tcp.removeListener('error', reject); resolve(); });
      });
      return [udp, tcp, bound];
    } catch (e) {
      udp.close();
      if (port !== 0 || attempt >= 5 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
}
