/**
 * @module controllers/pv-binder.int.test — the PV binder and the local-path provisioner against a
 * real API server: the default class appears, a WaitForFirstConsumer claim waits, then with a
 * selected node gets a provisioned hostPath PV and both are Bound; deleting the claim releases and
 * deletes the PV. A static PV binds an Immediate claim and is kept Released under Retain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES } from '../client/index.ts';
import { newLocalPathProvisioner } from './local-path-provisioner.ts';
import { newPersistentVolumeBinder } from './pv-binder.ts';
import { startHarness } from './int-harness.ts';

function claim(name: string, extra: JsonObject = {}, annotations: Record<string, string> = {}): JsonObject {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default', annotations }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...extra } };
}

void test('pv binder + local-path provisioner', async (t) => {
  const h = await startHarness({ controllers: (ctx) => [newPersistentVolumeBinder(ctx), newLocalPathProvisioner(ctx, { storageDir: '/var/lib/windlass/storage' })], stubKubelet: false });
  t.after(() => h.close());
  const get = async (r: typeof RESOURCES.pods, ns: string, name: string): Promise<JsonObject | undefined> => {
    try { return await h.client.get(r, ns, name); } catch (e) { if (isStatusError(e, 404)) return undefined; throw e; }
  };

  await t.test('the local-path class is created as the default', async () => {
    const sc = await h.eventually('storage class', () => get(RESOURCES.storageclasses, '', 'local-path'));
    assert.equal(sc.provisioner, 'rancher.io/local-path');
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
  });

  await t.test('a claim is provisioned once a node is selected, then bound; deleting it deletes the PV', async () => {
    // No class named: the default class is assigned retroactively.
    await h.client.create(RESOURCES.persistentvolumeclaims, 'default', claim('data'));
    await h.eventually('default class assigned and Pending', async () => {
      const c = await get(RESOURCES.persistentvolumeclaims, 'default', 'data');
      return c?.spec?.storageClassName === 'local-path' && c.status?.phase === 'Pending';
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await h.client.list(RESOURCES.persistentvolumes, '')).items.length, 0, 'nothing provisioned before a node is selected');
    await h.client.patch(RESOURCES.persistentvolumeclaims, 'default', 'data', 'merge', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-a' } } });
    const pvc = await h.eventually('claim Bound', async () => {
      const c = await get(RESOURCES.persistentvolumeclaims, 'default', 'data');
      return c?.status?.phase === 'Bound' ? c : undefined;
    });
    const pvName = `pvc-${String(pvc.metadata?.uid)}`;
    assert.equal(pvc.spec?.volumeName, pvName);
    assert.equal(pvc.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    assert.equal(pvc.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.deepEqual(pvc.status?.capacity, { storage: '1Gi' });
    const pv = await h.eventually('PV Bound', async () => {
      const v = await get(RESOURCES.persistentvolumes, '', pvName);
      return v?.status?.phase === 'Bound' ? v : undefined;
    });
    assert.equal(pv.spec?.hostPath?.path, `/var/lib/windlass/storage/${pvName}_default_data`);
    assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, ['node-a']);
    assert.equal(pv.spec?.claimRef?.uid, pvc.metadata?.uid);
    await h.client.delete(RESOURCES.persistentvolumeclaims, 'default', 'data');
    await h.eventually('PV deleted', async () => !(await get(RESOURCES.persistentvolumes, '', pvName)));
  });

  await t.test('a static PV binds an Immediate claim and stays Released under Retain', async () => {
    await h.client.create(RESOURCES.persistentvolumes, '', {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'static-1' },
      spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: '', hostPath: { path: '/srv/static-1' } },
    });
    await h.client.create(RESOURCES.persistentvolumeclaims, 'default', claim('static', { storageClassName: '' }));
    await h.eventually('claim bound to the static PV', async () => {
      const c = await get(RESOURCES.persistentvolumeclaims, 'default', 'static');
      return c?.status?.phase === 'Bound' && c.spec?.volumeName === 'static-1';
    });
    await h.client.delete(RESOURCES.persistentvolumeclaims, 'default', 'static');
    const pv = await h.eventually('PV Released', async () => {
      const v = await get(RESOURCES.persistentvolumes, '', 'static-1');
      return v?.status?.phase === 'Released' ? v : undefined;
    });
    assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  });
});
