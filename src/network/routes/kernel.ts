/**
 * @module network/routes/kernel — reading the pod network state a node owns from the kernel,
 * through iproute2 (`ip -j -d link`, `ip -j addr`, `ip -o route show proto N`, `ip -j neigh`,
 * `bridge -j fdb`) behind a command-runner seam, optionally inside a named network namespace.
 *
 * What is ours: links whose alias is `windlass-pod-network`; every address, permanent neighbour
 * and FDB entry on those links; main-table routes with protocol number 245 (`proto 245`).
 * Routes are read in text form because iproute2 6.1's JSON prints an encap route's tunnel
 * destination under the same `dst` key as the prefix.
 */
import { execFile } from 'node:child_process';
import type { AddressPlan, FdbPlan, NeighbourPlan, RoutePlan } from './plan.ts';

/** CommandRunner runs one `ip …` or `bridge …` argv and resolves its stdout; it rejects when the command fails. */
export type CommandRunner = (argv: readonly string[]) => Promise<{ stdout: string }>;

/** ROUTE_PROTO is the route protocol number that marks our routes (unassigned in iproute2's rt_protos). */
export const ROUTE_PROTO = 245;
/** LINK_ALIAS is the ifalias that marks the tunnel devices we created. */
export const LINK_ALIAS = 'windlass-pod-network';

/** commandRunner returns the real runner: iproute2 binaries, in namespace `netns` (`ip -n NS`, `bridge -n NS`) when given. */
export function commandRunner(opts: { netns?: string; timeoutMs?: number } = {}): CommandRunner {
  return (argv) => new Promise((resolve, reject) => {
    const [cmd, ...rest] = argv;
    const args = opts.netns !== undefined && (cmd === 'ip' || cmd === 'bridge') ? ['-n', opts.netns, ...rest] : rest;
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 10_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve({ stdout });
    });
  });
}

/** LinkState is a tunnel device as the kernel reports it. */
export interface LinkState {
  readonly name: string;
  readonly kind: string;
  readonly ours: boolean;
  readonly up: boolean;
  readonly mtu: number;
  readonly mac: string;
  readonly vni?: number;
  readonly port?: number;
  readonly local?: string;
  readonly dev?: string;
  readonly external: boolean;
}

/** KernelState is the pod-network state we own, plus every link (to spot name clashes). */
export interface KernelState {
  readonly links: readonly LinkState[];
  readonly addresses: readonly AddressPlan[];
  readonly routes: readonly RoutePlan[];
  readonly neighbours: readonly NeighbourPlan[];
  readonly fdb: readonly FdbPlan[];
}

/** InterfaceAddress is an IPv4 address on an interface (for finding the underlay). */
export interface InterfaceAddress { readonly iface: string; readonly ip: string; readonly prefix: number; readonly mtu: number }

type Json = Record<string, unknown>;
const parseJson = (text: string): Json[] => {
  const t = text.trim();
  if (!t) return [];
  const v = JSON.parse(t) as unknown;
  return Array.isArray(v) ? v as Json[] : [];
};

/** parseLinks turns `ip -j -d link show` output into link states. */
export function parseLinks(text: string): LinkState[] {
  return parseJson(text).map((l) => {
    const info = (l.linkinfo ?? {}) as Json;
    const data = (info.info_data ?? {}) as Json;
    return {
      name: String(l.ifname), kind: typeof info.info_kind === 'string' ? info.info_kind : '',
      ours: l.ifalias === LINK_ALIAS, up: Array.isArray(l.flags) && l.flags.includes('UP'),
      mtu: Number(l.mtu), mac: typeof l.address === 'string' ? l.address.toLowerCase() : '',
      ...(typeof data.id === 'number' ? { vni: data.id } : {}),
      ...(typeof data.port === 'number' ? { port: data.port } : {}),
      ...(typeof data.local === 'string' ? { local: data.local } : {}),
      ...(typeof data.link === 'string' ? { dev: data.link } : {}),
      external: data.external === true || data.collect_metadata === true,
    };
  });
}

