/**
 * @module network/routes/diff — the difference between the kernel state we own and a plan, as the
 * iproute2 commands that close it (pure), and applying them through a command runner. Deletions
 * come first (routes, neighbours, FDB, addresses, then stale or changed devices), then creations
 * in dependency order. Entries on a device about to be deleted are not touched one by one: the
 * kernel drops them with the device. Applying the same plan twice issues no command the second time.
 */
import type { AddressPlan, FdbPlan, LinkPlan, NeighbourPlan, PodNetworkPlan, RoutePlan } from './plan.ts';
import { LINK_ALIAS, ROUTE_PROTO, readKernelState, type CommandRunner, type KernelState, type LinkState } from './kernel.ts';

/** DesiredState is the kernel half of a plan (an empty one removes everything we own). */
export type DesiredState = Pick<PodNetworkPlan, 'links' | 'addresses' | 'routes' | 'neighbours' | 'fdb'>;

/** EMPTY_STATE is the desired state of "nothing of ours". */
export const EMPTY_STATE: DesiredState = { links: [], addresses: [], routes: [], neighbours: [], fdb: [] };

/** DiffResult is the command list plus the conflicts that stop part of the plan. */
export interface DiffResult {
  readonly commands: readonly (readonly string[])[];
  /** conflicts: devices we need whose names are taken by devices we did not create. */
  readonly conflicts: readonly string[];
}

const routeKey = (r: RoutePlan): string => `${r.dst} via ${r.via} dev ${r.dev}${r.onlink ? ' onlink' : ''}${r.encap ? ` encap ${r.encap.id} ${r.encap.dst}` : ''}`;
const addrKey = (a: AddressPlan): string => `${a.dev} ${a.cidr}`;
const fdbKey = (f: FdbPlan): string => `${f.dev} ${f.mac.toLowerCase()} ${f.dst}`;
const neighKey = (n: NeighbourPlan): string => `${n.dev} ${n.ip}`;

/** linkMatches says whether an existing device already is the planned one, apart from MTU and up state. */
function linkMatches(a: LinkState, p: LinkPlan): boolean {
  if (a.kind !== p.kind || a.mac !== p.mac.toLowerCase() || a.port !== p.port) return false;
  if (p.external) return a.external;
  return a.vni === p.vni && a.local === p.local && a.dev === p.dev && !a.external;
}

/** linkAddArgs is the `ip link add` argv of a planned device. */
function linkAddArgs(p: LinkPlan): string[] {
  const base = ['ip', 'link', 'add', p.name, 'address', p.mac, 'type', p.kind];
  if (p.external) return [...base, 'external', 'dstport', String(p.port)];
  return [...base, 'id', String(p.vni), ...(p.local ? ['local', p.local] : []), ...(p.dev ? ['dev', p.dev] : []), 'dstport', String(p.port), 'nolearning'];
}

/** routeArgs is the argv that installs a planned route with our protocol tag. */
function routeArgs(verb: 'replace', r: RoutePlan): string[] {
  return ['ip', 'route', verb, r.dst, ...(r.encap ? ['encap', 'ip', 'id', String(r.encap.id), 'dst', r.encap.dst] : []),
    'via', r.via, 'dev', r.dev, ...(r.onlink ? ['onlink'] : []), 'proto', String(ROUTE_PROTO)];
}

