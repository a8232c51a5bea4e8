/**
 * @module agent/node-network — the node's networking beside its pods: `startNodeNetworking`
 * wires the components of src/network into the node agent, each optional (k3s-like switches):
 * - the pod network between nodes (`startPodNetwork`: l3, host-gw, vxlan, geneve; `none` removes
 *   what an earlier mode left); a lone node has no peers, so it only publishes its annotations;
 * - the Service proxy (`startServiceProxy`, nftables table `ip windlass-proxy`, in the agent's
 *   own network namespace), with the cluster CIDRs telling pod traffic from off-cluster traffic;
 * - NetworkPolicy enforcement (`startNetworkPolicy`, table `inet windlass-policy`);
 * - the cluster DNS served by every agent for its own pods, like NodeLocal DNSCache: on the pod
 *   bridge's gateway address (the first address of the pod CIDR) and on the well-known cluster DNS
 *   IP (default: the 10th address of the service CIDR), which the agent adds as a /32 on `lo` and
 *   removes on shutdown. Pods get that IP as their nameserver (PodWorkers' `dns` option).
 *   Choice about interception: nothing is excluded from the proxy. Without a Service holding the
 *   cluster DNS IP (the default: windlass creates no kube-dns Service) no proxy rule matches it,
 *   so queries reach the local server. If someone creates a Service with that ClusterIP, the proxy
 *   DNATs that Service's ports to its endpoints (a user-run CoreDNS then answers port 53), as in
 *   upstream Kubernetes where that IP is the kube-dns Service.
 * The bridge (default `cni0`) is created here when the CNI plugin has not made it yet, with the
 * gateway address, so the DNS server can bind before the first pod; and a route sends the service
 * CIDR to the bridge (`ip route replace <serviceCIDR> dev cni0 src <gateway>`) so that connections
 * the node itself opens to ClusterIPs have a route before the proxy DNATs them (no `dummy` link
 * type on the target machines). On shutdown the Service and NetworkPolicy rules stay in the kernel
 * (as kube-proxy's do: pods keep reaching Services while the agent restarts, and the next start
 * replaces them atomically), while the pod network devices, the DNS address and the service route
 * are removed; disabled components have their leftovers removed at start.
 */
import type { ApiClient } from '../client/index.ts';
import {
  commandRunner, nftRunner, startClusterDns, startNetworkPolicy, startPodNetwork, startServiceProxy,
} from '../network/index.ts';
import type { ClusterDns, CommandRunner, NetworkMode, PodNetworkHandle } from '../network/index.ts';
import { removePodNetwork } from '../network/routes/index.ts';
import { intToIpv4, ipv4ToInt, parseIpv4Cidr } from '../network/routes/ipv4.ts';
import { removePolicyScript } from '../network/policy/index.ts';
import { renderDelete } from '../network/proxy/index.ts';

/** NodeNetworkMode is `none` (pod routing between nodes left to the operator) or a pod network mode. */
export type NodeNetworkMode = 'none' | NetworkMode;

/** NODE_NETWORK_MODES are the values of `--network-mode`. */
export const NODE_NETWORK_MODES: readonly NodeNetworkMode[] = ['none', 'l3', 'host-gw', 'vxlan', 'geneve'];

/** NodeNetworkLog is the agent's structured logger. */
export interface NodeNetworkLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** NodeNetworkingOptions configure startNodeNetworking. */
export interface NodeNetworkingOptions {
  readonly client: ApiClient;
  readonly nodeName: string;
  readonly nodeIp: string;
  /** podCidr: the node's IPv4 pod CIDR (spec.podCIDR). */
  readonly podCidr: string;
  /** clusterCidrs: the server's cluster CIDR(s) (IPv4 ones are used). */
  readonly clusterCidrs: readonly string[];
  /** serviceCidr: the service CIDR (its IPv4 part); no route is added without it. */
  readonly serviceCidr?: string;
  /** clusterDns: the well-known cluster DNS IP (default: the 10th address of serviceCidr). */
  readonly clusterDns?: string;
  readonly clusterDomain: string;
  readonly networkMode: NodeNetworkMode;
  readonly proxy: boolean;
  readonly policy: boolean;
  readonly dns: boolean;
  /** bridge: the pod bridge (default cni0, as the CNI conflist). */
  readonly bridge?: string;
  readonly signal: AbortSignal;
  readonly log: NodeNetworkLog;
  /** run runs iproute2 commands (default: the real ones in this network namespace). */
  readonly run?: CommandRunner;
  /** nft applies nft scripts (default: `nft -f -` in this network namespace). */
  readonly nft?: (script: string) => Promise<void>;
  /** dnsPort: the DNS port (default 53; tests). */
  readonly dnsPort?: number;
}

