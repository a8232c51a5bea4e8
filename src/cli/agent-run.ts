/**
 * @module cli/agent-run — runs the real node agent (agent/node.ts) for `windlass server` (its
 * built-in agent), `windlass join` and `windlass agent`: builds the API client from the node's
 * client certificate and maps the parsed flags onto `startNodeAgent`'s options. The agent module
 * loads lazily, so commands that do not run it never load the runtime code.
 */
import { RestClient } from '../client/index.ts';
import type { NodeAgent, NodeAgentOptions, NodeServingCertificates } from '../agent/node.ts';
import type { Taint } from '../agent/index.ts';
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
  readonly certificates: NodeServingCertificates;
  readonly nodeName: string;
  readonly nodeIp?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly dataDir: string;
  readonly runtime: AgentRuntimeFlags;
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** runNodeAgent starts the agent; the returned agent's `done` settles after the signal aborted and the client is closed. */
export async function runNodeAgent(i: AgentRunInput, start: StartAgentFn): Promise<NodeAgent> {
  const client = new RestClient({ server: i.server, ca: i.caCert, cert: i.clientCertificate.cert, key: i.clientCertificate.key, userAgent: `windlass-agent/${i.nodeName}` });
  try {
    const agent = await start({
      client, caCert: i.caCert, certificates: i.certificates, nodeName: i.nodeName, dataDir: i.dataDir,
      ...(i.nodeIp !== undefined ? { nodeIp: i.nodeIp } : {}),
      ...(i.runtime.containerRuntimeEndpoint !== undefined ? { runtimeEndpoint: i.runtime.containerRuntimeEndpoint } : {}),
      ...(i.runtime.privateRegistry !== undefined ? { registriesYaml: i.runtime.privateRegistry } : {}),
      kubeletPort: i.runtime.kubeletPort, cgroupRoot: i.runtime.cgroupRoot, clusterDns: i.runtime.clusterDns, clusterDomain: i.runtime.clusterDomain,
      labels: i.labels, taints: i.taints, signal: i.signal, log: i.log,
    });
    return { ...agent, done: agent.done.finally(() => client.close()) };
  } catch (e) {
    client.close();
    throw e;
  }
}
