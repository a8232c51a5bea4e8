/**
 * Unit tests of startServiceProxy with the FakeClient, a FakeClock and a recording nft runner:
 * the first sync after the caches fill, coalescing of bursts, the minimum interval between syncs,
 * a lone change programmed within batchMs, service deletion, and table removal on stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { FakeClient, FakeClock, RESOURCES } from '../../client/index.ts';
import { startServiceProxy } from './controller.ts';

const service = (name: string, ip: string): JsonObject => ({
  metadata: { namespace: 'default', name, resourceVersion: '1' },
  spec: { clusterIP: ip, ports: [{ name: 'http', port: 80 }] },
});
let rv = 10;
const slice = (svc: string, ips: string[]): JsonObject => ({
  metadata: { namespace: 'default', name: `${svc}-1`, resourceVersion: String(++rv), labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
});
const settle = async (): Promise<void> => { for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r)); };

function harness() {
  const client = new FakeClient()
    .seed(RESOURCES.services, service('a', '10.96.0.1'), service('b', '10.96.0.2'))
    .seed(RESOURCES.endpointslices, slice('a', ['10.244.0.5']), slice('b', ['10.244.0.6']));
  const clock = new FakeClock();
  const scripts: string[] = [];
  const syncs: { full: boolean; services: number }[] = [];
  const life = new AbortController();
  const h = startServiceProxy({
    client, clock, nodeName: 'n1', nodeIps: ['192.168.0.1'], clusterCidrs: ['10.244.0.0/16'], signal: life.signal,
    nft: async (s) => { scripts.push(s); },
    onSync: (r) => syncs.push({ full: r.full, services: r.services }),
  });
  return { client, clock, scripts, syncs, life, h };
}

test('controller: first sync is full with every service; a burst of changes becomes one incremental sync', async () => {
  const { client, clock, scripts, syncs, life, h } = harness();
  assert.equal(await h.ready, true);
  assert.deepEqual(syncs, [{ full: true, services: 2 }]);
  assert.match(scripts[0], /10\.96\.0\.1 \. tcp \. 80 : goto lb-c-1/);
  clock.step(1000);
  for (let i = 1; i <= 10; i++) client.emit(RESOURCES.endpointslices, { type: 'MODIFIED', object: slice('a', Array.from({ length: i }, (_, j) => `10.244.1.${j + 1}`)) });
  client.emit(RESOURCES.endpointslices, { type: 'MODIFIED', object: slice('b', ['10.244.0.7']) });
  await settle();
  assert.equal(syncs.length, 1, 'nothing before the batch delay');
  clock.step(5);
  await settle();
  assert.deepEqual(syncs, [{ full: true, services: 2 }, { full: false, services: 2 }]);
  assert.match(scripts[1], /10\.96\.0\.1 \. tcp \. 80 \. 9 : 10\.244\.1\.10 \. 8080/);
  assert.match(scripts[1], /10\.96\.0\.2 \. tcp \. 80 \. 0 : 10\.244\.0\.7 \. 8080/);
  assert.doesNotMatch(scripts[1], /lb-c-(2|3|4|5|6|7|8|9)\b/, 'intermediate states were never sent');
  life.abort();
  await h.done;
  assert.equal(scripts.at(-1), 'add table ip windlass-proxy\ndelete table ip windlass-proxy\n');
});

test('controller: syncs start at most every minSyncMs; a lone change after a quiet spell goes out after batchMs', async () => {
  const { client, clock, syncs, life, h } = harness();
  await h.ready;
  clock.step(20); // 20 ms after the first sync
  client.emit(RESOURCES.endpointslices, { type: 'MODIFIED', object: slice('a', ['10.244.0.8']) });
  await settle();
  clock.step(50);
  await settle();
  assert.equal(syncs.length, 1, 'held back: less than minSyncMs since the last sync');
  clock.step(30);
  await settle();
  assert.equal(syncs.length, 2, 'sent once minSyncMs passed');
  clock.step(500);
  client.emit(RESOURCES.services, { type: 'DELETED', object: service('b', '10.96.0.2') });
  await settle();
  clock.step(5);
  await settle();
  assert.deepEqual(syncs.at(-1), { full: false, services: 1 });
  assert.equal(h.model()?.services.map((s) => s.key).join(), 'default/a/tcp/http');
  life.abort();
  await h.done;
  assert.equal(clock.pending, 0, 'no timers left behind');
});

test('controller: stopping before the caches sync resolves ready false and sends nothing but the cleanup', async () => {
  const client = new FakeClient().react((a) => {
    if (a.verb === 'list') throw new Error('apiserver down');
    return undefined;
  });
  const scripts: string[] = [];
  const life = new AbortController();
  const h = startServiceProxy({ client, clock: new FakeClock(), nodeName: 'n1', nodeIps: [], clusterCidrs: [], signal: life.signal, nft: async (s) => { scripts.push(s); } });
  await settle();
  life.abort();
  assert.equal(await h.ready, false);
  await h.done;
  assert.deepEqual(scripts, ['add table ip windlass-proxy\ndelete table ip windlass-proxy\n']);
});
