/**
 * @module controllers/garbage-collector.int.test — the garbage collector against a real API server:
 * an owner ConfigMap with ConfigMap and Pod dependents deleted with each propagation policy through
 * the API and through the real kubectl (`--cascade=background|foreground|orphan`), a dependent with
 * a second live owner, and a custom resource as owner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES, resource, type RestClient, type Resource } from '../client/index.ts';
import { newGarbageCollector } from './garbage-collector.ts';
import { startHarness, type Harness } from './int-harness.ts';
import { runKubectlBinary } from '../../test/harness/kubectl.ts';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';

function cm(name: string, owners: JsonObject[] = []): JsonObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...(owners.length ? { ownerReferences: owners } : {}) }, data: { k: name } };
}

function refTo(o: JsonObject, block = true): JsonObject {
  return { apiVersion: String(o.apiVersion ?? 'v1'), kind: String(o.kind ?? 'ConfigMap'), name: o.metadata?.name, uid: o.metadata?.uid, ...(block ? { blockOwnerDeletion: true } : {}) };
}

async function exists(c: RestClient, r: Resource, ns: string, name: string): Promise<JsonObject | undefined> {
  try { return await c.get(r, ns, name); } catch (e) { if (isStatusError(e, 404)) return undefined; throw e; }
}

async function family(h: Harness, prefix: string): Promise<{ owner: JsonObject; deps: string[] }> {
  const owner = await h.client.create(RESOURCES.configmaps, 'default', cm(`${prefix}-owner`));
  const ref = refTo({ ...owner, apiVersion: 'v1', kind: 'ConfigMap' });
  await h.client.create(RESOURCES.configmaps, 'default', cm(`${prefix}-dep`, [ref]));
  await h.client.create(RESOURCES.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `${prefix}-pod`, namespace: 'default', ownerReferences: [ref] },
    spec: { containers: [{ name: 'c', image: 'busybox' }], terminationGracePeriodSeconds: 1 },
  });
  return { owner, deps: [`${prefix}-dep`, `${prefix}-pod`] };
}

async function depsGone(h: Harness, deps: string[]): Promise<boolean> {
  return !(await exists(h.client, RESOURCES.configmaps, 'default', deps[0])) && !(await exists(h.client, RESOURCES.pods, 'default', deps[1]));
}

void test('garbage collector: propagation policies through the API and kubectl', async (t) => {
  const h = await startHarness({ controllers: (ctx) => [newGarbageCollector(ctx, { rediscoverMs: 1000 })] });
  const dir = await mkdtemp(join(tmpdir(), 'windlass-gc-'));
  t.after(async () => { await h.close(); await rm(dir, { recursive: true, force: true }); });
  const kubeconfig = await h.kubeconfig(join(dir, 'kubeconfig'));
  const kubectl = (args: string[]): ReturnType<typeof runKubectlBinary> =>
    runKubectlBinary(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }, { timeoutMs: 30_000 });

  await t.test('background: dependents are collected after the owner is gone', async () => {
    const f = await family(h, 'bg');
    await h.client.delete(RESOURCES.configmaps, 'default', 'bg-owner', { propagationPolicy: 'Background' });
    await h.eventually('background dependents gone', () => depsGone(h, f.deps));
  });

  await t.test('foreground: the owner stays until its blocking dependents are gone', async () => {
    const f = await family(h, 'fg');
    // A finalizer on the pod holds it, so the owner must wait.
    await h.client.patch(RESOURCES.pods, 'default', 'fg-pod', 'merge', { metadata: { finalizers: ['example.com/hold'] } });
    await h.client.delete(RESOURCES.configmaps, 'default', 'fg-owner', { propagationPolicy: 'Foreground' });
    await h.eventually('configmap dependent gone', async () => !(await exists(h.client, RESOURCES.configmaps, 'default', 'fg-dep')));
    await h.eventually('pod marked for deletion', async () => Boolean((await exists(h.client, RESOURCES.pods, 'default', 'fg-pod'))?.metadata?.deletionTimestamp));
    const owner = await exists(h.client, RESOURCES.configmaps, 'default', 'fg-owner');
    assert.ok(owner?.metadata?.deletionTimestamp, 'owner still present while a blocking dependent remains');
    assert.deepEqual(owner?.metadata?.finalizers, ['foregroundDeletion']);
    await h.client.patch(RESOURCES.pods, 'default', 'fg-pod', 'merge', { metadata: { finalizers: null } });
    await h.eventually('owner gone', async () => !(await exists(h.client, RESOURCES.configmaps, 'default', 'fg-owner')));
    assert.equal(await depsGone(h, f.deps), true);
  });

  await t.test('orphan: dependents stay without the owner reference', async () => {
    const f = await family(h, 'or');
    await h.client.delete(RESOURCES.configmaps, 'default', 'or-owner', { propagationPolicy: 'Orphan' });
    await h.eventually('owner gone', async () => !(await exists(h.client, RESOURCES.configmaps, 'default', 'or-owner')));
    const dep = await h.client.get(RESOURCES.configmaps, 'default', f.deps[0]);
    const pod = await h.client.get(RESOURCES.pods, 'default', f.deps[1]);
    assert.equal(dep.metadata?.ownerReferences, undefined);
    assert.equal(pod.metadata?.ownerReferences, undefined);
  });

  await t.test('a dependent with another live owner only loses the dead reference', async () => {
    const a = await h.client.create(RESOURCES.configmaps, 'default', cm('two-a'));
    const b = await h.client.create(RESOURCES.configmaps, 'default', cm('two-b'));
    await h.client.create(RESOURCES.configmaps, 'default', cm('two-dep', [refTo({ ...a, kind: 'ConfigMap' }), refTo({ ...b, kind: 'ConfigMap' })]));
    await h.client.delete(RESOURCES.configmaps, 'default', 'two-a');
    const dep = await h.eventually('dead reference removed', async () => {
      const d = await h.client.get(RESOURCES.configmaps, 'default', 'two-dep');
      return d.metadata?.ownerReferences?.length === 1 ? d : undefined;
    });
    assert.equal(dep.metadata?.ownerReferences[0].uid, b.metadata?.uid);
  });

  for (const cascade of ['background', 'foreground', 'orphan'] as const) {
    await t.test(`kubectl delete --cascade=${cascade}`, async () => {
      const f = await family(h, `k${cascade.slice(0, 2)}`);
      const r = await kubectl(['delete', 'configmap', `k${cascade.slice(0, 2)}-owner`, `--cascade=${cascade}`]);
      assert.equal(r.code, 0, r.describe());
      assert.equal(await exists(h.client, RESOURCES.configmaps, 'default', `k${cascade.slice(0, 2)}-owner`), undefined);
      if (cascade === 'orphan') {
        const dep = await h.client.get(RESOURCES.configmaps, 'default', f.deps[0]);
        assert.equal(dep.metadata?.ownerReferences, undefined);
      } else if (cascade === 'foreground') {
        // kubectl waited for the owner, which waited for its blocking dependents.
        assert.equal(await exists(h.client, RESOURCES.configmaps, 'default', f.deps[0]), undefined);
      } else {
        await h.eventually('background dependents gone', () => depsGone(h, f.deps));
      }
    });
  }

  await t.test('a custom resource owner (discovered CRD) collects its ConfigMap dependent', async () => {
    const crds = resource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', false);
    await h.client.create(crds, '', {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
    });
    const widgets = resource('example.com', 'v1', 'widgets', true);
    const w: JsonObject = await h.eventually<JsonObject>('CR created', async () => {
      try { return await h.client.create(widgets, 'default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' } }); } catch { return undefined; }
    });
    await h.client.create(RESOURCES.configmaps, 'default', cm('widget-dep', [refTo({ ...w, apiVersion: 'example.com/v1', kind: 'Widget' })]));
    await h.client.delete(widgets, 'default', 'w1');
    await h.eventually('CR dependent gone', async () => !(await exists(h.client, RESOURCES.configmaps, 'default', 'widget-dep')));
  });
});
