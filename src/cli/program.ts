/**
 * @module cli/program — the `windlass` command line: `server`, `kubeconfig`, `version`, and
 * `token`, `join`, `agent` (defined in join-commands.ts), `sim` (sim.ts).
 *
 * `buildProgram` defines the commands and flags (k3s conventions) and always uses commander's
 * exitOverride, so parsing never exits the process; `runCli` maps the outcome to an exit code:
 * 0 success or help, 2 a usage error (commander's message on stderr), 1 a runtime failure (one
 * line on stderr). Command bodies are loaded lazily, so `version` does not load the server.
 */
import { Command, CommanderError, Option } from 'commander';
import { collectList, parseCidr, parseFileMode, parseIp, parseNonNegativeInt, parsePort, parsePortRange, parsePositiveInt, parseServerUrl } from './flags.ts';
import { currentPlatform, defaultDataDir } from './data-dir.ts';
import type { PlatformInfo } from './data-dir.ts';
import { WINDLASS_VERSION, versionText } from './version.ts';
import { addJoinCommands, defaultJoinActions } from './join-commands.ts';
import type { JoinActions } from './join-commands.ts';
import { addSimCommand, defaultSimActions } from './sim.ts';
import { addRoutesCommand, defaultRoutesActions } from './routes.ts';
import type { RoutesActions } from './routes.ts';
import type { SimActions } from './sim.ts';
import { addAgentRuntimeFlags, agentRuntimeFlagsFrom } from './agent-flags.ts';
import type { AgentRuntimeFlags } from './agent-flags.ts';

/** ServerAgentFlags configure the server's built-in node agent. */
export interface ServerAgentFlags extends AgentRuntimeFlags {
  readonly nodeName?: string;
  readonly nodeIp?: string;
  readonly nodeLabel: readonly string[];
  readonly nodeTaint: readonly string[];
}

/** ServerFlags are the parsed flags of `windlass server`, defaults applied. */
export interface ServerFlags {
  readonly dataDir: string;
  readonly httpsListenPort: number;
  readonly bindAddress: string;
  readonly advertiseAddress?: string;
  readonly writeKubeconfig?: string;
  readonly writeKubeconfigMode: number;
  readonly datastoreEndpoint?: string;
  readonly clusterCidr: string;
  readonly serviceCidr: string;
  readonly disableAgent: boolean;
  /** serviceNodePortRange is `first-last` (inclusive). */
  readonly serviceNodePortRange: string;
  readonly nodeCidrMaskSize: number;
  /** nodeMonitorGracePeriod is in seconds. */
  readonly nodeMonitorGracePeriod: number;
  readonly disableScheduler: boolean;
  readonly disableControllerManager: boolean;
  readonly tlsSan: readonly string[];
  /** watchCacheSize: events the watch cache keeps per resource (older resourceVersions get 410). */
  readonly watchCacheSize?: number;
  /** heapGrowthPercent: how far (%) the JS heap may grow past its live size before a full GC (0: V8's own rule). */
  readonly heapGrowthPercent?: number;
  /** heapSemiSpaceMb: the main thread's young generation semi-space cap in MiB (0: V8's own sizing). */
  readonly heapSemiSpaceMb?: number;
  /** agent: the built-in node agent's settings (absent: the defaults). */
  readonly agent?: ServerAgentFlags;
}

/** KubeconfigFlags are the parsed flags of `windlass kubeconfig`. */
export interface KubeconfigFlags {
  readonly dataDir: string;
  readonly server?: string;
}

/** CliIo is where commands write their output and commander its messages. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** CliActions are the command bodies; tests replace them to observe parsed flags. */
export interface CliActions extends JoinActions, SimActions, RoutesActions {
  server(flags: ServerFlags, io: CliIo): Promise<void>;
  kubeconfig(flags: KubeconfigFlags, io: CliIo): Promise<void>;
  version(io: CliIo): Promise<void>;
}

/** BuildProgramOptions injects command bodies, output streams and platform facts (for data-dir defaults). */
export interface BuildProgramOptions {
  readonly actions?: Partial<CliActions>;
  readonly io?: Partial<CliIo>;
  readonly platform?: PlatformInfo;
}

const defaultActions: CliActions = {
  ...defaultJoinActions,
  ...defaultSimActions,
  ...defaultRoutesActions,
  async server(flags, io) {
    const { runServerProcess } = await import('./server.ts');
    await runServerProcess(flags, io);
  },
  async kubeconfig(flags, io) {
    const { adminKubeconfig } = await import('./kubeconfig.ts');
    io.out(await adminKubeconfig(flags));
  },
  async version(io) {
    io.out(versionText());
  },
};

