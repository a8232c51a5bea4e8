/**
 * @module cli/join-real.int.test — `windlass join` against the real API server (memory store, real
 * authentication, RBAC bootstrap policy and admission) over TLS. The test plays the controllers
 * that `windlass server` runs (bootstrap signer: the cluster-info JWS; CSR approver and signer) so
 * the credentials flow is checked end to end: `token create --print-join-command`, the printed
 * command run verbatim (plus a temp data dir), a Node registered with a CA-signed certificate,
 * the bootstrap token unable to read Secrets, and token refusals the server enforces.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import {
  certificateSubject, createCertificateAuthority, generateServiceAccountKeys, isIssuedBy, issueClientCertificate, issueServerCertificate,
  kubeconfigYaml, readKubeconfigCredentials, signCertificateRequest, signDetachedJws, writePrivateFile,
} from '../pki/index.ts';
import { createMemoryStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { startApiServer } from '../apiserver/index.ts';
import type { ApiServer } from '../apiserver/index.ts';
import { requestJson } from '../agent/index.ts';
import type { HttpTarget } from '../agent/index.ts';
import { buildProgram, runCli } from './program.ts';
import { runJoin } from './join.ts';
import type { JoinFlags } from './join.ts';

let store: Store;
let server: ApiServer;
let dir: string;
let ca: { cert: string; key: string };
let admin: HttpTarget;
const stopControllers = new AbortController();
let controllers: Promise<void>;

/** fakeControllers keeps cluster-info signed for every signing token and approves + signs node-client CSRs, until aborted. */
async function fakeControllers(signal: AbortSignal): Promise<void> {
  const url = `https://127.0.0.1:${server.port}`;
  const kubeconfig = stringify({
    apiVersion: 'v1', kind: 'Config', preferences: {}, users: null, contexts: null, 'current-context': '',
    clusters: [{ name: '', cluster: { 'certificate-authority-data': Buffer.from(ca.cert).toString('base64'), server: url } }],
  });
  const cm = '/api/v1/namespaces/kube-public/configmaps';
  while (!signal.aborted) {
    const secrets = await requestJson(admin, 'GET', '/api/v1/namespaces/kube-system/secrets');
    const data: Record<string, string> = { kubeconfig };
    for (const s of secrets.json?.items ?? []) {
      const v = (k: string): string | undefined => (s.data?.[k] ? Buffer.from(s.data[k], 'base64').toString() : undefined);
      if (s.type === 'bootstrap.kubernetes.io/token' && v('usage-bootstrap-signing') === 'true') data[`jws-kubeconfig-${v('token-id')}`] = signDetachedJws(kubeconfig, v('token-id')!, v('token-secret')!);
    }
    const got = await requestJson(admin, 'GET', `${cm}/cluster-info`);
    if (got.status === 404) await requestJson(admin, 'POST', cm, { metadata: { name: 'cluster-info' }, data });
    else await requestJson(admin, 'PUT', `${cm}/cluster-info`, { ...got.json, data });

    const csrs = await requestJson(admin, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests');
    for (const csr of csrs.json?.items ?? []) {
      if (csr.status?.certificate || csr.spec.signerName !== 'kubernetes.io/kube-apiserver-client-kubelet') continue;
      const base = `/apis/certificates.k8s.io/v1/certificatesigningrequests/${csr.metadata.name}`;
      if (!(csr.status?.conditions ?? []).some((c: any) => c.type === 'Approved')) {
        csr.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'test approver', lastUpdateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] };
        const approved = await requestJson(admin, 'PUT', `${base}/approval`, csr);
        // until the approval subresource is served, the conditions go in with the status update below
        if (approved.status === 200) Object.assign(csr, approved.json);
      }
      const cert = await signCertificateRequest(ca.cert, ca.key, Buffer.from(csr.spec.request, 'base64').toString(), { usages: csr.spec.usages, days: 1 });
      await requestJson(admin, 'PUT', `${base}/status`, { ...csr, status: { ...csr.status, certificate: Buffer.from(cert).toString('base64') } });
    }
    try {
      await sleep(30, undefined, { signal });
    } catch {
      return;
    }
  }
}

