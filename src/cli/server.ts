/**
 * @module cli/server — `windlass server`: open the store, ensure the certificates, start the API
 * server, write the admin kubeconfig, then serve until the stop signal and shut down in order.
 *
 * On Linux it also runs a node agent for its own machine (server-agent.ts) unless
 * `--disable-agent`: started once the API listens, stopped first on shutdown (its pods keep
 * running); if it cannot start, the server stops and exits non-zero.
 *
 * `runServer` is the body with its collaborators injected (tests use a fake API server);
 * `runServerProcess` wires it to the real store and API server, JSON logs on stderr and
 * SIGTERM/SIGINT (the first stops cleanly, a second exits at once with status 1).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { ensureServerPki, ensureServiceAccountKeys, issueClientCertificate, kubeconfigYaml, writePrivateFile } from '../pki/index.ts';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { startApiServer } from '../apiserver/index.ts';
import type { ApiServer, ApiServerOptions } from '../apiserver/index.ts';
import { startControllers } from '../controllers/index.ts';
import type { RunningControllers, StartControllersOptions } from '../controllers/index.ts';
import { startScheduler } from '../scheduler/index.ts';
import type { RunningScheduler, StartSchedulerOptions } from '../scheduler/index.ts';
import { CONTROLLER_MANAGER_USER, SCHEDULER_USER, startControlPlane, type RunningControlPlane } from './control-plane.ts';
import { startControlPlaneThread, type ControlPlaneSpec } from './control-plane-thread.ts';
import { relaunchForSemiSpace } from './heap-flags.ts';
import { createLogger } from './log.ts';
import type { Logger } from './log.ts';
import type { CliIo, ServerFlags } from './program.ts';
import { loadStartNodeAgent } from './agent-run.ts';
import type { StartAgentFn } from './agent-run.ts';
import { startBuiltInAgent } from './server-agent.ts';
import type { NodeAgent } from '../agent/node.ts';
import { KUBERNETES_VERSION, WINDLASS_VERSION } from './version.ts';

/** ServerDeps are runServer's collaborators. */
export interface ServerDeps {
  readonly openStore: (endpoint: string | undefined, dataDir: string) => Promise<Store>;
  readonly startApiServer: (opts: ApiServerOptions) => Promise<ApiServer>;
  readonly log: Logger;
  /** out prints the one human-readable stdout line (`windlass: listening on URL`). */
  readonly out: (text: string) => void;
  readonly hostname: () => string;
  /** startControllers runs the in-process controllers (absent: none, as in tests with a fake API server). */
  readonly startControllers?: (opts: StartControllersOptions) => RunningControllers;
  /** startScheduler runs the in-process scheduler (absent: none). */
  readonly startScheduler?: (opts: StartSchedulerOptions) => RunningScheduler;
  /** startAgent runs the built-in node agent (absent: none, as on non-Linux machines and in tests). */
  readonly startAgent?: StartAgentFn;
  /** controlPlaneThread runs the scheduler and controllers on a worker thread (control-plane-thread.ts),
   * which imports the real ones itself; startControllers/startScheduler then only say which run. */
  readonly controlPlaneThread?: boolean;
}

export { CONTROLLER_MANAGER_USER } from './control-plane.ts';

/** isUnspecified says whether an address is the any-address (0.0.0.0 or ::). */
function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || (isIP(ip) === 6 && /^[0:]+$/.test(ip));
}

/** clientHost is the host clients are told to use: the advertise address, else the bind address, else loopback. */
export function clientHost(flags: Pick<ServerFlags, 'advertiseAddress' | 'bindAddress'>): string {
  if (flags.advertiseAddress !== undefined) return flags.advertiseAddress;
  if (!isUnspecified(flags.bindAddress)) return flags.bindAddress;
  return isIP(flags.bindAddress) === 6 ? '::1' : '127.0.0.1';
}

/** hostForUrl brackets an IPv6 address for use in a URL. */
export function hostForUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** certificateHosts lists the names the serving certificate needs beyond the defaults: SANs, addresses, the host name. */
export function certificateHosts(flags: Pick<ServerFlags, 'tlsSan' | 'advertiseAddress' | 'bindAddress'>, host: string): string[] {
  const hosts = [...flags.tlsSan];
  if (flags.advertiseAddress !== undefined) hosts.push(flags.advertiseAddress);
  if (!isUnspecified(flags.bindAddress)) hosts.push(flags.bindAddress);
  if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(host)) hosts.push(host.toLowerCase());
  return [...new Set(hosts)];
}

