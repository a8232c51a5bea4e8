/**
 * @module cli/control-plane — the scheduler and the controller manager inside `windlass server`,
 * each behind leader election on its own Lease in kube-system (`kube-scheduler`,
 * `kube-controller-manager`), so several servers sharing one datastore run exactly one of each.
 * Each reaches the API as its own user (`system:kube-scheduler`, `system:kube-controller-manager`):
 * on the server's local endpoint when it has one (plain HTTP on a Unix socket or named pipe, with
 * a token the server made for that user), else over loopback HTTPS with a client certificate for
 * that user. Each starts only while it leads; losing the Lease stops it.
 * Both read the cluster through ONE shared informer factory (one list + watch and one cache per
 * resource, objects without metadata.managedFields, as upstream's components trim them, and with
 * equal short strings shared): it runs
 * for the life of the server under the controller manager's identity (the scheduler's when the
 * controller manager is off), and each component's handlers are removed when it stops leading.
 */
import { randomUUID } from 'node:crypto';
import { createInterner, InformerFactory, LeaderElector, RestClient, stripManagedFields } from '../client/index.ts';
import { errorFields } from '../controllers/index.ts';
import type { RunningControllers, StartControllersOptions } from '../controllers/index.ts';
import type { RunningScheduler, StartSchedulerOptions } from '../scheduler/index.ts';
import type { Logger } from './log.ts';

/** CONTROLLER_MANAGER_USER is the identity the in-process controllers authenticate as. */
export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';

/** SCHEDULER_USER is the identity the in-process scheduler authenticates as. */
export const SCHEDULER_USER = 'system:kube-scheduler';

/** LocalAccess is how the control plane reaches the server's local endpoint: its path and a
 * bearer token per user (valid on that endpoint only). */
export interface LocalAccess {
  readonly socketPath: string;
  readonly tokens: Readonly<Record<string, string>>;
}

/** ClientCredentials are a client certificate for one component. */
export interface ClientCredentials { readonly cert: string; readonly key: string }

/** ControlPlaneOptions: where the API is, how to get credentials, what to run and with which settings. */
export interface ControlPlaneOptions {
  /** localUrl is the loopback URL of this server; caCert verifies it. */
  readonly localUrl: string;
  readonly caCert: string;
  readonly caKey: string;
  /** publicUrl is what cluster-info advertises. */
  readonly publicUrl: string;
  readonly identity?: string;
  readonly issue: (commonName: string) => Promise<ClientCredentials>;
  /** local: the server's local endpoint and a token for each of the two users above; when given,
   * the components connect there (no TLS) and no client certificate is issued. */
  readonly local?: LocalAccess;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** controllers: settings beyond client/CA/signal; absent = the controller manager does not run here. */
  readonly controllers?: {
    readonly start: (opts: StartControllersOptions) => RunningControllers;
    readonly settings: Omit<StartControllersOptions, 'client' | 'caCert' | 'caKey' | 'serverUrl' | 'signal' | 'log' | 'informers'>;
  };
  /** scheduler: absent = the scheduler does not run here. */
  readonly scheduler?: {
    readonly start: (opts: StartSchedulerOptions) => RunningScheduler;
  };
  /** leaseDurationMs etc. tune leader election (client-go defaults 15 s / 10 s / 2 s). */
  readonly leaderElection?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
}

/** RunningControlPlane: `stop()` resolves after both components stopped and released their Leases. */
export interface RunningControlPlane { stop(): Promise<void> }

/** startControlPlane campaigns for the two Leases and runs each component while it leads. */
export async function startControlPlane(opts: ControlPlaneOptions): Promise<RunningControlPlane> {
  const identity = opts.identity ?? `windlass_${randomUUID()}`;
  const stopper = new AbortController();
  const signal = AbortSignal.any([opts.signal, stopper.signal]);
  const clients: RestClient[] = [];
  const runs: Promise<void>[] = [];
  const { log } = opts;

  // The shared informers: whoever leads uses views of this factory.
  // As many connections as the scheduler keeps bindings in flight (its default window, 256): with
  // fewer, its bindings and Events queue in the client behind each request's round trip (the server's
  // write latency), and scheduling stalls while the server still has CPU to spare.
  const maxConnections = 256;
  const clientFor = async (user: string, userAgent: string): Promise<RestClient> => {
    const token = opts.local?.tokens[user];
    if (opts.local && token) return new RestClient({ server: opts.localUrl, socketPath: opts.local.socketPath, token, userAgent, maxConnections });
    const id = await opts.issue(user);
    return new RestClient({ server: opts.localUrl, ca: opts.caCert, cert: id.cert, key: id.key, userAgent, maxConnections });
  };
  const readerClient = await clientFor(opts.controllers ? CONTROLLER_MANAGER_USER : SCHEDULER_USER, 'windlass-shared-informers');
  clients.push(readerClient);
  // Cached objects drop managedFields and share equal short strings (a third less memory for pods).
  const intern = createInterner();
  const informers = new InformerFactory(readerClient, {
    transform: (o) => intern(stripManagedFields(o)),
    onError: (informer, e) => { if (!signal.aborted) log.error('shared informers: list/watch failed', { informer, ...errorFields(e) }); },
  });
  informers.start(signal);

  const campaign = async (lease: string, user: string, lead: (client: RestClient, signal: AbortSignal) => Promise<void>): Promise<void> => {
    const client = await clientFor(user, `windlass-${lease}`);
    clients.push(client);
    const elector = new LeaderElector({
      client, namespace: 'kube-system', name: lease, identity, ...opts.leaderElection,
      onError: (e) => { if (!signal.aborted) log.error('leader election failed', { lease, ...errorFields(e) }); },
    });
    runs.push(elector.run(signal, {
      onStartedLeading: async (leading) => {
        log.info('leading', { lease, identity });
        await lead(client, leading);
      },
      onStoppedLeading: () => log.info('stopped leading', { lease, identity }),
      onNewLeader: (who) => { if (who !== identity) log.info('another server leads', { lease, leader: who }); },
    }));
  };

  if (opts.controllers) {
    const c = opts.controllers;
    await campaign('kube-controller-manager', CONTROLLER_MANAGER_USER, async (client, leading) => {
      const running = c.start({ ...c.settings, client, informers, caCert: opts.caCert, caKey: opts.caKey, serverUrl: opts.publicUrl, signal: leading, log });
      log.info('controllers started', { controllers: running.controllers.map((x) => x.name), user: CONTROLLER_MANAGER_USER });
      await running.done;
    });
  }
  if (opts.scheduler) {
    const s = opts.scheduler;
    await campaign('kube-scheduler', SCHEDULER_USER, async (client, leading) => {
      const running = s.start({ client, informers, signal: leading, log });
      log.info('scheduler started', { user: SCHEDULER_USER });
      await running.done;
    });
  }
  return {
    async stop() {
      stopper.abort();
      await Promise.all(runs);
      await informers.stopped();
      for (const c of clients) c.close();
    },
  };
}
