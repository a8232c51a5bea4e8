/**
 * Integration: the built-in controllers against a real in-process API server (memory store, real
 * TLS): namespaces get their `default` ServiceAccount and `kube-root-ca.crt`, a bootstrap token
 * yields its JWS in cluster-info, an approved CSR gets a certificate that verifies against the CA.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHmac } from 'node:crypto';
import { createMemoryStore } from '../store/index.ts';
import { startApiServer, type ApiServer } from '../apiserver/index.ts';
import { createCertificateAuthority, createCertificateRequest, issueClientCertificate, issueServerCertificate } from '../pki/index.ts';
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES, RestClient } from '../client/index.ts';
import { startControllers, type RunningControllers } from './index.ts';

let server: ApiServer;
let client: RestClient;
let running: RunningControllers;
let ca: { cert: string; key: string };
const errors: string[] = [];

before(async () => {
  ca = await createCertificateAuthority();
  const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  server = await startApiServer({ store: createMemoryStore(), tls: { cert: serving.cert, key: serving.key, ca: ca.cert }, host: '127.0.0.1', port: 0 });
  const id = await issueClientCertificate(ca.cert, ca.key, { commonName: 'system:kube-controller-manager' });
  client = new RestClient({ server: server.url, ca: ca.cert, cert: id.cert, key: id.key });
  running = startControllers({
    client, caCert: ca.cert, caKey: ca.key, serverUrl: server.url, signal: new AbortController().signal,
    log: { info: () => undefined, error: (msg, f) => errors.push(`${msg} ${JSON.stringify(f)}`) },
  });
});

after(async () => {
  await running.stop();
  client.close();
  await server.close();
});

/** eventually polls `fn` until it returns a value (not undefined) or 10 s pass. */
async function eventually(what: string, fn: () => Promise<JsonObject | undefined>): Promise<JsonObject> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null) return v;
    } catch (e) {
      if (!isStatusError(e, 404)) throw e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; controller errors: ${errors.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a new namespace gets its default ServiceAccount and kube-root-ca.crt', async () => {
  await client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  const sa = await eventually('default SA', () => client.get(RESOURCES.serviceaccounts, 'team-a', 'default'));
  assert.equal(sa.metadata.name, 'default');
  const cm = await eventually('kube-root-ca.crt', () => client.get(RESOURCES.configmaps, 'team-a', 'kube-root-ca.crt'));
  assert.equal(cm.data['ca.crt'], ca.cert);
  // Deleting it brings it back.
  await client.delete(RESOURCES.configmaps, 'team-a', 'kube-root-ca.crt');
  const again = await eventually('kube-root-ca.crt again', () => client.get(RESOURCES.configmaps, 'team-a', 'kube-root-ca.crt'));
  assert.notEqual(again.metadata.uid, cm.metadata.uid);
});

test('a signing bootstrap token gets a jws-kubeconfig-<id> in cluster-info, removed when the token goes', async () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  await client.create(RESOURCES.secrets, 'kube-system', {
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
    data: { 'token-id': b64('abcdef'), 'token-secret': b64('0123456789abcdef'), 'usage-bootstrap-signing': b64('true'), 'usage-bootstrap-authentication': b64('true'), expiration: b64(new Date(Date.now() + 3600_000).toISOString()) },
  });
  const cm = await eventually('signature', async () => {
    const c = await client.get(RESOURCES.configmaps, 'kube-public', 'cluster-info');
    return c.data?.['jws-kubeconfig-abcdef'] ? c : undefined;
  });
  const kubeconfig: string = cm.data.kubeconfig;
  assert.match(kubeconfig, new RegExp(server.url.replace(/[.]/g, '\\.')));
  assert.ok(kubeconfig.includes(Buffer.from(ca.cert).toString('base64')));
  const [header, empty, sig] = String(cm.data['jws-kubeconfig-abcdef']).split('.');
  assert.equal(empty, '');
  assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString()), { alg: 'HS256', kid: 'abcdef' });
  const mac = createHmac('sha256', '0123456789abcdef').update(`${header}.${Buffer.from(kubeconfig).toString('base64url')}`).digest('base64url');
  assert.equal(sig, mac);
  await client.delete(RESOURCES.secrets, 'kube-system', 'bootstrap-token-abcdef');
  await eventually('signature removed', async () => {
    const c = await client.get(RESOURCES.configmaps, 'kube-public', 'cluster-info');
    return c.data?.['jws-kubeconfig-abcdef'] ? undefined : c;
  });
});

test('an approved kubelet client CSR gets a certificate signed by the CA', async () => {
  const { csrPem } = await createCertificateRequest({ commonName: 'system:node:n1', organizations: ['system:nodes'] });
  const created: JsonObject = await client.create(RESOURCES.certificatesigningrequests, '', {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'node-csr-n1' },
    spec: { request: Buffer.from(csrPem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], expirationSeconds: 3600 },
  });
  const approved = structuredClone(created);
  approved.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'approved by the test' }] };
  try {
    await client.updateSubresource(RESOURCES.certificatesigningrequests, '', 'approval', approved);
  } catch (e) {
    if (!isStatusError(e, 404)) throw e;
    await client.updateStatus(RESOURCES.certificatesigningrequests, '', approved); // server without the approval subresource yet
  }
  const signed = await eventually('certificate', async () => {
    const c = await client.get(RESOURCES.certificatesigningrequests, '', 'node-csr-n1');
    return c.status?.certificate ? c : undefined;
  });
  const cert = new X509Certificate(Buffer.from(signed.status.certificate, 'base64').toString('utf8'));
  assert.ok(cert.checkIssued(new X509Certificate(ca.cert)));
  assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
  assert.match(cert.subject, /CN=system:node:n1/);
  const lifetime = cert.validToDate.getTime() - Date.now();
  assert.ok(lifetime > 3500_000 && lifetime <= 3600_000, `lifetime ${lifetime}`);
});
