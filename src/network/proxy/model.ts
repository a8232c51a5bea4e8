/**
 * @module network/proxy/model — the pure half of the service proxy: core/v1 Services and
 * discovery/v1 EndpointSlices (wire JSON) in, one `ServicePortModel` per service port out, with
 * kube-proxy's semantics for one node: ClusterIP / externalIPs / load-balancer IPs / NodePort,
 * session affinity, internal and external traffic policy Local, ready endpoints with the
 * serving-and-terminating fallback, named target ports resolved through each slice's ports.
 * Headless and ExternalName services (and services without an allocated IP) are left out.
 */
import type { JsonObject, k8s } from '../../api/index.ts';

/** Protocol is a service port's L4 protocol as nft spells it. */
export type Protocol = 'tcp' | 'udp' | 'sctp';

/** IpFamily is the address family one proxy table serves ('ip' = IPv4 now; 'ip6' later). */
export type IpFamily = 'ip' | 'ip6';

/** ProxyEndpoint is one usable backend of a service port. */
export interface ProxyEndpoint {
  readonly ip: string;
  readonly port: number;
  /** local says the endpoint runs on this node. */
  readonly local: boolean;
}

/** ServicePortModel is everything the renderer needs about one port of one service. */
export interface ServicePortModel {
  /** key is `namespace/name/protocol/portName` (the port number when the port has no name); unique, nft-name-safe. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly portName: string;
  readonly protocol: Protocol;
  readonly clusterIP: string;
  readonly port: number;
  /** nodePort is 0 unless the service is NodePort or LoadBalancer. */
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
  /** affinitySeconds is the ClientIP affinity timeout, 0 without affinity. */
  readonly affinitySeconds: number;
  readonly internalLocal: boolean;
  readonly externalLocal: boolean;
  /** clusterEndpoints serve traffic to the cluster IP (node-local only under internalTrafficPolicy Local). */
  readonly clusterEndpoints: readonly ProxyEndpoint[];
  /** externalEndpoints serve NodePort / external / LB traffic (node-local only under externalTrafficPolicy Local). */
  readonly externalEndpoints: readonly ProxyEndpoint[];
  /** hasEndpoints says any usable endpoint exists anywhere (no endpoints → reject; only remote ones under Local → drop). */
  readonly hasEndpoints: boolean;
}

/** ProxyModel is the desired state of one node's service proxy, sorted by key. */
export interface ProxyModel {
  readonly family: IpFamily;
  /** nodeIps are this node's addresses (informational; NodePorts match every local address unless nodePortAddresses is set). */
  readonly nodeIps: readonly string[];
  readonly clusterCidrs: readonly string[];
  /** nodePortAddresses limits NodePorts to these node IPs (empty: every local address but loopback). */
  readonly nodePortAddresses: readonly string[];
  readonly services: readonly ServicePortModel[];
}

/** ProxyModelInput is what `buildProxyModel` reads. */
export interface ProxyModelInput {
  /** services and endpointSlices are wire JSON as the API returns them. */
  readonly services: readonly (k8s.Service | JsonObject)[];
  readonly endpointSlices: readonly (k8s.EndpointSlice | JsonObject)[];
  readonly nodeName: string;
  readonly nodeIps: readonly string[];
  readonly clusterCidrs: readonly string[];
  readonly nodePortAddresses?: readonly string[];
  readonly family?: IpFamily;
}

/** DEFAULT_AFFINITY_SECONDS is Kubernetes' default ClientIP affinity timeout (3 hours). */
export const DEFAULT_AFFINITY_SECONDS = 10800;

/** SERVICE_NAME_LABEL links an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const isV4 = (ip: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
const familyOk = (family: IpFamily, ip: string): boolean => (family === 'ip' ? isV4(ip) : ip.includes(':'));

function protocolOf(p: string | undefined): Protocol | undefined {
  const v = (p ?? 'TCP').toUpperCase();
  return v === 'TCP' ? 'tcp' : v === 'UDP' ? 'udp' : v === 'SCTP' ? 'sctp' : undefined;
}

/** Candidate is an endpoint address with its conditions, before the ready/terminating choice. */
interface Candidate { ip: string; port: number; local: boolean; ready: boolean; servingTerminating: boolean }

/** pick applies upstream's rule: ready endpoints; if there are none, the serving-and-terminating ones. */
function pick(cands: readonly Candidate[]): ProxyEndpoint[] {
  const ready = cands.filter((c) => c.ready);
  const chosen = ready.length > 0 ? ready : cands.filter((c) => c.servingTerminating);
  return chosen.map(({ ip, port, local }) => ({ ip, port, local }));
}

/** sorted orders endpoints by address (IPv4 numerically) then port, computing each sort key once. */
function sorted(eps: ProxyEndpoint[]): ProxyEndpoint[] {
  if (eps.length < 2) return eps;
  const keyed = eps.map((e) => ({ k: ipKey(e.ip), e }));
  keyed.sort((a, b) => (a.k === b.k ? a.e.port - b.e.port : a.k < b.k ? -1 : 1));
  return keyed.map((x) => x.e);
}

/** ipKey makes IPv4 addresses sort numerically (other strings sort as they are). */
function ipKey(ip: string): string {
  if (!isV4(ip)) return ip;
  const [a, b, c, d] = ip.split('.');
  return `${a.padStart(3, '0')}.${b.padStart(3, '0')}.${c.padStart(3, '0')}.${d.padStart(3, '0')}`;
}

