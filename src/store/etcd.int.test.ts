/**
 * @module store/etcd.int.test — the etcd backend against a real etcd (Debian's etcd-server).
 * Fails loudly when etcd is not installed (scripts/setup.sh --test installs it).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runStoreConformance } from './conformance.ts';
import { openEtcdStore } from './etcd.ts';
import { startEtcd, type RunningEtcd } from './etcd-testing.ts';

let etcd: RunningEtcd | undefined;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

runStoreConformance('etcd', async () => {
  if (!etcd) throw new Error('etcd did not start (see the before hook error)');
  return openEtcdStore([etcd.endpoint]);
});

void test('etcd: a fresh client learns the compact revision from etcd itself', async () => {
  if (!etcd) throw new Error('etcd did not start');
  const writer = await openEtcdStore([etcd.endpoint]);
  const reader = await openEtcdStore([etcd.endpoint]);
  try {
    const a = await writer.create('/fresh/a', '1');
    assert.ok(a.ok);
    const b = await writer.update('/fresh/a', '2', a.revision);
    assert.ok(b.ok);
    const c = await writer.create('/fresh/c', '3');
    assert.ok(c.ok);
    await writer.compact(b.revision);
    // `reader` never compacted: it must get these answers from etcd, not from a local cache.
    assert.deepEqual(await reader.list('/fresh/', { revision: a.revision }), { ok: false, reason: 'Compacted', compactRevision: b.revision });
    assert.equal(await reader.compactRevision(), b.revision);
    const reader2 = await openEtcdStore([etcd.endpoint]);
    try {
      const compacted = await new Promise<number>((resolve, reject) => {
        reader2.watch('/fresh/', a.revision - 1, {
          onEvents: () => reject(new Error('events from a compacted revision')),
          onCompacted: resolve,
          onError: reject,
        }, AbortSignal.timeout(5000));
      });
      assert.equal(compacted, b.revision);
    } finally {
      await reader2.close();
    }
  } finally {
    await writer.close();
    await reader.close();
  }
});
