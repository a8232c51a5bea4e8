/** Unit tests of the worker protocol and the ControllerManager on a FakeClock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbidden } from '../api/index.ts';
import { WorkQueue } from '../client/index.ts';
import { ControllerManager, processKey, type Controller } from './controller.ts';
import { startControllers } from './index.ts';
import { fixture, makeCa, ns, RESOURCES } from './testing.ts';

const CA_PEM = (await makeCa()).caCert;

test('processKey: success forgets, error is logged and retried with backoff, requeueAfter schedules', async () => {
  const f = fixture();
  const queue = new WorkQueue<string>({ clock: f.clock });
  const outcomes: (() => Promise<unknown>)[] = [
    async () => { throw forbidden('configmaps is forbidden: User "system:kube-controller-manager" cannot create resource "configmaps"'); },
    async () => ({ requeueAfterMs: 1000 }),
    async () => undefined,
  ];
  const seen: string[] = [];
  const c: Controller = { name: 't', queue, informers: [], reconcile: async (k) => { seen.push(k); return (outcomes.shift() as () => Promise<any>)(); } };
  queue.add('k');
  await processKey(c, (await queue.get()) as string, f.ctx.log);
  assert.match(f.logs[0], /^error controller t: reconcile failed/);
  assert.equal(queue.len(), 0);
  assert.equal(queue.isProcessing('k'), false);
  f.clock.step(5);
  assert.equal(queue.len(), 1, 'retried after the 5 ms backoff');
  await processKey(c, (await queue.get()) as string, f.ctx.log);
  assert.equal(queue.numRequeues('k'), 0, 'success forgot the failures');
  f.clock.step(999);
  assert.equal(queue.len(), 0);
  f.clock.step(1);
  assert.equal(queue.len(), 1, 'requeued at requeueAfterMs');
  await processKey(c, (await queue.get()) as string, f.ctx.log);
  assert.deepEqual(seen, ['k', 'k', 'k']);
});

test('ControllerManager: waits for sync, runs workers, stops on abort', async () => {
  const f = fixture();
  f.client.seed(RESOURCES.namespaces, ns('a'), ns('b'));
  const inf = f.factory.forResource(RESOURCES.namespaces);
  const queue = new WorkQueue<string>({ clock: f.clock });
  inf.addEventHandler({ add: (o) => queue.add(o.metadata.name) });
  const done: string[] = [];
  let syncedAtFirstReconcile: boolean | undefined;
  const c: Controller = {
    name: 'ns', queue, informers: [inf], workers: 2,
    reconcile: async (k) => { syncedAtFirstReconcile ??= inf.hasSynced(); done.push(k); },
  };
  const stop = new AbortController();
  const run = new ControllerManager([c], f.factory, f.ctx.log).run(stop.signal);
  while (done.length < 2) await new Promise((r) => setImmediate(r));
  assert.deepEqual(done.sort(), ['a', 'b']);
  assert.equal(syncedAtFirstReconcile, true);
  stop.abort();
  await run;
  assert.equal(queue.shuttingDown(), true);
  assert.ok(f.logs.some((l) => l.includes('caches synced')));
});

test('startControllers: an RBAC denial of list/watch is logged with its code, and stop() ends everything', async () => {
  const f = fixture();
  f.client.react((a) => {
    if (a.verb === 'list' && a.resource === 'secrets') throw forbidden('secrets is forbidden: User "system:kube-controller-manager" cannot list resource "secrets" in API group "" at the cluster scope');
    return undefined;
  });
  const errors: Record<string, unknown>[] = [];
  const running = startControllers({
    client: f.client, caCert: CA_PEM, caKey: '', serverUrl: 'https://127.0.0.1:6443', signal: new AbortController().signal, clock: f.clock,
    log: { info: () => undefined, error: (msg, fields) => errors.push({ msg, ...fields }) },
  });
  while (errors.length === 0) await new Promise((r) => setImmediate(r));
  assert.equal(errors[0].msg, 'controllers: list/watch failed');
  assert.equal(errors[0].code, 403);
  assert.match(String(errors[0].error), /cannot list resource "secrets"/);
  await running.stop();
  assert.equal(f.clock.pending, 0, 'no retry timers left behind');
});
