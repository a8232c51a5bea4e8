import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { countKey, resourceOfKey, resourceQuota, usageOf } from './resource-quota.ts';
import { formatQuantity } from './quantity.ts';
import { attrs, fakeContext, KINDS, pod, rejection } from './testing.ts';

type Obj = { group: string; resource: string; obj: JsonObject };
const quota = (name: string, hard: Record<string, string>, scopes?: string[]): Obj => ({ group: '', resource: 'resourcequotas', obj: { metadata: { name, namespace: 'ns' }, spec: { hard, ...(scopes ? { scopes } : {}) } } });
const running = (name: string, cpu?: string, phase = 'Running'): Obj => ({ group: '', resource: 'pods', obj: { ...pod(name, { containers: [{ name: 'c', resources: cpu ? { requests: { cpu }, limits: { cpu } } : {} }] }), status: { phase } } });
const cpuPod = (name: string, cpu: string): JsonObject => pod(name, { containers: [{ name: 'c', resources: { requests: { cpu }, limits: { cpu } } }] });

void test('ResourceQuota refuses creates beyond spec.hard with upstream messages', async () => {
  const cases: { name: string; objs: Obj[]; kind?: keyof typeof import('./testing.ts').KINDS; obj: JsonObject; want: string }[] = [
    { name: 'pods within', objs: [quota('q', { pods: '2' }), running('p1')], obj: pod('new'), want: '' },
    { name: 'pods exceeded', objs: [quota('q', { pods: '2' }), running('p1'), running('p2')], obj: pod('new'), want: '403 pods "new" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2' },
    { name: 'terminal pods do not count', objs: [quota('q', { pods: '1' }), running('p1', undefined, 'Succeeded')], obj: pod('new'), want: '' },
    { name: 'cpu exceeded', objs: [quota('q', { 'requests.cpu': '1', pods: '10' }), running('p1', '750m')], obj: cpuPod('new', '500m'), want: '403 pods "new" is forbidden: exceeded quota: q, requested: requests.cpu=500m, used: requests.cpu=750m, limited: requests.cpu=1' },
    { name: 'two resources exceeded', objs: [quota('q', { 'limits.cpu': '1', 'requests.cpu': '1' }), running('p1', '1')], obj: cpuPod('new', '1'), want: '403 pods "new" is forbidden: exceeded quota: q, requested: limits.cpu=1,requests.cpu=1, used: limits.cpu=1,requests.cpu=1, limited: limits.cpu=1,requests.cpu=1' },
    { name: 'requests required', objs: [quota('compute', { 'requests.cpu': '1', 'limits.memory': '1Gi' })], obj: pod('new'), want: '403 pods "new" is forbidden: failed quota: compute: must specify limits.memory for: c; requests.cpu for: c' },
    { name: 'scoped quota skips', objs: [quota('q', { pods: '0' }, ['Terminating'])], obj: pod('new'), want: '' },
    { name: 'configmaps', kind: 'configmaps', objs: [quota('q', { configmaps: '1' }), { group: '', resource: 'configmaps', obj: { metadata: { name: 'c1', namespace: 'ns' } } }], obj: { metadata: { name: 'c2' } }, want: '403 configmaps "c2" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=1, limited: configmaps=1' },
    { name: 'object count', kind: 'deployments', objs: [quota('q', { 'count/deployments.apps': '0' })], obj: { metadata: { name: 'd' } }, want: '403 deployments.apps "d" is forbidden: exceeded quota: q, requested: count/deployments.apps=1, used: count/deployments.apps=0, limited: count/deployments.apps=0' },
  ];
  for (const c of cases) {
    const a = attrs('CREATE', KINDS[c.kind ?? 'pods'], c.obj);
    assert.equal(await rejection(() => resourceQuota().validate!(a, fakeContext(c.objs))), c.want, c.name);
  }
});

void test('ResourceQuota keeps status.used up to date, but not for dry runs', async () => {
  const ctx = fakeContext([quota('q', { pods: '5', 'requests.cpu': '2' }), running('p1', '250m')]);
  await resourceQuota().validate!(attrs('CREATE', KINDS.pods, cpuPod('new', '500m')), ctx);
  assert.deepEqual(ctx.statusUpdates, [{ name: 'q', status: { hard: { pods: '5', 'requests.cpu': '2' }, used: { pods: '2', 'requests.cpu': '750m' } } }]);
  await resourceQuota().validate!(attrs('CREATE', KINDS.pods, cpuPod('dry', '500m'), { dryRun: true }), ctx);
  assert.equal(ctx.statusUpdates.length, 1);
  const q = attrs('CREATE', KINDS.resourcequotas, structuredClone(quota('q2', { pods: '3' }).obj));
  await resourceQuota().admit!(q, ctx);
  assert.deepEqual(q.object!.status, { hard: { pods: '3' }, used: { pods: '1' } });
});

void test('usage and key mapping', () => {
  const u = usageOf('', 'pods', pod('a', { containers: [{ name: 'a', resources: { requests: { cpu: '1', memory: '1Gi' } } }, { name: 'b', resources: { requests: { cpu: '500m' } } }], overhead: { cpu: '100m' } }));
  assert.deepEqual(Object.fromEntries([...u].map(([k, v]) => [k, formatQuantity(v)])), { 'count/pods': '1', pods: '1', 'requests.cpu': '1600m', cpu: '1600m', 'requests.memory': '1Gi', memory: '1Gi' });
  assert.equal(countKey('apps', 'deployments'), 'count/deployments.apps');
  assert.deepEqual(resourceOfKey('count/deployments.apps'), { group: 'apps', resource: 'deployments' });
  assert.deepEqual(resourceOfKey('requests.storage'), { group: '', resource: 'persistentvolumeclaims' });
  assert.deepEqual(resourceOfKey('limits.memory'), { group: '', resource: 'pods' });
  assert.equal(resourceOfKey('bogus'), undefined);
});

void test('ResourceQuota subtracts an object being deleted from status.used, except pods still bound to a node', async () => {
  const objs: Obj[] = [quota('q', { pods: '5', configmaps: '5' }), running('p1'), running('p2'), { group: '', resource: 'configmaps', obj: { metadata: { name: 'c', namespace: 'ns' } } }];
  const ctx = fakeContext(objs);
  await resourceQuota().validate!(attrs('DELETE', KINDS.pods, undefined, { name: 'p1', oldObject: objs[1].obj }), ctx);
  assert.deepEqual(ctx.statusUpdates, [{ name: 'q', status: { hard: { configmaps: '5', pods: '5' }, used: { configmaps: '1', pods: '1' } } }]);
  const bound = { ...pod('b', { nodeName: 'n1' }), status: { phase: 'Running' } };
  await resourceQuota().validate!(attrs('DELETE', KINDS.pods, undefined, { name: 'b', oldObject: bound }), ctx);
  await resourceQuota().validate!(attrs('DELETE', KINDS.configmaps, undefined, { name: 'c', oldObject: objs[3].obj, dryRun: true }), ctx);
  assert.equal(ctx.statusUpdates.length, 1);
});
