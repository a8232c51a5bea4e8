/** Unit tests of the Deployment arithmetic: fenceposts, rolling steps, proportional scaling, cleanup, annotations, status. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { cleanupCandidates, findActiveOrLatest, newRSNewReplicas, rollingStep, scaleStep, isScalingEvent } from './deployment-rolling.ts';
import {
  calculateStatus, equalIgnoreHash, findNewReplicaSet, maxSurge, maxUnavailable, resolveFenceposts, setNewReplicaSetAnnotations,
  deploymentTimedOut, deploymentProgressing, setDeploymentCondition, newCondition, OwnWrites,
} from './deployment-util.ts';

const T0 = Date.UTC(2026, 0, 1);

/** deploy builds a RollingUpdate (or Recreate when surge is undefined and strategy given) Deployment. */
function deploy(replicas: number, surge: number | string = '25%', unavailable: number | string = '25%', extra: JsonObject = {}): JsonObject {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: 1 },
    spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } }, template: tmpl('a'), ...extra },
  };
}

function tmpl(image: string, labels: Record<string, string> = { app: 'web' }): JsonObject {
  return { metadata: { labels }, spec: { containers: [{ name: 'c', image }] } };
}

interface RsOpts { replicas: number; available?: number; age?: number; revision?: number; annotations?: Record<string, string>; statusReplicas?: number; image?: string }

/** rs builds a ReplicaSet; `age` orders creation (larger = older). */
function rs(name: string, o: RsOpts): JsonObject {
  return {
    metadata: {
      name, namespace: 'ns', uid: `uid-${name}`, generation: 1, creationTimestamp: new Date(T0 - (o.age ?? 0) * 1000).toISOString(),
      annotations: { ...(o.revision !== undefined ? { 'deployment.kubernetes.io/revision': String(o.revision) } : {}), ...(o.annotations ?? {}) },
    },
    spec: { replicas: o.replicas, template: tmpl(o.image ?? name) },
    status: { replicas: o.statusReplicas ?? o.replicas, availableReplicas: o.available ?? o.replicas, readyReplicas: o.available ?? o.replicas, observedGeneration: 1 },
  };
}

const sizes = (targets: readonly { rs: JsonObject; replicas: number }[]): Record<string, number> =>
  Object.fromEntries(targets.map((t) => [String(t.rs.metadata?.name), t.replicas]));

test('resolveFenceposts: surge rounds up, unavailable down, both zero becomes unavailable 1', () => {
  const cases: [unknown, unknown, number, [number, number]][] = [
    ['25%', '25%', 10, [3, 2]],
    ['30%', '30%', 5, [2, 1]],
    ['10%', '10%', 3, [1, 0]],
    ['0%', '0%', 5, [0, 1]],
    [0, 0, 5, [0, 1]],
    [2, '50%', 5, [2, 2]],
    ['100%', 0, 4, [4, 0]],
  ];
  for (const [s, u, n, want] of cases) assert.deepEqual(resolveFenceposts(s, u, n), want, `${String(s)}/${String(u)} of ${n}`);
  assert.equal(maxUnavailable(deploy(2, 1, 5)), 2, 'capped at replicas');
  assert.equal(maxUnavailable(deploy(0, 1, 1)), 0, 'zero replicas');
  assert.equal(maxSurge({ spec: { replicas: 3, strategy: { type: 'Recreate' } } }), 0);
});

