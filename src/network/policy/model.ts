/**
 * @module network/policy/model — NetworkPolicy semantics (networking.k8s.io/v1) as a pure function:
 * which of this node's pods are isolated for ingress and/or egress, and which peers and ports each
 * may talk to. Upstream rules, in short:
 * - a policy selects pods of its own namespace with `podSelector` (`{}` = all of them);
 * - `policyTypes` absent means Ingress, plus Egress when the policy has egress rules;
 * - a pod is isolated in a direction once any policy of that type selects it; what is allowed is
 *   then the union of those policies' rules (no rules — `ingress: []` — allows nothing);
 * - a rule allows traffic matching one of its peers (none listed: any peer) on one of its ports
 *   (none listed: any port); `{}` allows everything;
 * - a peer is a podSelector (pods of the policy's namespace), a namespaceSelector (all pods of the
 *   matching namespaces), both in one peer (the selected pods of the matching namespaces — AND), or
 *   an ipBlock (`cidr` minus `except`);
 * - a port is a number (with `endPort`, a range), a named container port, or absent (all ports of
 *   the protocol, TCP by default). Named ports are resolved against the destination pod: the local
 *   pod for ingress, each peer pod for egress (egress named ports match pod peers only, not
 *   ipBlocks, whose addresses name no containers).
 * Pods without an IP, host-network pods and finished pods are neither policed nor peers.
 */
import { labelSelectorFromMeta, matchesLabels, type JsonObject } from '../../api/index.ts';
import { canonicalIp } from '../dns/ip.ts';

/** Protocol is a NetworkPolicy port protocol. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** PortMatch matches a protocol and optionally a destination port or inclusive range [port, endPort]. */
export interface PortMatch { readonly protocol: Protocol; readonly port?: number; readonly endPort?: number }

/** IpBlockPeer is an allowed CIDR with holes. */
export interface IpBlockPeer { readonly cidr: string; readonly except: readonly string[] }

/** RulePeers are the addresses a rule admits: pod IPs and ipBlocks. */
export interface RulePeers { readonly ips: readonly string[]; readonly blocks: readonly IpBlockPeer[] }

/** AllowRule admits traffic from/to `peers` ('any': every address) on `ports` ('any': every port and protocol). */
export interface AllowRule { readonly peers: RulePeers | 'any'; readonly ports: readonly PortMatch[] | 'any' }

/** PodPolicy is the verdict for one local pod: undefined direction = not isolated; [] = isolated, nothing allowed. */
export interface PodPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly ips: readonly string[];
  readonly ingress?: readonly AllowRule[];
  readonly egress?: readonly AllowRule[];
  /** policies lists the `ns/name` of the policies selecting the pod. */
  readonly policies: readonly string[];
}

/** PolicyModel is every local pod that some policy isolates (pods no policy selects are absent). */
export interface PolicyModel { readonly pods: readonly PodPolicy[] }

/** PolicyModelInput is what the model is computed from: all pods and namespaces of the cluster, all policies, this node's name. */
export interface PolicyModelInput {
  readonly pods: readonly JsonObject[];
  readonly namespaces: readonly JsonObject[];
  readonly policies: readonly JsonObject[];
  readonly nodeName: string;
}

interface PodInfo { ns: string; name: string; labels: Record<string, string>; ips: string[]; local: boolean; obj: JsonObject }

/** podIPs lists a pod's canonical IPs (status.podIPs, else status.podIP). */
export function podIPs(pod: JsonObject): string[] {
  const listed: unknown[] = Array.isArray(pod.status?.podIPs) ? pod.status.podIPs.map((p: JsonObject) => p?.ip) : [];
  const raw = listed.length ? listed : [pod.status?.podIP];
  const out: string[] = [];
  for (const r of raw) {
    const ip = typeof r === 'string' ? canonicalIp(r) : undefined;
    if (ip && !out.includes(ip)) out.push(ip);
  }
  return out;
}

function usablePod(pod: JsonObject, nodeName: string): PodInfo | undefined {
  if (pod.spec?.hostNetwork === true) return undefined;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const ips = podIPs(pod);
  if (!ips.length) return undefined;
  return {
    ns: String(pod.metadata?.namespace ?? ''), name: String(pod.metadata?.name ?? ''),
    labels: pod.metadata?.labels ?? {}, ips, local: pod.spec?.nodeName === nodeName, obj: pod,
  };
}

