/**
 * @module controllers/endpoints.test — the Endpoints and EndpointSlice controllers with a
 * FakeClient: which pods appear and how (ready / not ready / terminating, hostname, zone, named
 * ports per pod), subsets and slices grouping, truncation, slice sizing, in-place updates,
 * placeholders, address families, and no duplicate slices from a stale cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import type { FakeAction } from '../client/index.ts';
import { fixture, RESOURCES, type Fixture } from './testing.ts';
import { desiredSubsets, MAX_ENDPOINTS_ADDRESSES, newEndpointsController, OVER_CAPACITY_ANNOTATION } from './endpoints.ts';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, newEndpointSliceController, SERVICE_NAME_LABEL } from './endpointslice.ts';
import type { Controller } from './controller.ts';

interface PodOpts { ip?: string | string[] | null; ready?: boolean; deleting?: boolean; phase?: string; restartPolicy?: string; port?: number; hostname?: string; subdomain?: string; node?: string; labels?: Record<string, string> }
function pod(name: string, o: PodOpts = {}): JsonObject {
  const ips = o.ip === null ? [] : Array.isArray(o.ip) ? o.ip : [o.ip ?? `10.0.0.${name.replace(/\D/g, '') || '1'}`];
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' }, creationTimestamp: '2026-01-01T00:00:00Z', ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}) },
    spec: {
      nodeName: o.node ?? 'n1', restartPolicy: o.restartPolicy ?? 'Always', ...(o.hostname ? { hostname: o.hostname } : {}), ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      containers: [{ name: 'c', ports: [{ name: 'http', containerPort: o.port ?? 8080 }] }],
    },
    status: {
      phase: o.phase ?? 'Running', ...(ips.length ? { podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: '2026-01-01T00:00:05Z' }],
    },
  };
}

function service(spec: JsonObject = {}, labels: Record<string, string> = { tier: 'front' }): JsonObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...spec },
  };
}

// ---------------------------------------------------------------- Endpoints

async function endpointsRun(svc: JsonObject | undefined, pods: JsonObject[], existing?: JsonObject): Promise<Fixture> {
  const f = fixture();
  const c = newEndpointsController(f.ctx);
  if (svc) f.seed(RESOURCES.services, svc);
  if (pods.length) f.seed(RESOURCES.pods, ...pods);
  if (existing) { f.seed(RESOURCES.endpoints, existing); f.client.seed(RESOURCES.endpoints, existing); }
  await c.reconcile('ns/web');
  return f;
}
const written = (f: Fixture): JsonObject | undefined => f.client.actions.find((a) => a.resource === 'endpoints' && (a.verb === 'create' || a.verb === 'update'))?.object;

test('Endpoints: ready, not ready and excluded pods; labels, trigger time, targetRef and nodeName', async () => {
  const f = await endpointsRun(service(), [
    pod('p1'), pod('p2', { ready: false }), pod('p3', { ip: null }), pod('p4', { phase: 'Succeeded', restartPolicy: 'Never' }), pod('p5', { deleting: true }),
    pod('p6', { labels: { app: 'other' } }),
  ]);
  assert.deepEqual(f.client.verbs(), ['create endpoints ns/web']);
  const ep = written(f) as JsonObject;
  assert.deepEqual(ep.metadata.labels, { tier: 'front' });
  assert.equal(ep.metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time'], '2026-01-01T00:00:05Z');
  assert.deepEqual(ep.subsets, [{
    addresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'p1', uid: 'uid-p1' } }],
    notReadyAddresses: [{ ip: '10.0.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'p2', uid: 'uid-p2' } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  }]);
});

const subsetCases: { name: string; svc: JsonObject; pods: JsonObject[]; want: JsonObject[] }[] = [
  { name: 'a named port resolving differently per pod makes two subsets', svc: service(), pods: [pod('p1'), pod('p2', { port: 9090 })],
    want: [{ ips: ['10.0.0.1'], notReady: [], ports: [8080] }, { ips: ['10.0.0.2'], notReady: [], ports: [9090] }] },
  { name: 'publishNotReadyAddresses lists every pod as ready, terminating ones too', svc: service({ publishNotReadyAddresses: true }), pods: [pod('p1', { ready: false }), pod('p2', { deleting: true })],
    want: [{ ips: ['10.0.0.1', '10.0.0.2'], notReady: [], ports: [8080] }] },
  { name: 'a numeric targetPort needs no container port', svc: service({ ports: [{ port: 80, targetPort: 3000 }] }), pods: [pod('p1')],
    want: [{ ips: ['10.0.0.1'], notReady: [], ports: [3000] }] },
  { name: 'a pod without the named port is left out', svc: service({ ports: [{ port: 80, targetPort: 'metrics' }] }), pods: [pod('p1')], want: [] },
  { name: 'headless without ports: addresses, no ports', svc: service({ clusterIP: 'None', ports: [] }), pods: [pod('p1')],
    want: [{ ips: ['10.0.0.1'], notReady: [], ports: [] }] },
  { name: 'the Service family picks the pod IP', svc: service({ ipFamilies: ['IPv6'], clusterIP: 'fd00::10' }), pods: [pod('p1', { ip: ['10.0.0.1', 'fd00::1'] })],
    want: [{ ips: ['fd00::1'], notReady: [], ports: [8080] }] },
];
for (const c of subsetCases) {
  test(`Endpoints subsets: ${c.name}`, () => {
    const { subsets } = desiredSubsets(c.svc, c.pods);
    const got = subsets.map((s) => ({
      ips: (s.addresses ?? []).map((a: JsonObject) => a.ip), notReady: (s.notReadyAddresses ?? []).map((a: JsonObject) => a.ip), ports: (s.ports ?? []).map((p: JsonObject) => p.port),
    }));
    assert.deepEqual(got, c.want);
  });
}

test('Endpoints: hostname only when the pod\'s subdomain is the Service', async () => {
  const { subsets } = desiredSubsets(service(), [pod('p1', { hostname: 'a', subdomain: 'web' }), pod('p2', { hostname: 'b', subdomain: 'other' })]);
  assert.deepEqual(subsets[0].addresses.map((a: JsonObject) => a.hostname), ['a', undefined]);
});

test('Endpoints: unchanged is not rewritten; a changed one is updated in place', async () => {
  const first = written(await endpointsRun(service(), [pod('p1')])) as JsonObject;
  const existing = { ...first, metadata: { ...first.metadata, resourceVersion: '3' } };
  const same = await endpointsRun(service(), [pod('p1')], existing);
  assert.deepEqual(same.client.verbs(), []);
  const changed = await endpointsRun(service(), [pod('p1'), pod('p2')], existing);
  assert.deepEqual(changed.client.verbs(), ['update endpoints ns/web']);
  assert.equal((written(changed) as JsonObject).subsets[0].addresses.length, 2);
});

test('Endpoints: no selector is left alone; a deleted Service takes its Endpoints along', async () => {
  const manual = await endpointsRun(service({ selector: undefined }), [pod('p1')]);
  assert.deepEqual(manual.client.verbs(), []);
  const gone = await endpointsRun(undefined, []);
  assert.deepEqual(gone.client.verbs(), ['delete endpoints ns/web']);
});

test('Endpoints: over 1000 addresses are truncated and annotated', async () => {
  const pods = Array.from({ length: 1200 }, (_, i) => pod(`p${i}`, { ip: `10.1.${Math.floor(i / 250)}.${i % 250}`, ready: i % 2 === 0 }));
  const f = await endpointsRun(service(), pods);
  const ep = written(f) as JsonObject;
  assert.equal(ep.metadata.annotations[OVER_CAPACITY_ANNOTATION], 'truncated');
  const n = ep.subsets.reduce((acc: number, s: JsonObject) => acc + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  assert.equal(n, MAX_ENDPOINTS_ADDRESSES);
  assert.equal(ep.subsets[0].addresses.length, 600, 'ready addresses are kept first');
});

// ---------------------------------------------------------------- EndpointSlices

function sliceSetup(): { f: Fixture; c: Controller } {
  const f = fixture();
  const c = newEndpointSliceController(f.ctx);
  let n = 0;
  f.client.react((a: FakeAction) => (a.verb === 'create' && a.resource === 'endpointslices'
    ? { ...a.object, metadata: { ...a.object?.metadata, name: `${a.object?.metadata?.generateName}${n++}`, resourceVersion: '2' } } : undefined));
  return { f, c };
}
const sliceWrites = (f: Fixture, verb: string): JsonObject[] => f.client.actions.filter((a) => a.resource === 'endpointslices' && a.verb === verb).map((a) => a.object as JsonObject);

async function sliceRun(svc: JsonObject, pods: JsonObject[], slices: JsonObject[] = [], nodes: JsonObject[] = []): Promise<{ f: Fixture; c: Controller }> {
  const { f, c } = sliceSetup();
  f.seed(RESOURCES.services, svc);
  if (pods.length) f.seed(RESOURCES.pods, ...pods);
  if (slices.length) f.seed(RESOURCES.endpointslices, ...slices);
  if (nodes.length) f.seed(RESOURCES.nodes, ...nodes);
  await c.reconcile('ns/web');
  return { f, c };
}

function existingSlice(name: string, ips: string[], extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name, namespace: 'ns', resourceVersion: '7', labels: { tier: 'front', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: CONTROLLER_NAME } },
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: 'ns', name: `p${ip.split('.')[3]}`, uid: `uid-p${ip.split('.')[3]}` }, nodeName: 'n1' })),
    ...extra,
  };
}

test('EndpointSlice: a new slice with labels, owner, conditions, zone, hostname and resolved ports', async () => {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2', labels: { 'topology.kubernetes.io/zone': 'zone-b' } } };
  const { f } = await sliceRun(service(), [pod('p1'), pod('p2', { ready: false, node: 'n2', hostname: 'h2', subdomain: 'web' }), pod('p3', { deleting: true })], [], [node]);
  const [s] = sliceWrites(f, 'create');
  assert.equal(sliceWrites(f, 'create').length, 1);
  assert.equal(s.metadata.generateName, 'web-');
  assert.deepEqual(s.metadata.labels, { tier: 'front', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: CONTROLLER_NAME });
  assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  const byName = Object.fromEntries((s.endpoints as JsonObject[]).map((e) => [e.targetRef.name, e]));
  assert.deepEqual(byName.p1.conditions, { ready: true, serving: true, terminating: false });
  assert.deepEqual(byName.p2.conditions, { ready: false, serving: false, terminating: false });
  assert.deepEqual(byName.p3.conditions, { ready: false, serving: true, terminating: true }, 'terminating: serving per readiness, never ready');
  assert.equal(byName.p2.zone, 'zone-b');
  assert.equal(byName.p2.hostname, 'h2');
  assert.equal(byName.p2.nodeName, 'n2');
  assert.deepEqual(byName.p1.addresses, ['10.0.0.1']);
});

test('EndpointSlice: 250 endpoints make slices of 100, 100 and 50', async () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(`p${i}`, { ip: `10.1.${Math.floor(i / 200)}.${i % 200}` }));
  const { f } = await sliceRun(service(), pods);
  assert.deepEqual(sliceWrites(f, 'create').map((s) => s.endpoints.length), [100, 100, 50]);
});

test('EndpointSlice: changes are made in place — kept endpoints stay, new ones fill the slice', async () => {
  const s = existingSlice('web-abc', ['10.0.0.1', '10.0.0.2']);
  const { f } = await sliceRun(service(), [pod('p1'), pod('p3')], [s]);
  assert.deepEqual(f.client.verbs(), ['update endpointslices ns/web-abc']);
  const [u] = sliceWrites(f, 'update');
  assert.deepEqual(u.endpoints.map((e: JsonObject) => e.addresses[0]), ['10.0.0.1', '10.0.0.3']);
  const same = await sliceRun(service(), [pod('p1'), pod('p2')], [s]);
  assert.deepEqual(same.f.client.verbs(), [], 'nothing changed, nothing written');
});

test('EndpointSlice: a slice whose port set is gone is replaced; an emptied slice is deleted', async () => {
  const old = existingSlice('web-old', ['10.0.0.1'], { ports: [{ name: 'http', port: 7070, protocol: 'TCP' }] });
  const { f } = await sliceRun(service(), [pod('p1')], [old]);
  assert.deepEqual(f.client.verbs().sort(), ['create endpointslices ns/', 'delete endpointslices ns/web-old']);
  const two = await sliceRun(service(), [pod('p1')], [existingSlice('web-a', ['10.0.0.1']), existingSlice('web-b', ['10.0.0.9'])]);
  assert.deepEqual(two.f.client.verbs(), ['delete endpointslices ns/web-b']);
});

test('EndpointSlice: no endpoints keeps one empty placeholder slice', async () => {
  const { f } = await sliceRun(service(), []);
  const [s] = sliceWrites(f, 'create');
  assert.deepEqual(s.endpoints, []);
  assert.equal(s.addressType, 'IPv4');
  const emptied = await sliceRun(service(), [], [existingSlice('web-a', ['10.0.0.1']), existingSlice('web-b', ['10.0.0.2'])]);
  assert.deepEqual(emptied.f.client.verbs().sort(), ['delete endpointslices ns/web-b', 'update endpointslices ns/web-a']);
  assert.deepEqual(sliceWrites(emptied.f, 'update')[0].endpoints, []);
});

test('EndpointSlice: address types follow ipFamilies, or the pods of a headless Service', async () => {
  const dual = await sliceRun(service({ ipFamilies: ['IPv4', 'IPv6'] }), [pod('p1', { ip: ['10.0.0.1', 'fd00::1'] })]);
  assert.deepEqual(sliceWrites(dual.f, 'create').map((s) => `${s.addressType} ${s.endpoints[0].addresses[0]}`), ['IPv4 10.0.0.1', 'IPv6 fd00::1']);
  const headless = await sliceRun(service({ clusterIP: 'None', ports: [] }), [pod('p1', { ip: ['fd00::1'] })]);
  const [h] = sliceWrites(headless.f, 'create');
  assert.equal(h.addressType, 'IPv6');
  assert.equal(h.metadata.labels['service.kubernetes.io/headless'], '');
  assert.deepEqual(h.ports, []);
});

test('EndpointSlice: a second reconcile before the cache shows the new slice creates nothing', async () => {
  const { f, c } = await sliceRun(service(), [pod('p1')]);
  assert.equal(sliceWrites(f, 'create').length, 1);
  const r = await c.reconcile('ns/web');
  assert.equal(sliceWrites(f, 'create').length, 1);
  assert.deepEqual(r, { requeueAfterMs: 1000 });
});

test('EndpointSlice: a Service without selector is left alone', async () => {
  const { f } = await sliceRun(service({ selector: undefined }), [pod('p1')], [existingSlice('web-a', ['10.0.0.1'])]);
  assert.deepEqual(f.client.verbs(), []);
});
