/**
 * @module test/node-network.e2e.test — issue 6 on one node end to end: `windlass server` with its
 * built-in agent in a network namespace of its own (test/fixtures/node-netns.ts, all networking
 * switches at their defaults), real busybox pods. A Deployment of 3 httpd pods (each serves its
 * own hostname) behind a ClusterIP and a NodePort Service: a pod reaches the Service by its DNS
 * name and more than one endpoint answers; the node reaches the ClusterIP and the NodePort (on
 * the bridge gateway address: upstream's nftables proxy skips loopback for NodePorts); unknown
 * names are NXDOMAIN; a default-deny NetworkPolicy blocks pod → pod and an allow policy re-admits
 * exactly the labelled client. Fails (never skips) when the fixture's tools are missing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './harness/index.ts';
import { kubectlHelpers, startNodeCluster, type NetnsKubectl, type NodeCluster } from './fixtures/node-netns.ts';

const NS = 'net';
let c: NodeCluster;
let k: NetnsKubectl;

const { kc, apply } = kubectlHelpers(() => k, NS);

/** inPod runs a shell command in a pod; returns exit code and output. */
async function inPod(pod: string, script: string): Promise<{ code: number | null; out: string }> {
  const r = await k.run(['exec', '-n', NS, pod, '--', 'sh', '-c', script], { timeoutMs: 90_000 });
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

/** fetchFrom fetches a URL from a pod with a 3 s bound (busybox wget -T is unreliable). */
async function fetchFrom(pod: string, url: string): Promise<{ ok: boolean; body: string }> {
  const r = await inPod(pod, `timeout 3 busybox wget -q -O - ${url}`);
  return { ok: r.code === 0, body: r.out };
}

const sleeper = (name: string, labels: Record<string, string>): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: c.image, command: ['sleep', '3600'] }] },
});

let clusterIp = '';
let nodePort = 0;
let gateway = '';
let webIps: string[] = [];

