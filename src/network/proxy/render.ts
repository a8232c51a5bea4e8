/**
 * @module network/proxy/render — turns a ProxyModel into nftables text for `nft -f`: one table
 * (`table ip windlass-proxy`) with upstream kube-proxy's nftables-mode skeleton — base chains on
 * the nat and filter hooks, a `service-ips` verdict map keyed by `daddr . l4proto . dport`, a
 * `service-nodeports` map, reject/drop maps for services without (local) endpoints, masquerade
 * marking and hairpin masquerade.
 *
 * Deviation from upstream, forced by measurements on nft 1.0.6 / kernel 6.18 (bench/README.md):
 * services do NOT get their own chains. A service with n backends points (verdict element) at a
 * shared chain `lb-c-<n>` that DNATs with `<frontend> . numgen random mod n` looked up in map
 * `be-<n>`, whose elements list each frontend's backends by index (node ports: `np-*-<n>` and
 * `nbe-<n>`). The chain count stays small, which matters twice: nft dumps every chain of the
 * ruleset before each command (so each increment cost ~5 µs per chain), and upstream's per-service
 * anonymous `numgen … vmap {}` sets make the kernel commit quadratic (10k services: 2 minutes).
 * Only ClientIP-affinity services keep per-service chains (`svc-`, `ext-`, per-endpoint `sep-`
 * with `update @aff-…` timeout sets), choosing with `numgen random mod k == 0` rules. Hairpin
 * traffic is found by one `saddr . daddr` set in postrouting.
 *
 * Each service port renders to a Fragment (its own chains, sets and map elements, plus the shared
 * chains it uses) so that an incremental sync can replace one service without touching others.
 */
import type { IpFamily, ProxyEndpoint, ProxyModel, ServicePortModel } from './model.ts';

/** TABLE_NAME is the nft table every windlass proxy rule lives in. */
export const TABLE_NAME = 'windlass-proxy';

/** MASQ_MARK is the packet-mark bit that asks postrouting to masquerade (upstream's value). */
export const MASQ_MARK = '0x4000';

/** Global maps and sets, declared once per table. */
export const MAPS = {
  serviceIps: 'service-ips',
  nodePorts: 'service-nodeports',
  noEndpointServices: 'no-endpoint-services',
  noEndpointNodePorts: 'no-endpoint-nodeports',
  hairpin: 'hairpin',
  clusterCidrs: 'cluster-cidrs',
  nodePortIps: 'nodeport-ips',
} as const;

/** Fragment is what one service port contributes to the table. */
export interface Fragment {
  readonly key: string;
  /** sets maps a set name to its declaration body (`type …; flags …; timeout …;`). */
  readonly sets: ReadonlyMap<string, string>;
  /** chains maps a chain name to its rules, in order. */
  readonly chains: ReadonlyMap<string, readonly string[]>;
  /** elements are `[map, key, value]` triples for the global maps. */
  readonly elements: readonly (readonly [string, string, string])[];
  /** hairpin lists node-local endpoint IPs (shared between services, so reference-counted by the syncer). */
  readonly hairpin: readonly string[];
  /** shared names the shared load-balancing chains (`lb-c-3`, `np-x-1`…) its elements point to. */
  readonly shared: readonly string[];
}

/** FamilyText holds the words that differ between the ip and ip6 tables. */
interface FamilyText { readonly m: string; readonly addr: string; readonly loopback: string; readonly unreachable: string }

const FAMILY: Record<IpFamily, FamilyText> = {
  ip: { m: 'ip', addr: 'ipv4_addr', loopback: '127.0.0.0/8', unreachable: 'icmp type host-unreachable' },
  ip6: { m: 'ip6', addr: 'ipv6_addr', loopback: '::1', unreachable: 'icmpv6 type addr-unreachable' },
};

/** RenderContext carries the model-wide settings fragments need. */
export interface RenderContext { readonly family: IpFamily; readonly clusterCidrs: readonly string[] }

