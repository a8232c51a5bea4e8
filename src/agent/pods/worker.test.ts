/**
 * @module agent/pods/worker.test — the pod workers over a HollowRuntime, a recording FakeClient
 * and a FakeClock: a pod is started and reported Running+Ready with one status write (none when
 * nothing changes), readiness waits for the clock, crash loops back off and count restarts,
 * restartPolicy decides the end, init containers run in order, and deletion stops the
 * containers, writes the final status and deletes with gracePeriodSeconds 0 and a uid
 * precondition; a pod removed from the API loses its sandbox.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { FakeClient, FakeClock, RESOURCES } from '../../client/index.ts';
import type { DeleteOptions, Resource } from '../../client/index.ts';
import { HollowRuntime } from '../../runtime/index.ts';
import { PodWorkers } from './worker.ts';

/** RecordingClient also keeps each delete's options (FakeClient records only the verb). */
class RecordingClient extends FakeClient {
  readonly deletes: DeleteOptions[] = [];
  override async delete(r: Resource, namespace: string, name: string, opts?: DeleteOptions): Promise<void> {
    this.deletes.push(opts ?? {});
    await super.delete(r, namespace, name, opts);
  }
}

function setup(): { client: RecordingClient; clock: FakeClock; runtime: HollowRuntime; workers: PodWorkers; statuses: () => JsonObject[] } {
  const client = new RecordingClient();
  const clock = new FakeClock();
  const runtime = new HollowRuntime({ podCidr: '10.128.3.0/24', clock, idPrefix: 'aa' });
  const workers = new PodWorkers({ client, runtime, nodeName: 'n1', hostIp: '10.64.0.4', clock });
  const statuses = (): JsonObject[] => client.actions.filter((a) => a.verb === 'patch' && a.subresource === 'status').map((a) => (a.patch as JsonObject).status);
  return { client, clock, runtime, workers, statuses };
}

function pod(name: string, spec: JsonObject, meta: JsonObject = {}): JsonObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, ...meta }, spec: { nodeName: 'n1', ...spec }, status: { phase: 'Pending' } };
}

/** settle lets queued promise chains (syncs, runtime calls) finish. */
async function settle(workers: PodWorkers): Promise<void> {
  for (let i = 0; i < 5; i++) { await new Promise((r) => setImmediate(r)); await workers.idle(); }
}

const ready = (s: JsonObject): string => (s.conditions as JsonObject[]).find((c) => c.type === 'Ready')!.status;

