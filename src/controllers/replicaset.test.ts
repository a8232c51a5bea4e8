/** Unit tests (FakeClient + FakeClock) of the ReplicaSet controller: scaling, delete preference, adoption, expectations, status. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbidden, type JsonObject } from '../api/index.ts';
import type { FakeAction, Reactor } from '../client/index.ts';
import { compareForDeletion, newReplicaSetController, podsToDelete, slowStartBatch } from './replicaset.ts';
import { fixture, RESOURCES, type Fixture } from './testing.ts';

const NOW = Date.UTC(2026, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

function replicaSet(replicas: number, extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid', generation: 1, resourceVersion: '5' },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'img' }] } },
      ...extra,
    },
  };
}

interface PodOpts { node?: string; phase?: string; ready?: boolean; readySince?: number; restarts?: number; created?: number; owner?: string | null; labels?: Record<string, string>; deleting?: boolean; cost?: number }

function pod(name: string, o: PodOpts = {}): JsonObject {
  const owner = o.owner === undefined ? 'rs-uid' : o.owner;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '3', creationTimestamp: iso(o.created ?? NOW - 60_000),
      labels: o.labels ?? { app: 'web', tier: 'fe' },
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: owner, controller: true }] } : {}),
      ...(o.deleting ? { deletionTimestamp: iso(NOW) } : {}),
      ...(o.cost !== undefined ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': String(o.cost) } } : {}),
    },
    spec: { nodeName: o.node ?? 'n1', containers: [{ name: 'c', image: 'img' }] },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: (o.ready ?? true) ? 'True' : 'False', lastTransitionTime: iso(o.readySince ?? NOW - 30_000) }],
      containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 }],
    },
  };
}

/** setup makes a fixture whose fake client names generateName pods `web-1`, `web-2`, … (after consulting `first`). */
function setup(first?: Reactor): Fixture {
  const f = fixture();
  f.clock.setTime(NOW);
  if (first) f.client.react(first);
  let n = 0;
  f.client.react((a) => {
    if (a.verb !== 'create' || a.resource !== 'pods') return undefined;
    const obj = structuredClone(a.object as JsonObject);
    obj.metadata.name = `${obj.metadata.generateName}${++n}`;
    return obj;
  });
  return f;
}

/** stored is the ReplicaSet as the fake server holds it after the controller's writes (what the informer would deliver next). */
const stored = (f: Fixture): JsonObject => structuredClone(f.client.objects.get('apps/replicasets/ns/web') as JsonObject);
const writes = (f: Fixture): string[] => f.client.verbs().filter((v) => !v.startsWith('create events'));
const statusOf = (f: Fixture): JsonObject | undefined => f.client.actions.filter((a: FakeAction) => a.subresource === 'status').at(-1)?.object?.status;

test('slowStartBatch: batches of 1, 2, 4 stop at the first failing batch', async () => {
  let calls = 0;
  const r = await slowStartBatch(10, 1, async () => { if (++calls === 4) throw new Error('boom'); });
  assert.equal(calls, 7, '1 + 2 + 4 calls');
  assert.equal(r.successes, 6);
  assert.equal((r.error as Error).message, 'boom');
  let all = 0;
  assert.deepEqual(await slowStartBatch(5, 1, async () => { all++; }), { successes: 5 });
  assert.equal(all, 5);
});