const hostPort = (family: IpFamily, ip: string, port: number): string => (family === 'ip6' ? `[${ip}]:${port}` : `${ip}:${port}`);
const safe = (ip: string): string => ip.replaceAll(':', '_');

/** chainNames gives the chain and set names a service port uses (nft identifiers: letters, digits, / - _ .). */
export function chainNames(key: string): { svc: string; ext: string; sep: (e: ProxyEndpoint) => string; aff: (e: ProxyEndpoint) => string } {
  return {
    svc: `svc-${key}`,
    ext: `ext-${key}`,
    sep: (e) => `sep-${key}/${safe(e.ip)}/${e.port}`,
    aff: (e) => `aff-${key}/${safe(e.ip)}/${e.port}`,
  };
}

/** selection renders the rules of an affinity service that stick to a client's endpoint or pick one uniformly. */
function selection(ctx: RenderContext, s: ServicePortModel, eps: readonly ProxyEndpoint[]): string[] {
  const n = chainNames(s.key);
  const f = FAMILY[ctx.family];
  const rules: string[] = [];
  const pickRule = (i: number, action: string): string => (i < eps.length - 1 ? `numgen random mod ${eps.length - i} == 0 ${action}` : action);
  for (const e of eps) rules.push(`${f.m} saddr @${n.aff(e)} goto ${n.sep(e)}`);
  eps.forEach((e, i) => rules.push(pickRule(i, `goto ${n.sep(e)}`)));
  return rules;
}

/** SharedChain is one shared load-balancing chain with the map of backends it reads. */
export interface SharedChain { readonly map: string; readonly mapHead: string; readonly rules: readonly string[] }

/**
 * sharedChain describes `lb-<kind>-<n>` (backends in map `be-<n>`, keyed `daddr . l4proto . dport .
 * index`) or `np-<kind>-<n>` (node ports; map `nbe-<n>`, keyed `l4proto . dport . index`): the chain
 * marks for masquerade by kind — c: cluster IP, off-cluster clients; x: external, policy Cluster,
 * everyone; l: external, policy Local, node-local clients only — then DNATs to backend number
 * `numgen random mod n` of the packet's frontend. One chain serves every service with n backends.
 */
export function sharedChain(ctx: RenderContext, name: string): SharedChain {
  const m = /^(lb|np)-([cxl])-(\d+)$/.exec(name);
  if (!m) throw new Error(`not a shared chain name: ${name}`);
  const f = FAMILY[ctx.family];
  const [, kind, who, n] = m;
  const map = `${kind === 'lb' ? 'be' : 'nbe'}-${n}`;
  const key = kind === 'lb' ? `${f.m} daddr . meta l4proto . th dport` : 'meta l4proto . th dport';
  const markAll = `meta mark set meta mark | ${MASQ_MARK}`;
  const rules: string[] = [];
  if (who === 'x') rules.push(markAll);
  else if (who === 'l') rules.push(`fib saddr type local ${markAll}`);
  else if (ctx.clusterCidrs.length === 1) rules.push(`${f.m} saddr != ${ctx.clusterCidrs[0]} ${markAll}`);
  else if (ctx.clusterCidrs.length > 1) rules.push(`${f.m} saddr != @${MAPS.clusterCidrs} ${markAll}`);
  for (const p of ['tcp', 'udp', 'sctp']) rules.push(`meta l4proto ${p} dnat to ${key} . numgen random mod ${n} map @${map}`);
  return { map, mapHead: `typeof ${key} . numgen random mod 1 : ${f.m} daddr . tcp dport`, rules };
}