/** NodeNetworking is the running networking of a node. */
export interface NodeNetworking {
  /** dnsServers: the nameservers ClusterFirst pods get ([] when the cluster DNS is disabled). */
  readonly dnsServers: readonly string[];
  /** gateway: the bridge gateway (first address of the pod CIDR). */
  readonly gateway: string;
  /** ready resolves once every enabled component has started (or failed, which is logged). */
  readonly ready: Promise<void>;
  /** close stops every component and removes the address and route added here. */
  close(): Promise<void>;
}

/** nthAddress returns the n-th address of an IPv4 CIDR (0 = the network address), or undefined when malformed or outside it. */
export function nthAddress(cidr: string, n: number): string | undefined {
  const c = parseIpv4Cidr(cidr);
  if (!c || n < 0 || n >= 2 ** (32 - c.prefix)) return undefined;
  return intToIpv4((c.base + n) >>> 0);
}

/** ipv4CidrsOf keeps the IPv4 CIDRs of a comma-separated list (or list of lists). */
export function ipv4CidrsOf(cidrs: readonly string[] | string | undefined): string[] {
  const all = (typeof cidrs === 'string' ? [cidrs] : [...(cidrs ?? [])]).flatMap((c) => c.split(',')).map((c) => c.trim());
  return all.filter((c) => parseIpv4Cidr(c) !== undefined);
}

/** defaultClusterDns is the 10th address of the (IPv4) service CIDR, k3s's and kubeadm's cluster DNS IP. */
export function defaultClusterDns(serviceCidr: string | undefined): string | undefined {
  const v4 = ipv4CidrsOf(serviceCidr)[0];
  return v4 === undefined ? undefined : nthAddress(v4, 10);
}