before(async () => {
  ca = await createCertificateAuthority();
  const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  const adminPair = await issueClientCertificate(ca.cert, ca.key, { commonName: 'kubernetes-admin', organizations: ['system:masters'] });
  store = createMemoryStore();
  server = await startApiServer({
    store, tls: { cert: serving.cert, key: serving.key, ca: ca.cert }, host: '127.0.0.1', port: 0,
    serviceAccountKeys: generateServiceAccountKeys(),
  });
  admin = { server: `https://127.0.0.1:${server.port}`, caCert: ca.cert, clientCert: adminPair.cert, clientKey: adminPair.key };
  dir = await mkdtemp(join(tmpdir(), 'windlass-join-real-'));
  await writePrivateFile(join(dir, 'server', 'admin.kubeconfig'), kubeconfigYaml({ server: admin.server, caCert: ca.cert, clientCert: adminPair.cert, clientKey: adminPair.key }));
  controllers = fakeControllers(stopControllers.signal);
});
after(async () => {
  stopControllers.abort();
  await controllers;
  await server.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** createToken runs `windlass token create` with extra args and returns stdout. */
async function createToken(...args: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await runCli(['token', 'create', '-d', join(dir, 'server'), ...args], { io: { out: (t) => { out += t; }, err: (t) => { err += t; } } });
  assert.equal(code, 0, err);
  return out.trim();
}

/** waitForJws waits until the (test) bootstrap signer has signed cluster-info for the token in `command`. */
async function waitForJws(command: string): Promise<void> {
  const id = command.split(' ')[4].slice(0, 6);
  for (let i = 0; i < 200; i++) {
    const cm = await requestJson(admin, 'GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info');
    if (typeof cm.json?.data?.[`jws-kubeconfig-${id}`] === 'string') return;
    await sleep(20);
  }
  throw new Error('cluster-info was not signed');
}

/** joinVerbatim parses a printed join command (plus extra args) with the real program and runs runJoin. */
async function joinVerbatim(command: string, extra: string[], signal: AbortSignal, outs: string[]): Promise<void> {
  let parsed: JoinFlags | undefined;
  await buildProgram({ actions: { join: async (f) => { parsed = f; } }, io: { out: () => undefined, err: () => undefined } })
    .parseAsync([...command.split(' ').slice(1), ...extra], { from: 'user' });
  await runJoin({ ...parsed!, csrTimeout: '10s' }, signal, {
    hostname: () => 'unused', platform: process.platform, pollMs: 30, agentIntervals: { leaseMs: 50, statusMs: 80 },
    out: (t) => outs.push(t), log: { info: () => undefined, error: () => undefined },
  });
}

void test('the printed join command joins a node with a CA-signed certificate; the token cannot read Secrets', async () => {
  const command = await createToken('--print-join-command', '--description', 'e2e');
  assert.match(command, /^windlass join 127\.0\.0\.1:\d+ --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}$/);
  const token = command.split(' ')[4];
  const asToken: HttpTarget = { server: admin.server, caCert: ca.cert, bearerToken: token };
  const secrets = await requestJson(asToken, 'GET', '/api/v1/namespaces/kube-system/secrets');
  assert.equal(secrets.status, 403, secrets.text);

  await waitForJws(command);
  const stop = new AbortController();
  const outs: string[] = [];
  const running = joinVerbatim(command, ['-d', join(dir, 'node1'), '--node-name', 'node-1', '--node-label', 'tier=gold'], stop.signal, outs);
  let failure: unknown;
  running.catch((e: unknown) => { failure = e; });
  for (let i = 0; i < 200 && outs.length === 0 && failure === undefined; i++) await sleep(25);
  assert.equal(failure, undefined);
  assert.match(outs.join(''), /joined the cluster as "node-1"/);
  const node = await requestJson(admin, 'GET', '/api/v1/nodes/node-1');
  assert.equal(node.status, 200);
  assert.equal(node.json.metadata.labels.tier, 'gold');
  assert.equal(node.json.status.conditions.find((c: any) => c.type === 'Ready')?.status, 'True');
  const creds = readKubeconfigCredentials(await readFile(join(dir, 'node1', 'kubelet.kubeconfig'), 'utf8'));
  assert.equal(isIssuedBy(creds.clientCert!, ca.cert), true);
  assert.deepEqual(certificateSubject(creds.clientCert!), { commonName: 'system:node:node-1', organizations: ['system:nodes'] });
  for (let i = 0; i < 100; i++) {
    if ((await requestJson(admin, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1')).status === 200) break;
    await sleep(25);
  }
  assert.equal((await requestJson(admin, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1')).status, 200);
  stop.abort();
  await running;
});

void test('refusals the server enforces: expired token, token without authentication usage', async () => {
  const cases: [string[], RegExp][] = [
    [['--ttl', '1ms'], /rejected the bootstrap token/],
    [['--usages', 'signing', '--groups', ''], /rejected the bootstrap token/],
  ];
  for (const [args, re] of cases) {
    const command = await createToken('--print-join-command', ...args);
    await waitForJws(command);
    await sleep(50);
    const d = join(dir, `refused-${args[1]}`);
    await assert.rejects(joinVerbatim(command, ['-d', d, '--node-name', 'node-x'], new AbortController().signal, []), re, args.join(' '));
    await assert.rejects(readdir(d), /ENOENT/);
  }
});
