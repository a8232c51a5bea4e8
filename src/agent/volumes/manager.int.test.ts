/**
 * @module agent/volumes/manager.int.test — the VolumeManager on real temp directories with a
 * FakeClient and a FakeClock: every volume type's content and CRI mounts (read-only where the
 * kubelet makes them so), the kube-api-access projection, optional sources, the kubelet's error
 * wording, subPath escapes refused, periodic refresh with onRefresh, token renewal timing, PVC data
 * surviving tearDown, and (as root on Linux) a tmpfs emptyDir mounted and unmounted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../../api/index.ts';
import { FakeClient, FakeClock, RESOURCES, rfc3339 } from '../../client/index.ts';
import type { Mount } from '../../runtime/types.ts';
import { isMountPoint } from './host.ts';
import { VolumeManager, type SetUpResult } from './manager.ts';

/** tokenVolumeForTest is the kube-api-access volume the ServiceAccount admission adds. */
function tokenVolumeForTest(name: string): JsonObject {
  return { name, projected: { defaultMode: 420, sources: [
    { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
    { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
    { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
  ] } };
}

interface Env { root: string; podsDir: string; client: FakeClient; clock: FakeClock; vm: VolumeManager; refreshed: string[]; tokens: () => number }

async function withEnv(fn: (e: Env) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'wl-vol-'));
  const client = new FakeClient();
  const clock = new FakeClock(Date.UTC(2026, 10, 26, 22, 0, 0));
  let n = 0;
  client.react((a) => {
    if (a.subresource !== 'token') return undefined;
    return { ...a.object, status: { token: `token-${++n}`, expirationTimestamp: rfc3339(clock.now() + Number(a.object?.spec?.expirationSeconds) * 1000) } };
  });
  const refreshed: string[] = [];
  const podsDir = join(root, 'pods');
  const vm = new VolumeManager({ client, podsDir, nodeName: 'n1', clock, onRefresh: (k) => refreshed.push(k) });
  try {
    await fn({ root, podsDir, client, clock, vm, refreshed, tokens: () => n });
  } finally {
    for (const uid of vm.setUpPods()) await vm.tearDown(uid).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}

function pod(volumes: JsonObject[], mounts: JsonObject[], extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-1', labels: { app: 'web', tier: 'fe' }, annotations: { note: 'a "q"' } },
    spec: { nodeName: 'n1', serviceAccountName: 'default', volumes, containers: [{ name: 'c', image: 'x', volumeMounts: mounts, resources: { limits: { cpu: '250m', memory: '64Mi' } } }], ...extra },
  };
}

function mountsOf(r: SetUpResult, c = 'c'): readonly Mount[] {
  assert.ok(r.ok, r.ok ? '' : `${r.reason}: ${r.message}`);
  return r.mounts.get(c) ?? [];
}

function failure(r: SetUpResult): { reason: string; message: string } {
  assert.equal(r.ok, false);
  return r;
}

const seedData = (client: FakeClient): void => {
  client.seed(RESOURCES.configmaps, { metadata: { name: 'cfg', namespace: 'ns' }, data: { 'app.conf': 'x=1', other: 'o' }, binaryData: { bin: Buffer.from([1, 2]).toString('base64') } });
  client.seed(RESOURCES.configmaps, { metadata: { name: 'kube-root-ca.crt', namespace: 'ns' }, data: { 'ca.crt': 'CA PEM' } });
  client.seed(RESOURCES.secrets, { metadata: { name: 'sec', namespace: 'ns' }, data: { password: Buffer.from('hunter2').toString('base64') } });
};

test('content volumes: configMap items and modes, secret, downwardAPI, kube-api-access projection', () => withEnv(async ({ client, vm, podsDir }) => {
  seedData(client);
  client.seed(RESOURCES.nodes, { metadata: { name: 'n1' }, status: { allocatable: { cpu: '4', memory: '8Gi' } } });
  const p = pod([
    { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] } },
    { name: 'all', configMap: { name: 'cfg', defaultMode: 0o640 } },
    { name: 'sec', secret: { secretName: 'sec' } },
    { name: 'info', downwardAPI: { items: [
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" } },
      { path: 'cpu', resourceFieldRef: { containerName: 'c', resource: 'limits.cpu', divisor: '1m' } },
      { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
      { path: 'eph', resourceFieldRef: { containerName: 'c', resource: 'limits.ephemeral-storage' } },
    ] } },
    tokenVolumeForTest('kube-api-access-abcde'),
  ], [
    { name: 'cfg', mountPath: '/etc/app' }, { name: 'all', mountPath: '/all' }, { name: 'sec', mountPath: '/sec' },
    { name: 'info', mountPath: '/info' }, { name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
  ]);
  const m = mountsOf(await vm.setUp(p));
  const base = join(podsDir, 'uid-1', 'volumes');
  assert.deepEqual(m, [
    { containerPath: '/etc/app', hostPath: join(base, 'kubernetes.io~configmap', 'cfg'), readonly: true },
    { containerPath: '/all', hostPath: join(base, 'kubernetes.io~configmap', 'all'), readonly: true },
    { containerPath: '/sec', hostPath: join(base, 'kubernetes.io~secret', 'sec'), readonly: true },
    { containerPath: '/info', hostPath: join(base, 'kubernetes.io~downward-api', 'info'), readonly: true },
    { containerPath: '/var/run/secrets/kubernetes.io/serviceaccount', hostPath: join(base, 'kubernetes.io~projected', 'kube-api-access-abcde'), readonly: true },
  ]);
  const read = (...p: string[]): Promise<string> => readFile(join(base, ...p), 'utf8');
  assert.equal(await read('kubernetes.io~configmap', 'cfg', 'conf', 'app.conf'), 'x=1');
  assert.equal((await stat(join(base, 'kubernetes.io~configmap', 'cfg', 'conf', 'app.conf'))).mode & 0o777, 0o600);
  assert.equal(await readlink(join(base, 'kubernetes.io~configmap', 'cfg', 'conf')), '..data/conf');
  assert.equal((await stat(join(base, 'kubernetes.io~configmap', 'all', 'other'))).mode & 0o777, 0o640);
  assert.deepEqual([...await readFile(join(base, 'kubernetes.io~configmap', 'all', 'bin'))], [1, 2]);
  assert.equal(await read('kubernetes.io~secret', 'sec', 'password'), 'hunter2');
  assert.equal(await read('kubernetes.io~downward-api', 'info', 'labels'), 'app="web"\ntier="fe"');
  assert.equal(await read('kubernetes.io~downward-api', 'info', 'annotations'), 'note="a \\"q\\""');
  assert.equal(await read('kubernetes.io~downward-api', 'info', 'app'), 'web');
  assert.equal(await read('kubernetes.io~downward-api', 'info', 'cpu'), '250');
  assert.equal(await read('kubernetes.io~downward-api', 'info', 'mem'), '64');
  assert.equal(await read('kubernetes.io~downward-api', 'info', 'eph'), '0', 'unset limit without allocatable');
  const sa = join('kubernetes.io~projected', 'kube-api-access-abcde');
  assert.equal(await read(sa, 'token'), 'token-1');
  assert.equal(await read(sa, 'ca.crt'), 'CA PEM');
  assert.equal(await read(sa, 'namespace'), 'ns');
  const tr = client.actions.find((a) => a.subresource === 'token');
  assert.equal(tr?.object?.spec?.expirationSeconds, 3607);
  assert.deepEqual(tr?.object?.spec?.boundObjectRef, { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'uid-1' });
  // idempotent: a second setUp returns the same mounts and asks for no new token
  assert.deepEqual(mountsOf(await vm.setUp(p)), m);
  assert.equal(client.actions.filter((a) => a.subresource === 'token').length, 1);
}));

test('missing sources: optional ones are empty, others fail with the kubelet wording', () => withEnv(async ({ client, vm, podsDir }) => {
  seedData(client);
  const cases: [JsonObject, string][] = [
    [{ name: 'cfg', configMap: { name: 'nope' } }, 'MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found'],
    [{ name: 'cfg', secret: { secretName: 'nope' } }, 'MountVolume.SetUp failed for volume "cfg" : secret "nope" not found'],
    [{ name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'missing', path: 'm' }] } }, 'MountVolume.SetUp failed for volume "cfg" : configmap references non-existent config key: missing'],
    [{ name: 'cfg', projected: { sources: [{ secret: { name: 'nope' } }] } }, 'MountVolume.SetUp failed for volume "cfg" : secret "nope" not found'],
    [{ name: 'cfg', hostPath: { path: '/dev/null', type: 'Directory' } }, 'MountVolume.SetUp failed for volume "cfg" : hostPath type check failed: /dev/null is not a directory'],
    [{ name: 'cfg', hostPath: { path: '/proc/self/status', type: 'Socket' } }, 'MountVolume.SetUp failed for volume "cfg" : hostPath type check failed: /proc/self/status is not a socket file'],
    [{ name: 'cfg', hostPath: { path: '/dev/null', type: 'BlockDevice' } }, 'MountVolume.SetUp failed for volume "cfg" : hostPath type check failed: /dev/null is not a block device'],
    [{ name: 'cfg', nfs: { server: 'x', path: '/' } }, 'MountVolume.SetUp failed for volume "cfg" : volume type of "cfg" is not supported by this node'],
  ];
  for (const [vol, message] of cases) assert.deepEqual(failure(await vm.setUp(pod([vol], [{ name: 'cfg', mountPath: '/x' }]))), { ok: false, reason: 'FailedMount', message });
  const ok = pod([
    { name: 'a', configMap: { name: 'nope', optional: true } },
    { name: 'b', secret: { secretName: 'sec', optional: true, items: [{ key: 'password', path: 'pw' }, { key: 'absent', path: 'x' }] } },
    { name: 'c', hostPath: { path: '/dev/null', type: 'CharDevice' } },
  ], [{ name: 'a', mountPath: '/a' }, { name: 'b', mountPath: '/b' }, { name: 'c', mountPath: '/dev/nothing' }]);
  const m = mountsOf(await vm.setUp(ok));
  assert.equal(m[2].hostPath, '/dev/null');
  assert.equal(m[2].readonly, false);
  const b = join(podsDir, 'uid-1', 'volumes', 'kubernetes.io~secret', 'b');
  assert.equal(await readFile(join(b, 'pw'), 'utf8'), 'hunter2');
  await assert.rejects(stat(join(b, 'x')));
}));

