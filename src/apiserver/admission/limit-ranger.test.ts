import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { LIMIT_RANGER_ANNOTATION, limitRanger } from './limit-ranger.ts';
import { attrs, fakeContext, KINDS, pod, rejection } from './testing.ts';

const lr = (limits: JsonObject[]): { group: string; resource: string; obj: JsonObject } => ({ group: '', resource: 'limitranges', obj: { metadata: { name: 'lr', namespace: 'ns' }, spec: { limits } } });
const withRes = (name: string, resources: JsonObject, more: JsonObject = {}): JsonObject => pod(name, { containers: [{ name: 'c', image: 'x', resources, ...more }] });

void test('LimitRanger fills container defaults and records them', async () => {
  const ctx = fakeContext([lr([{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' } }])]);
  const a = attrs('CREATE', KINDS.pods, withRes('a', { limits: { memory: '1Gi' } }));
  await limitRanger().admit!(a, ctx);
  assert.deepEqual(a.object!.spec.containers[0].resources, { limits: { memory: '1Gi', cpu: '500m' }, requests: { cpu: '100m', memory: '256Mi' } });
  assert.equal(a.object!.metadata.annotations[LIMIT_RANGER_ANNOTATION], 'LimitRanger plugin set: cpu, memory request for container c; cpu limit for container c');
  const none = attrs('CREATE', KINDS.pods, withRes('b', {}));
  await limitRanger().admit!(none, fakeContext([]));
  assert.deepEqual(none.object!.spec.containers[0].resources, {});
});

void test('LimitRanger enforces min, max and the limit/request ratio with upstream messages', async () => {
  const ctx = fakeContext([lr([{ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1', memory: '1Gi' }, maxLimitRequestRatio: { cpu: '2' } }, { type: 'Pod', max: { memory: '1536Mi' } }])]);
  const cases = [
    { name: 'within bounds', res: { requests: { cpu: '500m' }, limits: { cpu: '1', memory: '512Mi' } }, want: '' },
    { name: 'over max', res: { requests: { cpu: '1' }, limits: { cpu: '2', memory: '512Mi' } }, want: '403 pods "a" is forbidden: maximum cpu usage per Container is 1, but limit is 2' },
    { name: 'under min and ratio', res: { requests: { cpu: '50m' }, limits: { cpu: '1', memory: '512Mi' } }, want: '403 pods "a" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, cpu max limit to request ratio per Container is 2, but provided ratio is 20.000000]' },
    { name: 'no limit', res: { requests: { cpu: '500m' }, limits: { cpu: '1' } }, want: '403 pods "a" is forbidden: [maximum memory usage per Container is 1Gi.  No limit is specified, maximum memory usage per Pod is 1536Mi.  No limit is specified]' },
  ];
  for (const c of cases) assert.equal(await rejection(() => limitRanger().validate!(attrs('CREATE', KINDS.pods, withRes('a', c.res)), ctx)), c.want, c.name);
  const two = pod('b', { containers: [1, 2].map((i) => ({ name: `c${i}`, resources: { requests: { cpu: '500m' }, limits: { cpu: '1', memory: '1Gi' } } })) });
  assert.equal(await rejection(() => limitRanger().validate!(attrs('CREATE', KINDS.pods, two), ctx)), '403 pods "b" is forbidden: maximum memory usage per Pod is 1536Mi, but limit is 2Gi');
});

void test('LimitRanger bounds PersistentVolumeClaim storage requests', async () => {
  const ctx = fakeContext([lr([{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }])]);
  const pvcKind = { ...KINDS.configmaps, resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim' };
  const claim = (storage: string): JsonObject => ({ metadata: { name: 'data' }, spec: { resources: { requests: { storage } } } });
  const cases = [
    { storage: '5Gi', want: '' },
    { storage: '500Mi', want: '403 persistentvolumeclaims "data" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi' },
    { storage: '20Gi', want: '403 persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi' },
  ];
  for (const c of cases) assert.equal(await rejection(() => limitRanger().validate!(attrs('CREATE', pvcKind, claim(c.storage)), ctx)), c.want, c.storage);
});
