/** Unit tests of InformerFactory views and informer transforms, against the FakeClient. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { FakeClock } from './clock.ts';
import { FakeClient } from './fake.ts';
import { InformerFactory } from './factory.ts';
import { stripManagedFields } from './informer.ts';
import { RESOURCES } from './resources.ts';

const pod = (name: string, rv: string): JsonObject => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { namespace: 'ns', name, resourceVersion: rv, managedFields: [{ manager: 'm', operation: 'Update' }] },
});

test('views share one informer and cache; a view\'s handlers go when its signal aborts, the informer keeps running', async () => {
  const client = new FakeClient().seed(RESOURCES.pods, pod('a', '1'));
  const root = new InformerFactory(client, { clock: new FakeClock(), transform: stripManagedFields });
  const life = new AbortController();
  root.start(life.signal);
  const [v1, v2] = [root.view(), root.view()];
  const i1 = v1.forResource(RESOURCES.pods);
  const i2 = v2.forResource(RESOURCES.pods);
  assert.equal(i1.cache, i2.cache, 'one cache for both views');
  const seen: string[] = [];
  i1.addEventHandler({ add: (o) => seen.push(`v1 ${o.metadata.name}`) });
  i2.addEventHandler({ add: (o) => seen.push(`v2 ${o.metadata.name}`) });
  const lead1 = new AbortController();
  v1.start(lead1.signal);
  v2.start(new AbortController().signal);
  assert.equal(await v1.waitForSync(), true);
  assert.equal(await v2.waitForSync(), true);
  assert.deepEqual(seen.sort(), ['v1 a', 'v2 a']);
  assert.equal(i1.cache.get('ns/a')?.metadata.managedFields, undefined, 'transform dropped managedFields');
  assert.equal(client.actions.filter((a) => a.verb === 'list').length, 1, 'listed once');

  lead1.abort();
  await v1.stopped();
  i1.addEventHandler({ add: () => seen.push('late') });
  client.emit(RESOURCES.pods, { type: 'ADDED', object: pod('b', '2') });
  for (let i = 0; i < 20 && !i2.cache.get('ns/b'); i++) await new Promise((r) => setImmediate(r));
  assert.ok(i2.cache.get('ns/b'), 'informer still running after a view stopped');
  assert.deepEqual(seen.sort(), ['v1 a', 'v2 a', 'v2 b']);

  life.abort();
  await root.stopped();
});