test('scale up: creates the missing pods from the template, owned by the ReplicaSet', async () => {
  const f = setup();
  const ctrl = newReplicaSetController(f.ctx);
  f.seed(RESOURCES.replicasets, replicaSet(3));
  f.seed(RESOURCES.pods, pod('a'));
  await ctrl.reconcile('ns/web');
  assert.deepEqual(writes(f), ['create pods ns/', 'create pods ns/', 'update replicasets ns/web/status']);
  const created = f.client.actions.find((a) => a.verb === 'create' && a.resource === 'pods')?.object as JsonObject;
  assert.equal(created.metadata.generateName, 'web-');
  assert.deepEqual(created.metadata.labels, { app: 'web', tier: 'fe' });
  assert.deepEqual(created.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(statusOf(f), { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 });
  const events = f.client.actions.filter((a) => a.resource === 'events').map((a) => a.object as JsonObject);
  assert.deepEqual(events.map((e) => [e.reason, e.message, e.source.component]), [['SuccessfulCreate', 'Created pod: web-1', 'replicaset-controller'], ['SuccessfulCreate', 'Created pod: web-2', 'replicaset-controller']]);
});

test('expectations: no second round of creates until the pods are observed (or the record expires)', async () => {
  const f = setup();
  const ctrl = newReplicaSetController(f.ctx);
  f.seed(RESOURCES.replicasets, { ...replicaSet(2), status: { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 } });
  await ctrl.reconcile('ns/web');
  assert.equal(writes(f).filter((v) => v === 'create pods ns/').length, 2);
  f.client.actions.length = 0;
  await ctrl.reconcile('ns/web');
  assert.deepEqual(writes(f), [], 'the cache has not seen the pods yet');
  f.clock.step(5 * 60_000 + 1);
  await ctrl.reconcile('ns/web');
  assert.equal(writes(f).filter((v) => v === 'create pods ns/').length, 2, 'expired expectations are not trusted');
});

test('expectations: informer adds satisfy them one by one', async () => {
  const f = setup();
  const ctrl = newReplicaSetController(f.ctx);
  f.client.seed(RESOURCES.replicasets, { ...replicaSet(2), status: { replicas: 0, observedGeneration: 1 } });
  const stop = new AbortController();
  f.factory.start(stop.signal);
  assert.equal(await f.factory.waitForSync(), true);
  try {
    await ctrl.reconcile('ns/web');
    f.client.actions.length = 0;
    f.client.emit(RESOURCES.pods, { type: 'ADDED', object: { ...pod('web-1'), metadata: { ...pod('web-1').metadata, resourceVersion: '50' } } });
    await new Promise((r) => setImmediate(r));
    await ctrl.reconcile('ns/web');
    assert.deepEqual(writes(f).filter((v) => v.startsWith('create')), [], 'one creation still unobserved');
    assert.deepEqual(writes(f), ['update replicasets ns/web/status']);
    await ctrl.reconcile('ns/web');
    assert.deepEqual(writes(f), ['update replicasets ns/web/status'], 'the cache does not show our status write yet: nothing to do');
    f.client.emit(RESOURCES.replicasets, { type: 'MODIFIED', object: stored(f) });
    f.client.emit(RESOURCES.pods, { type: 'DELETED', object: { ...pod('web-1'), metadata: { ...pod('web-1').metadata, resourceVersion: '51' } } });
    f.client.emit(RESOURCES.pods, { type: 'ADDED', object: { ...pod('web-2'), metadata: { ...pod('web-2').metadata, resourceVersion: '52' } } });
    await new Promise((r) => setImmediate(r));
    await ctrl.reconcile('ns/web');
    assert.deepEqual(writes(f).filter((v) => v.startsWith('create')), ['create pods ns/'], 'both observed: the deleted pod is replaced');
  } finally {
    stop.abort();
    await f.factory.stopped();
  }
});

test('scale down deletes unassigned, then pending, then not-ready, then the most restarted pods', async () => {
  const f = setup();
  const ctrl = newReplicaSetController(f.ctx);
  f.seed(RESOURCES.replicasets, replicaSet(2));
  const same = NOW - 100_000;
  const pods = [
    pod('ready-old', { readySince: same, created: NOW - 500_000 }),
    pod('restarted', { readySince: same, restarts: 3 }),
    pod('not-ready', { ready: false }),
    pod('ready-new', { readySince: same, created: NOW - 200_000 }),
    pod('pending', { phase: 'Pending', ready: false }),
    pod('unassigned', { node: '', phase: 'Pending', ready: false }),
  ];
  f.seed(RESOURCES.pods, ...pods);
  f.client.seed(RESOURCES.pods, ...pods);
  await ctrl.reconcile('ns/web');
  assert.deepEqual(writes(f), ['delete pods ns/unassigned', 'delete pods ns/pending', 'delete pods ns/not-ready', 'delete pods ns/restarted', 'update replicasets ns/web/status']);
  assert.equal(statusOf(f)?.replicas, 2, 'deleted pods no longer count');
  f.client.actions.length = 0;
  await ctrl.reconcile('ns/web');
  assert.deepEqual(writes(f).filter((v) => v.startsWith('delete')), [], 'deletions are expected, not repeated');
});

const orderCases: { name: string; first: PodOpts; second: PodOpts }[] = [
  { name: 'unassigned before assigned', first: { node: '' }, second: {} },
  { name: 'Pending before Unknown', first: { phase: 'Pending' }, second: { phase: 'Unknown' } },
  { name: 'Unknown before Running', first: { phase: 'Unknown' }, second: {} },
  { name: 'not ready before ready', first: { ready: false }, second: {} },
  { name: 'lower deletion cost first', first: { cost: -5 }, second: { cost: 10 } },
  { name: 'ready for less time first', first: { readySince: NOW - 1000 }, second: { readySince: NOW - 9000 } },
  { name: 'more restarts first', first: { restarts: 4 }, second: { restarts: 1 } },
  { name: 'newer first', first: { created: NOW - 1000 }, second: { created: NOW - 9000 } },
];
for (const c of orderCases) {
  test(`delete preference: ${c.name}`, () => {
    const a = pod('a', c.first);
    const b = pod('b', c.second);
    assert.ok(compareForDeletion(a, b) < 0);
    assert.ok(compareForDeletion(b, a) > 0);
  });
}

test('delete preference: pods doubled up on a node (same owner) go first', () => {
  const pods = [pod('alone', { node: 'n1' }), pod('dup1', { node: 'n2' }), pod('dup2', { node: 'n2' })];
  assert.deepEqual(podsToDelete(pods, pods, 2).map((p) => p.metadata?.name).sort(), ['dup1', 'dup2']);
  assert.deepEqual(podsToDelete(pods, [pods[0], pods[0], pods[1]], 1).map((p) => p.metadata?.name), ['alone'], 'rank counts related pods per node');
  assert.equal(podsToDelete(pods, [], 3).length, 3);
});

test('adoption and release: orphans matching the selector are adopted, owned pods that stopped matching are released', async () => {
  const f = setup();
  const ctrl = newReplicaSetController(f.ctx);
  const rs = replicaSet(2);
  f.client.seed(RESOURCES.replicasets, rs);
  f.client.seed(RESOURCES.pods, pod('orphan', { owner: null }), pod('moved', { labels: { app: 'other' } }));
  f.seed(RESOURCES.replicasets, rs);
  f.seed(RESOURCES.pods, pod('mine'), pod('orphan', { owner: null }), pod('moved', { labels: { app: 'other' } }), pod('foreign', { owner: 'someone-else' }),
    pod('orphan-deleting', { owner: null, deleting: true }));
  await ctrl.reconcile('ns/web');
  assert.deepEqual(writes(f), ['get replicasets ns/web', 'patch pods ns/orphan', 'patch pods ns/moved', 'update replicasets ns/web/status']);
  assert.equal(statusOf(f)?.replicas, 2, 'mine and the adopted orphan');
  const patches = Object.fromEntries(f.client.actions.filter((a) => a.verb === 'patch').map((a) => [a.name, a.patch as JsonObject]));
  assert.equal(patches.moved.metadata.ownerReferences, null);
  assert.equal(patches.moved.metadata.uid, 'uid-moved');
  assert.deepEqual(patches.orphan.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }]);
  assert.equal(patches.orphan.metadata.resourceVersion, '3');
});

