/**
 * @module test/join.e2e.test — kubeadm-style join end to end on one machine with real TLS (issue 3,
 * acceptance 1 and 2). A real `windlass server`; `windlass token create --print-join-command`; the
 * printed command run verbatim (plus `--data-dir <temp> --node-name …`) as a background process
 * joins a node that becomes Ready with a Lease, holding a client certificate of the cluster CA
 * (`CN=system:node:<name>`, `O=system:nodes`) obtained through an approved, issued CSR. The
 * bootstrap token alone cannot read Secrets but can create CSRs. Every refusal of the issue is its
 * own test: non-zero exit, a one-line message with the key words, no issued credential written and
 * no Node created. The CSR-denied case runs on its own server, where the test removes the bindings
 * that let the auto-approver approve bootstrap CSRs (upstream's approver asks a SubjectAccessReview
 * for `certificatesigningrequests/nodeclient`), so that the test's Deny cannot race an approval.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createApiClient, parseJoinCommand, readKubeconfig, runWindlass, sleep, startServer, startWindlass, tokenCredentials, waitFor,
  type ApiClient, type BackgroundCli, type CliResult, type ServerProcess,
} from './harness/index.ts';
import { caCertHash, createCertificateRequest, parseCertificateRequest } from '../src/pki/index.ts';

const TOKEN_RE = /\b([a-z0-9]{6})\.([a-z0-9]{16})\b/;
const JOIN_READY_MS = 90_000;
const REFUSAL_MS = 120_000;
const NODE_CLIENT_ROLE = 'system:certificates.k8s.io:certificatesigningrequests:nodeclient';

const tempDirs: string[] = [];
const joins: BackgroundCli[] = [];

/** tempDir makes a join data dir that after() removes. */
async function tempDir(tag: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), `windlass-join-${tag}-`));
  tempDirs.push(d);
  return d;
}

/** cleanup stops every join process and removes every temp dir (runs in after(), even on failure). */
async function cleanup(): Promise<void> {
  await Promise.all(joins.splice(0).map((j) => j.stop()));
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** ok asserts a CLI run exited 0. */
function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, r.describe());
  return r;
}

/** JoinCommand is what `token create --print-join-command` printed, parsed. */
interface JoinCommand {
  readonly args: string[];
  readonly token: string;
  readonly tokenId: string;
  readonly printed: string;
}

/** createJoinCommand runs `windlass token create --print-join-command [...extra]` against the server's data dir. */
async function createJoinCommand(server: ServerProcess, extra: readonly string[] = []): Promise<JoinCommand> {
  const r = ok(await runWindlass(['token', 'create', '--print-join-command', '--data-dir', server.dataDir, ...extra]));
  const args = parseJoinCommand(r.stdout);
  const at = args.indexOf('--token');
  assert.ok(at > 0 && TOKEN_RE.test(args[at + 1] ?? ''), `the join command has no --token ID.SECRET\n${r.describe()}`);
  assert.ok(args.some((a) => a.startsWith('sha256:')) || args.some((a) => a.startsWith('--discovery-token-ca-cert-hash=sha256:')),
    `the join command has no --discovery-token-ca-cert-hash sha256:…\n${r.describe()}`);
  const token = args[at + 1];
  return { args, token, tokenId: token.split('.')[0], printed: r.stdout };
}

/** withoutOption removes `--name value` / `--name=value` from an argument list. */
function withoutOption(args: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) { i++; continue; }
    if (args[i].startsWith(`${name}=`)) continue;
    out.push(args[i]);
  }
  return out;
}

/** replaceOption sets `--name value` in an argument list (replacing an existing one). */
function replaceOption(args: readonly string[], name: string, value: string): string[] {
  return [...withoutOption(args, name), name, value];
}

/** nodeCertificatesUnder lists files under `dir` that hold a certificate for a `system:node:` subject (an issued node credential). */
async function nodeCertificatesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  const entries = await readdir(dir, { recursive: true });
  for (const rel of entries) {
    const p = join(dir, rel);
    const st = await stat(p).catch(() => undefined);
    if (!st?.isFile() || st.size > 1_000_000) continue;
    const text = await readFile(p, 'utf8').catch(() => '');
    const pems = [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => m[0]);
    for (const b64 of [...text.matchAll(/client-certificate-data:\s*(\S+)/g)].map((m) => m[1])) {
      pems.push(Buffer.from(b64, 'base64').toString('utf8'));
    }
    for (const pem of pems) {
      try {
        if (/CN=system:node:/.test(new X509Certificate(pem).subject)) found.push(rel);
      } catch { /* not a certificate */ }
    }
  }
  return found;
}

