/**
 * @module test/node-agent.e2e.test — issue 5's acceptance end to end: one `windlass server` with
 * its built-in node agent and a managed containerd, in a network namespace of its own
 * (test/fixtures/node-netns.ts), running real busybox containers pulled from a local registry
 * through registries.yaml, driven by the real kubectl (1.33, and 1.27 for the SPDY exec path).
 * One cluster is shared by the file; each describe block is one acceptance line, in order
 * (later blocks rely on pods of earlier ones, e.g. the restart and bad-input checks look at the
 * pods of block 2). The tests fail — they never skip — when containerd, runc, the CNI plugins,
 * docker-registry, skopeo or busybox are missing (scripts/setup.sh --test installs them).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubectlBinary, sleep, waitFor } from './harness/index.ts';
import { startNodeCluster, type NetnsKubectl, type NodeCluster } from './fixtures/node-netns.ts';

const NS = 'e2e';
let c: NodeCluster;
let k: NetnsKubectl;
let k127: NetnsKubectl;

/** kc runs kubectl 1.33 and asserts success, returning stdout. */
async function kc(args: readonly string[], opts: { stdin?: string; timeoutMs?: number; kubectl?: NetnsKubectl } = {}): Promise<string> {
  const r = await (opts.kubectl ?? k).run(args, { timeoutMs: opts.timeoutMs ?? 60_000, ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}) });
  assert.equal(r.code, 0, r.describe());
  return r.stdout;
}

/** apply creates or updates objects in the test namespace from JSON. */
async function apply(...objs: Record<string, unknown>[]): Promise<void> {
  await kc(['apply', '-n', NS, '-f', '-'], { stdin: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }) });
}

/** getJson reads one object as JSON. */
async function getJson(kind: string, name: string): Promise<any> {
  return JSON.parse(await kc(['get', '-n', NS, kind, name, '-o', 'json']));
}

/** pod builds a Pod manifest with busybox containers. */
function pod(name: string, containers: Record<string, unknown>[], extra: Record<string, unknown> = {}, labels: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { e2e: name, ...labels } },
    spec: { terminationGracePeriodSeconds: 2, containers: containers.map((x) => ({ image: c.image, ...x })), ...extra },
  };
}

