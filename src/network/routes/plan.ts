/**
 * @module network/routes/plan — the pure half of the node's pod network: from our Node and its
 * peers, the kernel state one node wants (tunnel device, its address, routes, permanent neighbours,
 * FDB entries) and the annotations it publishes, for each mode:
 *
 * - `l3`: the node routes nothing itself; it publishes `<podCIDR> via <node IP>` (annotation
 *   `windlass.io/pod-routes`, a JSON list of `ip route` lines) for an upstream router.
 * - `host-gw`: a route per peer pod CIDR via the peer's node IP on the underlay; a peer outside
 *   our underlay subnet is refused (an error value), as the route could not work.
 * - `vxlan`: flannel's layout — device `flannel.1` (VNI 1, UDP 8472, no learning, MTU underlay−50)
 *   holding `<our pod network>/32`; per peer an onlink route via the peer's pod network address, a
 *   permanent neighbour entry to its VTEP MAC and an FDB entry sending that MAC to its public IP.
 * - `geneve`: one flow-based (`external`) Geneve device; each peer's route carries its tunnel
 *   destination as a lightweight-tunnel encap (`encap ip id VNI dst IP`), plus the neighbour entry.
 *
 * Peers publish flannel-compatible annotations: `flannel.alpha.coreos.com/public-ip`,
 * `…/backend-type` and `…/backend-data` (`{"VNI":1,"VtepMAC":"…"}`). IPv4 only.
 */
import type { JsonObject } from '../../api/index.ts';
import { cidrText, inSubnet, ipv4ToInt, isMac, parseIpv4Cidr, stableVtepMac } from './ipv4.ts';

/** NetworkMode is how pod traffic crosses nodes. */
export type NetworkMode = 'l3' | 'host-gw' | 'vxlan' | 'geneve';

/** NETWORK_MODES lists the modes, default (vxlan) first. */
export const NETWORK_MODES: readonly NetworkMode[] = ['vxlan', 'host-gw', 'l3', 'geneve'] as const;

/** Annotation names published on each Node (flannel's for the overlay facts). */
export const ANNOTATIONS = {
  publicIp: 'flannel.alpha.coreos.com/public-ip',
  backendType: 'flannel.alpha.coreos.com/backend-type',
  backendData: 'flannel.alpha.coreos.com/backend-data',
  podRoutes: 'windlass.io/pod-routes',
} as const;

/** NodeInfo is what the pod network needs of one Node. */
export interface NodeInfo {
  readonly name: string;
  /** podCidrs: spec.podCIDRs (or [spec.podCIDR]). */
  readonly podCidrs: readonly string[];
  /** internalIp: the first IPv4 InternalIP in status.addresses. */
  readonly internalIp?: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/** TunnelOptions configure the vxlan/geneve device (flannel's defaults for vxlan; port 6081 and `geneve.1` for geneve). */
export interface TunnelOptions {
  readonly vni?: number;
  readonly port?: number;
  readonly device?: string;
  readonly mtu?: number;
  /** mac: our VTEP MAC (default: derived from the node name, stable across restarts). */
  readonly mac?: string;
}

/** Underlay is the interface that carries node-to-node traffic, with our address on it. */
export interface Underlay {
  readonly iface: string;
  readonly ip: string;
  /** prefix: the prefix length of `ip` on `iface` (the L2 subnet host-gw needs peers in). */
  readonly prefix: number;
  readonly mtu: number;
}

/** PlanInput is everything planPodNetwork looks at. */
export interface PlanInput {
  readonly mode: NetworkMode;
  readonly self: NodeInfo;
  readonly peers: readonly NodeInfo[];
  readonly vxlan?: TunnelOptions;
  readonly underlay: Underlay;
}

/** LinkPlan is a tunnel device we own. */
export interface LinkPlan {
  readonly name: string;
  readonly kind: 'vxlan' | 'geneve';
  readonly vni: number;
  readonly port: number;
  /** local/dev: the underlay address and interface (vxlan). */
  readonly local?: string;
  readonly dev?: string;
  /** external: flow-based device, tunnel keys from routes (geneve). */
  readonly external: boolean;
  readonly mtu: number;
  readonly mac: string;
}

/** AddressPlan is an address on one of our devices. */
export interface AddressPlan { readonly dev: string; readonly cidr: string }
/** RoutePlan is a main-table route we own (tagged with our route protocol). */
export interface RoutePlan {
  readonly dst: string;
  readonly via: string;
  readonly dev: string;
  readonly onlink: boolean;
  readonly encap?: { readonly id: number; readonly dst: string };
}
/** NeighbourPlan is a permanent neighbour entry on one of our devices. */
export interface NeighbourPlan { readonly dev: string; readonly ip: string; readonly mac: string }
/** FdbPlan is a forwarding entry on one of our vxlan devices. */
export interface FdbPlan { readonly dev: string; readonly mac: string; readonly dst: string }

/** PodNetworkPlan is one node's desired pod-network state; `annotations` values of null mean "remove". */
export interface PodNetworkPlan {
  readonly mode: NetworkMode;
  readonly links: readonly LinkPlan[];
  readonly addresses: readonly AddressPlan[];
  readonly routes: readonly RoutePlan[];
  readonly neighbours: readonly NeighbourPlan[];
  readonly fdb: readonly FdbPlan[];
  readonly annotations: Readonly<Record<string, string | null>>;
  /** errors: peers we refuse or cannot use, one clear sentence each (the rest is still planned). */
  readonly errors: readonly string[];
}

/** nodeInfoOf extracts the pod network's view of a Node object. */
export function nodeInfoOf(node: JsonObject): NodeInfo {
  const spec = (node.spec ?? {}) as JsonObject;
  const cidrs = Array.isArray(spec.podCIDRs) && spec.podCIDRs.length > 0 ? spec.podCIDRs : typeof spec.podCIDR === 'string' && spec.podCIDR ? [spec.podCIDR] : [];
  const addrs = Array.isArray(node.status?.addresses) ? node.status.addresses as JsonObject[] : [];
  const internal = addrs.find((a) => a?.type === 'InternalIP' && typeof a.address === 'string' && ipv4ToInt(a.address) !== undefined);
  const ann = (node.metadata?.annotations ?? {}) as Record<string, unknown>;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(ann)) if (typeof v === 'string') annotations[k] = v;
  return {
    name: String(node.metadata?.name ?? ''),
    podCidrs: cidrs.filter((c: unknown): c is string => typeof c === 'string' && c !== ''),
    ...(internal ? { internalIp: String(internal.address) } : {}),
    annotations,
  };
}