/** subjectOf splits an X509Certificate subject (`O=…\nCN=…`) into CN and O values. */
function subjectOf(cert: X509Certificate): { cn: string[]; o: string[] } {
  const lines = cert.subject.split('\n');
  return {
    cn: lines.filter((l) => l.startsWith('CN=')).map((l) => l.slice(3)),
    o: lines.filter((l) => l.startsWith('O=')).map((l) => l.slice(2)),
  };
}

/** readyCondition returns the Node's Ready condition status, or undefined. */
function readyStatus(node: any): string | undefined {
  return (node?.status?.conditions ?? []).find((c: any) => c?.type === 'Ready')?.status;
}

/** csrsOf lists the CSRs submitted by a bootstrap token. */
async function csrsOf(admin: ApiClient, tokenId: string): Promise<any[]> {
  const r = await admin.get('/apis/certificates.k8s.io/v1/certificatesigningrequests');
  assert.equal(r.status, 200, `list CSRs: ${r.text().slice(0, 500)}`);
  return (r.json<{ items: any[] }>().items ?? []).filter((c) => c?.spec?.username === `system:bootstrap:${tokenId}`);
}

/** conditionTypes lists the condition types of a CSR with status True. */
function conditionTypes(csr: any): string[] {
  return (csr?.status?.conditions ?? []).filter((c: any) => c?.status === 'True' || c?.status === undefined).map((c: any) => c.type as string);
}

/** closedPort returns a loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** assertOneLineMessage checks that the output carries one short line matching every pattern and no stack trace. */
function assertOneLineMessage(r: CliResult, patterns: readonly RegExp[]): void {
  const lines = `${r.stderr}\n${r.stdout}`.split(/\r?\n/).filter((l) => l.trim() !== '');
  const hit = lines.find((l) => patterns.every((p) => p.test(l)));
  assert.ok(hit, `no single output line matches all of ${patterns.join(' ')}\n${r.describe()}`);
  assert.ok(hit.length <= 400, `the message line is ${hit.length} characters long\n${r.describe()}`);
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace was printed\n${r.describe()}`);
}

/** RefusalCheck describes what a refused join must show. */
interface RefusalCheck {
  readonly server: ServerProcess;
  readonly admin: ApiClient;
  readonly nodeName: string;
  readonly patterns: readonly RegExp[];
  /** allowUsageError: a commander usage error (exit 2) is an acceptable refusal (malformed input). */
  readonly allowUsageError?: boolean;
  /** nodeMayExist: the Node exists already (name held) — then its uid must not change. */
  readonly existingNodeUid?: string;
}

/** expectRefusal runs `windlass join …args --data-dir <temp> --node-name <name>` and asserts a clean refusal. */
async function expectRefusal(args: readonly string[], check: RefusalCheck): Promise<CliResult> {
  const dir = await tempDir(check.nodeName);
  const r = await runWindlass([...args, '--data-dir', dir, '--node-name', check.nodeName], { timeoutMs: REFUSAL_MS });
  assert.ok(!r.timedOut, `join did not give up within ${REFUSAL_MS} ms\n${r.describe()}`);
  assert.ok(r.code !== null && r.code !== 0, `join must exit non-zero\n${r.describe()}`);
  if (!check.allowUsageError) assert.doesNotMatch(r.stderr, /unknown option|unknown command|too many arguments|missing required argument/i, `a flag the test relies on is missing\n${r.describe()}`);
  assertOneLineMessage(r, check.patterns);
  assert.ok(!existsSync(join(dir, 'kubelet.kubeconfig')), `kubelet.kubeconfig was written although join failed\n${r.describe()}`);
  const leftovers = await nodeCertificatesUnder(dir);
  assert.deepEqual(leftovers, [], `a node client certificate was left in the data dir: ${leftovers.join(', ')}\n${r.describe()}`);
  const node = await check.admin.get(`/api/v1/nodes/${check.nodeName}`);
  if (check.existingNodeUid === undefined) {
    assert.equal(node.status, 404, `Node ${check.nodeName} exists after a refused join: ${node.text().slice(0, 300)}`);
  } else {
    assert.equal(node.status, 200, node.text().slice(0, 300));
    assert.equal(node.json().metadata.uid, check.existingNodeUid, `Node ${check.nodeName} was replaced by the refused join`);
  }
  return r;
}

/** startJoin runs join args in the background with its own data dir; stopped in after(). */
function startJoin(args: readonly string[], dir: string, nodeName: string): BackgroundCli {
  const j = startWindlass([...args, '--data-dir', dir, '--node-name', nodeName]);
  joins.push(j);
  return j;
}

const EXITED = Symbol('join exited');

/** untilJoinExits wraps a poll function so that it stops polling once the join process has ended. */
function untilJoinExits<T>(j: BackgroundCli, fn: () => Promise<T | undefined>): () => Promise<T | typeof EXITED | undefined> {
  return async () => (j.child.exitCode !== null || j.child.signalCode !== null ? EXITED : fn());
}

/** unlessExited waits for a poll made with untilJoinExits; it fails at once if the join process ended first, and adds the join's output to a timeout. */
async function unlessExited<T>(j: BackgroundCli, p: Promise<T | typeof EXITED>, what: string): Promise<T> {
  let v: T | typeof EXITED;
  try {
    v = await p;
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- the join process so far ---\n${j.describe()}`);
  }
  if (v !== EXITED) return v;
  const code = await j.exited;
  throw new Error(`join exited (code ${code}) while waiting for ${what}\n${j.describe()}`);
}

