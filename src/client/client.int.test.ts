/**
 * Integration: the REST client and an Informer against a real in-process API server (memory
 * store, the apiserver's test CA): CRUD verbs and StatusErrors, pagination, watch events reaching
 * the handlers, and a relist after the server answers a resumed watch with 410 Expired.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../store/index.ts';
import { startApiServer, type ApiServer } from '../apiserver/index.ts';
import { makeTestPki } from '../apiserver/test-support.ts';
import { isStatusError, type JsonObject } from '../api/index.ts';
import { Informer, listWatcherFor, RESOURCES, RestClient, type ListWatcher } from './index.ts';
import { kubeconfigToRestConfig } from './rest.ts';

let server: ApiServer;
let client: RestClient;

before(async () => {
  const pki = makeTestPki();
  server = await startApiServer({ store: createMemoryStore(), tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, host: '127.0.0.1', port: 0, tuning: { watchRingSize: 5 } });
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const kubeconfig = `apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: c\n  cluster:\n    server: ${server.url}\n    certificate-authority-data: ${b64(pki.ca)}\nusers:\n- name: u\n  user:\n    client-certificate-data: ${b64(pki.clientCert)}\n    client-key-data: ${b64(pki.clientKey)}\ncontexts:\n- name: t\n  context:\n    cluster: c\n    user: u\n`;
  client = new RestClient(kubeconfigToRestConfig(kubeconfig));
});

after(async () => {
  client.close();
  await server.close();
});

const cm = (name: string, v: string): JsonObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v } });

test('patch with metadataOnly: the server answers with PartialObjectMetadata carrying the new resourceVersion', async () => {
  await client.create(RESOURCES.configmaps, 'default', cm('meta-only', '1'));
  const out = await client.patch(RESOURCES.configmaps, 'default', 'meta-only', 'merge', { data: { v: '2' } }, { metadataOnly: true });
  assert.equal(out.kind, 'PartialObjectMetadata');
  assert.equal(out.apiVersion, 'meta.k8s.io/v1');
  assert.equal(out.data, undefined);
  assert.equal(out.metadata.name, 'meta-only');
  const now = await client.get(RESOURCES.configmaps, 'default', 'meta-only');
  assert.equal(now.data.v, '2');
  assert.equal(out.metadata.resourceVersion, now.metadata.resourceVersion);
  await client.delete(RESOURCES.configmaps, 'default', 'meta-only');
});

test('verbs: create, get, update, patch (merge), list with limit/continue, delete; errors are StatusErrors', async () => {
  const created = await client.create(RESOURCES.configmaps, 'default', cm('verbs', '1'));
  assert.equal(created.data.v, '1');
  await assert.rejects(client.create(RESOURCES.configmaps, 'default', cm('verbs', '1')), (e) => isStatusError(e, 409));
  const got = await client.get(RESOURCES.configmaps, 'default', 'verbs');
  got.data.v = '2';
  const updated = await client.update(RESOURCES.configmaps, 'default', got);
  assert.equal(updated.data.v, '2');
  await assert.rejects(client.update(RESOURCES.configmaps, 'default', got), (e) => isStatusError(e, 409)); // stale resourceVersion
  const patched = await client.patch(RESOURCES.configmaps, 'default', 'verbs', 'merge', { data: { w: 'x' } });
  assert.deepEqual(patched.data, { v: '2', w: 'x' });
  const jp = await client.patch(RESOURCES.configmaps, 'default', 'verbs', 'json', [{ op: 'replace', path: '/data/w', value: 'y' }]);
  assert.equal(jp.data.w, 'y');
  for (const n of ['p1', 'p2', 'p3']) await client.create(RESOURCES.configmaps, 'default', cm(n, n));
  const page1 = await client.list(RESOURCES.configmaps, 'default', { limit: 2 });
  assert.equal(page1.items.length, 2);
  assert.ok(page1.metadata.continue);
  const page2 = await client.list(RESOURCES.configmaps, 'default', { limit: 2, continue: page1.metadata.continue });
  assert.ok(page2.items.length >= 2);
  const sel = await client.list(RESOURCES.configmaps, 'default', { fieldSelector: 'metadata.name=p2' });
  assert.deepEqual(sel.items.map((i) => i.metadata.name), ['p2']);
  await client.delete(RESOURCES.configmaps, 'default', 'verbs');
  await assert.rejects(client.get(RESOURCES.configmaps, 'default', 'verbs'), (e) => isStatusError(e, 404));
});

/** waitFor polls `cond` every 20 ms for up to 10 s. */
async function waitFor(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('informer: add, update and delete reach the handlers and the cache; a 410 on a resumed watch relists', async () => {
  await client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'inf' } });
  await client.create(RESOURCES.configmaps, 'inf', { ...cm('before', '0'), metadata: { name: 'before', namespace: 'inf' } });
  // A ListWatcher over the real client whose first watch the test can cut, and whose next watch
  // waits until the test has made more writes than the server's watch ring (5) holds.
  const real = listWatcherFor(client, RESOURCES.configmaps, 'inf');
  const cut = new AbortController();
  let gapMade!: () => void;
  const gap = new Promise<void>((r) => { gapMade = r; });
  let watches = 0;
  const lw: ListWatcher<JsonObject> = {
    list: (o) => real.list(o),
    async *watch(o) {
      watches++;
      if (watches === 1) { yield* real.watch({ ...o, signal: AbortSignal.any([o.signal ?? new AbortController().signal, cut.signal]) }); return; }
      if (watches === 2) await gap;
      yield* real.watch(o);
    },
  };
  const failures: unknown[] = [];
  const inf = new Informer(lw, { name: 'configmaps', onError: (e) => failures.push(e) });
  const events: string[] = [];
  inf.addEventHandler({
    add: (o) => events.push(`add ${o.metadata.name}`),
    update: (_a, b) => events.push(`update ${b.metadata.name} ${b.data?.v}`),
    delete: (o) => events.push(`delete ${'tombstone' in o ? `${o.obj.metadata.name} (tombstone)` : o.metadata.name}`),
  });
  const stop = new AbortController();
  const run = inf.run(stop.signal);
  try {
    assert.equal(await inf.waitForSync(stop.signal), true);
    assert.deepEqual(events, ['add before']);
    await client.create(RESOURCES.configmaps, 'inf', { ...cm('a', '1'), metadata: { name: 'a', namespace: 'inf' } });
    await client.patch(RESOURCES.configmaps, 'inf', 'a', 'merge', { data: { v: '2' } });
    await client.delete(RESOURCES.configmaps, 'inf', 'before');
    await waitFor('watch events', () => events.length === 4);
    assert.deepEqual(events, ['add before', 'add a', 'update a 2', 'delete before']);
    assert.deepEqual(inf.cache.byNamespace('inf').map((o) => o.metadata.name), ['a']);
    // Cut the watch, then write more than the ring holds while the informer is away.
    cut.abort();
    await waitFor('second watch', () => watches === 2);
    await client.delete(RESOURCES.configmaps, 'inf', 'a');
    await client.create(RESOURCES.configmaps, 'inf', { ...cm('b', '1'), metadata: { name: 'b', namespace: 'inf' } });
    for (let i = 0; i < 6; i++) await client.patch(RESOURCES.configmaps, 'inf', 'b', 'merge', { data: { v: String(i + 2) } });
    gapMade();
    await waitFor('relist', () => inf.relists === 2 && inf.cache.get('inf/b')?.data?.v === '7');
    assert.equal(inf.cache.get('inf/a'), undefined);
    assert.ok(events.includes('delete a (tombstone)'), events.join(', '));
    assert.ok(events.includes('add b'), events.join(', '));
    assert.equal(watches, 3, 'the resumed watch ended with 410 and a new watch followed the relist');
    assert.deepEqual(failures, [], 'the relist came from the 410, not from an error');
  } finally {
    stop.abort();
    await run;
  }
});
