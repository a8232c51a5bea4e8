/**
 * Integration: NetworkPolicy enforced by nftables in network namespaces this test creates — a
 * "node" namespace with a Linux bridge (br_netfilter on) and three "pod" namespaces joined to it by
 * veth pairs, busybox httpd as servers, busybox wget as clients — driven end to end: a real API
 * server holds the pods and policies, `startNetworkPolicy` watches it and programs the node
 * namespace with `ip netns exec <node> nft -f -`. Checks: default deny blocks, an allow rule admits
 * exactly the selected peer and port, egress rules hold, replies of allowed connections pass, and
 * deleting the policies removes the table. Everything made is removed at the end, even on failure.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createMemoryStore } from '../../store/index.ts';
import { startApiServer, type ApiServer } from '../../apiserver/index.ts';
import { makeTestPki } from '../../apiserver/test-support.ts';
import type { JsonObject } from '../../api/index.ts';
import { RESOURCES, RestClient } from '../../client/index.ts';
import { NETWORK_POLICIES, startNetworkPolicy, type NetworkPolicyEnforcer } from './enforcer.ts';
import { nftRunner } from './nft.ts';

const usable = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/bin/busybox') && ['/usr/sbin/nft', '/sbin/nft'].some(existsSync);
const id = randomBytes(3).toString('hex');
const NODE = `wlpol-${id}-node`;
const PODS = [1, 2, 3].map((i) => `wlpol-${id}-p${i}`);
const IP = ['10.99.0.11', '10.99.0.12', '10.99.0.13'];
const created: string[] = [];
const servers: ChildProcess[] = [];
let dir = '';
let server: ApiServer | undefined;
let client: RestClient | undefined;
let enforcer: NetworkPolicyEnforcer | undefined;
const stopper = new AbortController();

function sh(...args: string[]): void { execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] }); }

function cleanup(): void {
  for (const s of servers) if (s.pid && s.exitCode === null) { try { process.kill(s.pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const ns of created.splice(0).reverse()) { try { sh('netns', 'del', ns); } catch { /* gone */ } }
  if (dir) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);

/** fetch runs busybox wget in pod namespace `from` (or the node); resolves the body, or undefined when the connection fails or times out. */
function fetch(from: string, url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', from, 'timeout', '1.5', '/bin/busybox', 'wget', '-q', '-O-', url], { timeout: 5000 }, (err, stdout) => resolve(err ? undefined : stdout.trim()));
  });
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** change applies an API change and waits until the enforcer has programmed a new ruleset. */
async function change(fn: () => Promise<unknown>): Promise<void> {
  const e = enforcer as NetworkPolicyEnforcer;
  const before = e.applied;
  await fn();
  await eventually('a new ruleset', () => e.applied > before);
  await e.sync();
}

const pod = (ns: string, name: string, labels: Record<string, string>, ports: JsonObject[] = []): JsonObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, labels },
  spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'busybox', ports }] },
});
const policy = (ns: string, name: string, spec: JsonObject): JsonObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec });

