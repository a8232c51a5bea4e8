/**
 * @module test/client-node.compat.test — @kubernetes/client-node 1.4 against a real windlass server:
 * typed CRUD (create, read, replace, the default JSON patch, merge, strategic merge and server-side
 * apply patches via setHeaderOptions, delete) with its ApiException on 404/409, and an informer
 * (`makeInformer`) that sees add/update/delete events and survives a 410 relist.
 *
 * How the 410 is forced (deterministically): the server runs with `WINDLASS_WATCH_CACHE_SIZE=50`
 * (events kept per resource). The informer talks to the server through a small plain-HTTP proxy
 * (harness/watch-proxy.ts). The proxy ends the informer's open watch *cleanly* (a proper end of the
 * chunked body, as a server-side watch timeout looks), so the informer re-watches from its last
 * resourceVersion; the proxy holds that new watch request while the test makes more than 50 writes
 * to configmaps directly. Then the test checks the low-level behaviour itself — `GET ?watch=true&
 * resourceVersion=<old>` answers an ERROR event with code 410 (reason Expired) or HTTP 410 — and
 * releases the held watch. The informer must get the 410, relist (seen in the proxy log as a LIST
 * after the 410), and emit add/update/delete events for the objects created, changed and deleted
 * during the gap, without emitting `error`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AppsV1Api, CoreV1Api, KubeConfig, makeInformer, PatchStrategy, setHeaderOptions,
  type Informer, type ObjectCache, type V1ConfigMap,
} from '@kubernetes/client-node';
import { createApiClient, startServer, startWatchProxy, waitFor, type ApiClient, type ServerProcess, type WatchProxy } from './harness/index.ts';

const WATCH_CACHE_SIZE = 50;
let server: ServerProcess | undefined;
let api: ApiClient | undefined;
let kc: KubeConfig;

before(async () => {
  server = await startServer({ env: { WINDLASS_WATCH_CACHE_SIZE: String(WATCH_CACHE_SIZE) } });
  api = createApiClient(server.credentials);
  kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
});
after(async () => {
  api?.close();
  await server?.stop();
});

/** statusOf returns the HTTP code and parsed Status body of a client-node ApiException. */
function statusOf(e: unknown): { code: number; body: any } {
  const err = e as { code?: number; body?: unknown };
  assert.equal(typeof err.code, 'number', `not an ApiException: ${String(e)}`);
  let body = err.body;
  if (typeof body === 'string') {
    try { body = JSON.parse(body); } catch { /* keep text */ }
  }
  return { code: err.code!, body };
}

async function expectApiError(p: Promise<unknown>, code: number, reason: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    const s = statusOf(e);
    assert.equal(s.code, code, JSON.stringify(s.body));
    assert.equal(s.body?.kind, 'Status', JSON.stringify(s.body));
    assert.equal(s.body?.reason, reason, JSON.stringify(s.body));
    return;
  }
  assert.fail(`expected HTTP ${code} ${reason}, got success`);
}

