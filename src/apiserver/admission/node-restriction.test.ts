import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { forbiddenNodeLabel, nodeNameOfUser, nodeRestriction } from './node-restriction.ts';
import { attrs, fakeContext, KINDS, pod, rejection } from './testing.ts';
import type { AdmissionUser } from './types.ts';

const A: AdmissionUser = { username: 'system:node:a', groups: ['system:nodes', 'system:authenticated'] };
const node = (name: string, labels: Record<string, string> = {}, taints?: JsonObject[]): JsonObject => ({ metadata: { name, labels }, spec: taints ? { taints } : {} });
const bound = (name: string, nodeName: string): JsonObject => pod(name, { nodeName });
const mirror = (nodeName: string): JsonObject => ({ ...pod('m', { nodeName }), metadata: { name: 'm', namespace: 'ns', annotations: { 'kubernetes.io/config.mirror': 'h' } } });
const lease = (name: string): JsonObject => ({ metadata: { name, namespace: 'kube-node-lease' } });

void test('NodeRestriction confines a kubelet to its own node, lease, pods and CSRs', async () => {
  const p = nodeRestriction({ commonNameOf: (pem) => /CN=(\S+)/.exec(pem)?.[1] });
  const csr = (cn: string, signer = 'kubernetes.io/kube-apiserver-client-kubelet'): JsonObject => ({ metadata: { name: 'csr-1' }, spec: { signerName: signer, request: Buffer.from(`CN=${cn}`).toString('base64') } });
  const cases = [
    { name: 'own node create', a: attrs('CREATE', KINDS.nodes, node('a', { 'kubernetes.io/hostname': 'a', 'node.kubernetes.io/exclude': 'x', 'example.com/x': 'y' })), want: '' },
    { name: 'other node', a: attrs('UPDATE', KINDS.nodes, node('b'), { oldObject: node('b') }), want: '403 nodes "b" is forbidden: node "a" is not allowed to modify node "b"' },
    { name: 'role label on create', a: attrs('CREATE', KINDS.nodes, node('a', { 'node-role.kubernetes.io/control-plane': '', 'node-restriction.kubernetes.io/x': '1' })), want: '403 nodes "a" is forbidden: node "a" is not allowed to set the following labels: node-restriction.kubernetes.io/x, node-role.kubernetes.io/control-plane' },
    { name: 'role label on update', a: attrs('UPDATE', KINDS.nodes, node('a', { 'node-role.kubernetes.io/worker': '' }), { oldObject: node('a') }), want: '403 nodes "a" is forbidden: node "a" is not allowed to modify labels: node-role.kubernetes.io/worker' },
    { name: 'allowed label update', a: attrs('UPDATE', KINDS.nodes, node('a', { 'topology.kubernetes.io/zone': 'z', 'kubelet.kubernetes.io/x': '1' }), { oldObject: node('a') }), want: '' },
    { name: 'taints', a: attrs('UPDATE', KINDS.nodes, node('a', {}, []), { oldObject: node('a', {}, [{ key: 'k', effect: 'NoSchedule' }]) }), want: '403 nodes "a" is forbidden: node "a" is not allowed to modify taints' },
    { name: 'delete itself', a: attrs('DELETE', KINDS.nodes, undefined, { name: 'a', oldObject: node('a') }), want: '' },
    { name: 'delete other', a: attrs('DELETE', KINDS.nodes, undefined, { name: 'b', oldObject: node('b') }), want: '403 nodes "b" is forbidden: node "a" is not allowed to modify node "b"' },
    { name: 'mirror pod', a: attrs('CREATE', KINDS.pods, mirror('a')), want: '' },
    { name: 'plain pod', a: attrs('CREATE', KINDS.pods, bound('p', 'a')), want: '403 pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "a" can only create mirror pods' },
    { name: 'mirror pod elsewhere', a: attrs('CREATE', KINDS.pods, mirror('b')), want: '403 pods "m" is forbidden: node "a" can only create pods with spec.nodeName set to itself' },
    { name: 'own pod status', a: attrs('UPDATE', KINDS.pods, bound('p', 'a'), { subresource: 'status', oldObject: bound('p', 'a') }), want: '' },
    { name: 'other pod status', a: attrs('UPDATE', KINDS.pods, bound('p', 'b'), { subresource: 'status', oldObject: bound('p', 'b') }), want: '403 pods "p" is forbidden: node "a" can only update pod status for pods with spec.nodeName set to itself' },
    { name: 'pod spec update', a: attrs('UPDATE', KINDS.pods, bound('p', 'a'), { oldObject: bound('p', 'a') }), want: '403 pods "p" is forbidden: unexpected operation UPDATE, node "a" can only create and delete mirror pods' },
    { name: 'delete own pod', a: attrs('DELETE', KINDS.pods, undefined, { name: 'p', oldObject: bound('p', 'a') }), want: '' },
    { name: 'delete other pod', a: attrs('DELETE', KINDS.pods, undefined, { name: 'p', oldObject: bound('p', 'b') }), want: '403 pods "p" is forbidden: node "a" can only delete pods with spec.nodeName set to itself' },
    { name: 'evict own pod', a: attrs('CREATE', KINDS.pods, undefined, { name: 'p', subresource: 'eviction', oldObject: bound('p', 'a') }), want: '' },
    { name: 'evict other pod', a: attrs('CREATE', KINDS.pods, undefined, { name: 'p', subresource: 'eviction', oldObject: bound('p', 'b') }), want: '403 pods "p" is forbidden: node "a" can only evict pods with spec.nodeName set to itself' },
    { name: 'own lease', a: attrs('UPDATE', KINDS.leases, lease('a'), { namespace: 'kube-node-lease', oldObject: lease('a') }), want: '' },
    { name: 'other lease', a: attrs('UPDATE', KINDS.leases, lease('b'), { namespace: 'kube-node-lease', oldObject: lease('b') }), want: '403 leases.coordination.k8s.io "b" is forbidden: can only access node lease with the same name as the requesting node' },
    { name: 'lease elsewhere', a: attrs('CREATE', KINDS.leases, { metadata: { name: 'a' } }, { namespace: 'default' }), want: '403 leases.coordination.k8s.io "a" is forbidden: can only access node lease in the "kube-node-lease" namespace' },
    { name: 'own csr', a: attrs('CREATE', KINDS.csrs, csr('system:node:a')), want: '' },
    { name: 'csr for other', a: attrs('CREATE', KINDS.csrs, csr('system:node:b', 'kubernetes.io/kubelet-serving')), want: '403 certificatesigningrequests.certificates.k8s.io "csr-1" is forbidden: can only create a node CSR with CN=system:node:a' },
    { name: 'other signer', a: attrs('CREATE', KINDS.csrs, csr('someone', 'example.com/x')), want: '' },
    { name: 'configmap untouched', a: attrs('CREATE', KINDS.configmaps, { metadata: { name: 'x' } }), want: '' },
  ];
  for (const c of cases) assert.equal(await rejection(() => p.admit!({ ...c.a, user: A }, fakeContext([]))), c.want, c.name);
});

void test('NodeRestriction ignores users that are not nodes', async () => {
  const users: AdmissionUser[] = [{ username: 'system:node:a', groups: ['system:authenticated'] }, { username: 'alice', groups: ['system:nodes'] }];
  for (const u of users) {
    assert.equal(nodeNameOfUser(u), undefined);
    assert.equal(await rejection(() => nodeRestriction().admit!(attrs('UPDATE', KINDS.nodes, node('b'), { oldObject: node('b'), user: u }), fakeContext([]))), '');
  }
});

void test('forbiddenNodeLabel follows the kubelet label rules', () => {
  const cases: [string, boolean][] = [
    ['kubernetes.io/hostname', false], ['beta.kubernetes.io/arch', false], ['node.kubernetes.io/instance-type', false],
    ['failure-domain.beta.kubernetes.io/zone', false], ['kubelet.kubernetes.io/x', false], ['foo.node.kubernetes.io/y', false],
    ['node-role.kubernetes.io/master', true], ['node-restriction.kubernetes.io/x', true], ['kubernetes.io/other', true],
    ['x.k8s.io/y', true], ['example.com/z', false], ['plain', false],
  ];
  for (const [k, want] of cases) assert.equal(forbiddenNodeLabel(k), want, k);
});
