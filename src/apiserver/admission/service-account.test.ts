import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { serviceAccountAdmission, tokenVolume, TOKEN_MOUNT_PATH } from './service-account.ts';
import { attrs, fakeContext, KINDS, pod, rejection } from './testing.ts';

const sa = (name: string, extra: JsonObject = {}): { group: string; resource: string; obj: JsonObject } => ({ group: '', resource: 'serviceaccounts', obj: { metadata: { name, namespace: 'ns' }, ...extra } });
const seq = (): ((n: number) => number) => { let i = 0; return () => i++ % 27; };

void test('ServiceAccount defaults the account, requires it to exist and mounts the projected token', async () => {
  const ctx = fakeContext([sa('default'), sa('builder', { imagePullSecrets: [{ name: 'regcred' }] }), sa('quiet', { automountServiceAccountToken: false })]);
  const cases: { name: string; pod: JsonObject; want: string; sa?: string; mounted: boolean }[] = [
    { name: 'default account', pod: pod('a'), want: '', sa: 'default', mounted: true },
    { name: 'named account', pod: pod('a', { serviceAccountName: 'builder' }), want: '', sa: 'builder', mounted: true },
    { name: 'missing account', pod: pod('a', { serviceAccountName: 'ghost' }), want: '403 pods "a" is forbidden: error looking up service account ns/ghost: serviceaccount "ghost" not found', mounted: false },
    { name: 'pod opts out', pod: pod('a', { automountServiceAccountToken: false }), want: '', sa: 'default', mounted: false },
    { name: 'account opts out', pod: pod('a', { serviceAccountName: 'quiet' }), want: '', sa: 'quiet', mounted: false },
    { name: 'pod overrides account', pod: pod('a', { serviceAccountName: 'quiet', automountServiceAccountToken: true }), want: '', sa: 'quiet', mounted: true },
    { name: 'mirror pod with account', pod: { ...pod('a', { serviceAccountName: 'builder' }), metadata: { name: 'a', annotations: { 'kubernetes.io/config.mirror': 'x' } } }, want: '403 pods "a" is forbidden: a mirror pod may not reference service accounts', mounted: false },
  ];
  for (const c of cases) {
    const a = attrs('CREATE', KINDS.pods, c.pod);
    assert.equal(await rejection(() => serviceAccountAdmission({ random: seq() }).admit!(a, ctx)), c.want, c.name);
    if (c.want) continue;
    assert.equal(a.object!.spec.serviceAccountName, c.sa, c.name);
    assert.equal(Array.isArray(a.object!.spec.volumes), c.mounted, c.name);
    assert.deepEqual(a.object!.spec.imagePullSecrets, c.sa === 'builder' ? [{ name: 'regcred' }] : undefined, c.name);
  }
});

void test('the token volume has upstream\'s shape and every container mounts it read-only', async () => {
  const ctx = fakeContext([sa('default')]);
  const a = attrs('CREATE', KINDS.pods, pod('a', { initContainers: [{ name: 'init', image: 'x' }] }, ['c1', 'c2']));
  await serviceAccountAdmission({ random: seq() }).admit!(a, ctx);
  const spec = a.object!.spec;
  assert.deepEqual(spec.volumes, [tokenVolume('kube-api-access-bcdfg')]);
  assert.deepEqual(spec.volumes[0].projected.sources[0], { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
  for (const c of [...spec.initContainers, ...spec.containers]) {
    assert.deepEqual(c.volumeMounts, [{ name: 'kube-api-access-bcdfg', readOnly: true, mountPath: TOKEN_MOUNT_PATH }]);
  }
});

void test('a missing default account admits the pod without a token; an unserved kind skips the lookup', async () => {
  const a = attrs('CREATE', KINDS.pods, pod('a'));
  await serviceAccountAdmission().admit!(a, fakeContext([]));
  assert.equal(a.object!.spec.serviceAccountName, 'default');
  assert.equal(a.object!.spec.volumes, undefined);
  const b = attrs('CREATE', KINDS.pods, pod('b', { serviceAccountName: 'ghost' }));
  await serviceAccountAdmission().admit!(b, fakeContext([], []));
  assert.equal(b.object!.spec.volumes, undefined);
});
