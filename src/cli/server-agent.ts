/**
 * @module cli/server-agent — the node agent built into `windlass server` (Linux): its credentials
 * are issued directly from the server's CA — a client certificate `CN=system:node:<name>`,
 * `O=system:nodes` and a serving certificate for the node's addresses — with no CSR round trip;
 * they are kept in `<data-dir>/agent` (`kubelet.kubeconfig`, `pki/kubelet-serving.{crt,key}`,
 * re-issued at every start), where the agent keeps its state too. What the node networking
 * reads beyond upstream's `system:node` rules comes from the bootstrap policy
 * (`system:node-proxier` and `windlass:node-network`, bound to group `system:nodes`), so joined
 * nodes get it too.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { currentHostFacts } from '../agent/index.ts';
import type { HostFacts } from '../agent/index.ts';
import type { NodeAgent } from '../agent/node.ts';
import { issueClientCertificate, issueServerCertificate, kubeconfigYaml, writeFileAtomic, writePrivateFile } from '../pki/index.ts';
import { DEFAULT_AGENT_RUNTIME_FLAGS } from './agent-flags.ts';
import { runNodeAgent } from './agent-run.ts';
import type { StartAgentFn } from './agent-run.ts';
import { parseNodeSettings } from './join.ts';
import type { Logger } from './log.ts';
import type { ServerAgentFlags } from './program.ts';

/** BuiltInAgentInput: the server's CA, its loopback URL, the agent flags and data dir. */
export interface BuiltInAgentInput {
  readonly caCert: string;
  readonly caKey: string;
  /** serverUrl: the loopback URL of this server. */
  readonly serverUrl: string;
  readonly dataDir: string;
  readonly flags?: ServerAgentFlags;
  /** clusterCidr / serviceCidr: the server's --cluster-cidr and --service-cidr (for the agent's proxy, DNS IP and routes). */
  readonly clusterCidr?: string;
  readonly serviceCidr?: string;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly host?: HostFacts;
}

/** startBuiltInAgent issues the node's certificates and starts the agent for this machine. */
export async function startBuiltInAgent(i: BuiltInAgentInput, start: StartAgentFn): Promise<NodeAgent> {
  const flags: ServerAgentFlags = i.flags ?? { ...DEFAULT_AGENT_RUNTIME_FLAGS, nodeLabel: [], nodeTaint: [] };
  const host = i.host ?? currentHostFacts();
  const node = parseNodeSettings({ nodeName: flags.nodeName, nodeLabel: flags.nodeLabel, nodeTaint: flags.nodeTaint }, host.hostname);
  if (!node.ok) throw new Error(node.reason);
  const nodeIp = flags.nodeIp ?? host.addresses[0] ?? '127.0.0.1';
  const agentDir = join(i.dataDir, 'agent');
  await mkdir(join(agentDir, 'pki'), { recursive: true, mode: 0o700 });
  const client = await issueClientCertificate(i.caCert, i.caKey, { commonName: `system:node:${node.nodeName}`, organizations: ['system:nodes'] });
  const hosts = [...new Set([nodeIp, node.nodeName, host.hostname.toLowerCase()])];
  const serving = await issueServerCertificate(i.caCert, i.caKey, { hosts, commonName: `system:node:${node.nodeName}` });
  await writePrivateFile(join(agentDir, 'kubelet.kubeconfig'), kubeconfigYaml({ server: i.serverUrl, caCert: i.caCert, clientCert: client.cert, clientKey: client.key, name: 'default' }));
  await writePrivateFile(join(agentDir, 'pki', 'kubelet-serving.key'), serving.key);
  await writeFileAtomic(join(agentDir, 'pki', 'kubelet-serving.crt'), serving.cert, 0o644);
  return runNodeAgent({
    server: i.serverUrl, caCert: i.caCert, clientCertificate: client,
    certificates: { start: async () => undefined, current: () => serving },
    nodeName: node.nodeName, nodeIp, labels: node.labels, taints: node.taints, dataDir: agentDir, runtime: flags,
    ...(i.clusterCidr !== undefined ? { clusterCidr: i.clusterCidr } : {}), ...(i.serviceCidr !== undefined ? { serviceCidr: i.serviceCidr } : {}),
    signal: i.signal, log: i.log,
  }, start);
}
