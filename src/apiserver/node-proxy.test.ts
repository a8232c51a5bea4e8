import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '../api/index.ts';
import { chooseContainer, isNodeProxied, nodeEndpoint } from './node-proxy.ts';
import { route } from './router.ts';

const pod = { metadata: { name: 'web' }, spec: { containers: [{ name: 'a' }, { name: 'b' }], initContainers: [{ name: 'init' }] } };

void test('isNodeProxied picks pods/log|exec|attach|portforward only', () => {
  const p = (path: string): boolean => isNodeProxied(route(path.split('/').filter(Boolean))) !== undefined;
  assert.ok(p('/api/v1/namespaces/default/pods/web/exec'));
  assert.ok(p('/api/v1/namespaces/default/pods/web/portforward'));
  assert.ok(p('/api/v1/namespaces/default/pods/web/log'));
  assert.ok(!p('/api/v1/namespaces/default/pods/web/status'));
  assert.ok(!p('/api/v1/namespaces/default/pods/web'));
  assert.ok(!p('/apis/apps/v1/namespaces/default/deployments/web/exec'));
});

void test('chooseContainer validates or defaults the container', () => {
  assert.equal(chooseContainer(pod, 'b'), 'b');
  assert.equal(chooseContainer(pod, 'init'), 'init');
  assert.throws(() => chooseContainer(pod, 'x'), (e: unknown) => isStatusError(e, 400) && /container x is not valid for pod web/.test(e.message));
  assert.throws(() => chooseContainer(pod, ''), /a container name must be specified for pod web, choose one of: \[a b\]/);
  assert.equal(chooseContainer({ metadata: { name: 'one' }, spec: { containers: [{ name: 'only' }] } }, ''), 'only');
});

void test('nodeEndpoint prefers InternalIP and the kubelet endpoint port', () => {
  const table: [unknown[], unknown, { host: string; port: number } | RegExp][] = [
    [[{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.5' }], { kubeletEndpoint: { Port: 10251 } }, { host: '10.0.0.5', port: 10251 }],
    [[{ type: 'ExternalIP', address: '1.2.3.4' }], undefined, { host: '1.2.3.4', port: 10250 }],
    [[], undefined, /no preferred addresses/],
  ];
  for (const [addresses, daemonEndpoints, want] of table) {
    const node = { metadata: { name: 'n1' }, status: { addresses, ...(daemonEndpoints ? { daemonEndpoints } : {}) } };
    if (want instanceof RegExp) assert.throws(() => nodeEndpoint(node), want);
    else assert.deepEqual(nodeEndpoint(node as never), want);
  }
});