function protocolOf(v: unknown): Protocol | undefined {
  const p = v === undefined || v === null || v === '' ? 'TCP' : typeof v === 'string' ? v.toUpperCase() : '';
  return p === 'TCP' || p === 'UDP' || p === 'SCTP' ? p : undefined;
}

/** namedPort resolves a container port name (with protocol) on a pod, undefined when it has none. */
export function namedPort(pod: JsonObject, name: string, protocol: Protocol): number | undefined {
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of Array.isArray(c?.ports) ? c.ports : []) {
      if (p?.name === name && protocolOf(p?.protocol) === protocol && Number.isInteger(p?.containerPort)) return Number(p.containerPort);
    }
  }
  return undefined;
}

/** policyTypesOf gives a policy's effective types (explicit, or Ingress plus Egress when it has egress rules). */
export function policyTypesOf(policy: JsonObject): { ingress: boolean; egress: boolean } {
  const types: unknown = policy.spec?.policyTypes;
  if (Array.isArray(types) && types.length) return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
  const eg: unknown = policy.spec?.egress;
  return { ingress: true, egress: Array.isArray(eg) && eg.length > 0 };
}

type Selector = (labels: Record<string, string>) => boolean;
const NEVER: Selector = () => false;

function selector(meta: unknown): Selector {
  if (meta === undefined || meta === null) return NEVER;
  const r = labelSelectorFromMeta(meta as JsonObject);
  return r.ok ? (labels) => matchesLabels(r.selector, labels) : NEVER;
}

