/**
 * @module network/policy/render — the nftables ruleset enforcing a PolicyModel on one node, as one
 * `nft -f` script that replaces the table atomically (add + delete + define in one transaction):
 * - base chains on the `forward` hook (routed traffic, and — with br_netfilter — traffic bridged
 *   between pods of the node), the `input` hook (a pod talking to its node: that pod's egress) and,
 *   when asked, the `output` hook (the node talking to its pods; upstream allows it by default so
 *   that probes work);
 * - `ct state established,related accept` first: replies of allowed connections always pass;
 * - `ip saddr vmap @egress_v4` (and v6) jumps to the source pod's egress chain, whose allow rules
 *   `return` (so the destination's ingress is checked next) and which ends in `drop`; then
 *   `ip daddr vmap @ingress_v4` jumps to the destination pod's ingress chain (allow rules `accept`,
 *   then `drop`); pods with identical rules share a chain;
 * - peers are named interval sets (pod IPs, ipBlock CIDRs with their `except` holes cut out, merged),
 *   ports are `meta l4proto <p> th dport { n, a-b }` (endPort ranges).
 */
import { parseCidrRange, parseIp, formatIp } from '../dns/ip.ts';
import type { AllowRule, PolicyModel, PortMatch, Protocol, RulePeers } from './model.ts';

/** RenderOptions name the table and pick what is enforced. */
export interface RenderOptions {
  /** table name (default `windlass-policy`). */
  readonly table?: string;
  /** family `inet` (IPv4 + IPv6, default) or `ip` (IPv4 only). */
  readonly family?: 'inet' | 'ip';
  /** enforceFromNode applies pods' ingress rules to traffic the node itself sends them (default false: always allowed, as upstream). */
  readonly enforceFromNode?: boolean;
}

/** DEFAULT_POLICY_TABLE is the table the enforcer owns. */
export const DEFAULT_POLICY_TABLE = 'windlass-policy';

interface Range { first: bigint; last: bigint }

/** mergeRanges sorts and merges overlapping or adjacent inclusive ranges. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.first <= last.last + 1n) { if (r.last > last.last) last.last = r.last; } else out.push({ ...r });
  }
  return out;
}

/** subtractRanges removes `holes` from `ranges`. */
export function subtractRanges(ranges: readonly Range[], holes: readonly Range[]): Range[] {
  let cur = mergeRanges(ranges);
  for (const h of mergeRanges(holes)) {
    const next: Range[] = [];
    for (const r of cur) {
      if (h.last < r.first || h.first > r.last) { next.push(r); continue; }
      if (h.first > r.first) next.push({ first: r.first, last: h.first - 1n });
      if (h.last < r.last) next.push({ first: h.last + 1n, last: r.last });
    }
    cur = next;
  }
  return cur;
}

/** peerRanges computes the address ranges of one family a rule's peers admit. */
export function peerRanges(peers: RulePeers, family: 4 | 6): Range[] {
  const all: Range[] = [];
  for (const ip of peers.ips) {
    const a = parseIp(ip);
    if (a?.family === family) all.push({ first: a.value, last: a.value });
  }
  for (const b of peers.blocks) {
    const r = parseCidrRange(b.cidr);
    if (!r || r.family !== family) continue;
    const holes = b.except.map((e) => parseCidrRange(e)).filter((e): e is NonNullable<typeof e> => e?.family === family);
    all.push(...subtractRanges([r], holes));
  }
  return mergeRanges(all);
}

function formatRange(r: Range, family: 4 | 6): string {
  const first = formatIp({ family, value: r.first });
  if (r.first === r.last) return first;
  const size = r.last - r.first + 1n;
  const bits = family === 4 ? 32 : 128;
  if ((size & (size - 1n)) === 0n && (r.first & (size - 1n)) === 0n) return `${first}/${bits - (size.toString(2).length - 1)}`;
  return `${first}-${formatIp({ family, value: r.last })}`;
}

