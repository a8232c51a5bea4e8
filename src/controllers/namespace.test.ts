/**
 * Unit tests of the namespace controller (FakeClient + FakeClock): content deletion order and verbs
 * (delete-collection where supported, else one by one), remaining content and finalizers in the
 * conditions, the finalize call once empty, and namespaces that are not the controller's business.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { FakeClient, resource } from '../client/index.ts';
import type { DiscoveredResource } from './gc-discovery.ts';
import { deletableNamespacedResources, deleteContent, deletionConditions } from './namespace-deleter.ts';
import { newNamespaceController } from './namespace.ts';
import { fixture, RESOURCES } from './testing.ts';

const all = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const PODS: DiscoveredResource = { group: '', version: 'v1', resource: 'pods', namespaced: true, kind: 'Pod', verbs: all, preferred: true };
const CMS: DiscoveredResource = { group: '', version: 'v1', resource: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: all, preferred: true };
const WIDGETS: DiscoveredResource = { group: 'example.com', version: 'v1', resource: 'widgets', namespaced: true, kind: 'Widget', verbs: ['delete', 'get', 'list'], preferred: true };
const NODES: DiscoveredResource = { group: '', version: 'v1', resource: 'nodes', namespaced: false, kind: 'Node', verbs: all, preferred: true };
const OLD: DiscoveredResource = { ...WIDGETS, version: 'v1beta1', preferred: false };

/** RawClient adds the raw request RestClient has, recording collection deletes and emptying the collection. */
class RawClient extends FakeClient {
  readonly raws: string[] = [];
  async raw(method: string, path: string): Promise<{ code: number; text: string }> {
    this.raws.push(`${method} ${path}`);
    const m = /\/namespaces\/([^/]+)\/([^/]+)$/.exec(path);
    if (m) for (const [k, o] of this.objects) if (k.endsWith(`/${m[2]}/${m[1]}/${String(o.metadata?.name)}`) && !o.metadata?.finalizers) this.objects.delete(k);
    return { code: 200, text: '{}' };
  }
}

const obj = (kind: string, name: string, ns: string, meta: JsonObject = {}): JsonObject => ({ apiVersion: 'v1', kind, metadata: { name, namespace: ns, uid: `${name}-uid`, ...meta } });
const terminating = (name: string, finalizers = ['kubernetes']): JsonObject => ({
  apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: `${name}-uid`, deletionTimestamp: '2026-01-01T00:00:00Z', resourceVersion: '9' }, spec: { finalizers }, status: { phase: 'Terminating' },
});

void test('namespace: deletable resources are the preferred namespaced ones', () => {
  assert.deepEqual(deletableNamespacedResources([PODS, NODES, WIDGETS, OLD, CMS]).map((r) => `${r.group}/${r.version}/${r.resource}`), ['/v1/pods', 'example.com/v1/widgets', '/v1/configmaps']);
});

void test('namespace: content is deleted in discovery order, by collection where supported, else one by one', async () => {
  const c = new RawClient();
  c.seed(RESOURCES.pods, obj('Pod', 'p', 'a'));
  c.seed(RESOURCES.configmaps, obj('ConfigMap', 'c', 'a'), obj('ConfigMap', 'other', 'b'));
  c.seed(resource('example.com', 'v1', 'widgets', true), obj('Widget', 'w', 'a'));
  const r = await deleteContent(c, [PODS, WIDGETS, CMS], 'a');
  assert.deepEqual(r.order, ['pods.', 'widgets.example.com', 'configmaps.']);
  assert.deepEqual(c.raws, ['DELETE /api/v1/namespaces/a/pods', 'DELETE /api/v1/namespaces/a/configmaps']);
  assert.deepEqual(c.verbs().filter((v) => v.startsWith('delete')), ['delete widgets a/w']);
  assert.equal(r.remaining.size, 0);
  assert.equal(c.objects.has('/configmaps/b/other'), true, 'other namespaces untouched');
});

void test('namespace: remaining objects and their finalizers become conditions', async () => {
  const c = new FakeClient();
  c.seed(RESOURCES.configmaps, obj('ConfigMap', 'held', 'a', { finalizers: ['example.com/hold'] }));
  c.react((a) => (a.verb === 'delete' && a.name === 'held' ? { kind: 'Status' } : undefined));
  const r = await deleteContent(c, [CMS], 'a');
  const conds = deletionConditions(['metrics.k8s.io/v1beta1'], r);
  assert.deepEqual(conds.map((x) => `${x.type}=${x.status} ${x.reason}: ${x.message}`), [
    'NamespaceDeletionDiscoveryFailure=True DiscoveryFailed: Discovery failed for some groups, 1 failing: metrics.k8s.io/v1beta1',
    'NamespaceDeletionGroupVersionParsingFailure=False ParsedGroupVersions: All legacy kube types successfully parsed',
    'NamespaceDeletionContentFailure=False ContentDeleted: All content successfully deleted, may be waiting on finalization',
    'NamespaceContentRemaining=True SomeResourcesRemain: Some resources are remaining: configmaps. has 1 resource instances',
    'NamespaceFinalizersRemaining=True SomeFinalizersRemain: Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
  ]);
});

const cases = [
  { name: 'an empty terminating namespace is finalized', ns: terminating('a'), content: [] as JsonObject[], want: ['get namespaces a', 'list configmaps a/', 'list configmaps a/', 'update namespaces a/status', 'get namespaces a', 'update namespaces a/finalize'], requeue: false },
  { name: 'content remaining: conditions written, requeued', ns: terminating('a'), content: [obj('ConfigMap', 'held', 'a', { finalizers: ['f'] })], want: ['get namespaces a', 'list configmaps a/', 'delete configmaps a/held', 'list configmaps a/', 'update namespaces a/status'], requeue: true },
  { name: 'without the kubernetes finalizer nothing is done', ns: terminating('a', ['other']), content: [], want: ['get namespaces a'], requeue: false },
  { name: 'an active namespace is left alone', ns: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' }, spec: { finalizers: ['kubernetes'] } }, content: [], want: [], requeue: false },
];
for (const c of cases) {
  void test(`namespace controller: ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newNamespaceController(f.ctx, { discover: async () => ({ resources: [CMS], failed: [] }), retryMs: 750 });
    f.seed(RESOURCES.namespaces, c.ns);
    f.client.seed(RESOURCES.namespaces, c.ns);
    f.client.seed(RESOURCES.configmaps, ...c.content);
    f.client.react((a) => (a.verb === 'delete' && a.name === 'held' ? { kind: 'Status' } : undefined));
    const r = await ctrl.reconcile('a');
    assert.deepEqual(f.client.verbs(), c.want);
    assert.deepEqual(r, c.requeue ? { requeueAfterMs: 750 } : undefined);
    const fin = f.client.actions.find((a) => a.subresource === 'finalize');
    if (fin) assert.deepEqual(fin.object?.spec?.finalizers, []);
  });
}