/** fragmentFor renders one service port. */
export function fragmentFor(ctx: RenderContext, s: ServicePortModel): Fragment {
  const f = FAMILY[ctx.family];
  const n = chainNames(s.key);
  const chains = new Map<string, string[]>();
  const sets = new Map<string, string>();
  const elements: [string, string, string][] = [];
  const hairpin = new Set<string>();
  const markAll = `meta mark set meta mark | ${MASQ_MARK}`;
  const noEndpoints = s.hasEndpoints ? 'drop' : 'goto reject-chain';
  const sk = (ip: string, port: number): string => `${ip} . ${s.protocol} . ${port}`;

  // Endpoint chains (affinity only) for every endpoint either path uses.
  if (s.affinitySeconds > 0) {
    for (const e of uniq([...s.clusterEndpoints, ...s.externalEndpoints])) {
      sets.set(n.aff(e), `type ${f.addr}; flags dynamic,timeout; timeout ${s.affinitySeconds}s;`);
      chains.set(n.sep(e), [
        `update @${n.aff(e)} { ${f.m} saddr }`,
        `meta l4proto ${s.protocol} dnat to ${hostPort(ctx.family, e.ip, e.port)}`,
      ]);
    }
  }
  // Only an endpoint on this node can be its own client through this node's rules.
  for (const e of [...s.clusterEndpoints, ...s.externalEndpoints]) if (e.local) hairpin.add(e.ip);

  const externalIps = [...s.externalIPs, ...s.loadBalancerIPs];
  const shared = new Set<string>();
  /** viaMaps sends one frontend to a shared chain and lists its backends in that chain's map. */
  const viaMaps = (vmap: string, front: string, eps: readonly ProxyEndpoint[], chain: string): void => {
    const sc = sharedChain(ctx, chain);
    shared.add(chain);
    elements.push([vmap, front, `goto ${chain}`]);
    eps.forEach((e, i) => elements.push([sc.map, `${front} . ${i}`, `${e.ip} . ${e.port}`]));
  };

  // Cluster path.
  if (s.clusterEndpoints.length > 0) {
    if (s.affinitySeconds > 0) {
      const rules: string[] = [];
      if (ctx.clusterCidrs.length === 1) rules.push(`${f.m} saddr != ${ctx.clusterCidrs[0]} ${markAll}`);
      else if (ctx.clusterCidrs.length > 1) rules.push(`${f.m} saddr != @${MAPS.clusterCidrs} ${markAll}`);
      rules.push(...selection(ctx, s, s.clusterEndpoints));
      chains.set(n.svc, rules);
      elements.push([MAPS.serviceIps, sk(s.clusterIP, s.port), `goto ${n.svc}`]);
    } else {
      viaMaps(MAPS.serviceIps, sk(s.clusterIP, s.port), s.clusterEndpoints, `lb-c-${s.clusterEndpoints.length}`);
    }
  } else {
    elements.push([MAPS.noEndpointServices, sk(s.clusterIP, s.port), noEndpoints]);
  }

  // External path: NodePort, externalIPs, load-balancer IPs.
  if (s.nodePort > 0 || externalIps.length > 0) {
    if (s.externalEndpoints.length > 0 && s.affinitySeconds > 0) {
      // Policy Cluster masquerades everything; Local keeps the client's address except for node-local clients.
      const mark = s.externalLocal ? `fib saddr type local ${markAll}` : markAll;
      chains.set(n.ext, [mark, ...selection(ctx, s, s.externalEndpoints)]);
      if (s.nodePort > 0) elements.push([MAPS.nodePorts, `${s.protocol} . ${s.nodePort}`, `goto ${n.ext}`]);
      for (const ip of externalIps) elements.push([MAPS.serviceIps, sk(ip, s.port), `goto ${n.ext}`]);
    } else if (s.externalEndpoints.length > 0) {
      const kind = s.externalLocal ? 'l' : 'x';
      const m = s.externalEndpoints.length;
      if (s.nodePort > 0) viaMaps(MAPS.nodePorts, `${s.protocol} . ${s.nodePort}`, s.externalEndpoints, `np-${kind}-${m}`);
      for (const ip of externalIps) viaMaps(MAPS.serviceIps, sk(ip, s.port), s.externalEndpoints, `lb-${kind}-${m}`);
    } else {
      if (s.nodePort > 0) elements.push([MAPS.noEndpointNodePorts, `${s.protocol} . ${s.nodePort}`, noEndpoints]);
      for (const ip of externalIps) elements.push([MAPS.noEndpointServices, sk(ip, s.port), noEndpoints]);
    }
  }
  return { key: s.key, sets, chains, elements, hairpin: [...hairpin], shared: [...shared] };
}