function portExprs(ports: readonly PortMatch[] | 'any'): string[] {
  if (ports === 'any') return [''];
  const out: string[] = [];
  for (const proto of ['TCP', 'UDP', 'SCTP'] as const satisfies readonly Protocol[]) {
    const mine = ports.filter((p) => p.protocol === proto);
    if (!mine.length) continue;
    const l4 = `meta l4proto ${proto.toLowerCase()}`;
    if (mine.some((p) => p.port === undefined)) { out.push(l4); continue; }
    const ranges = mergeRanges(mine.map((p) => ({ first: BigInt(p.port as number), last: BigInt(p.endPort ?? (p.port as number)) })));
    const items = ranges.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`));
    out.push(`${l4} th dport ${items.length === 1 ? items[0] : `{ ${items.join(', ')} }`}`);
  }
  return out;
}

/** renderPolicyRuleset renders the script that atomically replaces the policy table with the model's rules (or removes it when nothing is isolated). */
export function renderPolicyRuleset(model: PolicyModel, opts: RenderOptions = {}): string {
  const table = opts.table ?? DEFAULT_POLICY_TABLE;
  const family = opts.family ?? 'inet';
  const families: (4 | 6)[] = family === 'inet' ? [4, 6] : [4];
  const isolated = model.pods.filter((p) => p.ingress || p.egress);
  if (!isolated.length) return removePolicyScript(opts);

  const sets: string[] = [];
  const chains: string[] = [];
  const chainOf = { in: new Map<string, string>(), out: new Map<string, string>() };
  const chainFor = (dir: 'in' | 'out', rules: readonly AllowRule[]): string => {
    const key = JSON.stringify(rules);
    const known = chainOf[dir].get(key);
    if (known) return known;
    const name = `${dir === 'in' ? 'ing' : 'egr'}_${chainOf[dir].size}`;
    chainOf[dir].set(key, name);
    const lines: string[] = [];
    const verdict = dir === 'in' ? 'accept' : 'return';
    rules.forEach((rule, j) => {
      const addrs: string[] = [];
      if (rule.peers === 'any') addrs.push('');
      else {
        for (const f of families) {
          const ranges = peerRanges(rule.peers, f);
          if (!ranges.length) continue;
          const set = `${name}_r${j}_v${f}`;
          sets.push(`  set ${set} {\n    type ${f === 4 ? 'ipv4_addr' : 'ipv6_addr'}; flags interval;\n    elements = { ${ranges.map((r) => formatRange(r, f)).join(', ')} }\n  }`);
          addrs.push(`${f === 4 ? 'ip' : 'ip6'} ${dir === 'in' ? 'saddr' : 'daddr'} @${set}`);
        }
      }
      for (const a of addrs) for (const p of portExprs(rule.ports)) lines.push(`    ${[a, p, verdict].filter(Boolean).join(' ')}`);
    });
    chains.push(`  chain ${name} {\n${[...lines, '    drop'].join('\n')}\n  }`);
    return name;
  };

  const maps = { in: new Map<4 | 6, Map<string, string>>(), out: new Map<4 | 6, Map<string, string>>() };
  for (const f of families) { maps.in.set(f, new Map()); maps.out.set(f, new Map()); }
  const notes: string[] = [];
  for (const pod of isolated) {
    const inChain = pod.ingress ? chainFor('in', pod.ingress) : undefined;
    const outChain = pod.egress ? chainFor('out', pod.egress) : undefined;
    notes.push(`# ${`${pod.namespace}/${pod.name}`.replaceAll(/[^A-Za-z0-9./_-]/g, '_')} ${pod.ips.join(',')}: ingress ${inChain ?? '-'} egress ${outChain ?? '-'}`);
    for (const ip of pod.ips) {
      const a = parseIp(ip);
      if (!a || !families.includes(a.family)) continue;
      const text = formatIp(a);
      if (inChain && !maps.in.get(a.family)?.has(text)) maps.in.get(a.family)?.set(text, inChain);
      if (outChain && !maps.out.get(a.family)?.has(text)) maps.out.get(a.family)?.set(text, outChain);
    }
  }
  const mapDecls: string[] = [];
  for (const dir of ['in', 'out'] as const) {
    for (const f of families) {
      const m = maps[dir].get(f) as Map<string, string>;
      const elems = [...m].map(([ip, chain]) => `${ip} : jump ${chain}`);
      mapDecls.push(`  map ${dir === 'in' ? 'ingress' : 'egress'}_v${f} {\n    type ${f === 4 ? 'ipv4_addr' : 'ipv6_addr'} : verdict;${elems.length ? `\n    elements = { ${elems.join(', ')} }` : ''}\n  }`);
    }
  }
  const vmaps = (dir: 'in' | 'out'): string[] => families.map((f) => `    ${f === 4 ? 'ip' : 'ip6'} ${dir === 'in' ? 'daddr' : 'saddr'} vmap @${dir === 'in' ? 'ingress' : 'egress'}_v${f}`);
  const base = (name: string, hook: string, body: string[]): string =>
    `  chain ${name} {\n    type filter hook ${hook} priority filter; policy accept;\n    ct state established,related accept\n${body.join('\n')}\n  }`;
  const bases = [base('forward', 'forward', [...vmaps('out'), ...vmaps('in')]), base('input', 'input', vmaps('out'))];
  if (opts.enforceFromNode) bases.push(base('output', 'output', vmaps('in')));
  return [
    `# windlass network policy: ${isolated.length} isolated pod(s)`,
    ...notes,
    `add table ${family} ${table}`,
    `delete table ${family} ${table}`,
    `table ${family} ${table} {`,
    ...sets, ...chains, ...mapDecls, ...bases,
    '}',
    '',
  ].join('\n');
}

/** removePolicyScript is the script removing the policy table (a no-op when it is absent). */
export function removePolicyScript(opts: RenderOptions = {}): string {
  const table = opts.table ?? DEFAULT_POLICY_TABLE;
  const family = opts.family ?? 'inet';
  return `add table ${family} ${table}\ndelete table ${family} ${table}\n`;
}
