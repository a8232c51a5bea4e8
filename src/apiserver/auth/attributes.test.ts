/**
 * Unit tests of request attributes: verbs from method, name and watch, the namespace of Namespace
 * objects, single-name field selectors, and non-resource paths.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { route } from '../router.ts';
import { requestAttributes } from './attributes.ts';

const CASES: [string, string, Record<string, unknown>][] = [
  ['GET /api/v1/namespaces/d/pods', '', { verb: 'list', resource: 'pods', namespace: 'd', name: '' }],
  ['GET /api/v1/namespaces/d/pods/p', '', { verb: 'get', name: 'p' }],
  ['GET /api/v1/namespaces/d/pods', 'watch=true', { verb: 'watch' }],
  ['GET /api/v1/watch/namespaces/d/pods', '', { verb: 'watch' }],
  ['GET /api/v1/namespaces/d/secrets', 'fieldSelector=metadata.name%3Ds1', { verb: 'list', name: 's1' }],
  ['GET /api/v1/namespaces/d/secrets', 'watch=1&fieldSelector=metadata.name%3D%3Ds1', { verb: 'watch', name: 's1' }],
  ['GET /api/v1/namespaces/d/secrets', 'fieldSelector=metadata.name%3Ds1,type%3Dx', { verb: 'list', name: '' }],
  ['POST /api/v1/namespaces/d/pods', '', { verb: 'create' }],
  ['PUT /api/v1/namespaces/d/pods/p/status', '', { verb: 'update', subresource: 'status' }],
  ['PATCH /apis/apps/v1/namespaces/d/deployments/x/scale', '', { verb: 'patch', apiGroup: 'apps', subresource: 'scale' }],
  ['DELETE /api/v1/namespaces/d/pods/p', '', { verb: 'delete' }],
  ['DELETE /api/v1/namespaces/d/pods', '', { verb: 'deletecollection' }],
  ['GET /api/v1/namespaces/kube-public', '', { verb: 'get', resource: 'namespaces', name: 'kube-public', namespace: 'kube-public' }],
  ['GET /api/v1/nodes', '', { verb: 'list', resource: 'nodes', namespace: '' }],
  ['POST /api/v1/namespaces/d/serviceaccounts/sa/token', '', { verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'sa' }],
];

for (const [line, query, want] of CASES) {
  void test(`attributes: ${line}${query ? `?${query}` : ''}`, () => {
    const [method, path] = line.split(' ');
    const a = requestAttributes(method, path, route(path.split('/').filter(Boolean)), new URLSearchParams(query));
    assert.equal(a.type, 'resource');
    for (const [k, v] of Object.entries(want)) assert.equal((a as unknown as Record<string, unknown>)[k], v, k);
  });
}

void test('attributes: non-resource paths keep the path and lower-case the verb', () => {
  assert.deepEqual(requestAttributes('GET', '/healthz/etcd', route(['healthz', 'etcd']), new URLSearchParams()), { type: 'nonResource', verb: 'get', path: '/healthz/etcd' });
  assert.deepEqual(requestAttributes('HEAD', '/version', route(['version']), new URLSearchParams()), { type: 'nonResource', verb: 'get', path: '/version' });
  assert.deepEqual(requestAttributes('POST', '/api', route(['api']), new URLSearchParams()), { type: 'nonResource', verb: 'post', path: '/api' });
});
