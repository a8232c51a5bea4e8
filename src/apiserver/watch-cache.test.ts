import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStore } from '../store/index.ts';
import { ResourceCache, WrittenObjects, managedFieldsIn, rawWithRv, type CacheEvent } from './watch-cache.ts';

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

void test('ResourceCache lists, replays the ring after a revision, fans out, and bounds the window', async () => {
  const store = createMemoryStore();
  await store.create('/registry/core/configmaps/a/x', JSON.stringify({ metadata: { name: 'x' } }));
  const cache = new ResourceCache(store, '/registry/core/configmaps/', { ringSize: 3 });
  await cache.ready;
  assert.equal(cache.subscribe(0, { onEvent: () => undefined, onReset: () => undefined }), 'before-cache', 'history from before the cache is the store\'s');
  assert.equal(cache.list('/registry/core/configmaps/').items.length, 1);
  const r1 = await store.create('/registry/core/configmaps/b/y', JSON.stringify({ metadata: { name: 'y' } }));
  assert.ok(r1.ok);
  await store.create('/registry/core/other/z', '{}');
  await settle();
  const snap = cache.list('/registry/core/configmaps/b/');
  assert.deepEqual(snap.items.map((o) => o.metadata.name), ['y']);
  assert.equal(snap.items[0].metadata.resourceVersion, String(r1.kv.modRevision));
  const seen: CacheEvent[] = [];
  assert.equal(cache.subscribe(r1.kv.modRevision - 1, { onEvent: (e) => seen.push(e), onReset: () => undefined }), 'ok');
  assert.deepEqual(seen.map((e) => [e.type, e.created, e.obj.metadata.name]), [['put', true, 'y']]);
  for (let i = 0; i < 4; i++) await store.update('/registry/core/configmaps/b/y', JSON.stringify({ metadata: { name: 'y', labels: { i: String(i) } } }), (await store.get('/registry/core/configmaps/b/y'))!.modRevision);
  await settle();
  assert.equal(seen.length, 5);
  assert.equal(seen[4].prev()?.metadata.labels.i, '2');
  assert.match(seen[4].json(), /"resourceVersion":"\d+"/);
  assert.equal(cache.subscribe(r1.kv.modRevision, { onEvent: () => undefined, onReset: () => undefined }), 'too-old', 'older than the ring');
  cache.close();
  await store.close();
});

void test('rawWithRv splices the resourceVersion into canonical JSON and declines anything else', () => {
  assert.equal(rawWithRv('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{}}', 7), '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"7","name":"a"},"data":{}}');
  assert.equal(rawWithRv('{"apiVersion":"v1","kind":"X","metadata":{}}', 3), '{"apiVersion":"v1","kind":"X","metadata":{"resourceVersion":"3"}}');
  assert.equal(rawWithRv('{"spec":{"metadata":{}},"apiVersion":"v1","kind":"X","metadata":{}}', 3), undefined);
  assert.equal(rawWithRv('{"apiVersion":"v\\"1","kind":"X","metadata":{}}', 3), undefined);
  const out = rawWithRv('{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"}}', 12)!;
  assert.equal(JSON.parse(out).metadata.resourceVersion, '12');
});