/** waitForJoinedNode waits until Node `name` is Ready=True and its Lease exists; it fails at once when the join process exits. */
async function waitForJoinedNode(admin: ApiClient, j: BackgroundCli, name: string): Promise<any> {
  const what = `Node ${name} Ready=True with a Lease`;
  return unlessExited(j, waitFor(untilJoinExits(j, async () => {
    const n = await admin.get(`/api/v1/nodes/${name}`);
    if (n.status !== 200) throw new Error(`GET node ${name}: ${n.status}`);
    const node = n.json();
    if (readyStatus(node) !== 'True') throw new Error(`Node ${name} Ready=${readyStatus(node)}`);
    const l = await admin.get(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`);
    if (l.status !== 200) throw new Error(`Lease kube-node-lease/${name}: ${l.status}`);
    return node;
  }), { timeoutMs: JOIN_READY_MS, intervalMs: 250, what }), what);
}

void describe('windlass join (one server)', { timeout: 900_000 }, () => {
  let server: ServerProcess;
  let admin: ApiClient;
  let caPem: string;
  let joinedUid: string | undefined;

  before(async () => {
    server = await startServer();
    admin = createApiClient(server.credentials);
    caPem = await readFile(join(server.dataDir, 'tls', 'ca.crt'), 'utf8');
  });
  after(async () => {
    await cleanup();
    admin?.close();
    const out = server?.output() ?? '';
    const stopped = await server?.stop();
    if (stopped && stopped.code !== 0 && process.env.WINDLASS_TEST_LOG !== '1') console.error(`server exit ${JSON.stringify(stopped)}\n${out.slice(-4000)}`);
  });

  void test('the printed join command, run verbatim, joins a Ready node with a CA-signed node certificate', async () => {
    const cmd = await createJoinCommand(server);
    const hashAt = cmd.args.indexOf('--discovery-token-ca-cert-hash');
    if (hashAt > 0) assert.equal(cmd.args[hashAt + 1], caCertHash(caPem), 'the printed CA hash is not the pin of <data-dir>/tls/ca.crt');
    assert.match(cmd.args[1] ?? '', new RegExp(`:${server.port}$`), `the join command names the server's address\n${cmd.printed}`);
    const dir = await tempDir('joined-1');
    const j = startJoin(cmd.args, dir, 'joined-1');
    const node = await waitForJoinedNode(admin, j, 'joined-1');
    joinedUid = node.metadata.uid;

    const kubeconfigPath = join(dir, 'kubelet.kubeconfig');
    await waitFor(() => existsSync(kubeconfigPath), { timeoutMs: 10_000, what: kubeconfigPath });
    const creds = readKubeconfig(kubeconfigPath);
    assert.ok(creds.cert && creds.key, `kubelet.kubeconfig has no client certificate and key`);
    const cert = new X509Certificate(creds.cert);
    const ca = new X509Certificate(caPem);
    assert.ok(cert.checkIssued(ca), `the node certificate's issuer (${cert.issuer}) is not the cluster CA (${ca.subject})`);
    assert.ok(cert.verify(ca.publicKey), 'the node certificate is not signed by the cluster CA key');
    assert.deepEqual(subjectOf(cert), { cn: ['system:node:joined-1'], o: ['system:nodes'] });
    const asNode = createApiClient(creds);
    try {
      const self = await asNode.get('/api/v1/nodes/joined-1');
      assert.equal(self.status, 200, `the issued credentials cannot read their own Node: ${self.text().slice(0, 300)}`);
    } finally {
      asNode.close();
    }

    const csrs = await csrsOf(admin, cmd.tokenId);
    const csr = csrs.find((c) => parseCertificateRequest(Buffer.from(c.spec.request, 'base64').toString('utf8')).commonName === 'system:node:joined-1');
    assert.ok(csr, `no CSR for system:node:joined-1 submitted by system:bootstrap:${cmd.tokenId} (saw ${csrs.length})`);
    assert.equal(csr.spec.signerName, 'kubernetes.io/kube-apiserver-client-kubelet');
    assert.ok(conditionTypes(csr).includes('Approved'), `CSR ${csr.metadata.name} is not Approved: ${JSON.stringify(csr.status)}`);
    assert.ok(!conditionTypes(csr).includes('Denied'), `CSR ${csr.metadata.name} is Denied`);
    assert.ok(typeof csr.status?.certificate === 'string' && csr.status.certificate.length > 0, `CSR ${csr.metadata.name} has no certificate`);
    const issued = new X509Certificate(Buffer.from(csr.status.certificate, 'base64').toString('utf8'));
    assert.equal(issued.publicKey.export({ format: 'der', type: 'spki' }).toString('hex'), cert.publicKey.export({ format: 'der', type: 'spki' }).toString('hex'),
      'the certificate in kubelet.kubeconfig is not for the key of the CSR');
  });

  void test('the bootstrap token alone cannot read Secrets but can create CSRs', async () => {
    const cmd = await createJoinCommand(server);
    const asToken = createApiClient(tokenCredentials(server, cmd.token));
    try {
      const who = await asToken.post('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      assert.equal(who.status, 201, who.text().slice(0, 300));
      const info = who.json().status.userInfo;
      assert.equal(info?.username, `system:bootstrap:${cmd.tokenId}`, who.text().slice(0, 500));
      assert.ok(info.groups.includes('system:bootstrappers'), JSON.stringify(info));
      for (const path of ['/api/v1/namespaces/kube-system/secrets', `/api/v1/namespaces/kube-system/secrets/bootstrap-token-${cmd.tokenId}`, '/api/v1/secrets']) {
        const r = await asToken.get(path);
        assert.equal(r.status, 403, `GET ${path} as the bootstrap token: ${r.status} ${r.text().slice(0, 300)}`);
        assert.equal(r.json().reason, 'Forbidden');
      }
      const { csrPem } = await createCertificateRequest({ commonName: 'system:node:token-probe', organizations: ['system:nodes'] });
      const created = await asToken.post('/apis/certificates.k8s.io/v1/certificatesigningrequests', {
        apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest',
        metadata: { generateName: 'token-probe-' },
        spec: {
          request: Buffer.from(csrPem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
          usages: ['digital signature', 'client auth'],
        },
      });
      assert.equal(created.status, 201, `create a CSR as the bootstrap token: ${created.text().slice(0, 500)}`);
      assert.equal(created.json().spec.username, `system:bootstrap:${cmd.tokenId}`, 'the server must record the requester in spec.username (and spec.groups)');
      assert.ok(created.json().spec.groups?.includes('system:bootstrappers'), `spec.groups: ${JSON.stringify(created.json().spec.groups)}`);
    } finally {
      asToken.close();
    }
  });

  void test('--discovery-token-unsafe-skip-ca-verification joins and prints a warning', async () => {
    const cmd = await createJoinCommand(server);
    const args = [...withoutOption(cmd.args, '--discovery-token-ca-cert-hash'), '--discovery-token-unsafe-skip-ca-verification'];
    const dir = await tempDir('joined-2');
    const j = startJoin(args, dir, 'joined-2');
    await waitForJoinedNode(admin, j, 'joined-2');
    await waitFor(() => existsSync(join(dir, 'kubelet.kubeconfig')), { timeoutMs: 10_000, what: 'kubelet.kubeconfig of joined-2' });
    const out = `${j.stderr()}\n${j.stdout()}`;
    assert.ok(out.split('\n').some((l) => /warn/i.test(l) && /(unsafe|skip|not (been )?verif|unverified|without verif)/i.test(l)),
      `no warning about skipping CA verification\n${j.describe()}`);
  });

  void test('refused: wrong CA hash', async () => {
    const cmd = await createJoinCommand(server);
    const args = replaceOption(cmd.args, '--discovery-token-ca-cert-hash', `sha256:${randomBytes(32).toString('hex')}`);
    await expectRefusal(args, { server, admin, nodeName: 'refuse-hash', patterns: [/(hash|pin|public key)/i] });
  });

  void test('refused: expired token', async () => {
    const cmd = await createJoinCommand(server, ['--ttl', '1s']);
    await sleep(2500);
    // The token cleaner may have deleted the Secret (then the JWS is gone too): either message will do.
    await expectRefusal(cmd.args, { server, admin, nodeName: 'refuse-expired', patterns: [/(expired|invalid|not found|unknown|no .*(jws|signature)|unauthori[sz]ed|401|rejected)/i] });
  });

  void test('refused: deleted token (token list shows it before, not after)', async () => {
    const cmd = await createJoinCommand(server);
    const before = ok(await runWindlass(['token', 'list', '--data-dir', server.dataDir]));
    assert.match(before.stdout, new RegExp(`\\b${cmd.tokenId}\\b`), before.describe());
    ok(await runWindlass(['token', 'delete', cmd.tokenId, '--data-dir', server.dataDir]));
    const afterList = ok(await runWindlass(['token', 'list', '--data-dir', server.dataDir]));
    assert.doesNotMatch(afterList.stdout, new RegExp(`\\b${cmd.tokenId}\\b`), afterList.describe());
    const secret = await admin.get(`/api/v1/namespaces/kube-system/secrets/bootstrap-token-${cmd.tokenId}`);
    assert.equal(secret.status, 404, 'the token Secret still exists after token delete');
    await expectRefusal(cmd.args, { server, admin, nodeName: 'refuse-deleted', patterns: [/(token|jws|signature|unauthori[sz]ed|401)/i, /(invalid|not found|unknown|expired|deleted|no |unauthori[sz]ed|401|rejected)/i] });
  });

  void test('refused: malformed token', async () => {
    const cmd = await createJoinCommand(server);
    const args = replaceOption(cmd.args, '--token', 'abc.def');
    await expectRefusal(args, { server, admin, nodeName: 'refuse-malformed', allowUsageError: true, patterns: [/token/i, /(format|malformed|invalid|must (match|be)|\[a-z0-9\])/i] });
  });

  void test('refused: token without the authentication usage', async () => {
    // Groups need the authentication usage (as in kubeadm), so the token has none.
    const cmd = await createJoinCommand(server, ['--usages', 'signing', '--groups', '']);
    await expectRefusal(cmd.args, { server, admin, nodeName: 'refuse-usage', patterns: [/(unauthori[sz]ed|401|authenticat|rejected|usage)/i] });
  });

  void test('refused: server unreachable', async () => {
    const port = await closedPort();
    const help = await runWindlass(['join', '--help']);
    const fast = /--discovery-timeout\b/.test(help.stdout) ? ['--discovery-timeout', '5s'] : [];
    const args = ['join', `127.0.0.1:${port}`, '--token', 'abcdef.0123456789abcdef', '--discovery-token-ca-cert-hash', caCertHash(caPem), ...fast];
    await expectRefusal(args, { server, admin, nodeName: 'refuse-unreachable', patterns: [/(connect|reach|refused|ECONNREFUSED|unavailable)/i] });
  });

  void test('refused: a second join with a node name held by another identity', async () => {
    assert.ok(joinedUid, 'depends on the first test: Node joined-1 was not joined');
    const cmd = await createJoinCommand(server);
    await expectRefusal(cmd.args, { server, admin, nodeName: 'joined-1', existingNodeUid: joinedUid, patterns: [/joined-1/, /(already|exists|in use|held|registered|taken)/i] });
  });
});

void describe('windlass join: CSR denied (own server; the nodeclient bindings are removed so the approver, which asks a SubjectAccessReview, leaves the CSR alone)', { timeout: 300_000 }, () => {
  let server: ServerProcess;
  let admin: ApiClient;

  before(async () => {
    server = await startServer();
    admin = createApiClient(server.credentials);
  });
  after(async () => {
    await cleanup();
    admin?.close();
    await server?.stop();
  });

  void test('refused: CSR denied', async () => {
    // Without a binding to the nodeclient ClusterRole no requester may have its node-client CSR auto-approved.
    const bindings = await waitFor(async () => {
      const r = await admin.get('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings');
      if (r.status !== 200) throw new Error(`list clusterrolebindings: ${r.status}`);
      const items = r.json<{ items: any[] }>().items.filter((b) => b?.roleRef?.name === NODE_CLIENT_ROLE);
      return items.length > 0 ? items : undefined;
    }, { timeoutMs: 20_000, what: `a ClusterRoleBinding to ${NODE_CLIENT_ROLE} (bootstrap policy)` });
    /** bootstrapperMayAutoApprove asks a SubjectAccessReview what the approver asks for a bootstrap requester. */
    const bootstrapperMayAutoApprove = async (): Promise<boolean> => {
      const r = await admin.post('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: {
          user: 'system:bootstrap:probe0', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
          resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource: 'nodeclient', verb: 'create' },
        },
      });
      assert.equal(r.status, 201, `SubjectAccessReview: ${r.text().slice(0, 300)}`);
      return r.json().status?.allowed === true;
    };
    assert.ok(await bootstrapperMayAutoApprove(), 'before the change, bootstrappers should be allowed nodeclient (bootstrap policy)');
    for (const b of bindings) {
      const d = await admin.delete(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${b.metadata.name}`);
      assert.ok(d.status === 200 || d.status === 202, `delete ${b.metadata.name}: ${d.status}`);
    }
    await waitFor(async () => !(await bootstrapperMayAutoApprove()), { timeoutMs: 20_000, intervalMs: 100, what: 'the authorizer to drop the nodeclient permission of bootstrappers' });
    const cmd = await createJoinCommand(server);
    const help = await runWindlass(['join', '--help']);
    const csrTimeout = /--csr-timeout\b/.test(help.stdout) ? ['--csr-timeout', '5m'] : [];
    const dir = await tempDir('denied-1');
    const j = startJoin([...cmd.args, ...csrTimeout], dir, 'denied-1');
    const csr = await unlessExited(j, waitFor(untilJoinExits(j, async () => (await csrsOf(admin, cmd.tokenId))[0]),
      { timeoutMs: 60_000, intervalMs: 100, what: `the CSR of system:bootstrap:${cmd.tokenId}` }), 'its CSR');
    assert.ok(!conditionTypes(csr).includes('Approved'),
      `CSR ${csr.metadata.name} was auto-approved although no binding grants ${NODE_CLIENT_ROLE}: the approver must check the requester with a SubjectAccessReview (or the server needs a way to disable it)`);
    csr.status = { ...csr.status, conditions: [{ type: 'Denied', status: 'True', reason: 'WindlassJoinTest', message: 'denied by the join test' }] };
    const denied = await admin.put(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${csr.metadata.name}/approval`, csr);
    assert.equal(denied.status, 200, `deny CSR: ${denied.text().slice(0, 500)}`);
    const r = await j.result(REFUSAL_MS);
    assert.ok(!r.timedOut, `join did not give up after its CSR was denied\n${r.describe()}`);
    assert.ok(r.code !== null && r.code !== 0, `join must exit non-zero\n${r.describe()}`);
    assertOneLineMessage(r, [/denied/i]);
    assert.ok(!existsSync(join(dir, 'kubelet.kubeconfig')), `kubelet.kubeconfig was written although the CSR was denied\n${r.describe()}`);
    assert.deepEqual(await nodeCertificatesUnder(dir), []);
    const node = await admin.get('/api/v1/nodes/denied-1');
    assert.equal(node.status, 404, 'Node denied-1 exists after a denied CSR');
  });
});
