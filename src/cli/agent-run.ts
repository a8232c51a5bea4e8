/**
 * @module cli/agent-run — runs the real node agent (agent/node.ts) for `windlass server` (its
 * built-in agent), `windlass join` and `windlass agent`: builds the API client from the node's
 * client certificate and maps the parsed flags onto `startNodeAgent`'s options, the node
 * networking switches included (all on by default; the cluster and service CIDRs are the server's
 * when it runs the agent; a joined agent reads them from kube-system/kubeadm-config, falling back to
 * k3s's defaults 10.42.0.0/16 and 10.43.0.0/16 when the server does not publish them). The agent
 * module loads lazily, so commands that do not run it never load the runtime code.
 */
import { RestClient } from '../client/index.ts';
import type { NodeAgent, NodeAgentOptions, NodeServingCertificates } from '../agent/node.ts';
import type { Taint } from '../agent/index.ts';
import { DEFAULT_NETWORK_MODE } from './agent-flags.ts';
import type { AgentRuntimeFlags } from './agent-flags.ts';
import type { Logger } from './log.ts';

/** StartAgentFn starts a node agent (startNodeAgent, or a fake in tests). */
export type StartAgentFn = (o: NodeAgentOptions) => Promise<NodeAgent>;

/** loadStartNodeAgent imports the real startNodeAgent. */
export async function loadStartNodeAgent(): Promise<StartAgentFn> {
  return (await import('../agent/node.ts')).startNodeAgent;
}

/** AgentRunInput: where the API is, the node's identity, and what to run. */
export interface AgentRunInput {
  readonly server: string;
  readonly caCert: string;
  readonly clientCertificate: { readonly cert: string; readonly key: string };
  /** clientRotations registers a listener for each rotated client pair (the node's certificate
   * manager); the agent's API client switches to it. Absent: the pair never changes. */
  readonly clientRotations?: (listener: (pair: { readonly cert: string; readonly key: string }) => void) => void;
  readonly certificates: NodeServingCertificates;
  readonly nodeName: string;
  readonly nodeIp?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly dataDir: string;
  readonly runtime: AgentRuntimeFlags;
  /** clusterCidr / serviceCidr: the server's (default 10.42.0.0/16 and 10.43.0.0/16, k3s's). */
  readonly clusterCidr?: string;
  readonly serviceCidr?: string;
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** DEFAULT_CLUSTER_CIDR and DEFAULT_SERVICE_CIDR are the server's defaults, assumed by agents that are not told otherwise. */
export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';

/** networkSettingsOf maps the networking flags (all on unless disabled) and the cluster's CIDRs onto the agent's network settings. */
export function networkSettingsOf(r: AgentRuntimeFlags, clusterCidr = DEFAULT_CLUSTER_CIDR, serviceCidr = DEFAULT_SERVICE_CIDR): NonNullable<NodeAgentOptions['network']> {
  return {
    mode: r.networkMode ?? DEFAULT_NETWORK_MODE, proxy: r.disableKubeProxy !== true, policy: r.disableNetworkPolicy !== true,
    dns: r.disableClusterDns !== true, clusterCidrs: clusterCidr.split(',').map((c) => c.trim()).filter(Boolean), serviceCidr,
  };
}

/** runNodeAgent starts the agent; the returned agent's `done` settles after the signal aborted and the client is closed. */
export async function runNodeAgent(i: AgentRunInput, start: StartAgentFn): Promise<NodeAgent> {
  const client = new RestClient({ server: i.server, ca: i.caCert, cert: i.clientCertificate.cert, key: i.clientCertificate.key, userAgent: `windlass-agent/${i.nodeName}` });
  i.clientRotations?.((pair) => client.setCredentials(pair));
  try {
    // A joined node is not told the server's CIDRs: it reads them where kubeadm keeps them.
    let { clusterCidr, serviceCidr } = i;
    if (clusterCidr === undefined || serviceCidr === undefined) {
      const { readClusterNetworking } = await import('../agent/cluster-config.ts');
      const published: { podSubnet?: string; serviceSubnet?: string } = await readClusterNetworking(client, i.signal).catch((e: unknown) => {
        i.log.info('cluster networking not readable; assuming the defaults', { error: (e as Error).message });
        return {};
      });
      clusterCidr ??= published.podSubnet;
      serviceCidr ??= published.serviceSubnet;
      i.log.info('cluster networking', { clusterCidr: clusterCidr ?? DEFAULT_CLUSTER_CIDR, serviceCidr: serviceCidr ?? DEFAULT_SERVICE_CIDR, from: published.podSubnet ? 'kube-system/kubeadm-config' : 'defaults' });
    }
    const agent = await start({
      client, caCert: i.caCert, certificates: i.certificates, nodeName: i.nodeName, dataDir: i.dataDir,
      ...(i.nodeIp !== undefined ? { nodeIp: i.nodeIp } : {}),
      ...(i.runtime.containerRuntimeEndpoint !== undefined ? { runtimeEndpoint: i.runtime.containerRuntimeEndpoint } : {}),
      ...(i.runtime.privateRegistry !== undefined ? { registriesYaml: i.runtime.privateRegistry } : {}),
      kubeletPort: i.runtime.kubeletPort, cgroupRoot: i.runtime.cgroupRoot, clusterDns: i.runtime.clusterDns, clusterDomain: i.runtime.clusterDomain,
      labels: i.labels, taints: i.taints, signal: i.signal, log: i.log, network: networkSettingsOf(i.runtime, clusterCidr, serviceCidr),
    });
    return { ...agent, done: agent.done.finally(() => client.close()) };
  } catch (e) {
    client.close();
    throw e;
  }
}
