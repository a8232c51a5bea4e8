import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { CycleState } from '../framework.ts';
import type { NodeInfo } from '../framework.ts';
import { makeNodeInfo, makePodInfo, makeSnapshot, selectorOf } from './advanced-util.ts';
import { SPREAD_REASONS, newPodTopologySpread } from './pod-topology-spread.ts';

const node = (name: string, labels: Record<string, string>, taints?: JsonObject[]): JsonObject =>
  ({ metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: taints ? { taints } : {} });
const pod = (name: string, labels: Record<string, string> = {}, spec: JsonObject = {}, meta: JsonObject = {}): JsonObject =>
  ({ metadata: { name, namespace: 'default', labels, ...meta }, spec: { containers: [{ name: 'c' }], ...spec } });
const web = (name: string, extra: Record<string, string> = {}): JsonObject => pod(name, { app: 'web', ...extra });
const tsc = (topologyKey: string, maxSkew: number, extra: JsonObject = {}): JsonObject =>
  ({ maxSkew, topologyKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra });
const spread = (...constraints: JsonObject[]): JsonObject => ({ topologySpreadConstraints: constraints });

/** n1,n2 zone a; n3 zone b; n4 no zone; n5 zone c (tainted, label pool=spare). */
function cluster(placed: Record<string, JsonObject[]>): NodeInfo[] {
  const defs = [node('n1', { zone: 'a' }), node('n2', { zone: 'a' }), node('n3', { zone: 'b' }), node('n4', {}),
    node('n5', { zone: 'c', pool: 'spare' }, [{ key: 'spare', effect: 'NoSchedule' }])];
  return defs.map((n) => makeNodeInfo(n, (placed[n.metadata.name] ?? []).map(makePodInfo)));
}

function filterAll(nodes: NodeInfo[], incoming: JsonObject): Record<string, string> {
  const pl = newPodTopologySpread();
  const cs = new CycleState();
  const pi = makePodInfo(incoming);
  const pre = pl.preFilter(cs, pi, makeSnapshot(nodes)).status.code;
  // As upstream, a pod without DoNotSchedule constraints switches the Filter off (Skip): the framework
  // then never calls it, so every node passes; the Filter itself would also pass them.
  const hard = ((incoming.spec?.topologySpreadConstraints ?? []) as JsonObject[]).some((c) => (c.whenUnsatisfiable ?? 'DoNotSchedule') === 'DoNotSchedule');
  assert.equal(pre, hard ? 'Success' : 'Skip');
  return Object.fromEntries(nodes.map((n) => {
    const s = pl.filter(cs, pi, n);
    return [n.name, s.code === 'Success' ? 'ok' : `${s.code}: ${s.reasons.join(',')}`];
  }));
}

const X = `Unschedulable: ${SPREAD_REASONS.constraintsNotMatch}`;
const L = `UnschedulableAndUnresolvable: ${SPREAD_REASONS.missingLabel}`;
const notSpare = { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'DoesNotExist' }] }] } } } };