/** startNodeNetworking sets up the bridge, route and DNS address, and starts the enabled components in the background; it never throws for a component's failure (logged). */
export async function startNodeNetworking(o: NodeNetworkingOptions): Promise<NodeNetworking> {
  const { log, nodeName } = o;
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);
  const run = o.run ?? commandRunner();
  const bridge = o.bridge ?? 'cni0';
  const pod = parseIpv4Cidr(o.podCidr);
  if (!pod) throw new Error(`node networking: ${JSON.stringify(o.podCidr)} is not an IPv4 pod CIDR`);
  const gateway = intToIpv4((pod.base + 1) >>> 0);
  const serviceCidr = ipv4CidrsOf(o.serviceCidr)[0];
  const clusterDns = o.clusterDns ?? defaultClusterDns(serviceCidr);
  const clusterCidrs = ipv4CidrsOf(o.clusterCidrs);
  const plog = (msg: string): void => log.info(msg, { node: nodeName });
  const undo: { what: string; run: () => Promise<unknown> }[] = [];
  const tryRun = async (argv: readonly string[]): Promise<boolean> => {
    try {
      await run(argv);
      return true;
    } catch (e) {
      log.error('node networking: command failed', { node: nodeName, command: argv.join(' '), error: (e as Error).message });
      return false;
    }
  };

  // The bridge with its gateway address (the CNI bridge plugin accepts an existing one with the same address).
  const exists = await run(['ip', '-o', 'link', 'show', 'dev', bridge]).then(() => true, () => false);
  if (!exists) await tryRun(['ip', 'link', 'add', bridge, 'type', 'bridge']);
  await tryRun(['ip', 'addr', 'replace', `${gateway}/${pod.prefix}`, 'dev', bridge]);
  await tryRun(['ip', 'link', 'set', bridge, 'up']);
  if (serviceCidr !== undefined && (await tryRun(['ip', 'route', 'replace', serviceCidr, 'dev', bridge, 'src', gateway]))) {
    undo.push({ what: 'service CIDR route', run: () => run(['ip', 'route', 'del', serviceCidr, 'dev', bridge]) });
  }

  const nft = (): ((s: string) => Promise<void>) => o.nft ?? nftRunner();
  const started: Promise<unknown>[] = [];
  const handles: { dns?: ClusterDns; pods?: PodNetworkHandle } = {};
  const fail = (what: string) => (e: unknown): void => { if (!signal.aborted) log.error(`node networking: ${what} failed`, { node: nodeName, error: (e as Error).message }); };

  // The cluster DNS on the gateway and on the cluster DNS IP (a /32 on lo).
  let dnsServers: string[] = [];
  if (o.dns) {
    const listen = [{ address: gateway, port: o.dnsPort ?? 53 }];
    if (clusterDns !== undefined && clusterDns !== gateway && ipv4ToInt(clusterDns) !== undefined) {
      if (await tryRun(['ip', 'addr', 'replace', `${clusterDns}/32`, 'dev', 'lo'])) {
        undo.push({ what: 'cluster DNS address', run: () => run(['ip', 'addr', 'del', `${clusterDns}/32`, 'dev', 'lo']) });
        listen.push({ address: clusterDns, port: o.dnsPort ?? 53 });
      }
    }
    dnsServers = [listen[listen.length - 1].address];
    started.push(startClusterDns({
      client: o.client, listen, clusterDomain: o.clusterDomain, signal,
      log: { info: (m, f) => log.info(m, { node: nodeName, ...f }), error: (m, f) => log.error(m, { node: nodeName, ...f }) },
    }).then((d) => {
      handles.dns = d;
      log.info('cluster DNS serving', { node: nodeName, listen: listen.map((l) => l.address), ports: d.ports, upstreams: d.upstreams.length });
    }, fail('cluster DNS')));
  }

  // The Service proxy.
  if (o.proxy) {
    const proxy = startServiceProxy({ client: o.client, nodeName, nodeIps: [o.nodeIp], clusterCidrs, nft: nft(), signal, log: plog, keepRulesOnStop: true });
    started.push(proxy.ready.then((ok) => { if (ok) log.info('service proxy synced', { node: nodeName }); }));
    undo.push({ what: 'service proxy', run: () => proxy.done });
  } else {
    await nft()(renderDelete('ip')).catch(fail('removing the service proxy table'));
  }

  // NetworkPolicy.
  if (o.policy) {
    started.push(startNetworkPolicy({
      client: o.client, nodeName, nft: nft(), signal,
      log: { info: (m, f) => log.info(m, { node: nodeName, ...f }), error: (m, f) => log.error(m, { node: nodeName, ...f }) },
    }).then((p) => {
      undo.push({ what: 'network policy', run: () => p.close() });
      log.info('network policy enforced', { node: nodeName });
    }, fail('network policy')));
  } else {
    await nft()(removePolicyScript()).catch(fail('removing the network policy table'));
  }

  // The pod network between nodes.
  if (o.networkMode !== 'none') {
    started.push(startPodNetwork({ client: o.client, nodeName, mode: o.networkMode, run, signal, log: plog }).then((h) => {
      handles.pods = h;
      log.info('pod network started', { node: nodeName, mode: o.networkMode });
    }, fail('pod network')));
  } else {
    await removePodNetwork(run).catch(fail('removing the pod network'));
  }

  const ready = Promise.all(started).then(() => undefined);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stop.abort();
      await ready;
      await handles.dns?.close().catch(fail('stopping the cluster DNS'));
      await handles.pods?.close().catch(fail('stopping the pod network'));
      for (const u of undo.splice(0).reverse()) await u.run().catch(fail(`removing the ${u.what}`));
    })();
    return closing;
  };
  return { dnsServers, gateway, ready, close };
}