/** podCidr4 returns a node's first IPv4 pod CIDR, parsed. */
function podCidr4(n: NodeInfo): ReturnType<typeof parseIpv4Cidr> {
  for (const c of n.podCidrs) {
    const p = parseIpv4Cidr(c);
    if (p) return p;
  }
  return undefined;
}

/** publicIpOf returns the address peers tunnel or route to: the public-ip annotation, else the InternalIP. */
export function publicIpOf(n: NodeInfo): string | undefined {
  const a = n.annotations[ANNOTATIONS.publicIp];
  return a !== undefined && ipv4ToInt(a) !== undefined ? a : n.internalIp;
}

/** backendDataOf parses a node's backend-data annotation (`{"VNI":1,"VtepMAC":"…"}`); undefined when absent or malformed. */
export function backendDataOf(n: NodeInfo): { vni?: number; vtepMac?: string } | undefined {
  const raw = n.annotations[ANNOTATIONS.backendData];
  if (!raw) return undefined;
  try {
    const d = JSON.parse(raw) as Record<string, unknown> | null;
    if (!d || typeof d !== 'object') return undefined;
    return {
      ...(typeof d.VNI === 'number' ? { vni: d.VNI } : {}),
      ...(isMac(d.VtepMAC) ? { vtepMac: d.VtepMAC.toLowerCase() } : {}),
    };
  } catch { return undefined; }
}

/** tunnelDefaults fills in the tunnel options of a mode. */
export function tunnelDefaults(mode: NetworkMode, o: TunnelOptions = {}, underlayMtu = 1500): Required<Omit<TunnelOptions, 'mac'>> {
  const geneve = mode === 'geneve';
  return {
    vni: o.vni ?? 1,
    port: o.port ?? (geneve ? 6081 : 8472),
    device: o.device ?? (geneve ? 'geneve.1' : 'flannel.1'),
    mtu: o.mtu ?? underlayMtu - 50,
  };
}

/** upstreamRoutesOf returns a node's pod routes in `ip route` form (`10.42.1.0/24 via 192.168.50.2`), from its annotation or else its spec. */
export function upstreamRoutesOf(n: NodeInfo): string[] {
  const raw = n.annotations[ANNOTATIONS.podRoutes];
  if (raw) {
    try {
      const list = JSON.parse(raw) as unknown;
      if (Array.isArray(list) && list.every((l) => typeof l === 'string')) return list;
    } catch { /* fall back to the spec */ }
  }
  const ip = publicIpOf(n);
  if (!ip) return [];
  return n.podCidrs.map(parseIpv4Cidr).filter((c) => c !== undefined).map((c) => `${cidrText(c)} via ${ip}`);
}

