/**
 * @module cli/agent-flags — the node agent's runtime flags, shared by `windlass server` (its
 * built-in agent), `windlass join` and `windlass agent` (kubeadm/k3s names):
 * `--container-runtime-endpoint`, `--private-registry`, `--kubelet-port`, `--cgroup-root`,
 * `--cluster-dns`, `--cluster-domain`; the node networking switches `--network-mode
 * none|l3|host-gw|vxlan|geneve` (default vxlan), `--disable-kube-proxy`, `--disable-network-policy`,
 * `--disable-cluster-dns` (k3s-like; everything on by default; a switch appears in the parsed flags
 * only when given, the defaults are applied by the agent run); and the hidden `--hollow` (env `WINDLASS_AGENT_HOLLOW=1`):
 * register the Node and heartbeat only, run no containers (tests of join on machines without a
 * container runtime).
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { collectList, parseIp, parsePort } from './flags.ts';

/** AgentRuntimeFlags are the parsed runtime flags of the node agent. */
export interface AgentRuntimeFlags {
  readonly containerRuntimeEndpoint?: string;
  readonly privateRegistry?: string;
  readonly kubeletPort: number;
  readonly cgroupRoot: string;
  readonly clusterDns: readonly string[];
  readonly clusterDomain: string;
  /** networkMode: the pod network between nodes (absent: vxlan). */
  readonly networkMode?: AgentNetworkMode;
  readonly disableKubeProxy?: boolean;
  readonly disableNetworkPolicy?: boolean;
  readonly disableClusterDns?: boolean;
}

/** AGENT_NETWORK_MODES are the values of `--network-mode` (the agent's NodeNetworkMode, kept here so the CLI loads no network code). */
export const AGENT_NETWORK_MODES = ['none', 'l3', 'host-gw', 'vxlan', 'geneve'] as const;

/** AgentNetworkMode is one of AGENT_NETWORK_MODES. */
export type AgentNetworkMode = (typeof AGENT_NETWORK_MODES)[number];

/** DEFAULT_NETWORK_MODE is the pod network mode when --network-mode is not given (flannel's and k3s's default). */
export const DEFAULT_NETWORK_MODE: AgentNetworkMode = 'vxlan';

/** DEFAULT_AGENT_RUNTIME_FLAGS are the values when no flag is given. */
export const DEFAULT_AGENT_RUNTIME_FLAGS: AgentRuntimeFlags = { kubeletPort: 10250, cgroupRoot: '/windlass', clusterDns: [], clusterDomain: 'cluster.local' };

/** parseCgroupRoot accepts an absolute cgroup path without `..`. */
function parseCgroupRoot(value: string): string {
  if (!/^\/[A-Za-z0-9_.\-/]*$/.test(value) || value.split('/').includes('..')) throw new InvalidArgumentError('Not an absolute cgroup path (e.g. /windlass).');
  return value.length > 1 ? value.replace(/\/+$/, '') : value;
}

/** parseIpList accepts a comma-separated list of IPs (repeatable). */
function parseIpList(value: string, previous: readonly string[] = []): string[] {
  return collectList(value).reduce((acc, ip) => [...acc, parseIp(ip)], [...previous]);
}

/** addAgentRuntimeFlags defines the runtime flags on a command (`withEndpoint` false where the command defines --container-runtime-endpoint itself). */
export function addAgentRuntimeFlags(c: Command, withEndpoint = true): Command {
  if (withEndpoint) c.option('--container-runtime-endpoint <uri>', 'an existing CRI endpoint (unix:///…); default: a containerd managed in the data dir');
  return c
    .option('--private-registry <file>', 'registries.yaml (k3s format: mirrors, plain-HTTP endpoints, auth/TLS) for the managed containerd')
    .option('--kubelet-port <port>', "port of the agent's HTTPS API (logs, exec, port-forward, stats)", parsePort, 10250)
    .option('--cgroup-root <path>', 'parent cgroup of the pod cgroups', parseCgroupRoot, '/windlass')
    .option('--cluster-dns <ip>', 'DNS server IP(s) for ClusterFirst pods (comma-separated or repeatable; default: the 10th address of the service CIDR, served by the agent)', parseIpList)
    .option('--cluster-domain <domain>', 'the cluster DNS domain', 'cluster.local')
    .addOption(new Option('--network-mode <mode>', `pod network between nodes (default: ${DEFAULT_NETWORK_MODE})`).choices(AGENT_NETWORK_MODES))
    .option('--disable-kube-proxy', 'do not program Services (ClusterIP, NodePort) into nftables on this node')
    .option('--disable-network-policy', 'do not enforce NetworkPolicies on this node')
    .option('--disable-cluster-dns', "do not serve the cluster DNS for this node's pods")
    .addOption(new Option('--hollow', 'register the Node only; run no containers (tests)').env('WINDLASS_AGENT_HOLLOW').hideHelp());
}

/** agentRuntimeFlagsFrom picks the runtime flags out of commander's parsed options. */
export function agentRuntimeFlagsFrom(o: Record<string, any>): AgentRuntimeFlags & { hollow: boolean } {
  return {
    ...(o.containerRuntimeEndpoint !== undefined ? { containerRuntimeEndpoint: o.containerRuntimeEndpoint } : {}),
    ...(o.privateRegistry !== undefined ? { privateRegistry: o.privateRegistry } : {}),
    kubeletPort: o.kubeletPort ?? 10250, cgroupRoot: o.cgroupRoot ?? '/windlass', clusterDns: o.clusterDns ?? [],
    clusterDomain: o.clusterDomain ?? 'cluster.local', hollow: o.hollow === true || o.hollow === '1' || o.hollow === 'true',
    ...(o.networkMode !== undefined ? { networkMode: o.networkMode as AgentNetworkMode } : {}),
    ...(o.disableKubeProxy === true ? { disableKubeProxy: true } : {}),
    ...(o.disableNetworkPolicy === true ? { disableNetworkPolicy: true } : {}),
    ...(o.disableClusterDns === true ? { disableClusterDns: true } : {}),
  };
}
