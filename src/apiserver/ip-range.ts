/**
 * @module apiserver/ip-range — IPv4 and IPv6 addresses and CIDR ranges as bigints: parsing,
 * canonical formatting, offsets into a range and the usable span of a Service IP range (the
 * network address, and for IPv4 the broadcast address, are never handed out).
 */
import { randomBytes } from 'node:crypto';

/** IpFamily is a Service's spec.ipFamilies value. */
export type IpFamily = 'IPv4' | 'IPv6';

/** IpAddress is a parsed address. */
export interface IpAddress { readonly family: IpFamily; readonly value: bigint }

/** IpRange is a parsed CIDR: `base` is the network address, `size` the number of addresses. */
export interface IpRange {
  readonly cidr: string;
  readonly family: IpFamily;
  readonly base: bigint;
  readonly prefix: number;
  readonly size: bigint;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p.startsWith('0'))) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseV6(text: string): bigint | undefined {
  let s = text;
  if (s.includes('.')) {
    const i = s.lastIndexOf(':');
    const v4 = parseV4(s.slice(i + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, i + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !rest) return undefined;
  const all = [...head, ...rest];
  const fill = 8 - all.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const words = halves.length === 2 ? [...head, ...Array<bigint>(fill).fill(0n), ...rest] : all;
  return words.reduce((acc, w) => (acc << 16n) | w, 0n);
}

/** parseIp parses a textual IPv4 or IPv6 address (undefined when it is none). */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const v = parseV6(text);
    return v === undefined ? undefined : { family: 'IPv6', value: v };
  }
  const v = parseV4(text);
  return v === undefined ? undefined : { family: 'IPv4', value: v };
}

/** formatIp renders an address canonically (dotted quad; RFC 5952 compressed IPv6). */
export function formatIp(family: IpFamily, value: bigint): string {
  if (family === 'IPv4') return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** canonicalIp re-renders a textual address canonically (undefined when it is not one). */
export function canonicalIp(text: string): string | undefined {
  const a = parseIp(text);
  return a ? formatIp(a.family, a.value) : undefined;
}

/** parseCidr parses `addr/prefix`; the address is masked to the network address. */
export function parseCidr(text: string): IpRange | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const a = parseIp(m[1]);
  if (!a) return undefined;
  const bits = a.family === 'IPv4' ? 32 : 128;
  const prefix = Number(m[2]);
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const base = (a.value >> hostBits) << hostBits;
  return { cidr: `${formatIp(a.family, base)}/${prefix}`, family: a.family, base, prefix, size: 1n << hostBits };
}

/** contains tells whether an address lies in a range (same family). */
export function contains(r: IpRange, a: IpAddress): boolean {
  return a.family === r.family && a.value >= r.base && a.value < r.base + r.size;
}

/** serviceOffsets is the span of offsets a Service range hands out: [1, last] where offset 0 is
 * the network address and, for IPv4, the broadcast address is excluded too. */
export function serviceOffsets(r: IpRange): { first: bigint; last: bigint } {
  return { first: 1n, last: r.family === 'IPv4' ? r.size - 2n : r.size - 1n };
}

/** randomBelow returns a uniformly random bigint in [0, n) (n > 0). */
export function randomBelow(n: bigint): bigint {
  if (n <= 1n) return 0n;
  const bytes = Math.ceil(n.toString(16).length / 2) + 8;
  const v = BigInt(`0x${randomBytes(bytes).toString('hex')}`);
  return v % n;
}

/** addressAt returns the address at `offset` of a range. */
export function addressAt(r: IpRange, offset: bigint): string {
  return formatIp(r.family, r.base + offset);
}