/** planPodNetwork computes one node's desired pod-network state and annotations (pure). */
export function planPodNetwork(input: PlanInput): PodNetworkPlan {
  const { mode, self, underlay } = input;
  const errors: string[] = [];
  const links: LinkPlan[] = [];
  const addresses: AddressPlan[] = [];
  const routes: RoutePlan[] = [];
  const neighbours: NeighbourPlan[] = [];
  const fdb: FdbPlan[] = [];
  const ours = podCidr4(self);
  const tunnel = mode === 'vxlan' || mode === 'geneve';
  const t = tunnelDefaults(mode, input.vxlan, underlay.mtu);
  const mac = (input.vxlan?.mac ?? stableVtepMac(self.name)).toLowerCase();
  const annotations: Record<string, string | null> = {
    [ANNOTATIONS.publicIp]: underlay.ip,
    [ANNOTATIONS.backendType]: mode,
    [ANNOTATIONS.backendData]: tunnel ? JSON.stringify({ VNI: t.vni, VtepMAC: mac }) : 'null',
    [ANNOTATIONS.podRoutes]: mode === 'l3' && ours ? JSON.stringify([`${cidrText(ours)} via ${underlay.ip}`]) : null,
  };
  if (tunnel) {
    links.push({
      name: t.device, kind: mode, vni: t.vni, port: t.port, external: mode === 'geneve', mtu: t.mtu, mac,
      ...(mode === 'vxlan' ? { local: underlay.ip, dev: underlay.iface } : {}),
    });
    if (ours) addresses.push({ dev: t.device, cidr: `${ours.network}/32` });
  }
  if (mode === 'l3') return { mode, links, addresses, routes, neighbours, fdb, annotations, errors };

  const l2 = parseIpv4Cidr(`${underlay.ip}/${underlay.prefix}`);
  const taken = new Map<string, string>();
  if (ours) taken.set(cidrText(ours), self.name);
  const peers = [...input.peers].filter((p) => p.name !== self.name).sort((a, b) => a.name.localeCompare(b.name));
  for (const p of peers) {
    const cidr = podCidr4(p);
    if (!cidr) continue; // no pod CIDR yet: nothing to route
    const key = cidrText(cidr);
    const clash = taken.get(key);
    if (clash !== undefined) { errors.push(`node ${p.name}: pod CIDR ${key} is also node ${clash}'s; ignored`); continue; }
    const ip = publicIpOf(p);
    if (!ip) { errors.push(`node ${p.name} has no IPv4 InternalIP or public-ip annotation; no route to ${key}`); continue; }
    if (ip === underlay.ip) { errors.push(`node ${p.name} claims our own address ${ip}; ignored`); continue; }
    if (mode === 'host-gw') {
      if (!l2 || !inSubnet(ip, l2)) {
        errors.push(`host-gw needs all nodes on one L2 segment: node ${p.name} (${ip}) is not in ${l2 ? cidrText(l2) : `${underlay.ip}/${underlay.prefix}`}`);
        continue;
      }
      taken.set(key, p.name);
      routes.push({ dst: key, via: ip, dev: underlay.iface, onlink: false });
      continue;
    }
    const type = p.annotations[ANNOTATIONS.backendType];
    const data = backendDataOf(p);
    if (type === undefined && data === undefined) continue; // not published yet
    if (type !== mode) { errors.push(`node ${p.name} uses backend ${JSON.stringify(type ?? '')}, not ${mode}; no tunnel to it`); continue; }
    if (!data?.vtepMac) { errors.push(`node ${p.name} has no valid VtepMAC in ${ANNOTATIONS.backendData}; no tunnel to it`); continue; }
    if (data.vni !== undefined && data.vni !== t.vni) { errors.push(`node ${p.name} uses VNI ${data.vni}, we use ${t.vni}; no tunnel to it`); continue; }
    taken.set(key, p.name);
    routes.push({ dst: key, via: cidr.network, dev: t.device, onlink: true, ...(mode === 'geneve' ? { encap: { id: t.vni, dst: ip } } : {}) });
    neighbours.push({ dev: t.device, ip: cidr.network, mac: data.vtepMac });
    if (mode === 'vxlan') fdb.push({ dev: t.device, mac: data.vtepMac, dst: ip });
  }
  return { mode, links, addresses, routes, neighbours, fdb, annotations, errors };
}
