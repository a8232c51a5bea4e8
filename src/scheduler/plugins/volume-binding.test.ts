import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { CycleState } from '../framework.ts';
import type { Handle, NodeInfo } from '../framework.ts';
import { makeListers, makeNodeInfo, makePodInfo, makeSnapshot } from './advanced-util.ts';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, VOLUME_REASONS, newVolumeBinding } from './volume-binding.ts';

const node = (name: string, zone: string): JsonObject => ({ metadata: { name, labels: { zone, 'kubernetes.io/hostname': name } } });
const nodes = (): NodeInfo[] => [node('n1', 'a'), node('n2', 'a'), node('n3', 'b'), node('n4', 'c')].map((n) => makeNodeInfo(n));
const zoneAffinity = (zone: string): JsonObject => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [zone] }] }] } });
const pod = (name: string, ...claims: string[]): JsonObject => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { containers: [{ name: 'c' }], volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) },
});
const pvc = (name: string, cls: string, size = '3Gi', extra: JsonObject = {}): JsonObject => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', ...(extra.metadata ?? {}) },
  spec: { storageClassName: cls, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...(extra.spec ?? {}) },
  status: { phase: 'Pending', ...(extra.status ?? {}) },
});
const boundPvc = (name: string, pvName: string): JsonObject =>
  pvc(name, 'local', '1Gi', { metadata: { annotations: { [ANN_BIND_COMPLETED]: 'yes' } }, spec: { volumeName: pvName }, status: { phase: 'Bound' } });