describe('node networking on one node (issue 6)', { timeout: 1_200_000 }, () => {
  before(async () => {
    const t0 = Date.now();
    c = await startNodeCluster();
    k = c.kubectl('1.33');
    await kc(['create', 'namespace', NS]);
    await waitFor(async () => (await k.run(['get', 'serviceaccount', '-n', NS, 'default'])).code === 0, { timeoutMs: 30_000, what: 'the default ServiceAccount' });
    await apply(
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
        spec: {
          replicas: 3, selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [{ name: 'httpd', image: c.image, command: ['sh', '-c', 'mkdir -p /w && hostname > /w/index.html && exec httpd -f -p 8080 -h /w'], ports: [{ name: 'http', containerPort: 8080 }] }],
            },
          },
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-np' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
      sleeper('client', { role: 'client' }),
      sleeper('other', { role: 'other' }),
    );
    await waitFor(async () => {
      const r = await k.run(['get', 'pods', '-n', NS, '-o', 'json'], { timeoutMs: 20_000 });
      if (r.code !== 0) return false;
      const pods = JSON.parse(r.stdout).items as any[];
      const ready = pods.filter((p) => (p.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True'));
      webIps = ready.filter((p) => p.metadata.labels?.app === 'web').map((p) => String(p.status.podIP));
      return webIps.length === 3 && ready.length === 5;
    }, { timeoutMs: 180_000, intervalMs: 1000, what: '3 web pods and 2 clients Ready' });
    clusterIp = (await kc(['get', 'svc', '-n', NS, 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    nodePort = Number(await kc(['get', 'svc', '-n', NS, 'web-np', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
    const podCidr = (await kc(['get', 'node', c.nodeName, '-o', 'jsonpath={.spec.podCIDR}'])).trim();
    gateway = podCidr.replace(/\.0\/\d+$/, '.1');
    await waitFor(async () => {
      const out = await kc(['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=web', '-o', 'json']);
      const eps = (JSON.parse(out).items as any[]).flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready);
      return eps.length === 3;
    }, { timeoutMs: 60_000, intervalMs: 1000, what: 'the web EndpointSlice to list 3 ready endpoints' });
    process.stderr.write(`[node-network e2e] ready in ${Date.now() - t0} ms (netns ${c.ns}, clusterIP ${clusterIp}, nodePort ${nodePort})\n`);
  });
  after(async () => {
    if (c) await c.teardown();
  });

  test('a pod reaches the Service by its DNS name, and more than one endpoint answers', async () => {
    const url = `http://web.${NS}.svc.cluster.local/`;
    const first = await waitFor(async () => { const r = await fetchFrom('client', url); return r.ok ? r : undefined; },
      { timeoutMs: 30_000, intervalMs: 1000, what: `${url} from a pod` }).catch(async (e: unknown) => {
      const ns = await inPod('client', `cat /etc/resolv.conf; nslookup web.${NS}.svc.cluster.local`);
      throw new Error(`${(e as Error).message}\n${ns.out}\n--- server ---\n${c.serverOutput().slice(-4000)}`);
    });
    assert.match(first.body, /^web-/);
    const r = await inPod('client', `for i in $(seq 20); do timeout 3 busybox wget -q -O - ${url}; done`);
    const names = new Set(r.out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('web-')));
    assert.ok(names.size > 1, `more than one endpoint over 20 requests: ${[...names].join(', ')} (${r.out.slice(0, 2000)})`);
    const resolv = await inPod('client', 'cat /etc/resolv.conf');
    assert.match(resolv.out, /nameserver 10\.43\.0\.10/, resolv.out);
    assert.match(resolv.out, new RegExp(`search ${NS}\\.svc\\.cluster\\.local`), resolv.out);
  });

  test('the node reaches the ClusterIP', () => {
    const r = c.exec('timeout', ['3', 'busybox', 'wget', '-q', '-O', '-', `http://${clusterIp}/`]);
    assert.equal(r.code, 0, `wget http://${clusterIp}/ from the node: ${r.stderr}`);
    assert.match(r.stdout, /^web-/);
  });

  test('a NodePort answers on the node', () => {
    const r = c.exec('timeout', ['3', 'busybox', 'wget', '-q', '-O', '-', `http://${gateway}:${nodePort}/`]);
    assert.equal(r.code, 0, `wget http://${gateway}:${nodePort}/ from the node: ${r.stderr}`);
    assert.match(r.stdout, /^web-/);
  });

  test('DNS: the Service name resolves to its ClusterIP and unknown names are NXDOMAIN', async () => {
    const ok = await inPod('client', `nslookup web.${NS}.svc.cluster.local`);
    assert.equal(ok.code, 0, ok.out);
    assert.ok(ok.out.includes(clusterIp), ok.out);
    const bad = await inPod('client', `nslookup nosuch.${NS}.svc.cluster.local`);
    assert.notEqual(bad.code, 0, bad.out);
    assert.match(bad.out, /NXDOMAIN/, bad.out);
  });

  test('NetworkPolicy: default-deny blocks pod → pod, an allow policy re-admits the labelled client only', async () => {
    const target = `http://${webIps[0]}:8080/`;
    assert.ok((await fetchFrom('client', target)).ok, 'open before any policy');
    assert.ok((await fetchFrom('other', target)).ok, 'open before any policy');
    await apply({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    await waitFor(async () => !(await fetchFrom('client', target)).ok, { timeoutMs: 30_000, intervalMs: 500, what: 'default-deny to block the client' });
    assert.equal((await fetchFrom('other', target)).ok, false, 'default-deny blocks the other pod too');
    await apply({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-client' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }] },
    });
    const got = await waitFor(async () => { const r = await fetchFrom('client', target); return r.ok ? r : undefined; },
      { timeoutMs: 30_000, intervalMs: 500, what: 'the allow policy to admit the client' });
    assert.match(got.body, /^web-/);
    assert.equal((await fetchFrom('other', target)).ok, false, 'the unlabelled pod stays blocked');
  });
});
