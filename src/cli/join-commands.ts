/**
 * @module cli/join-commands — the command-line definitions of `windlass token create|list|delete`,
 * `windlass join` and `windlass agent` (kubeadm's flag names). Bodies load lazily from token.ts
 * and join.ts, so defining the program stays cheap.
 */
import type { Command } from 'commander';
import { collectList, parseIp } from './flags.ts';
import { defaultDataDir } from './data-dir.ts';
import { addAgentRuntimeFlags, agentRuntimeFlagsFrom } from './agent-flags.ts';
import type { PlatformInfo } from './data-dir.ts';
import type { CliIo } from './program.ts';
import type { TokenAccessFlags, TokenCreateFlags } from './token.ts';
import type { AgentFlags, JoinFlags } from './join.ts';

/** JoinActions are the bodies of the token, join and agent commands; tests replace them. */
export interface JoinActions {
  tokenCreate(flags: TokenCreateFlags, io: CliIo): Promise<void>;
  tokenList(flags: TokenAccessFlags, io: CliIo): Promise<void>;
  tokenDelete(ids: readonly string[], flags: TokenAccessFlags, io: CliIo): Promise<void>;
  join(flags: JoinFlags, io: CliIo): Promise<void>;
  agent(flags: AgentFlags, io: CliIo): Promise<void>;
}

/** defaultJoinActions run the real command bodies. */
export const defaultJoinActions: JoinActions = {
  async tokenCreate(flags, io) { await (await import('./token.ts')).tokenCreate(flags, io); },
  async tokenList(flags, io) { await (await import('./token.ts')).tokenList(flags, io); },
  async tokenDelete(ids, flags, io) { await (await import('./token.ts')).tokenDelete(ids, flags, io); },
  async join(flags, io) { await (await import('./join.ts')).runJoinProcess(flags, io); },
  async agent(flags, io) { await (await import('./join.ts')).runAgentProcess(flags, io); },
};

/** collect appends a repeatable flag's value without splitting it. */
function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/** addJoinCommands defines `token`, `join` and `agent` on the program. */
export function addJoinCommands(program: Command, actions: JoinActions, io: CliIo, platform: PlatformInfo): void {
  const serverDir = defaultDataDir('server', platform);
  const access = (c: Command): Command => c
    .option('-d, --data-dir <dir>', "the server's data dir (its admin.kubeconfig is used)", serverDir)
    .option('--kubeconfig <file>', 'use this admin kubeconfig instead of the data dir');

  const token = program.command('token').description('manage bootstrap tokens for joining nodes');
  access(token.command('create [token]')
    .description('create a bootstrap token (random unless given as id.secret) and print it')
    .option('--ttl <duration>', 'lifetime of the token (0: never expires)', '24h')
    .option('--description <text>', 'a human description of the token')
    .option('--usages <list>', 'signing and/or authentication (comma-separated)', collectList)
    .option('--groups <list>', 'extra groups the token authenticates as (comma-separated)', collectList)
    .option('--print-join-command', 'print the full "windlass join" command instead of the token'))
    .action(async (tok: string | undefined, _o, cmd: Command) => {
      const o = cmd.opts();
      await actions.tokenCreate({
        dataDir: o.dataDir, ...(o.kubeconfig !== undefined ? { kubeconfig: o.kubeconfig } : {}),
        ...(tok !== undefined ? { token: tok } : {}), ttl: o.ttl, ...(o.description !== undefined ? { description: o.description } : {}),
        usages: o.usages ?? ['signing', 'authentication'], groups: o.groups ?? ['system:bootstrappers:kubeadm:default-node-token'],
        printJoinCommand: o.printJoinCommand === true,
      }, io);
    });
  access(token.command('list').description('list bootstrap tokens'))
    .action(async (_o, cmd: Command) => {
      const o = cmd.opts();
      await actions.tokenList({ dataDir: o.dataDir, ...(o.kubeconfig !== undefined ? { kubeconfig: o.kubeconfig } : {}) }, io);
    });
  access(token.command('delete <ids...>').description('delete bootstrap tokens by ID (or id.secret)'))
    .action(async (ids: string[], _o, cmd: Command) => {
      const o = cmd.opts();
      await actions.tokenDelete(ids, { dataDir: o.dataDir, ...(o.kubeconfig !== undefined ? { kubeconfig: o.kubeconfig } : {}) }, io);
    });

  const nodeFlags = (c: Command): Command => c
    .option('--node-name <name>', 'the Node name (default: the host name, lower-cased)')
    .option('--node-ip <ip>', 'the InternalIP address the node reports', parseIp)
    .option('--node-label <key=value>', 'a label for the Node (repeatable)', collect)
    .option('--node-taint <key=value:Effect>', 'a taint for the Node (repeatable)', collect);

  const join = nodeFlags(program.command('join <address>')
    .description('join this machine to a cluster as a node (HOST:PORT of the API server)')
    .requiredOption('--token <id.secret>', 'the bootstrap token')
    .option('--discovery-token-ca-cert-hash <sha256:hex>', "pin of the cluster CA's public key (repeatable)", collect)
    .option('--discovery-token-unsafe-skip-ca-verification', 'do not pin the cluster CA (insecure)')
    .option('--container-runtime-endpoint <uri>', 'CRI endpoint (unix:///… or npipe:////./pipe/…)')
    .option('-d, --data-dir <dir>', "where the node's credentials are kept", defaultDataDir('agent', platform))
    .option('--csr-timeout <duration>', 'how long to wait for the certificate to be approved and signed', '2m'));
  addAgentRuntimeFlags(join, false)
    .action(async (address: string, _o, cmd: Command) => {
      const o = cmd.opts();
      const { containerRuntimeEndpoint: _e, ...runtime } = agentRuntimeFlagsFrom(o);
      await actions.join({
        address, token: o.token, discoveryTokenCaCertHash: o.discoveryTokenCaCertHash ?? [],
        discoveryTokenUnsafeSkipCaVerification: o.discoveryTokenUnsafeSkipCaVerification === true,
        ...(o.nodeName !== undefined ? { nodeName: o.nodeName } : {}), ...(o.nodeIp !== undefined ? { nodeIp: o.nodeIp } : {}),
        nodeLabel: o.nodeLabel ?? [], nodeTaint: o.nodeTaint ?? [],
        ...(o.containerRuntimeEndpoint !== undefined ? { containerRuntimeEndpoint: o.containerRuntimeEndpoint } : {}),
        dataDir: o.dataDir, csrTimeout: o.csrTimeout, runtime,
      }, io);
    });

  addAgentRuntimeFlags(nodeFlags(program.command('agent')
    .description('run the node agent with existing node credentials')
    .option('--kubeconfig <file>', "the node's kubeconfig (default: <data-dir>/kubelet.kubeconfig)")
    .option('-d, --data-dir <dir>', "where the node's credentials are kept", defaultDataDir('agent', platform))))
    .action(async (_o, cmd: Command) => {
      const o = cmd.opts();
      const { containerRuntimeEndpoint, ...runtime } = agentRuntimeFlagsFrom(o);
      await actions.agent({
        ...(o.kubeconfig !== undefined ? { kubeconfig: o.kubeconfig } : {}), dataDir: o.dataDir,
        ...(o.nodeName !== undefined ? { nodeName: o.nodeName } : {}), ...(o.nodeIp !== undefined ? { nodeIp: o.nodeIp } : {}),
        nodeLabel: o.nodeLabel ?? [], nodeTaint: o.nodeTaint ?? [],
        ...(containerRuntimeEndpoint !== undefined ? { containerRuntimeEndpoint } : {}), runtime,
      }, io);
    });
}
