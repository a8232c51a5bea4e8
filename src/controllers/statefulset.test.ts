/** Unit tests of the StatefulSet controller: sync steps (ordering, partition, OnDelete, maxUnavailable, claims and retention), revisions and the reconcile. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alreadyExists, type JsonObject } from '../api/index.ts';
import { FakeClient } from '../client/index.ts';
import { newControllerRevision, revisionDataHash, templatePatch, truncateHistory } from './controller-revision.ts';
import { claimName, newClaim } from './statefulset-pods.ts';
import { StatefulSetSyncer } from './statefulset-sync.ts';
import { newStatefulSetController, statefulSetRevisions } from './statefulset.ts';
import { fixture, RESOURCES } from './testing.ts';

const NOW = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number): string => new Date(ms).toISOString();

function makeSet(spec: JsonObject = {}, image = 'app:1'): JsonObject {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 4 },
    spec: {
      replicas: 3, serviceName: 'web', podManagementPolicy: 'OrderedReady', selector: { matchLabels: { app: 'web' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
      ...spec,
    },
  };
}

function rev(image: string, revision: number): JsonObject {
  const set = makeSet({}, image);
  const data = templatePatch(set);
  const r = newControllerRevision({ owner: set, apiVersion: 'apps/v1', kind: 'StatefulSet', data, revision, hash: revisionDataHash(data, 0) });
  r.metadata.uid = `rev-${revision}`;
  return r;
}
const R1 = rev('app:1', 1);
const R2 = rev('app:2', 2);

type State = 'ready' | 'pending' | 'failed' | 'terminating' | 'unready';
function pod(ordinal: number, state: State = 'ready', r: JsonObject = R1, readySince = NOW - 3600_000): JsonObject {
  const name = `web-${ordinal}`;
  const ready = state === 'ready' || state === 'terminating';
  return {
    metadata: {
      name, namespace: 'ns', uid: `pod-${ordinal}`,
      labels: { app: 'web', 'controller-revision-hash': r.metadata.name, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(ordinal) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true }],
      ...(state === 'terminating' ? { deletionTimestamp: iso(NOW) } : {}),
    },
    spec: { hostname: name, subdomain: 'web', containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `data-web-${ordinal}` } }] },
    status: {
      phase: state === 'failed' ? 'Failed' : state === 'pending' ? 'Pending' : 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: iso(readySince) }],
    },
  };
}
const claimsFor = (set: JsonObject, ...ordinals: number[]): Map<string, JsonObject> =>
  new Map(ordinals.map((o) => { const c = newClaim(set, set.spec.volumeClaimTemplates[0], o); c.metadata.uid = `pvc-${o}`; return [String(c.metadata.name), c]; }));

const parallel = { podManagementPolicy: 'Parallel' };
const cases: { name: string; spec?: JsonObject; pods: JsonObject[]; claims?: number[]; update?: JsonObject; want: string[] }[] = [
  { name: 'OrderedReady starts with ordinal 0, claim first', pods: [], want: ['create pvc data-web-0', 'create pod web-0'] },
  { name: 'OrderedReady creates the next ordinal once its predecessors are ready', pods: [pod(0)], claims: [0], want: ['create pvc data-web-1', 'create pod web-1'] },
  { name: 'OrderedReady waits while a predecessor is not ready', pods: [pod(0, 'unready')], claims: [0], want: [] },
  { name: 'OrderedReady waits for minReadySeconds', spec: { minReadySeconds: 30 }, pods: [pod(0, 'ready', R1, NOW - 5_000)], claims: [0], want: [] },
  { name: 'Parallel creates every missing replica at once', spec: parallel, pods: [], want: ['create pvc data-web-0', 'create pod web-0', 'create pvc data-web-1', 'create pod web-1', 'create pvc data-web-2', 'create pod web-2'] },
  { name: 'a failed replica is deleted for recreation', pods: [pod(0, 'failed'), pod(1)], claims: [0, 1], want: ['delete pod web-0 (failed)'] },
  { name: 'spec.ordinals.start shifts the names', spec: { ordinals: { start: 5 }, replicas: 2 }, pods: [], want: ['create pvc data-web-5', 'create pod web-5'] },
  { name: 'scale-down deletes the highest ordinal only', spec: { replicas: 1 }, pods: [pod(0), pod(1), pod(2)], claims: [0, 1, 2], want: ['delete pod web-2 (condemned)'] },
  { name: 'scale-down waits for a terminating pod', spec: { replicas: 1 }, pods: [pod(0), pod(1), pod(2, 'terminating')], claims: [0, 1, 2], want: [] },
  { name: 'Parallel scale-down deletes all condemned pods', spec: { replicas: 1, ...parallel }, pods: [pod(0), pod(1), pod(2)], claims: [0, 1, 2], want: ['delete pod web-2 (condemned)', 'delete pod web-1 (condemned)'] },
  { name: 'rolling update starts at the highest ordinal', pods: [pod(0), pod(1), pod(2)], claims: [0, 1, 2], update: R2, want: ['delete pod web-2 (update)'] },
  { name: 'rolling update continues downwards', pods: [pod(0), pod(1), pod(2, 'ready', R2)], claims: [0, 1, 2], update: R2, want: ['delete pod web-1 (update)'] },
  { name: 'rolling update waits for an updated pod to be ready', spec: parallel, pods: [pod(0), pod(1), pod(2, 'unready', R2)], claims: [0, 1, 2], update: R2, want: [] },
  { name: 'partition keeps lower ordinals on the old revision', spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, pods: [pod(0), pod(1), pod(2, 'ready', R2)], claims: [0, 1, 2], update: R2, want: [] },
  { name: 'maxUnavailable 2 replaces two at once', spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } } }, pods: [pod(0), pod(1), pod(2)], claims: [0, 1, 2], update: R2, want: ['delete pod web-2 (update)', 'delete pod web-1 (update)'] },
  { name: 'OnDelete never deletes for an update', spec: { updateStrategy: { type: 'OnDelete' } }, pods: [pod(0), pod(1), pod(2)], claims: [0, 1, 2], update: R2, want: [] },
  { name: 'a pod with a wrong identity is repaired', pods: [{ ...pod(0), spec: { containers: [] } }], claims: [0], want: ['update pod web-0', 'create pvc data-web-1', 'create pod web-1'] },
  { name: 'Retain/Retain: scale-down leaves the claim alone', spec: { replicas: 2 }, pods: [pod(0), pod(1), pod(2)], claims: [0, 1, 2], want: ['delete pod web-2 (condemned)'] },
  {
    name: 'whenScaled=Delete: the condemned pod takes ownership of its claim first',
    spec: { replicas: 2, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } },
    pods: [pod(0), pod(1), pod(2)], claims: [0, 1, 2], want: ['update pvc data-web-2 owners [Pod]', 'delete pod web-2 (condemned)'],
  },
];

for (const c of cases) {
  test(`statefulset sync: ${c.name}`, async () => {
    const client = new FakeClient();
    const set = makeSet(c.spec);
    const syncer = new StatefulSetSyncer(client);
    const claims = claimsFor(set, ...(c.claims ?? []));
    client.seed(RESOURCES.persistentvolumeclaims, ...claims.values());
    await syncer.sync({ set, pods: c.pods, claims, currentRevision: R1, updateRevision: c.update ?? R1, collisionCount: 0, nowMs: NOW });
    assert.deepEqual(syncer.actions, c.want);
  });
}

test('statefulset sync: partition creates missing low ordinals from the current revision, others from the update revision', async () => {
  const client = new FakeClient();
  const set = makeSet({ ...parallel, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, 'app:2');
  await new StatefulSetSyncer(client).sync({ set, pods: [], claims: new Map(), currentRevision: R1, updateRevision: R2, collisionCount: 0, nowMs: NOW });
  const created = client.actions.filter((a) => a.verb === 'create' && a.resource === 'pods').map((a) => [a.name, a.object?.spec?.containers?.[0]?.image, a.object?.metadata?.labels?.['controller-revision-hash']]);
  assert.deepEqual(created, [['web-0', 'app:1', R1.metadata.name], ['web-1', 'app:1', R1.metadata.name], ['web-2', 'app:2', R2.metadata.name]]);
});

test('statefulset sync: new pods carry identity and claim volumes; claims carry selector labels and the retention owner', async () => {
  const client = new FakeClient();
  const set = makeSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
  await new StatefulSetSyncer(client).sync({ set, pods: [], claims: new Map(), currentRevision: R1, updateRevision: R1, collisionCount: 0, nowMs: NOW });
  const [pvc, p] = client.actions.map((a) => a.object ?? {});
  assert.equal(claimName(set.spec.volumeClaimTemplates[0], set, 0), 'data-web-0');
  assert.equal(pvc.metadata.name, 'data-web-0');
  assert.deepEqual(pvc.metadata.labels, { app: 'web' });
  assert.deepEqual(pvc.metadata.ownerReferences.map((r: JsonObject) => [r.kind, r.uid]), [['StatefulSet', 'set-uid']]);
  assert.equal(p.metadata.name, 'web-0');
  assert.equal(p.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-0');
  assert.equal(p.metadata.labels['apps.kubernetes.io/pod-index'], '0');
  assert.equal(p.metadata.labels['controller-revision-hash'], R1.metadata.name);
  assert.equal(p.spec.hostname, 'web-0');
  assert.equal(p.spec.subdomain, 'web');
  assert.deepEqual(p.spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }]);
});

test('statefulset sync: status counts and rollout completion', async () => {
  const set = makeSet();
  const done = await new StatefulSetSyncer(new FakeClient()).sync({ set, pods: [pod(0, 'ready', R2), pod(1, 'ready', R2), pod(2, 'ready', R2)], claims: claimsFor(set, 0, 1, 2), currentRevision: R1, updateRevision: R2, collisionCount: 0, nowMs: NOW });
  assert.deepEqual(done.status, { observedGeneration: 4, replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: R2.metadata.name, updateRevision: R2.metadata.name, collisionCount: 0 });
  const mid = await new StatefulSetSyncer(new FakeClient()).sync({ set, pods: [pod(0), pod(1), pod(2, 'unready', R2)], claims: claimsFor(set, 0, 1, 2), currentRevision: R1, updateRevision: R2, collisionCount: 0, nowMs: NOW });
  assert.deepEqual([mid.status.currentRevision, mid.status.currentReplicas, mid.status.updatedReplicas, mid.status.readyReplicas], [R1.metadata.name, 2, 1, 2]);
  const waiting = await new StatefulSetSyncer(new FakeClient()).sync({ set: makeSet({ minReadySeconds: 30 }), pods: [pod(0, 'ready', R1, NOW - 10_000)], claims: claimsFor(set, 0), currentRevision: R1, updateRevision: R1, collisionCount: 0, nowMs: NOW });
  assert.equal(waiting.requeueAfterMs, 20_000);
  assert.equal(waiting.status.availableReplicas, 0);
});

test('statefulset revisions: an equal older revision is re-numbered, a new template creates one, collisions bump the count', async () => {
  const client = new FakeClient();
  const back = await statefulSetRevisions(client, { ...makeSet(), status: { currentRevision: R2.metadata.name } }, [R1, R2]);
  assert.equal(back.update.metadata.name, R1.metadata.name);
  assert.equal(back.update.revision, 3);
  assert.equal(back.current.metadata.name, R2.metadata.name);
  assert.deepEqual(client.verbs(), [`update controllerrevisions ns/${String(R1.metadata.name)}`]);

  const c2 = new FakeClient();
  let first = true;
  c2.react((a) => { if (a.verb === 'create' && first) { first = false; throw alreadyExists('controllerrevisions', 'apps', a.name); } return undefined; });
  c2.react((a) => (a.verb === 'get' ? { ...R1, data: { other: true } } : undefined));
  const made = await statefulSetRevisions(c2, makeSet({}, 'app:3'), [R1]);
  assert.equal(made.collisionCount, 1);
  assert.equal(made.update.revision, 2);
  assert.equal(made.update.metadata.name, `web-${revisionDataHash(templatePatch(makeSet({}, 'app:3')), 1)}`);
});

test('revision history: the oldest unused revisions beyond the limit are deleted', async () => {
  const client = new FakeClient();
  const revs = [1, 2, 3, 4, 5].map((i) => ({ ...rev(`app:${i}`, i), metadata: { ...rev(`app:${i}`, i).metadata, name: `web-r${i}` } }));
  const deleted = await truncateHistory(client, revs, new Set(['web-r1', 'web-r5']), 2);
  assert.deepEqual(deleted, ['web-r2']);
  assert.deepEqual(client.verbs(), ['delete controllerrevisions ns/web-r2']);
});

test('statefulset reconcile: records the revision, creates the first claim and pod, writes status', async () => {
  const f = fixture();
  const ctrl = newStatefulSetController(f.ctx);
  f.seed(RESOURCES.statefulsets, makeSet());
  const r = await ctrl.reconcile('ns/web');
  assert.equal(r, undefined);
  const revName = `web-${revisionDataHash(templatePatch(makeSet()), 0)}`;
  assert.deepEqual(f.client.verbs().filter((v) => !v.startsWith('create events')), [`create controllerrevisions ns/${revName}`, 'create persistentvolumeclaims ns/data-web-0', 'create pods ns/web-0', 'update statefulsets ns/web/status']);
  const events = f.client.actions.filter((a) => a.resource === 'events').map((a) => `${String(a.object?.reason)}: ${String(a.object?.message)}`);
  assert.deepEqual(events, ['SuccessfulCreate: create Claim data-web-0 Pod web-0 in StatefulSet web success', 'SuccessfulCreate: create Pod web-0 in StatefulSet web successful']);
  const status = f.client.actions.at(-1)?.object?.status;
  assert.deepEqual([status.replicas, status.currentRevision, status.updateRevision, status.observedGeneration], [1, revName, revName, 4]);
  assert.deepEqual(await ctrl.reconcile('ns/missing'), undefined, 'a deleted set is nothing to do');
});

test('statefulset reconcile: adopts an orphan replica that its selector matches, ignores a non-member', async () => {
  const f = fixture();
  const ctrl = newStatefulSetController(f.ctx);
  const set = makeSet({ replicas: 1 });
  const orphan = { ...pod(0), metadata: { ...pod(0).metadata, ownerReferences: undefined } };
  const stranger = { ...pod(0), metadata: { ...pod(0).metadata, name: 'other-0', uid: 'o', ownerReferences: undefined } };
  f.seed(RESOURCES.statefulsets, set);
  f.seed(RESOURCES.pods, orphan, stranger);
  f.seed(RESOURCES.persistentvolumeclaims, ...claimsFor(set, 0).values());
  f.client.seed(RESOURCES.statefulsets, set).seed(RESOURCES.pods, orphan, stranger);
  await ctrl.reconcile('ns/web');
  const verbs = f.client.verbs();
  assert.deepEqual(verbs.slice(0, 2), ['get statefulsets ns/web', 'patch pods ns/web-0']);
  assert.ok(!verbs.some((v) => v.includes('other-0')));
  assert.ok(!verbs.includes('create pods ns/web-0'), 'the adopted replica is not created again');
  const patch = f.client.actions[1].patch as JsonObject;
  assert.equal(patch.metadata.ownerReferences[0].uid, 'set-uid');
});
