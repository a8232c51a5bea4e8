/** Unit tests (sample-controller style) of the node-lifecycle controller. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { newNodeLifecycleController, NOT_READY_TAINT, rfc3339, UNREACHABLE_TAINT, withLifecycleTaints } from './node-lifecycle.ts';
import { fixture, RESOURCES } from './testing.ts';

const GRACE = 1000;
const T0 = Date.UTC(2026, 0, 1);

function node(name: string, ready: string, taints?: JsonObject[]): JsonObject {
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `uid-${name}`, resourceVersion: '5', creationTimestamp: rfc3339(T0 - 60_000) },
    spec: taints ? { taints } : {},
    status: { conditions: [{ type: 'Ready', status: ready, reason: 'KubeletReady', lastHeartbeatTime: rfc3339(T0 - 5000), lastTransitionTime: rfc3339(T0 - 60_000) }, { type: 'MemoryPressure', status: 'False' }] },
  };
}
const lease = (name: string, renew: number): JsonObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease', resourceVersion: '3' }, spec: { holderIdentity: name, renewTime: new Date(renew).toISOString() } });
const pod = (name: string, nodeName: string, ready = 'True'): JsonObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'app', uid: `uid-${name}`, resourceVersion: '9' }, spec: { nodeName, containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready }] } });

const unreachable = [{ key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: rfc3339(T0) }, { key: UNREACHABLE_TAINT, effect: 'NoSchedule' }];

const cases: { name: string; node: JsonObject; pods?: JsonObject[]; renewAt?: number; advance: number; want: string[]; check?: (a: JsonObject[]) => void }[] = [
  { name: 'a node inside the grace period is left alone', node: node('n1', 'True'), advance: GRACE - 1, want: [] },
  {
    name: 'heartbeats stopped: conditions Unknown, unreachable taints, pods not ready', node: node('n1', 'True'), pods: [pod('p1', 'n1'), pod('p2', 'other'), pod('p3', 'n1', 'False')], advance: GRACE + 1,
    want: ['update nodes n1/status', 'update nodes n1', 'patch pods app/p1/status'],
    check: ([st, upd, p]) => {
      const ready = st.status.conditions.find((c: JsonObject) => c.type === 'Ready');
      assert.equal(ready.status, 'Unknown');
      assert.equal(ready.reason, 'NodeStatusUnknown');
      assert.equal(ready.message, 'Kubelet stopped posting node status.');
      for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) assert.equal(st.status.conditions.find((c: JsonObject) => c.type === t).status, 'Unknown', t);
      assert.equal(st.status.conditions.find((c: JsonObject) => c.type === 'DiskPressure').reason, 'NodeStatusNeverUpdated');
      assert.deepEqual(upd.spec.taints.map((t: JsonObject) => `${t.key}:${t.effect}`), [`${UNREACHABLE_TAINT}:NoExecute`, `${UNREACHABLE_TAINT}:NoSchedule`]);
      assert.ok(upd.spec.taints[0].timeAdded);
      assert.equal(p.status.conditions[0].status, 'False');
    },
  },
  { name: 'a renewed Lease keeps the node healthy', node: node('n1', 'True'), renewAt: GRACE - 10, advance: GRACE + 1, want: [] },
  {
    name: 'Ready=False gets the not-ready taints', node: node('n1', 'False'), advance: 0, want: ['update nodes n1'],
    check: ([upd]) => assert.deepEqual(upd.spec.taints.map((t: JsonObject) => `${t.key}:${t.effect}`), [`${NOT_READY_TAINT}:NoExecute`, `${NOT_READY_TAINT}:NoSchedule`]),
  },
  {
    name: 'a cordoned node under disk pressure gets their NoSchedule taints',
    node: { ...node('n1', 'True'), spec: { unschedulable: true }, status: { conditions: [...node('n1', 'True').status.conditions, { type: 'DiskPressure', status: 'True' }] } },
    advance: 0, want: ['update nodes n1'],
    check: ([upd]) => assert.deepEqual(upd.spec.taints, [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]),
  },
  {
    name: 'a healthy node loses stale lifecycle taints and keeps others', node: node('n1', 'True', [...unreachable, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]), advance: 0, want: ['update nodes n1'],
    check: ([upd]) => assert.deepEqual(upd.spec.taints, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]),
  },
];

for (const c of cases) {
  test(`node-lifecycle: ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newNodeLifecycleController(f.ctx, { gracePeriodMs: GRACE });
    f.clock.setTime(T0);
    f.seed(RESOURCES.nodes, c.node);
    f.seed(RESOURCES.leases, lease('n1', T0 - 100));
    if (c.pods) f.seed(RESOURCES.pods, ...c.pods);
    const first = await ctrl.reconcile('n1');
    if (c.advance > 0) {
      assert.equal(first?.requeueAfterMs, GRACE + 1, 'a healthy node is looked at again when it would be late');
      f.client.actions.length = 0;
    }
    if (c.renewAt !== undefined) {
      f.clock.step(c.renewAt);
      f.seed(RESOURCES.leases, lease('n1', f.clock.now()));
      await ctrl.reconcile('n1');
      f.clock.step(c.advance - c.renewAt);
      await ctrl.reconcile('n1');
    } else if (c.advance > 0) {
      f.clock.step(c.advance);
      await ctrl.reconcile('n1');
    }
    assert.deepEqual(f.client.verbs(), c.want);
    c.check?.(f.client.actions.map((a) => (a.object ?? a.patch) as JsonObject));
  });
}

test('node-lifecycle: a node that is gone is forgotten; an Unknown node is not updated twice', async () => {
  const f = fixture();
  const ctrl = newNodeLifecycleController(f.ctx, { gracePeriodMs: GRACE });
  assert.equal(await ctrl.reconcile('ghost'), undefined);
  const n = node('n1', 'Unknown', unreachable);
  n.status.conditions = [{ type: 'Ready', status: 'Unknown' }, { type: 'MemoryPressure', status: 'Unknown' }, { type: 'DiskPressure', status: 'Unknown' }, { type: 'PIDPressure', status: 'Unknown' }];
  f.seed(RESOURCES.nodes, n);
  await ctrl.reconcile('n1');
  f.clock.step(GRACE * 3);
  await ctrl.reconcile('n1');
  assert.deepEqual(f.client.verbs(), []);
});

test('withLifecycleTaints swaps not-ready for unreachable and reports no change as undefined', () => {
  const now = T0;
  const notReady = [{ key: NOT_READY_TAINT, effect: 'NoExecute', timeAdded: rfc3339(now - 1000) }];
  const out = withLifecycleTaints(notReady, [{ key: UNREACHABLE_TAINT, effect: 'NoExecute' }], now);
  assert.deepEqual(out, [{ key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: rfc3339(now) }]);
  assert.equal(withLifecycleTaints(out ?? [], [{ key: UNREACHABLE_TAINT, effect: 'NoExecute' }], now + 5000), undefined);
  assert.deepEqual(withLifecycleTaints(notReady, [], now), []);
});

test('node-lifecycle: reads the cluster-wide Lease informer (shared with the garbage collector) and only kube-node-lease counts', async () => {
  const f = fixture();
  const ctrl = newNodeLifecycleController(f.ctx, { gracePeriodMs: GRACE });
  assert.deepEqual(f.ctx.factory.informers().map((i) => i.name).filter((n) => n.includes('leases')), ['coordination.k8s.io/v1/leases']);
  f.clock.setTime(T0);
  f.client.seed(RESOURCES.nodes, node('n1', 'True'));
  f.client.seed(RESOURCES.leases, lease('n1', T0 - 100));
  const stop = new AbortController();
  f.factory.start(stop.signal);
  try {
    assert.equal(await f.factory.waitForSync(), true);
    await ctrl.reconcile('n1');
    while (ctrl.queue.len() > 0) ctrl.queue.done(await ctrl.queue.get() as string);
    f.clock.step(GRACE + 1);
    // A Lease of the same name elsewhere (a leader-election Lease, say) is no heartbeat of the node.
    f.client.emit(RESOURCES.leases, { type: 'MODIFIED', object: { ...lease('n1', f.clock.now()), metadata: { name: 'n1', namespace: 'kube-system', resourceVersion: '40' } } });
    await new Promise((r) => setImmediate(r));
    assert.equal(ctrl.queue.len(), 0, 'a Lease outside kube-node-lease enqueues nothing');
    await ctrl.reconcile('n1');
    assert.deepEqual(f.client.verbs().filter((v) => v.startsWith('update')), ['update nodes n1/status', 'update nodes n1']);
    // The node's own Lease does enqueue it.
    f.client.emit(RESOURCES.leases, { type: 'MODIFIED', object: { ...lease('n1', f.clock.now()), metadata: { name: 'n1', namespace: 'kube-node-lease', resourceVersion: '41' } } });
    await new Promise((r) => setImmediate(r));
    assert.equal(ctrl.queue.len(), 1);
  } finally {
    stop.abort();
  }
});
