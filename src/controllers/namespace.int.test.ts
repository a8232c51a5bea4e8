/**
 * @module controllers/namespace.int.test — the namespace controller against a real API server whose
 * in-process finalizer is off: a namespace with pods, ConfigMaps and a custom resource is emptied
 * and removed; an object held by a finalizer keeps the namespace (with its conditions) until released.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES, resource } from '../client/index.ts';
import { newNamespaceController } from './namespace.ts';
import { startHarness } from './int-harness.ts';

const widgets = resource('example.com', 'v1', 'widgets', true);

void test('namespace controller: empties and removes terminating namespaces', async (t) => {
  const h = await startHarness({ controllers: (ctx) => [newNamespaceController(ctx, { retryMs: 200 })], apiServer: { inProcessNamespaceFinalizer: false } });
  t.after(() => h.close());
  await h.client.create(resource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', false), '', {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
  });
  const nsGet = async (name: string): Promise<JsonObject | undefined> => {
    try { return await h.client.get(RESOURCES.namespaces, '', name); } catch (e) { if (isStatusError(e, 404)) return undefined; throw e; }
  };

  await t.test('pods, configmaps and a custom resource are deleted, then the namespace', async () => {
    await h.client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    for (const n of ['one', 'two']) {
      await h.client.create(RESOURCES.pods, 'team-a', { apiVersion: 'v1', kind: 'Pod', metadata: { name: n }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      await h.client.create(RESOURCES.configmaps, 'team-a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n } });
    }
    await h.eventually('CR created', async () => {
      try { return await h.client.create(widgets, 'team-a', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }); } catch { return undefined; }
    });
    await h.eventually('pods running', async () => (await h.client.list(RESOURCES.pods, 'team-a')).items.every((p) => p.status?.phase === 'Running'));
    await h.client.delete(RESOURCES.namespaces, '', 'team-a');
    await h.eventually('namespace gone', async () => !(await nsGet('team-a')));
    assert.equal((await h.client.list(RESOURCES.pods, 'team-a')).items.length, 0);
    assert.equal((await h.client.list(widgets, 'team-a')).items.length, 0);
  });

  await t.test('a finalizer holds the namespace, reported in its conditions', async () => {
    await h.client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    await h.client.create(RESOURCES.configmaps, 'team-b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    await h.client.delete(RESOURCES.namespaces, '', 'team-b');
    const ns = await h.eventually('conditions written', async () => {
      const n = await nsGet('team-b');
      const c = (n?.status?.conditions ?? []) as JsonObject[];
      return c.some((x) => x.type === 'NamespaceFinalizersRemaining' && x.status === 'True') ? n : undefined;
    });
    const byType = new Map(((ns.status?.conditions ?? []) as JsonObject[]).map((c) => [c.type, c]));
    assert.equal(byType.get('NamespaceContentRemaining')?.message, 'Some resources are remaining: configmaps. has 1 resource instances');
    assert.equal(byType.get('NamespaceFinalizersRemaining')?.message, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    assert.equal(byType.get('NamespaceDeletionDiscoveryFailure')?.status, 'False');
    assert.equal(ns.status?.phase, 'Terminating');
    await h.client.patch(RESOURCES.configmaps, 'team-b', 'held', 'merge', { metadata: { finalizers: null } });
    await h.eventually('namespace gone', async () => !(await nsGet('team-b')));
  });
});

void test('with the in-process finalizer off and no controller, a namespace stays Terminating', async (t) => {
  const h = await startHarness({ controllers: () => [], stubKubelet: false, apiServer: { inProcessNamespaceFinalizer: false, tuning: { namespaceRetryMs: 50 } } });
  t.after(() => h.close());
  await h.client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stuck' } });
  await h.client.delete(RESOURCES.namespaces, '', 'stuck');
  await new Promise((r) => setTimeout(r, 300));
  const ns = await h.client.get(RESOURCES.namespaces, '', 'stuck');
  assert.equal(ns.status?.phase, 'Terminating');
  assert.deepEqual(ns.spec?.finalizers, ['kubernetes']);
});
