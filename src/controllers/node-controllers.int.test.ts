/**
 * Integration test of the node controllers against a real API server: node-lifecycle,
 * taint-eviction and node-ipam together. A node whose Lease stops being renewed goes Unknown and
 * gets the unreachable taints, its pods turn not ready, a pod tolerating the taint for 2 s is
 * deleted about 2 s later while one tolerating it forever stays; the node whose Lease is renewed
 * stays healthy; every node gets its own pod CIDR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES } from '../client/index.ts';
import { startHarness } from './int-harness.ts';
import { newNodeIpamController } from './node-ipam.ts';
import { condition, newNodeLifecycleController, NODE_LEASE_NAMESPACE, UNREACHABLE_TAINT } from './node-lifecycle.ts';
import { newTaintEvictionController } from './taint-eviction.ts';

const lease = (name: string): JsonObject => ({
  apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: NODE_LEASE_NAMESPACE },
  spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date().toISOString() },
});
const pod = (name: string, tolerationSeconds?: number): JsonObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: {
    nodeName: 'node-a', containers: [{ name: 'c', image: 'busybox' }],
    tolerations: [{ key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', ...(tolerationSeconds !== undefined ? { tolerationSeconds } : {}) }],
  },
});

void test('node controllers: a silent node is tainted and its pods evicted on time; nodes get distinct pod CIDRs', async () => {
  const h = await startHarness({
    controllers: (ctx) => [newNodeLifecycleController(ctx, { gracePeriodMs: 1000 }), newTaintEvictionController(ctx), newNodeIpamController(ctx)],
  });
  const c = h.client;
  let renewing: NodeJS.Timeout | undefined;
  try {
    await c.create(RESOURCES.leases, NODE_LEASE_NAMESPACE, lease('node-a'));
    await c.create(RESOURCES.leases, NODE_LEASE_NAMESPACE, lease('node-b'));
    renewing = setInterval(() => {
      void c.get<JsonObject>(RESOURCES.leases, NODE_LEASE_NAMESPACE, 'node-b')
        .then((l) => c.update(RESOURCES.leases, NODE_LEASE_NAMESPACE, { ...l, spec: { ...l.spec, renewTime: new Date().toISOString() } }))
        .catch(() => undefined);
    }, 200);
    await c.create(RESOURCES.pods, 'default', pod('victim', 2));
    await c.create(RESOURCES.pods, 'default', pod('stayer'));

    const cidrs = await h.eventually('pod CIDRs', async () => {
      const ns = (await c.list(RESOURCES.nodes, '')).items;
      const all = ns.map((n) => n.spec?.podCIDR as string | undefined);
      return all.every(Boolean) ? all : undefined;
    });
    assert.equal(new Set(cidrs).size, cidrs.length);
    for (const x of cidrs) assert.match(x as string, /^10\.42\.\d+\.0\/24$/);

    const tainted = await h.eventually('node-a unreachable', async () => {
      const n = await c.get<JsonObject>(RESOURCES.nodes, '', 'node-a');
      const t = ((n.spec?.taints ?? []) as JsonObject[]).some((x) => x.key === UNREACHABLE_TAINT && x.effect === 'NoExecute');
      return condition(n, 'Ready')?.status === 'Unknown' && t ? n : undefined;
    });
    const taintedAt = Date.now();
    assert.equal(condition(tainted, 'Ready')?.reason, 'NodeStatusUnknown');
    assert.ok(((tainted.spec?.taints ?? []) as JsonObject[]).some((x) => x.key === UNREACHABLE_TAINT && x.effect === 'NoSchedule'));

    await h.eventually('stayer not ready', async () => condition(await c.get<JsonObject>(RESOURCES.pods, 'default', 'stayer'), 'Ready')?.status === 'False');
    await h.eventually('victim deleted', async () => {
      try {
        await c.get(RESOURCES.pods, 'default', 'victim');
        return false;
      } catch (e) {
        if (isStatusError(e, 404)) return true;
        throw e;
      }
    });
    const waited = Date.now() - taintedAt;
    // timeAdded has second precision, so the 2 s can end up to 1 s after the taint was seen.
    assert.ok(waited >= 700, `victim went after ${waited} ms`);
    const stayer = await c.get<JsonObject>(RESOURCES.pods, 'default', 'stayer');
    assert.equal(stayer.metadata?.deletionTimestamp, undefined, 'a toleration without limit keeps the pod');
    const events = (await c.list(RESOURCES.events, 'default')).items;
    assert.ok(events.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/victim'));

    const b = await c.get<JsonObject>(RESOURCES.nodes, '', 'node-b');
    assert.equal(condition(b, 'Ready')?.status, 'True');
    assert.equal(((b.spec?.taints ?? []) as JsonObject[]).length, 0, 'the node with a renewed Lease stays untainted');
    assert.deepEqual(h.errors, []);
  } finally {
    if (renewing) clearInterval(renewing);
    await h.close();
  }
});
