/**
 * @module cli/join.int.test — `windlass join` end to end against a fake API server over real TLS
 * (join-fake-server.ts): discovery with JWS and CA pin, TLS bootstrap with a bootstrap token, node
 * registration with the issued certificate, the kubeconfig written last; and every refusal case
 * of issue 3, each leaving the data dir empty. Also `windlass agent` with the written kubeconfig
 * and the CLI wiring (exit code 1, one line) through runCli.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { caCertHash, certificateSubject, isIssuedBy, readKubeconfigCredentials } from '../pki/index.ts';
import { startFakeCluster } from './join-fake-server.ts';
import type { FakeCluster } from './join-fake-server.ts';
import { runAgent, runJoin } from './join.ts';
import type { JoinDeps, JoinFlags } from './join.ts';
import { runCli } from './program.ts';

const ID = 'abcdef';
const SECRET = '0123456789abcdef';
let cluster: FakeCluster;
let dir: string;

before(async () => { cluster = await startFakeCluster(); });
after(async () => { await cluster.close(); });
beforeEach(async () => {
  cluster.tokens.clear();
  cluster.tokens.set(ID, { secret: SECRET, authentication: true, signing: true });
  cluster.nodes.clear();
  cluster.leases.clear();
  cluster.csrMode = 'approve';
  cluster.forbidNodes = false;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = await mkdtemp(join(tmpdir(), 'windlass-join-'));
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** flags returns join flags for the fake cluster with overrides. */
function flags(over: Partial<JoinFlags> = {}): JoinFlags {
  return {
    address: `127.0.0.1:${cluster.port}`, token: `${ID}.${SECRET}`, discoveryTokenCaCertHash: [caCertHash(cluster.caCert)],
    discoveryTokenUnsafeSkipCaVerification: false, nodeName: 'win-7', nodeLabel: ['tier=gold'], nodeTaint: ['os=windows:NoSchedule'],
    nodeIp: '10.0.0.9', dataDir: join(dir, 'agent'), csrTimeout: '2s', ...over,
  };
}

/** deps records logs and output. */
function deps(): JoinDeps & { lines: string[]; outs: string[] } {
  const lines: string[] = [];
  const outs: string[] = [];
  return {
    lines, outs, hostname: () => 'WIN-7', platform: process.platform, pollMs: 20, agentIntervals: { leaseMs: 30, statusMs: 50 },
    out: (t) => outs.push(t),
    log: { info: (m, f) => lines.push(`${m} ${JSON.stringify(f ?? {})}`), error: (m) => lines.push(`ERROR ${m}`) },
  };
}

/** joinRefused runs a join that must be refused with `re`, and checks nothing was written. */
async function joinRefused(f: JoinFlags, re: RegExp): Promise<void> {
  await assert.rejects(runJoin(f, new AbortController().signal, deps()), re);
  const entries = await readdir(dir);
  assert.deepEqual(entries, [], 'a refused join writes nothing');
}

void test('join: discovery, TLS bootstrap, registration, kubeconfig, heartbeats; then agent reuses the kubeconfig', async () => {
  const controller = new AbortController();
  const d = deps();
  const running = runJoin(flags(), controller.signal, d);
  const kc = join(dir, 'agent', 'kubelet.kubeconfig');
  for (let i = 0; i < 100 && cluster.leases.get('win-7') === undefined; i++) await sleep(20);
  for (let i = 0; i < 100 && d.outs.length === 0; i++) await sleep(20);
  assert.match(d.outs.join(''), /This node has joined the cluster as "win-7"/);
  const creds = readKubeconfigCredentials(await readFile(kc, 'utf8'));
  assert.equal(creds.server, cluster.url);
  assert.equal(creds.caCert, cluster.caCert);
  assert.equal(isIssuedBy(creds.clientCert!, cluster.caCert), true);
  assert.deepEqual(certificateSubject(creds.clientCert!), { commonName: 'system:node:win-7', organizations: ['system:nodes'] });
  if (process.platform !== 'win32') assert.equal((await stat(kc)).mode & 0o777, 0o600);
  const node = cluster.nodes.get('win-7')!;
  assert.equal(node.metadata.labels.tier, 'gold');
  assert.deepEqual(node.spec.taints, [{ key: 'os', value: 'windows', effect: 'NoSchedule' }]);
  assert.equal(node.status.addresses[0].address, '10.0.0.9');
  assert.equal(cluster.leases.get('win-7')!.spec.holderIdentity, 'win-7');
  const csr = [...cluster.csrs.values()][0];
  assert.equal(csr.spec.signerName, 'kubernetes.io/kube-apiserver-client-kubelet');
  assert.deepEqual(csr.spec.usages, ['digital signature', 'client auth']);
  controller.abort();
  await running;

  // the same machine joining again is refused before any network use
  await assert.rejects(runJoin(flags(), new AbortController().signal, deps()), /already exists: this machine has joined already/);

  // windlass agent with the written credentials: node name from the certificate
  const agentStop = new AbortController();
  const d2 = deps();
  const agent = runAgent({ dataDir: join(dir, 'agent'), nodeLabel: ['zone=b'], nodeTaint: [] }, agentStop.signal, d2);
  for (let i = 0; i < 100 && d2.outs.length === 0; i++) await sleep(20);
  assert.match(d2.outs.join(''), /running as node "win-7"/);
  assert.equal(cluster.nodes.get('win-7')!.metadata.labels.zone, 'b');
  agentStop.abort();
  await agent;
});

