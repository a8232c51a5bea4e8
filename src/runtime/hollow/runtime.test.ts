/**
 * @module runtime/hollow/runtime.test — the in-memory runtime on a FakeClock: sandbox addresses
 * from the pod CIDR (reuse, exhaustion, host network), the hollow-exit convention, start delay,
 * stop exit codes, container events, list filters and idempotent stop/remove.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HollowRuntime, exitPlan } from './runtime.ts';
import type { HollowTimers } from './runtime.ts';
import { Ipv4Pool } from './ipam.ts';
import type { ContainerConfig, ContainerEvent, PodSandboxConfig } from '../types.ts';

/** FakeClock: time moves only through step(), firing due timers in order (the runtime may not import src/client). */
class FakeClock implements HollowTimers {
  #now = Date.UTC(2026, 0, 1);
  #seq = 0;
  readonly #timers = new Map<object, { at: number; seq: number; fn: () => void }>();
  now(): number { return this.#now; }
  setTimeout(fn: () => void, ms: number): object { const h = {}; this.#timers.set(h, { at: this.#now + ms, seq: this.#seq++, fn }); return h; }
  clearTimeout(h: object): void { this.#timers.delete(h); }
  step(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const due = [...this.#timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at || a[1].seq - b[1].seq)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].fn();
    }
    this.#now = until;
  }
}

const sandbox = (name: string, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 }, labels: { app: name }, ...extra,
});
const container = (name: string, extra: Partial<ContainerConfig> = {}): ContainerConfig => ({ metadata: { name, attempt: 0 }, image: { image: 'busybox:1.36' }, ...extra });

void test('exitPlan reads the hollow-exit convention from command, else args', () => {
  const cases: [Pick<ContainerConfig, 'command' | 'args'>, ReturnType<typeof exitPlan>][] = [
    [{}, undefined],
    [{ command: ['sleep', '10'] }, undefined],
    [{ command: ['hollow-exit', '0'] }, { code: 0, afterMs: 0 }],
    [{ command: ['hollow-exit', '3', '2.5'] }, { code: 3, afterMs: 2500 }],
    [{ args: ['hollow-exit', '1'] }, { code: 1, afterMs: 0 }],
    [{ command: ['app'], args: ['hollow-exit', '1'] }, undefined],
    [{ command: ['hollow-exit', 'x'] }, { code: 1, afterMs: 0 }],
  ];
  for (const [config, want] of cases) assert.deepEqual(exitPlan(config), want, JSON.stringify(config));
});

void test('Ipv4Pool skips network, gateway and broadcast, reuses freed addresses and runs dry', () => {
  const pool = new Ipv4Pool('10.1.2.0/30');
  assert.equal(pool.allocate(), '10.1.2.2');
  assert.equal(pool.allocate(), undefined);
  pool.release('10.1.2.2');
  assert.equal(pool.allocate(), '10.1.2.2');
  const big = new Ipv4Pool('10.9.0.7/24');
  assert.deepEqual([big.allocate(), big.allocate(), big.free], ['10.9.0.2', '10.9.0.3', 251]);
  assert.throws(() => new Ipv4Pool('fd00::/64'), /not an IPv4 CIDR/);
});

void test('sandboxes get addresses from the pod CIDR; hostNetwork ones the host IP; removal frees the address', async () => {
  const rt = new HollowRuntime({ podCidr: '10.128.5.0/24', hostIp: '10.64.0.9', clock: new FakeClock() });
  const a = await rt.runPodSandbox(sandbox('a'));
  const b = await rt.runPodSandbox(sandbox('b'));
  const h = await rt.runPodSandbox(sandbox('h', { hostNetwork: true }));
  assert.equal((await rt.podSandboxStatus(a))?.network.ip, '10.128.5.2');
  assert.equal((await rt.podSandboxStatus(b))?.network.ip, '10.128.5.3');
  assert.equal((await rt.podSandboxStatus(h))?.network.ip, '10.64.0.9');
  await rt.stopPodSandbox(a);
  assert.equal((await rt.podSandboxStatus(a))?.state, 'NOTREADY');
  assert.deepEqual((await rt.listPodSandbox({ state: 'READY' })).map((s) => s.metadata.name), ['b', 'h']);
  assert.deepEqual((await rt.listPodSandbox({ labelSelector: { app: 'b' } })).map((s) => s.id), [b]);
  await rt.removePodSandbox(a);
  await rt.removePodSandbox(a); // idempotent
  assert.equal(await rt.podSandboxStatus(a), undefined);
  const c = await rt.runPodSandbox(sandbox('c'));
  assert.equal((await rt.podSandboxStatus(c))?.network.ip, '10.128.5.4');
});

void test('the pod CIDR may be a function read at the first sandbox', async () => {
  let cidr = '10.0.0.0/24';
  const rt = new HollowRuntime({ podCidr: () => cidr, clock: new FakeClock() });
  cidr = '10.7.7.0/24';
  const s = await rt.runPodSandbox(sandbox('x'));
  assert.equal((await rt.podSandboxStatus(s))?.network.ip, '10.7.7.2');
});

void test('containers run at once, and hollow-exit containers exit with their code after their delay', async () => {
  const clock = new FakeClock();
  const rt = new HollowRuntime({ podCidr: '10.128.0.0/24', clock, idPrefix: 'n1' });
  const events: string[] = [];
  const unsubscribe = rt.subscribeContainerEvents((e: ContainerEvent) => events.push(`${e.type} ${e.containerId}`));
  const s = await rt.runPodSandbox(sandbox('job'));
  const forever = await rt.createContainer(s, container('main'), sandbox('job'));
  const exits = await rt.createContainer(s, container('exit', { command: ['hollow-exit', '2', '5'] }), sandbox('job'));
  assert.match(forever, /^n1[0-9a-f]{8}$/);
  assert.equal((await rt.containerStatus(forever))?.state, 'CREATED');
  clock.step(1000);
  await rt.startContainer(forever);
  await rt.startContainer(exits);
  const st = await rt.containerStatus(exits);
  assert.deepEqual([st?.state, st?.startedAt], ['RUNNING', clock.now()]);
  clock.step(4999);
  assert.equal((await rt.containerStatus(exits))?.state, 'RUNNING');
  clock.step(1);
  const done = await rt.containerStatus(exits);
  assert.deepEqual([done?.state, done?.exitCode, done?.reason, done!.finishedAt - done!.startedAt], ['EXITED', 2, 'Error', 5000]);
  assert.equal((await rt.containerStatus(forever))?.state, 'RUNNING');
  assert.match((await rt.containerStatus(forever))!.imageRef, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual((await rt.listContainers({ state: 'RUNNING' })).map((c) => c.metadata.name), ['main']);
  assert.deepEqual((await rt.listContainers({ podSandboxId: s })).length, 2);
  assert.deepEqual(events, [`CREATED ${forever}`, `CREATED ${exits}`, `STARTED ${forever}`, `STARTED ${exits}`, `STOPPED ${exits}`]);
  unsubscribe();
  await rt.removeContainer(exits);
  assert.equal(events.length, 5, 'no events after unsubscribing');
  assert.equal(await rt.containerStatus(exits), undefined);
});

void test('a start delay keeps the container CREATED until the clock passes it', async () => {
  const clock = new FakeClock();
  const rt = new HollowRuntime({ podCidr: '10.128.0.0/24', clock, startDelayMs: 2000 });
  const s = await rt.runPodSandbox(sandbox('slow'));
  const c = await rt.createContainer(s, container('app'), sandbox('slow'));
  let started = false;
  const p = rt.startContainer(c).then(() => { started = true; });
  await Promise.resolve();
  assert.equal((await rt.containerStatus(c))?.state, 'CREATED');
  clock.step(2000);
  await p;
  assert.equal(started, true);
  assert.equal((await rt.containerStatus(c))?.state, 'RUNNING');
});

void test('stopping: graceful exits 0, a zero timeout exits 137; stop is idempotent; a stopped sandbox kills its containers', async () => {
  const clock = new FakeClock();
  const rt = new HollowRuntime({ podCidr: '10.128.0.0/24', clock });
  const s = await rt.runPodSandbox(sandbox('p'));
  const ids = [];
  for (const n of ['a', 'b', 'c']) { const id = await rt.createContainer(s, container(n), sandbox('p')); await rt.startContainer(id); ids.push(id); }
  await rt.stopContainer(ids[0], 30);
  await rt.stopContainer(ids[1], 0);
  await rt.stopContainer(ids[1], 30);
  await rt.stopContainer('missing', 1);
  await rt.stopPodSandbox(s);
  const codes = await Promise.all(ids.map(async (id) => (await rt.containerStatus(id))?.exitCode));
  assert.deepEqual(codes, [0, 137, 137]);
  await assert.rejects(rt.createContainer(s, container('late'), sandbox('p')), /not ready/);
  await rt.removePodSandbox(s);
  assert.deepEqual(await rt.listContainers(), []);
});

void test('images: pull is instant and cached; status, list and remove', async () => {
  const rt = new HollowRuntime({ podCidr: '10.128.0.0/24', clock: new FakeClock() });
  const ref = await rt.pullImage({ image: 'nginx:1.27' });
  assert.equal(await rt.pullImage({ image: 'nginx:1.27' }), ref);
  const img = await rt.imageStatus({ image: 'nginx:1.27' });
  assert.deepEqual([img?.id, img?.repoTags, img?.repoDigests], [ref, ['nginx:1.27'], [`nginx@${ref}`]]);
  assert.equal((await rt.imageStatus({ image: ref }))?.id, ref);
  assert.equal((await rt.listImages()).length, 1);
  await rt.removeImage({ image: 'nginx:1.27' });
  assert.equal(await rt.imageStatus({ image: 'nginx:1.27' }), undefined);
  assert.equal((await rt.version()).runtimeName, 'hollow');
});
