import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInterner } from '../api/index.ts';
import { createMemoryStore } from '../store/index.ts';
import { decodeCached, Entry, stringifyCached } from './cached-object.ts';
import { ResourceCache, type CacheEvent } from './watch-cache.ts';

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

const MF = [
  { manager: 'a]b', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:k]': {} } } },
  { manager: 'kubelet', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { '.': {} } } },
];

/** pod is a stored text as the registry writes it (apiVersion, kind, metadata first). */
function stored(name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'a', annotations: { n: '"managedFields":[]' }, managedFields: MF }, data: { k: 'v]' }, ...extra });
}

/** compacts: the managedFields stay unparsed throughout (the text is in the registry's key order). */
const cases: { name: string; text: string; compacts: boolean }[] = [
  { name: 'with managedFields', text: stored('x'), compacts: true },
  { name: 'without managedFields', text: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' }, data: {} }), compacts: true },
  { name: 'only managedFields in metadata', text: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { managedFields: MF } }), compacts: true },
  { name: 'not in the registry\'s key order', text: JSON.stringify({ data: { a: '1' }, metadata: { managedFields: MF, name: 'z' }, kind: 'ConfigMap', apiVersion: 'v1' }), compacts: false },
];

for (const c of cases) {
  void test(`a compacted entry serializes to the same object, managedFields still unparsed (${c.name})`, () => {
    const kv = { key: '/registry/core/configmaps/a/x', value: c.text, createRevision: 5, modRevision: 9 };
    const want = { ...JSON.parse(c.text) as Record<string, any> };
    want.metadata = { ...want.metadata, resourceVersion: '9' };
    const e = new Entry(kv, decodeCached(kv));
    assert.deepEqual(JSON.parse(e.json()), want, 'from the stored text');
    e.compact();
    assert.equal(e.compacted, true);
    assert.deepEqual(JSON.parse(e.json()), want, 'from the parsed form');
    assert.deepEqual(JSON.parse(e.json()), want, 'twice');
    // Text the registry wrote: serializing did not parse the detached managedFields (the property
    // is still the accessor). Other text cannot be cut: it is parsed whole, once.
    const d = Object.getOwnPropertyDescriptor(e.obj.metadata, 'managedFields');
    assert.equal(d === undefined || typeof d.get === 'function', c.compacts);
    assert.deepEqual(e.obj.metadata.managedFields, want.metadata.managedFields, 'readable after compaction');
    assert.deepEqual(JSON.parse(stringifyCached(e.obj)), want, 'and after it was read');
  });
}

void test('the interner shares equal strings between decoded objects without changing them', () => {
  const intern = createInterner();
  const a = decodeCached({ key: 'k1', value: stored('x'), createRevision: 1, modRevision: 1 }, intern);
  const b = decodeCached({ key: 'k2', value: stored('x'), createRevision: 2, modRevision: 2 }, intern);
  assert.deepEqual(a.data, { k: 'v]' });
  assert.ok(intern.size > 0);
  assert.deepEqual(a.metadata.managedFields, MF);
  assert.deepEqual(b.metadata.managedFields, MF);
});

void test('the cache drops the stored text of objects whose last event left the ring, and of the initial list', async () => {
  const store = createMemoryStore();
  const key = (n: string): string => `/registry/core/configmaps/a/${n}`;
  await store.create(key('old'), stored('old'));
  const cache = new ResourceCache(store, '/registry/core/configmaps/', { ringSize: 4 });
  await cache.ready;
  const want = (name: string, rv: number): unknown => {
    const o = JSON.parse(stored(name)) as Record<string, any>;
    o.metadata.resourceVersion = String(rv);
    return o;
  };
  const listed = (n: string): string => cache.list(key(n)).entries.find((e) => e.key === key(n))!.json();
  const oldRv = Number(cache.get(key('old'))!.metadata.resourceVersion);
  assert.deepEqual(JSON.parse(listed('old')), want('old', oldRv), 'a listed object serializes from its parsed form');
  const revs: number[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await store.create(key(`n${i}`), stored(`n${i}`));
    assert.ok(r.ok);
    revs.push(r.kv.modRevision);
  }
  await settle();
  // The ring (4, trimmed at 5) dropped n0 and n1's events: their entries are compacted, and still right.
  for (let i = 0; i < 6; i++) assert.deepEqual(JSON.parse(listed(`n${i}`)), want(`n${i}`, revs[i]));
  assert.deepEqual(cache.get(key('n0'))!.metadata.managedFields, MF);
  // A watcher resuming inside the ring still gets the events' text.
  const lines: string[] = [];
  assert.equal(cache.subscribe(revs[3], { onEvent: (e) => lines.push(e.json()), onReset: () => undefined }), 'ok');
  assert.deepEqual(lines.map((l) => JSON.parse(l).metadata.name), ['n4', 'n5']);
  // An update of a compacted object: its event's previous state is right live and on replay.
  const before = (await store.get(key('n0')))!;
  const prevAtDelivery: unknown[] = [];
  cache.subscribe(cache.revision, { onEvent: (e) => prevAtDelivery.push(e.prev()?.data), onReset: () => undefined });
  const upd = await store.update(key('n0'), stored('n0', { data: { k: 'changed' } }), before.modRevision);
  assert.ok(upd.ok);
  await settle();
  assert.deepEqual(prevAtDelivery, [{ k: 'v]' }]);
  const replayed: CacheEvent[] = [];
  assert.equal(cache.subscribe(upd.kv.modRevision - 1, { onEvent: (e) => replayed.push(e), onReset: () => undefined }), 'ok');
  assert.deepEqual(replayed.map((e) => [e.prev()?.data, e.obj.data]), [[{ k: 'v]' }, { k: 'changed' }]]);
  cache.close();
  await store.close();
});
