/** Unit tests of the REST client's pure parts: paths, kubeconfig reading, Status errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '../api/index.ts';
import { kubeconfigToRestConfig, statusErrorFrom } from './rest.ts';
import { RESOURCES, objectKey, resourcePath, splitKey } from './resources.ts';

const paths: { name: string; got: string; want: string }[] = [
  { name: 'core namespaced collection', got: resourcePath(RESOURCES.configmaps, 'a'), want: '/api/v1/namespaces/a/configmaps' },
  { name: 'all namespaces', got: resourcePath(RESOURCES.configmaps, ''), want: '/api/v1/configmaps' },
  { name: 'cluster-scoped group object with subresource', got: resourcePath(RESOURCES.certificatesigningrequests, '', 'x', 'approval'), want: '/apis/certificates.k8s.io/v1/certificatesigningrequests/x/approval' },
  { name: 'namespace ignored for cluster scope', got: resourcePath(RESOURCES.namespaces, 'zz', 'a'), want: '/api/v1/namespaces/a' },
];
for (const p of paths) test(`resourcePath: ${p.name}`, () => assert.equal(p.got, p.want));

test('object keys round-trip', () => {
  assert.equal(objectKey({ metadata: { namespace: 'a', name: 'b' } }), 'a/b');
  assert.equal(objectKey({ metadata: { name: 'n' } }), 'n');
  assert.deepEqual(splitKey('a/b'), { namespace: 'a', name: 'b' });
  assert.deepEqual(splitKey('n'), { namespace: '', name: 'n' });
});

test('kubeconfig: current context, embedded data and token', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const text = `apiVersion: v1
kind: Config
current-context: two
clusters:
- name: c1
  cluster: { server: "https://one:6443" }
- name: c2
  cluster: { server: "https://two:6443", certificate-authority-data: ${b64('CA')} }
users:
- name: u2
  user: { token: abc }
contexts:
- name: one
  context: { cluster: c1, user: u2 }
- name: two
  context: { cluster: c2, user: u2 }
`;
  assert.deepEqual(kubeconfigToRestConfig(text), { server: 'https://two:6443', ca: 'CA', cert: undefined, key: undefined, token: 'abc' });
  assert.equal(kubeconfigToRestConfig(text, 'one').server, 'https://one:6443');
  assert.throws(() => kubeconfigToRestConfig('kind: Config\n'), /no cluster server/);
});

test('statusErrorFrom keeps the server Status, or makes one from the code', () => {
  const e = statusErrorFrom(404, JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', message: 'pods "x" not found', code: 404 }));
  assert.ok(isStatusError(e, 404));
  assert.equal(e.message, 'pods "x" not found');
  const f = statusErrorFrom(403, 'forbidden\n');
  assert.ok(isStatusError(f, 403));
  assert.equal(f.reason, 'Forbidden');
  assert.equal(f.message, 'forbidden');
});
