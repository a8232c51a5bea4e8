import assert from 'node:assert/strict';
import { test } from 'node:test';
import { route } from './router.ts';
import { splitUrl } from './request.ts';

const seg = (p: string): string[] => splitUrl(p).segments;

void test('route: resource paths, namespace subresources and legacy watch', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['/api/v1/pods', { type: 'resource', group: '', version: 'v1', namespace: '', resource: 'pods', name: '', subresource: '' }],
    ['/api/v1/namespaces/default/pods/web/log', { namespace: 'default', resource: 'pods', name: 'web', subresource: 'log' }],
    ['/api/v1/namespaces/x', { resource: 'namespaces', name: 'x', namespace: '' }],
    ['/api/v1/namespaces', { resource: 'namespaces', name: '' }],
    ['/api/v1/namespaces/x/status', { resource: 'namespaces', name: 'x', subresource: 'status' }],
    ['/api/v1/namespaces/x/finalize', { resource: 'namespaces', name: 'x', subresource: 'finalize' }],
    ['/api/v1/namespaces/x/configmaps', { resource: 'configmaps', namespace: 'x', name: '' }],
    ['/apis/apps/v1/namespaces/d/deployments/web/scale', { group: 'apps', version: 'v1', namespace: 'd', resource: 'deployments', name: 'web', subresource: 'scale' }],
    ['/api/v1/watch/namespaces/d/pods/p', { legacyWatch: true, namespace: 'd', resource: 'pods', name: 'p' }],
    ['/api/v1/watch/pods', { legacyWatch: true, resource: 'pods', namespace: '' }],
    ['/apis/apps/v1', { type: 'resourceList', group: 'apps', version: 'v1' }],
    ['/api/v1', { type: 'resourceList', group: '', version: 'v1' }],
    ['/api', { type: 'apiVersions' }],
    ['/apis', { type: 'apiGroups' }],
    ['/apis/apps', { type: 'apiGroup', group: 'apps' }],
    ['/version', { type: 'version' }],
    ['/readyz', { type: 'health', check: 'readyz' }],
    ['/openapi/v3/apis/apps/v1', { type: 'openapiV3', gv: 'apis/apps/v1' }],
    ['/openapi/v3', { type: 'openapiV3Root' }],
    ['/openapi/v2', { type: 'openapiV2' }],
    ['/swagger-2.0.0.pb-v1', { type: 'openapiV2' }],
    ['/api/v2/pods', { type: 'unknown' }],
    ['/api/v1/namespaces/a/pods/b/c/d', { type: 'unknown' }],
    ['/nothing', { type: 'unknown' }],
  ];
  for (const [path, want] of cases) {
    const got = route(seg(path)) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) assert.equal(got[k], v, `${path}: ${k}`);
  }
});

void test('splitUrl decodes segments and keeps the query', () => {
  const u = splitUrl('/api/v1/namespaces/a%3Ab/pods?labelSelector=app%3Dweb&limit=5');
  assert.deepEqual(u.segments, ['api', 'v1', 'namespaces', 'a:b', 'pods']);
  assert.equal(u.query.get('labelSelector'), 'app=web');
  assert.equal(u.query.get('limit'), '5');
  assert.deepEqual(splitUrl('/api/v1/x%zz').segments, ['api', 'v1', 'x%zz']);
});
