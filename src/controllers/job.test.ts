/**
 * @module controllers/job.test — the Job controller with a FakeClient and a FakeClock: pod
 * creation, tracking with finalizers (uncounted → released → counted, never twice), completion,
 * backoffLimit, activeDeadlineSeconds, the recreate backoff, suspend, Indexed mode, successPolicy,
 * podFailurePolicy and ttlSecondsAfterFinished; plus the index-set helpers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import type { FakeAction } from '../client/index.ts';
import { fixture, RESOURCES, type Fixture } from './testing.ts';
import { newJobController } from './job.ts';
import { backoffDelayMs, formatIndexes, JOB_TRACKING_FINALIZER, parseIndexes, successPolicyRule } from './job-util.ts';
import type { Controller } from './controller.ts';

const UID = 'job-uid';
const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function job(spec: JsonObject = {}, status?: JsonObject): JsonObject {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'ns', uid: UID, resourceVersion: '1', creationTimestamp: iso(T0) },
    spec: { parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'perl' }] } }, ...spec },
    ...(status ? { status } : {}),
  };
}

interface PodOpts { phase?: string; ready?: boolean; finalizer?: boolean; deleting?: boolean; index?: number; exitCode?: number; created?: number }
function pod(name: string, o: PodOpts = {}): JsonObject {
  const phase = o.phase ?? 'Running';
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '5', creationTimestamp: iso(o.created ?? T0),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: UID, controller: true }],
      ...(o.finalizer === false ? {} : { finalizers: [JOB_TRACKING_FINALIZER] }),
      ...(o.deleting ? { deletionTimestamp: iso(T0) } : {}),
      ...(o.index !== undefined ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(o.index) } } : {}),
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
    status: {
      phase, conditions: [{ type: 'Ready', status: o.ready === false || phase !== 'Running' ? 'False' : 'True' }],
      ...(o.exitCode !== undefined ? { containerStatuses: [{ name: 'c', state: { terminated: { exitCode: o.exitCode } } }] } : {}),
    },
  };
}

function setup(): { f: Fixture; c: Controller } {
  const f = fixture();
  const c = newJobController(f.ctx);
  let n = 0;
  // The API server names generateName pods; the fake does not, so name them here.
  f.client.react((a: FakeAction) => (a.verb === 'create' && a.resource === 'pods'
    ? { ...a.object, metadata: { ...a.object?.metadata, name: `${a.object?.metadata?.generateName}${n}`, uid: `new-${n++}` } } : undefined));
  return { f, c };
}

const statusWrites = (f: Fixture): JsonObject[] => f.client.actions.filter((a) => a.resource === 'jobs' && a.subresource === 'status').map((a) => a.object?.status as JsonObject);
const lastStatus = (f: Fixture): JsonObject => statusWrites(f).at(-1) as JsonObject;
const created = (f: Fixture): JsonObject[] => f.client.actions.filter((a) => a.verb === 'create' && a.resource === 'pods').map((a) => a.object as JsonObject);
const deleted = (f: Fixture): string[] => f.client.actions.filter((a) => a.verb === 'delete' && a.resource === 'pods').map((a) => a.name);
const patched = (f: Fixture): string[] => f.client.actions.filter((a) => a.verb === 'patch' && a.resource === 'pods').map((a) => a.name);
const events = (f: Fixture): string[] => f.client.actions.filter((a) => a.resource === 'events').map((a) => `${a.object?.reason}: ${a.object?.message}`);
const cond = (s: JsonObject, type: string): JsonObject | undefined => ((s.conditions ?? []) as JsonObject[]).find((c) => c.type === type);

async function run(j: JsonObject, pods: JsonObject[], clockAt = T0): Promise<{ f: Fixture; c: Controller; result: unknown }> {
  const { f, c } = setup();
  f.clock.setTime(clockAt);
  f.seed(RESOURCES.jobs, j);
  f.seed(RESOURCES.pods, ...pods);
  for (const p of pods) f.client.seed(RESOURCES.pods, p);
  const result = await c.reconcile('ns/pi');
  return { f, c, result };
}

test('a new Job creates parallelism pods with labels, finalizer, owner and events', async () => {
  const { f } = await run(job({ completions: 3, parallelism: 2 }), []);
  const pods = created(f);
  assert.equal(pods.length, 2);
  for (const p of pods) {
    assert.equal(p.metadata.generateName, 'pi-');
    assert.deepEqual(p.metadata.finalizers, [JOB_TRACKING_FINALIZER]);
    assert.equal(p.metadata.labels['batch.kubernetes.io/controller-uid'], UID);
    assert.equal(p.metadata.labels['batch.kubernetes.io/job-name'], 'pi');
    assert.equal(p.metadata.labels['controller-uid'], UID);
    assert.equal(p.metadata.labels['job-name'], 'pi');
    assert.equal(p.metadata.labels.app, 'pi');
    assert.equal(p.metadata.ownerReferences[0].kind, 'Job');
    assert.equal(p.metadata.ownerReferences[0].controller, true);
  }
  const s = lastStatus(f);
  assert.equal(s.active, 2);
  assert.equal(s.startTime, iso(T0));
  assert.deepEqual(s.uncountedTerminatedPods, {});
  assert.deepEqual(events(f), ['SuccessfulCreate: Created pod: pi-0', 'SuccessfulCreate: Created pod: pi-1']);
});

test('a succeeded pod is recorded uncounted, released, then counted — and a replacement is created', async () => {
  const { f } = await run(job({ completions: 3, parallelism: 2 }, { startTime: iso(T0) }), [pod('a', { phase: 'Succeeded' }), pod('b')]);
  const writes = statusWrites(f);
  assert.equal(writes.length, 2);
  assert.deepEqual(writes[0].uncountedTerminatedPods, { succeeded: ['uid-a'] });
  assert.equal(writes[0].succeeded, undefined);
  assert.deepEqual(writes[1].uncountedTerminatedPods, {});
  assert.equal(writes[1].succeeded, 1);
  assert.deepEqual(patched(f), ['a']);
  const patch = f.client.actions.find((a) => a.verb === 'patch')?.patch as JsonObject[];
  assert.deepEqual(patch[1], { op: 'replace', path: '/metadata/finalizers', value: [] });
  assert.equal(created(f).length, 1, 'one more to reach parallelism 2 with 1 of 3 done');
  const verbs = f.client.verbs().filter((v) => !v.includes('events'));
  assert.ok(verbs.indexOf('update jobs ns/pi/status') < verbs.indexOf('patch pods ns/a'), 'uncounted is written before the finalizer goes');
});

test('a pod whose finalizer removal is not yet in the cache is not counted twice', async () => {
  const { f, c } = await run(job({ completions: 3, parallelism: 1 }, { startTime: iso(T0) }), [pod('a', { phase: 'Succeeded' })]);
  assert.equal(lastStatus(f).succeeded, 1);
  f.client.actions.length = 0;
  await c.reconcile('ns/pi');
  assert.deepEqual(patched(f), []);
  const s = statusWrites(f);
  assert.ok(s.every((x) => x.succeeded === 1), 'still one');
});

const finishing: { name: string; spec: JsonObject; status?: JsonObject; pods: JsonObject[]; clock?: number; want: { final?: string; target?: string; reason?: string; deleted?: string[]; requeue?: number; completionTime?: boolean } }[] = [
  { name: 'completions reached: SuccessCriteriaMet then Complete', spec: { completions: 2, parallelism: 2 }, status: { startTime: iso(T0), succeeded: 1 }, pods: [pod('a', { phase: 'Succeeded' })],
    want: { final: 'Complete', target: 'SuccessCriteriaMet', reason: 'CompletionsReached', completionTime: true } },
  { name: 'work queue (no completions): one success and no active pods completes', spec: { completions: null, parallelism: 2 }, status: { startTime: iso(T0) }, pods: [pod('a', { phase: 'Succeeded' }), pod('b', { phase: 'Succeeded', finalizer: false })],
    want: { final: 'Complete', target: 'SuccessCriteriaMet', reason: 'CompletionsReached', completionTime: true } },
  { name: 'backoffLimit 0 and a failed pod: Failed', spec: { backoffLimit: 0 }, status: { startTime: iso(T0) }, pods: [pod('a', { phase: 'Failed' })],
    want: { final: 'Failed', target: 'FailureTarget', reason: 'BackoffLimitExceeded' } },
  { name: 'backoffLimit exceeded with a running pod: FailureTarget, the pod is deleted, Failed waits', spec: { backoffLimit: 1, parallelism: 2, completions: 2 }, status: { startTime: iso(T0), failed: 1 }, pods: [pod('a', { phase: 'Failed' }), pod('b')],
    want: { target: 'FailureTarget', reason: 'BackoffLimitExceeded', deleted: ['b'] } },
  { name: 'activeDeadlineSeconds passed: DeadlineExceeded', spec: { activeDeadlineSeconds: 60 }, status: { startTime: iso(T0 - 100_000) }, pods: [pod('a')],
    want: { target: 'FailureTarget', reason: 'DeadlineExceeded', deleted: ['a'] } },
  { name: 'activeDeadlineSeconds ahead: requeued for it', spec: { activeDeadlineSeconds: 600 }, status: { startTime: iso(T0 - 100_000) }, pods: [pod('a')],
    want: { requeue: 500_000 } },
  { name: 'podFailurePolicy FailJob on exit code 42', spec: { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } }, status: { startTime: iso(T0) }, pods: [pod('a', { phase: 'Failed', exitCode: 42 })],
    want: { final: 'Failed', target: 'FailureTarget', reason: 'PodFailurePolicy' } },
  { name: 'OnFailure restarts count toward backoffLimit', spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c' }] } } }, status: { startTime: iso(T0) },
    pods: [{ ...pod('a'), status: { phase: 'Running', containerStatuses: [{ name: 'c', restartCount: 2 }] } }],
    want: { target: 'FailureTarget', reason: 'BackoffLimitExceeded', deleted: ['a'] } },
];

for (const c of finishing) {
  test(`finishing: ${c.name}`, async () => {
    const { f, result } = await run(job(c.spec, c.status), c.pods, c.clock);
    const s = lastStatus(f) ?? {};
    if (c.want.target) {
      assert.equal(cond(s, c.want.target)?.status, 'True', 'interim condition');
      assert.equal(cond(s, c.want.target)?.reason, c.want.reason);
    }
    if (c.want.final) {
      assert.equal(cond(s, c.want.final)?.status, 'True', 'final condition');
      assert.equal(cond(s, c.want.final)?.reason, c.want.reason);
    } else {
      assert.equal(cond(s, 'Complete'), undefined);
      assert.equal(cond(s, 'Failed'), undefined);
    }
    assert.equal(!!s.completionTime, !!c.want.completionTime);
    assert.deepEqual(deleted(f), c.want.deleted ?? []);
    if (c.want.requeue !== undefined) assert.deepEqual(result, { requeueAfterMs: c.want.requeue });
    if (c.want.final === 'Complete') assert.ok(events(f).includes('Completed: Job completed'));
    if (c.want.final === 'Failed' || c.want.target === 'FailureTarget') assert.ok(events(f).some((e) => e.startsWith(`${c.want.reason}:`)));
  });
}

test('a failed pod is replaced only after the backoff (10 s, then 20 s), on the clock', async () => {
  const { f, c, result } = await run(job({ backoffLimit: 6 }, { startTime: iso(T0) }), [pod('a', { phase: 'Failed' })]);
  assert.equal(lastStatus(f).failed, 1);
  assert.equal(created(f).length, 0);
  assert.deepEqual(result, { requeueAfterMs: 10_000 });
  f.clock.step(10_000);
  assert.equal(await c.reconcile('ns/pi'), undefined);
  assert.equal(created(f).length, 1);
  assert.equal(backoffDelayMs(2), 20_000);
  assert.equal(backoffDelayMs(7), 360_000, 'capped at 6 min');
  assert.equal(backoffDelayMs(0), 0);
});

test('podFailurePolicy Ignore: the failure is not counted and the pod is replaced at once', async () => {
  const { f } = await run(job({ backoffLimit: 0, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }, { startTime: iso(T0) }),
    [{ ...pod('a', { phase: 'Failed' }), status: { phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'True' }] } }]);
  const s = lastStatus(f);
  assert.equal(s.failed, undefined);
  assert.equal(cond(s, 'Failed'), undefined);
  assert.deepEqual(patched(f), ['a']);
  assert.equal(created(f).length, 1);
});

test('a pod deleted while running counts as failed and is replaced', async () => {
  const { f } = await run(job({}, { startTime: iso(T0) }), [pod('a', { deleting: true })]);
  const s = lastStatus(f);
  assert.equal(s.failed, 1);
  assert.equal(s.terminating, 1);
  assert.deepEqual(patched(f), ['a']);
});

test('suspend deletes active pods and sets Suspended; resuming resets startTime', async () => {
  const { f } = await run(job({ suspend: true, parallelism: 2, completions: 2 }, { startTime: iso(T0 - 5000) }), [pod('a'), pod('b')]);
  assert.deepEqual(deleted(f).sort(), ['a', 'b']);
  assert.equal(cond(lastStatus(f), 'Suspended')?.status, 'True');
  assert.equal(created(f).length, 0);
  const resumed = await run(job({ suspend: false }, { startTime: iso(T0 - 5000), conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended' }] }), [], T0 + 1000);
  const s = lastStatus(resumed.f);
  assert.equal(cond(s, 'Suspended')?.status, 'False');
  assert.equal(cond(s, 'Suspended')?.reason, 'JobResumed');
  assert.equal(s.startTime, iso(T0 + 1000));
  assert.equal(created(resumed.f).length, 1);
});

test('Indexed: pods per missing index with annotation, label, hostname and env; completed indexes are kept compressed', async () => {
  const { f } = await run(job({ completionMode: 'Indexed', completions: 5, parallelism: 3 }, { startTime: iso(T0), completedIndexes: '0,2', succeeded: 2 }), [pod('x', { index: 3 })]);
  const pods = created(f);
  assert.deepEqual(pods.map((p) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']), ['1', '4']);
  assert.deepEqual(pods.map((p) => p.metadata.labels['batch.kubernetes.io/job-completion-index']), ['1', '4']);
  assert.deepEqual(pods.map((p) => p.metadata.generateName), ['pi-1-', 'pi-4-']);
  assert.deepEqual(pods.map((p) => p.spec.hostname), ['pi-1', 'pi-4']);
  assert.equal(pods[0].spec.containers[0].env[0].name, 'JOB_COMPLETION_INDEX');
  const s = lastStatus(f);
  assert.equal(s.completedIndexes, '0,2');
  assert.equal(s.succeeded, 2);
});

test('Indexed: a succeeded pod adds its index; duplicates of an index are deleted', async () => {
  const { f } = await run(job({ completionMode: 'Indexed', completions: 3, parallelism: 3 }, { startTime: iso(T0), completedIndexes: '0', succeeded: 1 }),
    [pod('one', { index: 1, phase: 'Succeeded' }), pod('two-old', { index: 2, created: T0 - 1000 }), pod('two-new', { index: 2, created: T0 })]);
  const s = lastStatus(f);
  assert.equal(s.completedIndexes, '0-1');
  assert.equal(s.succeeded, 2);
  assert.deepEqual(deleted(f), ['two-new']);
  assert.equal(created(f).length, 0);
});

test('ttlSecondsAfterFinished: requeued until due, then the Job is deleted', async () => {
  const done = { startTime: iso(T0 - 200_000), completionTime: iso(T0 - 100_000), succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: iso(T0 - 100_000) }] };
  const early = await run(job({ ttlSecondsAfterFinished: 600 }, done), []);
  assert.deepEqual(early.result, { requeueAfterMs: 500_000 });
  assert.deepEqual(early.f.client.verbs(), []);
  const due = await run(job({ ttlSecondsAfterFinished: 60 }, done), []);
  assert.deepEqual(due.f.client.verbs(), ['delete jobs ns/pi']);
});

test('a finished Job releases leftover finalizers without counting; a gone Job releases its orphans', async () => {
  const done = { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] };
  const fin = await run(job({}, done), [pod('a', { phase: 'Succeeded' })]);
  assert.deepEqual(fin.f.client.verbs(), ['patch pods ns/a']);
  const { f, c } = setup();
  f.seed(RESOURCES.pods, pod('orphan', { phase: 'Succeeded' }));
  f.client.seed(RESOURCES.pods, pod('orphan', { phase: 'Succeeded' }));
  await c.reconcile('ns/pi');
  assert.deepEqual(f.client.verbs(), ['patch pods ns/orphan']);
});

test('index sets round-trip through the compressed form', () => {
  const cases: [string, number[], string][] = [['', [], ''], ['1', [1], '1'], ['1,3-5,7', [1, 3, 4, 5, 7], '1,3-5,7'], ['0-1', [0, 1], '0-1'], ['5,1,2', [1, 2, 5], '1-2,5']];
  for (const [text, set, canonical] of cases) {
    assert.deepEqual([...parseIndexes(text)].sort((a, b) => a - b), set, text);
    assert.equal(formatIndexes(new Set(set)), canonical);
  }
});

test('Indexed successPolicy: a matched rule ends the Job early (SuccessPolicy) and removes the other pods', async () => {
  const spec = { completionMode: 'Indexed', completions: 4, parallelism: 4, successPolicy: { rules: [{ succeededIndexes: '0-1', succeededCount: 1 }] } };
  const { f } = await run(job(spec, { startTime: iso(T0) }), [pod('p0', { index: 0, phase: 'Succeeded' }), pod('p2', { index: 2 }), pod('p3', { index: 3 })]);
  const s = lastStatus(f);
  assert.equal(cond(s, 'SuccessCriteriaMet')?.reason, 'SuccessPolicy');
  assert.equal(cond(s, 'SuccessCriteriaMet')?.message, 'Matched rules at index 0');
  assert.equal(cond(s, 'Complete'), undefined, 'Complete waits for the pods to go');
  assert.deepEqual(deleted(f).sort(), ['p2', 'p3']);
  assert.equal(created(f).length, 0);
});

test('successPolicyRule: index sets, counts and both', () => {
  const j = (rules: JsonObject[]): JsonObject => job({ completionMode: 'Indexed', completions: 5, successPolicy: { rules } });
  assert.equal(successPolicyRule(j([{ succeededIndexes: '1,3' }]), new Set([1])), undefined);
  assert.equal(successPolicyRule(j([{ succeededIndexes: '1,3' }]), new Set([1, 3])), 0);
  assert.equal(successPolicyRule(j([{ succeededCount: 9 }, { succeededCount: 2 }]), new Set([0, 4])), 1);
  assert.equal(successPolicyRule(j([{ succeededIndexes: '0-3', succeededCount: 3 }]), new Set([0, 2, 4])), undefined);
  assert.equal(successPolicyRule(job({ successPolicy: { rules: [{ succeededCount: 1 }] } }), new Set([0])), undefined, 'NonIndexed Jobs have no success policy');
});
