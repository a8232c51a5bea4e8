/**
 * @module cli/control-plane-thread — runs the control plane (scheduler and controller manager,
 * see control-plane.ts) on a worker thread of the server process, so that their informers'
 * decoding, the scheduling cycles and the reconcilers use the second core instead of competing
 * with the API server's event loop. They still reach the API only through its REST interface as
 * their own users, exactly as on the main thread (and as upstream's separate processes): on the
 * server's local endpoint when it has one, else over loopback HTTPS with client certificates.
 *
 * The parent gives the worker a `ControlPlaneSpec` (plain data), hears its log lines, and stops it
 * with a message; the worker answers `stopped` after both components released their Leases.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from './log.ts';
import type { LocalAccess, RunningControlPlane } from './control-plane.ts';

/** ControlPlaneSpec is everything the control plane needs, as data that can cross to a thread. */
export interface ControlPlaneSpec {
  readonly localUrl: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly publicUrl: string;
  readonly identity?: string;
  /** controllers: the controller manager's settings; absent = it does not run. */
  readonly controllers?: {
    readonly clusterCidr?: string;
    readonly nodeCidrMaskSize?: number;
    readonly nodeMonitorGracePeriodMs?: number;
    readonly storageDir?: string;
  };
  /** scheduler: whether the scheduler runs. */
  readonly scheduler: boolean;
  readonly leaderElection?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** local: the server's local endpoint and the components' tokens for it (control-plane.ts). */
  readonly local?: LocalAccess;
}

/** ToWorker is what the parent sends: only the request to stop. */
export type ToWorker = { readonly type: 'stop' };

/** FromWorker is what the worker reports: started, a log line, stopped, or a start-up failure. */
export type FromWorker =
  | { readonly type: 'started' }
  | { readonly type: 'log'; readonly level: 'info' | 'error'; readonly msg: string; readonly fields?: Record<string, unknown> }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly error: string };

/** RunningControlPlaneThread adds `failed`, which resolves with a reason if the thread dies unasked. */
export interface RunningControlPlaneThread extends RunningControlPlane {
  readonly failed: Promise<string>;
}

const WORKER_URL = new URL('./control-plane-worker.ts', import.meta.url);

/** startControlPlaneThread starts the worker and resolves once it is campaigning for both Leases;
 * it rejects if the worker fails to start. Log lines from the thread go to `log`. */
export function startControlPlaneThread(spec: ControlPlaneSpec, log: Logger): Promise<RunningControlPlaneThread> {
  // A young generation of 16 MiB semi-spaces instead of V8's default (the worker's reached 128 MiB):
  // its objects live either very briefly or as long as the informer caches do (bench/README.md).
  const worker = new Worker(WORKER_URL, { workerData: spec, name: 'windlass-control-plane', resourceLimits: { maxYoungGenerationSizeMb: 48 } });
  const started = Promise.withResolvers<RunningControlPlaneThread>();
  const stopped = Promise.withResolvers<void>();
  const failed = Promise.withResolvers<string>();
  let stopping = false;
  let up = false;
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'log') log[m.level](m.msg, m.fields);
    else if (m.type === 'started') { up = true; started.resolve(running); }
    else if (m.type === 'stopped') stopped.resolve();
    else if (m.type === 'failed') {
      if (up) failed.resolve(m.error);
      else started.reject(new Error(`control plane: ${m.error}`));
    }
  });
  worker.on('error', (e) => {
    log.error('control plane thread failed', { error: e.message, stack: e.stack });
    if (up) failed.resolve(e.message);
    else started.reject(e);
  });
  worker.on('exit', (code) => {
    stopped.resolve();
    if (!stopping) {
      if (up) failed.resolve(`the control plane thread exited (code ${code})`);
      else started.reject(new Error(`the control plane thread exited (code ${code}) before it started`));
    }
  });
  const running: RunningControlPlaneThread = {
    failed: failed.promise,
    async stop() {
      stopping = true;
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
      await stopped.promise;
      await worker.terminate();
    },
  };
  return started.promise;
}
