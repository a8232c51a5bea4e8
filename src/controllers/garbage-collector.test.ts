/**
 * Unit tests of the garbage collector (FakeClient + FakeClock): the graph's bookkeeping, and the
 * decisions — owner gone → dependent deleted, partial owners → reference removed, foreground
 * blocking, orphaning, invalid cluster-scoped dependents, discovery and monitors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { FakeClient, type DeleteOptions, type Resource } from '../client/index.ts';
import { newGarbageCollector, deletableResources, GC_DISCOVERY_KEY } from './garbage-collector.ts';
import { KindMapper, type DiscoveredResource } from './gc-discovery.ts';
import { DependencyGraph } from './gc-graph.ts';
import { fixture, RESOURCES } from './testing.ts';

const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const CM: DiscoveredResource = { group: '', version: 'v1', resource: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs, preferred: true };
const NODE: DiscoveredResource = { group: '', version: 'v1', resource: 'nodes', namespaced: false, kind: 'Node', verbs, preferred: true };
const EVENTS: DiscoveredResource = { group: '', version: 'v1', resource: 'events', namespaced: true, kind: 'Event', verbs, preferred: true };
const OLD_HPA: DiscoveredResource = { group: 'autoscaling', version: 'v1', resource: 'horizontalpodautoscalers', namespaced: true, kind: 'HorizontalPodAutoscaler', verbs, preferred: false };

function cm(name: string, uid: string, owners: JsonObject[] = [], meta: JsonObject = {}): JsonObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', uid, resourceVersion: '5', ...(owners.length ? { ownerReferences: owners } : {}), ...meta } };
}
const ref = (name: string, uid: string, block = false): JsonObject => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid, ...(block ? { blockOwnerDeletion: true } : {}) });

/** RecordingClient remembers delete options, which FakeAction does not carry. */
class RecordingClient extends FakeClient {
  readonly deletes: { name: string; opts?: DeleteOptions }[] = [];
  override async delete(r: Resource, ns: string, name: string, opts?: DeleteOptions): Promise<void> {
    this.deletes.push({ name, opts });
    return super.delete(r, ns, name, opts);
  }
}

async function setup(live: JsonObject[], cached: JsonObject[] = live, extra: DiscoveredResource[] = []): Promise<{ gc: ReturnType<typeof newGarbageCollector>; client: RecordingClient; f: ReturnType<typeof fixture> }> {
  const f = fixture();
  const client = new RecordingClient();
  const ctx = { ...f.ctx, client };
  const gc = newGarbageCollector(ctx, { discover: async () => ({ resources: [CM, NODE, EVENTS, ...extra], failed: [] }) });
  client.seed(RESOURCES.configmaps, ...live.filter((o) => o.metadata?.namespace));
  client.seed(RESOURCES.nodes, ...live.filter((o) => !o.metadata?.namespace));
  await gc.reconcile(GC_DISCOVERY_KEY);
  f.clock.step(30_000); // the unstarted informers never sync: the collector proceeds after its sync timeout
  for (const o of cached) gc.graph.upsert(o, o.metadata?.namespace ? CM : NODE);
  client.actions.length = 0;
  return { gc, client, f };
}

void test('gc graph: virtual owners, dependents and the work an event asks for', () => {
  const g = new DependencyGraph();
  const w1 = g.upsert(cm('d', 'd1', [ref('o', 'o1', true)]), CM);
  assert.deepEqual(w1.attemptToDelete, ['o1'], 'an unseen owner becomes a virtual node to verify');
  assert.equal(g.get('o1')?.observed, false);
  assert.deepEqual(g.upsert(cm('o', 'o1'), CM).attemptToDelete, []);
  assert.equal(g.get('o1')?.observed, true);
  assert.deepEqual([...(g.get('o1')?.dependents ?? [])], ['d1']);
  const fg = g.upsert(cm('o', 'o1', [], { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }), CM);
  assert.deepEqual(fg.attemptToDelete, ['d1', 'o1'], 'foreground deletion starts: dependents and the owner');
  assert.deepEqual(g.blockingDependents(g.get('o1')!).map((n) => n.identity.uid), ['d1']);
  assert.deepEqual(g.remove('d1').attemptToDelete, ['o1'], 'a waiting owner is looked at when a dependent goes');
  const or = g.upsert(cm('p', 'p1', [], { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] }), CM);
  assert.deepEqual(or.attemptToOrphan, ['p1']);
  g.upsert(cm('e', 'e1', [ref('p', 'p1')]), CM);
  assert.deepEqual(g.remove('p1').attemptToDelete, ['e1'], 'dependents of a deleted owner are looked at');
});

