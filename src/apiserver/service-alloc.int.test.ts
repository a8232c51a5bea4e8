/**
 * Integration tests of Service ClusterIP and NodePort allocation with the real modules over HTTPS:
 * defaults, explicit values (range and "already allocated" errors), headless and ExternalName,
 * type changes, release on delete, the `kubernetes` Service and its endpoints, uniqueness under
 * concurrency and across a restart on the same SQLite file, two servers sharing one store, and the
 * repair pass.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createMemoryStore, openSqliteStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { startApiServer, type ApiServer, type ApiServerOptions } from './server.ts';
import { Client, makeTestPki, type TestPki } from './test-support.ts';
import { CLUSTER_IP_PREFIX, NODE_PORT_PREFIX } from './service-allocator.ts';

const SVC = '/api/v1/namespaces/default/services';

function svc(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

async function start(pki: TestPki, store: Store, extra: Partial<ApiServerOptions> = {}): Promise<{ server: ApiServer; c: Client }> {
  const server = await startApiServer({ store, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, host: '127.0.0.1', port: 0, ...extra });
  return { server, c: new Client(server.url, pki) };
}

async function keys(store: Store, prefix: string): Promise<string[]> {
  const r = await store.list(prefix);
  assert.ok(r.ok);
  return r.items.map((kv) => kv.key.slice(prefix.length));
}

void describe('Service allocation', () => {
  let pki: TestPki;
  let store: Store;
  let server: ApiServer;
  let c: Client;
  before(async () => {
    pki = makeTestPki();
    store = createMemoryStore();
    ({ server, c } = await start(pki, store, { serviceNodePortRange: '30000-30009' }));
  });
  after(async () => { c.close(); await server.close(); await store.close(); });

  void test('the kubernetes Service, Endpoints and EndpointSlice exist at start-up', async () => {
    const s = await c.req('GET', `${SVC}/kubernetes`);
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.spec.clusterIP, '10.43.0.1');
    assert.deepEqual(s.json.spec.clusterIPs, ['10.43.0.1']);
    assert.deepEqual(s.json.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: server.port }]);
    const ep = await c.req('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
    assert.equal(ep.status, 200, ep.text);
    assert.deepEqual(ep.json.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: server.port, protocol: 'TCP' }] }]);
    assert.equal(ep.json.metadata.labels['endpointslice.kubernetes.io/skip-mirror'], 'true');
    const sl = await c.req('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes');
    assert.equal(sl.status, 200, sl.text);
    assert.equal(sl.json.metadata.labels['kubernetes.io/service-name'], 'kubernetes');
    assert.equal(sl.json.addressType, 'IPv4');
    assert.deepEqual(sl.json.endpoints, [{ addresses: ['127.0.0.1'], conditions: { ready: true } }]);
  });

  void test('a ClusterIP Service gets a free address of the range with families defaulted', async () => {
    const r = await c.req('POST', SVC, svc('web'));
    assert.equal(r.status, 201, r.text);
    const ip = r.json.spec.clusterIP as string;
    assert.match(ip, /^10\.43\.\d+\.\d+$/);
    assert.notEqual(ip, '10.43.0.1');
    assert.deepEqual(r.json.spec.clusterIPs, [ip]);
    assert.deepEqual(r.json.spec.ipFamilies, ['IPv4']);
    assert.equal(r.json.spec.ipFamilyPolicy, 'SingleStack');
    assert.ok((await keys(store, CLUSTER_IP_PREFIX)).includes(ip));
  });

  void test('explicit addresses: outside the range and taken are 422 on spec.clusterIPs', async () => {
    const cases = [
      { ip: '10.0.0.5', detail: 'failed to allocate IP 10.0.0.5: provided IP is not in the valid range. The range of valid IPs is 10.43.0.0/16' },
      { ip: '10.43.0.1', detail: 'failed to allocate IP 10.43.0.1: provided IP is already allocated' },
      { ip: '10.43.255.255', detail: 'failed to allocate IP 10.43.255.255: provided IP is not in the valid range. The range of valid IPs is 10.43.0.0/16' },
    ];
    for (const k of cases) {
      const r = await c.req('POST', SVC, svc('bad', { clusterIP: k.ip }));
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.reason, 'Invalid');
      assert.equal(r.json.details.causes[0].field, 'spec.clusterIPs');
      assert.ok(r.json.details.causes[0].message.endsWith(k.detail), r.json.details.causes[0].message);
    }
    const ok = await c.req('POST', SVC, svc('fixed', { clusterIP: '10.43.7.7' }));
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.spec.clusterIP, '10.43.7.7');
    const again = await c.req('POST', SVC, svc('fixed2', { clusterIP: '10.43.7.7' }));
    assert.equal(again.status, 422);
    const dry = await c.req('POST', `${SVC}?dryRun=All`, svc('dry', { clusterIP: '10.43.8.8' }));
    assert.equal(dry.status, 201);
    assert.ok(!(await keys(store, CLUSTER_IP_PREFIX)).includes('10.43.8.8'), 'dry run allocates nothing');
  });

  void test('headless gets None, ExternalName gets no address', async () => {
    const h = await c.req('POST', SVC, svc('headless', { clusterIP: 'None' }));
    assert.equal(h.status, 201, h.text);
    assert.deepEqual(h.json.spec.clusterIPs, ['None']);
    assert.deepEqual(h.json.spec.ipFamilies, ['IPv4']);
    const x = await c.req('POST', SVC, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    assert.equal(x.status, 201, x.text);
    assert.equal(x.json.spec.clusterIP, undefined);
    assert.equal(x.json.spec.ipFamilies, undefined);
  });

  void test('NodePorts: allocated, checked, changed with the type, released on delete', async () => {
    const np = await c.req('POST', SVC, svc('np', { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81, nodePort: 30005 }] }));
    assert.equal(np.status, 201, np.text);
    const [a, b] = np.json.spec.ports.map((p: { nodePort: number }) => p.nodePort);
    assert.equal(b, 30005);
    assert.ok(a >= 30000 && a <= 30009 && a !== 30005);
    const taken = await c.req('POST', SVC, svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30005 }] }));
    assert.equal(taken.status, 422);
    assert.equal(taken.json.details.causes[0].field, 'spec.ports[0].nodePort');
    assert.match(taken.json.details.causes[0].message, /provided port is already allocated/);
    const range = await c.req('POST', SVC, svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 30010 }] }));
    assert.equal(range.status, 422);
    assert.match(range.json.message, /provided port is not in the valid range. The range of valid ports is 30000-30009/);
    // A PUT without the nodePorts keeps them; a change to ClusterIP releases them.
    const put = await c.req('PUT', `${SVC}/np`, { ...np.json, spec: { ...np.json.spec, ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json.spec.ports.map((p: { nodePort: number }) => p.nodePort), [a, b]);
    const toCip = await c.req('PATCH', `${SVC}/np`, { spec: { type: 'ClusterIP' } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(toCip.status, 200, toCip.text);
    assert.equal(toCip.json.spec.ports[0].nodePort, undefined);
    assert.deepEqual(await keys(store, NODE_PORT_PREFIX), []);
    const back = await c.req('PATCH', `${SVC}/np`, { spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(back.status, 200, back.text);
    assert.ok(back.json.spec.healthCheckNodePort >= 30000);
    assert.equal(back.json.spec.clusterIP, toCip.json.spec.clusterIP, 'the ClusterIP is kept');
    assert.equal((await keys(store, NODE_PORT_PREFIX)).length, 3);
    const ip = back.json.spec.clusterIP as string;
    const del = await c.req('DELETE', `${SVC}/np`);
    assert.equal(del.status, 200);
    assert.deepEqual(await keys(store, NODE_PORT_PREFIX), []);
    assert.ok(!(await keys(store, CLUSTER_IP_PREFIX)).includes(ip));
  });

  void test('the ClusterIP is immutable and kept when an update omits it', async () => {
    const cur = (await c.req('GET', `${SVC}/web`)).json;
    const change = await c.req('PUT', `${SVC}/web`, { ...cur, spec: { ...cur.spec, clusterIP: '10.43.9.9', clusterIPs: ['10.43.9.9'] } });
    assert.equal(change.status, 422, change.text);
    const omit = structuredClone(cur);
    delete omit.spec.clusterIP; delete omit.spec.clusterIPs;
    const kept = await c.req('PUT', `${SVC}/web`, omit);
    assert.equal(kept.status, 200, kept.text);
    assert.equal(kept.json.spec.clusterIP, cur.spec.clusterIP);
  });

  void test('many concurrent creates get distinct addresses', async () => {
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => c.req('POST', SVC, svc(`many-${i}`))));
    for (const r of rs) assert.equal(r.status, 201, r.text);
    const ips = rs.map((r) => r.json.spec.clusterIP as string);
    assert.equal(new Set(ips).size, ips.length);
  });
});

void describe('Service allocation across restarts and servers', () => {
  let pki: TestPki;
  let dir: string;
  before(() => { pki = makeTestPki(); dir = mkdtempSync(join(tmpdir(), 'windlass-svc-alloc-')); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  void test('a restart on the same SQLite file never hands out an address twice', async () => {
    const path = join(dir, 'state.db');
    const cidr = '10.96.0.0/29'; // usable for Services: .2 … .6
    let store = await openSqliteStore(path);
    let s = await start(pki, store, { serviceCIDR: cidr });
    const first = await Promise.all([1, 2, 3].map((i) => s.c.req('POST', SVC, svc(`a${i}`))));
    s.c.close(); await s.server.close(); await store.close();
    store = await openSqliteStore(path);
    s = await start(pki, store, { serviceCIDR: cidr });
    try {
      const second = await Promise.all([1, 2].map((i) => s.c.req('POST', SVC, svc(`b${i}`))));
      const ips = [...first, ...second].map((r) => { assert.equal(r.status, 201, r.text); return r.json.spec.clusterIP as string; });
      assert.equal(new Set(ips).size, 5);
      const full = await s.c.req('POST', SVC, svc('c1'));
      assert.equal(full.status, 500);
      assert.match(full.json.message, /range is full/);
    } finally {
      s.c.close(); await s.server.close(); await store.close();
    }
  });

  void test('two servers sharing one store allocate distinct addresses', async () => {
    const store = createMemoryStore();
    const one = await start(pki, store, { serviceCIDR: '10.97.0.0/27' });
    const two = await start(pki, store, { serviceCIDR: '10.97.0.0/27' });
    try {
      const rs = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? one : two).c.req('POST', SVC, svc(`s${i}`))));
      const ips = rs.map((r) => { assert.equal(r.status, 201, r.text); return r.json.spec.clusterIP as string; });
      assert.equal(new Set(ips).size, 24);
    } finally {
      one.c.close(); two.c.close(); await one.server.close(); await two.server.close(); await store.close();
    }
  });

  void test('the start-up repair frees stale allocations and records missing ones', async () => {
    const store = createMemoryStore();
    let t = Date.UTC(2026, 0, 1);
    let s = await start(pki, store, { now: () => t });
    const r = await s.c.req('POST', SVC, svc('keep', { type: 'NodePort' }));
    assert.equal(r.status, 201, r.text);
    s.c.close(); await s.server.close();
    const ip = r.json.spec.clusterIP as string;
    const port = String(r.json.spec.ports[0].nodePort);
    await store.create(`${CLUSTER_IP_PREFIX}10.43.99.99`, JSON.stringify({ namespace: 'default', name: 'gone', uid: 'x', at: t }));
    await store.delete(`${CLUSTER_IP_PREFIX}${ip}`);
    await store.delete(`${NODE_PORT_PREFIX}${port}`);
    t += 10 * 60_000;
    s = await start(pki, store, { now: () => t });
    try {
      const ips = await keys(store, CLUSTER_IP_PREFIX);
      assert.ok(ips.includes(ip), 'missing record written again');
      assert.ok(!ips.includes('10.43.99.99'), 'stale record freed');
      assert.deepEqual(await keys(store, NODE_PORT_PREFIX), [port]);
      const dup = await s.c.req('POST', SVC, svc('dup', { clusterIP: ip }));
      assert.equal(dup.status, 422);
    } finally {
      s.c.close(); await s.server.close(); await store.close();
    }
  });
});

void describe('dual-stack Service allocation and the kubernetes Service loop', () => {
  let pki: TestPki;
  before(() => { pki = makeTestPki(); });

  void test('an IPv4,IPv6 serviceCIDR pair serves single- and dual-stack Services', async () => {
    const store = createMemoryStore();
    const s = await start(pki, store, { serviceCIDR: '10.44.0.0/16,fd00:44::/112' });
    try {
      const single = await s.c.req('POST', SVC, svc('single'));
      assert.equal(single.status, 201, single.text);
      assert.deepEqual(single.json.spec.ipFamilies, ['IPv4']);
      const dual = await s.c.req('POST', SVC, svc('dual', { ipFamilyPolicy: 'PreferDualStack' }));
      assert.equal(dual.status, 201, dual.text);
      assert.deepEqual(dual.json.spec.ipFamilies, ['IPv4', 'IPv6']);
      assert.match(dual.json.spec.clusterIPs[0], /^10\.44\./);
      assert.match(dual.json.spec.clusterIPs[1], /^fd00:44::[0-9a-f]+$/);
      const v6 = await s.c.req('POST', SVC, svc('v6', { ipFamilies: ['IPv6'], clusterIP: 'fd00:44::beef' }));
      assert.equal(v6.status, 201, v6.text);
      assert.deepEqual(v6.json.spec.clusterIPs, ['fd00:44::beef']);
      const taken = await s.c.req('POST', SVC, svc('v6b', { ipFamilies: ['IPv6'], clusterIP: 'fd00:44:0::beef' }));
      assert.equal(taken.status, 422, 'the same address written differently is taken too');
      const down = await s.c.req('PATCH', `${SVC}/dual`, { spec: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'], clusterIPs: [dual.json.spec.clusterIPs[0]] } }, { 'Content-Type': 'application/merge-patch+json' });
      assert.equal(down.status, 200, down.text);
      assert.deepEqual(down.json.spec.clusterIPs, [dual.json.spec.clusterIPs[0]]);
      assert.ok(!(await keys(store, CLUSTER_IP_PREFIX)).includes(dual.json.spec.clusterIPs[1]), 'the IPv6 address is released');
    } finally {
      s.c.close(); await s.server.close(); await store.close();
    }
    const v4 = createMemoryStore();
    const t = await start(pki, v4);
    try {
      const r = await t.c.req('POST', SVC, svc('req', { ipFamilyPolicy: 'RequireDualStack' }));
      assert.equal(r.status, 422, r.text);
      assert.match(r.json.message, /spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services/);
    } finally {
      t.c.close(); await t.server.close(); await v4.close();
    }
  });

  void test('the kubernetes Endpoints are put back by the periodic reconcile', async () => {
    const store = createMemoryStore();
    const s = await start(pki, store, { advertiseAddress: '192.0.2.10', tuning: { endpointReconcileIntervalMs: 50 } });
    try {
      const ep = '/api/v1/namespaces/default/endpoints/kubernetes';
      assert.equal((await s.c.req('GET', ep)).json.subsets[0].addresses[0].ip, '192.0.2.10');
      assert.equal((await s.c.req('DELETE', ep)).status, 200);
      let back = false;
      for (let i = 0; i < 100 && !back; i++) {
        await new Promise((r) => setTimeout(r, 20));
        back = (await s.c.req('GET', ep)).status === 200;
      }
      assert.ok(back, 'recreated');
    } finally {
      s.c.close(); await s.server.close(); await store.close();
    }
  });
});
