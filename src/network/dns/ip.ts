/**
 * @module network/dns/ip — IP address arithmetic shared by cluster DNS and network policy: parsing
 * IPv4/IPv6 text to a number, the canonical text form (RFC 5952 for IPv6), the dashed form used in
 * DNS labels (`10-244-1-5`, `fd00--5`) and the reverse-lookup names (`in-addr.arpa`, `ip6.arpa`).
 */
import { isIP } from 'node:net';

/** IpAddress is a parsed address: its family and value as an unsigned integer. */
export interface IpAddress { readonly family: 4 | 6; readonly value: bigint }

/** parseIp parses IPv4 or IPv6 text (no zone, no prefix); undefined when malformed. */
export function parseIp(text: string): IpAddress | undefined {
  const family = isIP(text);
  if (family === 4) {
    let v = 0n;
    for (const part of text.split('.')) v = (v << 8n) | BigInt(Number(part));
    return { family: 4, value: v };
  }
  if (family !== 6) return undefined;
  let s = text.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = parseIp(v4[1]) as IpAddress;
    s = s.slice(0, -v4[1].length) + `${(n.value >> 16n).toString(16)}:${(n.value & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  return { family: 6, value: v };
}

/** formatIp renders an address canonically (dotted quad, or RFC 5952 compressed IPv6). */
export function formatIp(a: IpAddress): string {
  if (a.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 0xffn)).join('.');
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((a.value >> BigInt(i * 16)) & 0xffffn));
  // The longest run (≥ 2) of zero groups, first one on ties, becomes '::'.
  let best = -1; let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** canonicalIp returns the canonical text of an address, or undefined when `text` is not an IP. */
export function canonicalIp(text: string): string | undefined {
  const a = parseIp(text);
  return a ? formatIp(a) : undefined;
}

/** dashedIp is the DNS-label form of an address: `10.244.1.5` → `10-244-1-5`, `fd00::5` → `fd00--5`. */
export function dashedIp(text: string): string {
  return (canonicalIp(text) ?? text).replaceAll(/[.:]/g, '-');
}

/** undashIp parses a DNS label in dashed form back into a canonical address (undefined if it is none). */
export function undashIp(label: string): string | undefined {
  if (/^\d{1,3}(-\d{1,3}){3}$/.test(label)) return canonicalIp(label.replaceAll('-', '.'));
  if (/^[0-9a-f-]+$/i.test(label) && label.includes('-')) return canonicalIp(label.replaceAll('-', ':'));
  return undefined;
}

/** reverseName is the PTR owner name of an address (`5.1.244.10.in-addr.arpa`, nibbles + `ip6.arpa`). */
export function reverseName(text: string): string | undefined {
  const a = parseIp(text);
  if (!a) return undefined;
  if (a.family === 4) return `${formatIp(a).split('.').reverse().join('.')}.in-addr.arpa`;
  const nibbles = a.value.toString(16).padStart(32, '0').split('').reverse();
  return `${nibbles.join('.')}.ip6.arpa`;
}

/** fromReverseName parses a complete reverse-lookup name (lower case) into a canonical address; partial names give undefined. */
export function fromReverseName(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) < 256)) return undefined;
    return canonicalIp(parts.reverse().join('.'));
  }
  if (name.endsWith('.ip6.arpa')) {
    const parts = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (parts.length !== 32 || !parts.every((p) => /^[0-9a-f]$/.test(p))) return undefined;
    return formatIp({ family: 6, value: BigInt(`0x${parts.reverse().join('')}`) });
  }
  return undefined;
}

/** parseCidrRange parses `addr/prefix` (or a bare address) into its family and inclusive [first, last] range; undefined when malformed. */
export function parseCidrRange(cidr: string): { family: 4 | 6; first: bigint; last: bigint } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  const a = m ? parseIp(m[1]) : parseIp(cidr.trim());
  if (!a) return undefined;
  const bits = a.family === 4 ? 32 : 128;
  const prefix = m ? Number(m[2]) : bits;
  if (prefix > bits) return undefined;
  const host = (1n << BigInt(bits - prefix)) - 1n;
  return { family: a.family, first: a.value & ~host, last: (a.value & ~host) | host };
}
