/**
 * @module agent/certificates.int.test — certificate rotation against the in-process control plane
 * of `windlass server`: the real API server (memory store, authentication, RBAC bootstrap policy,
 * Node authorizer, NodeRestriction) and the in-process controllers (CSR approver and signer)
 * over TLS. A node registered with a short-lived client certificate (~15 minutes) obtains a
 * serving certificate for its addresses through `kubernetes.io/kubelet-serving`, and, driven by
 * a fake clock to its rotation point, a new client certificate through the `selfnodeclient` path,
 * which it writes to its kubeconfig and uses from then on (its heartbeats and its agent's API client).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  certificateSubject, coversHost, createCertificateAuthority, isIssuedBy, issueClientCertificate, issueServerCertificate, kubeconfigYaml,
  readKubeconfigCredentials, writePrivateFile,
} from '../pki/index.ts';
import { createMemoryStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { startApiServer } from '../apiserver/index.ts';
import type { ApiServer } from '../apiserver/index.ts';
import { FakeClock, RESOURCES, RestClient } from '../client/index.ts';
import { startControllers } from '../controllers/index.ts';
import type { RunningControllers } from '../controllers/index.ts';
import { requestJson } from './http.ts';
import type { HttpTarget } from './http.ts';
import { createNodeCertificates, servingCertificatePaths } from './node-certificates.ts';
import { registerNode } from './registration.ts';
import type { HostFacts } from './node-info.ts';

const host: HostFacts = { platform: 'linux', arch: 'x64', release: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', hostname: 'rot-1', cpus: 2, memoryBytes: 4 * 1024 ** 3, addresses: ['10.0.0.9'] };
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/rot-1';

let store: Store;
let server: ApiServer;
let controllerClient: RestClient;
let controllers: RunningControllers;
let ca: { cert: string; key: string };
let admin: HttpTarget;
let dir: string;
const controllerErrors: string[] = [];

before(async () => {
  ca = await createCertificateAuthority();
  const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  store = createMemoryStore();
  server = await startApiServer({ store, tls: { cert: serving.cert, key: serving.key, ca: ca.cert }, host: '127.0.0.1', port: 0 });
  const id = await issueClientCertificate(ca.cert, ca.key, { commonName: 'system:kube-controller-manager' });
  controllerClient = new RestClient({ server: server.url, ca: ca.cert, cert: id.cert, key: id.key });
  controllers = startControllers({
    client: controllerClient, caCert: ca.cert, caKey: ca.key, serverUrl: server.url, signal: new AbortController().signal,
    log: { info: () => undefined, error: (m, f) => controllerErrors.push(`${m} ${JSON.stringify(f)}`) },
  });
  const adminPair = await issueClientCertificate(ca.cert, ca.key, { commonName: 'kubernetes-admin', organizations: ['system:masters'] });
  admin = { server: server.url, caCert: ca.cert, clientCert: adminPair.cert, clientKey: adminPair.key };
  dir = await mkdtemp(join(tmpdir(), 'windlass-rotation-'));
});

after(async () => {
  await controllers.stop();
  controllerClient.close();
  await server.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** drive waits until `check` yields a value, stepping the fake clock by `stepMs` per round (real time passes too). */