void describe('client-node CRUD', { timeout: 120_000 }, () => {
  const namespace = 'cn-crud';
  let core: CoreV1Api;
  let apps: AppsV1Api;
  before(async () => {
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  }, { timeout: 30_000 });

  void test('create, read, replace (and a stale replace conflicts), delete', { timeout: 60_000 }, async () => {
    const created = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'crud', labels: { t: 'crud' } }, data: { a: '1' } } });
    assert.equal(created.metadata?.name, 'crud');
    assert.ok(created.metadata?.uid, 'uid set by the server');
    assert.match(created.metadata?.resourceVersion ?? '', /^\d+$/);
    assert.ok(created.metadata?.creationTimestamp instanceof Date);
    await expectApiError(core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'crud' } } }), 409, 'AlreadyExists');

    const read = await core.readNamespacedConfigMap({ name: 'crud', namespace });
    assert.deepEqual(read.data, { a: '1' });
    const stale: V1ConfigMap = structuredClone(read);
    read.data = { a: '1', b: '2' };
    const replaced = await core.replaceNamespacedConfigMap({ name: 'crud', namespace, body: read });
    assert.deepEqual(replaced.data, { a: '1', b: '2' });
    assert.notEqual(replaced.metadata?.resourceVersion, created.metadata?.resourceVersion);
    stale.data = { lost: 'update' };
    await expectApiError(core.replaceNamespacedConfigMap({ name: 'crud', namespace, body: stale }), 409, 'Conflict');

    const listed = await core.listNamespacedConfigMap({ namespace, labelSelector: 't=crud' });
    assert.deepEqual(listed.items.map((i) => i.metadata?.name), ['crud']);
    assert.match(listed.metadata?.resourceVersion ?? '', /^\d+$/);

    await core.deleteNamespacedConfigMap({ name: 'crud', namespace });
    await expectApiError(core.readNamespacedConfigMap({ name: 'crud', namespace }), 404, 'NotFound');
  });

  void test('patch: JSON patch by default, merge patch and server-side apply via setHeaderOptions', { timeout: 60_000 }, async () => {
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'patched' }, data: { a: '1', b: '2' } } });
    const jp = await core.patchNamespacedConfigMap({ name: 'patched', namespace, body: [{ op: 'replace', path: '/data/a', value: 'json' }] });
    assert.deepEqual(jp.data, { a: 'json', b: '2' });
    const mp = await core.patchNamespacedConfigMap(
      { name: 'patched', namespace, body: { data: { b: null, c: 'merge' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    assert.deepEqual(mp.data, { a: 'json', c: 'merge' });
    const ssa = await core.patchNamespacedConfigMap(
      { name: 'patched', namespace, fieldManager: 'client-node-test', force: true, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'patched', namespace }, data: { d: 'applied' } } },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
    assert.equal(ssa.data?.d, 'applied');
    assert.ok(ssa.metadata?.managedFields?.some((m) => m.manager === 'client-node-test' && m.operation === 'Apply'), JSON.stringify(ssa.metadata?.managedFields));
    await expectApiError(core.patchNamespacedConfigMap({ name: 'patched', namespace, body: [{ op: 'test', path: '/data/a', value: 'nope' }] }), 422, 'Invalid');
  });

  void test('strategic merge patch on a Deployment merges containers by name', { timeout: 60_000 }, async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx:1.25' }, { name: 'b', image: 'busybox:1.36' }] } },
        },
      },
    });
    const d = await apps.patchNamespacedDeployment(
      { name: 'web', namespace, body: { spec: { template: { spec: { containers: [{ name: 'a', image: 'nginx:1.27' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    assert.deepEqual(d.spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`), ['a=nginx:1.27', 'b=busybox:1.36']);
    assert.equal(d.spec?.replicas, 1, 'defaulted');
    assert.equal(d.metadata?.generation, 2);
  });
});

void describe('client-node informer', { timeout: 120_000 }, () => {
  const namespace = 'cn-informer';
  let proxy: WatchProxy;
  let informer: (Informer<V1ConfigMap> & ObjectCache<V1ConfigMap>) | undefined;
  let stopping = false;
  const seen: { verb: 'add' | 'update' | 'delete'; name: string; rv: string }[] = [];
  const errors: unknown[] = [];
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  const cm = (name: string, v: string): object => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v } });
  const create = async (name: string, v = '0'): Promise<any> => {
    const r = await api!.post(path, cm(name, v));
    assert.equal(r.status, 201, r.text());
    return r.json();
  };
  const update = async (name: string, v: string): Promise<any> => {
    const r = await api!.patch(`${path}/${name}`, { data: { v } }, 'application/merge-patch+json');
    assert.equal(r.status, 200, r.text());
    return r.json();
  };
  const remove = async (name: string): Promise<void> => {
    const r = await api!.delete(`${path}/${name}`);
    assert.equal(r.status, 200, r.text());
  };
  const sawEvent = (verb: string, name: string, rv?: string): Promise<unknown> => waitFor(
    () => seen.find((e) => e.verb === verb && e.name === name && (rv === undefined || e.rv === rv)),
    { timeoutMs: 20_000, what: `informer ${verb} ${name}${rv ? `@${rv}` : ''} (seen: ${JSON.stringify(seen.slice(-8))}; errors: ${errors.map(String).join('; ')})` });

  before(async () => {
    assert.equal((await api!.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })).status, 201);
    proxy = await startWatchProxy(server!.credentials);
    const pkc = new KubeConfig();
    pkc.loadFromOptions({
      clusters: [{ name: 'proxy', server: proxy.url, skipTLSVerify: true }],
      users: [{ name: 'proxy' }],
      contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
      currentContext: 'proxy',
    });
    const core = pkc.makeApiClient(CoreV1Api);
    informer = makeInformer<V1ConfigMap>(pkc, path, () => core.listNamespacedConfigMap({ namespace }));
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (o) => { seen.push({ verb, name: o.metadata?.name ?? '', rv: o.metadata?.resourceVersion ?? '' }); });
    }
    informer.on('error', (e) => { if (!stopping) errors.push(e); });
  }, { timeout: 30_000 });
  after(async () => {
    stopping = true;
    await informer?.stop();
    await proxy?.close();
  });

  void test('sees add, update and delete events', { timeout: 60_000 }, async () => {
    await create('pre-existing');
    await create('doomed');
    await informer!.start();
    await sawEvent('add', 'pre-existing');
    await sawEvent('add', 'doomed');
    await create('live');
    await sawEvent('add', 'live');
    const u = await update('live', '1');
    await sawEvent('update', 'live', u.metadata.resourceVersion);
    await remove('live');
    await sawEvent('delete', 'live');
    assert.deepEqual(errors, []);
  });

  void test(`relists after a 410 when its watch resumes from a resourceVersion older than ${WATCH_CACHE_SIZE} events`, { timeout: 60_000 }, async () => {
    const marker = await update('pre-existing', 'marker');
    await sawEvent('update', 'pre-existing', marker.metadata.resourceVersion);
    const oldRv: string = marker.metadata.resourceVersion;

    proxy.hold();
    const ended = proxy.endWatches();
    assert.ok(ended >= 1, 'the informer had an open watch through the proxy');
    await waitFor(() => proxy.heldCount() >= 1, { timeoutMs: 10_000, what: 'the informer to re-watch after a clean end of stream' });
    const rewatch = proxy.log.filter((r) => r.watch).at(-1)!;
    assert.match(rewatch.path, new RegExp(`resourceVersion=${oldRv}\\b`), 'the informer resumes from its last resourceVersion');

    // The gap: more writes to configmaps than the watch cache keeps.
    for (let i = 0; i < 20; i++) await create(`gap-${i}`);
    let last: any;
    for (let i = 0; i < WATCH_CACHE_SIZE; i++) last = await update('pre-existing', `gap-${i}`);
    await remove('doomed');

    const direct = api!.watch(`${path}?watch=true&resourceVersion=${oldRv}`);
    try {
      const status = await direct.status;
      if (status === 200) {
        const ev = await direct.next(() => true, 10_000, 'the first event of a watch from a too old resourceVersion');
        assert.equal(ev.type, 'ERROR', `a watch from resourceVersion ${oldRv} (more than ${WATCH_CACHE_SIZE} configmap writes ago) must start with ERROR 410, got ${ev.type} ${JSON.stringify(ev.object).slice(0, 200)}: is WINDLASS_WATCH_CACHE_SIZE honoured?`);
        assert.equal(ev.object.code, 410, JSON.stringify(ev.object));
        assert.equal(ev.object.reason, 'Expired', JSON.stringify(ev.object));
        assert.equal(ev.object.kind, 'Status');
        await direct.ended;
      } else {
        assert.equal(status, 410, `watch from a compacted resourceVersion answered HTTP ${status}`);
      }
    } finally {
      direct.close();
    }

    proxy.release();
    await sawEvent('delete', 'doomed');
    for (let i = 0; i < 20; i++) await sawEvent('add', `gap-${i}`);
    await sawEvent('update', 'pre-existing', last.metadata.resourceVersion);
    assert.equal(rewatch.saw410, true, `the resumed watch got a 410 (proxy log: ${JSON.stringify(proxy.log.slice(-6))})`);
    const i410 = proxy.log.indexOf(rewatch);
    assert.ok(proxy.log.slice(i410 + 1).some((r) => !r.watch && r.method === 'GET' && r.path.startsWith(path)), `a LIST followed the 410 (proxy log: ${JSON.stringify(proxy.log.slice(i410))})`);
    assert.deepEqual(errors, [], 'the informer never reported an error');

    await create('after-gap');
    await sawEvent('add', 'after-gap');
    // kube-root-ca.crt is the root-ca publisher's, in every namespace (as in Kubernetes).
    assert.deepEqual(informer!.list(namespace).map((o) => o.metadata?.name).filter((n) => n !== 'kube-root-ca.crt').sort(),
      ['after-gap', ...Array.from({ length: 20 }, (_, i) => `gap-${i}`), 'pre-existing'].sort());
  });
});