const cases: { name: string; placed: Record<string, JsonObject[]>; incoming: JsonObject; want: Record<string, string> }[] = [
  { name: 'no constraints', placed: { n1: [web('a')] }, incoming: web('p'), want: { n1: 'ok', n2: 'ok', n3: 'ok', n4: 'ok', n5: 'ok' } },
  {
    name: 'zone skew 2: empty zones are the minimum', placed: { n1: [web('a')], n2: [web('b')] },
    incoming: pod('p', { app: 'web' }, spread(tsc('zone', 2))), want: { n1: X, n2: X, n3: 'ok', n4: L, n5: 'ok' },
  },
  {
    name: 'zone skew 1 with zone a ahead', placed: { n1: [web('a')], n2: [web('b')], n3: [web('c')], n5: [web('d')] },
    incoming: pod('p', { app: 'web' }, spread(tsc('zone', 1))), want: { n1: X, n2: X, n3: 'ok', n4: L, n5: 'ok' },
  },
  {
    name: 'pod not matching its own selector adds nothing', placed: { n1: [web('a')], n3: [web('c')] },
    incoming: pod('p', { app: 'other' }, spread(tsc('zone', 1))), want: { n1: 'ok', n2: 'ok', n3: 'ok', n4: L, n5: 'ok' },
  },
  {
    name: 'nodeAffinityPolicy Honor drops the excluded zone from the minimum', placed: { n1: [web('a')], n3: [web('c')] },
    incoming: pod('p', { app: 'web' }, { ...spread(tsc('zone', 1)), ...notSpare }), want: { n1: 'ok', n2: 'ok', n3: 'ok', n4: L, n5: 'ok' },
  },
  {
    name: 'nodeAffinityPolicy Ignore counts the excluded empty zone', placed: { n1: [web('a')], n3: [web('c')] },
    incoming: pod('p', { app: 'web' }, { ...spread(tsc('zone', 1, { nodeAffinityPolicy: 'Ignore' })), ...notSpare }), want: { n1: X, n2: X, n3: X, n4: L, n5: 'ok' },
  },
  {
    name: 'nodeTaintsPolicy Honor drops the tainted zone', placed: { n1: [web('a')], n3: [web('c')] },
    incoming: pod('p', { app: 'web' }, spread(tsc('zone', 1, { nodeTaintsPolicy: 'Honor' }))), want: { n1: 'ok', n2: 'ok', n3: 'ok', n4: L, n5: 'ok' },
  },
  {
    name: 'nodeTaintsPolicy Ignore (default) keeps the tainted empty zone', placed: { n1: [web('a')], n3: [web('c')] },
    incoming: pod('p', { app: 'web' }, spread(tsc('zone', 1))), want: { n1: X, n2: X, n3: X, n4: L, n5: 'ok' },
  },
  {
    name: 'minDomains above the domain count makes the minimum 0', placed: { n1: [web('a')], n3: [web('c')], n5: [web('e')] },
    incoming: pod('p', { app: 'web' }, spread(tsc('zone', 1, { minDomains: 4 }))), want: { n1: X, n2: X, n3: X, n4: L, n5: X },
  },
  {
    name: 'minDomains satisfied behaves as usual', placed: { n1: [web('a')], n3: [web('c')], n5: [web('e')] },
    incoming: pod('p', { app: 'web' }, spread(tsc('zone', 1, { minDomains: 3 }))), want: { n1: 'ok', n2: 'ok', n3: 'ok', n4: L, n5: 'ok' },
  },
  {
    name: 'other namespaces and terminating pods do not count',
    placed: { n1: [{ ...web('a'), metadata: { name: 'a', namespace: 'other', labels: { app: 'web' } } }, pod('t', { app: 'web' }, {}, { deletionTimestamp: '2026-01-01T00:00:00Z' })], n3: [web('c')] },
    incoming: pod('p', { app: 'web' }, spread(tsc('zone', 1, { nodeTaintsPolicy: 'Honor' }))), want: { n1: 'ok', n2: 'ok', n3: X, n4: L, n5: 'ok' },
  },
  {
    name: 'matchLabelKeys narrows the selector to the same version', placed: { n1: [web('a', { v: '1' }), web('b', { v: '1' })], n3: [web('c', { v: '2' })] },
    incoming: pod('p', { app: 'web', v: '2' }, spread(tsc('zone', 1, { matchLabelKeys: ['v'], nodeTaintsPolicy: 'Honor' }))), want: { n1: 'ok', n2: 'ok', n3: X, n4: L, n5: 'ok' },
  },
  {
    name: 'hostname skew 2', placed: { n1: [web('a'), web('b')], n2: [web('c')] },
    incoming: pod('p', { app: 'web' }, spread(tsc('kubernetes.io/hostname', 2))), want: { n1: X, n2: 'ok', n3: 'ok', n4: 'ok', n5: 'ok' },
  },
  {
    name: 'ScheduleAnyway constraints are not filters', placed: { n1: [web('a'), web('b')] },
    incoming: pod('p', { app: 'web' }, spread(tsc('zone', 1, { whenUnsatisfiable: 'ScheduleAnyway' }))), want: { n1: 'ok', n2: 'ok', n3: 'ok', n4: 'ok', n5: 'ok' },
  },
];

for (const c of cases) {
  test(`PodTopologySpread filter: ${c.name}`, () => {
    assert.deepEqual(filterAll(cluster(c.placed), c.incoming), c.want);
  });
}

