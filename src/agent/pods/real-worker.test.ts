/**
 * @module agent/pods/real-worker.test — the pod workers with the real-node options over a
 * recording runtime (a HollowRuntime that can fail starts and pulls and records calls), a fake
 * probe manager, a fake volume host, kubelet events and a FakeClock: a start failure reads as
 * RunContainerError then CrashLoopBackOff with a StartError last state; image pull failures back
 * off; a liveness failure stops and restarts the container; readiness follows the probes; the
 * previous exited instance is kept (older ones removed); volumes gate the sandbox; lifecycle
 * hooks run; a restarted agent adopts everything without restarting a container and removes
 * orphans.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../../api/index.ts';
import { EventRecorder, FakeClient, FakeClock, RESOURCES } from '../../client/index.ts';
import type { ContainerConfig, ExecSyncResult, ImageSpec, Mount, PodSandboxConfig } from '../../runtime/index.ts';
import { HollowRuntime } from '../../runtime/index.ts';
import type { PodProbes } from './runner.ts';
import { PodWorkers } from './worker.ts';

/** RecordingRuntime records calls and fails what the test asks it to. */
class RecordingRuntime extends HollowRuntime {
  readonly calls: string[] = [];
  readonly configs: ContainerConfig[] = [];
  readonly failStart = new Set<string>();
  readonly failPull = new Set<string>();
  readonly execs: string[][] = [];
  readonly stops: [string, number][] = [];
  override async createContainer(sandboxId: string, config: ContainerConfig, sc: PodSandboxConfig): Promise<string> {
    this.calls.push(`create ${config.metadata.name}`);
    this.configs.push(config);
    return super.createContainer(sandboxId, config, sc);
  }
  override async startContainer(id: string): Promise<void> {
    const st = await this.containerStatus(id);
    if (st && this.failStart.has(st.metadata.name)) throw new Error('failed to create containerd task: exec: "nope": executable file not found in $PATH');
    return super.startContainer(id);
  }
  override async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    this.stops.push([id, timeoutSeconds]);
    return super.stopContainer(id, timeoutSeconds);
  }
  override async pullImage(image: ImageSpec): Promise<string> {
    if (this.failPull.has(image.image)) throw new Error(`pull access denied for ${image.image}`);
    return super.pullImage(image);
  }
  override async execSync(id: string, cmd: readonly string[]): Promise<ExecSyncResult> {
    this.execs.push([id, ...cmd]);
    return { stdout: Buffer.from(''), stderr: Buffer.from(''), exitCode: 0 };
  }
}

/** FakeProbes is a probe manager the test drives. */
class FakeProbes implements PodProbes {
  readonly tracked = new Map<string, string>();
  readonly readiness = new Map<string, boolean>();
  readonly failedLiveness = new Set<string>();
  track(_podKey: string, _pod: JsonObject, c: JsonObject, id: string): void { this.tracked.set(id, String(c.name)); }
  untrack(id: string): void { this.tracked.delete(id); }
  untrackPod(): void { this.tracked.clear(); }
  ready(id: string): boolean | undefined { return this.readiness.get(id); }
  started(): boolean | undefined { return undefined; }
  livenessFailed(id: string): boolean { return this.failedLiveness.has(id); }
}

/** FakeVolumes fails setUp while `failing` is set. */
class FakeVolumes {
  failing: string | undefined = 'configmap "cfg" not found';
  readonly tornDown: string[] = [];
  async setUp(pod: JsonObject): Promise<{ ok: true; mounts: ReadonlyMap<string, readonly Mount[]> } | { ok: false; reason: string; message: string }> {
    if (this.failing) return { ok: false, reason: 'FailedMount', message: `MountVolume.SetUp failed for volume "cfg" : ${this.failing}` };
    return { ok: true, mounts: new Map([[String(pod.spec.containers[0].name), [{ containerPath: '/etc/cfg', hostPath: '/pods/x/cfg', readonly: true }]]]) };
  }
  async tearDown(uid: string): Promise<void> { this.tornDown.push(uid); }
}

