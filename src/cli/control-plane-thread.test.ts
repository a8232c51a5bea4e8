import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCertificateAuthority } from '../pki/index.ts';
import { startControlPlaneThread } from './control-plane-thread.ts';

/** CLOSED is a loopback URL nothing listens on (port 1, tcpmux, is never served on these machines). */
const CLOSED = 'https://127.0.0.1:1';

void test('control plane thread: starts both components, forwards their log lines, stops on request', async () => {
  const ca = await createCertificateAuthority();
  const url = CLOSED;
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
    localUrl: CLOSED, caCert: 'not a certificate', caKey: 'not a key', publicUrl: CLOSED, scheduler: true,
  }, log), /control plane/);
});
