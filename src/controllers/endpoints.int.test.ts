/**
 * @module controllers/endpoints.int.test — the Endpoints and EndpointSlice controllers against a
 * real API server and the stub kubelet (unique pod IPs): a Service over three pods lists them
 * ready, a pod whose Ready condition turns False moves to notReadyAddresses / ready=false, and a
 * Service without selector is left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { RESOURCES } from '../client/index.ts';
import { newEndpointsController } from './endpoints.ts';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, newEndpointSliceController, SERVICE_NAME_LABEL } from './endpointslice.ts';
import { startHarness } from './int-harness.ts';

const pod = (name: string): JsonObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] },
});

test('Endpoints and EndpointSlice controllers against a real API server', async (t) => {
  const h = await startHarness({ controllers: (ctx) => [newEndpointsController(ctx), newEndpointSliceController(ctx)], uniquePodIPs: true });
  t.after(() => { if (process.env.SHOW_ERRORS) console.log(h.errors.join('\n')); return h.close(); });
  for (const n of ['web-0', 'web-1', 'web-2']) await h.client.create(RESOURCES.pods, 'default', pod(n));
  await h.client.create(RESOURCES.services, 'default', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  const slicesOf = async (): Promise<JsonObject[]> => (await h.client.list(RESOURCES.endpointslices, 'default')).items.filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === 'web');

  await t.test('three Running pods are ready addresses on the resolved port', async () => {
    const ep = await h.eventually('endpoints with 3 ready', async () => {
      const e = await h.client.get(RESOURCES.endpoints, 'default', 'web');
      return e.subsets?.[0]?.addresses?.length === 3 ? e : undefined;
    });
    assert.equal(ep.subsets.length, 1);
    assert.deepEqual(ep.subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.equal(ep.subsets[0].notReadyAddresses, undefined);
    assert.deepEqual(ep.subsets[0].addresses.map((a: JsonObject) => a.targetRef.name).sort(), ['web-0', 'web-1', 'web-2']);
    assert.ok(ep.subsets[0].addresses.every((a: JsonObject) => a.nodeName && a.ip.startsWith('10.244.')));
    assert.ok(ep.metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time']);

    const slices = await h.eventually('slice with 3 ready', async () => {
      const s = await slicesOf();
      return s.length === 1 && s[0].endpoints?.length === 3 && s[0].endpoints.every((e: JsonObject) => e.conditions.ready) ? s : undefined;
    });
    const s = slices[0];
    assert.equal(s.addressType, 'IPv4');
    assert.equal(s.metadata.labels[MANAGED_BY_LABEL], CONTROLLER_NAME);
    assert.ok(String(s.metadata.name).startsWith('web-'));
    assert.equal(s.metadata.ownerReferences[0].kind, 'Service');
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  await t.test('a pod whose Ready condition turns False moves to notReadyAddresses / ready=false', async () => {
    const p = await h.client.get(RESOURCES.pods, 'default', 'web-1');
    const conditions = (p.status.conditions as JsonObject[]).map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
    await h.client.patch(RESOURCES.pods, 'default', 'web-1', 'merge', { status: { conditions } }, { subresource: 'status' });
    const ep = await h.eventually('web-1 not ready in endpoints', async () => {
      const e = await h.client.get(RESOURCES.endpoints, 'default', 'web');
      return e.subsets?.[0]?.notReadyAddresses?.length === 1 ? e : undefined;
    });
    assert.equal(ep.subsets[0].notReadyAddresses[0].targetRef.name, 'web-1');
    assert.equal(ep.subsets[0].addresses.length, 2);
    const slices = await h.eventually('web-1 not ready in slice', async () => {
      const s = await slicesOf();
      const e = s[0]?.endpoints?.find((x: JsonObject) => x.targetRef.name === 'web-1');
      return e?.conditions.ready === false ? s : undefined;
    });
    assert.equal(slices.length, 1, 'updated in place');
    const e1 = slices[0].endpoints.find((x: JsonObject) => x.targetRef.name === 'web-1');
    assert.deepEqual(e1.conditions, { ready: false, serving: false, terminating: false });
  });

  await t.test('settled: neither Endpoints nor slices are rewritten without a change', async () => {
    const ep = await h.client.get(RESOURCES.endpoints, 'default', 'web');
    const [slice] = await slicesOf();
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await h.client.get(RESOURCES.endpoints, 'default', 'web')).metadata?.resourceVersion, ep.metadata?.resourceVersion);
    assert.equal((await slicesOf())[0].metadata?.resourceVersion, slice.metadata?.resourceVersion);
  });

  await t.test('headless without ports, unnamed ports and empty services are accepted by the API', async () => {
    await h.client.create(RESOURCES.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hl', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'web' } } });
    await h.client.create(RESOURCES.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'plain', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 81, targetPort: 8081 }] } });
    await h.client.create(RESOURCES.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'none', namespace: 'default' }, spec: { selector: { app: 'nothing' }, ports: [{ port: 80 }] } });
    const sliceFor = async (svc: string): Promise<JsonObject | undefined> => (await h.client.list(RESOURCES.endpointslices, 'default')).items.find((x) => x.metadata?.labels?.[SERVICE_NAME_LABEL] === svc);
    const hl = await h.eventually('headless slice', async () => { const x = await sliceFor('hl'); return x?.endpoints?.length === 3 ? x : undefined; });
    assert.equal(hl.metadata?.labels?.['service.kubernetes.io/headless'], '');
    const hlEp = await h.eventually('headless endpoints', async () => {
      const e = await h.client.get(RESOURCES.endpoints, 'default', 'hl');
      return e.subsets?.[0]?.addresses?.length === 2 && e.subsets[0].notReadyAddresses?.length === 1 ? e : undefined;
    });
    assert.equal(hlEp.subsets[0].ports, undefined);
    const plain = await h.eventually('unnamed port slice', async () => { const x = await sliceFor('plain'); return x?.endpoints?.length ? x : undefined; });
    assert.deepEqual(plain.ports, [{ name: '', port: 8081, protocol: 'TCP' }]);
    const none = await h.eventually('placeholder slice', () => sliceFor('none'));
    assert.deepEqual(none.endpoints ?? [], []);
    const noneEp: JsonObject = await h.eventually('empty endpoints', () => h.client.get(RESOURCES.endpoints, 'default', 'none'));
    assert.deepEqual(noneEp.subsets ?? [], []);
    assert.deepEqual(h.errors, [], 'no write was refused');
  });

  await t.test('a Service without selector gets no Endpoints from the controller', async () => {
    await h.client.create(RESOURCES.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(h.client.get(RESOURCES.endpoints, 'default', 'manual'), /not found/);
  });
});