/** buildPolicyModel computes the isolation and allowed traffic of every pod on `nodeName` that a policy selects. */
export function buildPolicyModel(input: PolicyModelInput): PolicyModel {
  const pods = input.pods.map((p) => usablePod(p, input.nodeName)).filter((p): p is PodInfo => p !== undefined);
  const nsLabels = new Map<string, Record<string, string>>();
  for (const ns of input.namespaces) {
    const name = String(ns.metadata?.name ?? '');
    nsLabels.set(name, { 'kubernetes.io/metadata.name': name, ...(ns.metadata?.labels ?? {}) });
  }
  const labelsOfNs = (ns: string): Record<string, string> => nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns };

  /** peerPods lists the pods a rule's `from`/`to` peers select (undefined: no pod peers at all = 'any'). */
  const peerPods = (policyNs: string, peers: JsonObject[]): { pods: PodInfo[]; blocks: IpBlockPeer[] } => {
    const chosen = new Set<PodInfo>();
    const blocks: IpBlockPeer[] = [];
    for (const peer of peers) {
      if (peer?.ipBlock) {
        const cidr = String(peer.ipBlock.cidr ?? '');
        if (cidr) blocks.push({ cidr, except: Array.isArray(peer.ipBlock.except) ? peer.ipBlock.except.map(String) : [] });
        continue;
      }
      if (!peer?.podSelector && !peer?.namespaceSelector) continue;
      const nsSel = peer.namespaceSelector ? selector(peer.namespaceSelector) : undefined;
      const podSel = peer.podSelector ? selector(peer.podSelector) : () => true;
      for (const p of pods) {
        const nsOk = nsSel ? nsSel(labelsOfNs(p.ns)) : p.ns === policyNs;
        if (nsOk && podSel(p.labels)) chosen.add(p);
      }
    }
    return { pods: [...chosen], blocks };
  };

  const local = pods.filter((p) => p.local);
  // Peers depend on the rule only (named ingress ports on the local pod): computed once per rule.
  const peerCache = new Map<JsonObject, RulePeers | 'any'>();
  const egressCache = new Map<JsonObject, AllowRule[]>();
  const out = new Map<PodInfo, { ingress?: AllowRule[]; egress?: AllowRule[]; policies: string[] }>();
  const sorted = [...input.policies].sort((a, b) =>
    `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
  for (const pol of sorted) {
    const ns = String(pol.metadata?.namespace ?? '');
    const sel = selector(pol.spec?.podSelector ?? {});
    const types = policyTypesOf(pol);
    for (const pod of local) {
      if (pod.ns !== ns || !sel(pod.labels)) continue;
      let entry = out.get(pod);
      if (!entry) { entry = { policies: [] }; out.set(pod, entry); }
      entry.policies.push(`${ns}/${String(pol.metadata?.name)}`);
      if (types.ingress) {
        entry.ingress ??= [];
        for (const rule of arr(pol.spec?.ingress)) entry.ingress.push(...ingressRule(rule, ns, pod));
      }
      if (types.egress) {
        entry.egress ??= [];
        for (const rule of arr(pol.spec?.egress)) {
          let rules = egressCache.get(rule);
          if (!rules) { rules = egressRule(rule, ns); egressCache.set(rule, rules); }
          entry.egress.push(...rules);
        }
      }
    }
  }

  function ingressRule(rule: JsonObject, ns: string, pod: PodInfo): AllowRule[] {
    let peers = peerCache.get(rule);
    if (!peers) {
      const from = arr(rule?.from);
      peers = from.length ? toPeers(peerPods(ns, from)) : 'any';
      peerCache.set(rule, peers);
    }
    const specPorts = arr(rule?.ports);
    if (!specPorts.length) return [{ peers, ports: 'any' }];
    const ports: PortMatch[] = [];
    for (const p of specPorts) {
      const m = portMatch(p, (name, proto) => namedPort(pod.obj, name, proto));
      if (m) ports.push(m);
    }
    return ports.length ? [{ peers, ports }] : [];
  }

  function egressRule(rule: JsonObject, ns: string): AllowRule[] {
    const to = arr(rule?.to);
    const selected = to.length ? peerPods(ns, to) : undefined;
    const peers = selected ? toPeers(selected) : 'any';
    const specPorts = arr(rule?.ports);
    if (!specPorts.length) return [{ peers, ports: 'any' }];
    const fixed: PortMatch[] = [];
    const rules: AllowRule[] = [];
    for (const p of specPorts) {
      if (typeof p?.port !== 'string' || /^\d+$/.test(p.port)) {
        const m = portMatch(p, () => undefined);
        if (m) fixed.push(m);
        continue;
      }
      // A named port: per destination pod, grouped by the number it resolves to.
      const proto = protocolOf(p.protocol);
      if (!proto) continue;
      const byPort = new Map<number, string[]>();
      for (const peer of selected ? selected.pods : pods) {
        const n = namedPort(peer.obj, p.port, proto);
        if (n !== undefined) byPort.set(n, [...(byPort.get(n) ?? []), ...peer.ips]);
      }
      for (const [port, ips] of [...byPort].sort((a, b) => a[0] - b[0])) rules.push({ peers: { ips: [...new Set(ips)].sort(), blocks: [] }, ports: [{ protocol: proto, port }] });
    }
    return fixed.length ? [{ peers, ports: fixed }, ...rules] : rules;
  }

  const result: PodPolicy[] = [];
  for (const [pod, e] of out) {
    result.push({ namespace: pod.ns, name: pod.name, ips: pod.ips, ...(e.ingress ? { ingress: e.ingress } : {}), ...(e.egress ? { egress: e.egress } : {}), policies: e.policies });
  }
  result.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  return { pods: result };
}

function arr(v: unknown): JsonObject[] { return Array.isArray(v) ? (v as JsonObject[]) : []; }

function toPeers(sel: { pods: PodInfo[]; blocks: IpBlockPeer[] }): RulePeers {
  return { ips: [...new Set(sel.pods.flatMap((p) => p.ips))].sort(), blocks: sel.blocks };
}

/** portMatch turns one NetworkPolicyPort into a match (named ports through `resolve`); undefined when it matches nothing. */
function portMatch(p: JsonObject, resolve: (name: string, proto: Protocol) => number | undefined): PortMatch | undefined {
  const protocol = protocolOf(p?.protocol);
  if (!protocol) return undefined;
  const port: unknown = p?.port;
  if (port === undefined || port === null) return { protocol };
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return { protocol, port: Number(port) };
    const n = resolve(port, protocol);
    return n === undefined ? undefined : { protocol, port: n };
  }
  const num = Number(port);
  if (!Number.isInteger(num)) return undefined;
  const end: unknown = p?.endPort;
  return typeof end === 'number' && Number.isInteger(end) && end > num ? { protocol, port: num, endPort: end } : { protocol, port: num };
}
