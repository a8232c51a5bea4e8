/**
 * The whole chain against real containers: kubectl 1.27 and 1.33 → the in-process API server →
 * the agent server → CriRuntime → a managed containerd's streaming server → busybox containers.
 * The outer run makes a network namespace with containerd in it and re-runs this file inside the
 * namespace (`ip netns exec`, env WL_STREAM_INNER) because containerd's streaming server listens
 * on the namespace's loopback; the inner run starts the API server and the agent and drives
 * kubectl. Needs root, containerd, runc, ctr, nsenter, CNI plugins, busybox; skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import type { ContainerConfig, PodSandboxConfig } from '../runtime/types.ts';
import { connectCri } from '../runtime/cri/client.ts';
import { startManagedContainerd, type ManagedContainerd } from '../runtime/cri/containerd.ts';
import { BUSYBOX_APPLETS, busyboxImageArchive, PAUSE_IMAGE, pauseImageArchive } from '../runtime/cri/images.ts';
import { importImageArchive } from '../runtime/cri/oci-image.ts';
import { bridgeConflist, createNetns, teardownContainerd } from '../runtime/cri/testbed.ts';
import { startApiServer } from '../apiserver/index.ts';
import { createMemoryStore } from '../store/index.ts';
import { RESOURCES, RestClient } from '../client/index.ts';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate, kubeconfigYaml } from '../pki/index.ts';
import { startAgentServer } from './server.ts';

const BIN = '/usr/lib/google-cloud-sdk/bin';
const BUSYBOX = 'localhost/wl-kubectl-test/busybox:1';
const inner = process.env.WL_STREAM_INNER ? JSON.parse(process.env.WL_STREAM_INNER) as { endpoint: string; dir: string; cgroupRoot: string } : undefined;
const missing = ['/usr/bin/containerd', '/usr/sbin/runc', '/usr/bin/ctr', '/usr/bin/nsenter', '/usr/lib/cni/bridge', '/bin/busybox', `${BIN}/kubectl.1.33`].filter((p) => !existsSync(p));
const skip = process.getuid?.() !== 0 ? 'needs root' : missing.length > 0 ? `missing ${missing.join(', ')}` : false;

if (!inner) {
  test('kubectl → API server → agent → containerd (outer: namespace and containerd)', { skip, timeout: 400_000 }, async (t) => {
    const rand = randomBytes(4).toString('hex');
    const netns = `wl-kctl-${rand}`;
    const cgroupRoot = `/wl-kctl-test-${rand}`;
    const dir = await mkdtemp('/tmp/wl-kctl-');
    const ctdDir = join(dir, 'ctd');
    const cniConfDir = join(dir, 'cni', 'net.d');
    const state: { managed?: ManagedContainerd } = {};
    const abort = new AbortController();
    t.after(async () => {
      // containerd must still run while the sandboxes are removed through CRI (else their network namespaces stay).
      const left = await teardownContainerd({ managed: state.managed, socketPath: join(ctdDir, 'containerd.sock'), dir, netns, cgroupRoot,
        cri: await connectCri({ endpoint: `unix://${join(ctdDir, 'containerd.sock')}`, timeoutMs: 30_000 }).catch(() => undefined) });
      abort.abort();
      assert.deepEqual(left, { processes: [], mounts: [], cgroups: [] }, 'teardown left nothing');
    });
    await createNetns(netns);
    await mkdir(cniConfDir, { recursive: true });
    await writeFile(join(cniConfDir, '10-wl.conflist'), bridgeConflist({ name: 'wl-kctl', subnet: `10.90.${randomInt(1, 254)}.0/24`, ipamDir: join(dir, 'cni', 'ipam') }));
    const managed = await startManagedContainerd({ dir: ctdDir, cniConfDir, sandboxImage: PAUSE_IMAGE, netns, log: () => undefined, signal: abort.signal });
    state.managed = managed;
    await importImageArchive({ endpoint: managed.endpoint, archive: await pauseImageArchive() });
    await importImageArchive({ endpoint: managed.endpoint, archive: await busyboxImageArchive({
      name: BUSYBOX, applets: [...BUSYBOX_APPLETS, 'tar', 'stty', 'tty', '['], files: [{ path: 'www/index.html', content: 'hello via kubectl\n' }],
    }) });
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const childEnv: Record<string, string | undefined> = { ...process.env, WL_STREAM_INNER: JSON.stringify({ endpoint: managed.endpoint, dir, cgroupRoot }) };
      delete childEnv.NODE_TEST_CONTEXT;
      const p = spawn('ip', ['netns', 'exec', netns, process.execPath, '--test-reporter=spec', import.meta.filename], { env: childEnv });
      let text = '';
      p.stdout.on('data', (c: Buffer) => { text += c.toString(); });
      p.stderr.on('data', (c: Buffer) => { text += c.toString(); });
      p.on('close', (code) => resolve({ code, text }));
    });
    t.diagnostic(out.text.split('\n').filter((l) => /✔|✖|ℹ (pass|fail)/.test(l)).join('\n'));
    assert.equal(out.code, 0, out.text);
    assert.match(out.text, /ℹ pass [1-9]/);
    assert.match(out.text, /ℹ fail 0/);
  });
} else {
  const env = inner;
  test('kubectl → API server → agent → containerd (inside the namespace)', { timeout: 300_000 }, async (t) => {
    const cri = await connectCri({ endpoint: env.endpoint, timeoutMs: 60_000 });
    const uid = `uid-${randomBytes(3).toString('hex')}`;
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'web', namespace: 'default', uid, attempt: 0 }, hostname: 'web', logDirectory: join(env.dir, 'logs', `default_web_${uid}`),
      labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid },
      linux: { cgroupParent: `${env.cgroupRoot}/pod${uid}` },
    };
    const container = (name: string, command: string[]): ContainerConfig => ({
      metadata: { name, attempt: 0 }, image: { image: BUSYBOX }, command, logPath: `${name}/0.log`,
      labels: { ...sandboxConfig.labels, 'io.kubernetes.container.name': name },
    });
    const sandboxId = await cri.runPodSandbox(sandboxConfig);
    const main = await cri.createContainer(sandboxId, container('main', ['sh', '-c', 'echo started; echo oops >&2; exec httpd -f -p 8080 -h /www']), sandboxConfig);
    await cri.startContainer(main);

    const ca = await createCertificateAuthority();
    const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
    const kubeletClient = await issueClientCertificate(ca.cert, ca.key, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'] });
    const admin = await issueClientCertificate(ca.cert, ca.key, { commonName: 'admin', organizations: ['system:masters'] });
    const api = await startApiServer({ store: createMemoryStore(), tls: { cert: serving.cert, key: serving.key, ca: ca.cert }, host: '127.0.0.1', port: 0, kubeletClient });
    const agent = await startAgentServer({ host: '127.0.0.1', port: 0, tls: () => serving, caCert: ca.cert, nodeName: 'node-1', runtime: cri, logPollMs: 100 });
    const client = new RestClient({ server: api.url, ca: ca.cert, cert: admin.cert, key: admin.key });
    t.after(async () => { client.close(); await agent.close(); await api.close(); });
    await client.create(RESOURCES.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: agent.port } } } });
    const pod = await client.create<Record<string, unknown>>(RESOURCES.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: 'node-1', containers: [{ name: 'main', image: BUSYBOX }] } });
    await client.updateStatus(RESOURCES.pods, 'default', { ...pod, status: { phase: 'Running' } });
    const kubeconfig = join(env.dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigYaml({ server: api.url, caCert: ca.cert, clientCert: admin.cert, clientKey: admin.key, name: 'k' }));
    const kubectl = (v: string, args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> => new Promise((resolve) => {
      const p = spawn(`${BIN}/kubectl.${v}`, ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: env.dir } });
      let stdout = ''; let stderr = '';
      p.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
      p.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
      p.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
      p.stdin.end(input ?? '');
    });
    for (const v of ['1.27', '1.33'].filter((x) => existsSync(`${BIN}/kubectl.${x}`))) {
      await t.test(`kubectl ${v}: exec stdin/exit code, logs, cp, port-forward`, async () => {
        const cat = await kubectl(v, ['exec', '-i', 'web', '--', 'cat'], 'through containerd\n');
        assert.equal(cat.stdout, 'through containerd\n', cat.stderr);
        const exit = await kubectl(v, ['exec', 'web', '--', 'sh', '-c', 'echo e >&2; exit 4']);
        assert.equal(exit.code, 4);
        assert.match(exit.stderr, /e/);
        const logs = await kubectl(v, ['logs', 'web']);
        // stdout and stderr reach the CRI log through separate pipes: their order is not fixed.
        assert.deepEqual(logs.stdout.split('\n').sort(), ['', 'oops', 'started'], logs.stderr);
        const tail = await kubectl(v, ['logs', 'web', '--tail=1', '--timestamps']);
        assert.match(tail.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z (started|oops)\n$/);
        const src = join(env.dir, `cp-${v}.txt`);
        const content = `cp via ${v}\n`.repeat(100_000);
        await writeFile(src, content);
        const cpIn = await kubectl(v, ['cp', src, `web:/tmp/cp-${v}.txt`]);
        assert.equal(cpIn.code, 0, cpIn.stderr);
        const back = join(env.dir, `back-${v}.txt`);
        // No --retries: a lost tail of the exec's stdout (once seen when the runtime closed its connection
        // while our reader was paused) must fail here.
        const cpOut = await kubectl(v, ['cp', `web:/tmp/cp-${v}.txt`, back]);
        assert.equal(cpOut.code, 0, cpOut.stderr);
        assert.equal(await readFile(back, 'utf8'), content);
        const body = await new Promise<string>((resolve) => {
          const p = spawn(`${BIN}/kubectl.${v}`, ['--kubeconfig', kubeconfig, 'port-forward', 'pod/web', ':8080'], { env: { ...process.env, HOME: env.dir } });
          let text = '';
          const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
          p.stdout.on('data', (c: Buffer) => {
            text += c.toString();
            const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(text);
            if (m && !text.includes('#fetched')) {
              text += '#fetched';
              httpGet({ host: '127.0.0.1', port: Number(m[1]), path: '/index.html', agent: false }, (res) => {
                let b = ''; res.on('data', (d: Buffer) => { b += d.toString(); }); res.on('end', () => { clearTimeout(timer); p.kill('SIGTERM'); resolve(b); });
              }).on('error', (e) => { clearTimeout(timer); p.kill('SIGTERM'); resolve(`ERROR ${e.message}`); });
            }
          });
          p.on('close', () => { clearTimeout(timer); resolve(''); });
        });
        assert.equal(body, 'hello via kubectl\n');
      });
    }
  });
}
