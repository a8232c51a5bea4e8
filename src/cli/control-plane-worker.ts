/**
 * @module cli/control-plane-worker — the entry of the control plane thread (control-plane-thread.ts):
 * starts the scheduler and controller manager from the spec it was given, forwards their log lines
 * to the parent, and stops when the parent asks (answering `stopped` once the Leases are released).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startControllers } from '../controllers/index.ts';
import { issueClientCertificate } from '../pki/index.ts';
import { startScheduler } from '../scheduler/index.ts';
import { startControlPlane } from './control-plane.ts';
import type { ControlPlaneSpec, FromWorker, ToWorker } from './control-plane-thread.ts';
import type { Logger } from './log.ts';

const port = parentPort;
if (!port) throw new Error('control-plane-worker runs only as a worker thread');
const spec = workerData as ControlPlaneSpec;
const send = (m: FromWorker): void => port.postMessage(m);

/** plain makes log fields cloneable across threads (errors and the like become their JSON). */
const plain = (f: Record<string, unknown> | undefined): Record<string, unknown> | undefined =>
  f === undefined ? undefined : JSON.parse(JSON.stringify(f)) as Record<string, unknown>;

const log: Logger = {
  info: (msg, fields) => send({ type: 'log', level: 'info', msg, fields: plain(fields) }),
  error: (msg, fields) => send({ type: 'log', level: 'error', msg, fields: plain(fields) }),
};

const stop = new AbortController();
try {
  const running = await startControlPlane({
    localUrl: spec.localUrl, caCert: spec.caCert, caKey: spec.caKey, publicUrl: spec.publicUrl,
    identity: spec.identity, signal: stop.signal, log, leaderElection: spec.leaderElection, local: spec.local,
    issue: (commonName) => issueClientCertificate(spec.caCert, spec.caKey, { commonName }),
    controllers: spec.controllers ? { start: startControllers, settings: spec.controllers } : undefined,
    scheduler: spec.scheduler ? { start: startScheduler } : undefined,
  });
  port.on('message', (m: ToWorker) => {
    if (m.type !== 'stop') return;
    stop.abort();
    void running.stop().finally(() => {
      send({ type: 'stopped' });
      port.close();
    });
  });
  send({ type: 'started' });
} catch (e) {
  send({ type: 'failed', error: (e as Error).message });
  port.close();
}
