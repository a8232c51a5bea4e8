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

void test('etcd: lists page internally at one revision, under a receive limit far below the data', async () => {
  if (!etcd) throw new Error('etcd did not start');
  // 1 MiB receive limit and 100 keys per range: 3,000 × 2 KiB values only come back if list() pages.
  const s = await openEtcdStore([etcd.endpoint], { listPageSize: 100, maxReceiveMessageBytes: 1024 * 1024 });
  const writer = await openEtcdStore([etcd.endpoint]);
  try {
    const p = `/paged-${process.pid}-${Date.now()}/`;
    const pad = 'z'.repeat(2048);
    for (let i = 0; i < 3000; i += 500) {
      const rs = await Promise.all(Array.from({ length: 500 }, (_, j) => writer.create(`${p}${String(i + j).padStart(5, '0')}`, pad)));
      assert.equal(rs.every((r) => r.ok), true);
    }
    const all = await s.list(p);
    assert.ok(all.ok);
    assert.equal(all.items.length, 3000);
    assert.deepEqual([all.more, all.remaining], [false, 0]);
    // A limit above the page size is still honoured exactly.
    const some = await s.list(p, { limit: 250 });
    assert.ok(some.ok);
    assert.deepEqual([some.items.length, some.more, some.remaining, some.items[249].key], [250, true, 2750, `${p}00249`]);
    // Writes racing with a paged read do not show in it: every page is read at the first page's revision.
    const [during] = await Promise.all([
      s.list(p),
      (async () => {
        for (let i = 0; i < 20; i++) {
          assert.ok((await writer.create(`${p}${String(i).padStart(5, '0')}x`, 'late')).ok);
          assert.ok((await writer.delete(`${p}${String(2999 - i).padStart(5, '0')}`)).ok);
        }
      })(),
    ]);
    assert.ok(during.ok);
    const atRev = await writer.list(p, { revision: during.revision });
    assert.ok(atRev.ok);
    assert.deepEqual(during.items.map((kv) => kv.key), atRev.items.map((kv) => kv.key));
    const now = await s.list(p);
    assert.ok(now.ok);
    assert.equal(now.items.length, 3000);
    assert.equal(now.items.filter((kv) => kv.value === 'late').length, 20);
  } finally {
    await s.close();
    await writer.close();
  }
});

void test('etcd: failed calls do not poison later ones (no circuit breaker)', async () => {
  if (!etcd) throw new Error('etcd did not start');
  // A 64 KiB receive limit makes reading one 100 KiB value fail with RESOURCE_EXHAUSTED, a
  // "recoverable" error that the etcd3 client's default breaker counts; three open it for 5 s.
  const s = await openEtcdStore([etcd.endpoint], { maxReceiveMessageBytes: 64 * 1024 });
  try {
    const p = `/poison-${process.pid}-${Date.now()}/`;
    assert.ok((await s.create(`${p}big`, 'b'.repeat(100 * 1024))).ok);
    for (let i = 0; i < 5; i++) await assert.rejects(s.get(`${p}big`), /RESOURCE_EXHAUSTED|larger than max/i);
    const small = await s.create(`${p}small`, 'ok');
    assert.ok(small.ok);
    assert.deepEqual(await s.get(`${p}small`), small.kv);
    const listed = await s.list(`${p}s`);
    assert.ok(listed.ok);
    assert.deepEqual(listed.items, [small.kv]);
    assert.equal(await s.count(p), 2);
  } finally {
    await s.close();
  }
});

void test('etcd: a list page too large for the receive limit is retried with fewer keys', async () => {
  if (!etcd) throw new Error('etcd did not start');
  // 10 values of 20 KiB under a 64 KiB limit: the first 100-key request (200 KiB) cannot come back.
  const s = await openEtcdStore([etcd.endpoint], { listPageSize: 100, maxReceiveMessageBytes: 64 * 1024 });
  try {
    const p = `/halve-${process.pid}-${Date.now()}/`;
    for (let i = 0; i < 10; i++) assert.ok((await s.create(`${p}${i}`, String(i).repeat(20 * 1024))).ok);
    const all = await s.list(p);
    assert.ok(all.ok);
    assert.deepEqual(all.items.map((kv) => [kv.key, kv.value.length]), Array.from({ length: 10 }, (_, i) => [`${p}${i}`, 20 * 1024]));
    const head = await s.list(p, { limit: 4 });
    assert.ok(head.ok);
    assert.deepEqual([head.items.length, head.more, head.remaining], [4, true, 6]);
  } finally {
    await s.close();
  }
});
