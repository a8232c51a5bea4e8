import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceLifecycle } from './namespace-lifecycle.ts';
import { attrs, fakeContext, KINDS, pod, rejection } from './testing.ts';

const ctx = fakeContext([
  { group: '', resource: 'namespaces', obj: { metadata: { name: 'ns' }, status: { phase: 'Active' } } },
  { group: '', resource: 'namespaces', obj: { metadata: { name: 'gone', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Terminating' } } },
]);

void test('NamespaceLifecycle refuses content in missing or terminating namespaces and protects system namespaces', async () => {
  const p = namespaceLifecycle();
  const cases = [
    { name: 'create in active', a: attrs('CREATE', KINDS.pods, pod('a')), want: '' },
    { name: 'create in missing', a: attrs('CREATE', KINDS.pods, pod('a'), { namespace: 'nope' }), want: '404 namespaces "nope" not found' },
    { name: 'create in terminating', a: attrs('CREATE', KINDS.pods, pod('a'), { namespace: 'gone' }), want: '403 pods "a" is forbidden: unable to create new content in namespace gone because it is being terminated' },
    { name: 'update in terminating', a: attrs('UPDATE', KINDS.pods, pod('a'), { namespace: 'gone', oldObject: pod('a') }), want: '' },
    { name: 'delete default', a: attrs('DELETE', KINDS.namespaces, undefined, { name: 'default' }), want: '403 namespaces "default" is forbidden: this namespace may not be deleted' },
    { name: 'delete kube-system', a: attrs('DELETE', KINDS.namespaces, undefined, { name: 'kube-system' }), want: '403 namespaces "kube-system" is forbidden: this namespace may not be deleted' },
    { name: 'delete kube-public', a: attrs('DELETE', KINDS.namespaces, undefined, { name: 'kube-public' }), want: '403 namespaces "kube-public" is forbidden: this namespace may not be deleted' },
    { name: 'delete kube-node-lease', a: attrs('DELETE', KINDS.namespaces, undefined, { name: 'kube-node-lease' }), want: '' },
    { name: 'cluster-scoped create', a: attrs('CREATE', KINDS.nodes, { metadata: { name: 'n' } }), want: '' },
  ];
  for (const c of cases) assert.equal(await rejection(() => p.admit!(c.a, ctx)), c.want, c.name);
});
