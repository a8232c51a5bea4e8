/**
 * @module cli/routes — `windlass routes`: every node's pod routes in `ip route` form
 * (`10.42.1.0/24 via 192.168.50.2`), for an upstream router in the `l3` network mode. Each
 * node's `windlass.io/pod-routes` annotation is used when present, else its pod CIDRs via its
 * InternalIP. Nodes that have no route yet are named on stderr. The body loads lazily.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultDataDir, type PlatformInfo } from './data-dir.ts';
import { parseServerUrl } from './flags.ts';
import type { CliIo } from './program.ts';

/** RoutesFlags are the parsed flags of `windlass routes`. */
export interface RoutesFlags {
  readonly dataDir: string;
  readonly kubeconfig?: string;
  readonly server?: string;
  /** prefix: text put before each line (e.g. `ip route replace ` to get a script). */
  readonly prefix?: string;
}

/** RoutesActions holds the body of `windlass routes`; tests replace it. */
export interface RoutesActions {
  routes(flags: RoutesFlags, io: CliIo): Promise<void>;
}

/** defaultRoutesActions run the real body. */
export const defaultRoutesActions: RoutesActions = {
  async routes(flags, io) { await runRoutes(flags, io); },
};

/** addRoutesCommand defines `windlass routes` on the program. */
export function addRoutesCommand(program: Command, actions: RoutesActions, io: CliIo, platform: PlatformInfo): void {
  program.command('routes')
    .description("print every node's pod route in `ip route` form, for an upstream router (--network-mode l3)")
    .option('-d, --data-dir <dir>', "the server's data dir (its admin.kubeconfig is used without --kubeconfig)", defaultDataDir('server', platform))
    .option('--kubeconfig <file>', 'kubeconfig to read the Nodes with (default: <data-dir>/admin.kubeconfig)')
    .option('--server <url>', "API server URL (overrides the kubeconfig's)", parseServerUrl)
    .option('--prefix <text>', 'text put before each line, e.g. "ip route replace "')
    .action(async (_o, cmd: Command) => {
      await actions.routes(cmd.opts<RoutesFlags>(), io);
    });
}

/** runRoutes lists the Nodes and writes one `ip route` line per pod CIDR to `io.out`. */
export async function runRoutes(flags: RoutesFlags, io: CliIo): Promise<void> {
  const path = flags.kubeconfig ?? join(flags.dataDir, 'admin.kubeconfig');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(flags.kubeconfig !== undefined ? `kubeconfig ${path} cannot be read` : `no admin kubeconfig at ${path} (pass --kubeconfig or --data-dir)`);
  }
  const { RestClient, RESOURCES, kubeconfigToRestConfig } = await import('../client/index.ts');
  const { nodeInfoOf, upstreamRoutesOf } = await import('../network/routes/index.ts');
  const base = kubeconfigToRestConfig(text);
  const client = new RestClient({ ...base, ...(flags.server !== undefined ? { server: flags.server } : {}), userAgent: 'windlass-routes' });
  try {
    const nodes = (await client.list(RESOURCES.nodes, '')).items.map(nodeInfoOf).sort((a, b) => a.name.localeCompare(b.name));
    const lines: string[] = [];
    for (const n of nodes) {
      const routes = upstreamRoutesOf(n);
      if (routes.length === 0) io.err(`# node ${n.name}: no pod CIDR or no IPv4 address yet\n`);
      for (const r of routes) lines.push(`${flags.prefix ?? ''}${r}`);
    }
    if (lines.length) io.out(`${lines.join('\n')}\n`);
  } finally {
    client.close();
  }
}