/** UNIX_SOCKET_PATH_MAX: the longest Unix socket path every platform accepts (sun_path is 104–108 bytes). */
const UNIX_SOCKET_PATH_MAX = 100;

/** localEndpoint picks the local endpoint's path (`api.sock` in the data directory, whose mode
 * 0700 keeps others out; a randomly named pipe on Windows; none when the directory's path is too
 * long for a socket) and makes a fresh random token for each control plane user. */
export function localEndpoint(dataDir: string, platform: NodeJS.Platform = process.platform): { socketPath?: string; tokens: Map<string, string> } {
  const tokens = new Map([SCHEDULER_USER, CONTROLLER_MANAGER_USER].map((u) => [u, randomBytes(32).toString('base64url')]));
  if (platform === 'win32') return { socketPath: `\\\\.\\pipe\\windlass-api-${randomBytes(8).toString('hex')}`, tokens };
  const path = join(dataDir, 'api.sock');
  return Buffer.byteLength(path) <= UNIX_SOCKET_PATH_MAX ? { socketPath: path, tokens } : { tokens };
}

/** untilAborted resolves when `signal` aborts (at once if it already has). */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((res) => {
    if (signal.aborted) res();
    else signal.addEventListener('abort', () => res(), { once: true });
  });
}

/** runServer starts the control plane and resolves once `signal` has aborted and everything is closed. */
export async function runServer(flags: ServerFlags, signal: AbortSignal, deps: ServerDeps): Promise<void> {
  const { log } = deps;
  const dataDir = resolve(flags.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  log.info('starting', {
    version: WINDLASS_VERSION, kubernetesVersion: KUBERNETES_VERSION, dataDir,
    datastore: flags.datastoreEndpoint ?? 'sqlite',
  });
  if (!flags.disableAgent && !deps.startAgent) log.info('no node agent on this platform; running the control plane only', { platform: process.platform });

  const store = await deps.openStore(flags.datastoreEndpoint, dataDir);
  try {
    const pki = await ensureServerPki(join(dataDir, 'tls'), { hosts: certificateHosts(flags, deps.hostname()) });
    const serviceAccountKeys = await ensureServiceAccountKeys(join(dataDir, 'tls'));
    const endpoint = localEndpoint(dataDir);
    const server = await deps.startApiServer({
      store, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert }, serviceAccountKeys,
      kubeletClient: { cert: pki.kubeletClientCert, key: pki.kubeletClientKey },
      host: flags.bindAddress, port: flags.httpsListenPort, signal,
      serviceCIDR: flags.serviceCidr, clusterCIDR: flags.clusterCidr, serviceNodePortRange: flags.serviceNodePortRange,
      ...(flags.advertiseAddress !== undefined ? { advertiseAddress: flags.advertiseAddress } : {}),
      // The namespace controller finalizes namespaces when this server runs the controller manager.
      inProcessNamespaceFinalizer: flags.disableControllerManager || !deps.startControllers,
      ...(flags.watchCacheSize ? { tuning: { watchRingSize: flags.watchCacheSize } } : {}),
      ...(endpoint.socketPath ? { local: { path: endpoint.socketPath, tokens: new Map([...endpoint.tokens].map(([user, t]) => [t, { username: user, groups: ['system:authenticated'] }])) } } : {}),
    });
    try {
      const url = `https://${hostForUrl(clientHost(flags))}:${server.port}`;
      const kubeconfig = kubeconfigYaml({ server: url, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
      const adminPath = join(dataDir, 'admin.kubeconfig');
      await writePrivateFile(adminPath, kubeconfig);
      const written = [adminPath];
      if (flags.writeKubeconfig !== undefined) {
        const extra = resolve(flags.writeKubeconfig);
        await writePrivateFile(extra, kubeconfig, flags.writeKubeconfigMode);
        written.push(extra);
      }
      const local = isUnspecified(flags.bindAddress) ? '127.0.0.1' : flags.bindAddress;
      const spec: ControlPlaneSpec = {
        localUrl: `https://${hostForUrl(local)}:${server.port}`, caCert: pki.caCert, caKey: pki.caKey, publicUrl: url,
        controllers: deps.startControllers && !flags.disableControllerManager ? {
          clusterCidr: flags.clusterCidr, nodeCidrMaskSize: flags.nodeCidrMaskSize,
          nodeMonitorGracePeriodMs: flags.nodeMonitorGracePeriod * 1000, storageDir: join(dataDir, 'storage'),
        } : undefined,
        scheduler: !!deps.startScheduler && !flags.disableScheduler,
        ...(server.localSocket ? { local: { socketPath: server.localSocket, tokens: Object.fromEntries(endpoint.tokens) } } : {}),
      };
      const failed = new AbortController();
      let controlPlaneFailure: string | undefined;
      const controlPlane: RunningControlPlane = deps.controlPlaneThread && (spec.controllers || spec.scheduler)
        ? await startControlPlaneThread(spec, log).then((t) => {
          void t.failed.then((why) => { controlPlaneFailure = why; failed.abort(); });
          return t;
        })
        : await startControlPlane({
          ...spec, signal, log,
          issue: (commonName) => issueClientCertificate(pki.caCert, pki.caKey, { commonName }),
          controllers: spec.controllers && deps.startControllers ? { start: deps.startControllers, settings: spec.controllers } : undefined,
          scheduler: spec.scheduler && deps.startScheduler ? { start: deps.startScheduler } : undefined,
        });
      // The built-in agent stops first (its pods keep running); its start-up failure stops the server.
      const agentStop = new AbortController();
      let agentFailure: Error | undefined;
      let agentRun: Promise<NodeAgent | undefined> = Promise.resolve(undefined);
      try {
        log.info('listening', { url, bind: server.url, kubeconfig: written });
        deps.out(`windlass: listening on ${url}\n`);
        if (!flags.disableAgent && deps.startAgent) {
          const start = deps.startAgent;
          agentRun = startBuiltInAgent({
            caCert: pki.caCert, caKey: pki.caKey, serverUrl: `https://${hostForUrl(local)}:${server.port}`, dataDir,
            flags: flags.agent, clusterCidr: flags.clusterCidr, serviceCidr: flags.serviceCidr, signal: agentStop.signal, log,
          }, start).catch((e: unknown) => {
            if (agentStop.signal.aborted) return undefined;
            agentFailure = e as Error;
            log.error('node agent failed to start', { error: (e as Error).message });
            failed.abort();
            return undefined;
          });
        }
        await untilAborted(AbortSignal.any([signal, failed.signal]));
        log.info('shutting down');
      } finally {
        agentStop.abort();
        const agent = await agentRun;
        await agent?.done;
        await controlPlane.stop();
      }
      if (agentFailure) throw new Error(`node agent: ${agentFailure.message} (run with --disable-agent for a control plane only)`);
      if (controlPlaneFailure) throw new Error(`control plane: ${controlPlaneFailure}`);
    } finally {
      await server.close();
    }
  } finally {
    await store.close();
  }
  log.info('stopped');
}

/** runServerProcess runs the server with the real store and API server until SIGTERM or SIGINT. */
export async function runServerProcess(flags: ServerFlags, io: CliIo): Promise<void> {
  // Before anything is opened: the young generation (up to 2 × 64 MiB by V8's sizing, most of it
  // garbage between scavenges) is fixed at start, so a cap means restarting once with the flag.
  relaunchForSemiSpace(flags.heapSemiSpaceMb ?? 0);
  // V8 may let a busy heap grow to several times its live size before a full collection; a server
  // holding 30,000 pods then sits at 1.7 GiB where 1.3 GiB does at no measurable CPU cost (bench/README.md).
  // The flag is read at every heap-limit computation, so setting it now (before the heap grows) takes effect.
  if (flags.heapGrowthPercent) setFlagsFromString(`--heap-growing-percent=${flags.heapGrowthPercent}`);
  const log = createLogger((line) => io.err(line));
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      log.error('second signal, exiting now', { signal: sig });
      process.exit(1);
    }
    log.info('signal received', { signal: sig });
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const startAgent = process.platform === 'linux' && !flags.disableAgent ? await loadStartNodeAgent() : undefined;
    await runServer(flags, controller.signal, {
      openStore, startApiServer, startControllers, startScheduler, log, out: io.out, hostname, controlPlaneThread: true, ...(startAgent ? { startAgent } : {}),
    });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
