/** Unit tests (FakeClient + FakeClock) of the Deployment controller: new ReplicaSets, rolling and Recreate steps, cleanup, pause, scaling, status. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { newDeploymentController } from './deployment.ts';
import { fixture, RESOURCES, type Fixture } from './testing.ts';
import { templateHash } from './workload.ts';

const NOW = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const REV = 'deployment.kubernetes.io/revision';

const template = (image: string, annotations?: Record<string, string>): JsonObject => ({
  metadata: { labels: { app: 'web' }, ...(annotations ? { annotations } : {}) },
  spec: { containers: [{ name: 'c', image }] },
});

function deploy(replicas: number, image: string, spec: JsonObject = {}, status?: JsonObject): JsonObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: 2, resourceVersion: '10' },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' } }, template: template(image),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10, progressDeadlineSeconds: 600, ...spec,
    },
    ...(status ? { status } : {}),
  };
}

interface RsOpts { replicas: number; available?: number; revision: number; age?: number; desired?: number; max?: number; owner?: string | null; statusReplicas?: number; tmpl?: JsonObject }

function rs(name: string, image: string, o: RsOpts): JsonObject {
  const owner = o.owner === undefined ? 'd-uid' : o.owner;
  const t = structuredClone(o.tmpl ?? template(image));
  t.metadata.labels['pod-template-hash'] = name;
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name, namespace: 'ns', uid: `uid-${name}`, generation: 1, resourceVersion: '7', creationTimestamp: iso(NOW - (o.age ?? 0) * 1000),
      labels: { app: 'web', 'pod-template-hash': name },
      annotations: {
        [REV]: String(o.revision),
        ...(o.desired !== undefined ? { 'deployment.kubernetes.io/desired-replicas': String(o.desired), 'deployment.kubernetes.io/max-replicas': String(o.max ?? o.desired) } : {}),
      },
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner, controller: true }] } : {}),
    },
    spec: { replicas: o.replicas, selector: { matchLabels: { app: 'web', 'pod-template-hash': name } }, template: t },
    status: { replicas: o.statusReplicas ?? o.replicas, readyReplicas: o.available ?? o.replicas, availableReplicas: o.available ?? o.replicas, observedGeneration: 1 },
  };
}

function setup(d: JsonObject, ...sets: JsonObject[]): { f: Fixture; reconcile: () => Promise<unknown> } {
  const f = fixture();
  f.clock.setTime(NOW);
  const ctrl = newDeploymentController(f.ctx);
  f.client.seed(RESOURCES.deployments, d);
  f.seed(RESOURCES.deployments, d);
  if (sets.length) { f.client.seed(RESOURCES.replicasets, ...sets); f.seed(RESOURCES.replicasets, ...sets); }
  return { f, reconcile: () => ctrl.reconcile('ns/web') };
}

const writes = (f: Fixture): string[] => f.client.verbs().filter((v) => !v.startsWith('create events'));
const events = (f: Fixture): string[] => f.client.actions.filter((a) => a.resource === 'events').map((a) => `${(a.object as JsonObject).reason}: ${(a.object as JsonObject).message}`);
const written = (f: Fixture, verb: string, resource: string, name?: string): JsonObject | undefined =>
  f.client.actions.filter((a) => a.verb === verb && a.resource === resource && (name === undefined || a.name === name)).at(-1)?.object;
const lastStatus = (f: Fixture): JsonObject | undefined => f.client.actions.filter((a) => a.resource === 'deployments' && a.subresource === 'status').at(-1)?.object?.status;
const cond = (s: JsonObject | undefined, type: string): JsonObject | undefined => (s?.conditions as JsonObject[] | undefined)?.find((c) => c.type === type);

test('a new Deployment gets its first ReplicaSet: name, hash label, selector, annotations, surge-limited size', async () => {
  const d = deploy(3, 'img:a');
  const { f, reconcile } = setup(d);
  await reconcile();
  const hash = templateHash(d.spec.template, 0);
  assert.deepEqual(writes(f), [`create replicasets ns/web-${hash}`, 'patch deployments ns/web', 'update deployments ns/web/status', 'update deployments ns/web/status']);
  const created = written(f, 'create', 'replicasets') as JsonObject;
  assert.deepEqual(created.metadata.labels, { app: 'web', 'pod-template-hash': hash });
  assert.deepEqual(created.spec.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
  assert.deepEqual(created.spec.template.metadata.labels, { app: 'web', 'pod-template-hash': hash });
  assert.equal(created.spec.replicas, 3);
  assert.deepEqual(created.metadata.annotations, { [REV]: '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
  assert.deepEqual(created.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(f.client.actions.find((a) => a.verb === 'patch')?.patch, { metadata: { annotations: { [REV]: '1' } } });
  assert.deepEqual(events(f), [`ScalingReplicaSet: Scaled up replica set web-${hash} to 3`]);
  const s = lastStatus(f);
  assert.equal(s?.observedGeneration, 2);
  assert.deepEqual([cond(s, 'Progressing')?.status, cond(s, 'Progressing')?.reason, cond(s, 'Progressing')?.message], ['True', 'NewReplicaSetCreated', `Created new replica set "web-${hash}"`]);
  assert.deepEqual([cond(s, 'Available')?.status, cond(s, 'Available')?.reason], ['False', 'MinimumReplicasUnavailable']);
});

test('rolling update: the new ReplicaSet surges first, old pods go only when new ones are available', async () => {
  const old = rs('old', 'img:a', { replicas: 3, revision: 1, age: 100, desired: 3, max: 4 });
  const d = deploy(3, 'img:b', {}, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 });
  const first = setup(d, old);
  await first.reconcile();
  const created = written(first.f, 'create', 'replicasets') as JsonObject;
  assert.equal(created.spec.replicas, 1, '25% surge of 3 rounds up to 1');
  assert.equal(created.metadata.annotations[REV], '2');
  assert.ok(!writes(first.f).some((v) => v === 'update replicasets ns/old'), 'no old pod goes while the new one is unavailable');

  const hash = templateHash(d.spec.template, 0);
  const fresh = rs(`web-${hash}`, 'img:b', { replicas: 1, available: 1, revision: 2, desired: 3, max: 4 });
  fresh.spec.template = { ...structuredClone(d.spec.template) };
  fresh.spec.template.metadata = { labels: { app: 'web', 'pod-template-hash': hash } };
  const second = setup(d, old, fresh);
  await second.reconcile();
  assert.deepEqual(writes(second.f).filter((v) => v.startsWith('update replicasets')), ['update replicasets ns/old']);
  assert.equal((written(second.f, 'update', 'replicasets', 'old') as JsonObject).spec.replicas, 2);
  assert.deepEqual(events(second.f), ['ScalingReplicaSet: Scaled down replica set old to 2']);
  const s = lastStatus(second.f);
  assert.deepEqual([s?.replicas, s?.updatedReplicas, s?.availableReplicas], [4, 1, 4]);
});

test('rollout undo: a ReplicaSet whose template equals the Deployment again is reused with a bumped revision', async () => {
  const a = rs('web-a', 'img:a', { replicas: 0, revision: 1, age: 100, desired: 3, max: 4 });
  const b = rs('web-b', 'img:b', { replicas: 3, revision: 2, age: 50, desired: 3, max: 4 });
  const d = deploy(3, 'img:a');
  d.metadata.annotations = { [REV]: '2' };
  const { f, reconcile } = setup(d, a, b);
  await reconcile();
  const reused = written(f, 'update', 'replicasets', 'web-a') as JsonObject;
  assert.equal(reused.metadata.annotations[REV], '3');
  assert.equal(reused.metadata.annotations['deployment.kubernetes.io/revision-history'], '1');
  assert.ok(!writes(f).some((v) => v.startsWith('create replicasets')), 'no new ReplicaSet');
  assert.deepEqual(f.client.actions.find((x) => x.verb === 'patch' && x.resource === 'deployments')?.patch, { metadata: { annotations: { [REV]: '3' } } });
});

test('Recreate: old ReplicaSets go to 0 first, the new one waits until their pods are gone', async () => {
  const recreate = { strategy: { type: 'Recreate' } };
  const old = rs('old', 'img:a', { replicas: 2, revision: 1, age: 100, desired: 2 });
  const step1 = setup(deploy(2, 'img:b', recreate), old);
  await step1.reconcile();
  assert.deepEqual(writes(step1.f).filter((v) => !v.includes('deployments')), ['update replicasets ns/old']);
  assert.equal((written(step1.f, 'update', 'replicasets', 'old') as JsonObject).spec.replicas, 0);

  const drained = rs('old', 'img:a', { replicas: 0, revision: 1, age: 100, desired: 2, statusReplicas: 0 });
  const step2 = setup(deploy(2, 'img:b', recreate), drained);
  step2.f.seed(RESOURCES.pods, {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'old-x', namespace: 'ns', labels: { app: 'web' }, deletionTimestamp: iso(NOW), ownerReferences: [{ kind: 'ReplicaSet', name: 'old', uid: 'uid-old', controller: true }] },
    status: { phase: 'Running' },
  });
  await step2.reconcile();
  assert.ok(!writes(step2.f).some((v) => v.startsWith('create replicasets')), 'a terminating old pod still runs');

  const step3 = setup(deploy(2, 'img:b', recreate), drained);
  await step3.reconcile();
  const created = written(step3.f, 'create', 'replicasets') as JsonObject;
  assert.equal(created.spec.replicas, 2, 'Recreate starts all new pods at once');
  assert.equal(created.metadata.annotations['deployment.kubernetes.io/max-replicas'], '2');
});

test('cleanup: a complete Deployment deletes scaled-down ReplicaSets beyond revisionHistoryLimit, oldest revision first', async () => {
  const d = deploy(3, 'img:d', { revisionHistoryLimit: 1 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 });
  const hash = templateHash(d.spec.template, 0);
  const cur = rs(`web-${hash}`, 'img:d', { replicas: 3, revision: 4, desired: 3, max: 4 });
  const olds = [1, 2, 3].map((r) => rs(`r${r}`, `img:${r}`, { replicas: 0, revision: r, age: 100 - r, desired: 3, max: 4 }));
  const { f, reconcile } = setup(d, cur, ...olds);
  await reconcile();
  assert.deepEqual(writes(f).filter((v) => v.startsWith('delete')), ['delete replicasets ns/r1', 'delete replicasets ns/r2']);
  const s = lastStatus(f);
  assert.deepEqual([cond(s, 'Progressing')?.reason, cond(s, 'Progressing')?.message], ['NewReplicaSetAvailable', `ReplicaSet "web-${hash}" has successfully progressed.`]);
  assert.equal(cond(s, 'Available')?.status, 'True');
});

test('paused: no new ReplicaSet, Progressing=Unknown DeploymentPaused; resuming says DeploymentResumed and rolls out', async () => {
  const old = rs('old', 'img:a', { replicas: 3, revision: 1, age: 100, desired: 3, max: 4 });
  const paused = setup(deploy(3, 'img:b', { paused: true }), old);
  await paused.reconcile();
  assert.ok(!writes(paused.f).some((v) => v.includes('replicasets')), `no ReplicaSet writes: ${writes(paused.f).join(', ')}`);
  const p = cond(lastStatus(paused.f), 'Progressing');
  assert.deepEqual([p?.status, p?.reason, p?.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);

  const pausedStatus = { observedGeneration: 2, replicas: 3, updatedReplicas: 0, availableReplicas: 3, readyReplicas: 3, conditions: [p] };
  const resumed = setup(deploy(3, 'img:b', {}, pausedStatus), old);
  await resumed.reconcile();
  const statuses = resumed.f.client.actions.filter((a) => a.subresource === 'status').map((a) => cond(a.object?.status, 'Progressing')?.reason);
  assert.equal(statuses[0], 'DeploymentResumed');
  assert.ok(writes(resumed.f).some((v) => v.startsWith('create replicasets')), 'the rollout proceeds');
});

test('scaling during a rollout spreads the change proportionally across active ReplicaSets', async () => {
  const old = rs('old', 'img:a', { replicas: 2, revision: 1, age: 100, desired: 3, max: 4 });
  const d = deploy(5, 'img:b');
  const hash = templateHash(d.spec.template, 0);
  const cur = rs(`web-${hash}`, 'img:b', { replicas: 2, available: 0, revision: 2, age: 10, desired: 3, max: 4 });
  const { f, reconcile } = setup(d, old, cur);
  await reconcile();
  const sizes = Object.fromEntries(f.client.actions.filter((a) => a.verb === 'update' && a.resource === 'replicasets').map((a) => [a.name, [a.object?.spec.replicas, a.object?.metadata.annotations['deployment.kubernetes.io/desired-replicas'], a.object?.metadata.annotations['deployment.kubernetes.io/max-replicas']]]));
  assert.deepEqual(sizes, { [`web-${hash}`]: [4, '5', '7'], old: [3, '5', '7'] });
  assert.deepEqual(events(f).sort(), [`ScalingReplicaSet: Scaled up replica set old to 3`, `ScalingReplicaSet: Scaled up replica set web-${hash} to 4`]);
});

test('progress deadline: requeued while waiting, ProgressDeadlineExceeded once it passes', async () => {
  const d = deploy(3, 'img:b', { progressDeadlineSeconds: 600 });
  const hash = templateHash(d.spec.template, 0);
  const cur = rs(`web-${hash}`, 'img:b', { replicas: 3, available: 1, revision: 1, desired: 3, max: 4 });
  d.metadata.annotations = { [REV]: '1' };
  const status = (updatedAgoS: number): JsonObject => ({
    observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 2,
    conditions: [
      { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: iso(NOW - 900_000), lastTransitionTime: iso(NOW - 900_000) },
      { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'x', lastUpdateTime: iso(NOW - updatedAgoS * 1000), lastTransitionTime: iso(NOW - 900_000) },
    ],
  });
  const waiting = setup({ ...d, status: status(100) }, cur);
  assert.deepEqual(await waiting.reconcile(), { requeueAfterMs: 501_000 });
  assert.deepEqual(writes(waiting.f), []);
  const late = setup({ ...d, status: status(700) }, cur);
  await late.reconcile();
  const p = cond(lastStatus(late.f), 'Progressing');
  assert.deepEqual([p?.status, p?.reason, p?.message], ['False', 'ProgressDeadlineExceeded', `ReplicaSet "web-${hash}" has timed out progressing.`]);
});

test('claiming: a matching orphan ReplicaSet is adopted, an owned one that stopped matching is released', async () => {
  const orphan = rs('orphan', 'img:x', { replicas: 0, revision: 1, age: 100, owner: null });
  const moved = rs('moved', 'img:y', { replicas: 0, revision: 2, age: 90 });
  moved.metadata.labels = { app: 'elsewhere' };
  const { f, reconcile } = setup(deploy(1, 'img:z'), orphan, moved);
  await reconcile();
  const w = writes(f);
  assert.deepEqual(w.slice(0, 3), ['get deployments ns/web', 'patch replicasets ns/orphan', 'patch replicasets ns/moved']);
  const patch = f.client.actions.find((a) => a.name === 'orphan')?.patch as JsonObject;
  assert.equal(patch.metadata.ownerReferences[0].uid, 'd-uid');
  const created = written(f, 'create', 'replicasets') as JsonObject;
  assert.equal(created.metadata.annotations[REV], '2', 'the adopted ReplicaSet counts for revisions; the released one does not');
});

test('hash collision: a foreign ReplicaSet holding the name bumps collisionCount', async () => {
  const d = deploy(1, 'img:a');
  const { f, reconcile } = setup(d);
  const name = `web-${templateHash(d.spec.template, 0)}`;
  f.client.seed(RESOURCES.replicasets, rs(name, 'img:other', { replicas: 1, revision: 1, owner: 'other-uid' }));
  await assert.rejects(reconcile(), /already exists/);
  assert.equal(lastStatus(f)?.collisionCount, 1);
});

test('a sync whose cache still shows a version our own write replaced does nothing until the informer catches up', async () => {
  const { f, reconcile } = setup(deploy(3, 'img:a'));
  await reconcile();
  const n = f.client.actions.length;
  assert.ok(writes(f).some((v) => v.startsWith('create replicasets')));
  await reconcile();
  assert.equal(f.client.actions.length, n, 'stale cache: skipped instead of writing into a conflict');
  const caughtUp = structuredClone(f.client.objects.get('apps/deployments/ns/web') as JsonObject);
  caughtUp.spec.replicas = 4;
  f.seed(RESOURCES.deployments, caughtUp);
  f.seed(RESOURCES.replicasets, ...[...f.client.objects.entries()].filter(([k]) => k.startsWith('apps/replicasets/')).map(([, v]) => structuredClone(v)));
  await reconcile();
  assert.ok(!f.client.verbs().slice(n).some((v) => v.startsWith('create replicasets')), 'caught up: the new ReplicaSet is found, not created twice');
  assert.ok(f.client.verbs().slice(n).includes('update replicasets ns/web-' + templateHash(caughtUp.spec.template, 0)), 'caught up: the sync ran (and scaled)');
});

test('informer events: owned and matching orphan ReplicaSets enqueue their Deployment; pod deletions enqueue Recreate ones', async () => {
  const f = fixture();
  const ctrl = newDeploymentController(f.ctx);
  const rec: JsonObject = { ...deploy(1, 'img:a', { strategy: { type: 'Recreate' } }), metadata: { name: 'rec', namespace: 'ns', uid: 'rec-uid', resourceVersion: '1' } };
  rec.spec.selector = { matchLabels: { app: 'rec' } };
  f.client.seed(RESOURCES.deployments, deploy(1, 'img:a'), rec);
  const stop = new AbortController();
  f.factory.start(stop.signal);
  assert.equal(await f.factory.waitForSync(), true);
  const drain = async (): Promise<string[]> => {
    await new Promise((r) => setImmediate(r));
    const keys: string[] = [];
    while (ctrl.queue.len() > 0) { const k = await ctrl.queue.get(); if (k) { keys.push(k); ctrl.queue.done(k); } }
    return keys.sort();
  };
  try {
    assert.deepEqual(await drain(), ['ns/rec', 'ns/web']);
    f.client.emit(RESOURCES.replicasets, { type: 'ADDED', object: rs('owned', 'img:a', { replicas: 1, revision: 1 }) });
    assert.deepEqual(await drain(), ['ns/web']);
    f.client.emit(RESOURCES.replicasets, { type: 'ADDED', object: { ...rs('orphan', 'img:a', { replicas: 1, revision: 1, owner: null }), metadata: { ...rs('orphan', 'img:a', { replicas: 1, revision: 1, owner: null }).metadata, labels: { app: 'rec' } } } });
    assert.deepEqual(await drain(), ['ns/rec']);
    const recRs = rs('rec-1', 'img:a', { replicas: 1, revision: 1, owner: 'rec-uid' });
    recRs.metadata.ownerReferences[0].name = 'rec';
    f.client.emit(RESOURCES.replicasets, { type: 'ADDED', object: recRs });
    await drain();
    const podOf = (owner: string, uid: string): JsonObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${owner}`, namespace: 'ns', resourceVersion: '9', ownerReferences: [{ kind: 'ReplicaSet', name: owner, uid, controller: true }] } });
    f.client.emit(RESOURCES.pods, { type: 'ADDED', object: podOf('rec-1', 'uid-rec-1') });
    f.client.emit(RESOURCES.pods, { type: 'ADDED', object: podOf('owned', 'uid-owned') });
    assert.deepEqual(await drain(), [], 'pod adds do not concern Deployments');
    f.client.emit(RESOURCES.pods, { type: 'DELETED', object: podOf('rec-1', 'uid-rec-1') });
    f.client.emit(RESOURCES.pods, { type: 'DELETED', object: podOf('owned', 'uid-owned') });
    assert.deepEqual(await drain(), ['ns/rec'], 'only the Recreate Deployment waits for pods to go');
  } finally {
    stop.abort();
    await f.factory.stopped();
  }
});
