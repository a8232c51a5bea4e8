import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../store/index.ts';
import { Compactor } from './compactor.ts';

void test('Compactor compacts to the revision of the previous tick, keeping one interval of history', async () => {
  const store = createMemoryStore();
  const c = new Compactor(store, 0);
  await store.create('/a', '1');
  await c.tick(); // records revision 1, compacts nothing
  assert.equal(await store.compactRevision(), 0);
  await store.create('/b', '2');
  await store.create('/c', '3');
  await c.tick(); // compacts to 1, records 3
  assert.equal(await store.compactRevision(), 1);
  const old = await store.list('/', { revision: 0 + 1 });
  assert.equal(old.ok, true, 'the compact revision itself stays readable');
  await c.tick(); // compacts to 3
  assert.equal(await store.compactRevision(), 3);
  const gone = await store.list('/', { revision: 2 });
  assert.equal(gone.ok, false, 'a revision below the compact revision is gone');
  await store.close();
});

void test('Compactor ticks on its interval and stops cleanly', async () => {
  const store = createMemoryStore();
  let fire: (() => void) | undefined;
  let cleared = false;
  const c = new Compactor(store, 1000, {
    setInterval: (fn) => { fire = fn; return {}; },
    clearInterval: () => { cleared = true; },
  });
  await store.create('/a', '1');
  c.start();
  await store.create('/b', '2');
  await c.stop();
  assert.equal(cleared, true);
  assert.ok(fire, 'an interval was scheduled');
  await store.close();
});