void test('join with --discovery-token-unsafe-skip-ca-verification warns and proceeds', async () => {
  const controller = new AbortController();
  const d = deps();
  const running = runJoin(flags({ discoveryTokenCaCertHash: [], discoveryTokenUnsafeSkipCaVerification: true }), controller.signal, d);
  for (let i = 0; i < 100 && d.outs.length === 0; i++) await sleep(20);
  controller.abort();
  await running;
  assert.ok(d.lines.some((l) => /^ERROR WARNING: --discovery-token-unsafe-skip-ca-verification/.test(l)));
  assert.ok(cluster.nodes.has('win-7'));
});

void test('refusal: wrong CA hash shows the actual hash', async () => {
  const wrong = `sha256:${'0'.repeat(64)}`;
  await joinRefused(flags({ discoveryTokenCaCertHash: [wrong] }), new RegExp(`its hash is ${caCertHash(cluster.caCert)}`));
});

void test('refusal: deleted or expired token (no JWS in cluster-info)', async () => {
  cluster.tokens.delete(ID);
  await joinRefused(flags(), /there is no JWS signed token in the cluster-info ConfigMap for token ID "abcdef"/);
});

void test('refusal: wrong token secret fails the JWS check', async () => {
  await joinRefused(flags({ token: `${ID}.ffffffffffffffff` }), /failed to verify JWS signature/);
});

void test('refusal: malformed token', async () => {
  await joinRefused(flags({ token: 'abc.def' }), /--token must have the form/);
});

void test('refusal: token without the authentication usage', async () => {
  cluster.tokens.set(ID, { secret: SECRET, authentication: false, signing: true });
  await joinRefused(flags(), /rejected the bootstrap token/);
});

void test('refusal: server unreachable', async () => {
  await joinRefused(flags({ address: '127.0.0.1:1' }), /cannot reach the API server at https:\/\/127\.0\.0\.1:1/);
});

void test('refusal: CSR denied', async () => {
  cluster.csrMode = 'deny';
  await joinRefused(flags(), /the CSR was denied: node name is not allowed/);
});

void test('refusal: CSR never signed times out', async () => {
  cluster.csrMode = 'never';
  await joinRefused(flags({ csrTimeout: '200ms' }), /timed out after 0.2s waiting for CSR node-csr-/);
});

void test('refusal: a certificate for another subject is not accepted', async () => {
  cluster.csrMode = 'wrong-subject';
  await joinRefused(flags(), /is not signed by the cluster CA for our key|is for "system:node:other"/);
});

void test('refusal: a Ready node of the same name exists', async () => {
  cluster.nodes.set('win-7', { metadata: { name: 'win-7' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  await joinRefused(flags(), /a Node with name "win-7" and status Ready already exists/);
});

void test('refusal: the name is held by another identity (403 on registration)', async () => {
  cluster.forbidNodes = true;
  await joinRefused(flags(), /not allowed to register node "win-7": node "win-7" is not allowed to modify node/);
});

void test('refusal: bad flags are one line with exit 1 through runCli, nothing written', async () => {
  const cases: [string[], RegExp][] = [
    [['--token', `${ID}.${SECRET}`], /--discovery-token-ca-cert-hash is required/],
    [['--token', `${ID}.${SECRET}`, '--discovery-token-ca-cert-hash', 'sha256:xyz'], /is not sha256:<64 hex digits>/],
    [['--token', `${ID}.${SECRET}`, '--discovery-token-unsafe-skip-ca-verification', '--node-label', 'node-role.kubernetes.io/control-plane='], /NodeRestriction/],
    [['--token', `${ID}.${SECRET}`, '--discovery-token-unsafe-skip-ca-verification', '--node-taint', 'x'], /is not key\[=value\]:/],
    [['--token', `${ID}.${SECRET}`, '--discovery-token-unsafe-skip-ca-verification', '--container-runtime-endpoint', 'containerd'], /is not a unix:/],
  ];
  for (const [extra, re] of cases) {
    const err: string[] = [];
    const code = await runCli(['join', `127.0.0.1:${cluster.port}`, '-d', join(dir, 'agent'), '--node-name', 'n1', ...extra], { io: { out: () => undefined, err: (t) => err.push(t) } });
    assert.equal(code, 1, extra.join(' '));
    assert.equal(err.length, 1);
    assert.match(err[0], re);
    assert.match(err[0], /^windlass: error: [^\n]*\n$/);
  }
  assert.deepEqual(await readdir(dir), []);
});
