import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createCertificateAuthority } from '../pki/index.ts';
import { startControlPlaneThread } from './control-plane-thread.ts';

/** closedPort returns a loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

void test('control plane thread: starts both components, forwards their log lines, stops on request', async () => {
  const ca = await createCertificateAuthority();
  const url = `https://127.0.0.1:${await closedPort()}`;
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const heard = Promise.withResolvers<void>();
  const log = {
    info: (msg: string, fields?: Record<string, unknown>) => { lines.push({ level: 'info', msg, fields }); },
    error: (msg: string, fields?: Record<string, unknown>) => {
      lines.push({ level: 'error', msg, fields });
      if (msg === 'leader election failed') heard.resolve();
    },
  };
  const running = await startControlPlaneThread({
    localUrl: url, caCert: ca.cert, caKey: ca.key, publicUrl: url, identity: 'test-identity',
    controllers: { clusterCidr: '10.42.0.0/16' }, scheduler: true,
    leaderElection: { leaseDurationMs: 1000, renewDeadlineMs: 800, retryPeriodMs: 100 },
  }, log);
  // Nobody listens: both campaigns fail to reach the API, and the thread says so through `log`.
  await heard.promise;
  await running.stop();
  const leases = new Set(lines.filter((l) => l.msg === 'leader election failed').map((l) => l.fields?.lease));
  assert.ok(leases.has('kube-scheduler') || leases.has('kube-controller-manager'), JSON.stringify(lines.slice(0, 3)));
  const failure = lines.find((l) => l.msg === 'leader election failed');
  assert.match(JSON.stringify(failure?.fields), /ECONNREFUSED/);
  assert.equal(lines.some((l) => l.msg === 'leading'), false);
});

void test('control plane thread: a spec the worker cannot use rejects the start with the reason', async () => {
  const log = { info: () => {}, error: () => {} };
  await assert.rejects(startControlPlaneThread({
    localUrl: 'https://127.0.0.1:1', caCert: 'not a certificate', caKey: 'not a key', publicUrl: 'https://127.0.0.1:1', scheduler: true,
  }, log), /control plane/);
});