interface Setup { client: FakeClient; clock: FakeClock; runtime: RecordingRuntime; workers: PodWorkers; probes: FakeProbes; dir: string }

async function setup(extra: { volumes?: FakeVolumes; runtime?: RecordingRuntime; clock?: FakeClock; client?: FakeClient; podsDir?: boolean } = {}): Promise<Setup> {
  const client = extra.client ?? new FakeClient();
  const clock = extra.clock ?? new FakeClock();
  const runtime = extra.runtime ?? new RecordingRuntime({ podCidr: '10.128.3.0/24', clock, idPrefix: 'cc' });
  const probes = new FakeProbes();
  const dir = await mkdtemp(join(tmpdir(), 'wl-pods-'));
  const events = new EventRecorder(client, clock, { info: () => {} }, 'kubelet', 'n1');
  const workers = new PodWorkers({ client, runtime, nodeName: 'n1', hostIp: '10.64.0.4', clock, probes, events, podLogsDir: join(dir, 'logs'), ...(extra.podsDir ? { podsDir: join(dir, 'pods') } : {}), ...(extra.volumes ? { volumes: extra.volumes } : {}) });
  return { client, clock, runtime, workers, probes, dir };
}

/** statuses lists the status patches written (of pod `name` only, when given). */
const statuses = (client: FakeClient, name?: string): JsonObject[] => client.actions.filter((a) => a.verb === 'patch' && a.subresource === 'status' && (name === undefined || a.name === name))
  .map((a) => (a.patch as JsonObject).status);
const last = (client: FakeClient, i = 0, name?: string): JsonObject => (statuses(client, name).at(-1)!.containerStatuses as JsonObject[])[i];
/** events lists event occurrences: each created Event and each repeat the recorder counted on one (a count patch). */
const events = (client: FakeClient): string[] => {
  const created = client.actions.filter((a) => a.verb === 'create' && a.resource === 'events').map((a) => a.object);
  return client.actions.filter((a) => a.resource === 'events').map((a) => (a.verb === 'create' ? a.object : created.find((e) => e?.metadata?.name === a.name)))
    .map((e) => `${String(e?.reason)}: ${String(e?.message)}`);
};
const ready = (s: JsonObject): string => (s.conditions as JsonObject[]).find((c) => c.type === 'Ready')!.status;

function pod(name: string, spec: JsonObject): JsonObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1' }, spec: { nodeName: 'n1', ...spec }, status: { phase: 'Pending' } };
}

async function settle(workers: PodWorkers): Promise<void> {
  for (let i = 0; i < 5; i++) { await new Promise((r) => setImmediate(r)); await workers.idle(); }
}

async function done(s: Setup): Promise<void> {
  await s.workers.stop();
  await rm(s.dir, { recursive: true, force: true });
}