/** diffPodNetwork returns the commands that turn `actual` into `desired` (pure). */
export function diffPodNetwork(actual: KernelState, desired: DesiredState): DiffResult {
  const conflicts: string[] = [];
  const gone = new Set<string>(); // our devices that will be deleted (stale or re-created)
  const linkCmds: string[][] = [];
  const byName = new Map(actual.links.map((l) => [l.name, l]));
  const wanted = new Set(desired.links.map((l) => l.name));
  const blocked = new Set<string>();
  for (const l of actual.links) if (l.ours && !wanted.has(l.name)) { gone.add(l.name); linkCmds.push(['ip', 'link', 'del', l.name]); }
  for (const p of desired.links) {
    const a = byName.get(p.name);
    if (a && !a.ours) { conflicts.push(`device ${p.name} exists and was not created by windlass; remove it or pick another device name`); blocked.add(p.name); continue; }
    const fresh = !a || !linkMatches(a, p);
    if (a && fresh) { gone.add(p.name); linkCmds.push(['ip', 'link', 'del', p.name]); }
    if (fresh) {
      linkCmds.push(linkAddArgs(p), ['ip', 'link', 'set', 'dev', p.name, 'alias', LINK_ALIAS, 'mtu', String(p.mtu), 'up']);
    } else if (a.mtu !== p.mtu || !a.up) {
      linkCmds.push(['ip', 'link', 'set', 'dev', p.name, 'mtu', String(p.mtu), 'up']);
    }
  }
  const live = <T extends { dev: string }>(xs: readonly T[]): T[] => xs.filter((x) => !gone.has(x.dev));
  const usable = <T extends { dev: string }>(xs: readonly T[]): T[] => xs.filter((x) => !blocked.has(x.dev));

  const cmds: string[][] = [];
  // Deletions, most dependent first.
  const wantRoutes = new Map(usable(desired.routes).map((r) => [r.dst, r]));
  const haveRoutes = new Map(live(actual.routes).map((r) => [r.dst, r]));
  for (const r of live(actual.routes)) if (!wantRoutes.has(r.dst)) cmds.push(['ip', 'route', 'del', r.dst, 'proto', String(ROUTE_PROTO)]);
  const wantNeigh = new Map(usable(desired.neighbours).map((n) => [neighKey(n), n]));
  const haveNeigh = new Map(live(actual.neighbours).map((n) => [neighKey(n), n]));
  for (const [k, n] of haveNeigh) if (!wantNeigh.has(k)) cmds.push(['ip', 'neigh', 'del', n.ip, 'dev', n.dev]);
  const wantFdb = new Set(usable(desired.fdb).map(fdbKey));
  const haveFdb = new Set(live(actual.fdb).map(fdbKey));
  for (const f of live(actual.fdb)) if (!wantFdb.has(fdbKey(f))) cmds.push(['bridge', 'fdb', 'del', f.mac, 'dev', f.dev, 'dst', f.dst]);
  const wantAddr = new Set(usable(desired.addresses).map(addrKey));
  const haveAddr = new Set(live(actual.addresses).map(addrKey));
  for (const a of live(actual.addresses)) if (!wantAddr.has(addrKey(a))) cmds.push(['ip', 'addr', 'del', a.cidr, 'dev', a.dev]);
  cmds.push(...linkCmds);
  // Creations.
  for (const a of usable(desired.addresses)) if (!haveAddr.has(addrKey(a))) cmds.push(['ip', 'addr', 'add', a.cidr, 'dev', a.dev]);
  for (const f of usable(desired.fdb)) if (!haveFdb.has(fdbKey(f))) cmds.push(['bridge', 'fdb', 'append', f.mac, 'dev', f.dev, 'dst', f.dst]);
  for (const [k, n] of wantNeigh) if (haveNeigh.get(k)?.mac !== n.mac.toLowerCase()) cmds.push(['ip', 'neigh', 'replace', n.ip, 'lladdr', n.mac, 'dev', n.dev, 'nud', 'permanent']);
  for (const r of wantRoutes.values()) {
    const have = haveRoutes.get(r.dst);
    if (!have || routeKey(have) !== routeKey(r)) cmds.push(routeArgs('replace', r));
  }
  return { commands: cmds, conflicts };
}

/** ApplyResult reports what one reconcile did: the commands run, the ones that failed, and conflicts. */
export interface ApplyResult {
  readonly commands: readonly (readonly string[])[];
  readonly failed: readonly { readonly argv: readonly string[]; readonly message: string }[];
  readonly conflicts: readonly string[];
}

/** applyPodNetwork reads what we own, and runs only the commands that make it `desired`; a failed command does not stop the rest. */
export async function applyPodNetwork(run: CommandRunner, desired: DesiredState): Promise<ApplyResult> {
  const { commands, conflicts } = diffPodNetwork(await readKernelState(run), desired);
  const failed: { argv: readonly string[]; message: string }[] = [];
  for (const argv of commands) {
    try { await run(argv); } catch (e) { failed.push({ argv, message: (e as Error).message }); }
  }
  return { commands, failed, conflicts };
}

/** removePodNetwork deletes every device, route, neighbour and FDB entry we own. */
export function removePodNetwork(run: CommandRunner): Promise<ApplyResult> {
  return applyPodNetwork(run, EMPTY_STATE);
}
