/**
 * @module apiserver/registry/resource-store.test — updates that start from the watch cache's copy
 * (as upstream's GuaranteedUpdate): with the real kinds and a memory store, the copy is used when
 * fresh, and a stale copy (planted in the cache) costs a retry from the store, never a lost write,
 * a wrong conflict or a skipped change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KindInfo } from '../../api/index.ts';
import { createMemoryStore } from '../../store/index.ts';
import { loadDefaultDeps } from '../deps.ts';
import { WatchCaches, type ResourceCache } from '../watch-cache.ts';
import { Catalog, storageKey, storagePrefix } from './catalog.ts';
import { mergePatchInto, mergePatchSpine } from '../patch/merge-patch.ts';
import { ResourceRegistry, type WriteOptions } from './resource-store.ts';
import { bindPod } from '../pod-subresources.ts';

const W: WriteOptions = { dryRun: false, fieldManager: 'test', fieldValidation: 'Strict' };

async function setup(): Promise<{ registry: ResourceRegistry; caches: WatchCaches; plant: (o: JsonObject) => void; close: () => Promise<void> }> {
  const deps = await loadDefaultDeps();
  const store = createMemoryStore();
  const catalog = new Catalog(deps.kinds, deps.schemas);
  const caches = new WatchCaches(store);
  const registry = new ResourceRegistry({ store, catalog, deps, caches, now: Date.now, admission: null });
  const cms = catalog.lookup('', 'v1', 'configmaps')!;
  const cache = await caches.get(storagePrefix(cms));
  const realGet = cache.get.bind(cache);
  let planted: JsonObject | undefined;
  cache.get = (key: string) => (planted && key === storageKey(cms, 'default', String(planted.metadata.name)) ? planted : realGet(key));
  return { registry, caches, plant: (o) => { planted = o; }, close: async () => { caches.close(); await store.close(); } };
}

/** cachedPod creates pod `name` (with `meta` added to its metadata) and returns the watch cache's
 * copy of it with a snapshot of its JSON, to check later that no update changed it in place. */
async function cachedPod(registry: ResourceRegistry, caches: WatchCaches, name: string, meta: JsonObject = {}): Promise<{ pods: KindInfo; cache: ResourceCache; key: string; before: JsonObject; snapshot: string }> {
  const pods = registry.r.catalog.lookup('', 'v1', 'pods')!;
  await registry.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec: { containers: [{ name: 'c', image: 'x' }] } }, W);
  const cache = await caches.get(storagePrefix(pods));
  const key = storageKey(pods, 'default', name);
  const before = cache.get(key)!;
  return { pods, cache, key, before, snapshot: JSON.stringify(before) };
}