/** candidatesFor gathers the endpoints of one service port from the service's slices, deduplicated by ip:port. */
function candidatesFor(slices: readonly k8s.EndpointSlice[], sp: k8s.ServicePort, proto: Protocol, family: IpFamily, nodeName: string): Candidate[] {
  const byAddr = new Map<string, Candidate>();
  const want = family === 'ip' ? 'IPv4' : 'IPv6';
  for (const slice of slices) {
    if (slice.addressType !== want) continue;
    const sport = (slice.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? '') && protocolOf(p.protocol) === proto);
    if (!sport || typeof sport.port !== 'number') continue;
    for (const ep of slice.endpoints ?? []) {
      const c = ep.conditions ?? {};
      const ready = c.ready !== false; // nil means ready
      const serving = c.serving ?? ready;
      const terminating = c.terminating === true;
      for (const ip of (ep.addresses ?? []).slice(0, 1)) { // kube-proxy uses the first address only
        if (!familyOk(family, ip)) continue;
        const k = `${ip}:${sport.port}`;
        const prev = byAddr.get(k);
        const cand = { ip, port: sport.port, local: ep.nodeName === nodeName, ready, servingTerminating: serving && terminating };
        if (!prev || (!prev.ready && cand.ready)) byAddr.set(k, cand);
      }
    }
  }
  return [...byAddr.values()];
}

/** PortOptions are the node facts `servicePortsOf` needs. */
export interface PortOptions { readonly nodeName: string; readonly family?: IpFamily }

/** slicesByService groups EndpointSlices by `namespace/service-name` (their service-name label). */
export function slicesByService(slices: readonly k8s.EndpointSlice[]): Map<string, k8s.EndpointSlice[]> {
  const out = new Map<string, k8s.EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const k = `${s.metadata?.namespace ?? ''}/${svc}`;
    const list = out.get(k);
    if (list) list.push(s);
    else out.set(k, [s]);
  }
  return out;
}

/** servicePortsOf models the ports of one service from its own slices ([] for headless, ExternalName or unallocated services). */
export function servicePortsOf(svc: k8s.Service, slices: readonly k8s.EndpointSlice[], opts: PortOptions): ServicePortModel[] {
  const family = opts.family ?? 'ip';
  const spec = svc.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (type === 'ExternalName') return [];
  const clusterIP = (spec.clusterIPs ?? [spec.clusterIP ?? '']).find((ip) => familyOk(family, ip)) ?? '';
  if (!clusterIP) return []; // headless ("None"), not yet allocated, or another family
  const namespace = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  const affinity = spec.sessionAffinity === 'ClientIP'
    ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : 0;
  const internalLocal = spec.internalTrafficPolicy === 'Local';
  const hasNodePort = type === 'NodePort' || type === 'LoadBalancer';
  const externalIPs = (spec.externalIPs ?? []).filter((ip) => familyOk(family, ip));
  const lbIPs = type === 'LoadBalancer'
    ? (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip && i.ipMode !== 'Proxy' && familyOk(family, i.ip)).map((i) => i.ip!)
    : [];
  const externalLocal = spec.externalTrafficPolicy === 'Local' && (hasNodePort || externalIPs.length > 0);
  const out: ServicePortModel[] = [];
  for (const sp of spec.ports ?? []) {
    const protocol = protocolOf(sp.protocol);
    if (!protocol || !sp.port) continue;
    const cands = candidatesFor(slices, sp, protocol, family, opts.nodeName);
    const all = sorted(pick(cands));
    const local = sorted(pick(cands.filter((c) => c.local)));
    const portName = sp.name ?? '';
    out.push({
      key: `${namespace}/${name}/${protocol}/${portName || sp.port}`,
      namespace, name, portName, protocol, clusterIP, port: sp.port,
      nodePort: hasNodePort ? (sp.nodePort ?? 0) : 0,
      externalIPs, loadBalancerIPs: lbIPs, affinitySeconds: affinity, internalLocal, externalLocal,
      clusterEndpoints: internalLocal ? local : all,
      externalEndpoints: externalLocal ? local : all,
      hasEndpoints: all.length > 0,
    });
  }
  return out;
}

/** byKey orders service ports by key. */
export function byKey(a: ServicePortModel, b: ServicePortModel): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** buildProxyModel turns Services and EndpointSlices into the per-service-port model for one node. */
export function buildProxyModel(input: ProxyModelInput): ProxyModel {
  const family = input.family ?? 'ip';
  const slices = slicesByService(input.endpointSlices as readonly k8s.EndpointSlice[]);
  const services: ServicePortModel[] = [];
  for (const svc of input.services as readonly k8s.Service[]) {
    const k = `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;
    services.push(...servicePortsOf(svc, slices.get(k) ?? [], { nodeName: input.nodeName, family }));
  }
  services.sort(byKey);
  return modelOf(services, input, family);
}

/** modelOf wraps already-built service ports with the node-wide settings. */
export function modelOf(services: ServicePortModel[], input: Pick<ProxyModelInput, 'clusterCidrs' | 'nodePortAddresses' | 'nodeIps'>, family: IpFamily = 'ip'): ProxyModel {
  return {
    family,
    nodeIps: input.nodeIps.filter((ip) => familyOk(family, ip)),
    clusterCidrs: input.clusterCidrs.filter((c) => familyOk(family, c.split('/')[0])),
    nodePortAddresses: (input.nodePortAddresses ?? []).filter((ip) => familyOk(family, ip.split('/')[0])),
    services,
  };
}
