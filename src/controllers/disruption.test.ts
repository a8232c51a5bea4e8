/**
 * @module controllers/disruption.test — the disruption controller with a FakeClient and a
 * FakeClock: expectedPods / desiredHealthy from minAvailable, percentages and maxUnavailable over
 * the controllers' scale, currentHealthy, disruptionsAllowed, conditions, disruptedPods expiry and
 * the fail-safe when the scale is unknown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { fixture, RESOURCES, type Fixture } from './testing.ts';
import { newDisruptionController, pdbSelects, scaledValue } from './disruption.ts';

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function pdb(spec: JsonObject, status?: JsonObject): JsonObject {
  return {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db', namespace: 'ns', uid: 'pdb-uid', generation: 4, resourceVersion: '1' },
    spec: { selector: { matchLabels: { app: 'db' } }, ...spec }, ...(status ? { status } : {}),
  };
}

function pod(name: string, o: { ready?: boolean; owner?: [string, string]; deleting?: boolean; labels?: Record<string, string> } = {}): JsonObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'ns', uid: `uid-${name}`, labels: o.labels ?? { app: 'db' }, ...(o.deleting ? { deletionTimestamp: iso(T0) } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: o.owner[0], name: o.owner[1], uid: `uid-${o.owner[1]}`, controller: true }] } : {}),
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

function owner(kind: string, name: string, replicas: number, controlledBy?: [string, string]): JsonObject {
  return {
    apiVersion: 'apps/v1', kind, metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...(controlledBy ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: controlledBy[0], name: controlledBy[1], uid: `uid-${controlledBy[1]}`, controller: true }] } : {}) },
    spec: { replicas },
  };
}

const RES: Record<string, typeof RESOURCES.replicasets> = {
  ReplicaSet: RESOURCES.replicasets, Deployment: RESOURCES.deployments, StatefulSet: RESOURCES.statefulsets, ReplicationController: RESOURCES.replicationcontrollers,
};

async function run(p: JsonObject, pods: JsonObject[], owners: JsonObject[] = [], now = T0): Promise<{ f: Fixture; status: JsonObject | undefined; result: unknown }> {
  const f = fixture();
  const c = newDisruptionController(f.ctx);
  f.clock.setTime(now);
  f.seed(RESOURCES.poddisruptionbudgets, p);
  if (pods.length) f.seed(RESOURCES.pods, ...pods);
  for (const o of owners) f.seed(RES[o.kind], o);
  const result = await c.reconcile('ns/db');
  const status = f.client.actions.find((a) => a.resource === 'poddisruptionbudgets' && a.subresource === 'status')?.object?.status as JsonObject | undefined;
  return { f, status, result };
}

const three = [pod('a', { owner: ['StatefulSet', 'db'] }), pod('b', { owner: ['StatefulSet', 'db'] }), pod('c', { owner: ['StatefulSet', 'db'] })];

const cases: { name: string; spec: JsonObject; pods: JsonObject[]; owners?: JsonObject[]; want: { expected: number; desired: number; healthy: number; allowed: number; reason: string } }[] = [
  { name: 'minAvailable 2 over 3 ready', spec: { minAvailable: 2 }, pods: three, want: { expected: 3, desired: 2, healthy: 3, allowed: 1, reason: 'SufficientPods' } },
  { name: 'minAvailable 3 over 3 ready', spec: { minAvailable: 3 }, pods: three, want: { expected: 3, desired: 3, healthy: 3, allowed: 0, reason: 'InsufficientPods' } },
  { name: 'minAvailable int needs no controller', spec: { minAvailable: 1 }, pods: [pod('x'), pod('y', { ready: false })], want: { expected: 2, desired: 1, healthy: 1, allowed: 0, reason: 'InsufficientPods' } },
  { name: 'deleting pods are not healthy', spec: { minAvailable: 1 }, pods: [pod('x'), pod('y', { deleting: true })], want: { expected: 2, desired: 1, healthy: 1, allowed: 0, reason: 'InsufficientPods' } },
  { name: 'maxUnavailable 1 over a StatefulSet of 5', spec: { maxUnavailable: 1 }, pods: three, owners: [owner('StatefulSet', 'db', 5)], want: { expected: 5, desired: 4, healthy: 3, allowed: 0, reason: 'InsufficientPods' } },
  { name: 'maxUnavailable 50% over 3 rounds up', spec: { maxUnavailable: '50%' }, pods: three, owners: [owner('StatefulSet', 'db', 3)], want: { expected: 3, desired: 1, healthy: 3, allowed: 2, reason: 'SufficientPods' } },
  { name: 'minAvailable 50% over 3 rounds up', spec: { minAvailable: '50%' }, pods: three, owners: [owner('StatefulSet', 'db', 3)], want: { expected: 3, desired: 2, healthy: 3, allowed: 1, reason: 'SufficientPods' } },
  { name: 'a ReplicaSet under a Deployment uses the Deployment\'s replicas', spec: { maxUnavailable: 0 },
    pods: [pod('r1', { owner: ['ReplicaSet', 'rs1'] }), pod('r2', { owner: ['ReplicaSet', 'rs2'] })],
    owners: [owner('ReplicaSet', 'rs1', 1, ['Deployment', 'dep']), owner('ReplicaSet', 'rs2', 1, ['Deployment', 'dep']), owner('Deployment', 'dep', 2)],
    want: { expected: 2, desired: 2, healthy: 2, allowed: 0, reason: 'InsufficientPods' } },
  { name: 'distinct controllers add up', spec: { maxUnavailable: 1 }, pods: [pod('r1', { owner: ['ReplicaSet', 'rs1'] }), pod('c1', { owner: ['ReplicationController', 'rc'] })],
    owners: [owner('ReplicaSet', 'rs1', 2), owner('ReplicationController', 'rc', 3)], want: { expected: 5, desired: 4, healthy: 2, allowed: 0, reason: 'InsufficientPods' } },
  { name: 'no pods selected', spec: { minAvailable: 0 }, pods: [pod('x', { labels: { app: 'other' } })], want: { expected: 0, desired: 0, healthy: 0, allowed: 0, reason: 'InsufficientPods' } },
];

for (const c of cases) {
  test(`PDB status: ${c.name}`, async () => {
    const { status } = await run(pdb(c.spec), c.pods, c.owners);
    assert.ok(status);
    assert.deepEqual(
      { expected: status.expectedPods, desired: status.desiredHealthy, healthy: status.currentHealthy, allowed: status.disruptionsAllowed, reason: status.conditions[0].reason },
      c.want,
    );
    assert.equal(status.observedGeneration, 4);
    assert.equal(status.conditions[0].type, 'DisruptionAllowed');
    assert.equal(status.conditions[0].status, c.want.allowed > 0 ? 'True' : 'False');
  });
}

test('PDB status: percentages without a scalable controller fail safe', async () => {
  const { status } = await run(pdb({ maxUnavailable: '10%' }), [pod('x')]);
  assert.ok(status);
  assert.equal(status.disruptionsAllowed, 0);
  assert.equal(status.conditions[0].reason, 'SyncFailed');
  assert.match(status.conditions[0].message, /found no controller ref/);
});

test('PDB status: disruptedPods keep a pod unhealthy until deleted or two minutes passed', async () => {
  const disrupted = { a: iso(T0 - 30_000), b: iso(T0 - 200_000), gone: iso(T0) };
  const { status, result } = await run(pdb({ minAvailable: 1 }, { disruptedPods: disrupted }), [pod('a'), pod('b')]);
  assert.ok(status);
  assert.deepEqual(status.disruptedPods, { a: iso(T0 - 30_000) });
  assert.equal(status.currentHealthy, 1);
  assert.equal(status.disruptionsAllowed, 0);
  assert.deepEqual(result, { requeueAfterMs: 90_000 });
});

test('PDB status: an unchanged status is not rewritten', async () => {
  const first = await run(pdb({ minAvailable: 2 }), three);
  const again = await run(pdb({ minAvailable: 2 }, first.status), three);
  assert.deepEqual(again.f.client.verbs(), []);
});

test('selectors and scaled values', () => {
  assert.equal(pdbSelects(pdb({ selector: null }), pod('a')), false, 'nil selector: none');
  assert.equal(pdbSelects(pdb({ selector: {} }), pod('a', { labels: { any: 'thing' } })), true, 'empty selector: all');
  assert.equal(pdbSelects(pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'cache'] }] } }), pod('a')), true);
  assert.equal(scaledValue('34%', 3), 2);
  assert.equal(scaledValue(2, 10), 2);
  assert.equal(scaledValue('x', 10), undefined);
});