void test('gc discovery: preferred, deletable, watchable resources minus events; kinds map to resources', () => {
  assert.deepEqual(deletableResources([CM, NODE, EVENTS, OLD_HPA, { ...CM, resource: 'bindings', kind: 'Binding', verbs: ['create'] }]).map((r) => r.resource), ['configmaps', 'nodes']);
  const m = new KindMapper([OLD_HPA, { ...OLD_HPA, version: 'v2', preferred: true }]);
  assert.equal(m.resourceFor('autoscaling/v1', 'HorizontalPodAutoscaler')?.version, 'v1');
  assert.equal(m.resourceFor('autoscaling/v9', 'HorizontalPodAutoscaler')?.version, 'v2', 'unserved version → preferred');
  assert.equal(m.resourceFor('v1', 'Nope'), undefined);
});

void test('gc monitors: discovery creates informers through the factory and re-runs', async () => {
  const f = fixture();
  const gc = newGarbageCollector(f.ctx, { discover: async () => ({ resources: [CM, NODE, EVENTS], failed: [] }) });
  assert.equal(gc.ready(), false);
  assert.deepEqual(await gc.reconcile(GC_DISCOVERY_KEY), { requeueAfterMs: 30_000 });
  assert.deepEqual(gc.monitored(), ['/v1/configmaps', '/v1/nodes']);
  assert.deepEqual(f.factory.informers().map((i) => i.name).sort(), ['core/v1/configmaps', 'core/v1/nodes']);
  assert.deepEqual(await gc.reconcile('x'), { requeueAfterMs: 200 }, 'uids wait for the caches');
});

const decisionCases: { name: string; live: JsonObject[]; cached?: JsonObject[]; key: string; deletes: { name: string; policy?: string }[]; patches: string[] }[] = [
  { name: 'owner gone → dependent deleted (Background, uid precondition)', live: [cm('d', 'd1', [ref('o', 'o1')])], key: 'd1', deletes: [{ name: 'd', policy: 'Background' }], patches: [] },
  { name: 'owner replaced (uid differs) → dependent deleted', live: [cm('o', 'o2'), cm('d', 'd1', [ref('o', 'o1')])], key: 'd1', deletes: [{ name: 'd', policy: 'Background' }], patches: [] },
  { name: 'owner alive → nothing', live: [cm('o', 'o1'), cm('d', 'd1', [ref('o', 'o1')])], key: 'd1', deletes: [], patches: [] },
  { name: 'one of two owners gone → its reference removed', live: [cm('b', 'b1'), cm('d', 'd1', [ref('a', 'a1'), ref('b', 'b1')])], key: 'd1', deletes: [], patches: ['test /metadata/uid', 'test /metadata/ownerReferences/0/uid', 'remove /metadata/ownerReferences/0'] },
  { name: 'dependent with an orphan finalizer is deleted with Orphan', live: [cm('d', 'd1', [ref('o', 'o1')], { finalizers: ['orphan'] })], key: 'd1', deletes: [{ name: 'd', policy: 'Orphan' }], patches: [] },
  {
    name: 'owner waiting in foreground; the dependent has dependents → deleted with Foreground',
    live: [cm('o', 'o1', [], { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }), cm('d', 'd1', [ref('o', 'o1', true)]), cm('g', 'g1', [ref('d', 'd1', true)])],
    key: 'd1', deletes: [{ name: 'd', policy: 'Foreground' }], patches: [],
  },
  {
    name: 'a stale cache never deletes: the live dependent has a live owner',
    live: [cm('o', 'o1'), cm('d', 'd1', [ref('o', 'o1')])], cached: [cm('d', 'd1', [ref('o', 'o1')])], key: 'd1', deletes: [], patches: [],
  },
  { name: 'dependent already gone → nothing', live: [], cached: [cm('d', 'd1', [ref('o', 'o1')])], key: 'd1', deletes: [], patches: [] },
];
for (const c of decisionCases) {
  void test(`gc attemptToDelete: ${c.name}`, async () => {
    const { gc, client } = await setup(c.live, c.cached);
    await gc.reconcile(c.key);
    assert.deepEqual(client.deletes.map((d) => ({ name: d.name, ...(d.opts?.propagationPolicy ? { policy: d.opts.propagationPolicy } : {}) })), c.deletes);
    for (const d of client.deletes) assert.equal(d.opts?.preconditions?.uid, 'd1');
    const ops = client.actions.filter((a) => a.verb === 'patch').flatMap((a) => (a.patch as JsonObject[]).map((o) => `${o.op} ${o.path}`));
    assert.deepEqual(ops, c.patches);
  });
}

