/**
 * @module cli/sim — `windlass sim`: register hollow nodes (src/agent/sim.ts) against a cluster for
 * scale tests, logging how long registration took, until SIGINT/SIGTERM. Credentials come from
 * `--kubeconfig` (default: the server data dir's admin.kubeconfig); `--server` overrides the
 * kubeconfig's server URL. The body (client, hollow nodes) loads lazily, so defining the command is cheap.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { ApiClient, RestConfig } from '../client/index.ts';
import type { HollowCluster, HollowNodesOptions } from '../agent/sim.ts';
import { defaultDataDir } from './data-dir.ts';
import type { PlatformInfo } from './data-dir.ts';
import { parsePositiveInt, parseServerUrl } from './flags.ts';
import { createLogger } from './log.ts';
import type { Logger } from './log.ts';
import type { CliIo } from './program.ts';

/** SimFlags are the parsed flags of `windlass sim`. */
export interface SimFlags {
  readonly dataDir: string;
  readonly kubeconfig?: string;
  readonly server?: string;
  /** nodes counts every hollow node; `windows` of them are Windows nodes. */
  readonly nodes: number;
  readonly windows: number;
  readonly windowsBuild: string;
  readonly windowsTaint: boolean;
  readonly podsPerNode: number;
  readonly namePrefix: string;
  readonly heartbeatMs: number;
  /** pods: run the pods bound to the nodes (`--no-pods` leaves them bound and Pending). */
  readonly pods: boolean;
}

/** SimActions holds the body of `windlass sim`; tests replace it. */
export interface SimActions {
  sim(flags: SimFlags, io: CliIo): Promise<void>;
}

/** defaultSimActions run the real body. */
export const defaultSimActions: SimActions = {
  async sim(flags, io) { await runSimProcess(flags, io); },
};

/** parseCount accepts a whole number of at least 0. */
export function parseCount(value: string): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0)) throw new InvalidArgumentError('Not a whole number.');
  return n;
}

/** parseWindowsBuild accepts `Major.Minor.Build` (10.0.20348). */
export function parseWindowsBuild(value: string): string {
  if (!/^\d+\.\d+\.\d+$/.test(value)) throw new InvalidArgumentError('Not a Windows build (Major.Minor.Build, e.g. 10.0.20348).');
  return value;
}

/** parseNamePrefix accepts a DNS label prefix for node names. */
export function parseNamePrefix(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(value)) throw new InvalidArgumentError('Not a DNS label (lower-case letters, digits, "-").');
  return value;
}

/** addSimCommand defines `windlass sim` on the program. */
export function addSimCommand(program: Command, actions: SimActions, io: CliIo, platform: PlatformInfo): void {
  program.command('sim')
    .description('run hollow (simulated) nodes against a cluster, for scale tests')
    .option('-d, --data-dir <dir>', "the server's data dir (its admin.kubeconfig is used without --kubeconfig)", defaultDataDir('server', platform))
    .option('--kubeconfig <file>', 'admin kubeconfig to register the nodes with (default: <data-dir>/admin.kubeconfig)')
    .option('--server <url>', "API server URL (overrides the kubeconfig's)", parseServerUrl)
    .option('--nodes <n>', 'hollow nodes in all', parseCount, 0)
    .option('--windows <n>', 'how many of the nodes are Windows nodes', parseCount, 0)
    .option('--windows-build <build>', 'Windows build the Windows nodes report', parseWindowsBuild, '10.0.20348')
    .option('--windows-taint', 'taint Windows nodes os=windows:NoSchedule')
    .option('--pods-per-node <n>', 'pod capacity of each node', parsePositiveInt, 110)
    .option('--name-prefix <prefix>', 'node names are <prefix>-<i> and <prefix>-win-<i>', parseNamePrefix, 'hollow')
    .option('--heartbeat-ms <ms>', 'Lease renewal period', parsePositiveInt, 10_000)
    .option('--no-pods', 'leave pods bound to the nodes as they are (no pod watch; they stay Pending): to measure scheduling alone')
    .action(async (_o, cmd: Command) => {
      const o = cmd.opts();
      if (o.nodes === 0) cmd.error('error: --nodes is 0: nothing to simulate', { code: 'windlass.sim.nothing', exitCode: 2 });
      if (o.windows > o.nodes) cmd.error(`error: --windows ${o.windows} is more than --nodes ${o.nodes} (Windows nodes are counted among the nodes)`, { code: 'windlass.sim.windows', exitCode: 2 });
      await actions.sim({ ...o, windowsTaint: o.windowsTaint === true } as SimFlags, io);
    });
}