const stepCases: { name: string; d: JsonObject; newRS?: JsonObject; old: JsonObject[]; phase: string; want: Record<string, number> }[] = [
  { name: '25%/25% of 10: the new RS surges to 3', d: deploy(10), newRS: rs('new', { replicas: 0 }), old: [rs('old', { replicas: 10, age: 9 })], phase: 'new', want: { new: 3 } },
  { name: '25%/25% of 10: surge used up, old scaled down by 2', d: deploy(10), newRS: rs('new', { replicas: 3, available: 0 }), old: [rs('old', { replicas: 10, age: 9 })], phase: 'old', want: { old: 8 } },
  { name: '25%/25% of 10: new pods available, new grows by 2', d: deploy(10), newRS: rs('new', { replicas: 3 }), old: [rs('old', { replicas: 8, age: 9 })], phase: 'new', want: { new: 5 } },
  { name: '1/1 of 6: the new RS gets 1', d: deploy(6, 1, 1), newRS: rs('new', { replicas: 0 }), old: [rs('old', { replicas: 6, age: 9 })], phase: 'new', want: { new: 1 } },
  { name: '1/1 of 6: 7 pods, new unavailable: old loses 1', d: deploy(6, 1, 1), newRS: rs('new', { replicas: 1, available: 0 }), old: [rs('old', { replicas: 6, age: 9 })], phase: 'old', want: { old: 5 } },
  { name: '1/1 of 6: 7 pods, one new available: old loses 1 (5 stay available)', d: deploy(6, 1, 1), newRS: rs('new', { replicas: 2, available: 1 }), old: [rs('old', { replicas: 5, age: 9 })], phase: 'old', want: { old: 4 } },
  { name: '1/1 of 6: 7 pods, 2 new unavailable: wait', d: deploy(6, 1, 1), newRS: rs('new', { replicas: 2, available: 0 }), old: [rs('old', { replicas: 5, age: 9 })], phase: 'none', want: {} },
  { name: 'surge 0: old goes first', d: deploy(3, 0, 1), newRS: rs('new', { replicas: 0 }), old: [rs('old', { replicas: 3, age: 9 })], phase: 'old', want: { old: 2 } },
  { name: 'surge 0: then the new RS takes the room', d: deploy(3, 0, 1), newRS: rs('new', { replicas: 0 }), old: [rs('old', { replicas: 2, age: 9 })], phase: 'new', want: { new: 1 } },
  { name: 'unavailable 0: wait for the surged pod', d: deploy(3, 1, 0), newRS: rs('new', { replicas: 1, available: 0 }), old: [rs('old', { replicas: 3, age: 9 })], phase: 'none', want: {} },
  { name: 'unavailable 0: surged pod available, old loses 1', d: deploy(3, 1, 0), newRS: rs('new', { replicas: 1 }), old: [rs('old', { replicas: 3, age: 9 })], phase: 'old', want: { old: 2 } },
  { name: 'unhealthy old replicas are removed first', d: deploy(4, 1, 1), newRS: rs('new', { replicas: 1 }), old: [rs('a', { replicas: 2, available: 0, age: 20 }), rs('b', { replicas: 2, age: 10 })], phase: 'old', want: { a: 0 } },
  { name: 'several old RSes: oldest scaled down first', d: deploy(4, 1, 2), newRS: rs('new', { replicas: 1 }), old: [rs('b', { replicas: 2, age: 10 }), rs('a', { replicas: 2, age: 20 })], phase: 'old', want: { a: 0, b: 1 } },
  { name: 'a new RS above replicas is scaled down to replicas', d: deploy(3, 1, 1), newRS: rs('new', { replicas: 5 }), old: [], phase: 'new', want: { new: 3 } },
  { name: 'complete: nothing to do', d: deploy(3, 1, 1), newRS: rs('new', { replicas: 3 }), old: [rs('old', { replicas: 0, age: 9 })], phase: 'none', want: {} },
  { name: 'stale old status (available > spec) is clamped to spec', d: deploy(6, 1, 1), newRS: rs('new', { replicas: 2, available: 2 }), old: [rs('old', { replicas: 5, available: 6, statusReplicas: 6, age: 9 })], phase: 'old', want: { old: 3 } },
];
for (const c of stepCases) {
  test(`rollingStep: ${c.name}`, () => {
    const step = rollingStep(c.d, c.newRS, c.old);
    assert.equal(step.phase, c.phase);
    assert.deepEqual(sizes(step.targets), c.want);
  });
}

test('newRSNewReplicas: Recreate wants all replicas at once', () => {
  const d = { spec: { replicas: 4, strategy: { type: 'Recreate' } } };
  assert.equal(newRSNewReplicas(d, [], rs('new', { replicas: 0 })), 4);
});

