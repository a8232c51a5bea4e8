/**
 * What a joined node reads of the cluster's networking: kubeadm's ClusterConfiguration parsed
 * (table-driven, malformed input gives {}), and kube-system/kubeadm-config fetched through the
 * client, with a missing or forbidden ConfigMap meaning "use the defaults" rather than an error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient, RESOURCES } from '../client/index.ts';
import { StatusError } from '../api/index.ts';
import { parseClusterNetworking, readClusterNetworking } from './cluster-config.ts';

const DOC = 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking:\n  dnsDomain: corp.local\n  podSubnet: 10.200.0.0/16\n  serviceSubnet: 10.201.0.0/16\n';

void test('parseClusterNetworking reads networking and nothing else', () => {
  const cases: [string, string, object][] = [
    ['a full document', DOC, { podSubnet: '10.200.0.0/16', serviceSubnet: '10.201.0.0/16', dnsDomain: 'corp.local' }],
    ['only a pod subnet', 'networking:\n  podSubnet: 10.9.0.0/16\n', { podSubnet: '10.9.0.0/16' }],
    ['no networking', 'kind: ClusterConfiguration\n', {}],
    ['wrong types', 'networking:\n  podSubnet: 7\n  serviceSubnet: [a]\n', {}],
    ['not YAML', '{{{: :', {}],
    ['empty', '', {}],
  ];
  for (const [what, text, want] of cases) assert.deepEqual(parseClusterNetworking(text), want, what);
});

void test('readClusterNetworking fetches kube-system/kubeadm-config; missing or forbidden gives {}', async () => {
  const client = new FakeClient().seed(RESOURCES.configmaps, { metadata: { name: 'kubeadm-config', namespace: 'kube-system' }, data: { ClusterConfiguration: DOC } });
  assert.deepEqual(await readClusterNetworking(client), { podSubnet: '10.200.0.0/16', serviceSubnet: '10.201.0.0/16', dnsDomain: 'corp.local' });
  assert.deepEqual(await readClusterNetworking(new FakeClient()), {}, 'absent');
  const denied = new FakeClient().react((a) => { if (a.resource === 'configmaps') throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403, message: 'configmaps "kubeadm-config" is forbidden' }); return undefined; });
  assert.deepEqual(await readClusterNetworking(denied), {}, 'forbidden');
  const broken = new FakeClient().react(() => { throw new Error('connection refused'); });
  await assert.rejects(readClusterNetworking(broken), /connection refused/, 'other failures are errors');
});
