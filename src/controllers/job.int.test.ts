/**
 * @module controllers/job.int.test — the Job controller against a real API server and the stub
 * kubelet (with `podExits`, so `hollow-exit <code>` pods finish): a Job completes, a failing one
 * ends Failed/BackoffLimitExceeded, an Indexed one completes every index, and the real kubectl
 * (1.27, 1.33) creates Jobs (also from a CronJob) and waits for condition=complete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeKubectl } from '../../test/harness/kubectl.ts';
import type { JsonObject } from '../api/index.ts';
import { RESOURCES } from '../client/index.ts';
import { startHarness } from './int-harness.ts';
import { newCronJobController } from './cronjob.ts';
import { newJobController } from './job.ts';
import { JOB_TRACKING_FINALIZER } from './job-util.ts';

function job(name: string, spec: JsonObject, code: number): JsonObject {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['hollow-exit', String(code)] }] } } },
  };
}

const cond = (j: JsonObject, type: string): JsonObject | undefined => ((j.status?.conditions ?? []) as JsonObject[]).find((c) => c.type === type && c.status === 'True');

test('Job controller against a real API server', async (t) => {
  const h = await startHarness({ controllers: (ctx) => [newJobController(ctx), newCronJobController(ctx)], podExits: true });
  t.after(() => { if (process.env.SHOW_ERRORS) console.log(h.errors.join('\n')); return h.close(); });

  await t.test('completions 3, parallelism 2: completes once three pods succeeded', async () => {
    await h.client.create(RESOURCES.jobs, 'default', job('ok', { completions: 3, parallelism: 2 }, 0));
    const done = await h.eventually('job ok complete', async () => {
      const j = await h.client.get(RESOURCES.jobs, 'default', 'ok');
      return cond(j, 'Complete') ? j : undefined;
    });
    assert.equal(done.status.succeeded, 3);
    assert.equal(done.status.failed, undefined);
    assert.equal(done.status.active, undefined);
    assert.ok(cond(done, 'SuccessCriteriaMet'));
    assert.ok(done.status.completionTime);
    assert.deepEqual(done.status.uncountedTerminatedPods, {});
    const pods = (await h.client.list(RESOURCES.pods, 'default')).items.filter((p) => p.metadata?.labels?.['job-name'] === 'ok');
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.equal(p.status.phase, 'Succeeded');
      assert.ok(!((p.metadata.finalizers ?? []) as string[]).includes(JOB_TRACKING_FINALIZER), 'finalizer removed once counted');
      assert.equal(p.metadata.labels['batch.kubernetes.io/controller-uid'], done.metadata.uid);
    }
    const events = (await h.client.list(RESOURCES.events, 'default')).items.filter((e) => e.involvedObject?.name === 'ok');
    assert.equal(events.filter((e) => e.reason === 'SuccessfulCreate').length, 3);
    assert.ok(events.some((e) => e.reason === 'Completed' && e.message === 'Job completed'));
  });

  await t.test('backoffLimit 1: two failed pods fail the Job', async () => {
    await h.client.create(RESOURCES.jobs, 'default', job('bad', { completions: 2, parallelism: 2, backoffLimit: 1 }, 3));
    const failed = await h.eventually('job bad failed', async () => {
      const j = await h.client.get(RESOURCES.jobs, 'default', 'bad');
      return cond(j, 'Failed') ? j : undefined;
    });
    const c = cond(failed, 'Failed') as JsonObject;
    assert.equal(c.reason, 'BackoffLimitExceeded');
    assert.equal(cond(failed, 'FailureTarget')?.reason, 'BackoffLimitExceeded');
    assert.equal(failed.status.failed, 2);
    assert.equal(failed.status.completionTime, undefined);
  });

  await t.test('Indexed: every index completes, pods carry index and hostname', async () => {
    await h.client.create(RESOURCES.jobs, 'default', job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }, 0));
    const done = await h.eventually('job idx complete', async () => {
      const j = await h.client.get(RESOURCES.jobs, 'default', 'idx');
      return cond(j, 'Complete') ? j : undefined;
    });
    assert.equal(done.status.completedIndexes, '0-2');
    assert.equal(done.status.succeeded, 3);
    const pods = (await h.client.list(RESOURCES.pods, 'default')).items.filter((p) => p.metadata?.labels?.['job-name'] === 'idx');
    const hosts = pods.map((p) => `${p.metadata.annotations['batch.kubernetes.io/job-completion-index']}:${p.spec.hostname}`).sort();
    assert.deepEqual(hosts, ['0:idx-0', '1:idx-1', '2:idx-2']);
  });
  await t.test('a running Job settles: its status is not rewritten over and over', async () => {
    const j = job('steady', { completions: 1, parallelism: 1 }, 0);
    j.spec.template.spec.containers[0].command = ['sleep', 'infinity'];
    await h.client.create(RESOURCES.jobs, 'default', j);
    const ready = await h.eventually('steady ready', async () => {
      const x = await h.client.get(RESOURCES.jobs, 'default', 'steady');
      return x.status?.ready === 1 && x.status?.active === 1 ? x : undefined;
    });
    await new Promise((r) => setTimeout(r, 800));
    const later = await h.client.get(RESOURCES.jobs, 'default', 'steady');
    assert.equal(later.metadata.resourceVersion, ready.metadata.resourceVersion);
  });

  for (const version of ['1.27', '1.33']) {
    await t.test(`kubectl ${version}: create job, create job --from=cronjob, wait --for=condition=complete`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'windlass-job-'));
      const kubectl = await makeKubectl(version, await h.kubeconfig(join(dir, 'kubeconfig')));
      const v = version.replace('.', '');
      const run = async (...args: string[]): Promise<string> => {
        const r = await kubectl.run(['-n', 'default', ...args], { timeoutMs: 45_000 });
        assert.equal(r.code, 0, r.describe());
        return r.stdout;
      };
      try {
        assert.match(await run('create', 'job', `kc${v}`, '--image=busybox', '--', 'hollow-exit', '0'), new RegExp(`job.batch/kc${v} created`));
        assert.match(await run('wait', '--for=condition=complete', `job/kc${v}`, '--timeout=30s'), new RegExp(`job.batch/kc${v} condition met`));
        await run('create', 'cronjob', `cron${v}`, '--image=busybox', '--schedule=0 0 1 1 *', '--', 'hollow-exit', '0');
        await run('create', 'job', `manual${v}`, `--from=cronjob/cron${v}`);
        assert.match(await run('wait', '--for=condition=complete', `job/manual${v}`, '--timeout=30s'), /condition met/);
        assert.match(await run('get', 'jobs', `kc${v}`), /Complete|1\/1/);
      } finally {
        await kubectl.cleanup();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
