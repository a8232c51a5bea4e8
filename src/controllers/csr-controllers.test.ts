/** Unit tests (sample-controller style) of the CSR approving and signing controllers. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { notFound, type JsonObject } from '../api/index.ts';
import { statusErrorFrom } from '../client/index.ts';
import { APPROVE_MESSAGE, newCsrApprover } from './csr-approving.ts';
import { lifetimeSeconds, newCsrSigner } from './csr-signing.ts';
import { csrObject, fixture, makeCa, makeCsrPem, RESOURCES } from './testing.ts';

const KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
const CLIENT_USAGES = ['digital signature', 'client auth'];
let nodePem: string;
let otherNodePem: string;
let sanPem: string;
let servingPem: string;
let ca: { caCert: string; caKey: string };

before(async () => {
  nodePem = await makeCsrPem({ cn: 'system:node:n1', o: ['system:nodes'] });
  otherNodePem = await makeCsrPem({ cn: 'system:node:n2', o: ['system:nodes'] });
  sanPem = await makeCsrPem({ cn: 'system:node:n1', o: ['system:nodes'], dns: ['n1.example'] });
  servingPem = await makeCsrPem({ cn: 'system:node:n1', o: ['system:nodes'], dns: ['n1.example'], ip: ['10.0.0.5'] });
  ca = await makeCa();
});

const bootstrapper = { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] };
const node1 = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const approved = { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved' }] };

const approveCases: { name: string; csr: () => JsonObject; sar?: boolean | 'absent'; want: string[]; sub?: string }[] = [
  { name: 'bootstrapper asking for a node client cert: SAR nodeclient, then approval', csr: () => csrObject('c', nodePem, { signerName: KUBELET, usages: CLIENT_USAGES, ...bootstrapper }), sar: true,
    want: ['create subjectaccessreviews', 'update certificatesigningrequests c/approval'], sub: 'nodeclient' },
  { name: 'node renewing its own: SAR selfnodeclient', csr: () => csrObject('c', nodePem, { signerName: KUBELET, usages: [...CLIENT_USAGES, 'key encipherment'], ...node1 }), sar: true,
    want: ['create subjectaccessreviews', 'update certificatesigningrequests c/approval'], sub: 'selfnodeclient' },
  { name: 'SAR denies: no approval', csr: () => csrObject('c', nodePem, { signerName: KUBELET, usages: CLIENT_USAGES, ...bootstrapper }), sar: false, want: ['create subjectaccessreviews'] },
  { name: 'no SAR endpoint: identity checks decide', csr: () => csrObject('c', nodePem, { signerName: KUBELET, usages: CLIENT_USAGES, ...bootstrapper }), sar: 'absent',
    want: ['create subjectaccessreviews', 'update certificatesigningrequests c/approval'] },
  { name: 'node asking for another node\'s cert is left alone', csr: () => csrObject('c', otherNodePem, { signerName: KUBELET, usages: CLIENT_USAGES, ...node1 }), sar: true, want: [] },
  { name: 'an ordinary user is left alone', csr: () => csrObject('c', nodePem, { signerName: KUBELET, usages: CLIENT_USAGES, username: 'bob', groups: ['devs'] }), sar: true, want: [] },
  { name: 'wrong usages', csr: () => csrObject('c', nodePem, { signerName: KUBELET, usages: ['digital signature', 'server auth'], ...bootstrapper }), sar: true, want: [] },
  { name: 'SANs are not allowed', csr: () => csrObject('c', sanPem, { signerName: KUBELET, usages: CLIENT_USAGES, ...bootstrapper }), sar: true, want: [] },
  { name: 'other signer', csr: () => csrObject('c', nodePem, { signerName: 'kubernetes.io/kube-apiserver-client', usages: CLIENT_USAGES, ...bootstrapper }), sar: true, want: [] },
  { name: 'already approved', csr: () => csrObject('c', nodePem, { signerName: KUBELET, usages: CLIENT_USAGES, ...bootstrapper }, approved), sar: true, want: [] },
];
for (const c of approveCases) {
  test(`csr-approving: ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newCsrApprover(f.ctx);
    f.seed(RESOURCES.certificatesigningrequests, c.csr());
    f.client.react((a) => {
      if (a.resource !== 'subjectaccessreviews') return undefined;
      if (c.sar === 'absent') throw notFound('subjectaccessreviews', 'authorization.k8s.io', '');
      return { ...a.object, status: { allowed: c.sar } };
    });
    await ctrl.reconcile('c');
    assert.deepEqual(f.client.verbs(), c.want);
    if (c.sub) assert.equal(f.client.actions[0].object?.spec.resourceAttributes.subresource, c.sub);
    const upd = f.client.actions.find((a) => a.verb === 'update');
    if (upd) {
      const cond = upd.object?.status.conditions.at(-1);
      assert.deepEqual({ type: cond.type, status: cond.status, reason: cond.reason, message: cond.message }, { type: 'Approved', status: 'True', reason: 'AutoApproved', message: APPROVE_MESSAGE });
    }
  });
}

test('csr-approving: a server without the approval subresource gets the condition through status', async () => {
  const f = fixture();
  const ctrl = newCsrApprover(f.ctx);
  f.seed(RESOURCES.certificatesigningrequests, csrObject('c', nodePem, { signerName: KUBELET, usages: CLIENT_USAGES, ...bootstrapper }));
  f.client.react((a) => {
    if (a.resource === 'subjectaccessreviews') return { status: { allowed: true } };
    if (a.subresource === 'approval') throw statusErrorFrom(404, '404 page not found');
    return undefined;
  });
  await ctrl.reconcile('c');
  assert.deepEqual(f.client.verbs(), ['create subjectaccessreviews', 'update certificatesigningrequests c/approval', 'update certificatesigningrequests c/status']);
});

test('csr-approving: the CSR itself gone (404 naming it) ends quietly', async () => {
  const f = fixture();
  const ctrl = newCsrApprover(f.ctx);
  f.seed(RESOURCES.certificatesigningrequests, csrObject('c', nodePem, { signerName: KUBELET, usages: CLIENT_USAGES, ...bootstrapper }));
  f.client.react((a) => {
    if (a.resource === 'subjectaccessreviews') return { status: { allowed: true } };
    throw notFound('certificatesigningrequests', 'certificates.k8s.io', 'c');
  });
  await ctrl.reconcile('c');
  assert.deepEqual(f.client.verbs(), ['create subjectaccessreviews', 'update certificatesigningrequests c/approval']);
});

test('lifetimeSeconds: default one year, at least 600 s, at most one year', () => {
  assert.equal(lifetimeSeconds(undefined), 365 * 86400);
  assert.equal(lifetimeSeconds(60), 600);
  assert.equal(lifetimeSeconds(7200), 7200);
  assert.equal(lifetimeSeconds(10 * 365 * 86400), 365 * 86400);
});

test('csr-signing: signs an approved kubelet client CSR with the CA, honouring expirationSeconds', async () => {
  const f = fixture();
  const ctrl = newCsrSigner(f.ctx, ca);
  f.clock.setTime(Date.now());
  f.seed(RESOURCES.certificatesigningrequests, csrObject('c', nodePem, { signerName: KUBELET, usages: CLIENT_USAGES, expirationSeconds: 3600 }, approved));
  await ctrl.reconcile('c');
  assert.deepEqual(f.client.verbs(), ['update certificatesigningrequests c/status']);
  const cert = new X509Certificate(Buffer.from(f.client.actions[0].object?.status.certificate, 'base64').toString());
  assert.ok(cert.checkIssued(new X509Certificate(ca.caCert)) && cert.verify(new X509Certificate(ca.caCert).publicKey));
  assert.ok(Math.abs(cert.validToDate.getTime() - (f.clock.now() + 3600_000)) < 1000, cert.validTo);
  assert.ok(Math.abs(cert.validFromDate.getTime() - (f.clock.now() - 300_000)) < 1000, cert.validFrom);
  assert.match(cert.subject, /CN=system:node:n1/);
  assert.equal(cert.subjectAltName, undefined);
  assert.equal(cert.keyUsage?.includes('1.3.6.1.5.5.7.3.2'), true);
});

test('csr-signing: kubelet-serving keeps DNS and IP SANs and grants server auth', async () => {
  const f = fixture();
  const ctrl = newCsrSigner(f.ctx, ca);
  f.seed(RESOURCES.certificatesigningrequests, csrObject('s', servingPem, { signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'key encipherment', 'server auth'] }, approved));
  await ctrl.reconcile('s');
  const cert = new X509Certificate(Buffer.from(f.client.actions[0].object?.status.certificate, 'base64').toString());
  assert.equal(cert.subjectAltName, 'DNS:n1.example, IP Address:10.0.0.5');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
});

const failCases: { name: string; pem: () => string; signer: string; usages: string[] }[] = [
  { name: 'client kubelet cert with SANs', pem: () => sanPem, signer: KUBELET, usages: CLIENT_USAGES },
  { name: 'serving cert without SANs', pem: () => nodePem, signer: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] },
  { name: 'serving usage for a client signer', pem: () => nodePem, signer: 'kubernetes.io/kube-apiserver-client', usages: ['server auth'] },
  { name: 'garbage request', pem: () => 'not a csr', signer: KUBELET, usages: CLIENT_USAGES },
];
for (const c of failCases) {
  test(`csr-signing: marks Failed: ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newCsrSigner(f.ctx, ca);
    f.seed(RESOURCES.certificatesigningrequests, csrObject('x', c.pem(), { signerName: c.signer, usages: c.usages }, approved));
    await ctrl.reconcile('x');
    assert.deepEqual(f.client.verbs(), ['update certificatesigningrequests x/status']);
    const conds = f.client.actions[0].object?.status.conditions as JsonObject[];
    assert.equal(conds.at(-1)?.type, 'Failed');
    assert.equal(conds.at(-1)?.reason, 'SignerValidationFailure');
    assert.equal(f.client.actions[0].object?.status.certificate, undefined);
  });
}

const skipCases: { name: string; status?: JsonObject; signer: string }[] = [
  { name: 'not approved', signer: KUBELET },
  { name: 'denied', status: { conditions: [...approved.conditions, { type: 'Denied', status: 'True' }] }, signer: KUBELET },
  { name: 'already signed', status: { ...approved, certificate: 'Zm9v' }, signer: KUBELET },
  { name: 'foreign signer', status: approved, signer: 'example.com/custom' },
];
for (const c of skipCases) {
  test(`csr-signing: does nothing when ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newCsrSigner(f.ctx, ca);
    f.seed(RESOURCES.certificatesigningrequests, csrObject('x', nodePem, { signerName: c.signer, usages: CLIENT_USAGES }, c.status));
    await ctrl.reconcile('x');
    assert.deepEqual(f.client.verbs(), []);
  });
}

test('csr-signing: a vanished CSR (404 on write) is success', async () => {
  const f = fixture();
  const ctrl = newCsrSigner(f.ctx, ca);
  f.seed(RESOURCES.certificatesigningrequests, csrObject('x', nodePem, { signerName: KUBELET, usages: CLIENT_USAGES }, approved));
  f.client.react(() => { throw notFound('certificatesigningrequests', 'certificates.k8s.io', 'x'); });
  await ctrl.reconcile('x');
  assert.deepEqual(f.client.verbs(), ['update certificatesigningrequests x/status']);
});