test('emptyDir, hostPath create types, subPath and subPathExpr; escapes and unknown volumes refused', () => withEnv(async ({ vm, root, podsDir }) => {
  const hp = join(root, 'host', 'data');
  const file = join(root, 'host', 'f.txt');
  const p = pod([
    { name: 'scratch', emptyDir: {} },
    { name: 'hp', hostPath: { path: hp, type: 'DirectoryOrCreate' } },
    { name: 'hf', hostPath: { path: file, type: 'FileOrCreate' } },
  ], [
    { name: 'scratch', mountPath: '/scratch' }, { name: 'scratch', mountPath: '/logs', subPathExpr: '$(POD)/logs' },
    { name: 'hp', mountPath: '/data', readOnly: true }, { name: 'hf', mountPath: '/f.txt' },
  ]);
  p.spec.containers[0].env = [{ name: 'POD', value: 'web' }];
  await mkdir(join(root, 'host'));
  const m = mountsOf(await vm.setUp(p));
  const scratch = join(podsDir, 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'scratch');
  assert.deepEqual(m, [
    { containerPath: '/scratch', hostPath: scratch, readonly: false },
    { containerPath: '/logs', hostPath: join(scratch, 'web', 'logs'), readonly: false },
    { containerPath: '/data', hostPath: hp, readonly: true },
    { containerPath: '/f.txt', hostPath: file, readonly: false },
  ]);
  assert.equal((await stat(scratch)).mode & 0o777, 0o777);
  assert.ok((await stat(hp)).isDirectory());
  assert.ok((await stat(file)).isFile());
  // a symlink inside the volume pointing outside, and .. elements, are refused
  await symlink(root, join(scratch, 'out'));
  const bad: [JsonObject, RegExp][] = [
    [{ name: 'scratch', mountPath: '/x', subPath: '../../etc' }, /subPath "..\/..\/etc" must not contain '..'/],
    [{ name: 'scratch', mountPath: '/x', subPath: '/etc' }, /must be a relative path/],
    [{ name: 'scratch', mountPath: '/x', subPath: 'out/host' }, /resolves outside the volume/],
    [{ name: 'hf', mountPath: '/x', subPath: 'a' }, /the volume is not a directory/],
    [{ name: 'ghost', mountPath: '/x' }, /^cannot find volume "ghost" to mount into container "c"$/],
  ];
  for (const [vmnt, re] of bad) {
    const q = structuredClone(p);
    q.spec.containers[0].volumeMounts = [vmnt];
    const f = failure(await vm.setUp(q));
    assert.equal(f.reason, 'CreateContainerConfigError');
    assert.match(f.message, re);
  }
  await assert.rejects(stat(join(root, 'host', 'host')), 'nothing was created outside the volume');
}));