const scaleCases: { name: string; d: JsonObject; newRS?: JsonObject; old: JsonObject[]; want: Record<string, number> }[] = [
  { name: 'one active RS takes the whole change', d: deploy(5), newRS: rs('new', { replicas: 3 }), old: [rs('old', { replicas: 0, age: 9 })], want: { new: 5 } },
  { name: 'no active RS: the newest is sized', d: deploy(2), old: [rs('o1', { replicas: 0, age: 9 }), rs('o2', { replicas: 0, age: 1 })], want: { o2: 2 } },
  { name: 'proportional scale-up 13 → 18 pods', d: deploy(15, 3, 2), newRS: rs('b', { replicas: 5, annotations: { 'deployment.kubernetes.io/max-replicas': '13' } }), old: [rs('a', { replicas: 8, age: 9, annotations: { 'deployment.kubernetes.io/max-replicas': '13' } })], want: { a: 11, b: 7 } },
  { name: 'proportional scale-down with leftover to the largest', d: deploy(5, 1, 1), newRS: rs('b', { replicas: 2, annotations: { 'deployment.kubernetes.io/max-replicas': '8' } }), old: [rs('a', { replicas: 6, age: 9, annotations: { 'deployment.kubernetes.io/max-replicas': '8' } })], want: { a: 4, b: 2 } },
  { name: 'saturated new RS: old RSes go to 0', d: deploy(5), newRS: rs('new', { replicas: 5, annotations: { 'deployment.kubernetes.io/desired-replicas': '5' } }), old: [rs('old', { replicas: 2, age: 9 })], want: { old: 0 } },
  { name: 'scale to zero', d: deploy(0, 1, 1), newRS: rs('b', { replicas: 2 }), old: [rs('a', { replicas: 3, age: 9 })], want: { a: 0, b: 0 } },
];
for (const c of scaleCases) {
  test(`scaleStep: ${c.name}`, () => {
    assert.deepEqual(sizes(scaleStep(c.d, c.newRS, c.old)), c.want);
  });
}

test('isScalingEvent and findActiveOrLatest', () => {
  const a = rs('a', { replicas: 3, annotations: { 'deployment.kubernetes.io/desired-replicas': '3' } });
  assert.equal(isScalingEvent(deploy(3), a, []), false);
  assert.equal(isScalingEvent(deploy(4), a, []), true);
  assert.equal(isScalingEvent(deploy(4), rs('x', { replicas: 3 }), []), false, 'no annotation, no event');
  assert.equal(findActiveOrLatest(undefined, [a, rs('b', { replicas: 1 })]), undefined);
  assert.equal(findActiveOrLatest(undefined, [a, rs('b', { replicas: 0 })])?.metadata?.name, 'a');
});

test('cleanupCandidates: lowest revisions beyond the limit, only fully scaled down and settled', () => {
  const olds = [1, 2, 3, 4, 5].map((r) => rs(`r${r}`, { replicas: 0, revision: r, age: 10 - r }));
  olds[1].spec.replicas = 1;
  olds[0].metadata.generation = 2;
  const d = deploy(1, 1, 1, { revisionHistoryLimit: 2 });
  assert.deepEqual(cleanupCandidates(d, olds).map((x) => x.metadata?.name), ['r3']);
  assert.deepEqual(cleanupCandidates(deploy(1, 1, 1, { revisionHistoryLimit: 5 }), olds), []);
  assert.deepEqual(cleanupCandidates(deploy(1, 1, 1, { revisionHistoryLimit: 0 }), olds).map((x) => x.metadata?.name), ['r3', 'r4', 'r5']);
});

