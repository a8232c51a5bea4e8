/**
 * @module runtime/hollow/ipam — a tiny IPv4 address pool over one pod CIDR, the stand-in for
 * the CNI host-local IPAM a real sandbox gets its address from: the network address and the
 * gateway (`.1`) and broadcast addresses are never handed out, freed addresses are reused.
 */

/** parseIpv4 returns an IPv4 address as an unsigned 32-bit number, or undefined. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** formatIpv4 renders an unsigned 32-bit number as a dotted quad. */
export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Ipv4Pool hands out the host addresses of one IPv4 CIDR. */
export class Ipv4Pool {
  readonly cidr: string;
  readonly #first: number;
  readonly #size: number;
  readonly #used = new Set<number>();
  #cursor = 0;

  /** The constructor throws on anything but an IPv4 CIDR with room for at least one pod (prefix ≤ 30). */
  constructor(cidr: string) {
    const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
    const base = m ? parseIpv4(m[1]) : undefined;
    const bits = m ? Number(m[2]) : NaN;
    if (base === undefined || !(bits >= 8 && bits <= 30)) throw new Error(`hollow runtime: pod CIDR ${JSON.stringify(cidr)} is not an IPv4 CIDR between /8 and /30`);
    const total = 2 ** (32 - bits);
    this.cidr = cidr;
    this.#first = Math.floor(base / total) * total + 2; // skip the network address and the gateway
    this.#size = total - 3; // and the broadcast address
  }

  /** free is the number of addresses still available. */
  get free(): number { return this.#size - this.#used.size; }

  /** allocate returns the next free address, or undefined when the pool is exhausted. */
  allocate(): string | undefined {
    if (this.#used.size >= this.#size) return undefined;
    while (this.#used.has(this.#cursor)) this.#cursor = (this.#cursor + 1) % this.#size;
    const off = this.#cursor;
    this.#used.add(off);
    this.#cursor = (off + 1) % this.#size;
    return formatIpv4(this.#first + off);
  }

  /** release returns an address to the pool (unknown addresses are ignored). */
  release(ip: string): void {
    const n = parseIpv4(ip);
    if (n !== undefined) this.#used.delete(n - this.#first);
  }
}