void test('an update reads the watch cache copy; a stale one is retried from the store for every doubtful outcome', async () => {
  const { registry, caches, plant, close } = await setup();
  const cms = registry.r.catalog.lookup('', 'v1', 'configmaps')!;
  const created = await registry.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { v: '1' } }, W);
  const v1 = structuredClone(created.obj);
  await registry.update(cms, 'default', 'a', (cur) => ({ ...cur, data: { v: '2' } }), W);
  const current = await registry.get(cms, 'default', 'a');
  assert.equal(caches.written.size, 0, 'no offer left behind');

  // fresh copy: used as is (the mutation sees the cached state)
  let seen: JsonObject | undefined;
  await registry.update(cms, 'default', 'a', (cur) => { seen = structuredClone(cur); return { ...cur, data: { v: '3' } }; }, W);
  assert.equal(seen?.data.v, '2');
  assert.equal((await registry.get(cms, 'default', 'a')).data.v, '3');

  // stale copy, unconditional update: the compare-and-swap fails, the retry reads the store
  plant(v1);
  const bases: string[] = [];
  const out = await registry.update(cms, 'default', 'a', (cur) => { bases.push(cur.data.v); return { ...cur, data: { ...cur.data, w: 'x' } }; }, W);
  assert.deepEqual(bases, ['1', '3'], 'tried on the stale copy, then on the stored object');
  assert.deepEqual(out.obj.data, { v: '3', w: 'x' }, 'the change applies to the stored object, not the stale one');

  // stale copy, conditional update naming the current resourceVersion: not a conflict
  const now = await registry.get(cms, 'default', 'a');
  const cond = await registry.update(cms, 'default', 'a', (cur) => ({ ...cur, metadata: { ...cur.metadata, resourceVersion: now.metadata.resourceVersion }, data: { v: '4' } }), W);
  assert.equal(cond.obj.data.v, '4');

  // stale copy that already looks like the result: the change is still written
  plant({ ...structuredClone(v1), data: { v: '5' } });
  const same = await registry.update(cms, 'default', 'a', (cur) => ({ ...cur, data: { v: '5' } }), W);
  assert.equal(same.obj.data.v, '5');
  assert.equal((await registry.get(cms, 'default', 'a')).data.v, '5');

  // a conditional update naming an old resourceVersion is still a conflict
  await assert.rejects(registry.update(cms, 'default', 'a', (cur) => ({ ...cur, metadata: { ...cur.metadata, resourceVersion: current.metadata.resourceVersion }, data: { v: '6' } }), W), (e: { status?: JsonObject }) => e.status?.code === 409);
  assert.equal((await registry.get(cms, 'default', 'a')).data.v, '5');
  await close();
});

void test('a status update from the cached copy leaves the cached object unchanged', async () => {
  const { registry, caches, close } = await setup();
  const { pods, cache, key, before, snapshot } = await cachedPod(registry, caches, 'p');
  await registry.update(pods, 'default', 'p', (cur) => ({ ...cur, status: { phase: 'Running' } }), { ...W, fieldManager: 'kubelet' }, 'status');
  assert.equal(JSON.stringify(before), snapshot, 'the superseded cached object was not changed in place');
  const after = cache.get(key)!;
  assert.equal(after.status.phase, 'Running');
  assert.deepEqual(after.metadata.managedFields.map((e: JsonObject) => [e.manager, e.subresource ?? '']), [['kubelet', 'status'], ['test', '']]);
  await close();
});

void test('a write answers with its stored text (resourceVersion spliced in), equal to the object it returns', async () => {
  const { registry, close } = await setup();
  const cms = registry.r.catalog.lookup('', 'v1', 'configmaps')!;
  const created = await registry.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j', labels: { a: 'b' } }, data: { k: 'v' } }, W);
  assert.ok(created.json);
  assert.deepEqual(JSON.parse(created.json), JSON.parse(JSON.stringify(created.obj)));
  const updated = await registry.update(cms, 'default', 'j', (cur) => ({ ...cur, data: { k: 'w' } }), W);
  assert.ok(updated.json);
  assert.deepEqual(JSON.parse(updated.json), JSON.parse(JSON.stringify(updated.obj)));
  assert.equal(JSON.parse(updated.json).metadata.resourceVersion, (await registry.get(cms, 'default', 'j')).metadata.resourceVersion);
  const dry = await registry.update(cms, 'default', 'j', (cur) => ({ ...cur, data: { k: 'x' } }), { ...W, dryRun: true });
  assert.equal(dry.json, undefined, 'nothing was stored, so there is no stored text');
  await close();
});