void test('cached objects keep managedFields readable though unparsed; superseded states are parsed again on demand', async () => {
  const store = createMemoryStore();
  const mf = [{ manager: 'm', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }];
  const key = '/registry/core/configmaps/a/x';
  await store.create(key, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', managedFields: mf }, data: { a: '1' } }));
  const cache = new ResourceCache(store, '/registry/core/configmaps/');
  await cache.ready;
  const o = cache.get(key)!;
  assert.deepEqual(JSON.parse(JSON.stringify(o)).metadata.managedFields, mf, 'JSON.stringify sees managedFields');
  assert.deepEqual(structuredClone(o).metadata.managedFields, mf, 'a clone sees managedFields');
  assert.deepEqual({ ...o.metadata }.managedFields, mf, 'a spread sees managedFields');
  assert.deepEqual(o.metadata.managedFields, mf);
  const events: CacheEvent[] = [];
  const prevAtDelivery: unknown[] = [];
  cache.subscribe(cache.revision, { onEvent: (e) => { events.push(e); prevAtDelivery.push(e.prev()); }, onReset: () => undefined });
  await store.update(key, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', managedFields: mf }, data: { a: '2' } }), (await store.get(key))!.modRevision);
  await settle();
  assert.equal(events.length, 1);
  assert.equal(prevAtDelivery[0], o, 'at delivery, the previous state is the object the cache held (not parsed again)');
  const late: CacheEvent[] = [];
  cache.subscribe(events[0].rev - 1, { onEvent: (e) => late.push(e), onReset: () => undefined });
  assert.equal(late[0].prev()?.data.a, '1', 'a replay parses the superseded state again');
  assert.deepEqual(late[0].prev()?.metadata.managedFields, mf);
  assert.equal(cache.get(key)?.data.a, '2');
  cache.close();
  await store.close();
});

void test('a written object offered for its exact text is adopted instead of parsed; any other text is parsed', async () => {
  const store = createMemoryStore();
  const written = new WrittenObjects();
  const cache = new ResourceCache(store, '/registry/core/configmaps/', {}, written);
  await cache.ready;
  const key = '/registry/core/configmaps/a/x';
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', resourceVersion: '1', managedFields: [{ manager: 'm', operation: 'Update' }] }, data: { k: 'v' } };
  const { resourceVersion: _rv, ...metaNoRv } = obj.metadata;
  const text = JSON.stringify({ ...obj, metadata: metaNoRv });
  written.offer(key, text, obj);
  const r = await store.create(key, text);
  assert.ok(r.ok);
  await settle();
  const cached = cache.get(key)!;
  assert.equal(cached.data, obj.data, 'nested values are the writer\'s, not a parse of the text');
  assert.notEqual(cached.metadata, obj.metadata, 'metadata is the cache\'s own copy');
  assert.equal(cached.metadata.resourceVersion, String(r.kv.modRevision));
  assert.equal(obj.metadata.resourceVersion, '1', 'the writer\'s object is left as it was');
  assert.deepEqual(cached.metadata.managedFields, obj.metadata.managedFields, 'managedFields readable');
  assert.deepEqual(JSON.parse(JSON.stringify(cached)), { ...obj, metadata: { ...obj.metadata, resourceVersion: String(r.kv.modRevision) } });
  written.withdraw(key, text);
  assert.equal(written.size, 0);
  // an offer for other text at the key (a racing writer's) is not used
  written.offer(key, '{"other":true}', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wrong' } });
  const u = await store.update(key, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: 'w' } }), r.kv.modRevision);
  assert.ok(u.ok);
  await settle();
  assert.equal(cache.get(key)!.metadata.name, 'x');
  assert.equal(cache.get(key)!.data.k, 'w');
  written.withdraw(key, 'not the offered text');
  assert.equal(written.size, 1, 'withdraw leaves another writer\'s offer');
  cache.close();
  await store.close();
});

void test('managedFieldsIn cuts the managedFields array out of stored text, whatever its strings hold', () => {
  const mf = [
    { manager: 'a]b', operation: 'Update', fieldsV1: { 'f:spec': { 'k:{"name":"x]y"}': {} } } },
    { manager: 'kubelet', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { '.': {} } } },
  ];
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations: { note: '"managedFields":[1]' }, managedFields: mf }, spec: { args: ['a]', 'b'] } };
  assert.deepEqual(managedFieldsIn(JSON.stringify(obj)), mf);
  // not written by the registry (metadata not first): parsed whole, same answer
  assert.deepEqual(managedFieldsIn(JSON.stringify({ spec: {}, metadata: { managedFields: mf } })), mf);
  assert.equal(managedFieldsIn(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })), undefined);
  // more `]` in strings than the cut tries: still right, by the whole parse
  const many = [{ manager: ']]]]]]]]]]]]', operation: 'Update' }];
  assert.deepEqual(managedFieldsIn(JSON.stringify({ apiVersion: 'v1', kind: 'X', metadata: { managedFields: many } })), many);
  // escaped quotes and backslashes before brackets inside strings
  const escaped = [{ manager: 'q"]\\', operation: 'Update', fieldsV1: { 'f:data': { 'f:a\\"}]': {} } } }];
  const text = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e', managedFields: escaped, labels: { x: ']' } }, data: { k: '[' } });
  assert.deepEqual(managedFieldsIn(text), escaped);
});
