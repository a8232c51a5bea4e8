/** Unit tests (sample-controller style) of the serviceaccount and root-CA publisher controllers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alreadyExists } from '../api/index.ts';
import { newRootCaPublisher } from './root-ca-publisher.ts';
import { newServiceAccountController } from './serviceaccount.ts';
import { fixture, ns, RESOURCES } from './testing.ts';

const sa = (namespace: string, name = 'default') => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });

const saCases = [
  { name: 'creates default in an active namespace without one', nss: [ns('a')], sas: [], key: 'a', want: ['create serviceaccounts a/default'] },
  { name: 'does nothing when it exists', nss: [ns('a')], sas: [sa('a')], key: 'a', want: [] },
  { name: 'another account does not count', nss: [ns('a')], sas: [sa('a', 'builder')], key: 'a', want: ['create serviceaccounts a/default'] },
  { name: 'skips a terminating namespace', nss: [ns('a', 'Terminating')], sas: [], key: 'a', want: [] },
  { name: 'skips a namespace that is gone', nss: [], sas: [], key: 'a', want: [] },
];
for (const c of saCases) {
  test(`serviceaccount: ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newServiceAccountController(f.ctx);
    if (c.nss.length) f.seed(RESOURCES.namespaces, ...c.nss);
    if (c.sas.length) f.seed(RESOURCES.serviceaccounts, ...c.sas);
    await ctrl.reconcile(c.key);
    assert.deepEqual(f.client.verbs(), c.want);
  });
}

test('serviceaccount: AlreadyExists (stale cache) is success', async () => {
  const f = fixture();
  const ctrl = newServiceAccountController(f.ctx);
  f.seed(RESOURCES.namespaces, ns('a'));
  f.client.react((a) => { if (a.verb === 'create') throw alreadyExists('serviceaccounts', '', 'default'); return undefined; });
  await ctrl.reconcile('a');
  assert.deepEqual(f.client.verbs(), ['create serviceaccounts a/default']);
});

test('serviceaccount: informer events enqueue namespaces; deleting default enqueues its namespace', async () => {
  const f = fixture();
  const ctrl = newServiceAccountController(f.ctx);
  f.client.seed(RESOURCES.namespaces, ns('a')).seed(RESOURCES.serviceaccounts, sa('b'));
  const stop = new AbortController();
  f.factory.start(stop.signal);
  assert.equal(await f.factory.waitForSync(), true);
  assert.equal(await ctrl.queue.get(), 'a');
  ctrl.queue.done('a');
  f.client.emit(RESOURCES.serviceaccounts, { type: 'DELETED', object: { ...sa('b', 'builder'), metadata: { name: 'builder', namespace: 'b', resourceVersion: '50' } } });
  f.client.emit(RESOURCES.serviceaccounts, { type: 'DELETED', object: { ...sa('b'), metadata: { name: 'default', namespace: 'b', resourceVersion: '51' } } });
  assert.equal(await ctrl.queue.get(), 'b');
  assert.equal(ctrl.queue.len(), 0, 'deleting another account enqueued nothing');
  stop.abort();
  await f.factory.stopped();
});

const CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';
const cm = (namespace: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace }, data });
const caCases = [
  { name: 'creates the ConfigMap', cms: [], want: ['create configmaps a/kube-root-ca.crt'], data: { 'ca.crt': CA } },
  { name: 'leaves a correct one alone', cms: [cm('a', { 'ca.crt': CA })], want: [], data: undefined },
  { name: 'repairs a changed one', cms: [cm('a', { 'ca.crt': 'old' })], want: ['update configmaps a/kube-root-ca.crt'], data: { 'ca.crt': CA } },
  { name: 'drops extra keys', cms: [cm('a', { 'ca.crt': CA, extra: 'x' })], want: ['update configmaps a/kube-root-ca.crt'], data: { 'ca.crt': CA } },
];
for (const c of caCases) {
  test(`root-ca-publisher: ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newRootCaPublisher(f.ctx, CA);
    f.seed(RESOURCES.namespaces, ns('a'));
    if (c.cms.length) f.seed(RESOURCES.configmaps, ...c.cms);
    await ctrl.reconcile('a');
    assert.deepEqual(f.client.verbs(), c.want);
    if (c.data) assert.deepEqual(f.client.actions[0].object?.data, c.data);
  });
}

test('root-ca-publisher: never mutates the cached object', async () => {
  const f = fixture();
  const ctrl = newRootCaPublisher(f.ctx, CA);
  f.seed(RESOURCES.namespaces, ns('a'));
  f.seed(RESOURCES.configmaps, cm('a', { 'ca.crt': 'old' }));
  await ctrl.reconcile('a');
  const cached = ctrl.informers[1].cache.get('a/kube-root-ca.crt');
  assert.equal(cached?.data['ca.crt'], 'old');
});
