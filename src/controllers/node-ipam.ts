/**
 * @module controllers/node-ipam — pod CIDRs for nodes (kube-controller-manager's node-ipam
 * controller, range allocator): every node gets `spec.podCIDR`/`spec.podCIDRs`, one subnet of
 * `nodeCidrMaskSize` bits per family of `clusterCIDR` (one CIDR, or an IPv4,IPv6 pair). Subnets
 * that nodes already carry are marked used before anything is handed out, so nothing is assigned
 * twice; a deleted node's subnets are free again; when the range is exhausted the node gets a
 * CIDRNotAvailable Event. Key: the node name.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { objectOf, RESOURCES, WorkQueue } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { recordEvent } from './node-lifecycle.ts';

/** DEFAULT_CLUSTER_CIDR is k3s's pod network. */
export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';

/** NodeIpamOptions: the pod network and the size of each node's share. */
export interface NodeIpamOptions {
  /** clusterCIDR: one CIDR or an `IPv4,IPv6` pair (default 10.42.0.0/16). */
  readonly clusterCIDR?: string;
  /** nodeCidrMaskSize: prefix length of an IPv4 node subnet (default 24). */
  readonly nodeCidrMaskSize?: number;
  /** nodeCidrMaskSizeIPv6: prefix length of an IPv6 node subnet (default 64). */
  readonly nodeCidrMaskSizeIPv6?: number;
}

/** SubnetRange hands out the subnets of one family. */
export interface SubnetRange { readonly v6: boolean; readonly base: bigint; readonly prefix: number; readonly mask: number; readonly count: bigint }

function parseV4(s: string): bigint | undefined {
  const p = s.split('.');
  if (p.length !== 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) return undefined;
  return p.reduce((a, x) => (a << 8n) | BigInt(Number(x)), 0n);
}

function parseV6(s: string): bigint | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const words = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const gs = h.split(':');
    return gs.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? gs.map((g) => BigInt(`0x${g}`)) : undefined;
  };
  const a = words(halves[0]);
  const b = halves.length === 2 ? words(halves[1]) : [];
  if (!a || !b) return undefined;
  const fill = 8 - a.length - b.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  return [...a, ...Array<bigint>(halves.length === 2 ? fill : 0).fill(0n), ...b].reduce((x, w) => (x << 16n) | w, 0n);
}

function formatAddr(v6: boolean, v: bigint): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  const w: string[] = [];
  for (let i = 7; i >= 0; i--) w.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  const text = w.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return text.replace(/:{3,}/, '::');
}

/** parseClusterCidrs turns the clusterCIDR option into subnet ranges; throws on a malformed value. */
export function parseClusterCidrs(text: string, mask4 = 24, mask6 = 64): SubnetRange[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((c) => {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(c);
    const v6 = !!m && m[1].includes(':');
    const addr = m ? (v6 ? parseV6(m[1]) : parseV4(m[1])) : undefined;
    const bits = v6 ? 128 : 32;
    const prefix = m ? Number(m[2]) : NaN;
    const mask = v6 ? mask6 : mask4;
    if (addr === undefined || !(prefix <= bits) || mask < prefix || mask > bits) throw new Error(`clusterCIDR: cannot split "${c}" into /${mask} subnets`);
    const host = BigInt(bits - prefix);
    return { v6, base: (addr >> host) << host, prefix, mask, count: 1n << BigInt(mask - prefix) };
  });
}

/** subnetAt renders the `i`-th subnet of a range. */
export function subnetAt(r: SubnetRange, i: bigint): string {
  return `${formatAddr(r.v6, r.base + (i << BigInt((r.v6 ? 128 : 32) - r.mask)))}/${r.mask}`;
}

/** indexOf returns the subnet index of `cidr` in `r` (undefined when it is not one of its subnets). */
export function indexOf(r: SubnetRange, cidr: string): bigint | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m || Number(m[2]) !== r.mask || m[1].includes(':') !== r.v6) return undefined;
  const a = r.v6 ? parseV6(m[1]) : parseV4(m[1]);
  if (a === undefined) return undefined;
  const off = a - r.base;
  const shift = BigInt((r.v6 ? 128 : 32) - r.mask);
  if (off < 0n || (off & ((1n << shift) - 1n)) !== 0n || (off >> shift) >= r.count) return undefined;
  return off >> shift;
}

