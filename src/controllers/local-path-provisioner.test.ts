/**
 * Unit tests of the local-path provisioner (FakeClient + FakeClock): the default class, the shape of
 * a provisioned PV, which claims are provisioned, and deletion of Released volumes it provisioned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { localPathStorageClass, localPathVolume, newLocalPathProvisioner } from './local-path-provisioner.ts';
import { fixture, RESOURCES } from './testing.ts';

const SC: JsonObject = { ...localPathStorageClass(), reclaimPolicy: 'Retain', mountOptions: ['noatime'] };
function claim(annotations: Record<string, string>, extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'web', uid: 'u-1', resourceVersion: '8', annotations },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, storageClassName: 'local-path', ...extra },
  };
}
const handed = { 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path', 'volume.kubernetes.io/selected-node': 'node-a' };

void test('local-path: the PV shape', () => {
  assert.deepEqual(localPathVolume(claim(handed), SC, 'node-a', '/var/lib/windlass/storage/'), {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: 'pvc-u-1', annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } },
    spec: {
      capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'local-path', volumeMode: 'Filesystem',
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'web', name: 'data', uid: 'u-1', resourceVersion: '8' },
      hostPath: { path: '/var/lib/windlass/storage/pvc-u-1_web_data', type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }] } },
      mountOptions: ['noatime'],
    },
  });
});

void test('local-path: the default class is created when missing, not when present', async () => {
  const f = fixture();
  const ctrl = newLocalPathProvisioner(f.ctx, { storageDir: '/s' });
  ctrl.started?.();
  assert.equal(ctrl.queue.len(), 1);
  await ctrl.reconcile('storageclass');
  assert.deepEqual(f.client.verbs(), ['create storageclasses local-path']);
  const sc = f.client.actions[0].object as JsonObject;
  assert.equal(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class'], 'true');
  assert.equal(sc.reclaimPolicy, 'Delete');
  f.seed(RESOURCES.storageclasses, sc);
  await ctrl.reconcile('storageclass');
  assert.equal(f.client.actions.length, 1);
});

const cases: { name: string; pvc: JsonObject; want: string[] }[] = [
  { name: 'handed over with a selected node → PV created', pvc: claim(handed), want: ['create persistentvolumes pvc-u-1'] },
  { name: 'no selected node → waits', pvc: claim({ 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path' }), want: [] },
  { name: 'not handed over by the binder → waits', pvc: claim({ 'volume.kubernetes.io/selected-node': 'node-a' }), want: [] },
  { name: 'already bound → nothing', pvc: claim(handed, { volumeName: 'x' }), want: [] },
  { name: 'another class → nothing', pvc: claim(handed, { storageClassName: 'other' }), want: [] },
];
for (const c of cases) {
  void test(`local-path claim: ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newLocalPathProvisioner(f.ctx, { storageDir: '/s' });
    f.seed(RESOURCES.storageclasses, localPathStorageClass(), { metadata: { name: 'other' }, provisioner: 'example.com/x' });
    f.seed(RESOURCES.persistentvolumeclaims, c.pvc);
    await ctrl.reconcile('claim:web/data');
    assert.deepEqual(f.client.verbs(), c.want);
  });
}

const volCases: { name: string; pv: JsonObject; want: string[] }[] = [
  { name: 'Released + Delete, ours → deleted', pv: { metadata: { name: 'v', uid: 'v1', annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }, spec: { persistentVolumeReclaimPolicy: 'Delete' }, status: { phase: 'Released' } }, want: ['delete persistentvolumes v'] },
  { name: 'Released + Retain → kept', pv: { metadata: { name: 'v', uid: 'v1', annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }, spec: { persistentVolumeReclaimPolicy: 'Retain' }, status: { phase: 'Released' } }, want: [] },
  { name: 'Bound → kept', pv: { metadata: { name: 'v', uid: 'v1', annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }, spec: { persistentVolumeReclaimPolicy: 'Delete' }, status: { phase: 'Bound' } }, want: [] },
  { name: 'not ours → kept', pv: { metadata: { name: 'v', uid: 'v1' }, spec: { persistentVolumeReclaimPolicy: 'Delete' }, status: { phase: 'Released' } }, want: [] },
];
for (const c of volCases) {
  void test(`local-path volume: ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newLocalPathProvisioner(f.ctx, { storageDir: '/s' });
    f.seed(RESOURCES.persistentvolumes, c.pv);
    f.client.react((a) => (a.verb === 'delete' ? {} : undefined));
    await ctrl.reconcile('volume:v');
    assert.deepEqual(f.client.verbs(), c.want);
  });
}
