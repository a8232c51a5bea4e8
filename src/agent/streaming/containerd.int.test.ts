/**
 * The agent's SPDY client against a real containerd streaming server (managed containerd in a
 * network namespace made for the test, busybox image): exec with stdin and EOF, exit codes,
 * stderr, a tty with resize, attach, and port-forward to httpd. The client runs inside the
 * namespace (containerd's streaming server listens on its loopback) via containerd-probe.ts.
 * Needs root, containerd, runc, ctr, nsenter, CNI plugins and busybox; skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerConfig, PodSandboxConfig } from '../../runtime/types.ts';
import { connectCri, type CriRuntime } from '../../runtime/cri/client.ts';
import { startManagedContainerd, type ManagedContainerd } from '../../runtime/cri/containerd.ts';
import { busyboxImageArchive, PAUSE_IMAGE, pauseImageArchive } from '../../runtime/cri/images.ts';
import { importImageArchive } from '../../runtime/cri/oci-image.ts';
import { bridgeConflist, createNetns, teardownContainerd } from '../../runtime/cri/testbed.ts';

const missing = ['/usr/bin/containerd', '/usr/sbin/runc', '/usr/bin/ctr', '/usr/bin/nsenter', '/usr/lib/cni/bridge', '/bin/busybox'].filter((p) => !existsSync(p));
const skip = process.getuid?.() !== 0 ? 'needs root' : missing.length > 0 ? `missing ${missing.join(', ')}` : false;
const BUSYBOX = 'localhost/wl-stream-test/busybox:1';
const PROBE = join(import.meta.dirname, 'containerd-probe.ts');

test('SPDY client against containerd streaming server: exec, tty, attach, port-forward', { skip, timeout: 300_000 }, async (t) => {
  const rand = randomBytes(4).toString('hex');
  const netns = `wl-stream-${rand}`;
  const cgroupRoot = `/wl-stream-test-${rand}`;
  const dir = await mkdtemp('/tmp/wl-stream-ctd-');
  const ctdDir = join(dir, 'ctd');
  const cniConfDir = join(dir, 'cni', 'net.d');
  const state: { managed?: ManagedContainerd; cri?: CriRuntime } = {};
  const abort = new AbortController();
  t.after(async () => {
    // containerd must still run while the sandboxes are removed through CRI (else their network namespaces stay).
    const left = await teardownContainerd({ cri: state.cri, managed: state.managed, socketPath: join(ctdDir, 'containerd.sock'), dir, netns, cgroupRoot });
    abort.abort();
    assert.deepEqual(left, { processes: [], mounts: [], cgroups: [] }, 'teardown left nothing');
  });
  await createNetns(netns);
  await mkdir(cniConfDir, { recursive: true });
  await writeFile(join(cniConfDir, '10-wl.conflist'), bridgeConflist({ name: 'wl-stream', subnet: `10.89.${randomInt(1, 254)}.0/24`, ipamDir: join(dir, 'cni', 'ipam') }));
  const managed = await startManagedContainerd({ dir: ctdDir, cniConfDir, sandboxImage: PAUSE_IMAGE, netns, log: () => undefined, signal: abort.signal });
  state.managed = managed;
  await importImageArchive({ endpoint: managed.endpoint, archive: await pauseImageArchive() });
  await importImageArchive({ endpoint: managed.endpoint, archive: await busyboxImageArchive({ name: BUSYBOX, files: [{ path: 'www/index.html', content: 'hello through containerd\n' }] }) });
  const c = await connectCri({ endpoint: managed.endpoint, timeoutMs: 120_000 });
  state.cri = c;
  const uid = `uid-${rand}`;
  const sandboxConfig: PodSandboxConfig = {
    metadata: { name: 'web', namespace: 'default', uid, attempt: 0 }, hostname: 'web', logDirectory: join(dir, 'logs'),
    labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid },
    linux: { cgroupParent: `${cgroupRoot}/pod${uid}` },
  };
  const container = (name: string, command: string[]): ContainerConfig => ({
    metadata: { name, attempt: 0 }, image: { image: BUSYBOX }, command, logPath: `${name}/0.log`,
    labels: { ...sandboxConfig.labels, 'io.kubernetes.container.name': name },
  });
  const sandboxId = await c.runPodSandbox(sandboxConfig);
  const httpd = await c.createContainer(sandboxId, container('httpd', ['httpd', '-f', '-p', '8080', '-h', '/www']), sandboxConfig);
  await c.startContainer(httpd);
  const ticker = await c.createContainer(sandboxId, container('ticker', ['sh', '-c', 'while true; do echo tick; sleep 0.2; done']), sandboxConfig);
  await c.startContainer(ticker);

  const probe = (args: string[], input = ''): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', netns, process.execPath, PROBE, ...args]);
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('close', () => { clearTimeout(timer); try { resolve(JSON.parse(out) as Record<string, unknown>); } catch { reject(new Error(`probe output: ${out}`)); } });
    p.stdin.end(input);
  });
  const execUrl = async (cmd: string[], o: { stdin: boolean; tty: boolean }): Promise<string> =>
    (await c.exec({ containerId: httpd, cmd, tty: o.tty, stdin: o.stdin, stdout: true, stderr: !o.tty })).url;

  await t.test('exec with stdin and EOF', async () => {
    const big = 'y'.repeat(200_000);
    const r = await probe(['exec', await execUrl(['sh', '-c', 'wc -c; echo done >&2'], { stdin: true, tty: false }), '@', '0'], big);
    assert.deepEqual(r, { stdout: `${big.length}\n`, stderr: 'done\n', result: { exitCode: 0 } });
  });
  await t.test('exec exit code', async () => {
    const r = await probe(['exec', await execUrl(['sh', '-c', 'echo bye; exit 3'], { stdin: false, tty: false }), '-', '0']);
    assert.deepEqual(r, { stdout: 'bye\n', stderr: '', result: { exitCode: 3 } });
  });
  await t.test('exec with a tty and resize', async () => {
    const r = await probe(['exec', await execUrl(['sh', '-c', 'sleep 0.5; stty size; tty'], { stdin: false, tty: true }), '-', '1']);
    assert.match(String(r.stdout), /45 123\r?\n\/dev\/pts\/\d+/);
    assert.deepEqual(r.result, { exitCode: 0 });
  });
  await t.test('attach streams the main process output', async () => {
    const { url } = await c.attach({ containerId: ticker, tty: false, stdin: false, stdout: true, stderr: true });
    const r = await probe(['attach', url, '-', '0', '1200']);
    assert.match(String(r.stdout), /tick\ntick\n/);
  });
  await t.test('port-forward carries HTTP to httpd in the pod', async () => {
    const { url } = await c.portForward(sandboxId, [8080]);
    const r = await probe(['pf', url, '8080', '/index.html']);
    assert.match(String(r.body), /^HTTP\/1\.[01] 200/);
    assert.match(String(r.body), /hello through containerd/);
  });
});
