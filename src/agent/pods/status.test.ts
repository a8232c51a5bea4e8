/**
 * @module agent/pods/status.test — pod status computation: phase per restartPolicy (table), init
 * containers, conditions and their transition times, readiness delay, container statuses, IPs
 * and QoS class.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import type { ContainerStatus } from '../../runtime/index.ts';
import { computePodStatus, podPhase, qosClass, rfc3339 } from './status.ts';
import type { ContainerView } from './status.ts';

const T0 = Date.UTC(2026, 0, 1);

function view(state: ContainerStatus['state'], exitCode = 0, extra: Partial<ContainerView> = {}): ContainerView {
  const status: ContainerStatus = {
    id: 'c1', podSandboxId: 's1', metadata: { name: 'x', attempt: 0 }, image: { image: 'img' }, imageRef: 'sha256:1', state, createdAt: T0,
    labels: {}, annotations: {}, startedAt: state === 'CREATED' ? 0 : T0, finishedAt: state === 'EXITED' ? T0 + 1000 : 0, exitCode, reason: state === 'EXITED' ? (exitCode === 0 ? 'Completed' : 'Error') : '', message: '',
  };
  return { containerId: 'hollow://c1', status, imageId: 'img@sha256:1', restartCount: 0, ...extra };
}

const pod = (spec: JsonObject, status: JsonObject = {}): JsonObject => ({ metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec, status });
const one = (policy?: string): JsonObject => pod({ ...(policy ? { restartPolicy: policy } : {}), containers: [{ name: 'a', image: 'img' }] });
const two = (policy: string): JsonObject => pod({ restartPolicy: policy, containers: [{ name: 'a', image: 'img' }, { name: 'b', image: 'img' }] });

void test('phase per restartPolicy and container states', () => {
  const cases: [string, JsonObject, (ContainerView | undefined)[], boolean, string][] = [
    ['not created', one(), [undefined], false, 'Pending'],
    ['created, not started', one(), [view('CREATED')], false, 'Pending'],
    ['running', one(), [view('RUNNING')], false, 'Running'],
    ['Always, exited 0', one('Always'), [view('EXITED', 0)], false, 'Running'],
    ['default policy is Always', one(), [view('EXITED', 1)], false, 'Running'],
    ['OnFailure, exited 0', one('OnFailure'), [view('EXITED', 0)], false, 'Succeeded'],
    ['OnFailure, exited 1', one('OnFailure'), [view('EXITED', 1)], false, 'Running'],
    ['Never, exited 0', one('Never'), [view('EXITED', 0)], false, 'Succeeded'],
    ['Never, exited 1', one('Never'), [view('EXITED', 1)], false, 'Failed'],
    ['Never, one done one running', two('Never'), [view('EXITED', 0), view('RUNNING')], false, 'Running'],
    ['Never, one failed one succeeded', two('Never'), [view('EXITED', 1), view('EXITED', 0)], false, 'Failed'],
    ['crash-looping counts as stopped', two('Always'), [view('EXITED', 1, { waitingReason: 'CrashLoopBackOff', lastTerminated: { containerId: 'hollow://c0', status: view('EXITED', 1).status } }), view('RUNNING')], false, 'Running'],
    ['killed after graceful stop', one('Always'), [view('EXITED', 0)], true, 'Succeeded'],
    ['killed with a failure', two('Always'), [view('EXITED', 137), view('EXITED', 0)], true, 'Failed'],
    ['killed before starting', one('Always'), [undefined], true, 'Failed'],
  ];
  for (const [name, p, app, killed, want] of cases) assert.equal(podPhase(p, [], app, killed), want, name);
});

void test('init containers gate the phase and the Initialized condition', () => {
  const p = pod({ restartPolicy: 'Never', initContainers: [{ name: 'i1', image: 'img' }, { name: 'i2', image: 'img' }], containers: [{ name: 'a', image: 'img' }] });
  assert.equal(podPhase(p, [view('RUNNING'), undefined], [undefined], false), 'Pending');
  assert.equal(podPhase(p, [view('EXITED', 0), view('EXITED', 2)], [undefined], false), 'Failed');
  assert.equal(podPhase(p, [view('EXITED', 0), view('EXITED', 0)], [view('RUNNING')], false), 'Running');
  const s = computePodStatus({ pod: p, now: T0, hostIp: '10.64.0.1', podIps: ['10.128.0.2'], init: [view('EXITED', 0), view('RUNNING')], app: [undefined] });
  const init = (s.conditions as JsonObject[]).find((c) => c.type === 'Initialized')!;
  assert.deepEqual([init.status, init.reason, init.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [i2]']);
  assert.deepEqual((s.initContainerStatuses as JsonObject[]).map((c) => Object.keys(c.state)[0]), ['terminated', 'running']);
  assert.deepEqual((s.containerStatuses as JsonObject[])[0].state, { waiting: { reason: 'PodInitializing' } });
  const sidecar = pod({ initContainers: [{ name: 'proxy', image: 'img', restartPolicy: 'Always' }], containers: [{ name: 'a', image: 'img' }] });
  assert.equal(podPhase(sidecar, [view('RUNNING')], [view('RUNNING')], false), 'Running', 'a running sidecar counts as initialized');
});

void test('a running pod: conditions, IPs, container statuses, startTime and QoS', () => {
  const p = pod({ containers: [{ name: 'a', image: 'nginx' }] }, { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2025-12-31T00:00:00Z' }] });
  const s = computePodStatus({ pod: p, now: T0 + 5000, hostIp: '10.64.0.1', podIps: ['10.128.0.2'], init: [], app: [view('RUNNING')] });
  assert.equal(s.phase, 'Running');
  assert.deepEqual((s.conditions as JsonObject[]).map((c) => [c.type, c.status]), [
    ['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['ContainersReady', 'True'], ['Ready', 'True'], ['PodScheduled', 'True'],
  ]);
  assert.equal((s.conditions as JsonObject[])[4].lastTransitionTime, '2025-12-31T00:00:00Z', "the scheduler's condition is kept");
  assert.deepEqual([s.hostIP, s.hostIPs, s.podIP, s.podIPs, s.startTime, s.qosClass], ['10.64.0.1', [{ ip: '10.64.0.1' }], '10.128.0.2', [{ ip: '10.128.0.2' }], rfc3339(T0 + 5000), 'BestEffort']);
  assert.deepEqual((s.containerStatuses as JsonObject[])[0], {
    name: 'a', state: { running: { startedAt: rfc3339(T0) } }, lastState: {}, ready: true, restartCount: 0,
    image: 'nginx', imageID: 'img@sha256:1', containerID: 'hollow://c1', started: true,
  });
});

void test('readiness waits for readinessProbe.initialDelaySeconds; transition times hold while a status holds', () => {
  const p = pod({ containers: [{ name: 'a', image: 'img', readinessProbe: { initialDelaySeconds: 10, httpGet: { port: 80 } } }] });
  const at = (now: number, previous?: JsonObject): JsonObject => computePodStatus({ pod: p, now, hostIp: 'h', podIps: ['10.0.0.2'], init: [], app: [view('RUNNING')], ...(previous ? { previous } : {}) });
  const ready = (s: JsonObject): JsonObject => (s.conditions as JsonObject[]).find((c) => c.type === 'Ready')!;
  const s1 = at(T0 + 1000);
  assert.deepEqual([ready(s1).status, ready(s1).reason, ready(s1).message], ['False', 'ContainersNotReady', 'containers with unready status: [a]']);
  assert.equal((s1.containerStatuses as JsonObject[])[0].ready, false);
  const s2 = at(T0 + 9000, s1);
  assert.equal(ready(s2).lastTransitionTime, rfc3339(T0 + 1000), 'unchanged status keeps its transition time');
  assert.equal(s2.startTime, s1.startTime);
  const s3 = at(T0 + 10_000, s2);
  assert.deepEqual([ready(s3).status, ready(s3).lastTransitionTime], ['True', rfc3339(T0 + 10_000)]);
  assert.equal(JSON.stringify(at(T0 + 20_000, s3)), JSON.stringify(s3), 'nothing changed: same status (no write needed)');
});

void test('terminal pods report PodCompleted and terminated states; readiness gates and foreign conditions are kept', () => {
  const done = computePodStatus({ pod: one('Never'), now: T0, hostIp: 'h', podIps: [], init: [], app: [view('EXITED', 0)] });
  assert.equal(done.phase, 'Succeeded');
  const ready = (done.conditions as JsonObject[]).find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason], ['False', 'PodCompleted']);
  assert.deepEqual((done.containerStatuses as JsonObject[])[0].state.terminated, {
    exitCode: 0, reason: 'Completed', startedAt: rfc3339(T0), finishedAt: rfc3339(T0 + 1000), containerID: 'hollow://c1',
  });
  const gated = pod({ readinessGates: [{ conditionType: 'example.com/lb' }], containers: [{ name: 'a', image: 'img' }] },
    { conditions: [{ type: 'example.com/lb', status: 'False' }, { type: 'DisruptionTarget', status: 'True' }] });
  const s = computePodStatus({ pod: gated, now: T0, hostIp: 'h', podIps: ['10.0.0.2'], init: [], app: [view('RUNNING')] });
  const conds = s.conditions as JsonObject[];
  assert.equal(conds.find((c) => c.type === 'Ready')!.reason, 'ReadinessGatesNotReady');
  assert.equal(conds.find((c) => c.type === 'ContainersReady')!.status, 'True');
  assert.deepEqual(conds.slice(-2).map((c) => c.type), ['example.com/lb', 'DisruptionTarget']);
});

void test('qosClass', () => {
  const c = (resources: JsonObject): JsonObject => ({ containers: [{ name: 'a', image: 'i', resources }] });
  const cases: [JsonObject, string][] = [
    [{ containers: [{ name: 'a', image: 'i' }] }, 'BestEffort'],
    [c({ requests: { cpu: '100m' } }), 'Burstable'],
    [c({ limits: { cpu: '1', memory: '1Gi' } }), 'Guaranteed'],
    [c({ requests: { cpu: '1000m', memory: '1024Mi' }, limits: { cpu: '1', memory: '1Gi' } }), 'Guaranteed'],
    [c({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }), 'Burstable'],
    [c({ limits: { cpu: '1' } }), 'Burstable'],
    [{ initContainers: [{ name: 'i', image: 'i' }], containers: [{ name: 'a', image: 'i', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }, 'Burstable'],
  ];
  for (const [spec, want] of cases) assert.equal(qosClass(spec), want, JSON.stringify(spec));
});

void test('a container reports the image its instance was made from until a new one runs (kubectl set image)', () => {
  const p = pod({ containers: [{ name: 'a', image: 'img:2' }] });
  const old = computePodStatus({ pod: p, now: T0, hostIp: 'h', podIps: ['10.0.0.2'], init: [], app: [view('RUNNING', 0, { image: 'img:1' })] });
  assert.equal((old.containerStatuses as JsonObject[])[0].image, 'img:1', 'the old instance still runs img:1');
  const none = computePodStatus({ pod: p, now: T0, hostIp: 'h', podIps: ['10.0.0.2'], init: [], app: [undefined] });
  assert.equal((none.containerStatuses as JsonObject[])[0].image, 'img:2', 'no instance yet: the spec image');
  const fresh = computePodStatus({ pod: p, now: T0, hostIp: 'h', podIps: ['10.0.0.2'], init: [], app: [view('RUNNING', 0, { image: 'img:2' })] });
  assert.equal((fresh.containerStatuses as JsonObject[])[0].image, 'img:2');
});