test('setNewReplicaSetAnnotations: copies annotations, bumps the revision, keeps history', () => {
  const d = deploy(4, 1, 1);
  d.metadata.annotations = { team: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'deployment.kubernetes.io/revision': '9' };
  const fresh: JsonObject = { metadata: {} };
  assert.equal(setNewReplicaSetAnnotations(d, fresh, 3, false), true);
  assert.deepEqual(fresh.metadata.annotations, {
    team: 'x', 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/desired-replicas': '4', 'deployment.kubernetes.io/max-replicas': '5',
  });
  const reused: JsonObject = { metadata: { annotations: { team: 'x', 'deployment.kubernetes.io/revision': '1' } } };
  assert.equal(setNewReplicaSetAnnotations(d, reused, 3, true), true);
  assert.equal(reused.metadata.annotations['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(setNewReplicaSetAnnotations(d, reused, 5, true), true);
  assert.equal(reused.metadata.annotations['deployment.kubernetes.io/revision'], '5');
  assert.equal(reused.metadata.annotations['deployment.kubernetes.io/revision-history'], '1,3');
  assert.equal(setNewReplicaSetAnnotations(d, reused, 5, true), false, 'nothing to change');
});

test('equalIgnoreHash and findNewReplicaSet', () => {
  const withHash = tmpl('a', { app: 'web', 'pod-template-hash': 'abc' });
  assert.equal(equalIgnoreHash(withHash, tmpl('a')), true);
  assert.equal(equalIgnoreHash({ metadata: { labels: {} }, spec: { containers: [] } }, { metadata: {}, spec: {} }), true, 'empty and missing are alike');
  assert.equal(equalIgnoreHash(withHash, tmpl('b')), false);
  const older = rs('older', { replicas: 0, age: 20, image: 'a' });
  const newer = rs('newer', { replicas: 0, age: 10, image: 'a' });
  assert.equal(findNewReplicaSet(deploy(1), [newer, older, rs('b', { replicas: 1, image: 'b' })])?.metadata?.name, 'older');
  assert.equal(findNewReplicaSet(deploy(1), [rs('b', { replicas: 1, image: 'b' })]), undefined);
});

test('calculateStatus counts the ReplicaSets and sets Available', () => {
  const d = deploy(3, 1, 1);
  const newRS = rs('new', { replicas: 2 });
  const s = calculateStatus(d, [rs('old', { replicas: 1, age: 9 }), newRS], newRS, T0);
  assert.deepEqual({ ...s, conditions: undefined }, { observedGeneration: 1, replicas: 3, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0, conditions: undefined });
  assert.deepEqual(s.conditions.map((c: JsonObject) => [c.type, c.status, c.reason]), [['Available', 'True', 'MinimumReplicasAvailable']]);
  const low = calculateStatus(d, [rs('new', { replicas: 3, available: 1 })], undefined, T0);
  assert.equal(low.unavailableReplicas, 2);
  assert.deepEqual(low.conditions.map((c: JsonObject) => [c.type, c.status, c.reason]), [['Available', 'False', 'MinimumReplicasUnavailable']]);
});

test('conditions: same status and reason is kept, progress and timeout are detected', () => {
  const status: JsonObject = {};
  setDeploymentCondition(status, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'one', T0));
  setDeploymentCondition(status, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'two', T0 + 5000));
  assert.equal(status.conditions[0].message, 'one');
  setDeploymentCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', 'done', T0 + 9000));
  assert.equal(status.conditions[0].lastTransitionTime, '2026-01-01T00:00:00Z', 'same status keeps the transition time');
  assert.equal(status.conditions[0].lastUpdateTime, '2026-01-01T00:00:09Z');
  const d = deploy(3, 1, 1, { progressDeadlineSeconds: 60 });
  d.status = { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 };
  assert.equal(deploymentProgressing(d, { replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }), true);
  assert.equal(deploymentProgressing(d, { ...d.status }), false);
  const stuck = { conditions: [newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'x', T0)] };
  assert.equal(deploymentTimedOut(d, stuck, T0 + 59_000), false);
  assert.equal(deploymentTimedOut(d, stuck, T0 + 61_000), true);
});

test('OwnWrites: a cached version our write replaced is stale until the informer shows a newer one', () => {
  const w = new OwnWrites();
  const v = (rv: string): JsonObject => ({ metadata: { uid: 'u', resourceVersion: rv } });
  assert.equal(w.stale(v('1')), false, 'nothing written');
  w.wrote(v('1'), v('2'));
  w.wrote(v('2'), v('3'));
  assert.equal(w.stale(v('1')), true);
  assert.equal(w.stale(v('2')), true);
  assert.equal(w.stale(v('3')), false, 'caught up');
  assert.equal(w.stale(v('1')), false, 'the record is gone once caught up');
  w.wrote(v('5'), v('5'));
  assert.equal(w.stale(v('5')), false, 'a no-op write (same resourceVersion back) is not recorded');
  w.wrote(v('6'), v('7'));
  w.forget(v('7'));
  assert.equal(w.stale(v('6')), false, 'forgotten on delete');
});
