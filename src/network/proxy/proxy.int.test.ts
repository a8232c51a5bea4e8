/**
 * Integration test of the service proxy against the real kernel, inside namespaces this test
 * creates (see testbed.ts): ClusterIP load balancing, NodePort from an off-cluster client, ClientIP
 * affinity, an endpoint leaving rotation after an incremental sync driven by an EndpointSlice
 * watch event, fast reject without endpoints, and hairpin. Skipped unless root with ip/nft/busybox.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { FakeClient, RESOURCES } from '../../client/index.ts';
import { buildProxyModel, type ProxyModelInput } from './model.ts';
import { nftRunner } from './nft.ts';
import { NftProxy } from './proxy.ts';
import { startServiceProxy } from './controller.ts';
import { canUseNetns, startTestbed, type Testbed } from './testbed.ts';

const ok = await canUseNetns();
let tb: Testbed;

before(async () => { if (ok) tb = await startTestbed({ endpoints: 3 }); });
after(async () => { await tb?.close(); });

const service = (name: string, ip: string, spec: JsonObject = {}): JsonObject => ({
  metadata: { namespace: 'default', name },
  spec: { clusterIP: ip, ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP', ...(spec.nodePort ? { nodePort: spec.nodePort } : {}) }], ...spec },
});
const slice = (svc: string, ips: readonly string[], rv = '1'): JsonObject => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { namespace: 'default', name: `${svc}-abc`, resourceVersion: rv, labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], nodeName: 'node-1', conditions: { ready: true } })),
});

async function hits(ns: string, host: string, port: number, n: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await tb.get(ns, host, port);
    const k = r instanceof Error ? `error: ${r.message.split('\n').find((l) => l.includes('wget')) ?? r.message}` : r;
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  return seen;
}

test('NftProxy in a namespace: ClusterIP, NodePort, affinity, reject, hairpin', { skip: !ok && 'needs root, ip, nft and busybox' }, async (t) => {
  const ips = tb.endpoints.map((e) => e.ip);
  const proxy = new NftProxy({ nft: nftRunner({ netns: tb.node }) });
  t.after(() => proxy.close());
  const input: ProxyModelInput = {
    services: [
      service('web', '10.96.0.10', { type: 'NodePort', nodePort: 30080 }),
      service('sticky', '10.96.0.11', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
      service('empty', '10.96.0.12'),
    ],
    endpointSlices: [slice('web', ips), slice('sticky', ips)],
    nodeName: 'node-1', nodeIps: [tb.nodeIp], clusterCidrs: [tb.podCidr],
  };
  assert.equal((await proxy.sync(buildProxyModel(input))).full, true);

  await t.test('ClusterIP spreads over every endpoint (from an off-cluster client and from the node)', async () => {
    const fromClient = await hits(tb.client, '10.96.0.10', 80, 30);
    assert.deepEqual([...fromClient.keys()].sort(), ['ep1', 'ep2', 'ep3'], JSON.stringify([...fromClient]));
    const fromNode = await hits(tb.node, '10.96.0.10', 80, 24);
    assert.deepEqual([...fromNode.keys()].sort(), ['ep1', 'ep2', 'ep3'], JSON.stringify([...fromNode]));
  });

  await t.test('NodePort answers on the node IP', async () => {
    const seen = await hits(tb.client, tb.nodeIp, 30080, 12);
    assert.ok([...seen.keys()].every((k) => k.startsWith('ep')), JSON.stringify([...seen]));
  });

  await t.test('ClientIP affinity sticks to one endpoint', async () => {
    const seen = await hits(tb.client, '10.96.0.11', 80, 12);
    assert.equal(seen.size, 1, JSON.stringify([...seen]));
    assert.match([...seen.keys()][0], /^ep\d$/);
  });

  await t.test('a service without endpoints is refused at once, not timed out', async () => {
    const t0 = Date.now();
    const r = await tb.get(tb.client, '10.96.0.12', 80);
    const ms = Date.now() - t0;
    assert.ok(r instanceof Error, 'request must fail');
    assert.match(r.message, /refused/i);
    assert.ok(ms < 1500, `took ${ms} ms`);
    const fromNode = await tb.get(tb.node, '10.96.0.12', 80);
    assert.ok(fromNode instanceof Error && /refused/i.test(fromNode.message), String(fromNode));
  });

  await t.test('hairpin: an endpoint reaches its own service every time', async () => {
    const seen = await hits(tb.endpoints[0].ns, '10.96.0.10', 80, 15);
    assert.deepEqual([...seen.keys()].filter((k) => !k.startsWith('ep')), [], JSON.stringify([...seen]));
    assert.ok(seen.has('ep1'), `the endpoint itself was picked at least once: ${JSON.stringify([...seen])}`);
  });
});

test('controller: an EndpointSlice change leaves rotation after an incremental sync', { skip: !ok && 'needs root, ip, nft and busybox' }, async () => {
  const ips = tb.endpoints.map((e) => e.ip);
  const client = new FakeClient()
    .seed(RESOURCES.services, service('rot', '10.96.0.20'))
    .seed(RESOURCES.endpointslices, slice('rot', ips));
  const life = new AbortController();
  const syncs: { full: boolean; error?: unknown }[] = [];
  let onSync: () => void = () => undefined;
  const h = startServiceProxy({
    client, nodeName: 'node-1', nodeIps: [tb.nodeIp], clusterCidrs: [tb.podCidr],
    nft: nftRunner({ netns: tb.node }), signal: life.signal, table: 'windlass-proxy-ctl',
    onSync: (r) => { syncs.push(r); onSync(); },
  });
  try {
    assert.equal(await h.ready, true);
    assert.deepEqual([...(await hits(tb.client, '10.96.0.20', 80, 24)).keys()].sort(), ['ep1', 'ep2', 'ep3']);
    const next = new Promise<void>((r) => { onSync = r; });
    client.emit(RESOURCES.endpointslices, { type: 'MODIFIED', object: slice('rot', ips.slice(0, 2), '2') });
    await next;
    assert.deepEqual(syncs.map((s) => [s.full, s.error === undefined]), [[true, true], [false, true]]);
    const after = await hits(tb.client, '10.96.0.20', 80, 24);
    assert.deepEqual([...after.keys()].sort(), ['ep1', 'ep2'], JSON.stringify([...after]));
  } finally {
    life.abort();
    await h.done;
  }
  const left = await tb.exec(tb.node, ['nft', 'list', 'tables']);
  assert.doesNotMatch(left, /windlass-proxy-ctl/, 'the controller deleted its table on stop');
});
