/**
 * @module agent/pods/real-pods.int.test — the pod workers driving a real containerd (managed, in
 * a network namespace made for the test) through the CRI client, with a FakeClient as the API:
 * env from a ConfigMap and the downward API, the managed /etc/hosts, a termination message, the
 * CRI log file, a start failure (executable not found) reported as RunContainerError/StartError,
 * adoption by a second set of workers (nothing restarted), and removal of the pod's sandbox,
 * cgroups, logs and files. Needs root, containerd, runc and the CNI plugins; skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject } from '../../api/index.ts';
import { EventRecorder, FakeClient, RESOURCES, realClock } from '../../client/index.ts';
import { connectCri, type CriRuntime } from '../../runtime/cri/client.ts';
import { startManagedContainerd, type ManagedContainerd } from '../../runtime/cri/containerd.ts';
import { busyboxImageArchive, PAUSE_IMAGE, pauseImageArchive } from '../../runtime/cri/images.ts';
import { importImageArchive } from '../../runtime/cri/oci-image.ts';
import { bridgeConflist, cgroupDirs, createNetns, teardownContainerd } from '../../runtime/cri/testbed.ts';
import { PodWorkers } from './worker.ts';

const missing = ['/usr/bin/containerd', '/usr/sbin/runc', '/usr/bin/nsenter', '/usr/lib/cni/bridge', '/bin/busybox'].filter((p) => !existsSync(p));
const skip = process.getuid?.() !== 0 ? 'needs root' : missing.length > 0 ? `missing ${missing.join(', ')}` : false;
const BUSYBOX = 'localhost/wl-pods-test/busybox:1';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('pod workers on a real containerd', { skip, timeout: 180_000 }, async (t) => {
  const rand = randomBytes(4).toString('hex');
  const netns = `wl-pods-${rand}`;
  const cgroupRoot = `/wl-pods-test-${rand}`;
  const dir = await mkdtemp('/tmp/wl-pods-');
  const ctdDir = join(dir, 'ctd');
  const cniConfDir = join(dir, 'cni', 'net.d');
  const h: { managed?: ManagedContainerd; cri?: CriRuntime } = {};
  const workers: PodWorkers[] = [];
  t.after(async () => {
    for (const w of workers) await w.stop();
    const left = await teardownContainerd({ ...h, socketPath: join(ctdDir, 'containerd.sock'), dir, netns, cgroupRoot });
    assert.deepEqual(left, { processes: [], mounts: [], cgroups: [] }, 'teardown left nothing');
  });
  await createNetns(netns);
  await mkdir(cniConfDir, { recursive: true });
  await writeFile(join(cniConfDir, '10-wl.conflist'), bridgeConflist({ name: 'wl-pods', subnet: `10.89.${randomInt(1, 254)}.0/24`, ipamDir: join(dir, 'cni', 'ipam') }));
  const abort = new AbortController();
  t.after(() => abort.abort());
  const managed = await startManagedContainerd({ dir: ctdDir, cniConfDir, sandboxImage: PAUSE_IMAGE, netns, log: () => {}, signal: abort.signal });
  await importImageArchive({ endpoint: managed.endpoint, archive: await pauseImageArchive() });
  await importImageArchive({ endpoint: managed.endpoint, archive: await busyboxImageArchive({ name: BUSYBOX }) });
  h.managed = managed;
  const runtime = await connectCri({ endpoint: managed.endpoint, timeoutMs: 30_000 });
  h.cri = runtime;

  const client = new FakeClient();
  client.seed(RESOURCES.configmaps, { metadata: { name: 'cfg', namespace: 'default' }, data: { greeting: 'hello' } });
  client.seed(RESOURCES.services, { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } });
  const dirs = { logs: join(dir, 'logs'), pods: join(dir, 'pods') };
  const make = (): PodWorkers => {
    const w = new PodWorkers({
      client, runtime, nodeName: 'n1', hostIp: '10.0.0.1', clock: realClock, podLogsDir: dirs.logs, podsDir: dirs.pods, cgroupRoot,
      events: new EventRecorder(client, realClock, { info: () => {} }, 'kubelet', 'n1'),
      dns: { servers: ['10.96.0.10'], searches: [], clusterDomain: 'cluster.local', hostResolvConf: '/etc/resolv.conf' },
      backoff: { baseMs: 500, maxMs: 1000 },
    });
    workers.push(w);
    return w;
  };
  const latest = (name: string): JsonObject | undefined =>
    client.actions.filter((a) => a.verb === 'patch' && a.subresource === 'status' && a.name === name).map((a) => (a.patch as JsonObject).status as JsonObject).at(-1);
  const pod = (name: string, spec: JsonObject): JsonObject => {
    const p = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `${name}-${rand}`, resourceVersion: '1' }, spec: { nodeName: 'n1', ...spec }, status: { phase: 'Pending' } };
    client.seed(RESOURCES.pods, p);
    return p;
  };
  const w1 = make();

  await t.test('a Job-like pod: env, /etc/hosts, termination message, CRI log', async () => {
    const p = pod('job', {
      restartPolicy: 'Never',
      containers: [{
        name: 'main', image: BUSYBOX, imagePullPolicy: 'Never',
        command: ['sh', '-c', 'echo "$(GREETING) from $POD_NAME"; grep -c job /etc/hosts; echo -n bye > /dev/termination-log; exit 3'],
        env: [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        resources: { limits: { memory: '64Mi', cpu: '200m' } },
      }],
    });
    w1.update(p);
    const st = await until('job terminated', () => { const s = latest('job'); return s?.phase === 'Failed' ? s : undefined; });
    const cs = (st.containerStatuses as JsonObject[])[0];
    assert.deepEqual([cs.state.terminated?.exitCode, cs.state.terminated?.message, cs.state.terminated?.reason], [3, 'bye', 'Error']);
    const log = await readFile(join(dirs.logs, `default_job_job-${rand}`, 'main', '0.log'), 'utf8');
    assert.match(log, / stdout F hello from job$/m);
    assert.match(log, / stdout F 1$/m, 'the managed /etc/hosts names the pod');
  });

  await t.test('executable not found: RunContainerError, StartError, then CrashLoopBackOff', async () => {
    const p = pod('bad', { containers: [{ name: 'main', image: BUSYBOX, imagePullPolicy: 'Never', command: ['/no/such/binary'] }] });
    w1.update(p);
    const cs = await until('start error', () => {
      const c = (latest('bad')?.containerStatuses as JsonObject[] | undefined)?.[0];
      return c?.lastState?.terminated?.reason === 'StartError' ? c : undefined;
    });
    assert.match(String(cs.lastState.terminated.message), /no such file or directory|not found/);
    assert.ok(['RunContainerError', 'CrashLoopBackOff'].includes(String(cs.state.waiting?.reason)), JSON.stringify(cs.state));
    w1.update(p);
    await until('crash loop', () => ((latest('bad')?.containerStatuses as JsonObject[] | undefined)?.[0]?.restartCount >= 1 ? true : undefined));
  });

  await t.test('a restarted agent adopts a running pod; removal cleans everything up', async () => {
    const p = pod('web', { containers: [{ name: 'main', image: BUSYBOX, imagePullPolicy: 'Never', command: ['sleep', '3600'] }] });
    w1.update(p);
    const before = await until('running', () => { const c = (latest('web')?.containerStatuses as JsonObject[] | undefined)?.[0]; return c?.state?.running ? c : undefined; });
    await w1.stop();
    const w2 = make();
    await w2.adopt();
    w2.update({ ...p, status: latest('web') });
    await sleep(500);
    await w2.idle();
    const after = (latest('web')!.containerStatuses as JsonObject[])[0];
    assert.deepEqual([after.containerID, after.restartCount, Object.keys(after.state)], [before.containerID, 0, ['running']]);
    const uid = `web-${rand}`;
    assert.ok((await cgroupDirs(join(cgroupRoot, `pod${uid}`))).length > 0, 'the pod cgroup exists');
    await w2.cleanupOrphans(new Set([uid]));
    const sandboxes = await runtime.listPodSandbox();
    assert.deepEqual(sandboxes.map((s) => s.metadata.name), ['web'], 'the other pods were orphans of the new workers');
    w2.remove(p);
    await until('sandbox removed', async () => ((await runtime.listPodSandbox()).length === 0 ? true : undefined));
    await w2.idle();
    assert.deepEqual(await cgroupDirs(join(cgroupRoot, `pod${uid}`)), [], 'pod cgroups removed');
    assert.deepEqual(await readdir(dirs.logs), [], 'pod logs removed');
    assert.deepEqual(await readdir(dirs.pods).catch(() => []), [], 'pod files removed');
  });
});