void test('a merge patch through the cached copy changes nothing of the cached object (copied along the patch only)', async () => {
  const { registry, caches, close } = await setup();
  const { pods, cache, key, before, snapshot } = await cachedPod(registry, caches, 'm', { labels: { a: '1' } });
  const patch = { metadata: { labels: { a: null, b: '2' } }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
  const copyForMutation = (cur: JsonObject): JsonObject => mergePatchSpine(cur, patch) as JsonObject;
  const status = await registry.update(pods, 'default', 'm', (cur) => mergePatchInto(cur, structuredClone(patch)) as JsonObject, { ...W, copyForMutation }, 'status');
  assert.equal(JSON.stringify(before), snapshot, 'cached object unchanged by the status patch');
  assert.equal(status.obj.status.phase, 'Running');
  assert.deepEqual(status.obj.metadata.labels, { a: '1' }, 'a status patch leaves labels alone');
  const mid = cache.get(key)!;
  const midSnapshot = JSON.stringify(mid);
  const main = await registry.update(pods, 'default', 'm', (cur) => mergePatchInto(cur, structuredClone(patch)) as JsonObject, { ...W, copyForMutation });
  assert.equal(JSON.stringify(mid), midSnapshot, 'cached object unchanged by the main-resource patch');
  assert.deepEqual(main.obj.metadata.labels, { b: '2' });
  assert.equal(main.obj.status.phase, 'Running', 'status kept through the main resource');
  await close();
});

void test('a replacing update (PUT) reads the cached object itself, uncopied, and leaves it unchanged', async () => {
  const { registry, caches, close } = await setup();
  const { pods, before, snapshot } = await cachedPod(registry, caches, 'r');
  const seen: JsonObject[] = [];
  const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'r', labels: { put: 'yes' } }, spec: { containers: [{ name: 'c', image: 'y' }] }, status: { phase: 'Failed' } };
  const put = await registry.update(pods, 'default', 'r', (cur) => { seen.push(cur); return structuredClone(body); }, { ...W, replacesCurrent: true });
  assert.equal(seen[0], before, 'the mutation got the cached object, not a copy');
  assert.equal(JSON.stringify(before), snapshot, 'cached object unchanged by the update');
  assert.equal(put.obj.spec.containers[0].image, 'y');
  assert.deepEqual(put.obj.metadata.labels, { put: 'yes' });
  assert.equal(put.obj.status.phase, 'Pending', 'status kept through the main resource');
  await close();
});

void test('a binding through the cached copy (a top-level copy) leaves the cached pod unchanged', async () => {
  const { registry, caches, close } = await setup();
  const { pods, before, snapshot } = await cachedPod(registry, caches, 'b', { annotations: { a: '1' } });
  await bindPod(registry, pods, 'default', 'b', { metadata: { name: 'b', annotations: { bound: 'yes' } }, target: { kind: 'Node', name: 'n1' } }, false);
  assert.equal(JSON.stringify(before), snapshot, 'cached object unchanged by the binding');
  const after = await registry.get(pods, 'default', 'b');
  assert.equal(after.spec.nodeName, 'n1');
  assert.deepEqual(after.metadata.annotations, { a: '1', bound: 'yes' });
  assert.deepEqual(after.spec.containers, before.spec.containers);
  assert.deepEqual(after.metadata.managedFields, before.metadata.managedFields, 'binding adds no managedFields entry');
  await close();
});

void test('a watch cache answers reads only once it has seen this registry\'s own writes (one fed by etcd trails them)', async () => {
  const { registry, caches, close } = await setup();
  const cms = registry.r.catalog.lookup('', 'v1', 'configmaps')!;
  const cache = await caches.get(storagePrefix(cms));
  await registry.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f' } }, W);
  assert.equal(registry.freshCache(cms), cache);
  const rev = cache.revision;
  cache.revision = rev - 1; // as if the write's event were still on its way
  assert.equal(registry.freshCache(cms), undefined, 'reads go to the store');
  const bases: string[] = [];
  await registry.update(cms, 'default', 'f', (cur) => { bases.push(String(cur.metadata.resourceVersion)); return { ...cur, data: { a: 'b' } }; }, W);
  assert.deepEqual(bases, [String(rev)], 'the update read the store once, not the trailing cache');
  assert.equal(registry.freshCache(cms), cache, 'its own event brought the cache up to date');
  await close();
});