async function drive<T>(what: string, clock: FakeClock, stepMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await check();
    if (v !== undefined) return v;
    clock.step(stepMs);
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}; controller errors: ${controllerErrors.join('\n')}`);
}

/** csrsOf lists the CSRs of a signer requested by `user`. */
async function csrsOf(signer: string, user: string): Promise<any[]> {
  const list = await requestJson(admin, 'GET', CSRS);
  return (list.json?.items ?? []).filter((c: any) => c.spec.signerName === signer && c.spec.username === user);
}

void test('a node gets a serving certificate for its addresses and rotates its short-lived client certificate through the CSR controllers', async () => {
  const clock = new FakeClock(Date.now());
  const initial = await issueClientCertificate(ca.cert, ca.key, { commonName: 'system:node:rot-1', organizations: ['system:nodes'], days: 0.01 });
  const kubeconfigPath = join(dir, 'kubelet.kubeconfig');
  await writePrivateFile(kubeconfigPath, kubeconfigYaml({ server: server.url, caCert: ca.cert, clientCert: initial.cert, clientKey: initial.key, name: 'default' }));
  const stop = new AbortController();
  const logs: string[] = [];
  const log = (m: string, f?: Record<string, unknown>): void => { logs.push(`${m} ${JSON.stringify(f ?? {})}`); };
  const certs = createNodeCertificates({
    server: server.url, caCert: ca.cert, nodeName: 'rot-1', clientCertificate: initial, kubeconfigPath, dataDir: dir, signal: stop.signal,
    clock, random: () => 0.5, timing: { pollMs: 1000 }, log,
  });
  const used: string[] = [];
  const registered = await registerNode({
    server: server.url, caCert: ca.cert, clientCert: initial.cert, clientKey: initial.key, nodeName: 'rot-1', host, signal: stop.signal,
    credentials: () => { const c = certs.credentials(); used.push(c.cert); return c; },
    intervals: { leaseMs: 40, statusMs: 60 }, log,
  });
  assert.equal(registered.ok, true, registered.ok ? '' : registered.reason);
  if (!registered.ok) return;
  // The node agent's API client follows the rotation (runNodeAgent wires it the same way).
  const agentClient = new RestClient({ server: server.url, ca: ca.cert, cert: initial.cert, key: initial.key });
  const seen: string[] = [];
  certs.onClientRotated((pair) => { seen.push(pair.cert); agentClient.setCredentials(pair); });
  try {
    await certs.start(registered.node);

    // The serving certificate: requested at once, approved (SANs = the Node's addresses) and signed.
    const servingPair = await drive('the serving certificate', clock, 1000, () => certs.currentServingCertificate());
    const servingCert = new X509Certificate(servingPair.cert);
    assert.ok(isIssuedBy(servingPair.cert, ca.cert));
    assert.deepEqual(certificateSubject(servingPair.cert), { commonName: 'system:node:rot-1', organizations: ['system:nodes'] });
    assert.ok(coversHost(servingPair.cert, '10.0.0.9') && coversHost(servingPair.cert, 'rot-1'), servingCert.subjectAltName);
    assert.equal(servingCert.subjectAltName?.split(', ').sort().join(', '), 'DNS:rot-1, IP Address:10.0.0.9');
    assert.deepEqual(servingCert.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'extended key usage: server auth only');
    const paths = servingCertificatePaths(dir);
    assert.equal(await readFile(paths.cert, 'utf8'), servingPair.cert);
    assert.equal(await readFile(paths.key, 'utf8'), servingPair.key);
    if (process.platform !== 'win32') assert.equal((await stat(paths.key)).mode & 0o777, 0o600);
    const [servingCsr] = await csrsOf('kubernetes.io/kubelet-serving', 'system:node:rot-1');
    assert.equal(servingCsr.status.conditions.find((c: any) => c.type === 'Approved')?.reason, 'AutoApproved');

    // The client certificate: nothing before the rotation point (80 % of its lifetime with random 0.5), then a rotation.
    assert.equal(certs.client.current(), initial);
    const validity = new X509Certificate(initial.cert);
    const from = validity.validFromDate.getTime();
    const total = validity.validToDate.getTime() - from;
    const deadline = certs.client.nextRotation()!;
    assert.ok(deadline >= from + 0.7 * total && deadline <= from + 0.9 * total, 'rotation scheduled within [70 %, 90 %] of the lifetime');
    assert.equal((await csrsOf('kubernetes.io/kube-apiserver-client-kubelet', 'system:node:rot-1')).length, 0);
    clock.setTime(deadline);
    const rotated = await drive('the rotated client certificate', clock, 1000, () => (certs.client.current() !== initial ? certs.client.current() : undefined));
    assert.ok(isIssuedBy(rotated.cert, ca.cert), 'the new client certificate is signed by the cluster CA');
    assert.deepEqual(certificateSubject(rotated.cert), { commonName: 'system:node:rot-1', organizations: ['system:nodes'] });
    assert.ok(new X509Certificate(rotated.cert).validToDate > validity.validToDate);
    const [clientCsr] = await csrsOf('kubernetes.io/kube-apiserver-client-kubelet', 'system:node:rot-1');
    assert.ok(clientCsr, 'the renewal CSR was requested by the node itself (selfnodeclient)');
    assert.equal(clientCsr.status.conditions.find((c: any) => c.type === 'Approved')?.reason, 'AutoApproved');
    const sar = await requestJson(admin, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: { user: clientCsr.spec.username, groups: clientCsr.spec.groups, resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource: 'selfnodeclient' } },
    });
    assert.equal(sar.json?.status?.allowed, true, `the approver's selfnodeclient review allows the node: ${sar.text}`);
    assert.deepEqual(seen, [rotated.cert], 'the rotation was announced once, with the new pair');
    assert.equal(agentClient.config.cert, rotated.cert);
    assert.equal((await agentClient.get(RESOURCES.nodes, '', 'rot-1')).metadata.name, 'rot-1', 'the agent client works on the new certificate');
    const onDisk = readKubeconfigCredentials(await readFile(kubeconfigPath, 'utf8'));
    assert.deepEqual(onDisk, { server: server.url, caCert: ca.cert, clientCert: rotated.cert, clientKey: rotated.key });

    // The heartbeats use the new certificate from now on, and Lease renewals keep succeeding.
    const before = (await requestJson(admin, 'GET', LEASE)).json.spec.renewTime;
    const usedFrom = used.length;
    await drive('a Lease renewal with the new certificate', clock, 0, async () => {
      const l = await requestJson(admin, 'GET', LEASE);
      return l.json.spec.renewTime !== before && used.slice(usedFrom).includes(rotated.cert) ? true : undefined;
    });
    assert.ok(used.slice(usedFrom).every((c) => c === rotated.cert), 'no request after the rotation used the old certificate');
    assert.deepEqual(logs.filter((l) => /failed/.test(l)), []);
    const asNode: HttpTarget = { server: server.url, caCert: ca.cert, clientCert: onDisk.clientCert, clientKey: onDisk.clientKey };
    const who = await requestJson(asNode, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    assert.equal(who.json?.status?.userInfo?.username, 'system:node:rot-1', who.text);
  } finally {
    agentClient.close();
    stop.abort();
    await Promise.all([registered.stopped, certs.stopped]);
  }
});