/** collectOne appends a repeatable flag's value without splitting it. */
function collectOne(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/** buildProgram returns the `windlass` commander program, with exitOverride set on every command. */
export function buildProgram(opts: BuildProgramOptions = {}): Command {
  const io: CliIo = {
    out: opts.io?.out ?? ((t) => { process.stdout.write(t); }),
    err: opts.io?.err ?? ((t) => { process.stderr.write(t); }),
  };
  const actions: CliActions = { ...defaultActions, ...opts.actions };
  const platform = opts.platform ?? currentPlatform();

  const program = new Command('windlass')
    .description('A Kubernetes-compatible container orchestrator for Linux and Windows Server nodes.')
    .version(`windlass version ${WINDLASS_VERSION}`, '--version', 'print the windlass version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)');

  const server = program.command('server')
    .description('run the control plane (API server) of a cluster, and on Linux a node agent for this machine')
    .option('-d, --data-dir <dir>', 'where state, certificates and the admin kubeconfig live', defaultDataDir('server', platform))
    .option('--https-listen-port <port>', 'HTTPS port (0 picks a free one)', parsePort, 6443)
    .option('--bind-address <ip>', 'address to listen on', parseIp, '0.0.0.0')
    .option('--advertise-address <ip>', 'address written into kubeconfigs and the serving certificate', parseIp)
    .option('--tls-san <name>', 'extra DNS name or IP in the serving certificate (repeatable, or comma-separated)', collectList)
    .option('--write-kubeconfig <file>', 'also write the admin kubeconfig to this file')
    .addOption(new Option('--write-kubeconfig-mode <mode>', 'file mode of --write-kubeconfig')
      .argParser(parseFileMode).default(0o600, '0600'))
    .option('--datastore-endpoint <url>', 'sqlite (default, in the data dir), sqlite:///path.db, memory, or https://etcd1:2379,…')
    .option('--cluster-cidr <cidr>', 'pod network', parseCidr, '10.42.0.0/16')
    .option('--service-cidr <cidr>', 'service IP range', parseCidr, '10.43.0.0/16')
    .option('--service-node-port-range <range>', 'NodePort range', parsePortRange, '30000-32767')
    .option('--node-cidr-mask-size <bits>', 'prefix length of each node\'s pod CIDR', parsePositiveInt, 24)
    .option('--node-monitor-grace-period <seconds>', 'a node whose heartbeat is older than this becomes NotReady/Unknown', parsePositiveInt, 40)
    .option('--disable-agent', 'do not run a node agent on this machine')
    .option('--disable-scheduler', 'do not run the scheduler in this server')
    .option('--disable-controller-manager', 'do not run the controllers in this server')
    .addOption(new Option('--watch-cache-size <events>', 'events kept per resource for watches from a past resourceVersion')
      .argParser(parsePositiveInt).env('WINDLASS_WATCH_CACHE_SIZE'))
    .addOption(new Option('--heap-growth-percent <percent>', 'how far the heap may grow past its live size before a full collection (0: V8\'s own rule, which trades up to 4x the memory for less GC time)')
      .argParser(parseNonNegativeInt).default(40).env('WINDLASS_HEAP_GROWTH_PERCENT'))
    .addOption(new Option('--heap-semi-space-mb <MiB>', 'cap on each of the main thread\'s two young-generation semi-spaces (0: V8\'s own sizing, up to 64 MiB each); applied by restarting in place once (Unix)')
      .argParser(parseNonNegativeInt).default(16).env('WINDLASS_HEAP_SEMI_SPACE_MB'))
    .option('--node-name <name>', "the built-in agent's Node name (default: the host name, lower-cased)")
    .option('--node-ip <ip>', 'the InternalIP the built-in agent reports', parseIp)
    .option('--node-label <key=value>', 'a label for the Node (repeatable)', collectOne)
    .option('--node-taint <key=value:Effect>', 'a taint for the Node (repeatable)', collectOne);
  addAgentRuntimeFlags(server);
  server.action(async (_opts, cmd: Command) => {
    const o = cmd.opts();
    const { containerRuntimeEndpoint: _e, privateRegistry: _p, kubeletPort: _k, cgroupRoot: _c, clusterDns: _d, clusterDomain: _m, hollow: _h,
      nodeName, nodeIp, nodeLabel, nodeTaint, ...rest } = o;
    const { hollow: _hollow, ...runtime } = agentRuntimeFlagsFrom(o);
    await actions.server({
      ...rest, tlsSan: o.tlsSan ?? [], disableAgent: o.disableAgent === true,
      disableScheduler: o.disableScheduler === true, disableControllerManager: o.disableControllerManager === true,
      agent: { ...runtime, ...(nodeName !== undefined ? { nodeName } : {}), ...(nodeIp !== undefined ? { nodeIp } : {}), nodeLabel: nodeLabel ?? [], nodeTaint: nodeTaint ?? [] },
    } as ServerFlags, io);
  });

  program.command('kubeconfig')
    .description("print the admin kubeconfig of a server's data dir")
    .option('-d, --data-dir <dir>', "the server's data dir", defaultDataDir('server', platform))
    .option('--server <url>', 'API server URL to write into the kubeconfig', parseServerUrl)
    .action(async (_opts, cmd: Command) => {
      await actions.kubeconfig(cmd.opts<KubeconfigFlags>(), io);
    });

  program.command('version')
    .description('print the windlass version and the Kubernetes version it serves')
    .action(async () => {
      await actions.version(io);
    });

  addJoinCommands(program, actions, io, platform);
  addSimCommand(program, actions, io, platform);
  addRoutesCommand(program, actions, io, platform);
  return program;
}

/** runCli parses `args` (without node and script) and runs the command, resolving to the process exit code. */
export async function runCli(args: readonly string[], opts: BuildProgramOptions = {}): Promise<number> {
  const err = opts.io?.err ?? ((t: string) => { process.stderr.write(t); });
  try {
    await buildProgram(opts).parseAsync([...args], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const message = e instanceof Error ? e.message : String(e);
    err(`windlass: error: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}