const pv = (name: string, cls: string, size: string, zone?: string, extra: JsonObject = {}): JsonObject => ({
  metadata: { name, resourceVersion: '1', labels: extra.labels ?? {} },
  spec: { storageClassName: cls, capacity: { storage: size }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], ...(zone ? { nodeAffinity: zoneAffinity(zone) } : {}), ...(extra.spec ?? {}) },
  status: { phase: 'Available', ...(extra.status ?? {}) },
});
const classes = [
  { metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' },
  { metadata: { name: 'dyn' }, provisioner: 'csi.example.com', volumeBindingMode: 'WaitForFirstConsumer', allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a', 'b'] }] }] },
  { metadata: { name: 'now' }, provisioner: 'csi.example.com', volumeBindingMode: 'Immediate' },
];

interface World { pvcs: JsonObject[]; pvs: JsonObject[] }
function world(pvcs: JsonObject[], pvs: JsonObject[]): World { return { pvcs, pvs }; }

function run(w: World, p: JsonObject): { pre: string; nodes: Record<string, string> } {
  const pl = newVolumeBinding(makeListers({ ...w, storageClasses: classes }));
  const cs = new CycleState();
  const pi = makePodInfo(p);
  const ns = nodes();
  const pre = pl.preFilter(cs, pi, makeSnapshot(ns)).status;
  if (pre.code === 'Skip') return { pre: 'skip', nodes: {} }; // the framework calls no Filter then
  if (pre.code !== 'Success') return { pre: `${pre.code}: ${pre.reasons.join(',')}`, nodes: {} };
  return {
    pre: 'ok',
    nodes: Object.fromEntries(ns.map((n) => { const s = pl.filter(cs, pi, n); return [n.name, s.code === 'Success' ? 'ok' : `${s.code}: ${s.reasons.join(',')}`]; })),
  };
}

const U = 'UnschedulableAndUnresolvable';
const all = (v: string): Record<string, string> => ({ n1: v, n2: v, n3: v, n4: v });
const NC = `${U}: ${VOLUME_REASONS.nodeConflict}`;
const BC = `${U}: ${VOLUME_REASONS.bindConflict}`;

const cases: { name: string; w: World; pod: JsonObject; pre?: string; want?: Record<string, string> }[] = [
  { name: 'pod without claims (Skip, as upstream)', w: world([], []), pod: pod('p'), pre: 'skip' },
  { name: 'missing claim', w: world([], []), pod: pod('p', 'data'), pre: `${U}: persistentvolumeclaim "data" not found` },
  {
    name: 'missing ephemeral claim', w: world([], []),
    pod: { ...pod('p'), spec: { containers: [], volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: {} } }] } },
    pre: `${U}: waiting for ephemeral volume controller to create the persistentvolumeclaim "p-scratch"`,
  },
  {
    name: 'ephemeral claim not owned by the pod', w: world([pvc('p-scratch', 'dyn')], []),
    pod: { ...pod('p'), spec: { containers: [], volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: {} } }] } },
    pre: `${U}: PVC default/p-scratch was not created for pod default/p (pod is not owner)`,
  },
  { name: 'claim being deleted', w: world([pvc('data', 'dyn', '1Gi', { metadata: { deletionTimestamp: 'x' } })], []), pod: pod('p', 'data'), pre: `${U}: persistentvolumeclaim "data" is being deleted` },
  { name: 'lost claim', w: world([pvc('data', 'dyn', '1Gi', { spec: { volumeName: 'gone' }, status: { phase: 'Lost' } })], []), pod: pod('p', 'data'), pre: `${U}: persistentvolumeclaim "data" bound to non-existent persistentvolume "gone"` },
  { name: 'unbound Immediate claim', w: world([pvc('data', 'now')], []), pod: pod('p', 'data'), pre: `${U}: ${VOLUME_REASONS.unboundImmediate}` },
  { name: 'unbound claim of an unknown class is Immediate', w: world([pvc('data', 'nope')], []), pod: pod('p', 'data'), pre: `${U}: ${VOLUME_REASONS.unboundImmediate}` },
  { name: 'bound claim: PV node affinity', w: world([boundPvc('data', 'pv1')], [pv('pv1', 'local', '1Gi', 'a')]), pod: pod('p', 'data'), want: { n1: 'ok', n2: 'ok', n3: NC, n4: NC } },
  { name: 'bound claim without node affinity', w: world([boundPvc('data', 'pv1')], [pv('pv1', 'local', '1Gi')]), pod: pod('p', 'data'), want: all('ok') },
  { name: 'bound claim whose PV is gone', w: world([boundPvc('data', 'pv1')], []), pod: pod('p', 'data'), want: all(`${U}: ${VOLUME_REASONS.pvNotExist}`) },
  {
    name: 'WaitForFirstConsumer static: PVs per zone', w: world([pvc('data', 'local')], [pv('pv-a', 'local', '5Gi', 'a'), pv('pv-b', 'local', '10Gi', 'b')]),
    pod: pod('p', 'data'), want: { n1: 'ok', n2: 'ok', n3: 'ok', n4: BC },
  },
  {
    name: 'static: too small, wrong class, wrong mode, wrong phase, taken', pod: pod('p', 'data'),
    w: world([pvc('data', 'local')], [
      pv('small', 'local', '1Gi', 'a'), pv('other', 'dyn', '5Gi', 'a'), pv('block', 'local', '5Gi', 'a', { spec: { volumeMode: 'Block' } }),
      pv('released', 'local', '5Gi', 'a', { status: { phase: 'Released' } }), pv('taken', 'local', '5Gi', 'b', { spec: { claimRef: { namespace: 'default', name: 'x' } } }),
      pv('rwx', 'local', '5Gi', 'b', { spec: { accessModes: ['ReadWriteMany'] } })]),
    want: all(BC),
  },
  {
    name: 'static: claim selector', pod: pod('p', 'data'),
    w: world([pvc('data', 'local', '1Gi', { spec: { selector: { matchLabels: { tier: 'fast' } } } })], [pv('slow', 'local', '5Gi', 'a'), pv('fast', 'local', '5Gi', 'b', { labels: { tier: 'fast' } })]),
    want: { n1: BC, n2: BC, n3: 'ok', n4: BC },
  },
  {
    name: 'dynamic provisioning within allowedTopologies', w: world([pvc('data', 'dyn')], []),
    pod: pod('p', 'data'), want: { n1: 'ok', n2: 'ok', n3: 'ok', n4: BC },
  },
  {
    name: 'claim already has a selected node', w: world([pvc('data', 'dyn', '1Gi', { metadata: { annotations: { [ANN_SELECTED_NODE]: 'n2' } } })], []),
    pod: pod('p', 'data'), want: { n1: BC, n2: 'ok', n3: BC, n4: BC },
  },
  {
    name: 'two claims cannot share the one PV', w: world([pvc('d1', 'local'), pvc('d2', 'local')], [pv('pv-a', 'local', '5Gi', 'a')]),
    pod: pod('p', 'd1', 'd2'), want: all(BC),
  },
  {
    name: 'bound and unbound conflicts are both reported', w: world([boundPvc('b', 'pv1'), pvc('u', 'local')], [pv('pv1', 'local', '1Gi', 'b'), pv('pv-a', 'local', '5Gi', 'a')]),
    pod: pod('p', 'b', 'u'), want: { n1: NC, n2: NC, n3: BC, n4: `${U}: ${VOLUME_REASONS.nodeConflict},${VOLUME_REASONS.bindConflict}` },
  },
];

