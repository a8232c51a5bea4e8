import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { defaultStorageClass, IS_DEFAULT_CLASS, BETA_IS_DEFAULT_CLASS, BETA_STORAGE_CLASS } from './default-storage-class.ts';
import { attrs, fakeContext, kindOf } from './testing.ts';

const PVCS = kindOf('', 'persistentvolumeclaims', 'PersistentVolumeClaim');
const sc = (name: string, created: string, ann: Record<string, string> = {}): { group: string; resource: string; obj: JsonObject } =>
  ({ group: 'storage.k8s.io', resource: 'storageclasses', obj: { metadata: { name, creationTimestamp: created, annotations: ann }, provisioner: 'x' } });
const pvc = (spec: JsonObject = {}, annotations?: Record<string, string>): JsonObject =>
  ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'ns', ...(annotations ? { annotations } : {}) }, spec: { accessModes: ['ReadWriteOnce'], ...spec } });

void test('DefaultStorageClass fills storageClassName from the (newest) default class', async () => {
  const yes = { [IS_DEFAULT_CLASS]: 'true' };
  const cases: { name: string; classes: ReturnType<typeof sc>[]; obj: JsonObject; op?: 'CREATE' | 'UPDATE'; want: unknown }[] = [
    { name: 'one default', classes: [sc('fast', '2026-01-01T00:00:00Z', yes), sc('slow', '2026-01-02T00:00:00Z')], obj: pvc(), want: 'fast' },
    { name: 'newest default wins', classes: [sc('old', '2026-01-01T00:00:00Z', yes), sc('new', '2026-02-01T00:00:00Z', yes)], obj: pvc(), want: 'new' },
    { name: 'tie: first name', classes: [sc('b', '2026-01-01T00:00:00Z', yes), sc('a', '2026-01-01T00:00:00Z', yes)], obj: pvc(), want: 'a' },
    { name: 'beta annotation counts', classes: [sc('beta', '2026-01-01T00:00:00Z', { [BETA_IS_DEFAULT_CLASS]: 'true' })], obj: pvc(), want: 'beta' },
    { name: 'no default', classes: [sc('x', '2026-01-01T00:00:00Z', { [IS_DEFAULT_CLASS]: 'false' })], obj: pvc(), want: undefined },
    { name: 'explicit class kept', classes: [sc('fast', '2026-01-01T00:00:00Z', yes)], obj: pvc({ storageClassName: 'mine' }), want: 'mine' },
    { name: 'empty class means none', classes: [sc('fast', '2026-01-01T00:00:00Z', yes)], obj: pvc({ storageClassName: '' }), want: '' },
    { name: 'beta PVC annotation kept', classes: [sc('fast', '2026-01-01T00:00:00Z', yes)], obj: pvc({}, { [BETA_STORAGE_CLASS]: 'b' }), want: undefined },
    { name: 'updates untouched', classes: [sc('fast', '2026-01-01T00:00:00Z', yes)], obj: pvc(), op: 'UPDATE', want: undefined },
  ];
  for (const c of cases) {
    const a = attrs(c.op ?? 'CREATE', PVCS, c.obj);
    await defaultStorageClass().admit!(a, fakeContext(c.classes));
    assert.equal(a.object!.spec.storageClassName, c.want, c.name);
  }
});