void test('gc foreground: the owner keeps its finalizer while a blocking dependent exists, then loses it', async () => {
  const owner = cm('o', 'o1', [], { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] });
  const { gc, client } = await setup([owner, cm('d', 'd1', [ref('o', 'o1', true)]), cm('n', 'n1', [ref('o', 'o1')])]);
  await gc.reconcile('o1');
  assert.deepEqual(client.actions.filter((a) => a.verb === 'patch'), [], 'blocked');
  gc.graph.remove('d1');
  client.objects.delete('/configmaps/ns/d');
  await gc.reconcile('o1');
  const p = client.actions.find((a) => a.verb === 'patch');
  assert.equal(p?.patchType, 'merge');
  assert.deepEqual(p?.patch, { metadata: { finalizers: null, resourceVersion: '5', uid: 'o1' } });
});

void test('gc orphan: references removed from every dependent, then the orphan finalizer', async () => {
  const owner = cm('o', 'o1', [], { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan', 'example.com/keep'] });
  const { gc, client } = await setup([owner, cm('d', 'd1', [ref('o', 'o1', true)]), cm('e', 'e1', [ref('x', 'x1'), ref('o', 'o1')])]);
  await gc.reconcile('orphan:o1');
  const patches = client.actions.filter((a) => a.verb === 'patch').map((a) => ({ name: a.name, ops: Array.isArray(a.patch) ? (a.patch as JsonObject[]).map((o) => `${o.op} ${o.path}`) : a.patch }));
  assert.deepEqual(patches, [
    { name: 'd', ops: ['test /metadata/uid', 'test /metadata/ownerReferences/0/uid', 'remove /metadata/ownerReferences'] },
    { name: 'e', ops: ['test /metadata/uid', 'test /metadata/ownerReferences/1/uid', 'remove /metadata/ownerReferences/1'] },
    { name: 'o', ops: { metadata: { finalizers: ['example.com/keep'], resourceVersion: '5', uid: 'o1' } } },
  ]);
  assert.deepEqual(client.deletes, []);
});

void test('gc: a cluster-scoped dependent with a namespaced owner is never deleted (OwnerRefInvalidNamespace event)', async () => {
  const node: JsonObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', uid: 'n1', ownerReferences: [ref('o', 'o1')] } };
  const { gc, client } = await setup([node]);
  await gc.reconcile('n1');
  assert.deepEqual(client.deletes, []);
  const ev = client.actions.find((a) => a.verb === 'create' && a.resource === 'events');
  assert.equal(ev?.object?.reason, 'OwnerRefInvalidNamespace');
});

void test('gc: a virtual owner found absent makes its dependents be looked at', async () => {
  const { gc, client } = await setup([cm('d', 'd1', [ref('o', 'o1')])]);
  assert.equal(gc.graph.get('o1')?.observed, false);
  await gc.reconcile('o1');
  assert.equal(gc.graph.get('o1'), undefined);
  assert.deepEqual(client.verbs(), ['get configmaps ns/o']);
  assert.equal(gc.queue.len(), 1, 'd1 enqueued');
});

void test('gc: an owner uid that lives in another namespace is absent for the dependent (deleted, with a warning event)', async () => {
  const other = { ...cm('o', 'o1'), metadata: { ...cm('o', 'o1').metadata, namespace: 'elsewhere' } };
  const { gc, client } = await setup([cm('d', 'd1', [ref('o', 'o1')])], [other, cm('d', 'd1', [ref('o', 'o1')])]);
  await gc.reconcile('d1');
  assert.deepEqual(client.deletes.map((d) => d.name), ['d']);
  assert.equal(client.actions.find((a) => a.resource === 'events')?.object?.reason, 'OwnerRefInvalidNamespace');
});