/** waitPod waits until `pred` holds for the pod, naming `what` (and showing the pod and its events on failure). */
async function waitPod(name: string, pred: (p: any) => boolean, what: string, timeoutMs = 90_000): Promise<any> {
  let last: any;
  try {
    return await waitFor(async () => {
      const r = await k.run(['get', '-n', NS, 'pod', name, '-o', 'json'], { timeoutMs: 20_000 });
      if (r.code !== 0) return undefined;
      last = JSON.parse(r.stdout);
      return pred(last) ? last : undefined;
    }, { timeoutMs, intervalMs: 500, what: `pod ${name}: ${what}` });
  } catch (e) {
    const ev = await k.run(['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${name}`], { timeoutMs: 20_000 });
    throw new Error(`${(e as Error).message}\n--- pod status ---\n${JSON.stringify(last?.status, null, 1)?.slice(0, 4000)}\n--- events ---\n${ev.stdout}\n--- server (tail) ---\n${c.serverOutput().slice(-4000)}`);
  }
}

const running = (p: any): boolean => p.status?.phase === 'Running' && (p.status?.containerStatuses ?? []).every((s: any) => s.state?.running);
const ready = (p: any): boolean => running(p) && (p.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True');

/** events lists the Events of an object as `reason: message` lines. */
async function eventsOf(name: string): Promise<string[]> {
  const list = JSON.parse(await kc(['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${name}`, '-o', 'json']));
  return list.items.map((e: any) => `${e.reason}: ${e.message}`);
}

/** waitEvent waits for an Event of `name` whose reason matches. */
async function waitEvent(name: string, reason: RegExp, timeoutMs = 60_000): Promise<string> {
  let seen: string[] = [];
  try {
    return await waitFor(async () => { seen = await eventsOf(name); return seen.find((l) => reason.test(l.split(':')[0])); }, { timeoutMs, intervalMs: 1000, what: `an Event ${reason} for ${name}` });
  } catch (e) {
    throw new Error(`${(e as Error).message}; events seen: ${JSON.stringify(seen)}`);
  }
}

/** containerIds maps container name → [containerID, restartCount]. */
function containerIds(p: any): Record<string, [string, number]> {
  return Object.fromEntries((p.status?.containerStatuses ?? []).map((s: any) => [s.name, [s.containerID, s.restartCount]]));
}

describe('node agent with real containers (issue 5)', { timeout: 1_800_000 }, () => {
  before(async () => {
    const t0 = Date.now();
    c = await startNodeCluster();
    k = c.kubectl('1.33');
    k127 = c.kubectl('1.27');
    await kc(['create', 'namespace', NS]);
    await waitFor(async () => (await k.run(['get', 'serviceaccount', '-n', NS, 'default'])).code === 0, { timeoutMs: 30_000, what: 'the default ServiceAccount' });
    process.stderr.write(`[node-agent e2e] cluster ready in ${Date.now() - t0} ms (netns ${c.ns})\n`);
  });
  after(async () => {
    if (c) await c.teardown();
  });

  describe('1. images are pulled through registries.yaml', () => {
    test('a mirrored name and the plain-HTTP registry address both pull and run', async () => {
      await apply(
        pod('web', [{ name: 'httpd', command: ['httpd', '-f', '-p', '8080', '-h', '/www'] }]),
        pod('direct', [{ name: 'main', image: c.imageDirect, command: ['sleep', '3600'] }]),
      );
      const web = await waitPod('web', running, 'Running');
      const direct = await waitPod('direct', running, 'Running');
      assert.match(web.status.containerStatuses[0].imageID, /sha256:[0-9a-f]{64}/, JSON.stringify(web.status.containerStatuses[0]));
      assert.match(web.status.containerStatuses[0].containerID, /^containerd:\/\/[0-9a-f]{64}$/);
      assert.match(direct.status.containerStatuses[0].imageID, /sha256:[0-9a-f]{64}/);
      assert.match(web.status.podIP ?? '', /^10\.42\.\d+\.\d+$/, `pod IP from the node's pod CIDR: ${web.status.podIP}`);
      await waitEvent('web', /^Pulled$|^Pulling$/);
      const node = JSON.parse(await kc(['get', 'node', c.nodeName, '-o', 'json']));
      assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/\d/, JSON.stringify(node.status.nodeInfo));
      assert.equal(node.status.daemonEndpoints.kubeletEndpoint.Port, 10250);
      assert.ok(Number(node.status.capacity.cpu) >= 1 && /Ki$/.test(node.status.capacity.memory), JSON.stringify(node.status.capacity));
      assert.match(node.spec.podCIDR, /^10\.42\.\d+\.0\/24$/);
    });

    test('kubectl set image on a running pod restarts that container with the new image', async () => {
      const before = await waitPod('direct', running, 'Running');
      await kc(['set', 'image', '-n', NS, 'pod/direct', `main=${c.image}`]);
      const after = await waitPod('direct', (p) => p.status?.containerStatuses?.[0]?.image === c.image && running(p), 'Running the new image', 60_000);
      const [b, a] = [before.status.containerStatuses[0], after.status.containerStatuses[0]];
      assert.notEqual(a.containerID, b.containerID);
      assert.equal(a.restartCount, 1);
      assert.equal(a.lastState?.terminated?.containerID, b.containerID);
      await waitEvent('direct', /^Killing$/);
    });

    test('kubectl debug node/… runs a host-namespaced pod with the node\'s root at /host', async () => {
      const out = await kc(['debug', '-n', NS, `node/${c.nodeName}`, `--image=${c.image}`, '--', 'sh', '-c', 'test -d /host/proc/1 && echo host-root-ok; cat /host/etc/hostname >/dev/null && echo etc-ok']);
      const name = /pod\/(node-debugger-\S+)|Creating debugging pod (\S+)/.exec(out);
      const pod = name?.[1] ?? name?.[2];
      assert.ok(pod, out);
      const p = await waitPod(pod, (x) => x.status?.phase === 'Succeeded' || x.status?.phase === 'Failed', 'the node debugger finished', 90_000);
      assert.equal(p.status.phase, 'Succeeded', JSON.stringify(p.status));
      assert.equal(p.spec.hostPID && p.spec.hostNetwork, true);
      assert.equal(await kc(['logs', '-n', NS, pod]), 'host-root-ok\netc-ok\n');
    });

    test('kubectl debug --target adds an ephemeral container that runs in the pod, sees the target\'s processes and shows in its status', async () => {
      await kc(['debug', '-n', NS, 'pod/direct', `--image=${c.image}`, '-c', 'dbg', '--target=main', '--', 'sh', '-c', 'echo debug-$((6*7)); hostname; ps | grep -c "[s]leep 3600"']);
      const p = await waitPod('direct', (x) => Boolean(x.status?.ephemeralContainerStatuses?.[0]?.state?.terminated), 'the ephemeral container ran', 60_000);
      const eph = p.status.ephemeralContainerStatuses[0];
      assert.deepEqual([eph.name, eph.state.terminated.exitCode, eph.restartCount], ['dbg', 0, 0], JSON.stringify(eph));
      assert.equal(await kc(['logs', '-n', NS, 'direct', '-c', 'dbg']), 'debug-42\ndirect\n1\n', 'it shares the pod (its hostname) and, with --target, the target container\'s processes');
      assert.ok(running(p), 'the pod keeps running');
    });
  });

  describe('2. pods, networking and streaming', () => {
    let podIp = '';
    before(async () => {
      await apply(pod('duo', [
        { name: 'server', command: ['httpd', '-f', '-p', '8080', '-h', '/www'] },
        { name: 'client', command: ['sh', '-c', 'sleep 1; while ! wget -q -O /tmp/got http://127.0.0.1:8080/; do sleep 1; done; sleep 3600'] },
      ]), pod('ticker', [{ name: 'tick', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.5; done'] }]));
      const p = await waitPod('duo', running, 'both containers Running');
      podIp = p.status.podIP;
    });

    test('the second container reaches the first on localhost', async () => {
      const got = await waitFor(async () => {
        const r = await k.run(['exec', '-n', NS, 'duo', '-c', 'client', '--', 'cat', '/tmp/got']);
        return r.code === 0 && r.stdout.includes('hello') ? r.stdout : undefined;
      }, { timeoutMs: 30_000, what: 'the client container to fetch from localhost:8080' });
      assert.equal(got, 'hello from windlass e2e\n');
    });

    test('the pod IP answers from the node', () => {
      const r = c.exec('/bin/busybox', ['timeout', '10', 'wget', '-q', '-O', '-', `http://${podIp}:8080/`]);
      assert.equal(r.code, 0, `wget http://${podIp}:8080/ from the node: ${r.stderr}`);
      assert.equal(r.stdout, 'hello from windlass e2e\n');
    });

    for (const v of ['1.27', '1.33'] as const) {
      test(`kubectl ${v} exec with stdin (${v === '1.27' ? 'SPDY' : 'WebSocket'})`, async () => {
        const r = await (v === '1.27' ? k127 : k).run(['exec', '-i', '-n', NS, 'duo', '-c', 'client', '--', 'sh', '-c', 'cat; echo "|done"; echo to-stderr >&2; exit 3'], { stdin: 'line one\nline two\n' });
        assert.equal(r.stdout, 'line one\nline two\n|done\n', r.describe());
        assert.match(r.stderr, /to-stderr/, r.describe());
        assert.equal(r.code, 3, `the remote exit code comes back: ${r.describe()}`);
      });

      test(`kubectl ${v} exec -t allocates a terminal`, async () => {
        const cmd = `${kubectlBinary(v)} --kubeconfig ${c.kubeconfig} --cache-dir ${join(c.dir, `tty-cache-${v}`)} exec -it -n ${NS} duo -c client -- sh -c 'tty; stty size; exit 0'`;
        const r = c.exec('script', ['-qec', cmd, '/dev/null'], 60_000);
        assert.equal(r.code, 0, `${cmd}\n${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /\/dev\/pts\/\d+/, `tty inside the container: ${r.stdout}`);
      });
    }

    test('kubectl logs -f streams new lines', async () => {
      await waitPod('ticker', running, 'Running');
      const bg = k.background(['logs', '-f', '-n', NS, 'ticker']);
      try {
        const first = await bg.waitFor(/tick \d+/, 30_000);
        const n = Math.max(...[...first.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
        await bg.waitFor(new RegExp(`tick ${n + 3}\\b`), 30_000);
      } finally {
        await bg.stop();
      }
      const tail = await kc(['logs', '-n', NS, 'ticker', '--tail', '2']);
      assert.equal(tail.trim().split('\n').length, 2, tail);
    });

    test('kubectl port-forward carries an HTTP request', async () => {
      const bg = k.background(['port-forward', '-n', NS, 'pod/duo', '18080:8080']);
      try {
        await bg.waitFor(/Forwarding from 127\.0\.0\.1:18080/, 30_000);
        const r = c.exec('/bin/busybox', ['timeout', '15', 'wget', '-q', '-O', '-', 'http://127.0.0.1:18080/'], 30_000);
        assert.equal(r.code, 0, `${r.stderr}\n${bg.output()}`);
        assert.equal(r.stdout, 'hello from windlass e2e\n');
      } finally {
        await bg.stop();
      }
    });

    test('kubectl run -i --rm attaches stdin to a new pod, shows its output and deletes it', async () => {
      const r = await k.run(['run', 'oneshot', '-n', NS, '-i', '--rm', '--restart=Never', `--image=${c.image}`, '--', 'sh', '-c', 'read x; echo got-$x'],
        { timeoutMs: 120_000, stdin: 'hello\n' });
      assert.equal(r.code, 0, r.describe());
      assert.match(r.stdout, /got-hello/);
      assert.match(r.stdout, /pod "oneshot" deleted/);
      await waitFor(async () => (await k.run(['get', 'pod', '-n', NS, 'oneshot'])).code !== 0, { timeoutMs: 60_000, what: 'the pod gone' });
    });

    test('kubectl cp into and out of a container', async () => {
      const local = join(c.dir, 'cp-in.txt');
      await writeFile(local, 'copied in\n');
      await kc(['cp', local, `${NS}/duo:/tmp/cp-in.txt`, '-c', 'client']);
      assert.equal(await kc(['exec', '-n', NS, 'duo', '-c', 'client', '--', 'cat', '/tmp/cp-in.txt']), 'copied in\n');
      const back = join(c.dir, 'cp-out.txt');
      await kc(['cp', `${NS}/duo:/tmp/got`, back, '-c', 'client']);
      assert.equal(await readFile(back, 'utf8'), 'hello from windlass e2e\n');
    });
  });

  describe('3. configuration, tokens and volumes', () => {
    test('ConfigMap and Secret as env and as volumes; a ConfigMap update reaches the volume', async () => {
      await kc(['create', 'configmap', '-n', NS, 'cfg', '--from-literal=greeting=hello', '--from-literal=file.txt=v1']);
      await kc(['create', 'secret', 'generic', '-n', NS, 'sec', '--from-literal=password=s3cret']);
      await apply(pod('conf', [{
        name: 'main', command: ['sleep', '3600'],
        env: [
          { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
        ],
        volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }, { name: 'sec', mountPath: '/etc/sec', readOnly: true }],
      }], { volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'sec', secret: { secretName: 'sec' } }] }));
      await waitPod('conf', running, 'Running');
      const env = await kc(['exec', '-n', NS, 'conf', '--', 'env']);
      assert.match(env, /^GREETING=hello$/m);
      assert.match(env, /^PASSWORD=s3cret$/m);
      assert.equal(await kc(['exec', '-n', NS, 'conf', '--', 'cat', '/etc/cfg/file.txt']), 'v1');
      assert.equal(await kc(['exec', '-n', NS, 'conf', '--', 'cat', '/etc/sec/password']), 's3cret');
      await kc(['patch', 'configmap', '-n', NS, 'cfg', '--type', 'merge', '-p', '{"data":{"file.txt":"v2"}}']);
      await waitFor(async () => (await k.run(['exec', '-n', NS, 'conf', '--', 'cat', '/etc/cfg/file.txt'])).stdout === 'v2',
        { timeoutMs: 90_000, intervalMs: 1000, what: 'the updated ConfigMap content in the volume' });
    });

    test('the projected service-account token authenticates against the API server', async () => {
      const node = JSON.parse(await kc(['get', 'node', c.nodeName, '-o', 'json']));
      const gateway = String(node.spec.podCIDR).replace(/\.0\/\d+$/, '.1'); // the bridge: the node's address on the pod network
      await apply(pod('token', [{ name: 'main', command: ['sleep', '3600'] }]));
      await waitPod('token', running, 'Running');
      // The API server is reachable from the pod at the node's bridge address.
      await kc(['exec', '-n', NS, 'token', '--', 'sh', '-c', `nc -w 5 ${gateway} 6443 </dev/null`]);
      const token = await kc(['exec', '-n', NS, 'token', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT');
      // From inside the pod, with the pod's own token and CA: a SelfSubjectReview over TLS verified
      // against the projected ca.crt (openssl s_client; busybox's TLS offers only RSA key exchange).
      const script = [
        'T=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)',
        `B='{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'`,
        `printf 'POST /apis/authentication.k8s.io/v1/selfsubjectreviews HTTP/1.1\r\nHost: ${gateway}\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "$T" "\${#B}" "$B"`
          + ` | timeout 20 /usr/bin/openssl s_client -quiet -verify_return_error -CAfile /var/run/secrets/kubernetes.io/serviceaccount/ca.crt -connect ${gateway}:6443 2>/dev/null`,
      ].join('; ');
      const review = await kc(['exec', '-n', NS, 'token', '--', 'sh', '-c', script]);
      assert.match(review, /^HTTP\/1\.1 20[01] /, review);
      assert.match(review, new RegExp(`"username":"system:serviceaccount:${NS}:default"`), review);
      const ca = await kc(['exec', '-n', NS, 'token', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt']);
      assert.match(ca, /BEGIN CERTIFICATE/);
      assert.equal((await kc(['exec', '-n', NS, 'token', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'])), NS);
    });

    test('an emptyDir is shared between the containers of a pod', async () => {
      await apply(pod('shared', [
        { name: 'writer', command: ['sh', '-c', 'echo from-writer > /data/x; sleep 3600'], volumeMounts: [{ name: 'd', mountPath: '/data' }] },
        { name: 'reader', command: ['sleep', '3600'], volumeMounts: [{ name: 'd', mountPath: '/data' }] },
      ], { volumes: [{ name: 'd', emptyDir: {} }] }));
      await waitPod('shared', running, 'Running');
      await waitFor(async () => (await k.run(['exec', '-n', NS, 'shared', '-c', 'reader', '--', 'cat', '/data/x'])).stdout === 'from-writer\n',
        { timeoutMs: 30_000, what: 'the reader to see the writer\'s file' });
    });

    test('PVC data survives deleting and re-creating the pod', async () => {
      await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } });
      const withPvc = (): Record<string, unknown> => pod('pvc', [{ name: 'main', command: ['sleep', '3600'], volumeMounts: [{ name: 'd', mountPath: '/data' }] }],
        { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] });
      await apply(withPvc());
      await waitPod('pvc', running, 'Running', 120_000);
      await kc(['exec', '-n', NS, 'pvc', '--', 'sh', '-c', 'echo persisted > /data/keep']);
      await kc(['delete', 'pod', '-n', NS, 'pvc', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 });
      await apply(withPvc());
      await waitPod('pvc', running, 'Running again', 120_000);
      assert.equal(await kc(['exec', '-n', NS, 'pvc', '--', 'cat', '/data/keep']), 'persisted\n');
    });
  });

  describe('4. probes', () => {
    test('a failing liveness probe restarts the container with back-off', async () => {
      await apply(pod('unhealthy', [{
        name: 'main', command: ['sleep', '3600'],
        livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 1, initialDelaySeconds: 1 },
      }]));
      const p = await waitPod('unhealthy', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 'restartCount ≥ 2', 120_000);
      assert.ok(p.status.containerStatuses[0].lastState?.terminated, JSON.stringify(p.status.containerStatuses[0]));
      await waitEvent('unhealthy', /^Unhealthy$/);
      await waitEvent('unhealthy', /^Killing$/);
      // Repeats are counted on one Event (kubectl describe: "x3 over 20s"), not written again.
      const evs = JSON.parse(await kc(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=unhealthy,reason=Killing', '-o', 'json'])).items as any[];
      assert.equal(evs.length, 1, JSON.stringify(evs.map((e) => [e.metadata.name, e.count, e.message])));
      assert.ok(evs[0].count >= 2 && evs[0].lastTimestamp >= evs[0].firstTimestamp, JSON.stringify(evs[0]));
      assert.match(await kc(['describe', 'pod', '-n', NS, 'unhealthy']), /Killing\s+\S+ \(x\d+ over \S+\)\s+kubelet/);
    });

    test('readiness gates the Endpoints', async () => {
      await apply(
        pod('gated', [{ name: 'main', command: ['httpd', '-f', '-p', '8080', '-h', '/www'], readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 } }], {}, { app: 'gated' }),
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gated' }, spec: { selector: { app: 'gated' }, ports: [{ port: 80, targetPort: 8080 }] } },
      );
      const p = await waitPod('gated', running, 'Running');
      const endpoints = async (): Promise<any> => getJson('endpoints', 'gated');
      await waitFor(async () => (await endpoints()).subsets?.[0]?.notReadyAddresses?.some((a: any) => a.ip === p.status.podIP), { timeoutMs: 30_000, what: 'the pod among notReadyAddresses' });
      assert.ok(!(await endpoints()).subsets?.[0]?.addresses?.length, 'an unready pod must not be a ready address');
      await kc(['exec', '-n', NS, 'gated', '--', 'touch', '/tmp/ready']);
      await waitFor(async () => (await endpoints()).subsets?.[0]?.addresses?.some((a: any) => a.ip === p.status.podIP), { timeoutMs: 30_000, what: 'the pod among ready addresses' });
      await waitPod('gated', ready, 'Ready');
    });
  });

  describe('5. restarting the agent and containerd keeps pods running', () => {
    test('same container IDs and restart counts after a server restart', async () => {
      const names = ['web', 'duo', 'conf', 'shared'];
      const before = Object.fromEntries(await Promise.all(names.map(async (n) => [n, containerIds(await waitPod(n, running, 'Running'))] as const)));
      const t0 = Date.now();
      await c.restartServer();
      await waitFor(async () => (await k.run(['exec', '-n', NS, 'duo', '-c', 'client', '--', 'true'], { timeoutMs: 20_000 })).code === 0,
        { timeoutMs: 120_000, intervalMs: 500, what: 'the restarted agent to serve exec' });
      process.stderr.write(`[node-agent e2e] agent back ${Date.now() - t0} ms after the restart began\n`);
      await sleep(5000); // a few sync rounds of the restarted agent
      for (const n of names) {
        const p = await waitPod(n, running, 'Running after the restart');
        assert.deepEqual(containerIds(p), before[n], `pod ${n}: containers were restarted or replaced`);
      }
      const duo = await getJson('pod', 'duo');
      const r = c.exec('/bin/busybox', ['timeout', '10', 'wget', '-q', '-O', '-', `http://${duo.status.podIP}:8080/`]);
      assert.equal(r.stdout, 'hello from windlass e2e\n', r.stderr);
      assert.equal(await kc(['exec', '-n', NS, 'duo', '-c', 'client', '--', 'echo', 'still-here']), 'still-here\n');
    });
  });

  describe('5b. a pod whose sandbox dies is re-created', () => {
    test('killing the pause process: SandboxChanged, a new sandbox, the container runs again', async () => {
      await apply(pod('sandboxed', [{ name: 'main', command: ['sleep', '3600'] }]));
      const before = await waitPod('sandboxed', running, 'Running');
      const uid = String(before.metadata.uid);
      const pause = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).find((d) => {
        try { return readFileSync(`/proc/${d}/cmdline`, 'utf8') === '/pause\0' && readFileSync(`/proc/${d}/cgroup`, 'utf8').includes(uid); } catch { return false; }
      });
      assert.ok(pause, 'the pod\'s pause process');
      process.kill(Number(pause), 'SIGKILL');
      await waitEvent('sandboxed', /^SandboxChanged$/, 60_000);
      const after = await waitPod('sandboxed', (p) => running(p) && p.status.containerStatuses[0].containerID !== before.status.containerStatuses[0].containerID, 'Running in a new sandbox', 60_000);
      assert.equal(after.status.containerStatuses[0].restartCount, 1);
      assert.equal(await kc(['exec', '-n', NS, 'sandboxed', '--', 'echo', 'alive']), 'alive\n');
    });
  });

  describe('6. bad input is reported, other pods undisturbed', () => {
    test('missing image, missing ConfigMap key, invalid command', async () => {
      const duoBefore = containerIds(await getJson('pod', 'duo'));
      await apply(
        pod('noimage', [{ name: 'main', image: 'registry.windlass.test/windlass-test/missing:1', command: ['sleep', '1'] }]),
        pod('nokey', [{ name: 'main', command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'absent' } } }] }]),
        pod('badcmd', [{ name: 'main', command: ['/no/such/binary'] }]),
      );
      const waiting = (reasons: RegExp) => (p: any): boolean => reasons.test(p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '');
      await waitPod('noimage', waiting(/^(ErrImagePull|ImagePullBackOff)$/), 'ErrImagePull/ImagePullBackOff');
      await waitEvent('noimage', /^Failed$/);
      const nokey = await waitPod('nokey', waiting(/^CreateContainerConfigError$/), 'CreateContainerConfigError');
      assert.match(nokey.status.containerStatuses[0].state.waiting.message, /absent/, JSON.stringify(nokey.status.containerStatuses[0]));
      await waitEvent('nokey', /^Failed$/);
      await waitPod('badcmd', (p) => /^(RunContainerError|CrashLoopBackOff|StartError)$/.test(p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? p.status?.containerStatuses?.[0]?.lastState?.terminated?.reason ?? ''), 'RunContainerError/CrashLoopBackOff');
      await waitEvent('badcmd', /^(Failed|BackOff)$/);
      assert.deepEqual(containerIds(await waitPod('duo', running, 'Running')), duoBefore, 'the bad pods disturbed pod duo');
    });
  });
});

describe('windlass join and windlass agent run the real agent (issue 5)', { timeout: 600_000 }, () => {
  let j: NodeCluster;
  let jk: NetnsKubectl;
  let joinDir = '';
  let containerId = '';
  const NODE = 'joined-1';

  /** jc runs kubectl against the join cluster and asserts success. */
  const jc = async (args: readonly string[]): Promise<string> => {
    const r = await jk.run(args, { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.describe());
    return r.stdout;
  };
  /** runningPod waits until pod `name` runs on the joined node and returns it. */
  const runningPod = async (name: string, what: string): Promise<any> => waitFor(async () => {
    const r = await jk.run(['get', 'pod', name, '-o', 'json'], { timeoutMs: 20_000 });
    const p = r.code === 0 ? JSON.parse(r.stdout) : undefined;
    return p && running(p) ? p : undefined;
  }, { timeoutMs: 90_000, intervalMs: 500, what: `pod ${name} ${what}` });

  before(async () => {
    j = await startNodeCluster({ disableAgent: true, nodeName: 'no-agent' });
    jk = j.kubectl('1.33');
    joinDir = join(j.dir, 'joined');
  });
  after(async () => {
    if (j) await j.teardown();
  });

  test('the printed join command, with agent flags, joins a Ready containerd node that runs pods', async () => {
    const token = j.exec(process.execPath, ['--disable-warning=ExperimentalWarning', join(import.meta.dirname, '..', 'src', 'cli', 'main.ts'),
      'token', 'create', '--print-join-command', '--data-dir', j.dataDir], 60_000);
    assert.equal(token.code, 0, token.stderr);
    const printed = token.stdout.trim().split('\n').pop()!;
    assert.match(printed, /^windlass join 127\.0\.0\.1:6443 --token \S+ --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}$/);
    const proc = j.windlass([...printed.split(' ').slice(1), '--data-dir', joinDir, '--node-name', NODE, '--node-ip', '127.0.0.1',
      '--cgroup-root', `${j.cgroupRoot}/joined`, '--private-registry', join(j.dir, 'registries.yaml'), '--kubelet-port', '10251']);
    await waitFor(async () => {
      if (proc.child.exitCode !== null) throw new Error(`join exited ${proc.child.exitCode}:\n${proc.output()}`);
      const r = await jk.run(['get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], { timeoutMs: 20_000 });
      return r.stdout === 'True';
    }, { timeoutMs: 120_000, what: `node ${NODE} Ready` });
    await waitFor(() => /This node has joined the cluster as "joined-1"/.test(proc.output()), { timeoutMs: 60_000, what: 'join to report the running agent' });
    const node = JSON.parse(await jc(['get', 'node', NODE, '-o', 'json']));
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
    assert.equal(node.status.daemonEndpoints.kubeletEndpoint.Port, 10251);
    assert.match(await readFile(join(joinDir, 'pki', 'kubelet-serving.crt'), 'utf8'), /BEGIN CERTIFICATE/, 'the serving certificate came through a CSR');
    await jc(['run', 'jpod', `--image=${j.image}`, '--restart=Never', '--', 'httpd', '-f', '-p', '8080', '-h', '/www']);
    const p = await runningPod('jpod', 'Running on the joined node');
    assert.equal(p.spec.nodeName, NODE);
    containerId = p.status.containerStatuses[0].containerID;
    assert.equal(await jc(['exec', 'jpod', '--', 'cat', '/www/index.html']), 'hello from windlass e2e\n');
    await proc.stop();
  });

  test('windlass agent resumes the node from its credentials; the pod was not restarted', async () => {
    assert.ok(containerId, 'the join test ran first');
    const proc = j.windlass(['agent', '--data-dir', joinDir, '--node-ip', '127.0.0.1', '--cgroup-root', `${j.cgroupRoot}/joined`,
      '--private-registry', join(j.dir, 'registries.yaml'), '--kubelet-port', '10251']);
    await waitFor(async () => {
      if (proc.child.exitCode !== null) throw new Error(`agent exited ${proc.child.exitCode}:\n${proc.output()}`);
      return (await jk.run(['exec', 'jpod', '--', 'true'], { timeoutMs: 20_000 })).code === 0;
    }, { timeoutMs: 120_000, intervalMs: 500, what: 'the agent to serve exec again' });
    const p = await runningPod('jpod', 'still Running');
    assert.equal(p.status.containerStatuses[0].containerID, containerId, 'the container was replaced');
    assert.equal(p.status.containerStatuses[0].restartCount, 0);
    assert.match(proc.output(), /windlass agent running as node "joined-1"/);
  });
});