void test('a pod starts, is reported Running and Ready once, and re-syncs without changes write nothing', async () => {
  const { client, workers, runtime, statuses } = setup();
  const p = pod('web', { containers: [{ name: 'app', image: 'nginx:1.27' }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  const all = statuses();
  const last = all.at(-1)!;
  assert.deepEqual([last.phase, ready(last), last.podIP, last.hostIP], ['Running', 'True', '10.128.3.2', '10.64.0.4']);
  assert.match((last.containerStatuses as JsonObject[])[0].containerID, /^hollow:\/\/aa/);
  const writes = all.length;
  assert.equal(writes, 1, 'one write: the container started within the first sync');
  workers.update({ ...p, status: last });
  workers.update({ ...p, status: last });
  await settle(workers);
  assert.equal(statuses().length, writes, 'no status write without a change');
  assert.equal((await runtime.listContainers({ state: 'RUNNING' })).length, 1);
  await workers.stop();
});

void test('readiness follows the injected clock (initialDelaySeconds)', async () => {
  const { client, clock, workers, statuses } = setup();
  const p = pod('slow', { containers: [{ name: 'app', image: 'img', readinessProbe: { initialDelaySeconds: 15, tcpSocket: { port: 80 } } }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  assert.deepEqual([statuses().at(-1)!.phase, ready(statuses().at(-1)!)], ['Running', 'False']);
  clock.step(14_000);
  await settle(workers);
  assert.equal(ready(statuses().at(-1)!), 'False');
  clock.step(1000);
  await settle(workers);
  assert.equal(ready(statuses().at(-1)!), 'True');
  await workers.stop();
});

void test('Jobs complete: exit codes per restartPolicy once the clock fires the exit', async () => {
  const cases: [string, string, string][] = [['Never', '0', 'Succeeded'], ['Never', '3', 'Failed'], ['OnFailure', '0', 'Succeeded']];
  for (const [policy, code, phase] of cases) {
    const { client, clock, workers, runtime, statuses } = setup();
    const p = pod('job', { restartPolicy: policy, containers: [{ name: 'work', image: 'img', command: ['hollow-exit', code] }] });
    client.seed(RESOURCES.pods, p);
    workers.update(p);
    await settle(workers);
    clock.step(0);
    await settle(workers);
    const s = statuses().at(-1)!;
    assert.equal(s.phase, phase, `${policy}/${code}`);
    assert.equal((s.containerStatuses as JsonObject[])[0].state.terminated.exitCode, Number(code));
    assert.equal((await runtime.listPodSandbox({ state: 'READY' })).length, 0, 'a terminal pod has its sandbox stopped');
    const n = statuses().length;
    workers.update({ ...p, status: s });
    await settle(workers);
    assert.equal(statuses().length, n, 'terminal: nothing more to write');
    await workers.stop();
  }
});

void test('a crash-looping container restarts at once, then backs off (10 s, 20 s), and counts restarts (as the kubelet)', async () => {
  const { client, clock, workers, statuses } = setup();
  const p = pod('crash', { restartPolicy: 'Always', containers: [{ name: 'c', image: 'img', command: ['hollow-exit', '1'] }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  const last = (): JsonObject => (statuses().at(-1)!.containerStatuses as JsonObject[])[0];
  for (let i = 0; i < 3; i++) { clock.step(0); await settle(workers); }
  let cs = last();
  assert.deepEqual([statuses().at(-1)!.phase, cs.state.waiting?.reason, cs.restartCount, cs.lastState.terminated?.exitCode], ['Running', 'CrashLoopBackOff', 1, 1],
    'the first restart was immediate; the second waits');
  clock.step(9_999);
  await settle(workers);
  assert.equal(last().restartCount, 1, 'second restart after 10 s');
  clock.step(1); // back-off over: restart, which exits at once again
  await settle(workers);
  clock.step(0);
  await settle(workers);
  cs = last();
  assert.deepEqual([cs.restartCount, cs.lastState.terminated?.exitCode, cs.state.waiting?.reason], [2, 1, 'CrashLoopBackOff']);
  clock.step(19_999);
  await settle(workers);
  assert.equal(last().restartCount, 2, 'third back-off is 20 s');
  clock.step(1);
  await settle(workers);
  assert.equal(last().restartCount, 3);
  await workers.stop();
});

void test('a container that ran longer than twice the maximum back-off restarts at once every time', async () => {
  const { client, clock, workers, statuses } = setup();
  const p = pod('slow-crash', { restartPolicy: 'Always', containers: [{ name: 'c', image: 'img', command: ['hollow-exit', '1', '700'] }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  for (const want of [1, 2, 3]) {
    clock.step(700_000);
    await settle(workers);
    clock.step(0);
    await settle(workers);
    const cs = (statuses().at(-1)!.containerStatuses as JsonObject[])[0];
    assert.deepEqual([cs.restartCount, Object.keys(cs.state)], [want, ['running']], `restart ${want}`);
  }
  await workers.stop();
});

void test('init containers run in order before the app containers', async () => {
  const { client, clock, workers, runtime, statuses } = setup();
  const p = pod('init', {
    initContainers: [{ name: 'i1', image: 'img', command: ['hollow-exit', '0', '5'] }, { name: 'i2', image: 'img', command: ['hollow-exit', '0', '5'] }],
    containers: [{ name: 'app', image: 'img' }],
  });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  const names = async (): Promise<string[]> => (await runtime.listContainers()).map((c) => `${c.metadata.name}:${c.state}`);
  assert.deepEqual(await names(), ['i1:RUNNING']);
  assert.equal(statuses().at(-1)!.phase, 'Pending');
  clock.step(5000);
  await settle(workers);
  assert.deepEqual(await names(), ['i1:EXITED', 'i2:RUNNING']);
  clock.step(5000);
  await settle(workers);
  assert.deepEqual(await names(), ['i1:EXITED', 'i2:EXITED', 'app:RUNNING']);
  const s = statuses().at(-1)!;
  assert.deepEqual([s.phase, (s.conditions as JsonObject[]).find((c) => c.type === 'Initialized')!.status], ['Running', 'True']);
  await workers.stop();
});

void test('deletion: stop containers, report, then delete with gracePeriodSeconds 0 and the uid; removal tears the sandbox down', async () => {
  const { client, workers, runtime, statuses } = setup();
  const p = pod('gone', { containers: [{ name: 'app', image: 'img' }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  const before = client.verbs().length;
  const deleting = { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } };
  workers.update(deleting);
  await settle(workers);
  assert.deepEqual(client.verbs().slice(before), ['patch pods default/gone/status', 'delete pods default/gone']);
  assert.deepEqual(client.deletes, [{ gracePeriodSeconds: 0, preconditions: { uid: 'uid-gone' } }]);
  const final = statuses().at(-1)!;
  assert.equal((final.containerStatuses as JsonObject[])[0].state.terminated?.exitCode, 0, 'graceful stop');
  assert.equal(final.phase, 'Succeeded');
  assert.equal((await runtime.listPodSandbox()).length, 1, 'the sandbox stays until the pod is gone from the API');
  workers.remove(deleting);
  await settle(workers);
  assert.deepEqual(await runtime.listPodSandbox(), []);
  assert.deepEqual(await runtime.listContainers(), []);
  assert.equal(workers.size, 0);
  await workers.stop();
});

void test('a status changed by another writer (a controller marking the pod not ready) is written back', async () => {
  const { client, workers, statuses } = setup();
  const p = pod('web', { containers: [{ name: 'app', image: 'img' }] }, { resourceVersion: '10' });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  const mine = statuses().at(-1)!;
  assert.equal(ready(mine), 'True');
  const written = statuses().length;
  // The echo of our own write (or the version it replaced) changes nothing.
  workers.update({ ...p, status: mine });
  await settle(workers);
  assert.equal(statuses().length, written);
  // Someone else flips Ready to False in a newer version: the worker puts its truth back.
  const conditions = (mine.conditions as JsonObject[]).map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
  workers.update({ ...p, metadata: { ...p.metadata, resourceVersion: '99' }, status: { ...mine, conditions } });
  await settle(workers);
  assert.equal(statuses().length, written + 1);
  assert.equal(ready(statuses().at(-1)!), 'True');
  await workers.stop();
});
