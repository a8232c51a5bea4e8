/**
 * Integration test of an update whose first try starts from a stale watch cache: two servers share
 * one store, and the second one's watch is held back, so its cache still shows an older version when
 * it serves a PUT. The first try fails its compare-and-swap and the update is tried again from the
 * store — with the request body as sent, not as the first try left it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMemoryStore } from '../store/index.ts';
import type { Store, WatchEvent } from '../store/types.ts';
import { startApiServer, type ApiServer } from './server.ts';
import { Client, makeTestPki, type TestPki } from './test-support.ts';

const CM = '/api/v1/namespaces/default/configmaps';

/** heldBack wraps a store so that the watch events it delivers can be held back and released. */
function heldBack(store: Store): { store: Store; hold(): void; release(): void } {
  let held: (() => void)[] | undefined;
  const wrapped: Store = {
    name: store.name,
    currentRevision: () => store.currentRevision(),
    get: (k) => store.get(k),
    list: (p, o) => store.list(p, o),
    count: (p) => store.count(p),
    create: (k, v) => store.create(k, v),
    update: (k, v, r) => store.update(k, v, r),
    delete: (k, r) => store.delete(k, r),
    watch(prefix, rev, listener, signal) {
      store.watch(prefix, rev, {
        onEvents: (events: readonly WatchEvent[]) => { if (held) held.push(() => listener.onEvents(events)); else listener.onEvents(events); },
        onCompacted: (r) => listener.onCompacted(r),
        onError: (e) => listener.onError?.(e),
      }, signal);
    },
    compact: (r) => store.compact(r),
    compactRevision: () => store.compactRevision(),
    close: () => store.close(),
  };
  return {
    store: wrapped,
    hold() { held ??= []; },
    release() { const h = held ?? []; held = undefined; for (const f of h) f(); },
  };
}

void describe('an update from a stale cache', () => {
  let pki: TestPki;
  let store: Store;
  let held: ReturnType<typeof heldBack>;
  let one: ApiServer;
  let two: ApiServer;
  let c1: Client;
  let c2: Client;
  before(async () => {
    pki = makeTestPki();
    store = createMemoryStore();
    held = heldBack(store);
    const tls = { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca };
    one = await startApiServer({ store, tls, host: '127.0.0.1', port: 0 });
    two = await startApiServer({ store: held.store, tls, host: '127.0.0.1', port: 0 });
    c1 = new Client(one.url, pki);
    c2 = new Client(two.url, pki);
  });
  after(async () => {
    held.release();
    c1.close(); c2.close();
    await one.close(); await two.close();
    await store.close();
  });

  void test('a PUT is tried again from the store with the body as sent', async () => {
    const made = await c1.req('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { v: '1' } });
    assert.equal(made.status, 201, made.text);
    // Server two's cache has the first version (a list at resourceVersion 0 is served from it).
    for (let i = 0; ; i++) {
      const l = await c2.req('GET', `${CM}?resourceVersion=0`);
      if (l.json.items?.some((o: { metadata: { name: string } }) => o.metadata.name === 'x')) break;
      assert.ok(i < 200, 'server two never saw the ConfigMap');
      await new Promise((r) => setTimeout(r, 10));
    }
    held.hold();
    const second = await c1.req('PUT', `${CM}/x`, { ...made.json, data: { v: '2' } });
    assert.equal(second.status, 200, second.text);
    const stale = await c2.req('GET', `${CM}?resourceVersion=0`);
    assert.equal(stale.json.items.find((o: { metadata: { name: string } }) => o.metadata.name === 'x').data.v, '1', 'server two still shows the first version');

    // Unconditional (no resourceVersion): the first try, from the stale copy, loses its
    // compare-and-swap; the retry must not carry the resourceVersion the first try put on the body.
    const put = await c2.req('PUT', `${CM}/x`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { v: '3' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.data.v, '3');
    assert.ok(Number(put.json.metadata.resourceVersion) > Number(second.json.metadata.resourceVersion));
    // Conditional on the stale version: a conflict, as it should be.
    const conditional = await c2.req('PUT', `${CM}/x`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', resourceVersion: made.json.metadata.resourceVersion }, data: { v: '4' } });
    assert.equal(conditional.status, 409, conditional.text);
    const now = await c1.req('GET', `${CM}/x`);
    assert.equal(now.json.data.v, '3');
    held.release();
  });
});