for (const c of cases) {
  test(`VolumeBinding: ${c.name}`, () => {
    const got = run(c.w, c.pod);
    if (c.pre) assert.equal(got.pre, c.pre);
    else assert.deepEqual(got, { pre: 'ok', nodes: c.want });
  });
}

/** fakeHandle records writes into the world; the "controller" callback runs at each sleep to play the PV controller. */
function fakeHandle(w: World, ns: NodeInfo[], controller: (w: World) => void = () => undefined): { handle: Handle; writes: string[]; sleep: (ms: number) => Promise<void> } {
  let now = 0;
  const writes: string[] = [];
  const bump = (o: JsonObject): JsonObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: String(Number(o.metadata.resourceVersion ?? 0) + 1) } });
  const replace = (list: JsonObject[], o: JsonObject): void => { list.splice(list.findIndex((x) => x.metadata.name === o.metadata.name), 1, bump(o)); };
  const listers = makeListers({ ...w, storageClasses: classes });
  const handle = {
    snapshot: () => makeSnapshot(ns), listers, now: () => now,
    updatePv: async (o: JsonObject) => { writes.push(`pv ${o.metadata.name} claimRef=${o.spec.claimRef?.name} bound-by-controller=${o.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER]}`); replace(w.pvs, o); },
    updatePvc: async (o: JsonObject) => { writes.push(`pvc ${o.metadata.name} selected-node=${o.metadata.annotations?.[ANN_SELECTED_NODE]}`); replace(w.pvcs, o); },
  } as unknown as Handle;
  return { handle, writes, sleep: async (ms) => { now += ms; controller(w); } };
}

/** pvController binds claims referenced by PV claimRefs and provisions claims with a selected node. */
function pvController(w: World): void {
  const bind = (c: JsonObject, pvName: string): void => {
    c.spec = { ...c.spec, volumeName: pvName };
    c.metadata = { ...c.metadata, annotations: { ...c.metadata.annotations, [ANN_BIND_COMPLETED]: 'yes' }, resourceVersion: String(Number(c.metadata.resourceVersion) + 1) };
    c.status = { phase: 'Bound' };
  };
  for (const p of w.pvs) {
    const c = w.pvcs.find((x) => x.metadata.name === p.spec.claimRef?.name);
    if (c && !c.spec.volumeName) bind(c, p.metadata.name);
  }
  for (const c of w.pvcs) {
    const selected = c.metadata.annotations?.[ANN_SELECTED_NODE];
    if (!selected || c.spec.volumeName) continue;
    w.pvs.push(pv(`pvc-${c.metadata.uid}`, 'dyn', '3Gi', undefined, { spec: { claimRef: { namespace: 'default', name: c.metadata.name } }, status: { phase: 'Bound' } }));
    bind(c, `pvc-${c.metadata.uid}`);
  }
}

