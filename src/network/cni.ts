/**
 * @module network/cni — the node's CNI network configuration: a bridge conflist built from the
 * node's pod CIDR(s) (what flannel/k3s write for a single node): the bridge plugin with the node
 * as gateway (`isGateway`), no masquerade (routing between nodes keeps pod source IPs), hairpin
 * mode (a pod reaching itself through a service), host-local IPAM keeping its state in a
 * directory of our own, a default route, and the portmap plugin for hostPorts. Written atomically
 * (temporary file + rename) into the runtime's CNI conf dir, so containerd never reads half a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';

/** BridgeConfOptions describe the node's pod network. */
export interface BridgeConfOptions {
  /** podCidrs: the node's pod CIDRs (spec.podCIDRs, or [spec.podCIDR]); one per family. */
  readonly podCidrs: readonly string[];
  /** ipamDataDir: where host-local keeps its allocations (e.g. `<dataDir>/cni/ipam`). */
  readonly ipamDataDir: string;
  /** bridge: the bridge device name (default `cni0`). */
  readonly bridge?: string;
  /** networkName: the CNI network name (default `windlass`). */
  readonly networkName?: string;
  /** mtu: the bridge and veth MTU (default: the plugin's, i.e. 1500). */
  readonly mtu?: number;
  /** cniVersion: the spec version written (default 0.4.0, which the CNI plugins 1.1 and containerd 1.6 speak). */
  readonly cniVersion?: string;
}

/** CONFLIST_NAME is the file the agent writes in the CNI conf dir (sorted first, as runtimes pick the first file). */
export const CONFLIST_NAME = '10-windlass.conflist';

/** parseCidr splits `addr/prefix` and checks it, returning the family, or undefined when malformed. */
export function parseCidr(cidr: string): { address: string; prefix: number; family: 4 | 6 } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!m) return undefined;
  const family = isIP(m[1]);
  const prefix = Number(m[2]);
  if (family === 4 && prefix <= 32) return { address: m[1], prefix, family: 4 };
  if (family === 6 && prefix <= 128) return { address: m[1], prefix, family: 6 };
  return undefined;
}

/** podCidrsOf returns a Node's pod CIDRs (spec.podCIDRs, else spec.podCIDR), or [] when none is assigned yet. */
export function podCidrsOf(node: { spec?: { podCIDR?: unknown; podCIDRs?: unknown } } | undefined): string[] {
  const list = node?.spec?.podCIDRs;
  if (Array.isArray(list) && list.length > 0) return list.filter((c): c is string => typeof c === 'string' && c !== '');
  const one = node?.spec?.podCIDR;
  return typeof one === 'string' && one !== '' ? [one] : [];
}

/** bridgeConflist returns the CNI conflist object for the node's pod CIDRs; it throws on a malformed CIDR (a bug upstream of us). */
export function bridgeConflist(o: BridgeConfOptions): Record<string, unknown> {
  if (o.podCidrs.length === 0) throw new Error('bridgeConflist: no pod CIDR');
  const parsed = o.podCidrs.map((c) => ({ cidr: c, p: parseCidr(c) }));
  const bad = parsed.find((x) => x.p === undefined);
  if (bad) throw new Error(`bridgeConflist: ${JSON.stringify(bad.cidr)} is not a CIDR`);
  if (o.mtu !== undefined && !(Number.isInteger(o.mtu) && o.mtu >= 576 && o.mtu <= 65535)) throw new Error(`bridgeConflist: MTU ${o.mtu} out of range`);
  const families = new Set(parsed.map((x) => x.p!.family));
  const routes = [...families].sort().map((f) => ({ dst: f === 4 ? '0.0.0.0/0' : '::/0' }));
  const bridge: Record<string, unknown> = {
    type: 'bridge', bridge: o.bridge ?? 'cni0', isGateway: true, ipMasq: false, hairpinMode: true,
    ...(o.mtu !== undefined ? { mtu: o.mtu } : {}),
    ipam: {
      type: 'host-local',
      ranges: parsed.map((x) => [{ subnet: x.cidr }]),
      routes,
      dataDir: o.ipamDataDir,
    },
  };
  return {
    cniVersion: o.cniVersion ?? '0.4.0',
    name: o.networkName ?? 'windlass',
    plugins: [bridge, { type: 'portmap', capabilities: { portMappings: true } }],
  };
}

/** writeFileAtomicText writes `text` to `path` through a temporary file in the same directory and a rename. */
async function writeFileAtomicText(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** writeBridgeConflist writes the conflist into `confDir` (created if missing) unless the same content is there; it returns the file path and whether it changed. */
export async function writeBridgeConflist(confDir: string, o: BridgeConfOptions): Promise<{ path: string; changed: boolean }> {
  const text = `${JSON.stringify(bridgeConflist(o), null, 2)}\n`;
  await mkdir(confDir, { recursive: true, mode: 0o755 });
  await mkdir(o.ipamDataDir, { recursive: true, mode: 0o700 });
  const path = join(confDir, CONFLIST_NAME);
  let old: string | undefined;
  try {
    old = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (old === text) return { path, changed: false };
  await writeFileAtomicText(path, text);
  return { path, changed: true };
}
