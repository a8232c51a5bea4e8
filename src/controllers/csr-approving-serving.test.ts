/**
 * Unit tests of the CSR approver for `kubernetes.io/kubelet-serving`: a node asking for its own
 * name and Node addresses is approved; every other request is left pending (never denied).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { isNodeServingRequest, newCsrApprover, SERVING_APPROVE_MESSAGE, servingSansMatchNode } from './csr-approving.ts';
import { csrObject, fixture, makeCsrPem, RESOURCES } from './testing.ts';

const SERVING = 'kubernetes.io/kubelet-serving';
const USAGES = ['digital signature', 'key encipherment', 'server auth'];
const node1 = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const pems: Record<string, string> = {};

before(async () => {
  pems.good = await makeCsrPem({ cn: 'system:node:n1', o: ['system:nodes'], dns: ['n1'], ip: ['10.0.0.5'] });
  pems.ipv6 = await makeCsrPem({ cn: 'system:node:n1', o: ['system:nodes'], ip: ['fd00:0:0:0:0:0:0:5'] });
  pems.foreignIp = await makeCsrPem({ cn: 'system:node:n1', o: ['system:nodes'], dns: ['n1'], ip: ['10.0.0.6'] });
  pems.foreignDns = await makeCsrPem({ cn: 'system:node:n1', o: ['system:nodes'], dns: ['n1', 'evil.example'] });
  pems.email = await makeCsrPem({ cn: 'system:node:n1', o: ['system:nodes'], dns: ['n1'], email: 'n1@example.com' });
  pems.noSans = await makeCsrPem({ cn: 'system:node:n1', o: ['system:nodes'] });
  pems.otherNode = await makeCsrPem({ cn: 'system:node:n2', o: ['system:nodes'], dns: ['n1'] });
  pems.extraOrg = await makeCsrPem({ cn: 'system:node:n1', o: ['system:nodes', 'system:masters'], dns: ['n1'] });
});

const nodeObject = (name: string): JsonObject => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name },
  status: { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'InternalIP', address: 'fd00::5' }, { type: 'Hostname', address: name }] },
});

const cases: { name: string; pem: string; spec?: JsonObject; node?: boolean; approved: boolean }[] = [
  { name: 'own name and addresses: approved', pem: 'good', approved: true },
  { name: 'IPv6 SAN in another spelling of a Node address: approved', pem: 'ipv6', approved: true },
  { name: 'usages without key encipherment: approved', pem: 'good', spec: { usages: ['digital signature', 'server auth'] }, approved: true },
  { name: 'an IP the Node does not have', pem: 'foreignIp', approved: false },
  { name: 'a DNS name the Node does not have', pem: 'foreignDns', approved: false },
  { name: 'an email SAN', pem: 'email', approved: false },
  { name: 'no SANs at all', pem: 'noSans', approved: false },
  { name: 'another node\'s CN', pem: 'otherNode', approved: false },
  { name: 'an extra organization', pem: 'extraOrg', approved: false },
  { name: 'client auth usage', pem: 'good', spec: { usages: [...USAGES, 'client auth'] }, approved: false },
  { name: 'no server auth usage', pem: 'good', spec: { usages: ['digital signature'] }, approved: false },
  { name: 'requested by another user', pem: 'good', spec: { username: 'bob', groups: ['system:nodes'] }, approved: false },
  { name: 'requestor not in system:nodes', pem: 'good', spec: { groups: ['system:authenticated'] }, approved: false },
  { name: 'the Node does not exist', pem: 'good', node: false, approved: false },
];

for (const c of cases) {
  test(`csr-approving (serving): ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newCsrApprover(f.ctx);
    f.seed(RESOURCES.certificatesigningrequests, csrObject('s', pems[c.pem], { signerName: SERVING, usages: USAGES, ...node1, ...c.spec }));
    if (c.node !== false) f.client.seed(RESOURCES.nodes, nodeObject('n1'));
    await ctrl.reconcile('s');
    const updates = f.client.actions.filter((a) => a.verb !== 'get');
    if (!c.approved) {
      assert.deepEqual(updates.map((a) => a.verb), [], 'left pending: nothing written');
      return;
    }
    assert.deepEqual(f.client.verbs(), ['get nodes n1', 'update certificatesigningrequests s/approval']);
    const cond = updates[0].object?.status.conditions.at(-1);
    assert.deepEqual({ type: cond.type, status: cond.status, reason: cond.reason, message: cond.message },
      { type: 'Approved', status: 'True', reason: 'AutoApproved', message: SERVING_APPROVE_MESSAGE });
  });
}

test('isNodeServingRequest and servingSansMatchNode', () => {
  const r = isNodeServingRequest(csrObject('s', pems.good, { signerName: SERVING, usages: USAGES, ...node1 }));
  assert.deepEqual(r, { ok: true, nodeName: 'n1', dnsNames: ['n1'], ipAddresses: ['10.0.0.5'] });
  assert.deepEqual(isNodeServingRequest(csrObject('s', pems.good, { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: USAGES, ...node1 })), { ok: false });
  assert.equal(servingSansMatchNode(nodeObject('n1'), ['N1'], ['10.0.0.5']), true);
  assert.equal(servingSansMatchNode(nodeObject('n1'), ['n1'], ['10.0.0.50']), false);
  assert.equal(servingSansMatchNode({ metadata: { name: 'n1' } }, ['n1'], []), false);
});