/** newNodeIpamController assigns pod CIDRs to nodes. */
export function newNodeIpamController(ctx: ControllerContext, opts: NodeIpamOptions = {}): Controller {
  const ranges = parseClusterCidrs(opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, opts.nodeCidrMaskSize ?? 24, opts.nodeCidrMaskSizeIPv6 ?? 64);
  const nodes = ctx.factory.forResource(RESOURCES.nodes);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'node-ipam' });
  /** used: subnet → node; assigned: node → { uid, cidrs } (this controller's own writes, ahead of the cache). */
  const used = new Map<string, string>();
  const assigned = new Map<string, { uid: string; cidrs: string[] }>();
  const cursors = ranges.map(() => 0n);
  /** unavailable: nodes (name → uid) already told CIDRNotAvailable; told once, as upstream's event
   * correlator collapses the repeats that every node update would otherwise record. */
  const unavailable = new Map<string, string>();
  let seeded = false;

  const occupy = (node: string, cidrs: readonly string[]): void => { for (const c of cidrs) if (!used.has(c)) take(c, node); };
  /** inUse counts, per range, its subnets in `used` (nodes may carry subnets from elsewhere): kept by take and free. */
  const inUse = ranges.map(() => 0);
  const count = (c: string, d: number): void => {
    const ri = ranges.findIndex((r) => indexOf(r, c) !== undefined);
    if (ri >= 0) inUse[ri] += d;
  };
  const take = (c: string, node: string): void => { if (!used.has(c)) count(c, 1); used.set(c, node); };
  const free = (c: string): void => { if (used.delete(c)) count(c, -1); };
  const release = (node: string): void => {
    for (const [c, n] of [...used]) if (n === node) free(c);
    assigned.delete(node);
    unavailable.delete(node);
  };
  const cidrsOf = (n: JsonObject): string[] => {
    const list = Array.isArray(n.spec?.podCIDRs) && n.spec.podCIDRs.length > 0 ? n.spec.podCIDRs : n.spec?.podCIDR ? [n.spec.podCIDR] : [];
    return list.map(String);
  };
  const seed = (): void => {
    if (seeded) return;
    seeded = true;
    for (const n of nodes.cache.list()) occupy(String(n.metadata?.name), cidrsOf(n));
  };
  const next = (ri: number): string | undefined => {
    const r = ranges[ri];
    // A full range has nothing to find (each node update of a waiting node asks again).
    if (BigInt(inUse[ri]) >= r.count) return undefined;
    for (let k = 0n; k < r.count; k++) {
      const i = (cursors[ri] + k) % r.count;
      const c = subnetAt(r, i);
      if (!used.has(c)) { cursors[ri] = (i + 1n) % r.count; return c; }
    }
    return undefined;
  };

  nodes.addEventHandler({
    add: (n) => queue.add(String(n.metadata?.name)),
    update: (_o, n) => queue.add(String(n.metadata?.name)),
    delete: (x) => {
      release(String(objectOf(x).metadata?.name));
      // A freed subnet may be what a waiting node needs.
      for (const n of nodes.cache.list()) if (cidrsOf(n).length === 0) queue.add(String(n.metadata?.name));
    },
  });

  return {
    name: 'node-ipam', queue, informers: [nodes],
    started() { seed(); for (const k of nodes.cache.keys()) queue.add(k); },
    async reconcile(name) {
      seed();
      const node = nodes.cache.get(name);
      if (!node) { release(name); return; }
      const have = cidrsOf(node);
      if (have.length > 0) {
        for (const c of have) {
          const owner = used.get(c);
          if (owner !== undefined && owner !== name) ctx.log.error('node-ipam: pod CIDR held by two nodes', { cidr: c, nodes: [owner, name] });
        }
        occupy(name, have);
        assigned.delete(name);
        return;
      }
      const uid = String(node.metadata?.uid ?? '');
      let mine = assigned.get(name);
      if (mine && mine.uid !== uid) { release(name); mine = undefined; }
      if (!mine) {
        const cidrs: string[] = [];
        for (let ri = 0; ri < ranges.length; ri++) {
          const c = next(ri);
          if (c === undefined) {
            for (const x of cidrs) free(x);
            if (unavailable.get(name) === uid) return;
            unavailable.set(name, uid);
            await recordEvent(ctx.client, ctx.clock, { metadata: { name, uid } }, 'Node', 'v1', 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`, 'cidrAllocator');
            return;
          }
          take(c, name);
          cidrs.push(c);
        }
        mine = { uid, cidrs };
        assigned.set(name, mine);
        unavailable.delete(name);
      }
      try {
        await ctx.client.patch(RESOURCES.nodes, '', name, 'merge', { spec: { podCIDR: mine.cidrs[0], podCIDRs: mine.cidrs } });
      } catch (e) {
        if (isStatusError(e, 404)) { release(name); return; }
        throw e;
      }
    },
  };
}
