/**
 * @module test/multi-node-network.e2e.test — issue 6's multi-node acceptance end to end, on one
 * machine (test/fixtures/multi-node.ts): a control plane and 3 joined nodes, each a network
 * namespace with its own agent, containerd and cni0 bridge, on a veth underlay. One cluster is
 * shared by the file and switched between modes by restarting its agents: first `vxlan` (pod to
 * pod both ways with the source IP kept and a 2 MiB checksum; Services: ClusterIP from a pod and
 * from a node, NodePort from a namespace that is not a node, hairpin, session affinity, an unready
 * endpoint leaving the rotation within 1 s of its EndpointSlice change; external/internal traffic
 * policy Local and a Service without endpoints rejecting; DNS: Service, headless,
 * StatefulSet pod names, NXDOMAIN; NetworkPolicy ingress/egress between pods on different nodes;
 * a 4th node joining and leaving updates the FDB and neighbours
 * everywhere), then `host-gw` (the vxlan devices are gone; routes via the peers' node IPs; the
 * same pod-to-pod checks; a node joining and leaving updates every node's routes; a node on
 * another subnet is refused with a clear message), then `l3` (the
 * nodes route nothing: pod to pod fails until a router namespace installs `windlass routes`' output,
 * then works through it, one hop longer; the switch to l3 SIGKILLs the host-gw agents, so the
 * l3 agents must remove the routes those left). The describe blocks run in order and depend on each
 * other. Fails (never skips) when the fixture's tools are missing.
 */
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, waitFor } from './harness/index.ts';
import { CLUSTER_CIDR, SERVICE_CIDR, startMultiNodeCluster, type MultiNode, type MultiNodeCluster } from './fixtures/multi-node.ts';
import { kubectlHelpers, type NetnsKubectl } from './fixtures/node-netns.ts';

const NS = 'mnet';
let c: MultiNodeCluster;
let k: NetnsKubectl;
/** webIps maps web pod name (web-1…) → pod IP. */
const webIps = new Map<string, string>();
/** webContainers is the web pods' `containerID restartCount` at the start (agents restarting for a mode change keep the pods). */
let webContainers = '';

const { kc, apply } = kubectlHelpers(() => k, NS);

/** inPod runs a shell script in a pod; returns exit code and output. */
async function inPod(pod: string, script: string, timeoutMs = 90_000): Promise<{ code: number | null; out: string }> {
  const r = await k.run(['exec', '-n', NS, pod, '--', 'sh', '-c', script], { timeoutMs });
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

/** wgetLoop is a shell loop fetching `url` n times, one answer per line (`-` for a failure). */
const wgetLoop = (url: string, n: number): string =>
  `for i in $(seq ${n}); do r=$(timeout 3 busybox wget -q -O - ${url} 2>/dev/null) || r=-; echo "$r"; done`;

/** namesOf counts the answers of a wgetLoop. */
function namesOf(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of out.split('\n').map((x) => x.trim()).filter(Boolean)) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

/** web is a pod pinned to node `node`: busybox httpd on 8080 serving its hostname, a CGI echoing REMOTE_ADDR, a 2 MiB random blob and its sha256, ready while /tmp/ready exists. */
function web(name: string, node: string, labels: Record<string, string>): Record<string, unknown> {
  const script = [
    'mkdir -p /w/cgi-bin', 'hostname > /w/index.html',
    `printf '#!/bin/sh\\necho "Content-Type: text/plain"\\necho\\necho "$REMOTE_ADDR"\\n' > /w/cgi-bin/ip`, 'chmod 755 /w/cgi-bin/ip',
    'head -c 2097152 /dev/urandom > /w/blob', 'busybox sha256sum /w/blob | cut -d " " -f 1 > /w/blob.sha',
    'touch /tmp/ready', 'exec httpd -f -p 8080 -h /w',
  ].join(' && ');
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
    spec: {
      nodeName: node, terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'httpd', image: c.image, command: ['sh', '-c', script], ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1, successThreshold: 1 },
      }],
    },
  };
}

/** podsJson lists the pods of the test namespace. */
async function podsJson(): Promise<any[]> {
  return JSON.parse(await kc(['get', 'pods', '-n', NS, '-o', 'json'])).items as any[];
}