/** SimDeps are runSim's collaborators (tests inject a fake cluster). */
export interface SimDeps {
  readonly log: Logger;
  readonly makeClient: (config: RestConfig) => ApiClient & { close?(): void };
  readonly start: (opts: HollowNodesOptions) => HollowCluster;
  readonly readFile: (path: string) => Promise<string>;
  readonly parseKubeconfig: (text: string) => RestConfig;
}

/** untilAborted resolves when `signal` aborts. */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((res) => { if (signal.aborted) res(); else signal.addEventListener('abort', () => res(), { once: true }); });
}

/** runSim registers the hollow nodes, logs the registration time, and runs them until `signal` aborts. */
export async function runSim(flags: SimFlags, signal: AbortSignal, deps: SimDeps): Promise<void> {
  const path = flags.kubeconfig ?? join(flags.dataDir, 'admin.kubeconfig');
  let text: string;
  try {
    text = await deps.readFile(path);
  } catch {
    throw new Error(flags.kubeconfig !== undefined ? `kubeconfig ${path} cannot be read` : `no admin kubeconfig at ${path} (pass --kubeconfig or --data-dir)`);
  }
  const base = deps.parseKubeconfig(text);
  const config = { ...base, ...(flags.server !== undefined ? { server: flags.server } : {}) };
  const client = deps.makeClient({ ...config, userAgent: 'windlass-sim' });
  // Leases and node status on connections of their own, as the kubelet's heartbeat client.
  const heartbeatClient = deps.makeClient({ ...config, userAgent: 'windlass-sim-heartbeat' });
  const t0 = Date.now();
  deps.log.info('registering hollow nodes', { server: flags.server ?? base.server, linux: flags.nodes - flags.windows, windows: flags.windows });
  const cluster = deps.start({
    // --nodes counts every node; startHollowNodes takes the Linux ones and the Windows ones apart.
    client, heartbeatClient, nodes: flags.nodes - flags.windows, windows: flags.windows, windowsBuild: flags.windowsBuild, windowsTaint: flags.windowsTaint,
    podsPerNode: flags.podsPerNode, namePrefix: flags.namePrefix, heartbeatMs: flags.heartbeatMs, runPods: flags.pods !== false, signal,
    log: (msg, fields) => { if (/fail/.test(msg)) deps.log.error(msg, fields); else deps.log.info(msg, fields); },
  });
  try {
    await Promise.race([cluster.ready, untilAborted(signal)]);
    if (!signal.aborted) {
      const rss = process.memoryUsage().rss;
      deps.log.info('hollow nodes ready', { nodes: cluster.nodeNames().length, registrationMs: Date.now() - t0, rssMiB: Math.round(rss / 2 ** 20) });
    }
    await untilAborted(signal);
  } finally {
    await cluster.stop();
    client.close?.();
    heartbeatClient.close?.();
    deps.log.info('stopped');
  }
}

/** runSimProcess runs `windlass sim` until SIGTERM or SIGINT (a second signal exits at once). */
export async function runSimProcess(flags: SimFlags, io: CliIo): Promise<void> {
  const log = createLogger((line) => io.err(line));
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(1);
    log.info('signal received', { signal: sig });
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const { RestClient, kubeconfigToRestConfig } = await import('../client/index.ts');
    const { startHollowNodes } = await import('../agent/sim.ts');
    await runSim(flags, controller.signal, {
      log, makeClient: (c) => new RestClient(c), start: startHollowNodes, readFile: (p) => readFile(p, 'utf8'), parseKubeconfig: kubeconfigToRestConfig,
    });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
