/**
 * @module agent/registration.int.test — the hollow agent against a real API server (memory store,
 * real kinds) over TLS with a node client certificate: registration, Lease renewal, status
 * heartbeats, adoption of an existing Node, stop on abort; and a refusal from a fake server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate } from '../pki/index.ts';
import { createMemoryStore } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import { startApiServer } from '../apiserver/index.ts';
import type { ApiServer } from '../apiserver/index.ts';
import { requestJson } from './http.ts';
import type { HttpTarget } from './http.ts';
import { registerNode } from './registration.ts';
import type { HostFacts } from './node-info.ts';

const host: HostFacts = { platform: 'win32', arch: 'x64', release: '10.0.20348', osImage: 'Windows Server 2022 Datacenter', hostname: 'WIN-7', cpus: 2, memoryBytes: 4 * 1024 ** 3, addresses: ['10.0.0.9'] };

let store: Store;
let server: ApiServer;
let ca: { cert: string; key: string };
let serving: { cert: string; key: string };
let node: { cert: string; key: string };

before(async () => {
  ca = await createCertificateAuthority();
  serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  node = await issueClientCertificate(ca.cert, ca.key, { commonName: 'system:node:win-7', organizations: ['system:nodes'] });
  store = createMemoryStore();
  server = await startApiServer({ store, tls: { cert: serving.cert, key: serving.key, ca: ca.cert }, host: '127.0.0.1', port: 0 });
});
after(async () => {
  await server.close();
  await store.close();
});

/** waitFor polls `check` until it returns a value or 5 s pass. */
async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await sleep(50);
  }
  throw new Error('timed out');
}

void test('registers the Node, renews its Lease and heartbeats until aborted; a second run adopts it', async () => {
  const target: HttpTarget = { server: `https://127.0.0.1:${server.port}`, caCert: ca.cert, clientCert: node.cert, clientKey: node.key };
  const controller = new AbortController();
  const logs: string[] = [];
  let ticks = 0;
  const now = (): Date => new Date(Date.UTC(2026, 0, 1) + 1000 * ticks++);
  const r = await registerNode({
    now,
    server: target.server, caCert: ca.cert, clientCert: node.cert, clientKey: node.key, nodeName: 'win-7', host,
    labels: { tier: 'gold' }, taints: [{ key: 'os', value: 'windows', effect: 'NoSchedule' }], signal: controller.signal,
    intervals: { leaseMs: 40, statusMs: 60 }, log: (m) => logs.push(m),
  });
  assert.equal(r.ok, true, r.ok ? '' : r.reason);
  if (!r.ok) return;
  assert.equal(r.adopted, false);
  const got = await requestJson(target, 'GET', '/api/v1/nodes/win-7');
  assert.equal(got.status, 200);
  assert.equal(got.json.metadata.labels['kubernetes.io/os'], 'windows');
  assert.equal(got.json.metadata.labels['node.kubernetes.io/windows-build'], '10.0.20348');
  assert.equal(got.json.metadata.labels.tier, 'gold');
  assert.deepEqual(got.json.spec.taints, [{ key: 'os', value: 'windows', effect: 'NoSchedule' }]);
  assert.equal(got.json.status.conditions[0].type, 'Ready');
  assert.equal(got.json.status.conditions[0].status, 'True');
  assert.equal(got.json.status.nodeInfo.kubeletVersion, 'v1.33.0-windlass');

  const first = await waitFor(async () => {
    const l = await requestJson(target, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/win-7');
    return l.status === 200 ? l.json : undefined;
  });
  assert.equal(first.spec.holderIdentity, 'win-7');
  assert.equal(first.metadata.ownerReferences[0].kind, 'Node');
  await waitFor(async () => {
    const l = await requestJson(target, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/win-7');
    return l.json.spec.renewTime !== first.spec.renewTime ? true : undefined;
  });
  const hb0 = got.json.status.conditions[0].lastHeartbeatTime;
  assert.equal(hb0, '2026-01-01T00:00:00Z');
  await waitFor(async () => {
    const n = await requestJson(target, 'GET', '/api/v1/nodes/win-7');
    const c = n.json.status.conditions[0];
    return c.lastHeartbeatTime !== hb0 && c.lastTransitionTime === hb0 ? true : undefined;
  });
  controller.abort();
  await r.stopped;
  assert.ok(logs.includes('node agent stopped'));

  const again = new AbortController();
  const r2 = await registerNode({
    server: target.server, caCert: ca.cert, clientCert: node.cert, clientKey: node.key, nodeName: 'win-7', host,
    labels: { zone: 'b' }, signal: again.signal,
  });
  assert.equal(r2.ok, true, r2.ok ? '' : r2.reason);
  if (r2.ok) {
    assert.equal(r2.adopted, true);
    assert.equal(r2.node.metadata.labels.tier, 'gold');
    assert.equal(r2.node.metadata.labels.zone, 'b');
  }
  again.abort();
  if (r2.ok) await r2.stopped;
});

void test('a 409 then 403 from the server is a clear refusal', async () => {
  const fake = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    req.resume();
    const status = req.method === 'POST' ? 409 : req.method === 'GET' ? 200 : 403;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status === 200
      ? { apiVersion: 'v1', kind: 'Node', metadata: { name: 'win-7', resourceVersion: '5' } }
      : { kind: 'Status', message: status === 403 ? 'node "win-8" is not allowed to modify node "win-7"' : 'already exists' }));
  });
  await new Promise<void>((res) => fake.listen(0, '127.0.0.1', res));
  try {
    const r = await registerNode({
      server: `https://127.0.0.1:${(fake.address() as AddressInfo).port}`, caCert: ca.cert, clientCert: node.cert, clientKey: node.key,
      nodeName: 'win-7', host, signal: new AbortController().signal,
    });
    assert.deepEqual(r, { ok: false, reason: 'node "win-7" already exists and is held by another identity: node "win-8" is not allowed to modify node "win-7"' });
  } finally {
    await new Promise((res) => fake.close(res));
  }
});
