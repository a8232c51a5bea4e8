/** Unit tests of the DaemonSet controller: manage (missing, extra, misplaced, failed with backoff), RollingUpdate steps, status and the reconcile. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { FakeClock } from '../client/index.ts';
import { templateHash } from './workload.ts';
import { computeDaemonSetStatus, FailedPodBackoff, planManage, planRollingUpdate } from './daemonset-plan.ts';
import { newDaemonSetController } from './daemonset.ts';
import { fixture, RESOURCES } from './testing.ts';

const NOW = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number): string => new Date(ms).toISOString();
const LIN = { 'kubernetes.io/os': 'linux' };
const node = (name: string, labels: Record<string, string> = LIN, taints: JsonObject[] = []): JsonObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } });
const NODES = [node('n1'), node('n2'), node('n3')];

function makeDs(strategy: JsonObject = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, spec: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ns', uid: 'ds-uid', generation: 2 },
    spec: { selector: { matchLabels: { app: 'agent' } }, updateStrategy: strategy, template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: LIN, containers: [{ name: 'c', image: 'a:2' }], ...spec } } },
  };
}

type State = 'ready' | 'unready' | 'failed' | 'terminating';
let seq = 0;
function pod(nodeName: string, hash: string, state: State = 'ready', ageS = 1000): JsonObject {
  const name = `agent-${++seq}`;
  return {
    metadata: {
      name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: iso(NOW - ageS * 1000), labels: { app: 'agent', 'controller-revision-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true }],
      ...(state === 'terminating' ? { deletionTimestamp: iso(NOW) } : {}),
    },
    spec: { nodeName, containers: [{ name: 'c', image: 'x' }] },
    status: { phase: state === 'failed' ? 'Failed' : 'Running', conditions: [{ type: 'Ready', status: state === 'ready' ? 'True' : 'False', lastTransitionTime: iso(NOW - 500_000) }] },
  };
}
const names = (ps: readonly JsonObject[]): string[] => ps.map((p) => String(p.metadata?.name));

test('daemonset manage: creates on every eligible node lacking a pod', () => {
  const plan = planManage(makeDs(), [...NODES, node('w1', { 'kubernetes.io/os': 'windows' })], [pod('n2', 'new')], 'new', new FailedPodBackoff(new FakeClock(NOW)));
  assert.deepEqual(plan.create, ['n1', 'n3']);
  assert.deepEqual(plan.delete, []);
});

test('daemonset manage: keeps the oldest of extra pods, deletes misplaced pods and pods of vanished nodes, waits on terminating ones', () => {
  const old = pod('n1', 'new', 'ready', 5000);
  const young = pod('n1', 'new', 'ready', 10);
  const misplaced = pod('w1', 'new');
  const orphaned = pod('gone', 'new');
  const terminating = pod('n3', 'new', 'terminating');
  const plan = planManage(makeDs(), [...NODES, node('w1', { 'kubernetes.io/os': 'windows' })], [young, old, misplaced, orphaned, terminating, pod('n2', 'new')], 'new', new FailedPodBackoff(new FakeClock(NOW)));
  assert.deepEqual(plan.create, [], 'n3 waits for its terminating pod to go');
  assert.deepEqual(names(plan.delete).sort(), names([young, misplaced, orphaned]).sort());
});

test('daemonset manage: a failed pod is deleted, then the node backs off (1 s, doubling)', () => {
  const clock = new FakeClock(NOW);
  const backoff = new FailedPodBackoff(clock);
  const failed = pod('n1', 'new', 'failed');
  const others = [pod('n2', 'new'), pod('n3', 'new')];
  const first = planManage(makeDs(), NODES, [failed, ...others], 'new', backoff);
  assert.deepEqual(names(first.delete), names([failed]));
  const again = pod('n1', 'new', 'failed');
  const second = planManage(makeDs(), NODES, [again, ...others], 'new', backoff);
  assert.deepEqual([second.delete, second.create, second.requeueAfterMs], [[], [], 1000], 'in backoff: kept, requeued');
  clock.step(1000);
  assert.deepEqual(names(planManage(makeDs(), NODES, [again, ...others], 'new', backoff).delete), names([again]));
  assert.equal(planManage(makeDs(), NODES, [pod('n1', 'new', 'failed'), ...others], 'new', backoff).requeueAfterMs, 2000);
});

test('daemonset manage: with maxSurge an old and a new pod may share a node', () => {
  const surge = makeDs({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  const o = pod('n1', 'old', 'ready', 100);
  const n = pod('n1', 'new', 'ready', 50);
  const n2 = pod('n1', 'new', 'ready', 10);
  assert.deepEqual(names(planManage(surge, NODES.slice(0, 1), [o, n, n2], 'new', new FailedPodBackoff(new FakeClock(NOW))).delete), names([n2]));
});

const olds = (): JsonObject[] => NODES.map((n) => pod(String(n.metadata.name), 'old'));
const ru = (maxUnavailable: unknown, maxSurge: unknown = 0): JsonObject => makeDs({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge } });
const rolling: { name: string; ds: JsonObject; pods: () => JsonObject[]; create: string[]; del: number[] }[] = [
  { name: 'maxUnavailable 1 replaces one pod', ds: ru(1), pods: olds, create: [], del: [0] },
  { name: 'maxUnavailable 2 replaces two', ds: ru(2), pods: olds, create: [], del: [0, 1] },
  { name: 'maxUnavailable 50% of 3 rounds up to 2', ds: ru('50%'), pods: olds, create: [], del: [0, 1] },
  { name: 'an updated pod not yet available uses the budget', ds: ru(1), pods: () => [pod('n1', 'new', 'unready'), pod('n2', 'old'), pod('n3', 'old')], create: [], del: [] },
  { name: 'a node without a pod uses the budget', ds: ru(1), pods: () => [pod('n2', 'old'), pod('n3', 'old')], create: [], del: [] },
  { name: 'an unavailable old pod is replaced outside the budget', ds: ru(1), pods: () => [pod('n1', 'old', 'unready'), pod('n2', 'old'), pod('n3', 'old')], create: [], del: [0, 1] },
  { name: 'done when every pod is updated', ds: ru(1), pods: () => NODES.map((n) => pod(String(n.metadata.name), 'new')), create: [], del: [] },
  { name: 'maxSurge 1 first starts a new pod beside an old one', ds: ru(0, 1), pods: olds, create: ['n1'], del: [] },
  { name: 'maxSurge waits for the surged pod to be available', ds: ru(0, 1), pods: () => [pod('n1', 'old'), pod('n1', 'new', 'unready'), pod('n2', 'old'), pod('n3', 'old')], create: [], del: [] },
  { name: 'maxSurge deletes the old pod once the new one is available', ds: ru(0, 1), pods: () => [pod('n1', 'old'), pod('n1', 'new'), pod('n2', 'old'), pod('n3', 'old')], create: [], del: [0] },
  { name: 'maxSurge 2 surges on two nodes', ds: ru(0, 2), pods: olds, create: ['n1', 'n2'], del: [] },
];
for (const c of rolling) {
  test(`daemonset rolling update: ${c.name}`, () => {
    const pods = c.pods();
    const plan = planRollingUpdate(c.ds, NODES, pods, 'new', NOW);
    assert.deepEqual(plan.create, c.create);
    assert.deepEqual(names(plan.delete), c.del.map((i) => String(pods[i].metadata.name)));
  });
}

test('daemonset status: desired, current, misscheduled, ready, available, updated, unavailable', () => {
  const nodes = [...NODES, node('w1', { 'kubernetes.io/os': 'windows' })];
  const { status, waitMs } = computeDaemonSetStatus({ ...makeDs(), spec: { ...makeDs().spec, minReadySeconds: 0 } }, nodes, [pod('n1', 'new'), pod('n2', 'old', 'unready'), pod('w1', 'new')], 'new', NOW);
  assert.deepEqual(status, { observedGeneration: 2, desiredNumberScheduled: 3, currentNumberScheduled: 2, numberMisscheduled: 1, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 1, numberUnavailable: 2 });
  assert.equal(waitMs, undefined);
  const slow = computeDaemonSetStatus({ ...makeDs(), spec: { ...makeDs().spec, minReadySeconds: 3600 } }, NODES, [pod('n1', 'new')], 'new', NOW);
  assert.deepEqual([slow.status.numberReady, slow.status.numberAvailable, slow.waitMs], [1, 0, 3600_000]);
});

test('daemonset reconcile: records a revision, creates pinned pods with default tolerations, honours expectations, writes status', async () => {
  const f = fixture();
  const ctrl = newDaemonSetController(f.ctx);
  const ds = makeDs();
  f.seed(RESOURCES.daemonsets, ds);
  let n = 0;
  f.client.react((a) => (a.verb === 'create' && a.resource === 'pods' ? { ...a.object, metadata: { ...a.object?.metadata, name: `agent-${++n}` } } : undefined));
  f.seed(RESOURCES.nodes, node('n1'), node('n2'), node('w1', { 'kubernetes.io/os': 'windows' }, [{ key: 'os', value: 'windows', effect: 'NoSchedule' }]));
  await ctrl.reconcile('ns/agent');
  const hash = templateHash(ds.spec.template, 0);
  assert.deepEqual(f.client.verbs().filter((v) => !v.startsWith('create events')), [`create controllerrevisions ns/agent-${hash}`, 'create pods ns/', 'create pods ns/', 'update daemonsets ns/agent/status']);
  assert.deepEqual(f.client.actions.filter((a) => a.resource === 'events').map((a) => `${String(a.object?.reason)}: ${String(a.object?.message)}`), ['SuccessfulCreate: Created pod: agent-1', 'SuccessfulCreate: Created pod: agent-2']);
  const created = f.client.actions.filter((a) => a.resource === 'pods').map((a) => a.object ?? {});
  assert.deepEqual(created.map((p) => p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0]), ['n1', 'n2']);
  for (const p of created) {
    assert.equal(p.spec.nodeName, undefined, 'the scheduler binds');
    assert.equal(p.metadata.generateName, 'agent-');
    assert.deepEqual([p.metadata.labels['controller-revision-hash'], p.metadata.labels['pod-template-generation']], [hash, '2']);
    assert.ok(p.spec.tolerations.some((t: JsonObject) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'));
  }
  const rev = f.client.actions[0].object ?? {};
  assert.deepEqual([rev.revision, rev.data.spec.template.$patch, rev.metadata.ownerReferences[0].kind], [1, 'replace', 'DaemonSet']);
  assert.equal(f.client.actions.at(-1)?.object?.status?.desiredNumberScheduled, 2);

  // The pods are not in the cache yet: expectations hold the controller back from creating them twice.
  f.client.actions.length = 0;
  f.seed(RESOURCES.controllerrevisions, { ...rev, metadata: { ...rev.metadata, uid: 'rev-uid' } });
  await ctrl.reconcile('ns/agent');
  assert.deepEqual(f.client.verbs().filter((v) => v.startsWith('create')), []);
});

test('daemonset informers: a node label or taint change enqueues every DaemonSet, a status-only change does not', async () => {
  const f = fixture();
  const ctrl = newDaemonSetController(f.ctx);
  f.client.seed(RESOURCES.daemonsets, makeDs()).seed(RESOURCES.nodes, { ...node('n1'), metadata: { name: 'n1', labels: LIN, resourceVersion: '5' } });
  const stop = new AbortController();
  f.factory.start(stop.signal);
  assert.equal(await f.factory.waitForSync(), true);
  assert.equal(await ctrl.queue.get(), 'ns/agent');
  ctrl.queue.done('ns/agent');
  f.client.emit(RESOURCES.nodes, { type: 'MODIFIED', object: { ...node('n1'), metadata: { name: 'n1', labels: LIN, resourceVersion: '6' }, status: { conditions: [] } } });
  const nodeCache = f.factory.informers().find((i) => i.name === 'core/v1/nodes')?.cache;
  while (nodeCache?.get('n1')?.metadata?.resourceVersion !== '6') await new Promise((r) => setTimeout(r, 1));
  assert.equal(ctrl.queue.len(), 0, 'heartbeat-only update');
  f.client.emit(RESOURCES.nodes, { type: 'MODIFIED', object: { ...node('n1', LIN, [{ key: 'k', effect: 'NoSchedule' }]), metadata: { name: 'n1', labels: LIN, resourceVersion: '7' } } });
  assert.equal(await ctrl.queue.get(), 'ns/agent');
  ctrl.queue.done('ns/agent');
  stop.abort();
  await f.factory.stopped();
});
