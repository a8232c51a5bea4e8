/** Unit tests (sample-controller style) of the token cleaner and the bootstrap signer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { JsonObject } from '../api/index.ts';
import { clusterInfoKubeconfig, newBootstrapSigner } from './bootstrap-signer.ts';
import { detachedJws, parseBootstrapTokenSecret } from './bootstrap-token.ts';
import { newTokenCleaner } from './token-cleaner.ts';
import { fixture, RESOURCES } from './testing.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
function token(id: string, opts: { expiration?: string; signing?: boolean; secret?: string } = {}): JsonObject {
  const data: Record<string, string> = { 'token-id': b64(id), 'token-secret': b64(opts.secret ?? '0123456789abcdef') };
  if (opts.expiration) data.expiration = b64(opts.expiration);
  if (opts.signing !== false) data['usage-bootstrap-signing'] = b64('true');
  return { apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system', uid: `u-${id}` }, data };
}

test('detachedJws matches kubeadm\'s format: header..signature, HS256 keyed by the token secret', () => {
  const jws = detachedJws('payload', 'abcdef', '0123456789abcdef');
  const [h, mid, sig] = jws.split('.');
  assert.equal(mid, '');
  assert.equal(Buffer.from(h, 'base64url').toString(), '{"alg":"HS256","kid":"abcdef"}');
  assert.equal(sig, createHmac('sha256', '0123456789abcdef').update(`${h}.${Buffer.from('payload').toString('base64url')}`).digest('base64url'));
});

const parseCases: { name: string; secret: JsonObject; ok: boolean }[] = [
  { name: 'well-formed', secret: token('abcdef'), ok: true },
  { name: 'wrong type', secret: { ...token('abcdef'), type: 'Opaque' }, ok: false },
  { name: 'name does not match the id', secret: { ...token('abcdef'), metadata: { name: 'bootstrap-token-zzzzzz', namespace: 'kube-system' } }, ok: false },
  { name: 'short secret', secret: token('abcdef', { secret: 'short' }), ok: false },
  { name: 'other namespace', secret: { ...token('abcdef'), metadata: { name: 'bootstrap-token-abcdef', namespace: 'default' } }, ok: false },
];
for (const c of parseCases) test(`parseBootstrapTokenSecret: ${c.name}`, () => assert.equal(parseBootstrapTokenSecret(c.secret) !== undefined, c.ok));

test('token-cleaner: deletes an expired token, requeues a live one at its expiry, ignores others', async () => {
  const f = fixture();
  const ctrl = newTokenCleaner(f.ctx);
  const now = f.clock.now();
  f.seed(RESOURCES.secrets,
    token('aaaaaa', { expiration: new Date(now - 1000).toISOString() }),
    token('bbbbbb', { expiration: new Date(now + 60_000).toISOString() }),
    token('cccccc'),
    { ...token('dddddd', { expiration: new Date(now - 1000).toISOString() }), type: 'Opaque' });
  f.client.seed(RESOURCES.secrets, token('aaaaaa'));
  assert.equal(await ctrl.reconcile('kube-system/bootstrap-token-aaaaaa'), undefined);
  assert.deepEqual(await ctrl.reconcile('kube-system/bootstrap-token-bbbbbb'), { requeueAfterMs: 60_000 });
  assert.equal(await ctrl.reconcile('kube-system/bootstrap-token-cccccc'), undefined);
  assert.equal(await ctrl.reconcile('kube-system/bootstrap-token-dddddd'), undefined);
  assert.equal(await ctrl.reconcile('kube-system/bootstrap-token-gone'), undefined);
  assert.deepEqual(f.client.verbs(), ['delete secrets kube-system/bootstrap-token-aaaaaa']);
  f.clock.step(60_000);
  await ctrl.reconcile('kube-system/bootstrap-token-bbbbbb');
  assert.deepEqual(f.client.verbs().slice(1), ['delete secrets kube-system/bootstrap-token-bbbbbb'], '404 from the fake is tolerated');
});

const SERVER = 'https://10.0.0.1:6443';
const CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';

test('bootstrap-signer: creates cluster-info with the kubeconfig and signatures of signing tokens only', async () => {
  const f = fixture();
  const ctrl = newBootstrapSigner(f.ctx, { serverUrl: SERVER, caCert: CA });
  const now = f.clock.now();
  f.seed(RESOURCES.secrets,
    token('aaaaaa'),
    token('bbbbbb', { signing: false }),
    token('cccccc', { expiration: new Date(now - 1).toISOString() }),
    token('dddddd', { expiration: new Date(now + 5000).toISOString() }));
  const r = await ctrl.reconcile('kube-public/cluster-info');
  assert.deepEqual(r, { requeueAfterMs: 5000 });
  assert.deepEqual(f.client.verbs(), ['create configmaps kube-public/cluster-info']);
  const data = f.client.actions[0].object?.data as Record<string, string>;
  const kubeconfig = clusterInfoKubeconfig(SERVER, CA);
  assert.deepEqual(Object.keys(data).sort(), ['jws-kubeconfig-aaaaaa', 'jws-kubeconfig-dddddd', 'kubeconfig']);
  assert.equal(data.kubeconfig, kubeconfig);
  assert.equal(data['jws-kubeconfig-aaaaaa'], detachedJws(kubeconfig, 'aaaaaa', '0123456789abcdef'));
  assert.match(kubeconfig, /server: https:\/\/10\.0\.0\.1:6443/);
  assert.doesNotMatch(kubeconfig, /token|client-key/);
});

test('bootstrap-signer: updates an existing cluster-info, keeping its kubeconfig and other keys, dropping stale signatures', async () => {
  const f = fixture();
  const ctrl = newBootstrapSigner(f.ctx, { serverUrl: SERVER, caCert: CA });
  f.seed(RESOURCES.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig: 'custom', other: 'x', 'jws-kubeconfig-zzzzzz': 'old' } });
  f.seed(RESOURCES.secrets, token('aaaaaa'));
  await ctrl.reconcile('kube-public/cluster-info');
  assert.deepEqual(f.client.verbs(), ['update configmaps kube-public/cluster-info']);
  assert.deepEqual(f.client.actions[0].object?.data, { kubeconfig: 'custom', other: 'x', 'jws-kubeconfig-aaaaaa': detachedJws('custom', 'aaaaaa', '0123456789abcdef') });
  // Converged: a second pass writes nothing.
  f.seed(RESOURCES.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: f.client.actions[0].object?.data });
  await ctrl.reconcile('kube-public/cluster-info');
  assert.equal(f.client.actions.length, 1);
});