async function schedule(w: World, p: JsonObject, nodeName: string, controller?: (w: World) => void, plugin?: ReturnType<typeof newVolumeBinding>) {
  const ns = nodes();
  const f = fakeHandle(w, ns, controller);
  const pl = plugin ?? newVolumeBinding(f.handle.listers, { sleep: f.sleep, pollIntervalMs: 1000, bindTimeoutMs: 10_000 });
  const cs = new CycleState();
  const pi = makePodInfo(p);
  assert.equal(pl.preFilter(cs, pi, makeSnapshot(ns)).status.code, 'Success');
  const fits = ns.filter((n) => pl.filter(cs, pi, n).code === 'Success').map((n) => n.name);
  if (!fits.includes(nodeName)) return { fits, writes: f.writes, status: undefined, cs, pl };
  assert.equal((await pl.reserve(cs, pi, nodeName)).code, 'Success');
  const status = await pl.preBind(cs, pi, nodeName, f.handle);
  return { fits, writes: f.writes, status, cs, pl, pi, f };
}

test('VolumeBinding static binding: smallest fitting PV, claimRef written, waits for the PV controller', async () => {
  const w = world([pvc('data', 'local')], [pv('pv-big', 'local', '50Gi', 'a'), pv('pv-small', 'local', '5Gi', 'a'), pv('pv-b', 'local', '5Gi', 'b')]);
  const r = await schedule(w, pod('p', 'data'), 'n1', pvController);
  assert.deepEqual(r.writes, ['pv pv-small claimRef=data bound-by-controller=yes']);
  assert.equal(r.status?.code, 'Success');
  assert.equal(w.pvcs[0].spec.volumeName, 'pv-small');
});

test('VolumeBinding prebound PV wins over a smaller one and keeps no bound-by-controller annotation', async () => {
  const w = world([pvc('data', 'local')], [pv('pv-small', 'local', '5Gi', 'a'), pv('mine', 'local', '50Gi', 'a', { spec: { claimRef: { namespace: 'default', name: 'data' } } })]);
  const r = await schedule(w, pod('p', 'data'), 'n1', pvController);
  assert.deepEqual(r.writes, ['pv mine claimRef=data bound-by-controller=undefined']);
  assert.equal(r.status?.code, 'Success');
});

test('VolumeBinding dynamic provisioning: selected-node annotation, waits for the provisioner', async () => {
  const w = world([pvc('data', 'dyn')], []);
  const r = await schedule(w, pod('p', 'data'), 'n3', pvController);
  assert.deepEqual(r.writes, ['pvc data selected-node=n3']);
  assert.equal(r.status?.code, 'Success');
});

test('VolumeBinding PreBind times out when nobody binds', async () => {
  const w = world([pvc('data', 'local')], [pv('pv-a', 'local', '5Gi', 'a')]);
  const r = await schedule(w, pod('p', 'data'), 'n1');
  assert.deepEqual(r.status, { code: 'Error', reasons: ['binding volumes: context deadline exceeded'] });
});

test('VolumeBinding PreBind reports a provisioner that gave up (selected-node removed)', async () => {
  const w = world([pvc('data', 'dyn')], []);
  const giveUp = (x: World): void => {
    const c = x.pvcs[0];
    c.metadata = { ...c.metadata, annotations: {}, resourceVersion: String(Number(c.metadata.resourceVersion) + 1) };
  };
  const r = await schedule(w, pod('p', 'data'), 'n1', giveUp);
  assert.deepEqual(r.status, { code: 'Error', reasons: ['binding volumes: provisioning failed for PVC "data"'] });
});

test('VolumeBinding PreBind surfaces API write errors', async () => {
  const w = world([pvc('data', 'dyn')], []);
  const ns = nodes();
  const f = fakeHandle(w, ns);
  const handle = { ...f.handle, updatePvc: () => Promise.reject(new Error('conflict')) } as Handle;
  const pl = newVolumeBinding(f.handle.listers, { sleep: f.sleep });
  const cs = new CycleState();
  const pi = makePodInfo(pod('p', 'data'));
  pl.preFilter(cs, pi, makeSnapshot(ns));
  assert.equal(pl.filter(cs, pi, ns[0]).code, 'Success');
  await pl.reserve(cs, pi, 'n1');
  assert.deepEqual(await pl.preBind(cs, pi, 'n1', handle), { code: 'Error', reasons: ['binding volumes: conflict'] });
});

