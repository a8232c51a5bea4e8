/**
 * @module apiserver/service-allocator — Service ClusterIPs and NodePorts as store keys. Each
 * allocation is its own key outside every resource prefix
 * (`/registry/windlass/allocations/clusterips/<ip>`, `.../nodeports/<port>`) created with the
 * store's create-if-absent, so allocations are unique across restarts and across several API
 * servers sharing one store. The value names the owning Service (namespace, name, uid) and when it
 * was taken, which the repair pass uses.
 */
import type { Store } from '../store/types.ts';
import {
  addressAt, contains, formatIp, parseCidr, parseIp, randomBelow, serviceOffsets, type IpFamily, type IpRange,
} from './ip-range.ts';

/** ALLOCATIONS_PREFIX is where every allocation key lives. */
export const ALLOCATIONS_PREFIX = '/registry/windlass/allocations/';
/** CLUSTER_IP_PREFIX holds one key per allocated ClusterIP. */
export const CLUSTER_IP_PREFIX = `${ALLOCATIONS_PREFIX}clusterips/`;
/** NODE_PORT_PREFIX holds one key per allocated NodePort (and health-check NodePort). */
export const NODE_PORT_PREFIX = `${ALLOCATIONS_PREFIX}nodeports/`;

/** DEFAULT_SERVICE_CIDR is k3s's service CIDR. */
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
/** DEFAULT_NODE_PORT_RANGE is upstream's service-node-port-range. */
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

/** AllocationOwner is the Service an allocation belongs to. */
export interface AllocationOwner { readonly namespace: string; readonly name: string; readonly uid: string }

/** AllocationRecord is one stored allocation. */
export interface AllocationRecord extends AllocationOwner {
  readonly key: string;
  /** value is the IP (canonical text) or the port number as text. */
  readonly value: string;
  /** at is when it was taken (ms). */
  readonly at: number;
  readonly modRevision: number;
}

/** AllocResult is the outcome of one allocation. */
export type AllocResult =
  | { readonly ok: true; readonly value: string; readonly key: string; readonly created: boolean }
  | { readonly ok: false; readonly reason: 'range' | 'taken' | 'full' | 'invalid' };

/** ServiceNetworkOptions configure the allocator (ApiServerOptions fields of the same names). */
export interface ServiceNetworkOptions {
  /** serviceCIDR: one CIDR, or an `IPv4,IPv6` (or `IPv6,IPv4`) pair for dual-stack; default 10.43.0.0/16. */
  readonly serviceCIDR?: string;
  /** serviceNodePortRange: `lo-hi`, default 30000-32767. */
  readonly serviceNodePortRange?: string;
}

const RANDOM_TRIES = 24;
const SCAN_LIMIT = 1n << 20n;

/** parseServiceCidrs parses the serviceCIDR option; throws on a malformed value (start-up misconfiguration). */
export function parseServiceCidrs(text: string): IpRange[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  const ranges = parts.map((p) => {
    const r = parseCidr(p);
    if (!r) throw new Error(`serviceCIDR: ${p} is not a CIDR`);
    const bits = r.family === 'IPv4' ? 32 : 128;
    if (bits - r.prefix < 2) throw new Error(`serviceCIDR: ${p} is too small`);
    return r;
  });
  if (ranges.length === 0 || ranges.length > 2) throw new Error(`serviceCIDR: expected one CIDR or a dual-stack pair, got "${text}"`);
  if (ranges.length === 2 && ranges[0].family === ranges[1].family) throw new Error('serviceCIDR: a dual-stack pair needs one IPv4 and one IPv6 CIDR');
  return ranges;
}

/** parsePortRange parses `lo-hi`; throws on a malformed value. */
export function parsePortRange(text: string): { lo: number; hi: number } {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!m || lo < 1 || hi > 65535 || lo > hi) throw new Error(`serviceNodePortRange: "${text}" is not a port range`);
  return { lo, hi };
}

/** ServiceAllocator hands out and releases ClusterIPs and NodePorts through store keys. */
export class ServiceAllocator {
  readonly store: Store;
  readonly now: () => number;
  /** ranges are the service CIDRs, primary family first. */
  readonly ranges: readonly IpRange[];
  readonly ports: { readonly lo: number; readonly hi: number };

  constructor(store: Store, now: () => number, opts: ServiceNetworkOptions = {}) {
    this.store = store;
    this.now = now;
    this.ranges = parseServiceCidrs(opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR);
    this.ports = parsePortRange(opts.serviceNodePortRange ?? DEFAULT_NODE_PORT_RANGE);
  }

  /** rangeOf returns the configured range of a family. */
  rangeOf(family: IpFamily): IpRange | undefined { return this.ranges.find((r) => r.family === family); }

  /** kubernetesIp is the first address of the primary range, kept for the `kubernetes` Service. */
  get kubernetesIp(): string { return addressAt(this.ranges[0], 1n); }

  /** portRangeText renders the NodePort range as upstream's messages do. */
  get portRangeText(): string { return `${this.ports.lo}-${this.ports.hi}`; }

  /** ipKey is the store key of an allocated IP (canonical text). */
  static ipKey(ip: string): string { return CLUSTER_IP_PREFIX + ip; }
  /** portKey is the store key of an allocated port. */
  static portKey(port: number): string { return NODE_PORT_PREFIX + String(port); }