test('persistentVolumeClaim: bound hostPath PV mounted, data survives tearDown; unbound claims fail', () => withEnv(async ({ client, vm, root, podsDir }) => {
  const pvPath = join(root, 'storage', 'pvc-1_ns_data');
  client.seed(RESOURCES.persistentvolumeclaims,
    { metadata: { name: 'data', namespace: 'ns', uid: 'c1' }, spec: { volumeName: 'pvc-1' }, status: { phase: 'Bound' } },
    { metadata: { name: 'pending', namespace: 'ns', uid: 'c2' }, spec: {}, status: { phase: 'Pending' } },
    { metadata: { name: 'web-v', namespace: 'ns', uid: 'c3' }, spec: { volumeName: 'pv-local' }, status: { phase: 'Bound' } });
  client.seed(RESOURCES.persistentvolumes,
    { metadata: { name: 'pvc-1' }, spec: { claimRef: { uid: 'c1' }, hostPath: { path: pvPath, type: 'DirectoryOrCreate' } } },
    { metadata: { name: 'pv-local' }, spec: { claimRef: { uid: 'c3' }, local: { path: join(root, 'missing-disk') } } });
  const p = pod([{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { name: 'scratch', emptyDir: {} }], [{ name: 'data', mountPath: '/data' }]);
  assert.deepEqual(mountsOf(await vm.setUp(p)), [{ containerPath: '/data', hostPath: pvPath, readonly: false }]);
  await writeFile(join(pvPath, 'keep'), 'me');
  await vm.tearDown('uid-1');
  assert.equal(await readFile(join(pvPath, 'keep'), 'utf8'), 'me');
  await assert.rejects(stat(join(podsDir, 'uid-1')));
  assert.deepEqual(vm.setUpPods(), []);
  const cases: [JsonObject, string][] = [
    [{ name: 'v', persistentVolumeClaim: { claimName: 'pending' } }, 'error processing PVC ns/pending: PVC is not bound'],
    [{ name: 'v', persistentVolumeClaim: { claimName: 'gone' } }, 'error processing PVC ns/gone: persistentvolumeclaim "gone" not found'],
    [{ name: 'v', ephemeral: { volumeClaimTemplate: {} } }, `local volume pv-local: hostPath type check failed: ${join(root, 'missing-disk')} is not a directory`],
  ];
  for (const [vol, msg] of cases) assert.equal(failure(await vm.setUp(pod([vol], []))).message, `MountVolume.SetUp failed for volume "v" : ${msg}`);
  await mkdir(join(root, 'missing-disk'));
  const ro = pod([{ name: 'v', ephemeral: {} }, { name: 'w', persistentVolumeClaim: { claimName: 'data', readOnly: true } }], [{ name: 'v', mountPath: '/v' }, { name: 'w', mountPath: '/w' }]);
  assert.deepEqual(mountsOf(await vm.setUp(ro)).map((m) => [m.hostPath, m.readonly]), [[join(root, 'missing-disk'), false], [pvPath, true]]);
}));

/** until waits (on real time, briefly) for `cond` after the fake clock fired a refresh. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond());
}

test('start refreshes changed content every refreshMs, calls onRefresh and renews tokens at 80 %', () => withEnv(async ({ client, clock, vm, podsDir, refreshed, tokens }) => {
  seedData(client);
  const p = pod([{ name: 'cfg', configMap: { name: 'cfg' } }, tokenVolumeForTest('kube-api-access-x')], [{ name: 'cfg', mountPath: '/cfg' }]);
  mountsOf(await vm.setUp(p));
  const ac = new AbortController();
  vm.start(ac.signal);
  const cfg = join(podsDir, 'uid-1', 'volumes', 'kubernetes.io~configmap', 'cfg');
  const before = await readlink(join(cfg, '..data'));
  clock.step(10_000);
  await until(() => clock.pending === 1);
  assert.deepEqual(refreshed, [], 'nothing changed, no onRefresh');
  assert.equal(await readlink(join(cfg, '..data')), before);
  await client.update(RESOURCES.configmaps, 'ns', { metadata: { name: 'cfg', namespace: 'ns' }, data: { 'app.conf': 'x=2' } });
  clock.step(10_000);
  await until(() => refreshed.length === 1);
  assert.deepEqual(refreshed, ['ns/web']);
  assert.equal(await readFile(join(cfg, 'app.conf'), 'utf8'), 'x=2');
  await assert.rejects(stat(join(cfg, 'other')), 'a removed key disappears');
  assert.equal(tokens(), 1);
  // 3607 s tokens are renewed after 80 % (2885.6 s) of their lifetime
  await until(() => clock.pending === 1);
  clock.step(2850_000); // 2870 s after issue
  await until(() => clock.pending === 1);
  assert.equal(tokens(), 1);
  clock.step(20_000);
  await until(() => tokens() === 2 && refreshed.length === 2);
  const sa = join(podsDir, 'uid-1', 'volumes', 'kubernetes.io~projected', 'kube-api-access-x');
  await until(() => clock.pending === 1);
  assert.equal(await readFile(join(sa, 'token'), 'utf8'), 'token-2');
  ac.abort();
  assert.equal(clock.pending, 0, 'no timer left after abort');
}));

const canMount = process.platform === 'linux' && process.getuid?.() === 0;

test('secret and projected volumes are tmpfs mounts (configMap and downwardAPI are not), unmounted by tearDown', { skip: !canMount && 'needs root on Linux' }, () => withEnv(async ({ client, vm, podsDir }) => {
  client.seed(RESOURCES.configmaps, { metadata: { name: 'cm', namespace: 'ns' }, data: { a: '1' } });
  client.seed(RESOURCES.secrets, { metadata: { name: 'sec', namespace: 'ns' }, data: { password: Buffer.from('hunter2').toString('base64') } });
  const vols = [{ name: 'sec', secret: { secretName: 'sec' } }, { name: 'cm', configMap: { name: 'cm' } },
    { name: 'proj', projected: { sources: [{ secret: { name: 'sec' } }] } }, { name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }];
  const p = pod(vols, vols.map((v) => ({ name: v.name, mountPath: `/${v.name}` })));
  mountsOf(await vm.setUp(p));
  const base = join(podsDir, 'uid-1', 'volumes');
  const dirs = { sec: join(base, 'kubernetes.io~secret', 'sec'), proj: join(base, 'kubernetes.io~projected', 'proj'), cm: join(base, 'kubernetes.io~configmap', 'cm'), info: join(base, 'kubernetes.io~downward-api', 'info') };
  assert.deepEqual(await Promise.all(Object.values(dirs).map(isMountPoint)), [true, true, false, false]);
  assert.equal(await readFile(join(dirs.sec, 'password'), 'utf8'), 'hunter2');
  assert.equal(await readFile(join(dirs.proj, 'password'), 'utf8'), 'hunter2');
  mountsOf(await vm.setUp(p)); // idempotent: not mounted twice
  await vm.tearDown('uid-1');
  assert.deepEqual(await Promise.all([dirs.sec, dirs.proj].map(isMountPoint)), [false, false]);
  await assert.rejects(stat(join(podsDir, 'uid-1')));
}));

test('emptyDir medium Memory is a tmpfs, unmounted by tearDown', { skip: !canMount && 'needs root on Linux' }, () => withEnv(async ({ vm, podsDir }) => {
  const p = pod([{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }], [{ name: 'mem', mountPath: '/mem' }]);
  const m = mountsOf(await vm.setUp(p));
  const dir = join(podsDir, 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'mem');
  assert.equal(m[0].hostPath, dir);
  assert.equal(await isMountPoint(dir), true);
  mountsOf(await vm.setUp(p)); // idempotent: not mounted twice
  await vm.tearDown('uid-1');
  assert.equal(await isMountPoint(dir), false);
  await assert.rejects(stat(join(podsDir, 'uid-1')));
  // after an agent restart: a fresh manager finds and removes the orphan's mounts and files
  mountsOf(await vm.setUp(p));
  mountsOf(await vm.setUp({ ...p, metadata: { ...p.metadata, uid: 'uid-keep' } }));
  const fresh = new VolumeManager({ client: new FakeClient(), podsDir, nodeName: 'n1', clock: new FakeClock() });
  assert.deepEqual(await fresh.cleanupOrphans(new Set(['uid-keep'])), ['uid-1']);
  assert.equal(await isMountPoint(dir), false);
  await assert.rejects(stat(join(podsDir, 'uid-1')));
  assert.equal(await isMountPoint(join(podsDir, 'uid-keep', 'volumes', 'kubernetes.io~empty-dir', 'mem')), true);
}));