/** parseAddresses turns `ip -j addr show` output into IPv4 interface addresses. */
export function parseAddresses(text: string): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const l of parseJson(text)) {
    for (const a of Array.isArray(l.addr_info) ? l.addr_info as Json[] : []) {
      if (a.family === 'inet' && typeof a.local === 'string') out.push({ iface: String(l.ifname), ip: a.local, prefix: Number(a.prefixlen), mtu: Number(l.mtu) });
    }
  }
  return out;
}

/** parseRoutes parses `ip -o route show` lines (dst, via, dev, onlink, `encap ip id N … dst IP`). */
export function parseRoutes(text: string): RoutePlan[] {
  const out: RoutePlan[] = [];
  for (const line of text.split('\n')) {
    const tok = line.trim().split(/\s+/).filter(Boolean);
    if (tok.length === 0) continue;
    let dst = tok[0];
    if (dst === 'default') dst = '0.0.0.0/0';
    else if (!dst.includes('/')) dst = `${dst}/32`;
    let via = '';
    let dev = '';
    let onlink = false;
    let encap: { id: number; dst: string } | undefined;
    for (let i = 1; i < tok.length; i++) {
      const k = tok[i];
      if (k === 'encap' && tok[i + 1] === 'ip') {
        let id = 0;
        let tdst = '';
        let j = i + 2;
        for (; j < tok.length && ['id', 'src', 'dst', 'ttl', 'tos'].includes(tok[j]); j += 2) {
          if (tok[j] === 'id') id = Number(tok[j + 1]);
          if (tok[j] === 'dst') tdst = tok[j + 1];
        }
        encap = { id, dst: tdst };
        i = j - 1;
      } else if (k === 'via') via = tok[++i];
      else if (k === 'dev') dev = tok[++i];
      else if (k === 'onlink') onlink = true;
    }
    out.push({ dst, via, dev, onlink, ...(encap ? { encap } : {}) });
  }
  return out;
}

/** readKernelState reads our links, their addresses, neighbours and FDB entries, and our routes. */
export async function readKernelState(run: CommandRunner): Promise<KernelState> {
  const links = parseLinks((await run(['ip', '-j', '-d', 'link', 'show'])).stdout);
  const ours = new Set(links.filter((l) => l.ours).map((l) => l.name));
  const routes = parseRoutes((await run(['ip', '-o', 'route', 'show', 'table', 'main', 'proto', String(ROUTE_PROTO)])).stdout);
  if (ours.size === 0) return { links, addresses: [], routes, neighbours: [], fdb: [] };
  const addresses = parseAddresses((await run(['ip', '-j', 'addr', 'show'])).stdout)
    .filter((a) => ours.has(a.iface)).map((a) => ({ dev: a.iface, cidr: `${a.ip}/${a.prefix}` }));
  const neighbours = parseJson((await run(['ip', '-j', '-4', 'neigh', 'show', 'nud', 'permanent'])).stdout)
    .filter((n) => ours.has(String(n.dev)) && typeof n.lladdr === 'string')
    .map((n) => ({ dev: String(n.dev), ip: String(n.dst), mac: String(n.lladdr).toLowerCase() }));
  const fdb = parseJson((await run(['bridge', '-j', 'fdb', 'show'])).stdout)
    .filter((f) => ours.has(String(f.ifname)) && typeof f.dst === 'string')
    .map((f) => ({ dev: String(f.ifname), mac: String(f.mac).toLowerCase(), dst: String(f.dst) }));
  return { links, addresses, routes, neighbours, fdb };
}

/** findInterfaceAddress returns the interface holding IPv4 address `ip`, with its prefix length and MTU. */
export async function findInterfaceAddress(run: CommandRunner, ip: string): Promise<InterfaceAddress | undefined> {
  return parseAddresses((await run(['ip', '-j', '-4', 'addr', 'show'])).stdout).find((a) => a.ip === ip);
}
