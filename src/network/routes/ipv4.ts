/**
 * @module network/routes/ipv4 — the small IPv4 arithmetic the pod network needs: parsing
 * addresses and CIDRs, a CIDR's network address, subnet membership, and the stable VTEP MAC
 * derived from a node's name.
 */
import { createHash } from 'node:crypto';

/** Ipv4Cidr is a parsed IPv4 CIDR: its network address (as text and number) and prefix length. */
export interface Ipv4Cidr {
  readonly network: string;
  readonly base: number;
  readonly prefix: number;
}

/** ipv4ToInt parses a dotted quad into an unsigned 32-bit number, or undefined when malformed. */
export function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

/** intToIpv4 formats an unsigned 32-bit number as a dotted quad. */
export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** maskOf returns the netmask of a prefix length as an unsigned number. */
function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** parseIpv4Cidr parses `a.b.c.d/n` (host bits allowed, dropped), or undefined when not an IPv4 CIDR. */
export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!m) return undefined;
  const ip = ipv4ToInt(m[1]);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  const base = (ip & maskOf(prefix)) >>> 0;
  return { network: intToIpv4(base), base, prefix };
}

/** cidrText renders a parsed CIDR in canonical form (`10.42.1.0/24`). */
export function cidrText(c: Ipv4Cidr): string {
  return `${c.network}/${c.prefix}`;
}

/** inSubnet says whether `ip` lies in `subnet`. */
export function inSubnet(ip: string, subnet: Ipv4Cidr): boolean {
  const n = ipv4ToInt(ip);
  return n !== undefined && ((n & maskOf(subnet.prefix)) >>> 0) === subnet.base;
}

/** stableVtepMac derives a locally administered unicast MAC from a node name, so a re-created tunnel device keeps its MAC. */
export function stableVtepMac(nodeName: string): string {
  const h = createHash('sha256').update(`windlass-vtep/${nodeName}`).digest();
  const b = [...h.subarray(0, 6)];
  b[0] = (b[0] & 0xfe) | 0x02;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** isMac says whether a string is a colon-separated unicast Ethernet address. */
export function isMac(s: unknown): s is string {
  return typeof s === 'string' && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(s) && (parseInt(s.slice(0, 2), 16) & 1) === 0;
}