const isReady = (p: any): boolean => (p.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True');

/** waitReadyPods waits until the named pods are Ready and returns name → pod IP. */
async function waitReadyPods(names: readonly string[], timeoutMs = 180_000): Promise<Map<string, string>> {
  let last: any[] = [];
  return waitFor(async () => {
    last = await podsJson();
    const ready = new Map(last.filter(isReady).map((p) => [String(p.metadata.name), String(p.status.podIP)]));
    return names.every((n) => ready.has(n)) ? ready : undefined;
  }, { timeoutMs, intervalMs: 1000, what: `pods ${names.join(', ')} Ready` }).catch((e: unknown) => {
    const st = last.map((p) => `${p.metadata.name} ${p.spec.nodeName} ${p.status?.phase} ${JSON.stringify(p.status?.containerStatuses?.[0]?.state ?? {})}`).join('\n');
    throw new Error(`${(e as Error).message}\n${st}`);
  });
}

/** containersOf lists the web pods' `name containerID restartCount IP`, one per line. */
async function containersOf(): Promise<string> {
  return (await podsJson()).filter((p) => p.metadata.labels?.app === 'web')
    .map((p) => `${p.metadata.name} ${p.status?.containerStatuses?.[0]?.containerID} ${p.status?.containerStatuses?.[0]?.restartCount} ${p.status?.podIP}`).sort().join('\n');
}

/** nodeOf returns the joined node named `name`. */
function nodeOf(name: string): MultiNode {
  const n = c.nodes.find((x) => x.name === name);
  assert.ok(n, `node ${name} is in the cluster`);
  return n;
}

/** podCidrs maps node name → spec.podCIDR. */
async function podCidrs(): Promise<Map<string, string>> {
  const out = await kc(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR}{"\\n"}{end}']);
  return new Map(out.trim().split('\n').map((l) => l.split('=') as [string, string]));
}

/** crossNodeChecks asserts, for every pair of `pods` (name → IP), that each reaches the other with its source IP kept, and checksums 2 MiB both ways around the ring. */
async function crossNodeChecks(pods: ReadonlyMap<string, string>): Promise<void> {
  const names = [...pods.keys()];
  for (const src of names) {
    const targets = names.filter((n) => n !== src).map((n) => pods.get(n));
    const r = await inPod(src, `for ip in ${targets.join(' ')}; do echo "$ip $(timeout 3 busybox wget -q -O - http://$ip:8080/cgi-bin/ip 2>&1)"; done`);
    assert.equal(r.code, 0, r.out);
    const seen = new Map(r.out.trim().split('\n').map((l) => l.trim().split(/\s+/) as [string, string]));
    for (const t of targets) {
      assert.equal((seen.get(t!) ?? '').replace(/^\[?(::ffff:)?|\]$/g, ''), pods.get(src), `${src} → ${t}: the target saw ${seen.get(t!)} as the client, not ${src}'s IP ${pods.get(src)} (${r.out})`);
    }
  }
  for (const [i, src] of names.entries()) {
    const dst = names[(i + 1) % names.length];
    const r = await inPod(src, `timeout 20 busybox wget -q -O - http://${pods.get(dst)}:8080/blob | busybox sha256sum | cut -d " " -f 1; `
      + `timeout 3 busybox wget -q -O - http://${pods.get(dst)}:8080/blob.sha`);
    const [got, want] = r.out.trim().split('\n');
    assert.match(want ?? '', /^[0-9a-f]{64}$/, `${dst}'s checksum: ${r.out}`);
    assert.equal(got, want, `2 MiB from ${dst} to ${src}: sha256 differs (${r.out})`);
    assert.notEqual(got, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'not the empty file');
  }
}

/** allEndpointsFrom asserts that 30 requests from pod `from` to the `web` ClusterIP reach all 3 endpoints. */
async function allEndpointsFrom(from: string): Promise<void> {
  const clusterIp = (await kc(['get', 'svc', '-n', NS, 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const got = namesOf((await inPod(from, wgetLoop(`http://${clusterIp}/`, 30))).out);
  assert.deepEqual([...got.keys()].sort(), ['web-1', 'web-2', 'web-3'], `from pod ${from} to ${clusterIp}: ${JSON.stringify([...got])}`);
}

/** txBytes is the bytes sent so far by device `dev` in node `n` (0 when it does not exist). */
function txBytes(n: MultiNode, dev: string): number {
  const r = n.exec('ip', ['-s', '-j', 'link', 'show', dev]);
  return r.code === 0 ? Number((JSON.parse(r.stdout) as any[])[0]?.stats64?.tx?.bytes ?? 0) : 0;
}

/** routesOf lists a node's routes of protocol 245 (the pod network's). */
const routesOf = (n: MultiNode): string => n.exec('ip', ['route', 'show', 'proto', '245']).stdout;

describe('multi-node networking (issue 6)', { timeout: 1_200_000 }, () => {
  before(async () => {
    const t0 = Date.now();
    c = await startMultiNodeCluster({ nodes: 3, mode: 'vxlan' });
    k = c.kubectl();
    await kc(['create', 'namespace', NS]);
    await waitFor(async () => (await k.run(['get', 'serviceaccount', '-n', NS, 'default'])).code === 0, { timeoutMs: 30_000, what: 'the default ServiceAccount' });
    const svc = (name: string, spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
    await apply(
      ...[1, 2, 3].map((i) => web(`web-${i}`, `mn-${i}`, { app: 'web', idx: String(i) })),
      svc('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] }),
      svc('web-np', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }),
      svc('web-aff', { selector: { app: 'web' }, sessionAffinity: 'ClientIP', ports: [{ port: 80, targetPort: 8080 }] }),
      svc('web-1-only', { selector: { app: 'web', idx: '1' }, ports: [{ port: 80, targetPort: 8080 }] }),
      svc('web-1-local', { type: 'NodePort', externalTrafficPolicy: 'Local', selector: { app: 'web', idx: '1' }, ports: [{ port: 80, targetPort: 8080 }] }),
      svc('web-itp', { internalTrafficPolicy: 'Local', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }),
      svc('empty', { selector: { app: 'nothing' }, ports: [{ port: 80 }] }),
      svc('web-headless', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 8080 }] }),
      svc('db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 8080 }] }),
      {
        apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
        spec: {
          serviceName: 'db', replicas: 2, podManagementPolicy: 'Parallel', selector: { matchLabels: { app: 'db' } },
          template: {
            metadata: { labels: { app: 'db' } },
            spec: { nodeName: 'mn-1', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: c.image, command: ['sleep', '3600'] }] },
          },
        },
      },
    );
    for (const [n, ip] of await waitReadyPods(['web-1', 'web-2', 'web-3', 'db-0', 'db-1'])) if (n.startsWith('web-')) webIps.set(n, ip);
    webContainers = await containersOf();
    process.stderr.write(`[multi-node e2e] 3 nodes and pods ready in ${Date.now() - t0} ms (${[...webIps].map(([n, ip]) => `${n}=${ip}`).join(' ')})\n`);
  });
  after(async () => {
    if (c) await c.teardown();
  });

  describe('1. vxlan: pod to pod across nodes', () => {
    test('joined nodes use the server\'s CIDRs (kubeadm\'s, published in kube-system/kubeadm-config), not windlass\'s defaults', async () => {
      assert.equal(CLUSTER_CIDR, '10.244.0.0/16');
      for (const [name, ip] of webIps) assert.match(ip, /^10\.244\./, `${name}'s IP from --cluster-cidr`);
      // The cluster DNS address is the 10th of --service-cidr (10.96.0.0/12), and the node routes that range to its pods' bridge.
      assert.match(await kc(['exec', '-n', NS, 'web-1', '--', 'cat', '/etc/resolv.conf']), /^nameserver 10\.96\.0\.10$/m);
      for (const n of c.nodes) {
        const r = n.exec('ip', ['route', 'show', 'exact', SERVICE_CIDR]).stdout;
        assert.match(r, /^10\.96\.0\.0\/12 dev cni0 /m, `${n.name} routes the service CIDR to cni0: ${r}`);
      }
    });

    test('each node has flannel.1 with FDB and neighbour entries for both peers', async () => {
      const cidrs = await podCidrs();
      for (const n of c.nodes) {
        const fdb = n.exec('bridge', ['fdb', 'show', 'dev', 'flannel.1']).stdout;
        const neigh = n.exec('ip', ['neigh', 'show', 'dev', 'flannel.1']).stdout;
        for (const p of c.nodes.filter((x) => x !== n)) {
          assert.match(fdb, new RegExp(`dst ${p.ip.replace(/\./g, '\\.')} `), `${n.name}'s FDB sends to ${p.name}: ${fdb}`);
          const net = cidrs.get(p.name)!.split('/')[0];
          assert.ok(neigh.includes(`${net} `), `${n.name} has a neighbour for ${p.name}'s ${net}: ${neigh}`);
          assert.ok(routesOf(n).includes(`${cidrs.get(p.name)} via ${net} dev flannel.1`), `${n.name} routes ${p.name}'s pods over flannel.1: ${routesOf(n)}`);
        }
      }
    });

    test('pods reach each other both ways with their source IP, and 2 MiB checksums across the overlay', async () => {
      const before = c.nodes.map((n) => txBytes(n, 'flannel.1'));
      await crossNodeChecks(webIps);
      const sent = c.nodes.map((n, i) => txBytes(n, 'flannel.1') - before[i]);
      assert.ok(sent.every((b) => b >= 2 * 1024 * 1024), `every node sent its 2 MiB through flannel.1: ${sent.join(', ')} bytes`);
    });
  });

  describe('2. Services over pods on 3 nodes (vxlan)', () => {
    let clusterIp = '';
    before(async () => {
      clusterIp = (await kc(['get', 'svc', '-n', NS, 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    });

    test('a pod and a node reach all 3 endpoints through the ClusterIP', async () => {
      await allEndpointsFrom('web-1');
      const r = nodeOf('mn-2').exec('sh', ['-c', wgetLoop(`http://${clusterIp}/`, 30)], 120_000);
      const fromNode = namesOf(r.stdout);
      assert.deepEqual([...fromNode.keys()].sort(), ['web-1', 'web-2', 'web-3'], `from node mn-2: ${JSON.stringify([...fromNode])} ${r.stderr}`);
    });

    test('the NodePort answers on every node from a namespace outside the cluster', async () => {
      const port = Number(await kc(['get', 'svc', '-n', NS, 'web-np', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
      assert.ok(port >= 30000 && port <= 32767, `nodePort ${port}`);
      const all = new Set<string>();
      for (const n of c.nodes) {
        const got = namesOf(c.client.exec('sh', ['-c', wgetLoop(`http://${n.ip}:${port}/`, 10)], 120_000).stdout);
        assert.ok(!got.has('-') && [...got.keys()].every((x) => /^web-\d$/.test(x)), `${c.client.ip} → ${n.ip}:${port}: ${JSON.stringify([...got])}`);
        for (const x of got.keys()) all.add(x);
      }
      assert.deepEqual([...all].sort(), ['web-1', 'web-2', 'web-3'], 'the NodePort spreads over the endpoints of all nodes');
    });

    test('a pod reaches a Service whose only endpoint is itself (hairpin)', async () => {
      const got = namesOf((await inPod('web-1', wgetLoop(`http://web-1-only.${NS}.svc.cluster.local/`, 5))).out);
      assert.deepEqual([...got], [['web-1', 5]]);
    });

    test('sessionAffinity ClientIP keeps one backend over 12 requests, for each of two clients', async () => {
      for (const from of ['web-2', 'web-3']) {
        const got = namesOf((await inPod(from, wgetLoop(`http://web-aff.${NS}.svc.cluster.local/`, 12))).out);
        assert.equal(got.size, 1, `from ${from}: ${JSON.stringify([...got])}`);
        assert.match([...got.keys()][0], /^web-\d$/);
      }
    });

    test('an endpoint leaves the rotation within 1 s of its EndpointSlice change', async () => {
      const prober = nodeOf('mn-1');
      // The EndpointSlice watch (kubectl -w -o json: pretty objects, each closed by a `}` in column 0).
      const watch = k.background(['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=web', '-w', '-o', 'json']);
      const web3Ready = (text: string): (boolean | undefined)[] => text.split(/^\}$/m).filter((x) => x.trim()).map((x) => {
        try {
          const eps = (JSON.parse(`${x}}`).endpoints ?? []) as any[];
          return eps.find((e) => e.targetRef?.name === 'web-3')?.conditions?.ready as boolean | undefined;
        } catch { return undefined; }
      });
      const loop = spawn('nsenter', [`--net=/run/netns/${prober.ns}`, '--', 'sh', '-c',
        `while :; do t=$(date +%s%3N); r=$(timeout 1 busybox wget -q -O - http://${clusterIp}/ 2>/dev/null) || r=-; echo "$t $r"; done`], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      loop.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
      try {
        await waitFor(() => web3Ready(watch.output()).includes(true), { timeoutMs: 30_000, what: 'the EndpointSlice watch to list web-3 ready' });
        await waitFor(() => /^\d+ web-3$/m.test(out), { timeoutMs: 10_000, what: 'web-3 to answer the prober' });
        const seen = web3Ready(watch.output()).length;
        await kc(['exec', '-n', NS, 'web-3', '--', 'rm', '/tmp/ready']);
        const tUnready = Date.now();
        const tSlice = await waitFor(() => (web3Ready(watch.output()).slice(seen).includes(false) ? Date.now() : undefined),
          { timeoutMs: 30_000, intervalMs: 5, what: 'the EndpointSlice to mark web-3 not ready' });
        await sleep(3000);
        loop.kill('SIGTERM');
        const lines = out.trim().split('\n').map((l) => l.split(' ')).filter((p) => p.length === 2 && /^\d+$/.test(p[0])).map(([t, b]) => ({ t: Number(t), b }));
        const lastHit = Math.max(0, ...lines.filter((l) => l.b === 'web-3').map((l) => l.t));
        const latency = Math.max(0, lastHit - tSlice);
        const afterwards = lines.filter((l) => l.t > tSlice + 1000);
        process.stderr.write(`[multi-node e2e] unready endpoint out of rotation ${latency} ms after its EndpointSlice change was visible to a watch (last web-3 answer at ${lastHit - tSlice} ms; `
          + `the change was seen ${tSlice - tUnready} ms after the readiness file was removed; ${lines.length} requests from ${prober.name})\n`);
        assert.ok(latency <= 1000, `web-3 still answered ${latency} ms after the EndpointSlice said not ready`);
        assert.ok(afterwards.length >= 10, `enough requests after the change: ${afterwards.length}`);
        assert.ok(afterwards.every((l) => l.b === 'web-1' || l.b === 'web-2'), `only ready endpoints answer afterwards: ${JSON.stringify(afterwards.slice(0, 20))}`);
      } finally {
        loop.kill('SIGKILL');
        await watch.stop();
        await k.run(['exec', '-n', NS, 'web-3', '--', 'touch', '/tmp/ready'], { timeoutMs: 30_000 });
        await waitReadyPods(['web-3'], 30_000);
      }
    });
  });

  describe('2. traffic policies and Services without endpoints (vxlan)', () => {
    test('externalTrafficPolicy Local: only a node with a local endpoint answers, and the pod sees the outside client\'s address', async () => {
      const port = Number(await kc(['get', 'svc', '-n', NS, 'web-1-local', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
      const local = c.client.exec('timeout', ['3', 'busybox', 'wget', '-q', '-O', '-', `http://${nodeOf('mn-1').ip}:${port}/cgi-bin/ip`]);
      assert.equal(local.code, 0, `${nodeOf('mn-1').ip}:${port} from ${c.client.ip}: ${local.stderr}`);
      assert.equal(local.stdout.trim().replace(/^\[?(::ffff:)?|\]$/g, ''), c.client.ip, 'the client address is kept');
      const remote = c.client.exec('timeout', ['3', 'busybox', 'wget', '-q', '-O', '-', `http://${nodeOf('mn-2').ip}:${port}/`]);
      assert.notEqual(remote.code, 0, `mn-2 has no local endpoint of web-1-local but answered: ${remote.stdout}`);
    });

    test('internalTrafficPolicy Local: pods only reach the endpoint on their own node', async () => {
      for (const [from, want] of [['web-2', 'web-2'], ['db-0', 'web-1']]) {
        const got = namesOf((await inPod(from, wgetLoop(`http://web-itp.${NS}.svc.cluster.local/`, 8))).out);
        assert.deepEqual([...got], [[want, 8]], `from ${from}`);
      }
    });

    test('a Service without endpoints rejects connections at once', async () => {
      const ip = (await kc(['get', 'svc', '-n', NS, 'empty', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
      const t0 = Date.now();
      const r = await inPod('web-3', `timeout 5 busybox wget -q -O - http://${ip}/; echo "rc=$?"`);
      const ms = Date.now() - t0;
      assert.match(r.out, /refused/i, r.out);
      assert.ok(/rc=[1-9]/.test(r.out) && ms < 4000, `rejected, not timed out (${ms} ms including kubectl exec): ${r.out}`);
    });
  });

  describe('3. DNS from pods on different nodes (vxlan)', () => {
    test('Service, headless Service and StatefulSet pod names resolve; unknown names are NXDOMAIN', async () => {
      const clusterIp = (await kc(['get', 'svc', '-n', NS, 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
      const db0 = (await kc(['get', 'pod', '-n', NS, 'db-0', '-o', 'jsonpath={.status.podIP}'])).trim();
      for (const from of ['web-1', 'web-3']) {
        const svc = await inPod(from, `nslookup web.${NS}.svc.cluster.local`);
        assert.equal(svc.code, 0, svc.out);
        assert.ok(svc.out.includes(clusterIp), `${from}: web → ${clusterIp}: ${svc.out}`);
        let headless = { code: null as number | null, out: '' };
        await waitFor(async () => {
          headless = await inPod(from, `nslookup web-headless.${NS}.svc.cluster.local`);
          return headless.code === 0 && [...webIps.values()].every((ip) => headless.out.includes(ip));
        }, { timeoutMs: 15_000, intervalMs: 500, what: `${from}: web-headless to resolve to ${[...webIps.values()].join(', ')}` }).catch((e: unknown) => {
          throw new Error(`${(e as Error).message}\n${headless.out}`);
        });
        const sts = await inPod(from, `nslookup db-0.db.${NS}.svc.cluster.local`);
        assert.equal(sts.code, 0, sts.out);
        assert.ok(sts.out.includes(db0), `${from}: db-0.db → ${db0}: ${sts.out}`);
        const bad = await inPod(from, `nslookup nosuch.${NS}.svc.cluster.local`);
        assert.notEqual(bad.code, 0, bad.out);
        assert.match(bad.out, /NXDOMAIN/, bad.out);
      }
    });
  });

  describe('4. NetworkPolicy across nodes (vxlan)', () => {
    /** reach tells whether pod `from` gets an answer from `to`'s httpd. */
    const reach = async (from: string, to: string): Promise<boolean> => (await inPod(from, `timeout 3 busybox wget -q -O - http://${webIps.get(to)}:8080/`)).code === 0;
    const policy = (name: string, spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name }, spec });
    /** settle waits until `from` → `to` is (or is not) allowed. */
    const settle = (from: string, to: string, allowed: boolean): Promise<unknown> =>
      waitFor(async () => (await reach(from, to)) === allowed, { timeoutMs: 30_000, intervalMs: 500, what: `${from} → ${to} to be ${allowed ? 'allowed' : 'blocked'}` });
    after(async () => {
      await k.run(['delete', 'networkpolicy', '-n', NS, '--all'], { timeoutMs: 30_000 });
      await settle('db-0', 'web-2', true);
    });

    test('default-deny ingress blocks pods on other nodes; an allow rule admits exactly the selected peer and port', async () => {
      assert.ok(await reach('db-0', 'web-2') && await reach('web-1', 'web-2'), 'open before any policy');
      await apply(policy('deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }));
      await settle('db-0', 'web-2', false);
      assert.equal(await reach('web-1', 'web-2'), false, 'web-1 (mn-1) → web-2 (mn-2) blocked');
      await apply(policy('allow-db-to-web-2', {
        podSelector: { matchLabels: { idx: '2' } }, policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
      }));
      await settle('db-0', 'web-2', true);
      assert.equal(await reach('web-1', 'web-2'), false, 'web-1 is not selected by the allow rule');
      assert.equal(await reach('db-0', 'web-3'), false, 'web-3 is not selected by the allow rule');
    });

    test('an egress rule limits a pod to the selected peers', async () => {
      await k.run(['delete', 'networkpolicy', '-n', NS, '--all'], { timeoutMs: 30_000 });
      await apply(policy('db-egress', {
        podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: { matchLabels: { idx: '3' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
      }));
      await settle('db-0', 'web-2', false);
      assert.equal(await reach('db-0', 'web-3'), true, 'db-0 (mn-1) → web-3 (mn-3) is allowed');
      assert.equal(await reach('web-1', 'web-2'), true, 'pods the policy does not select are unaffected');
    });
  });

  /** nodeSetChange joins a 4th node, checks it on every other node with `has`, reaches its pod both ways, removes it and checks it is gone everywhere. */
  const nodeSetChange = async (has: (on: MultiNode, peer: MultiNode, cidr: string) => boolean): Promise<void> => {
    const t0 = Date.now();
    const n4 = await c.addNode();
    const cidr = (await podCidrs()).get(n4.name)!;
    const others = c.nodes.filter((n) => n !== n4);
    await waitFor(() => others.every((n) => has(n, n4, cidr)), { timeoutMs: 20_000, intervalMs: 200, what: `every node to know ${n4.name}` });
    process.stderr.write(`[multi-node e2e] ${c.mode()}: ${n4.name} joined and known to every node after ${Date.now() - t0} ms\n`);
    const extra = `extra-${n4.name}`;
    await apply(web(extra, n4.name, { app: 'extra' }));
    const pods = new Map([...webIps, ...[...await waitReadyPods([extra])].filter(([n]) => n === extra)]);
    await crossNodeChecks(pods);
    const t1 = Date.now();
    await c.removeNode(n4.name);
    const t2 = Date.now();
    await waitFor(() => others.every((n) => !has(n, n4, cidr)), { timeoutMs: 20_000, intervalMs: 100, what: `every node to forget ${n4.name}` });
    process.stderr.write(`[multi-node e2e] ${c.mode()}: ${n4.name} gone from every node ${Date.now() - t2} ms after \`kubectl delete node\` (drain + stop + delete took ${t2 - t1} ms)\n`);
    await k.run(['delete', 'pod', '-n', NS, extra, '--grace-period=0', '--force', '--wait=false'], { timeoutMs: 30_000 });
  };

  describe('5. changing the node set (vxlan)', () => {
    test('a 4th node joins: every FDB and neighbour table gains it, its pod is reachable; removed, it disappears everywhere', async () => {
      await nodeSetChange((on, peer, cidr) => {
        const fdb = on.exec('bridge', ['fdb', 'show', 'dev', 'flannel.1']).stdout;
        const neigh = on.exec('ip', ['neigh', 'show', 'dev', 'flannel.1']).stdout;
        const net = cidr.split('/')[0];
        return fdb.includes(`dst ${peer.ip} `) && neigh.includes(`${net} `) && routesOf(on).includes(`${cidr} via ${net} dev flannel.1`);
      });
    });
  });

  describe('1. host-gw (the same cluster, agents restarted)', () => {
    before(async () => {
      await c.setMode('host-gw');
    });

    test('the vxlan devices are gone and each node routes the peers\' pod CIDRs via their node IPs; the pods kept running', async () => {
      assert.equal(await containersOf(), webContainers, 'the agents\' restart did not restart the pods');
      const cidrs = await podCidrs();
      for (const n of c.nodes) {
        const link = n.exec('ip', ['link', 'show', 'flannel.1']);
        assert.notEqual(link.code, 0, `${n.name} still has flannel.1: ${link.stdout}`);
        const routes = routesOf(n);
        for (const p of c.nodes.filter((x) => x !== n)) assert.ok(routes.includes(`${cidrs.get(p.name)} via ${p.ip} dev eth0`), `${n.name} → ${p.name}: ${routes}`);
        assert.equal(routes.trim().split('\n').length, c.nodes.length - 1, routes);
      }
    });

    test('pods reach each other both ways with their source IP (2 hops), 2 MiB checksums, and the ClusterIP reaches all endpoints', async () => {
      await crossNodeChecks(webIps);
      const r = await inPod('web-1', `ping -c 2 -W 3 ${webIps.get('web-2')}`);
      assert.match(r.out, /ttl=62/, r.out);
      await allEndpointsFrom('web-2');
    });

    test('a 4th node joins: every node routes its pod CIDR; removed, the route disappears everywhere', async () => {
      await nodeSetChange((on, peer, cidr) => routesOf(on).includes(`${cidr} via ${peer.ip} dev eth0`));
    });
  });

  describe('host-gw refuses a peer outside the L2 segment', () => {
    test('every node names the far node in a clear message and routes nothing to it; the far node refuses the others', async () => {
      const far = await c.addNode({ otherSubnet: true });
      const others = c.nodes.filter((n) => n !== far);
      const cidr = (await podCidrs()).get(far.name)!;
      const msg = (n: MultiNode, subnet: string): string => `host-gw needs all nodes on one L2 segment: node ${n.name} (${n.ip}) is not in ${subnet}`;
      await waitFor(() => others.every((n) => n.output().includes(msg(far, '192.168.77.0/24'))), { timeoutMs: 20_000, intervalMs: 200, what: `every node to refuse ${far.name}` })
        .catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${others[0].output().slice(-3000)}`); });
      for (const n of others) assert.ok(!routesOf(n).includes(cidr), `${n.name} routes ${cidr}: ${routesOf(n)}`);
      for (const n of others) assert.ok(far.output().includes(msg(n, '192.168.78.0/24')), `${far.name} refuses ${n.name}: ${far.output().slice(-3000)}`);
      assert.equal(routesOf(far).trim(), '', 'the far node routes nothing');
      await c.removeNode(far.name);
    });
  });

  describe('1. l3 (the same cluster, agents killed and restarted; an upstream router namespace)', () => {
    const leftBehind: string[] = [];
    before(async () => {
      await c.setMode('l3', { crash: true, whileDown: () => { for (const n of c.nodes) leftBehind.push(`${n.name}: ${routesOf(n).trim()}`); } });
    });

    test('the l3 agents remove the host-gw routes their killed predecessors left; pod to pod fails without the router\'s routes', async () => {
      assert.equal(await containersOf(), webContainers, 'killing and restarting the agents did not restart the pods');
      for (const l of leftBehind) assert.match(l, / via 192\.168\.77\.\d+ dev eth0/, `the killed host-gw agent left its routes: ${l}`);
      for (const n of c.nodes) assert.equal(routesOf(n).trim(), '', `${n.name}: ${routesOf(n)}`);
      const r = await inPod('web-1', `timeout 3 busybox wget -q -O - http://${webIps.get('web-2')}:8080/`);
      assert.notEqual(r.code, 0, `reached web-2 without any route: ${r.out}`);
    });

    test('`windlass routes` prints every node\'s pod CIDR via its node IP; installed in the router, pods and nodes reach pods on other nodes through it', async () => {
      const cidrs = await podCidrs();
      const lines = await c.syncRouter();
      assert.deepEqual(lines.sort(), c.nodes.map((n) => `${cidrs.get(n.name)} via ${n.ip}`).sort());
      await crossNodeChecks(webIps);
      const r = await inPod('web-1', `ping -c 2 -W 3 ${webIps.get('web-3')}`);
      assert.match(r.out, /ttl=61/, `one more hop through the router: ${r.out}`);
      await allEndpointsFrom('web-3');
      const clusterIp = (await kc(['get', 'svc', '-n', NS, 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
      const fromNode = namesOf(nodeOf('mn-1').exec('sh', ['-c', wgetLoop(`http://${clusterIp}/`, 30)], 120_000).stdout);
      assert.deepEqual([...fromNode.keys()].sort(), ['web-1', 'web-2', 'web-3'], `from node mn-1 through the router: ${JSON.stringify([...fromNode])}`);
    });
  });
});
