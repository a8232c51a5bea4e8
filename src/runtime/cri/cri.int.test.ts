/**
 * @module runtime/cri/cri.int.test — CriRuntime against a real containerd 1.6 (managed, in a
 * network namespace made for the test), with the generated pause image and a busybox image:
 * sandbox IP, shared localhost, CRI logs, stats, exec URL, stop timeout, events, survival of a
 * containerd restart, and full cleanup (sandboxes, shims, netns, cgroups, mounts, files).
 * Needs root, containerd, runc, ctr, nsenter and CNI plugins in /usr/lib/cni; skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ContainerConfig, ContainerEvent, PodSandboxConfig } from '../types.ts';
import { connectCri, type CriRuntime } from './client.ts';
import { startManagedContainerd, type ManagedContainerd } from './containerd.ts';
import { busyboxImageArchive, PAUSE_IMAGE, pauseImageArchive } from './images.ts';
import { importImageArchive } from './oci-image.ts';
import {
  bridgeConflist, cgroupDirs, createNetns, deleteNetns, mountsUnder, processesMentioning, removeCgroupTree, teardownContainerd, unmountUnder,
} from './testbed.ts';

const missing = ['/usr/bin/containerd', '/usr/sbin/runc', '/usr/bin/ctr', '/usr/bin/nsenter', '/usr/lib/cni/bridge', '/bin/busybox'].filter((p) => !existsSync(p));
const skip = process.getuid?.() !== 0 ? 'needs root' : missing.length > 0 ? `missing ${missing.join(', ')}` : false;
const BUSYBOX = 'localhost/wl-cri-test/busybox:1';
const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('CriRuntime with a managed containerd in a network namespace', { skip, timeout: 400_000 }, async (t) => {
  const rand = randomBytes(4).toString('hex');
  const netns = `wl-cri-${rand}`;
  const cgroupRoot = `/wl-cri-test-${rand}`;
  const dir = await mkdtemp('/tmp/wl-cri-');
  const ctdDir = join(dir, 'ctd');
  const cniConfDir = join(dir, 'cni', 'net.d');
  const logs = join(dir, 'logs');
  const subnetX = randomInt(1, 254);
  const timings: Record<string, number> = {};
  let managed: ManagedContainerd | undefined;
  let cri: CriRuntime | undefined;
  const log: string[] = [];

  t.after(async () => {
    const left = await teardownContainerd({ cri, managed, socketPath: join(ctdDir, 'containerd.sock'), dir, netns, cgroupRoot });
    assert.deepEqual(left, { processes: [], mounts: [], cgroups: [] }, 'teardown left nothing');
  });

  await createNetns(netns);
  await mkdir(cniConfDir, { recursive: true });
  await writeFile(join(cniConfDir, '10-wl.conflist'), bridgeConflist({ name: 'wl-cri', subnet: `10.88.${subnetX}.0/24`, ipamDir: join(dir, 'cni', 'ipam') }));
  const registriesYaml = [
    'mirrors:', '  registry.wl.test:', '    endpoint: ["http://127.0.0.1:5999"]',
    'configs:', '  "127.0.0.1:5999":', '    auth: { username: u, password: p }',
  ].join('\n');
  let start = Date.now();
  const abort = new AbortController();
  t.after(() => abort.abort());
  managed = await startManagedContainerd({ dir: ctdDir, cniConfDir, sandboxImage: PAUSE_IMAGE, registriesYaml, netns, log: (m) => log.push(m), signal: abort.signal });
  timings.containerdStart = Date.now() - start;
  assert.ok(managed.pid > 0);
  assert.ok(existsSync(join(ctdDir, 'certs.d', 'registry.wl.test', 'hosts.toml')));

  start = Date.now();
  await importImageArchive({ endpoint: managed.endpoint, archive: await pauseImageArchive() });
  await importImageArchive({
    endpoint: managed.endpoint,
    archive: await busyboxImageArchive({ name: BUSYBOX, files: [{ path: 'www/index.html', content: 'hello from wl httpd\n' }] }),
  });
  timings.imports = Date.now() - start;
  cri = await connectCri({ endpoint: managed.endpoint, timeoutMs: 120_000 });
  const c = cri;

  await t.test('version, status, images', async () => {
    const v = await c.version();
    assert.equal(v.runtimeName, 'containerd');
    assert.equal(v.runtimeApiVersion, 'v1');
    const conds = await c.status();
    assert.deepEqual(conds.filter((x) => x.status).map((x) => x.type).sort(), ['NetworkReady', 'RuntimeReady']);
    const img = await c.imageStatus({ image: BUSYBOX });
    assert.ok(img && img.repoTags.includes(BUSYBOX) && img.size > 0, JSON.stringify(img));
    assert.ok((await c.listImages()).some((i) => i.repoTags.includes(PAUSE_IMAGE)));
    assert.equal(await c.imageStatus({ image: 'localhost/nope:1' }), undefined);
  });

  await t.test('pull through a registries.yaml mirror over plain http', async () => {
    const regDir = join(dir, 'registry');
    await mkdir(regDir);
    await writeFile(join(regDir, 'config.yml'), `version: 0.1\nstorage: { filesystem: { rootdirectory: ${regDir}/data } }\nhttp: { addr: "127.0.0.1:5999" }\nlog: { level: error }\n`);
    const registry = spawn('nsenter', [`--net=/run/netns/${netns}`, '--', 'docker-registry', 'serve', join(regDir, 'config.yml')], { stdio: 'ignore' });
    t.after(() => { registry.kill('SIGKILL'); });
    const archivePath = join(dir, 'busybox.tar');
    // a distinct image: RemoveImage removes every tag of an image ID
    await writeFile(archivePath, await busyboxImageArchive({ name: 'localhost/wl-cri-test/pushed:1', files: [{ path: 'www/index.html', content: 'pushed\n' }] }));
    await until('push with skopeo', () => run('nsenter', [`--net=/run/netns/${netns}`, '--', 'skopeo', '--insecure-policy', 'copy', '--dest-tls-verify=false',
      `oci-archive:${archivePath}`, 'docker://127.0.0.1:5999/wl/busybox:v1']).then(() => true, () => undefined));
    const image = 'registry.wl.test/wl/busybox:v1';
    start = Date.now();
    const ref = await c.pullImage({ image });
    timings.pullImage = Date.now() - start;
    assert.match(ref, /^sha256:[0-9a-f]{64}$/);
    assert.ok((await c.imageStatus({ image }))?.repoTags.includes(image));
    await c.removeImage({ image });
    assert.equal(await c.imageStatus({ image }), undefined);
    await c.removeImage({ image });
    registry.kill('SIGTERM');
  });

  const uid = `uid-${rand}`;
  const sandboxConfig: PodSandboxConfig = {
    metadata: { name: 'web', namespace: 'default', uid, attempt: 0 },
    hostname: 'web', logDirectory: join(logs, `default_web_${uid}`),
    labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid },
    dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
    linux: { cgroupParent: `${cgroupRoot}/pod${uid}` },
  };
  const container = (name: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
    metadata: { name, attempt: 0 }, image: { image: BUSYBOX }, command, logPath: `${name}/0.log`,
    labels: { ...sandboxConfig.labels, 'io.kubernetes.container.name': name },
    envs: [{ key: 'GREETING', value: 'héllo' }],
    linux: { resources: { memoryLimitInBytes: 64 * 1024 * 1024, cpuShares: 256 } },
    ...extra,
  });

  const events: ContainerEvent[] = [];
  const unsubscribe = c.subscribeContainerEvents((e) => events.push(e));
  t.after(unsubscribe);
  await sleep(300); // baseline poll

  start = Date.now();
  const sandboxId = await c.runPodSandbox(sandboxConfig);
  timings.runPodSandbox = Date.now() - start;
  start = Date.now();
  const httpd = await c.createContainer(sandboxId, container('httpd', ['httpd', '-f', '-v', '-p', '8080', '-h', '/www']), sandboxConfig);
  timings.createContainer = Date.now() - start;
  start = Date.now();
  await c.startContainer(httpd);
  timings.startContainer = Date.now() - start;
  const client = await c.createContainer(sandboxId, container('client', ['sh', '-c', 'echo "log line $GREETING"; echo to-stderr >&2; exec sleep 3600']), sandboxConfig);
  await c.startContainer(client);

  await t.test('sandbox status has a pod IP in the test subnet', async () => {
    const s = await c.podSandboxStatus(sandboxId);
    assert.ok(s);
    assert.equal(s.state, 'READY');
    assert.match(s.network.ip, new RegExp(`^10\\.88\\.${subnetX}\\.\\d+$`));
    assert.equal(s.metadata.uid, uid);
    assert.equal(s.labels['io.kubernetes.pod.name'], 'web');
    assert.ok(s.createdAt > Date.now() - 60_000 && s.createdAt <= Date.now());
    const [listed] = await c.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': uid } });
    assert.equal(listed.id, sandboxId);
    assert.deepEqual(await c.listPodSandbox({ id: sandboxId, state: 'NOTREADY' }), []);
  });

  await t.test('containers share localhost (exec wget from one to the other)', async () => {
    const out = await until('httpd answering', async () => {
      const r = await c.execSync(client, ['timeout', '5', 'wget', '-q', '-O-', 'http://127.0.0.1:8080/'], 10);
      return r.exitCode === 0 ? r : undefined;
    });
    assert.equal(out.stdout.toString(), 'hello from wl httpd\n');
    const fail = await c.execSync(client, ['sh', '-c', 'echo oops >&2; exit 3'], 5);
    assert.equal(fail.exitCode, 3);
    assert.equal(fail.stderr.toString(), 'oops\n');
  });

  await t.test('container status and logs in CRI format', async () => {
    const st = await c.containerStatus(client);
    assert.ok(st);
    assert.equal(st.state, 'RUNNING');
    assert.equal(st.podSandboxId, sandboxId);
    assert.equal(st.metadata.name, 'client');
    assert.ok(st.startedAt >= st.createdAt && st.startedAt > 0);
    assert.equal(st.finishedAt, 0);
    assert.equal(st.logPath, join(logs, `default_web_${uid}`, 'client', '0.log'));
    const text = await until('log lines', async () => {
      const s = await readFile(st.logPath as string, 'utf8').catch(() => '');
      return s.includes('to-stderr') && s.includes('log line') ? s : undefined;
    });
    assert.match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) stdout F log line héllo$/m);
    assert.match(text, /^\S+ stderr F to-stderr$/m);
    assert.equal(await c.containerStatus('0'.repeat(64)), undefined);
  });

  await t.test('stats have numbers', async () => {
    const s = await until('cpu stats', async () => {
      const x = await c.containerStats(httpd);
      return x?.cpu?.usageCoreNanoSeconds ? x : undefined;
    });
    assert.equal(s.id, httpd);
    assert.equal(s.metadata.name, 'httpd');
    assert.ok((s.memory?.workingSetBytes ?? 0) > 0, JSON.stringify(s));
    const all = await c.listContainerStats({ podSandboxId: sandboxId });
    assert.deepEqual(all.map((x) => x.id).sort(), [client, httpd].sort());
    const [pod] = await c.listPodSandboxStats({ id: sandboxId });
    assert.equal(pod.id, sandboxId);
    assert.equal(pod.metadata.uid, uid);
    assert.ok((pod.cpu?.usageCoreNanoSeconds ?? 0) > 0, JSON.stringify(pod));
    assert.ok((pod.memory?.workingSetBytes ?? 0) > 0);
    t.diagnostic(`pod stats source: ${pod.network ? 'ListPodSandboxStats' : 'aggregated container stats'}`);
    const cgroups = await cgroupDirs(`${cgroupRoot}/pod${uid}`);
    assert.ok(cgroups.length > 0, 'pod cgroup exists under the test cgroup root');
  });

  await t.test('exec, attach and port-forward return streaming URLs on loopback', async () => {
    for (const r of [
      await c.exec({ containerId: client, cmd: ['sh'], tty: false, stdin: true, stdout: true, stderr: true }),
      await c.attach({ containerId: client, tty: false, stdin: false, stdout: true, stderr: true }),
      await c.portForward(sandboxId, [8080]),
    ]) assert.match(r.url, /^http:\/\/127\.0\.0\.1:\d+\/\w+\/\S+$/);
  });

  await t.test('a hostNetwork sandbox shares the node network namespace', async () => {
    const hostCfg: PodSandboxConfig = { ...sandboxConfig, metadata: { ...sandboxConfig.metadata, name: 'hostnet', uid: `${uid}-h` }, hostNetwork: true, labels: {} };
    const id = await c.runPodSandbox(hostCfg);
    const s = await c.podSandboxStatus(id);
    assert.equal(s?.state, 'READY');
    assert.equal(s?.network.ip, '', 'no pod IP: the agent reports the node IP');
    await c.stopPodSandbox(id);
    await c.removePodSandbox(id);
  });

  await t.test('containers keep running across a containerd restart', async () => {
    const before = managed?.pid;
    start = Date.now();
    await managed?.restart();
    timings.containerdRestart = Date.now() - start;
    assert.notEqual(managed?.pid, before);
    const list = await until('list after restart', () => c.listContainers({ podSandboxId: sandboxId }).catch(() => undefined));
    assert.deepEqual(list.map((x) => x.state), ['RUNNING', 'RUNNING']);
    const r = await c.execSync(client, ['timeout', '5', 'wget', '-q', '-O-', 'http://127.0.0.1:8080/'], 10);
    assert.equal(r.stdout.toString(), 'hello from wl httpd\n');
    // supervision: a killed containerd is started again (after a short back-off)
    const killed = managed?.pid as number;
    process.kill(killed, 'SIGKILL');
    await until('supervised restart', async () => (managed?.pid && managed.pid !== killed ? true : undefined));
    const again = await until('list after supervised restart', () => c.listContainers({ podSandboxId: sandboxId }).catch(() => undefined));
    assert.deepEqual(again.map((x) => x.state), ['RUNNING', 'RUNNING']);
    assert.ok(log.some((m) => m.includes('exited unexpectedly')), log.join('\n'));
  });

  await t.test('stop with a grace period kills a TERM-ignoring container after the timeout', async () => {
    start = Date.now();
    await c.stopContainer(client, 2);
    const took = Date.now() - start;
    assert.ok(took >= 1900 && took < 8000, `stop took ${took} ms`);
    const st = await c.containerStatus(client);
    assert.equal(st?.state, 'EXITED');
    assert.equal(st?.exitCode, 137);
    assert.ok((st?.finishedAt ?? 0) >= (st?.startedAt ?? Infinity));
    const exitedStats = await c.containerStats(client);
    assert.deepEqual([exitedStats?.id, exitedStats?.cpu, exitedStats?.memory], [client, undefined, undefined], 'an exited container has no usage');
    await c.stopContainer(client, 0); // idempotent
    await c.stopContainer('f'.repeat(64), 0);
  });

  await t.test('events were reported by polling', async () => {
    await until('STOPPED event', async () => (events.some((e) => e.containerId === client && e.type === 'STOPPED') ? true : undefined));
    const mine = events.filter((e) => e.containerId === httpd).map((e) => e.type);
    assert.deepEqual(mine.slice(0, 2), ['CREATED', 'STARTED']);
    assert.ok(events.every((e) => e.podSandboxId === sandboxId), JSON.stringify(events));
  });

  await t.test('stop and remove the sandbox (idempotent)', async () => {
    start = Date.now();
    await c.stopPodSandbox(sandboxId);
    timings.stopPodSandbox = Date.now() - start;
    assert.equal((await c.podSandboxStatus(sandboxId))?.state, 'NOTREADY');
    assert.deepEqual((await c.listContainers({ podSandboxId: sandboxId })).map((x) => x.state), ['EXITED', 'EXITED']);
    start = Date.now();
    await c.removePodSandbox(sandboxId);
    timings.removePodSandbox = Date.now() - start;
    await c.removePodSandbox(sandboxId);
    await c.stopPodSandbox(sandboxId);
    assert.equal(await c.podSandboxStatus(sandboxId), undefined);
    assert.deepEqual(await c.listContainers({ podSandboxId: sandboxId }), []);
    await until('DELETED events', async () => (events.filter((e) => e.type === 'DELETED').length >= 2 ? true : undefined));
  });

  await t.test('cleanup leaves nothing behind', async () => {
    cri?.close();
    cri = undefined;
    abort.abort(); // stops containerd (SIGTERM)
    const sock = join(ctdDir, 'containerd.sock');
    await until('containerd gone', async () => (managed?.pid === 0 ? true : undefined), 30_000);
    managed = undefined;
    assert.deepEqual(await processesMentioning(sock), [], 'no containerd or shim processes left');
    await unmountUnder(dir);
    assert.deepEqual(await mountsUnder(dir), []);
    assert.deepEqual(await removeCgroupTree(cgroupRoot), []);
    await deleteNetns(netns);
    assert.equal(existsSync(`/run/netns/${netns}`), false);
  });
  t.diagnostic(`timings ms: ${JSON.stringify(timings)}`);
});