test('adoption: a ReplicaSet that was recreated (uid changed) does not adopt', async () => {
  const f = setup();
  const ctrl = newReplicaSetController(f.ctx);
  f.client.seed(RESOURCES.replicasets, { ...replicaSet(1), metadata: { ...replicaSet(1).metadata, uid: 'new-uid' } });
  f.seed(RESOURCES.replicasets, replicaSet(1));
  f.seed(RESOURCES.pods, pod('orphan', { owner: null }));
  await ctrl.reconcile('ns/web');
  assert.deepEqual(writes(f).filter((v) => !v.startsWith('update')), ['get replicasets ns/web', 'create pods ns/']);
});

test('finished and terminating pods do not count', async () => {
  const f = setup();
  const ctrl = newReplicaSetController(f.ctx);
  f.seed(RESOURCES.replicasets, replicaSet(2));
  f.seed(RESOURCES.pods, pod('live'), pod('done', { phase: 'Succeeded' }), pod('failed', { phase: 'Failed' }), pod('going', { deleting: true }));
  await ctrl.reconcile('ns/web');
  assert.deepEqual(writes(f), ['create pods ns/', 'update replicasets ns/web/status']);
  assert.equal(statusOf(f)?.replicas, 1);
});

test('status: fullyLabeled, ready and available with minReadySeconds, requeued when the next pod becomes available', async () => {
  const f = setup();
  const ctrl = newReplicaSetController(f.ctx);
  f.seed(RESOURCES.replicasets, replicaSet(3, { minReadySeconds: 10 }));
  f.seed(RESOURCES.pods, pod('old', { readySince: NOW - 60_000 }), pod('fresh', { readySince: NOW - 4000, labels: { app: 'web' } }), pod('starting', { ready: false }));
  const r = await ctrl.reconcile('ns/web');
  assert.deepEqual(statusOf(f), { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1 });
  assert.deepEqual(r, { requeueAfterMs: 6000 });
});

