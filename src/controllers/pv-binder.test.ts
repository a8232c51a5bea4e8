/**
 * Unit tests of the PV binder (FakeClient + FakeClock): volume matching (smallest fitting volume,
 * access modes, class, selector, volume mode, pre-bound claimRef, delayed binding), the binding
 * writes, provisioning hand-off, WaitForFirstConsumer, retroactive default class and reclaim.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { findBestMatchForClaim, defaultClassName } from './pv-binder-match.ts';
import { newPersistentVolumeBinder } from './pv-binder.ts';
import { fixture, RESOURCES } from './testing.ts';

function pv(name: string, size: string, spec: JsonObject = {}, meta: JsonObject = {}, phase = 'Available'): JsonObject {
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, uid: `${name}-uid`, resourceVersion: '3', ...meta }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/x/${name}` }, ...spec }, status: { phase } };
}
function pvc(name: string, size = '1Gi', spec: JsonObject = {}, meta: JsonObject = {}): JsonObject {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'ns', uid: `${name}-uid`, resourceVersion: '4', ...meta }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: '', ...spec } };
}

const matchCases: { name: string; claim: JsonObject; volumes: JsonObject[]; delay?: boolean; want: string | undefined }[] = [
  { name: 'smallest fitting volume', claim: pvc('c', '2Gi'), volumes: [pv('big', '10Gi'), pv('small', '1Gi'), pv('fit', '3Gi'), pv('fit2', '5Gi')], want: 'fit' },
  { name: 'exact size fits', claim: pvc('c', '1Gi'), volumes: [pv('a', '1024Mi')], want: 'a' },
  { name: 'access modes must include the claim\'s; fewest modes first', claim: pvc('c', '1Gi', { accessModes: ['ReadWriteOnce'] }), volumes: [pv('many', '1Gi', { accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }), pv('rox', '1Gi', { accessModes: ['ReadOnlyMany'] }), pv('one', '2Gi')], want: 'one' },
  { name: 'no volume with the modes', claim: pvc('c', '1Gi', { accessModes: ['ReadWriteMany'] }), volumes: [pv('a', '5Gi')], want: undefined },
  { name: 'class must match', claim: pvc('c', '1Gi', { storageClassName: 'fast' }), volumes: [pv('slow', '1Gi', { storageClassName: 'slow' }), pv('fast', '2Gi', { storageClassName: 'fast' })], want: 'fast' },
  { name: 'selector must match labels', claim: pvc('c', '1Gi', { selector: { matchLabels: { tier: 'gold' } } }), volumes: [pv('a', '1Gi'), pv('b', '2Gi', {}, { labels: { tier: 'gold' } })], want: 'b' },
  { name: 'volume mode must match', claim: pvc('c', '1Gi', { volumeMode: 'Block' }), volumes: [pv('fs', '1Gi'), pv('blk', '3Gi', { volumeMode: 'Block' })], want: 'blk' },
  { name: 'only Available, unclaimed volumes', claim: pvc('c'), volumes: [pv('rel', '1Gi', {}, {}, 'Released'), pv('taken', '1Gi', { claimRef: { namespace: 'ns', name: 'other' } })], want: undefined },
  { name: 'a volume pre-bound to the claim wins over a smaller one', claim: pvc('c', '1Gi'), volumes: [pv('small', '1Gi'), pv('pre', '9Gi', { claimRef: { namespace: 'ns', name: 'c' } }, {}, 'Available')], want: 'pre' },
  { name: 'delayed binding: only a pre-bound volume', claim: pvc('c'), volumes: [pv('a', '1Gi'), pv('pre', '2Gi', { claimRef: { namespace: 'ns', name: 'c', uid: 'c-uid' } })], delay: true, want: 'pre' },
  { name: 'delayed binding: nothing otherwise', claim: pvc('c'), volumes: [pv('a', '1Gi')], delay: true, want: undefined },
  { name: 'a volume being deleted is skipped', claim: pvc('c'), volumes: [pv('a', '1Gi', {}, { deletionTimestamp: '2026-01-01T00:00:00Z' })], want: undefined },
];
for (const c of matchCases) {
  void test(`pv match: ${c.name}`, () => {
    assert.equal(findBestMatchForClaim(c.claim, c.volumes, c.delay ?? false)?.metadata?.name, c.want);
  });
}

void test('pv match: default class is the newest annotated one', () => {
  const sc = (name: string, ts: string, def: boolean): JsonObject => ({ metadata: { name, creationTimestamp: ts, annotations: def ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} } });
  assert.equal(defaultClassName([sc('a', '2026-01-01T00:00:00Z', true), sc('b', '2026-02-01T00:00:00Z', true), sc('c', '2026-03-01T00:00:00Z', false)]), 'b');
  assert.equal(defaultClassName([sc('c', '2026-03-01T00:00:00Z', false)]), '');
});

function setup(objs: { pvs?: JsonObject[]; pvcs?: JsonObject[]; scs?: JsonObject[] }): ReturnType<typeof fixture> & { ctrl: ReturnType<typeof newPersistentVolumeBinder> } {
  const f = fixture();
  const ctrl = newPersistentVolumeBinder(f.ctx);
  if (objs.pvs?.length) { f.seed(RESOURCES.persistentvolumes, ...objs.pvs); f.client.seed(RESOURCES.persistentvolumes, ...objs.pvs); }
  if (objs.pvcs?.length) { f.seed(RESOURCES.persistentvolumeclaims, ...objs.pvcs); f.client.seed(RESOURCES.persistentvolumeclaims, ...objs.pvcs); }
  if (objs.scs?.length) f.seed(RESOURCES.storageclasses, ...objs.scs);
  return { ...f, ctrl };
}

void test('pv binder: binding writes both sides and marks them Bound', async () => {
  const f = setup({ pvs: [pv('v', '5Gi')], pvcs: [pvc('c')] });
  await f.ctrl.reconcile('claim:ns/c');
  assert.deepEqual(f.client.verbs(), ['update persistentvolumes v', 'update persistentvolumes v/status', 'update persistentvolumeclaims ns/c', 'update persistentvolumeclaims ns/c/status']);
  const [pvUpd, pvSt, pvcUpd, pvcSt] = f.client.actions.map((a) => a.object as JsonObject);
  assert.deepEqual(pvUpd.spec.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'c', uid: 'c-uid', apiVersion: 'v1', resourceVersion: '4' });
  assert.equal(pvUpd.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.deepEqual(pvSt.status, { phase: 'Bound', lastPhaseTransitionTime: '2026-01-01T00:00:00Z' });
  assert.equal(pvcUpd.spec.volumeName, 'v');
  assert.deepEqual(pvcUpd.metadata.annotations, { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
  assert.deepEqual(pvcSt.status, { phase: 'Bound', capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'] });
});

void test('pv binder: a claim naming a volume binds to it (user pre-bound), without bound-by-controller on the claim', async () => {
  const f = setup({ pvs: [pv('v', '5Gi')], pvcs: [pvc('c', '1Gi', { volumeName: 'v' })] });
  await f.ctrl.reconcile('claim:ns/c');
  const pvcUpd = f.client.actions.find((a) => a.verb === 'update' && a.resource === 'persistentvolumeclaims' && !a.subresource)?.object as JsonObject;
  assert.deepEqual(pvcUpd.metadata.annotations, { 'pv.kubernetes.io/bind-completed': 'yes' });
});

const wffc = { metadata: { name: 'local' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' };
const pendingCases: { name: string; claim: JsonObject; scs: JsonObject[]; want: string[]; reason: string }[] = [
  { name: 'WaitForFirstConsumer without a node waits', claim: pvc('c', '1Gi', { storageClassName: 'local' }), scs: [wffc], want: ['create events ns/', 'update persistentvolumeclaims ns/c/status'], reason: 'WaitForFirstConsumer' },
  {
    name: 'with a selected node the claim goes to the external provisioner', claim: pvc('c', '1Gi', { storageClassName: 'local' }, { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } }), scs: [wffc],
    want: ['patch persistentvolumeclaims ns/c', 'create events ns/', 'update persistentvolumeclaims ns/c/status'], reason: 'ExternalProvisioning',
  },
  { name: 'no class and no volume', claim: pvc('c'), scs: [], want: ['create events ns/', 'update persistentvolumeclaims ns/c/status'], reason: 'FailedBinding' },
];
for (const c of pendingCases) {
  void test(`pv binder: ${c.name}`, async () => {
    const f = setup({ pvcs: [c.claim], scs: c.scs });
    await f.ctrl.reconcile('claim:ns/c');
    assert.deepEqual(f.client.verbs().map((v) => v.replace(/ns\/c\.[0-9a-f]+$/, 'ns/')), c.want);
    assert.equal(f.client.actions.find((a) => a.resource === 'events')?.object?.reason, c.reason);
    const patch = f.client.actions.find((a) => a.verb === 'patch');
    if (patch) assert.deepEqual(patch.patch, { metadata: { annotations: { 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path', 'volume.beta.kubernetes.io/storage-provisioner': 'rancher.io/local-path' } } });
  });
}

void test('pv binder: a claim without a class gets the default class', async () => {
  const claim = pvc('c');
  delete claim.spec.storageClassName;
  const f = setup({ pvcs: [claim], scs: [{ metadata: { name: 'std', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'x' }] });
  await f.ctrl.reconcile('claim:ns/c');
  assert.deepEqual(f.client.actions.map((a) => [a.verb, a.patch]), [['patch', { spec: { storageClassName: 'std' } }]]);
});

const reclaimCases: { name: string; volume: JsonObject; want: string[] }[] = [
  { name: 'claim gone, Retain → Released, kept', volume: pv('v', '1Gi', { persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'ns', name: 'gone', uid: 'g' } }, {}, 'Bound'), want: ['get persistentvolumeclaims ns/gone', 'update persistentvolumes v/status'] },
  { name: 'claim gone, Delete → Released, deleted', volume: pv('v', '1Gi', { persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'ns', name: 'gone', uid: 'g' } }, {}, 'Bound'), want: ['get persistentvolumeclaims ns/gone', 'update persistentvolumes v/status', 'delete persistentvolumes v'] },
  {
    name: 'claim gone, Delete, external provisioner → Released, left to it',
    volume: pv('v', '1Gi', { persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'ns', name: 'gone', uid: 'g' } }, { annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }, 'Bound'),
    want: ['get persistentvolumeclaims ns/gone', 'update persistentvolumes v/status'],
  },
  { name: 'no claimRef → Available', volume: pv('v', '1Gi', {}, {}, 'Pending'), want: ['update persistentvolumes v/status'] },
  { name: 'already Available → nothing', volume: pv('v', '1Gi'), want: [] },
];
for (const c of reclaimCases) {
  void test(`pv binder volume: ${c.name}`, async () => {
    const f = setup({ pvs: [c.volume] });
    await f.ctrl.reconcile('volume:v');
    assert.deepEqual(f.client.verbs(), c.want);
  });
}