  #record(owner: AllocationOwner): string {
    return JSON.stringify({ namespace: owner.namespace, name: owner.name, uid: owner.uid, at: this.now() });
  }

  /** #claim takes `key` for `owner`: created, already the owner's, or taken. */
  async #claim(key: string, owner: AllocationOwner, dryRun: boolean): Promise<'created' | 'mine' | 'taken'> {
    const cur = await this.store.get(key);
    if (cur) return ownerOf(cur.value)?.uid === owner.uid ? 'mine' : 'taken';
    if (dryRun) return 'created';
    const res = await this.store.create(key, this.#record(owner));
    if (res.ok) return 'created';
    return res.current && ownerOf(res.current.value)?.uid === owner.uid ? 'mine' : 'taken';
  }

  /** allocateIp takes `explicit` (checked against the family's range) or a random free address. */
  async allocateIp(family: IpFamily, explicit: string | undefined, owner: AllocationOwner, dryRun: boolean, allowReserved = false): Promise<AllocResult> {
    const range = this.rangeOf(family);
    if (!range) return { ok: false, reason: 'range' };
    const { first, last } = serviceOffsets(range);
    if (explicit !== undefined) {
      const a = parseIp(explicit);
      if (!a) return { ok: false, reason: 'invalid' };
      if (!contains(range, a) || a.value - range.base < first || a.value - range.base > last) return { ok: false, reason: 'range' };
      const ip = formatIp(a.family, a.value);
      const key = ServiceAllocator.ipKey(ip);
      const c = await this.#claim(key, owner, dryRun);
      return c === 'taken' ? { ok: false, reason: 'taken' } : { ok: true, value: ip, key, created: c === 'created' };
    }
    // Random pick above the reserved first address (the `kubernetes` Service's).
    const lo = allowReserved ? first : first + 1n;
    const span = last - lo + 1n;
    if (span <= 0n) return { ok: false, reason: 'full' };
    const pick = async (off: bigint): Promise<AllocResult | undefined> => {
      const ip = addressAt(range, lo + off);
      const key = ServiceAllocator.ipKey(ip);
      const c = await this.#claim(key, owner, dryRun);
      return c === 'created' ? { ok: true, value: ip, key, created: true } : undefined;
    };
    for (let i = 0; i < RANDOM_TRIES; i++) {
      const r = await pick(randomBelow(span));
      if (r) return r;
    }
    const used = new Set((await this.list(CLUSTER_IP_PREFIX)).map((a) => a.value));
    const start = randomBelow(span);
    const n = span < SCAN_LIMIT ? span : SCAN_LIMIT;
    for (let i = 0n; i < n; i++) {
      const off = (start + i) % span;
      if (used.has(addressAt(range, lo + off))) continue;
      const r = await pick(off);
      if (r) return r;
    }
    return { ok: false, reason: 'full' };
  }

  /** allocatePort takes `explicit` (checked against the range) or a random free NodePort. */
  async allocatePort(explicit: number | undefined, owner: AllocationOwner, dryRun: boolean): Promise<AllocResult> {
    const { lo, hi } = this.ports;
    if (explicit !== undefined) {
      if (!Number.isInteger(explicit) || explicit < lo || explicit > hi) return { ok: false, reason: 'range' };
      const key = ServiceAllocator.portKey(explicit);
      const c = await this.#claim(key, owner, dryRun);
      return c === 'taken' ? { ok: false, reason: 'taken' } : { ok: true, value: String(explicit), key, created: c === 'created' };
    }
    const span = hi - lo + 1;
    const pick = async (port: number): Promise<AllocResult | undefined> => {
      const key = ServiceAllocator.portKey(port);
      const c = await this.#claim(key, owner, dryRun);
      return c === 'created' ? { ok: true, value: String(port), key, created: true } : undefined;
    };
    for (let i = 0; i < RANDOM_TRIES; i++) {
      const r = await pick(lo + Number(randomBelow(BigInt(span))));
      if (r) return r;
    }
    const used = new Set((await this.list(NODE_PORT_PREFIX)).map((a) => a.value));
    const start = Number(randomBelow(BigInt(span)));
    for (let i = 0; i < span; i++) {
      const port = lo + ((start + i) % span);
      if (used.has(String(port))) continue;
      const r = await pick(port);
      if (r) return r;
    }
    return { ok: false, reason: 'full' };
  }

  /** release deletes `key` when it belongs to `owner` (any owner when omitted). */
  async release(key: string, owner?: AllocationOwner): Promise<void> {
    const cur = await this.store.get(key);
    if (!cur) return;
    if (owner && ownerOf(cur.value)?.uid !== owner.uid) return;
    await this.store.delete(key, cur.modRevision);
  }

  /** record writes an allocation for `owner` if the key is free (repair of a missing record). */
  async record(key: string, owner: AllocationOwner): Promise<'created' | 'mine' | 'taken'> {
    return this.#claim(key, owner, false);
  }

  /** list reads every allocation under `prefix`. */
  async list(prefix: string): Promise<AllocationRecord[]> {
    const out: AllocationRecord[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const res = await this.store.list(prefix, { limit: 1000, startAfter });
      if (!res.ok) throw new Error(`allocations: list ${prefix} compacted`);
      for (const kv of res.items) {
        const o = ownerOf(kv.value);
        out.push({ key: kv.key, value: kv.key.slice(prefix.length), namespace: o?.namespace ?? '', name: o?.name ?? '', uid: o?.uid ?? '', at: o?.at ?? 0, modRevision: kv.modRevision });
        startAfter = kv.key;
      }
      if (!res.more || res.items.length === 0) return out;
    }
  }
}

/** ownerOf decodes an allocation key's value. */
export function ownerOf(value: string): (AllocationOwner & { at: number }) | undefined {
  try {
    const o = JSON.parse(value) as Record<string, unknown>;
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    return { namespace: str(o.namespace), name: str(o.name), uid: str(o.uid), at: typeof o.at === 'number' ? o.at : 0 };
  } catch {
    return undefined;
  }
}