test('ReplicaFailure: a refused create (quota) sets the condition, a later success clears it', async () => {
  let refuse = true;
  const f = setup((a) => {
    if (refuse && a.verb === 'create' && a.resource === 'pods') throw forbidden('pods "web-x" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
    return undefined;
  });
  const ctrl = newReplicaSetController(f.ctx);
  f.seed(RESOURCES.replicasets, replicaSet(3));
  await assert.rejects(ctrl.reconcile('ns/web'), /exceeded quota/);
  assert.deepEqual(writes(f), ['create pods ns/', 'update replicasets ns/web/status']);
  const cond = (statusOf(f)?.conditions as JsonObject[])[0];
  assert.deepEqual([cond.type, cond.status, cond.reason], ['ReplicaFailure', 'True', 'FailedCreate']);
  assert.match(String(cond.message), /exceeded quota/);
  assert.ok(f.client.actions.some((a) => a.resource === 'events' && (a.object as JsonObject).reason === 'FailedCreate'));
  refuse = false;
  f.client.actions.length = 0;
  f.seed(RESOURCES.replicasets, stored(f));
  await ctrl.reconcile('ns/web');
  assert.equal(writes(f).filter((v) => v === 'create pods ns/').length, 3, 'failed creations do not stay expected');
  assert.equal(statusOf(f)?.conditions, undefined);
});

test('a missing ReplicaSet and an unchanged status write nothing', async () => {
  const f = setup();
  const ctrl = newReplicaSetController(f.ctx);
  await ctrl.reconcile('ns/gone');
  f.seed(RESOURCES.replicasets, { ...replicaSet(1), status: { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 } });
  f.seed(RESOURCES.pods, pod('a'));
  await ctrl.reconcile('ns/web');
  assert.deepEqual(writes(f), []);
});
