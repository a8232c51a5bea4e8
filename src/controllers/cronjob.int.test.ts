/**
 * @module controllers/cronjob.int.test — the CronJob and Job controllers together against a real
 * API server and the stub kubelet (`podExits`): an `@every 2s` CronJob starts a Job that
 * completes, leaves status.active and sets lastSuccessfulTime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../client/index.ts';
import { newCronJobController } from './cronjob.ts';
import { startHarness } from './int-harness.ts';
import { newJobController } from './job.ts';

test('CronJob controller against a real API server', async (t) => {
  const h = await startHarness({ controllers: (ctx) => [newCronJobController(ctx), newJobController(ctx)], podExits: true });
  t.after(() => { if (process.env.SHOW_ERRORS) console.log(h.errors.join('\n')); return h.close(); });
  await h.client.create(RESOURCES.cronjobs, 'default', {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick', namespace: 'default' },
    spec: {
      schedule: '@every 2s', concurrencyPolicy: 'Forbid',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['hollow-exit', '0'] }] } } } },
    },
  });
  const cj = await h.eventually('a successful run recorded', async () => {
    const c = await h.client.get(RESOURCES.cronjobs, 'default', 'tick');
    return c.status?.lastSuccessfulTime ? c : undefined;
  }, 15_000);
  assert.ok(cj.status.lastScheduleTime);
  const jobs = (await h.client.list(RESOURCES.jobs, 'default')).items;
  assert.ok(jobs.length >= 1);
  const first = jobs[0];
  assert.match(String(first.metadata?.name), /^tick-\d+$/);
  assert.equal(first.metadata?.ownerReferences?.[0]?.kind, 'CronJob');
  assert.ok(first.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']);
  // With a Job running (Forbid keeps it the only one), the CronJob's status settles.
  await h.client.create(RESOURCES.cronjobs, 'default', {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'long', namespace: 'default' },
    spec: {
      schedule: '@every 1s', concurrencyPolicy: 'Forbid',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sleep', 'infinity'] }] } } } },
    },
  });
  const busy = await h.eventually('long has an active job', async () => {
    const c = await h.client.get(RESOURCES.cronjobs, 'default', 'long');
    return c.status?.active?.length === 1 ? c : undefined;
  });
  await new Promise((r) => setTimeout(r, 2500));
  const later = await h.client.get(RESOURCES.cronjobs, 'default', 'long');
  assert.equal(later.metadata?.resourceVersion, busy.metadata?.resourceVersion, 'no status churn');
  assert.equal(later.status?.active?.length, 1, 'Forbid: still one');
});