function uniq(eps: readonly ProxyEndpoint[]): ProxyEndpoint[] {
  const seen = new Map<string, ProxyEndpoint>();
  for (const e of eps) seen.set(`${e.ip}/${e.port}`, e);
  return [...seen.values()];
}

/** baseSignature identifies the model-wide settings; when it changes, the syncer re-renders everything. */
export function baseSignature(model: ProxyModel): string {
  return JSON.stringify([model.family, model.clusterCidrs, model.nodePortAddresses]);
}

/** MapDecl describes one global map or set for the declaration block. */
interface MapDecl { readonly kind: 'map' | 'set'; readonly name: string; readonly head: string }

function globalMaps(model: ProxyModel): MapDecl[] {
  const f = FAMILY[model.family];
  const svcKey = `${f.addr} . inet_proto . inet_service`;
  const decls: MapDecl[] = [
    { kind: 'map', name: MAPS.serviceIps, head: `type ${svcKey} : verdict` },
    { kind: 'map', name: MAPS.nodePorts, head: 'type inet_proto . inet_service : verdict' },
    { kind: 'map', name: MAPS.noEndpointServices, head: `type ${svcKey} : verdict` },
    { kind: 'map', name: MAPS.noEndpointNodePorts, head: 'type inet_proto . inet_service : verdict' },
    { kind: 'set', name: MAPS.hairpin, head: `type ${f.addr} . ${f.addr}` },
  ];
  if (model.clusterCidrs.length > 1) decls.push({ kind: 'set', name: MAPS.clusterCidrs, head: `type ${f.addr}\n    flags interval` });
  if (model.nodePortAddresses.length > 0) decls.push({ kind: 'set', name: MAPS.nodePortIps, head: `type ${f.addr}\n    flags interval` });
  return decls;
}

/** baseChains renders the hook chains and helper chains (fixed for a given model-wide setting). */
function baseChains(model: ProxyModel): [string, string | undefined, string[]][] {
  const f = FAMILY[model.family];
  const nodePortMatch = model.nodePortAddresses.length > 0
    ? `${f.m} daddr @${MAPS.nodePortIps}`
    : `fib daddr type local ${f.m} daddr != ${f.loopback}`;
  return [
    ['nat-prerouting', 'type nat hook prerouting priority dstnat; policy accept;', ['jump services']],
    // nft 1.0.6 rejects `priority dstnat` on the output hook; -100 is the same number.
    ['nat-output', 'type nat hook output priority -100; policy accept;', ['jump services']],
    ['nat-postrouting', 'type nat hook postrouting priority srcnat; policy accept;', ['jump masquerading']],
    ['filter-input', 'type filter hook input priority -110; policy accept;', ['ct state new jump nodeport-endpoints-check', 'ct state new jump service-endpoints-check']],
    ['filter-forward', 'type filter hook forward priority -110; policy accept;', ['ct state new jump service-endpoints-check']],
    ['filter-output', 'type filter hook output priority -110; policy accept;', ['ct state new jump service-endpoints-check']],
    ['services', undefined, [
      `${f.m} daddr . meta l4proto . th dport vmap @${MAPS.serviceIps}`,
      `${nodePortMatch} meta l4proto . th dport vmap @${MAPS.nodePorts}`,
    ]],
    ['masquerading', undefined, [
      `ct status dnat ${f.m} saddr . ${f.m} daddr @${MAPS.hairpin} masquerade fully-random`,
      `meta mark & ${MASQ_MARK} == 0 return`,
      `meta mark set meta mark ^ ${MASQ_MARK}`,
      'masquerade fully-random',
    ]],
    ['service-endpoints-check', undefined, [`${f.m} daddr . meta l4proto . th dport vmap @${MAPS.noEndpointServices}`]],
    ['nodeport-endpoints-check', undefined, [`${nodePortMatch} meta l4proto . th dport vmap @${MAPS.noEndpointNodePorts}`]],
    ['reject-chain', undefined, ['meta l4proto tcp reject with tcp reset', `reject with ${f.unreachable}`]],
  ];
}

