/** Unit tests of Cache and Informer with a scripted ListWatcher and a FakeClock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { Cache } from './cache.ts';
import { FakeClock } from './clock.ts';
import { Informer, isTombstone, type ListWatcher } from './informer.ts';
import type { ObjectList, WatchEvent } from './rest.ts';

const obj = (ns: string, name: string, rv: string, extra: JsonObject = {}): JsonObject => ({ metadata: { namespace: ns, name, resourceVersion: rv }, ...extra });

test('cache: byNamespace and custom indexes follow set/remove', () => {
  const c = new Cache({ byNode: (o) => (o.spec?.nodeName ? [o.spec.nodeName] : []) });
  c.set(obj('a', 'p1', '1', { spec: { nodeName: 'n1' } }));
  c.set(obj('b', 'p2', '2', { spec: { nodeName: 'n1' } }));
  c.set(obj('a', 'p1', '3', { spec: { nodeName: 'n2' } }));
  assert.deepEqual(c.byNamespace('a').map((o) => o.metadata.resourceVersion), ['3']);
  assert.deepEqual(c.byIndex('byNode', 'n1').map((o) => o.metadata.name), ['p2']);
  assert.deepEqual(c.byIndex('byNode', 'n2').map((o) => o.metadata.name), ['p1']);
  c.remove('b/p2');
  assert.deepEqual(c.byIndex('byNode', 'n1'), []);
  assert.equal(c.get('a/p1')?.metadata.resourceVersion, '3');
  assert.throws(() => c.byIndex('nope', 'x'));
});

/** Script is a ListWatcher whose lists answer from `lists` and whose watches replay `watches` in turn. */
function script(lists: ObjectList[], watches: WatchEvent[][], seen: { watchRvs: string[]; listCalls: number }): ListWatcher<JsonObject> {
  return {
    async list() { seen.listCalls++; return lists.shift() ?? { items: [], metadata: { resourceVersion: '999' } }; },
    async *watch(o) {
      seen.watchRvs.push(o.resourceVersion ?? '');
      const evs = watches.shift();
      if (!evs) { await new Promise<void>((r) => o.signal?.addEventListener('abort', () => r(), { once: true })); return; }
      for (const e of evs) yield e;
    },
  };
}

test('informer: list, watch events, resume after a normal end, 410 relist with tombstones', async () => {
  const seen = { watchRvs: [] as string[], listCalls: 0 };
  const lw = script(
    [
      { items: [obj('ns', 'a', '10'), obj('ns', 'b', '11')], metadata: { resourceVersion: '11' } },
      { items: [obj('ns', 'a', '30'), obj('ns', 'c', '31')], metadata: { resourceVersion: '31' } },
    ],
    [
      [{ type: 'MODIFIED', object: obj('ns', 'a', '12') }, { type: 'ADDED', object: obj('ns', 'x', '13') }, { type: 'DELETED', object: obj('ns', 'x', '14') }, { type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } }],
      [{ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } }],
    ],
    seen,
  );
  const inf = new Informer(lw, { clock: new FakeClock() });
  const log: string[] = [];
  inf.addEventHandler({
    add: (o) => log.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
    update: (a, b) => log.push(`update ${b.metadata.name} ${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
    delete: (o) => log.push(isTombstone(o) ? `tombstone ${o.key}` : `delete ${o.metadata.name}`),
  });
  const stop = new AbortController();
  const run = inf.run(stop.signal);
  assert.equal(await inf.waitForSync(), true);
  while (seen.watchRvs.length < 3) await new Promise((r) => setImmediate(r));
  stop.abort();
  await run;
  assert.deepEqual(log, [
    'add a@10', 'add b@11',
    'update a 10->12', 'add x@13', 'delete x',
    'update a 12->30', 'add c@31', 'tombstone ns/b',
  ]);
  assert.deepEqual(seen.watchRvs, ['11', '20', '31'], 'resumed from the bookmark, then from the relist');
  assert.equal(seen.listCalls, 2);
  assert.equal(inf.relists, 2);
  assert.deepEqual(inf.cache.keys().sort(), ['ns/a', 'ns/c']);
});

test('informer: list errors back off on the clock and are reported; resync re-delivers updates', async () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  let calls = 0;
  const lw: ListWatcher<JsonObject> = {
    async list() {
      calls++;
      if (calls === 1) throw new Error('connection refused');
      return { items: [obj('', 'n1', '5')], metadata: { resourceVersion: '5' } };
    },
    async *watch(o) { await new Promise<void>((r) => o.signal?.addEventListener('abort', () => r(), { once: true })); },
  };
  const inf = new Informer(lw, { clock, resyncMs: 1000, onError: (e) => errors.push(e) });
  let updates = 0;
  inf.addEventHandler({ update: () => updates++ });
  const stop = new AbortController();
  const run = inf.run(stop.signal);
  while (errors.length === 0) await new Promise((r) => setImmediate(r));
  assert.equal(inf.hasSynced(), false);
  clock.step(800);
  assert.equal(await inf.waitForSync(), true);
  clock.step(1000);
  assert.equal(updates, 1);
  stop.abort();
  await run;
  assert.equal(clock.pending, 0, 'no timers left behind');
});

test('a handler added after sync gets the cached objects as adds', async () => {
  const seen = { watchRvs: [] as string[], listCalls: 0 };
  const inf = new Informer(script([{ items: [obj('n', 'a', '1')], metadata: { resourceVersion: '1' } }], [], seen), { clock: new FakeClock() });
  const stop = new AbortController();
  const run = inf.run(stop.signal);
  await inf.waitForSync();
  const adds: string[] = [];
  inf.addEventHandler({ add: (o) => adds.push(o.metadata.name) });
  assert.deepEqual(adds, ['a']);
  stop.abort();
  await run;
});