test('VolumeBinding Reserve assumes the PV for the next pod; Unreserve gives it back', async () => {
  const w = world([pvc('d1', 'local'), pvc('d2', 'local')], [pv('pv-a', 'local', '5Gi', 'a')]);
  const ns = nodes();
  const pl = newVolumeBinding(makeListers({ ...w, storageClasses: classes }));
  const cycle = (p: JsonObject): { cs: CycleState; fits: string[] } => {
    const cs = new CycleState();
    const pi = makePodInfo(p);
    pl.preFilter(cs, pi, makeSnapshot(ns));
    return { cs, fits: ns.filter((n) => pl.filter(cs, pi, n).code === 'Success').map((n) => n.name) };
  };
  const first = cycle(pod('p1', 'd1'));
  assert.deepEqual(first.fits, ['n1', 'n2']);
  await pl.reserve(first.cs, makePodInfo(pod('p1', 'd1')), 'n1');
  assert.deepEqual(cycle(pod('p2', 'd2')).fits, [], 'pv-a is assumed by p1');
  await pl.unreserve(first.cs, makePodInfo(pod('p1', 'd1')), 'n1');
  assert.deepEqual(cycle(pod('p2', 'd2')).fits, ['n1', 'n2']);
});

test('VolumeBinding assumed claim with selected node restricts a second pod sharing it', async () => {
  const w = world([pvc('shared', 'dyn')], []);
  const ns = nodes();
  const pl = newVolumeBinding(makeListers({ ...w, storageClasses: classes }));
  const cs = new CycleState();
  pl.preFilter(cs, makePodInfo(pod('p1', 'shared')), makeSnapshot(ns));
  ns.forEach((n) => pl.filter(cs, makePodInfo(pod('p1', 'shared')), n));
  await pl.reserve(cs, makePodInfo(pod('p1', 'shared')), 'n3');
  const cs2 = new CycleState();
  const p2 = makePodInfo(pod('p2', 'shared'));
  pl.preFilter(cs2, p2, makeSnapshot(ns));
  assert.deepEqual(ns.filter((n) => pl.filter(cs2, p2, n).code === 'Success').map((n) => n.name), ['n3']);
});

test('VolumeBinding Reserve/PreBind are no-ops when all claims are bound', async () => {
  const w = world([boundPvc('data', 'pv1')], [pv('pv1', 'local', '1Gi', 'a', { status: { phase: 'Bound' } })]);
  const r = await schedule(w, pod('p', 'data'), 'n1');
  assert.deepEqual(r.writes, []);
  assert.equal(r.status?.code, 'Success');
});

test('VolumeBinding without listers: pods with claims get an Error, others pass', () => {
  const pl = newVolumeBinding();
  const snap = makeSnapshot(nodes());
  assert.equal(pl.preFilter(new CycleState(), makePodInfo(pod('p', 'data')), snap).status.code, 'Error');
  const cs = new CycleState();
  assert.equal(pl.preFilter(cs, makePodInfo(pod('p')), snap).status.code, 'Skip');
  assert.equal(pl.filter(cs, makePodInfo(pod('p')), snap.nodes[0]).code, 'Success', 'its state is written all the same');
});

test('VolumeBinding reads listers from a Handle passed to preFilter', () => {
  const pl = newVolumeBinding();
  const ns = nodes();
  const cs = new CycleState();
  const pi = makePodInfo(pod('p', 'data'));
  const pre = pl.preFilter.bind(pl) as (...a: unknown[]) => ReturnType<typeof pl.preFilter>;
  const handle = { listers: makeListers({ pvcs: [pvc('data', 'dyn')], storageClasses: classes }) };
  assert.equal(pre(cs, pi, makeSnapshot(ns), handle).status.code, 'Success');
  assert.deepEqual(ns.map((n) => pl.filter(cs, pi, n).code), ['Success', 'Success', 'Success', 'UnschedulableAndUnresolvable']);
});