before(async () => {
  if (!usable) return;
  dir = mkdtempSync(join(tmpdir(), 'wlpol-'));
  for (const ns of [NODE, ...PODS]) { sh('netns', 'add', ns); created.push(ns); sh('-n', ns, 'link', 'set', 'lo', 'up'); }
  sh('-n', NODE, 'link', 'add', 'br0', 'type', 'bridge');
  sh('-n', NODE, 'addr', 'add', '10.99.0.1/24', 'dev', 'br0');
  sh('-n', NODE, 'link', 'set', 'br0', 'up');
  execFileSync('ip', ['netns', 'exec', NODE, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1', 'net.ipv4.ip_forward=1']);
  PODS.forEach((p, i) => {
    sh('-n', NODE, 'link', 'add', `vh${i + 1}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p);
    sh('-n', NODE, 'link', 'set', `vh${i + 1}`, 'master', 'br0', 'up');
    sh('-n', p, 'addr', 'add', `${IP[i]}/24`, 'dev', 'eth0');
    sh('-n', p, 'link', 'set', 'eth0', 'up');
    sh('-n', p, 'route', 'add', 'default', 'via', '10.99.0.1');
  });
  const serve = (ns: string, port: number, body: string): void => {
    const root = join(dir, `${ns}-${port}`);
    rmSync(root, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', root]);
    writeFileSync(join(root, 'index.html'), body);
    servers.push(spawn('ip', ['netns', 'exec', ns, '/bin/busybox', 'httpd', '-f', '-p', String(port), '-h', root], { stdio: 'ignore' }));
  };
  serve(PODS[0], 8080, 'web-8080');
  serve(PODS[0], 9090, 'web-9090');
  serve(PODS[2], 80, 'other-80');
  await eventually('servers up', async () => (await fetch(NODE, `http://${IP[0]}:8080/`)) === 'web-8080' && (await fetch(NODE, `http://${IP[0]}:9090/`)) === 'web-9090' && (await fetch(NODE, `http://${IP[2]}/`)) === 'other-80');

  const pki = makeTestPki();
  server = await startApiServer({ store: createMemoryStore(), tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, host: '127.0.0.1', port: 0 });
  client = new RestClient({ server: server.url, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
  for (const [name, team] of [['prod', 'prod'], ['other', 'other']]) await client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { team } } });
  const pods: [string, string, Record<string, string>, JsonObject[], string][] = [
    ['prod', 'web', { app: 'web' }, [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }], IP[0]],
    ['prod', 'client', { app: 'client' }, [], IP[1]],
    ['other', 'client', { app: 'client' }, [{ name: 'http', containerPort: 80 }], IP[2]],
  ];
  for (const [ns, name, labels, ports, ip] of pods) {
    await client.create(RESOURCES.pods, ns, pod(ns, name, labels, ports));
    await client.patch(RESOURCES.pods, ns, name, 'merge', { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } }, { subresource: 'status' });
  }
  enforcer = await startNetworkPolicy({ client, nodeName: 'node-a', nft: nftRunner({ netns: NODE }), signal: stopper.signal, removeOnStop: true });
});

after(async () => {
  stopper.abort();
  try {
    await enforcer?.close();
    client?.close();
    await server?.close();
  } finally {
    cleanup();
  }
});

const [P1, P2, P3] = PODS;
const web = (port: number): string => `http://${IP[0]}:${port}/`;

test('network policy in network namespaces: deny, allow, egress, replies, removal', { skip: !usable, timeout: 120_000 }, async () => {
  const c = client as RestClient;
  const tables = (): string => execFileSync('ip', ['netns', 'exec', NODE, 'nft', 'list', 'tables'], { encoding: 'utf8' });
  // No policy: everything flows and no table exists.
  assert.equal(await fetch(P2, web(8080)), 'web-8080');
  assert.equal(await fetch(P3, web(8080)), 'web-8080');
  assert.doesNotMatch(tables(), /windlass-policy/);

  // Default deny ingress in prod: both clients are blocked, the node still reaches its pod.
  await change(() => c.create(NETWORK_POLICIES, 'prod', policy('prod', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })));
  assert.match(tables(), /table inet windlass-policy/);
  assert.equal(await fetch(P2, web(8080)), undefined, 'same-namespace client blocked');
  assert.equal(await fetch(P3, web(8080)), undefined, 'other-namespace client blocked');
  assert.equal(await fetch(NODE, web(8080)), 'web-8080', 'the node reaches its pods (probes)');
  assert.equal(await fetch(P1, `http://${IP[2]}/`), 'other-80', 'egress is not isolated; the reply passes');

  // Allow app=client of prod to the named port http (8080) only.
  await change(() => c.create(NETWORK_POLICIES, 'prod', policy('prod', 'allow-client', {
    podSelector: { matchLabels: { app: 'web' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 'http' }] }],
  })));
  assert.equal(await fetch(P2, web(8080)), 'web-8080', 'the selected peer on the selected port');
  assert.equal(await fetch(P2, web(9090)), undefined, 'another port of the same pod');
  assert.equal(await fetch(P3, web(8080)), undefined, 'a pod with the same labels in another namespace');

  // podSelector AND namespaceSelector: app=client in team=other, port 9090 only.
  await change(() => c.create(NETWORK_POLICIES, 'prod', policy('prod', 'allow-other', {
    podSelector: { matchLabels: { app: 'web' } },
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'other' } }, podSelector: { matchLabels: { app: 'client' } } }], ports: [{ protocol: 'TCP', port: 9000, endPort: 9100 }] }],
  })));
  assert.equal(await fetch(P3, web(9090)), 'web-9090');
  assert.equal(await fetch(P3, web(8080)), undefined);

  // Egress: web may send nothing — yet replies to admitted connections still flow.
  await change(() => c.create(NETWORK_POLICIES, 'prod', policy('prod', 'web-no-egress', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [] })));
  assert.equal(await fetch(P1, `http://${IP[2]}/`), undefined, 'web cannot open connections');
  assert.equal(await fetch(P2, web(8080)), 'web-8080', 'replies of allowed connections pass');

  // Egress for the client: DNS and web:http only (named port resolved on the destination pod).
  await change(() => c.create(NETWORK_POLICIES, 'prod', policy('prod', 'client-egress', {
    podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'],
    egress: [{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }, { to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }] }],
  })));
  assert.equal(await fetch(P2, web(8080)), 'web-8080');
  assert.equal(await fetch(P2, `http://${IP[2]}/`), undefined, 'client egress to an unlisted destination');

  // Deleting every policy removes the table: traffic flows again.
  for (const name of ['deny', 'allow-client', 'allow-other', 'web-no-egress']) await c.delete(NETWORK_POLICIES, 'prod', name);
  await change(() => c.delete(NETWORK_POLICIES, 'prod', 'client-egress'));
  await eventually('table removed', () => !/windlass-policy/.test(tables()));
  assert.equal(await fetch(P3, web(8080)), 'web-8080');
  assert.equal(await fetch(P2, `http://${IP[2]}/`), 'other-80');
});
