/**
 * Integration: persistentVolumeClaimRetentionPolicy with the garbage collector running — whenScaled
 * Delete hands a condemned replica's claim to the pod (the collector removes it after the pod),
 * whenDeleted Delete gives the set the remaining claims (removed with the set), Retain keeps them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { RESOURCES } from '../client/index.ts';
import { newGarbageCollector } from './garbage-collector.ts';
import { startHarness, type Harness } from './int-harness.ts';
import { newStatefulSetController } from './statefulset.ts';

const NS = 'keep';
let h: Harness;

before(async () => {
  h = await startHarness({ controllers: (ctx) => [newStatefulSetController(ctx), newGarbageCollector(ctx, { rediscoverMs: 1000 })] });
  await h.client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});

after(async () => { await h.close(); });

const set = (name: string, policy: JsonObject): JsonObject => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: NS },
  spec: {
    replicas: 2, serviceName: name, selector: { matchLabels: { app: name } }, persistentVolumeClaimRetentionPolicy: policy,
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'app:1' }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  },
});

const claims = async (name: string): Promise<string[]> =>
  (await h.client.list(RESOURCES.persistentvolumeclaims, NS)).items.filter((c) => c.metadata?.labels?.app === name && !c.metadata?.deletionTimestamp).map((c) => String(c.metadata?.name)).sort();
const ready = (name: string, n: number) => async (): Promise<boolean> => (await h.client.get(RESOURCES.statefulsets, NS, name)).status?.readyReplicas === n;

test('retention: whenScaled=Delete removes the scaled-down claim, whenDeleted=Delete removes the rest with the set', async () => {
  await h.client.create(RESOURCES.statefulsets, NS, set('gone', { whenScaled: 'Delete', whenDeleted: 'Delete' }));
  await h.eventually('2 ready', ready('gone', 2));
  const c1 = await h.client.get(RESOURCES.persistentvolumeclaims, NS, 'data-gone-1');
  assert.deepEqual((c1.metadata?.ownerReferences as JsonObject[]).map((r) => r.kind), ['StatefulSet']);
  await h.client.patch(RESOURCES.statefulsets, NS, 'gone', 'merge', { spec: { replicas: 1 } });
  await h.eventually('data-gone-1 collected', async () => JSON.stringify(await claims('gone')) === JSON.stringify(['data-gone-0']), 15_000);
  await h.client.delete(RESOURCES.statefulsets, NS, 'gone', { propagationPolicy: 'Background' });
  await h.eventually('data-gone-0 collected with the set', async () => (await claims('gone')).length === 0, 15_000);
});

test('retention: Retain/Retain keeps every claim through scale-down and deletion', async () => {
  await h.client.create(RESOURCES.statefulsets, NS, set('kept', { whenScaled: 'Retain', whenDeleted: 'Retain' }));
  await h.eventually('2 ready', ready('kept', 2));
  await h.client.patch(RESOURCES.statefulsets, NS, 'kept', 'merge', { spec: { replicas: 0 } });
  await h.eventually('scaled to 0', async () => (await h.client.get(RESOURCES.statefulsets, NS, 'kept')).status?.replicas === 0);
  await h.client.delete(RESOURCES.statefulsets, NS, 'kept', { propagationPolicy: 'Background' });
  await h.eventually('set gone', async () => (await h.client.list(RESOURCES.statefulsets, NS)).items.every((s) => s.metadata?.name !== 'kept'));
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await claims('kept'), ['data-kept-0', 'data-kept-1']);
});