void test('a start failure: RunContainerError with a StartError last state, then CrashLoopBackOff, then a restart', async () => {
  const s = await setup();
  const { client, clock, runtime, workers } = s;
  runtime.failStart.add('app');
  const p = pod('bad', { containers: [{ name: 'app', image: 'img:1', command: ['nope'] }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  let cs = last(client);
  assert.equal(cs.state.waiting?.reason, 'RunContainerError');
  assert.match(String(cs.state.waiting?.message), /executable file not found/);
  assert.deepEqual([cs.lastState.terminated?.reason, cs.lastState.terminated?.exitCode, cs.restartCount], ['StartError', 128, 0]);
  workers.update(p);
  await settle(workers);
  cs = last(client);
  assert.deepEqual([cs.state.waiting?.reason, cs.restartCount], ['RunContainerError', 1], 'the first restart is immediate, as the kubelet does');
  assert.equal(events(client).filter((e) => e.startsWith('BackOff')).length, 0);
  workers.update(p);
  await settle(workers);
  cs = last(client);
  assert.deepEqual([cs.state.waiting?.reason, cs.lastState.terminated?.reason, statuses(client).at(-1)!.phase], ['CrashLoopBackOff', 'StartError', 'Running']);
  assert.match(String(cs.state.waiting?.message), /^back-off 10s restarting failed container=app pod=bad_default\(uid-bad\)$/);
  assert.ok(events(client).some((e) => e.startsWith('Failed: Error: failed to create containerd task')));
  assert.ok(events(client).includes('BackOff: Back-off restarting failed container app in pod bad_default(uid-bad)'));
  runtime.failStart.clear();
  clock.step(10_000);
  await settle(workers);
  cs = last(client);
  assert.deepEqual([Object.keys(cs.state), cs.restartCount, cs.lastState.terminated?.reason], [['running'], 2, 'StartError']);
  assert.deepEqual(runtime.calls, ['create app', 'create app', 'create app']);
  assert.equal(runtime.configs[2].logPath, 'app/2.log');
  assert.ok((await stat(join(s.dir, 'logs', 'default_bad_uid-bad', 'app'))).isDirectory(), 'the container log directory exists');
  await done(s);
});

void test('image pull failures: ErrImagePull, then ImagePullBackOff until the back-off ends', async () => {
  const s = await setup();
  const { client, clock, runtime, workers } = s;
  runtime.failPull.add('private:1');
  const p = pod('img', { containers: [{ name: 'app', image: 'private:1' }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  assert.deepEqual([last(client).state.waiting?.reason, last(client).state.waiting?.message], ['ErrImagePull', 'pull access denied for private:1']);
  workers.update(p);
  await settle(workers);
  assert.equal(last(client).state.waiting?.reason, 'ImagePullBackOff');
  runtime.failPull.clear();
  clock.step(10_000);
  await settle(workers);
  assert.deepEqual(Object.keys(last(client).state), ['running']);
  assert.deepEqual(events(client).filter((e) => /^(Pulling|Pulled|Failed|BackOff)/.test(e)).map((e) => e.split(':')[0]), ['Pulling', 'Failed', 'Failed', 'BackOff', 'Pulling', 'Pulled']);
  await done(s);
});

void test('probes: readiness decides Ready; a liveness failure stops the container and restarts it after the back-off', async () => {
  const s = await setup();
  const { client, clock, runtime, workers, probes } = s;
  const p = pod('live', { terminationGracePeriodSeconds: 7, containers: [{ name: 'app', image: 'img:1', livenessProbe: { exec: { command: ['true'] } }, readinessProbe: { exec: { command: ['true'] } } }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  const [id] = [...probes.tracked.keys()];
  assert.ok(id, 'the started container is tracked');
  assert.equal(ready(statuses(client).at(-1)!), 'True', 'no verdict yet: ready once running (ProbeManager says undefined without a readiness probe)');
  probes.readiness.set(id, false);
  workers.resync('default/live');
  await settle(workers);
  assert.deepEqual([ready(statuses(client).at(-1)!), last(client).ready], ['False', false]);
  probes.readiness.set(id, true);
  workers.resync('default/live');
  await settle(workers);
  assert.equal(ready(statuses(client).at(-1)!), 'True');
  probes.failedLiveness.add(id);
  workers.resync('default/live');
  await settle(workers);
  assert.deepEqual(runtime.stops, [[id, 7]], 'stopped with the pod grace period');
  assert.ok(events(client).includes('Killing: Container app failed liveness probe, will be restarted'));
  assert.equal(probes.tracked.has(id), false);
  assert.deepEqual([last(client).restartCount, Object.keys(last(client).state)], [1, ['running']], 'the first restart is immediate');
  assert.equal(probes.tracked.size, 1);
  const [id2] = [...probes.tracked.keys()];
  probes.failedLiveness.add(id2);
  workers.resync('default/live');
  await settle(workers);
  assert.equal(last(client).state.waiting?.reason, 'CrashLoopBackOff', 'the second one waits the back-off');
  clock.step(10_000);
  await settle(workers);
  assert.deepEqual([last(client).restartCount, Object.keys(last(client).state)], [2, ['running']]);
  assert.equal(probes.tracked.size, 1);
  await done(s);
});

void test('a changed container spec (kubectl set image on a pod) restarts that container at once, whatever the policy', async () => {
  const s = await setup();
  const { client, runtime, workers } = s;
  const p = pod('img', { restartPolicy: 'Never', containers: [{ name: 'app', image: 'img:1' }, { name: 'side', image: 'img:1' }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  const side = last(client, 1).containerID;
  const changed = { ...p, spec: { ...p.spec, containers: [{ name: 'app', image: 'img:2' }, { name: 'side', image: 'img:1' }] } };
  workers.update(changed);
  await settle(workers);
  assert.ok(events(client).includes('Killing: Container app definition changed, will be restarted'), events(client).join('\n'));
  assert.deepEqual([Object.keys(last(client, 0).state), last(client, 0).restartCount, last(client, 0).image], [['running'], 1, 'img:2']);
  assert.deepEqual(runtime.configs.map((c) => `${c.metadata.name}:${c.image.image}`), ['app:img:1', 'side:img:1', 'app:img:2']);
  assert.equal(last(client, 1).containerID, side, 'the other container is left alone');
  assert.equal(events(client).filter((e) => e.startsWith('BackOff')).length, 0);
  workers.update(changed);
  await settle(workers);
  assert.equal(runtime.configs.length, 3, 'an unchanged spec restarts nothing');
  await done(s);
});

void test('a sandbox that died under a running pod is killed and re-created; init containers run again; Never lets the pod end', async () => {
  const s = await setup();
  const { client, runtime, workers } = s;
  const p = pod('sbx', { initContainers: [{ name: 'init', image: 'img:1', command: ['hollow-exit', '0'] }], containers: [{ name: 'app', image: 'img:1' }] });
  const never = pod('once', { restartPolicy: 'Never', containers: [{ name: 'app', image: 'img:1' }] });
  client.seed(RESOURCES.pods, p, never);
  workers.update(p);
  workers.update(never);
  for (let i = 0; i < 3; i++) { s.clock.step(0); await settle(workers); }
  const sandboxOf = async (name: string): Promise<string[]> => (await runtime.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.name': name } }))
    .sort((a, b) => a.metadata.attempt - b.metadata.attempt).map((x) => `${x.metadata.attempt}:${x.state}`);
  const before = last(client, 0, 'sbx');
  assert.deepEqual(Object.keys(before.state), ['running']);
  await workers.relistSandboxes();
  await settle(workers);
  assert.equal(events(client).filter((e) => e.startsWith('SandboxChanged')).length, 0, 'ready sandboxes are left alone');
  for (const x of await runtime.listPodSandbox()) await runtime.stopPodSandbox(x.id); // the pause processes die
  await workers.relistSandboxes();
  for (let i = 0; i < 3; i++) { s.clock.step(0); await settle(workers); }
  assert.ok(events(client).includes('SandboxChanged: Pod sandbox changed, it will be killed and re-created.'), events(client).join('\n'));
  assert.deepEqual(await sandboxOf('sbx'), ['0:NOTREADY', '1:READY']);
  const after = last(client, 0, 'sbx');
  assert.deepEqual([Object.keys(after.state), after.restartCount], [['running'], 1]);
  assert.notEqual(after.containerID, before.containerID);
  assert.equal(runtime.calls.filter((c) => c === 'create init').length, 2, 'the init container ran again in the new sandbox');
  assert.deepEqual(await sandboxOf('once'), ['0:NOTREADY'], 'restartPolicy Never: no new sandbox');
  assert.equal(statuses(client, 'once').at(-1)!.phase, 'Failed');
  workers.remove(p);
  await settle(workers);
  assert.deepEqual(await sandboxOf('sbx'), [], 'the replaced sandbox goes with the pod');
  await done(s);
});

void test('an ephemeral container (kubectl debug) starts in the running pod, is reported apart, and is never restarted', async () => {
  const s = await setup();
  const { client, runtime, workers } = s;
  const p = pod('dbg', { containers: [{ name: 'app', image: 'img:1' }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  const withDebug = { ...p, spec: { ...p.spec, ephemeralContainers: [{ name: 'debugger', image: 'img:2', command: ['hollow-exit', '0', '1'] }] } };
  workers.update(withDebug);
  await settle(workers);
  let st = statuses(client).at(-1)!;
  assert.deepEqual(((st.ephemeralContainerStatuses ?? []) as JsonObject[]).map((x) => [x.name, Object.keys(x.state), x.ready, x.image]), [['debugger', ['running'], false, 'img:2']]);
  assert.deepEqual((st.containerStatuses as JsonObject[]).map((x) => x.name), ['app'], 'not among the app containers');
  s.clock.step(1000);
  await settle(workers);
  s.clock.step(20_000);
  await settle(workers);
  st = statuses(client).at(-1)!;
  const eph = (st.ephemeralContainerStatuses as JsonObject[])[0];
  assert.deepEqual([Object.keys(eph.state), eph.state.terminated?.exitCode, eph.restartCount], [['terminated'], 0, 0]);
  assert.equal(runtime.calls.filter((c) => c === 'create debugger').length, 1, 'never restarted');
  assert.deepEqual([st.phase, ready(st)], ['Running', 'True'], 'the pod is unaffected');
  await done(s);
});

void test('the previous exited instance is kept until the next restart; older ones are removed', async () => {
  const s = await setup();
  const { client, clock, runtime, workers } = s;
  const p = pod('crash', { containers: [{ name: 'c', image: 'img:1', command: ['hollow-exit', '1', '1'] }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  const ids = async (): Promise<string[]> => (await runtime.listContainers()).map((c) => `${String(c.metadata.attempt)}:${c.state}`).sort();
  for (const wait of [1000, 1000, 10_000, 1000, 20_000]) { clock.step(wait); await settle(workers); }
  assert.equal(last(client).restartCount, 3);
  assert.deepEqual(await ids(), ['2:EXITED', '3:RUNNING']);
  assert.equal(last(client).lastState.terminated?.containerID, `hollow://${(await runtime.listContainers()).find((c) => c.metadata.attempt === 2)!.id}`);
  await done(s);
});

void test('volumes: a failing set-up keeps the pod ContainerCreating with FailedMount; mounts reach the container; tearDown after removal', async () => {
  const volumes = new FakeVolumes();
  const s = await setup({ volumes });
  const { client, clock, runtime, workers } = s;
  const p = pod('vol', { containers: [{ name: 'app', image: 'img:1' }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  assert.equal(last(client).state.waiting?.reason, 'ContainerCreating');
  assert.deepEqual(await runtime.listPodSandbox(), [], 'no sandbox before the volumes are ready');
  assert.deepEqual(events(client), ['FailedMount: MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found']);
  volumes.failing = undefined;
  clock.step(1000);
  await settle(workers);
  assert.deepEqual(Object.keys(last(client).state), ['running']);
  assert.deepEqual(runtime.configs[0].mounts, [{ containerPath: '/etc/cfg', hostPath: '/pods/x/cfg', readonly: true }]);
  workers.remove(p);
  await settle(workers);
  assert.deepEqual(volumes.tornDown, ['uid-vol']);
  await done(s);
});

void test('lifecycle hooks: postStart after start, preStop before a graceful stop during deletion', async () => {
  const s = await setup();
  const { client, runtime, workers } = s;
  const p = pod('hooks', { terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'img:1', lifecycle: { postStart: { exec: { command: ['touch', '/ready'] } }, preStop: { exec: { command: ['drain'] } } } }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  const id = (await runtime.listContainers())[0].id;
  assert.deepEqual(runtime.execs, [[id, 'touch', '/ready']]);
  workers.update({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 20 } });
  await settle(workers);
  assert.deepEqual(runtime.execs.at(-1), [id, 'drain']);
  assert.deepEqual(runtime.stops, [[id, 20]]);
  assert.ok(events(client).includes('Killing: Stopping container app'));
  await done(s);
});

void test('adoption: a restarted agent reuses sandboxes and containers (restarting nothing) and removes orphans', async () => {
  const first = await setup();
  const { client, clock, runtime } = first;
  const web = pod('web', { containers: [{ name: 'app', image: 'img:1' }, { name: 'c', image: 'img:1', command: ['hollow-exit', '1', '1'] }] });
  const orphan = pod('orphan', { containers: [{ name: 'app', image: 'img:1' }] });
  client.seed(RESOURCES.pods, web, orphan);
  first.workers.update(web);
  first.workers.update(orphan);
  await settle(first.workers);
  clock.step(1000); await settle(first.workers);
  const before = last(client, 1);
  assert.equal(before.restartCount, 1);
  await first.workers.stop();
  const containersBefore = (await runtime.listContainers()).map((c) => c.id).sort();
  runtime.calls.length = 0;

  const second = await setup({ runtime, clock, client });
  await second.workers.adopt();
  second.workers.update({ ...web, status: statuses(client).filter((x) => x.containerStatuses.length === 2).at(-1) });
  await settle(second.workers);
  assert.deepEqual(runtime.calls, [], 'no container created');
  assert.deepEqual(runtime.stops, [], 'no container stopped');
  const after = last(client, 1);
  assert.deepEqual([after.restartCount, after.containerID, after.lastState.terminated?.containerID], [1, before.containerID, before.lastState.terminated?.containerID]);
  assert.deepEqual(Object.keys(last(client, 0).state), ['running']);
  assert.equal(second.probes.tracked.size, 2, 'the running containers are probed again');
  const orphanIds = (await runtime.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': 'uid-orphan' } })).map((c) => c.id);
  assert.equal(orphanIds.length, 1);
  await second.workers.cleanupOrphans(new Set(['uid-web']));
  assert.deepEqual((await runtime.listPodSandbox()).map((x) => x.metadata.name), ['web']);
  assert.deepEqual((await runtime.listContainers()).map((c) => c.id).sort(), containersBefore.filter((id) => !orphanIds.includes(id)));
  await done(second);
  await rm(first.dir, { recursive: true, force: true });
});

void test('podsDir: a managed /etc/hosts and a termination message file are mounted; the message is reported when the container exits', async () => {
  const s = await setup({ podsDir: true });
  const { client, clock, runtime, workers } = s;
  const p = pod('msg', { restartPolicy: 'Never', containers: [{ name: 'app', image: 'img:1', command: ['hollow-exit', '3', '5'] }] });
  client.seed(RESOURCES.pods, p);
  workers.update(p);
  await settle(workers);
  const mounts = runtime.configs[0].mounts ?? [];
  const hosts = mounts.find((m) => m.containerPath === '/etc/hosts');
  const term = mounts.find((m) => m.containerPath === '/dev/termination-log');
  assert.ok(hosts && term);
  assert.match(await readFile(hosts.hostPath, 'utf8'), /\n10\.128\.3\.2\tmsg\n/);
  await writeFile(term.hostPath, 'disk full');
  clock.step(5000);
  await settle(workers);
  const cs = last(client);
  assert.deepEqual([statuses(client).at(-1)!.phase, cs.state.terminated?.exitCode, cs.state.terminated?.message], ['Failed', 3, 'disk full']);
  workers.remove(p);
  await settle(workers);
  await assert.rejects(stat(join(s.dir, 'pods', 'uid-msg')), 'the pod files are removed with the pod');
  await done(s);
});

void test('a liveness kill restarts an OnFailure container even when it exits 0; Never leaves it stopped', async () => {
  for (const [policy, restarts] of [['OnFailure', 1], ['Never', 0]] as const) {
    const s = await setup();
    const { client, clock, workers, probes } = s;
    const p = pod('lf', { restartPolicy: policy, containers: [{ name: 'app', image: 'img:1', livenessProbe: { exec: { command: ['true'] } } }] });
    client.seed(RESOURCES.pods, p);
    workers.update(p);
    await settle(workers);
    probes.failedLiveness.add([...probes.tracked.keys()][0]);
    workers.resync('default/lf');
    await settle(workers);
    clock.step(10_000);
    await settle(workers);
    assert.equal(last(s.client).restartCount, restarts, policy);
    assert.equal(statuses(client).at(-1)!.phase, policy === 'Never' ? 'Succeeded' : 'Running', policy);
    await done(s);
  }
});