test('PodTopologySpread addPod/removePod move the counts and the minimum', () => {
  const pl = newPodTopologySpread();
  const nodes = cluster({ n1: [web('a'), web('b')], n3: [web('c')] });
  const incoming = makePodInfo(pod('p', { app: 'web' }, spread(tsc('zone', 1, { nodeTaintsPolicy: 'Honor' }))));
  const cs = new CycleState();
  pl.preFilter(cs, incoming, makeSnapshot(nodes));
  const [n1, , n3] = nodes;
  assert.equal(pl.filter(cs, incoming, n1).code, 'Unschedulable');
  const what = cs.clone();
  pl.removePod!(what, incoming, n1.pods[0], n1);
  assert.equal(pl.filter(what, incoming, n1).code, 'Success');
  assert.equal(pl.filter(cs, incoming, n1).code, 'Unschedulable', 'original state untouched');
  pl.addPod!(what, incoming, makePodInfo(web('x')), n3);
  pl.addPod!(what, incoming, makePodInfo(web('y')), n3);
  // zone a 1, zone b 3: b is now over, a fine.
  assert.equal(pl.filter(what, incoming, n3).code, 'Unschedulable');
  assert.equal(pl.filter(what, incoming, n1).code, 'Success');
  // pods of other namespaces are ignored by addPod.
  pl.addPod!(what, incoming, makePodInfo({ ...web('z'), metadata: { name: 'z', namespace: 'other', labels: { app: 'web' } } }), n1);
  assert.equal(pl.filter(what, incoming, n1).code, 'Success');
});

function scoreAll(nodes: NodeInfo[], incoming: JsonObject, feasible = nodes, opts = {}): Record<string, number> {
  const pl = newPodTopologySpread(opts);
  const cs = new CycleState();
  const pi = makePodInfo(incoming);
  pl.preFilter(cs, pi, makeSnapshot(nodes));
  assert.equal(pl.preScore(cs, pi, feasible).code, 'Success');
  const scores = new Map(feasible.map((n) => [n.name, pl.score(cs, pi, n)]));
  pl.normalizeScore!(cs, pi, scores);
  return Object.fromEntries(scores);
}

const anyway = (key: string, maxSkew = 1): JsonObject => tsc(key, maxSkew, { whenUnsatisfiable: 'ScheduleAnyway' });

test('PodTopologySpread score: fewer matching pods in the zone scores higher; nodes without the key get 0', () => {
  const got = scoreAll(cluster({ n1: [web('a'), web('b')], n3: [web('c')] }), pod('p', { app: 'web' }, spread(anyway('zone'))));
  // zones a,b,c → weight ln(5): a round(3.2)=3, b round(1.6)=2, c 0 → 100*(3-s)/3.
  assert.deepEqual(got, { n1: 0, n2: 0, n3: 33, n4: 0, n5: 100 });
});

test('PodTopologySpread score: hostname counts per node', () => {
  const got = scoreAll(cluster({ n1: [web('a'), web('b')], n2: [web('c')] }), pod('p', { app: 'web' }, spread(anyway('kubernetes.io/hostname'))));
  // 5 nodes → weight ln 7 ≈ 1.95: n1 round(3.89)=4, n2 round(1.95)=2, others 0 → 100*(4-s)/4.
  assert.deepEqual(got, { n1: 0, n2: 50, n3: 100, n4: 100, n5: 100 });
});

test('PodTopologySpread score: counts only pods on nodes of the pairs of feasible nodes', () => {
  const nodes = cluster({ n1: [web('a'), web('b')], n3: [web('c')] });
  const got = scoreAll(nodes, pod('p', { app: 'web' }, spread(anyway('zone'))), [nodes[1], nodes[2]]);
  // pairs a,b → weight ln 4: n2 round(2.77)=3, n3 round(1.39)=1 → 100*(4-s)/3.
  assert.deepEqual(got, { n2: 33, n3: 100 });
});

test('PodTopologySpread PreScore: Skip without ScheduleAnyway constraints (only DoNotSchedule, or none and no defaults), as upstream', () => {
  const nodes = cluster({ n1: [web('a')] });
  for (const p of [pod('p', { app: 'web' }, spread(tsc('zone', 1))), pod('q', { app: 'web' })]) {
    const pl = newPodTopologySpread();
    const cs = new CycleState();
    const pi = makePodInfo(p);
    pl.preFilter(cs, pi, makeSnapshot(nodes));
    assert.equal(pl.preScore(cs, pi, nodes).code, 'Skip', String(p.metadata?.name));
  }
});

test('PodTopologySpread score: system default constraints through defaultSelector', () => {
  const nodes = cluster({ n1: [web('a'), web('b'), web('c'), web('d')] });
  const got = scoreAll(nodes, pod('p', { app: 'web' }), nodes, { defaultSelector: () => selectorOf({ matchLabels: { app: 'web' } }) });
  // hostname (skew 3) only, no node has topology.kubernetes.io/zone; n4 kept since system defaults don't require all keys.
  // n1 round(4·ln7 + 2)=10, others 2 → 100*(12-s)/10.
  assert.equal(got.n1, 20);
  assert.equal(got.n2, 100);
  assert.equal(got.n4, 100);
});