/**
 * renderFull renders a script that atomically replaces the whole table with `fragments` (one nft
 * transaction). A map key two fragments claim goes to the first; `owners` (when given) is filled
 * with `map key` → fragment key for every element rendered.
 */
export function renderFull(model: ProxyModel, fragments: Iterable<Fragment>, table = TABLE_NAME, owners = new Map<string, string>()): string {
  const fam = model.family;
  const out: string[] = [`add table ${fam} ${table}`, `delete table ${fam} ${table}`, `table ${fam} ${table} {`];
  const elements = new Map<string, string[]>();
  const hairpin = new Set<string>();
  const frs = [...fragments];
  for (const fr of frs) {
    for (const [map, k, v] of fr.elements) {
      const id = `${map} ${k}`;
      if (owners.has(id)) continue; // a duplicate key (two services claiming one IP:port): the first wins
      owners.set(id, fr.key);
      let list = elements.get(map);
      if (!list) elements.set(map, (list = []));
      list.push(v ? `${k} : ${v}` : k);
    }
    for (const ip of fr.hairpin) hairpin.add(ip);
  }
  if (hairpin.size) elements.set(MAPS.hairpin, [...hairpin].map((ip) => `${ip} . ${ip}`));
  if (model.clusterCidrs.length > 1) elements.set(MAPS.clusterCidrs, [...model.clusterCidrs]);
  if (model.nodePortAddresses.length > 0) elements.set(MAPS.nodePortIps, [...model.nodePortAddresses]);
  const ctx: RenderContext = { family: fam, clusterCidrs: model.clusterCidrs };
  const shared = new Map<string, SharedChain>();
  for (const fr of frs) for (const name of fr.shared) if (!shared.has(name)) shared.set(name, sharedChain(ctx, name));
  const decls = globalMaps(model);
  for (const sc of new Map([...shared.values()].map((sc) => [sc.map, sc])).values()) decls.push({ kind: 'map', name: sc.map, head: sc.mapHead });
  for (const d of decls) {
    const els = elements.get(d.name);
    out.push(`  ${d.kind} ${d.name} {`, `    ${d.head}`);
    if (els?.length) out.push(`    elements = { ${els.join(',\n      ')} }`);
    out.push('  }');
  }
  for (const fr of frs) {
    for (const [name, body] of fr.sets) out.push(`  set ${name} { ${body} }`);
  }
  for (const [name, hook, rules] of baseChains(model)) pushChain(out, name, rules, hook);
  for (const [name, sc] of shared) pushChain(out, name, sc.rules);
  for (const fr of frs) for (const [name, rules] of fr.chains) pushChain(out, name, rules);
  out.push('}', '');
  return out.join('\n');
}

function pushChain(out: string[], name: string, rules: readonly string[], hook?: string): void {
  out.push(`  chain ${name} {`);
  if (hook) out.push(`    ${hook}`);
  for (const r of rules) out.push(`    ${r}`);
  out.push('  }');
}

/** renderDelete renders a script that removes the table if it exists. */
export function renderDelete(family: IpFamily, table = TABLE_NAME): string {
  return `add table ${family} ${table}\ndelete table ${family} ${table}\n`;
}
