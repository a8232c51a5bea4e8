import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { CycleState, SUCCESS } from '../framework.ts';
import type { NodeInfo, PodInfo } from '../framework.ts';
import { makeListers, makeNodeInfo, makePodInfo, makeSnapshot } from './advanced-util.ts';
import { AFFINITY_REASONS, newInterPodAffinity } from './inter-pod-affinity.ts';

const node = (name: string, labels: Record<string, string>): JsonObject => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } } });
const pod = (name: string, labels: Record<string, string> = {}, affinity?: JsonObject, ns = 'default'): JsonObject =>
  ({ metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: 'c' }], ...(affinity ? { affinity } : {}) } });
const term = (matchLabels: Record<string, string>, topologyKey: string, extra: JsonObject = {}): JsonObject => ({ labelSelector: { matchLabels }, topologyKey, ...extra });
const req = (kind: 'podAffinity' | 'podAntiAffinity', ...terms: JsonObject[]): JsonObject => ({ [kind]: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const pref = (kind: 'podAffinity' | 'podAntiAffinity', ...terms: [number, JsonObject][]): JsonObject =>
  ({ [kind]: { preferredDuringSchedulingIgnoredDuringExecution: terms.map(([weight, podAffinityTerm]) => ({ weight, podAffinityTerm })) } });

const namespaces = [
  { metadata: { name: 'default', labels: { team: 'core' } } },
  { metadata: { name: 'other', labels: { team: 'x' } } },
  { metadata: { name: 'third', labels: { team: 'x' } } },
];
const listers = makeListers({ namespaces });

/** cluster: n1,n2 in zone a; n3 in zone b; n4 without a zone label. */
function cluster(placed: Record<string, JsonObject[]>): NodeInfo[] {
  const defs = [node('n1', { zone: 'a' }), node('n2', { zone: 'a' }), node('n3', { zone: 'b' }), node('n4', {})];
  return defs.map((n) => makeNodeInfo(n, (placed[n.metadata.name] ?? []).map(makePodInfo)));
}

/** filterAll runs PreFilter, then Filter on every node as the runner does: not at all after a Skip
 * (every node then fits; `skipped` says whether that happened). */
function filterAll(nodes: NodeInfo[], incoming: JsonObject, skipped?: boolean): Record<string, string> {
  const pl = newInterPodAffinity(listers);
  const cs = new CycleState();
  const pi = makePodInfo(incoming);
  const pre = pl.preFilter(cs, pi, makeSnapshot(nodes)).status.code;
  assert.equal(pre, skipped ? 'Skip' : 'Success', 'PreFilter skips exactly when no required term exists on either side');
  const out: Record<string, string> = {};
  for (const n of nodes) {
    const s = skipped ? SUCCESS : pl.filter(cs, pi, n);
    out[n.name] = s.code === 'Success' ? 'ok' : `${s.code}: ${s.reasons.join(',')}`;
  }
  return out;
}

const A = `UnschedulableAndUnresolvable: ${AFFINITY_REASONS.affinity}`;
const AA = `Unschedulable: ${AFFINITY_REASONS.antiAffinity}`;
const EA = `Unschedulable: ${AFFINITY_REASONS.existingAntiAffinity}`;

const filterCases: { name: string; placed: Record<string, JsonObject[]>; incoming: JsonObject; want: Record<string, string>; skipped?: boolean }[] = [
  { name: 'no terms: every node fits', placed: { n1: [pod('x', { app: 'db' })] }, incoming: pod('p'), want: { n1: 'ok', n2: 'ok', n3: 'ok', n4: 'ok' }, skipped: true },
  {
    name: 'required affinity by zone', placed: { n1: [pod('db', { app: 'db' })] },
    incoming: pod('p', {}, req('podAffinity', term({ app: 'db' }, 'zone'))), want: { n1: 'ok', n2: 'ok', n3: A, n4: A },
  },
  {
    name: 'first pod rule: self-matching term and no matching pod anywhere', placed: { n1: [pod('x', { app: 'other' })] },
    incoming: pod('p', { app: 'web' }, req('podAffinity', term({ app: 'web' }, 'zone'))), want: { n1: 'ok', n2: 'ok', n3: 'ok', n4: A },
  },
  {
    name: 'no first pod rule when the pod does not match its own term', placed: {},
    incoming: pod('p', { app: 'web' }, req('podAffinity', term({ app: 'db' }, 'zone'))), want: { n1: A, n2: A, n3: A, n4: A },
  },
  {
    name: 'affinity terms must all match the same pod', placed: { n1: [pod('db', { app: 'db' })], n3: [pod('cache', { tier: 'cache' })] },
    incoming: pod('p', {}, req('podAffinity', term({ app: 'db' }, 'zone'), term({ tier: 'cache' }, 'zone'))), want: { n1: A, n2: A, n3: A, n4: A },
  },
  {
    name: 'required anti-affinity by hostname', placed: { n1: [pod('web1', { app: 'web' })] },
    incoming: pod('p', { app: 'web' }, req('podAntiAffinity', term({ app: 'web' }, 'kubernetes.io/hostname'))), want: { n1: AA, n2: 'ok', n3: 'ok', n4: 'ok' },
  },
  {
    name: 'required anti-affinity by zone; node without the key is fine', placed: { n2: [pod('web1', { app: 'web' })] },
    incoming: pod('p', {}, req('podAntiAffinity', term({ app: 'web' }, 'zone'))), want: { n1: AA, n2: AA, n3: 'ok', n4: 'ok' },
  },
  {
    name: 'existing pod anti-affinity (symmetry)', placed: { n3: [pod('lonely', {}, req('podAntiAffinity', term({ app: 'web' }, 'zone')))] },
    incoming: pod('p', { app: 'web' }), want: { n1: 'ok', n2: 'ok', n3: EA, n4: 'ok' },
  },
  {
    name: 'existing anti-affinity in another namespace does not select the pod', placed: { n3: [pod('lonely', {}, req('podAntiAffinity', term({ app: 'web' }, 'zone')), 'other')] },
    incoming: pod('p', { app: 'web' }), want: { n1: 'ok', n2: 'ok', n3: 'ok', n4: 'ok' }, skipped: true,
  },
  {
    name: 'existing anti-affinity with namespaceSelector matching the incoming namespace labels',
    placed: { n3: [pod('lonely', {}, req('podAntiAffinity', term({ app: 'web' }, 'zone', { namespaceSelector: { matchLabels: { team: 'core' } } })), 'other')] },
    incoming: pod('p', { app: 'web' }), want: { n1: 'ok', n2: 'ok', n3: EA, n4: 'ok' },
  },
  {
    name: 'affinity term namespaces list', placed: { n1: [pod('db', { app: 'db' })], n3: [pod('db', { app: 'db' }, undefined, 'other')] },
    incoming: pod('p', {}, req('podAffinity', term({ app: 'db' }, 'zone', { namespaces: ['other'] }))), want: { n1: A, n2: A, n3: 'ok', n4: A },
  },
  {
    name: 'affinity namespaceSelector resolved through the namespace lister', placed: { n1: [pod('db', { app: 'db' })], n3: [pod('db', { app: 'db' }, undefined, 'third')] },
    incoming: pod('p', {}, req('podAffinity', term({ app: 'db' }, 'zone', { namespaceSelector: { matchLabels: { team: 'x' } } }))), want: { n1: A, n2: A, n3: 'ok', n4: A },
  },
  {
    name: 'empty namespaceSelector selects all namespaces', placed: { n3: [pod('web', { app: 'web' }, undefined, 'third')] },
    incoming: pod('p', {}, req('podAntiAffinity', term({ app: 'web' }, 'zone', { namespaceSelector: {} }))), want: { n1: 'ok', n2: 'ok', n3: AA, n4: 'ok' },
  },
];

for (const c of filterCases) {
  test(`InterPodAffinity filter: ${c.name}`, () => {
    assert.deepEqual(filterAll(cluster(c.placed), c.incoming, c.skipped), c.want);
  });
}

test('InterPodAffinity addPod/removePod keep counts right and do not touch the original state', () => {
  const pl = newInterPodAffinity(listers);
  const blocker = pod('lonely', {}, req('podAntiAffinity', term({ app: 'web' }, 'zone')));
  const dbPod = pod('db', { app: 'db' });
  const nodes = cluster({ n3: [blocker], n1: [dbPod] });
  const incoming = makePodInfo(pod('p', { app: 'web' }, req('podAffinity', term({ app: 'db' }, 'zone'))));
  const cs = new CycleState();
  pl.preFilter(cs, incoming, makeSnapshot(nodes));
  const [n1, n2, n3] = nodes;
  const blockerInfo = n3.pods[0];
  const dbInfo = n1.pods[0];
  assert.equal(pl.filter(cs, incoming, n3).code, 'UnschedulableAndUnresolvable');

  const what = cs.clone();
  pl.removePod!(what, incoming, dbInfo, n1);
  // Removing the only matching pod: affinityCounts empty → first-pod rule does not apply (pod doesn't match its own term).
  assert.equal(pl.filter(what, incoming, n1).code, 'UnschedulableAndUnresolvable');
  assert.equal(pl.filter(cs, incoming, n1).code, 'Success', 'original state unchanged');
  pl.addPod!(what, incoming, dbInfo, n1);
  assert.equal(pl.filter(what, incoming, n2).code, 'Success');

  // Existing anti-affinity: add a matching db pod to zone b, then remove the blocker.
  const what2 = cs.clone();
  pl.addPod!(what2, incoming, makePodInfo(pod('db2', { app: 'db' })), n3);
  assert.deepEqual(pl.filter(what2, incoming, n3).reasons, [AFFINITY_REASONS.existingAntiAffinity]);
  pl.removePod!(what2, incoming, blockerInfo, n3);
  assert.equal(pl.filter(what2, incoming, n3).code, 'Success');
  assert.equal(pl.filter(cs, incoming, n3).code, 'UnschedulableAndUnresolvable', 'original still rejects n3');
});

test('InterPodAffinity removePod on anti-affinity counts lets the pod in', () => {
  const pl = newInterPodAffinity(listers);
  const nodes = cluster({ n1: [pod('web1', { app: 'web' })] });
  const incoming = makePodInfo(pod('p', { app: 'web' }, req('podAntiAffinity', term({ app: 'web' }, 'kubernetes.io/hostname'))));
  const cs = new CycleState();
  pl.preFilter(cs, incoming, makeSnapshot(nodes));
  assert.equal(pl.filter(cs, incoming, nodes[0]).code, 'Unschedulable');
  const what = cs.clone();
  pl.removePod!(what, incoming, nodes[0].pods[0], nodes[0]);
  assert.equal(pl.filter(what, incoming, nodes[0]).code, 'Success');
  assert.equal(pl.filter(cs, incoming, nodes[0]).code, 'Unschedulable');
});

/** scoreAll runs PreScore, then Score as the runner does: after a Skip the plugin adds 0 everywhere. */
function scoreAll(nodes: NodeInfo[], incoming: JsonObject, opts = {}, skipped?: boolean): Record<string, number> {
  const pl = newInterPodAffinity(listers, opts);
  const cs = new CycleState();
  const pi: PodInfo = makePodInfo(incoming);
  pl.preFilter(cs, pi, makeSnapshot(nodes));
  assert.equal(pl.preScore(cs, pi, nodes).code, skipped ? 'Skip' : 'Success', 'PreScore skips exactly when no topology scores');
  if (skipped) return Object.fromEntries(nodes.map((n) => [n.name, 0]));
  const scores = new Map(nodes.map((n) => [n.name, pl.score(cs, pi, n)]));
  pl.normalizeScore!(cs, pi, scores);
  return Object.fromEntries(scores);
}

const scoreCases: { name: string; placed: Record<string, JsonObject[]>; incoming: JsonObject; opts?: object; want: Record<string, number>; skipped?: boolean }[] = [
  { name: 'nothing to score', placed: { n1: [pod('db', { app: 'db' })] }, incoming: pod('p'), want: { n1: 0, n2: 0, n3: 0, n4: 0 }, skipped: true },
  {
    name: 'preferred affinity pulls to the zone', placed: { n1: [pod('db', { app: 'db' })] },
    incoming: pod('p', {}, pref('podAffinity', [5, term({ app: 'db' }, 'zone')])), want: { n1: 100, n2: 100, n3: 0, n4: 0 },
  },
  {
    name: 'weights add up across terms and are normalized', placed: { n1: [pod('db', { app: 'db' })], n3: [pod('cache', { app: 'cache' })] },
    incoming: pod('p', {}, pref('podAffinity', [2, term({ app: 'db' }, 'zone')], [8, term({ app: 'cache' }, 'kubernetes.io/hostname')])),
    want: { n1: 25, n2: 25, n3: 100, n4: 0 },
  },
  {
    name: 'preferred anti-affinity pushes away', placed: { n1: [pod('web', { app: 'web' })] },
    incoming: pod('p', {}, pref('podAntiAffinity', [10, term({ app: 'web' }, 'zone')])), want: { n1: 0, n2: 0, n3: 100, n4: 100 },
  },
  {
    name: "existing pod's preferred anti-affinity against the incoming pod", placed: { n3: [pod('x', {}, pref('podAntiAffinity', [7, term({ app: 'web' }, 'zone')]))] },
    incoming: pod('p', { app: 'web' }), want: { n1: 100, n2: 100, n3: 0, n4: 100 },
  },
  {
    name: "existing pod's required affinity counts with hardPodAffinityWeight", placed: { n3: [pod('x', {}, req('podAffinity', term({ app: 'web' }, 'kubernetes.io/hostname')))] },
    incoming: pod('p', { app: 'web' }), want: { n1: 0, n2: 0, n3: 100, n4: 0 },
  },
  {
    name: 'hardPodAffinityWeight 0 ignores it', placed: { n3: [pod('x', {}, req('podAffinity', term({ app: 'web' }, 'kubernetes.io/hostname')))] },
    incoming: pod('p', { app: 'web' }), opts: { hardPodAffinityWeight: 0 }, want: { n1: 0, n2: 0, n3: 0, n4: 0 }, skipped: true,
  },
  {
    name: 'ignorePreferredTermsOfExistingPods', placed: { n3: [pod('x', {}, pref('podAffinity', [7, term({ app: 'web' }, 'zone')]))] },
    incoming: pod('p', { app: 'web' }), opts: { ignorePreferredTermsOfExistingPods: true }, want: { n1: 0, n2: 0, n3: 0, n4: 0 }, skipped: true,
  },
];

for (const c of scoreCases) {
  test(`InterPodAffinity score: ${c.name}`, () => {
    assert.deepEqual(scoreAll(cluster(c.placed), c.incoming, c.opts, c.skipped), c.want);
  });
}

test('InterPodAffinity filter without PreFilter state is an Error', () => {
  const pl = newInterPodAffinity();
  const n = makeNodeInfo(node('n1', {}));
  assert.equal(pl.filter(new CycleState(), makePodInfo(pod('p')), n).code, 'Error');
});

test('InterPodAffinity reads namespaces from a Handle passed to preFilter', () => {
  const pl = newInterPodAffinity();
  const nodes = cluster({ n3: [pod('db', { app: 'db' }, undefined, 'third')] });
  const pi = makePodInfo(pod('p', {}, req('podAffinity', term({ app: 'db' }, 'zone', { namespaceSelector: { matchLabels: { team: 'x' } } }))));
  const cs = new CycleState();
  const pre = pl.preFilter.bind(pl) as (...a: unknown[]) => ReturnType<typeof pl.preFilter>;
  pre(cs, pi, makeSnapshot(nodes), { listers });
  assert.deepEqual(nodes.map((n) => pl.filter(cs, pi, n).code), ['UnschedulableAndUnresolvable', 'UnschedulableAndUnresolvable', 'Success', 'UnschedulableAndUnresolvable']);
});

test('InterPodAffinity: with its Filter skipped, PreScore still reads placed pods on nodes outside the feasible list', () => {
  const nodes = cluster({ n1: [pod('x', {}, pref('podAffinity', [7, term({ app: 'web' }, 'zone')]))] });
  const pl = newInterPodAffinity(listers);
  const cs = new CycleState();
  const pi = makePodInfo(pod('p', { app: 'web' }));
  assert.equal(pl.preFilter(cs, pi, makeSnapshot(nodes)).status.code, 'Skip');
  const feasible = nodes.filter((n) => n.name === 'n2' || n.name === 'n3');
  assert.equal(pl.preScore(cs, pi, feasible).code, 'Success');
  const scores = new Map(feasible.map((n) => [n.name, pl.score(cs, pi, n)]));
  pl.normalizeScore!(cs, pi, scores);
  assert.deepEqual(Object.fromEntries(scores), { n2: 100, n3: 0 }, 'n2 shares zone a with the pod on n1');
});
