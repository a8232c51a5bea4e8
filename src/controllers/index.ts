/**
 * @module controllers — the controllers `windlass server` runs in process: CSR approving and
 * signing, bootstrap signer, token cleaner, serviceaccount, root-CA publisher, the workload
 * controllers (ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, CronJob), Endpoints and
 * EndpointSlice, disruption budgets, garbage collector, namespace deletion, PV binder and
 * local-path provisioner, node lifecycle, taint eviction and node IPAM. Each is a
 * `reconcile(key)` plus informer wiring (see controller.ts); `startControllers` runs them all
 * against the API through one client. Imports only src/api and src/client.
 */
import { InformerFactory, realClock, type ApiClient, type Clock } from '../client/index.ts';
import { newBootstrapSigner } from './bootstrap-signer.ts';
import { ControllerManager, errorFields, type Controller, type ControllerContext, type ControllerLog } from './controller.ts';
import { newCsrApprover } from './csr-approving.ts';
import { newCsrSigner } from './csr-signing.ts';
import { newRootCaPublisher } from './root-ca-publisher.ts';
import { newServiceAccountController } from './serviceaccount.ts';
import { newTokenCleaner } from './token-cleaner.ts';
import { newReplicaSetController } from './replicaset.ts';
import { newDeploymentController } from './deployment.ts';
import { newStatefulSetController } from './statefulset.ts';
import { newDaemonSetController } from './daemonset.ts';
import { newJobController } from './job.ts';
import { newCronJobController } from './cronjob.ts';
import { newEndpointsController } from './endpoints.ts';
import { newEndpointSliceController } from './endpointslice.ts';
import { newDisruptionController } from './disruption.ts';
import { newGarbageCollector } from './garbage-collector.ts';
import { newNamespaceController } from './namespace.ts';
import { newPersistentVolumeBinder } from './pv-binder.ts';
import { newLocalPathProvisioner } from './local-path-provisioner.ts';
import { newNodeLifecycleController } from './node-lifecycle.ts';
import { newTaintEvictionController } from './taint-eviction.ts';
import { newNodeIpamController } from './node-ipam.ts';

export { ControllerManager, processKey, errorFields, isNamespaceActive } from './controller.ts';
export type { Controller, ControllerContext, ControllerLog, ReconcileResult } from './controller.ts';
export { newServiceAccountController, DEFAULT_SERVICE_ACCOUNT } from './serviceaccount.ts';
export { newRootCaPublisher, ROOT_CA_CONFIGMAP } from './root-ca-publisher.ts';
export { newTokenCleaner } from './token-cleaner.ts';
export { newBootstrapSigner, clusterInfoKubeconfig, CLUSTER_INFO_NAMESPACE, CLUSTER_INFO_NAME, JWS_KEY_PREFIX } from './bootstrap-signer.ts';
export { detachedJws, parseBootstrapTokenSecret, BOOTSTRAP_TOKEN_SECRET_TYPE, BOOTSTRAP_TOKEN_NAMESPACE } from './bootstrap-token.ts';
export type { BootstrapTokenSecret } from './bootstrap-token.ts';
export { newCsrApprover, isNodeClientRequest, APPROVE_MESSAGE } from './csr-approving.ts';
export { newCsrSigner, validateForSigner, lifetimeSeconds } from './csr-signing.ts';
export { SIGNERS } from './csr.ts';
export {
  newReplicaSetController, newDeploymentController, newStatefulSetController, newDaemonSetController, newJobController,
  newCronJobController, newEndpointsController, newEndpointSliceController, newDisruptionController, newGarbageCollector,
  newNamespaceController, newPersistentVolumeBinder, newLocalPathProvisioner, newNodeLifecycleController,
  newTaintEvictionController, newNodeIpamController,
};

/** StartControllersOptions: the client to act through, the cluster CA (PEM) and the URL cluster-info advertises. */
export interface StartControllersOptions {
  readonly client: ApiClient;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverUrl: string;
  readonly signal: AbortSignal;
  readonly clock?: Clock;
  readonly log?: ControllerLog;
  /** clusterCidr is the pod network node IPAM carves per-node CIDRs from (default 10.42.0.0/16). */
  readonly clusterCidr?: string;
  /** nodeCidrMaskSize is the prefix length of each node's pod CIDR (default 24). */
  readonly nodeCidrMaskSize?: number;
  /** nodeMonitorGracePeriodMs: a node whose heartbeat is older becomes Unknown and tainted (default 40 s). */
  readonly nodeMonitorGracePeriodMs?: number;
  /** storageDir is where the local-path provisioner places volumes on nodes. */
  readonly storageDir?: string;
  /** informers: a shared factory (e.g. also used by the scheduler); the controllers use a view of it, so
   * their handlers go when they stop and the informers keep running. Default: their own factory. */
  readonly informers?: InformerFactory;
}

/** RunningControllers is the handle of started controllers: `stop()` aborts them and resolves when all have stopped. */
export interface RunningControllers {
  readonly controllers: readonly Controller[];
  /** done resolves when the controllers have stopped (after the signal or stop()). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

const SILENT: ControllerLog = { info: () => undefined, error: () => undefined };

/** startControllers builds the built-in controllers and runs them until `signal` aborts or `stop()` is called. */
export function startControllers(opts: StartControllersOptions): RunningControllers {
  const log = opts.log ?? SILENT;
  const clock = opts.clock ?? realClock;
  const stopper = new AbortController();
  const signal = AbortSignal.any([opts.signal, stopper.signal]);
  // List/watch failures are retried; log them so that a missing permission (403) is visible.
  const factory = opts.informers?.view() ?? new InformerFactory(opts.client, { clock, onError: (informer, e) => log.error('controllers: list/watch failed', { informer, ...errorFields(e) }) });
  const ctx: ControllerContext = { client: opts.client, factory, clock, log };
  const controllers = [
    newCsrApprover(ctx),
    newCsrSigner(ctx, { caCert: opts.caCert, caKey: opts.caKey }),
    newBootstrapSigner(ctx, { serverUrl: opts.serverUrl, caCert: opts.caCert }),
    newTokenCleaner(ctx),
    newServiceAccountController(ctx),
    newRootCaPublisher(ctx, opts.caCert),
    newReplicaSetController(ctx),
    newDeploymentController(ctx),
    newStatefulSetController(ctx),
    newDaemonSetController(ctx),
    newJobController(ctx),
    newCronJobController(ctx),
    newEndpointsController(ctx),
    newEndpointSliceController(ctx),
    newDisruptionController(ctx),
    newGarbageCollector(ctx),
    newNamespaceController(ctx),
    newPersistentVolumeBinder(ctx),
    newLocalPathProvisioner(ctx, { storageDir: opts.storageDir ?? '/var/lib/windlass/storage' }),
    newNodeLifecycleController(ctx, { gracePeriodMs: opts.nodeMonitorGracePeriodMs }),
    newTaintEvictionController(ctx),
    newNodeIpamController(ctx, { clusterCIDR: opts.clusterCidr, nodeCidrMaskSize: opts.nodeCidrMaskSize }),
  ];
  const manager = new ControllerManager(controllers, factory, log);
  const done = manager.run(signal).catch((e: unknown) => log.error('controllers: stopped with an error', errorFields(e)));
  return {
    controllers, done,
    async stop() { stopper.abort(); await done; },
  };
}
