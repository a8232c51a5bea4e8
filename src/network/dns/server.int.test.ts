/**
 * Integration: cluster DNS against a real in-process API server (memory store, test CA) — Services
 * and EndpointSlices created over HTTPS, names resolved on 127.0.0.1 with node:dns (c-ares, which
 * falls back to TCP on truncation), raw TCP queries, a fake upstream for forwarding, changes
 * followed through the informers, and busybox's nslookup as a second resolver implementation.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import { createMemoryStore } from '../../store/index.ts';
import { startApiServer, type ApiServer } from '../../apiserver/index.ts';
import { makeTestPki } from '../../apiserver/test-support.ts';
import type { JsonObject } from '../../api/index.ts';
import { InformerFactory, RESOURCES, RestClient } from '../../client/index.ts';
import { startClusterDns, type ClusterDns } from './server.ts';

let server: ApiServer;
let client: RestClient;
let dns: ClusterDns;
let upstream: UdpSocket;
let upstreamQueries = 0;
const stopper = new AbortController();
let apiIP = '';

const run = promisify(execFile);

function resolver(): Resolver {
  const r = new Resolver({ timeout: 2000, tries: 1 });
  r.setServers([`127.0.0.1:${dns.ports[0]}`]);
  return r;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const slice = (ns: string, svc: string, name: string, endpoints: JsonObject[], ports: JsonObject[]): JsonObject => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svc } }, endpoints, ports,
});

before(async () => {
  const pki = makeTestPki();
  server = await startApiServer({ store: createMemoryStore(), tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, host: '127.0.0.1', port: 0 });
  client = new RestClient({ server: server.url, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
  await client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
  const api = await client.create(RESOURCES.services, 'apps', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  apiIP = String(api.spec?.clusterIP);
  await client.create(RESOURCES.services, 'apps', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } });
  await client.create(RESOURCES.endpointslices, 'apps', slice('apps', 'web', 'web-1', [
    { addresses: ['10.42.1.5'], hostname: 'web-0', conditions: { ready: true } },
    { addresses: ['10.42.2.6'], hostname: 'web-1', conditions: { ready: true } },
  ], [{ name: 'http', port: 80, protocol: 'TCP' }]));
  await client.create(RESOURCES.services, 'apps', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'big' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } });
  await client.create(RESOURCES.endpointslices, 'apps', slice('apps', 'big', 'big-1',
    Array.from({ length: 80 }, (_, i) => ({ addresses: [`10.42.9.${i + 1}`], conditions: { ready: true } })), [{ port: 80 }]));

  // A fake upstream: answers every A question with 192.0.2.1.
  upstream = createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    upstreamQueries++;
    const q = dnsPacket.decode(msg);
    const res = dnsPacket.encode({ id: q.id, type: 'response', flags: 0x80 | 0x100, questions: q.questions,
      answers: (q.questions ?? []).filter((x) => x.type === 'A').map((x) => ({ type: 'A', name: x.name, ttl: 30, data: '192.0.2.1' })) });
    upstream.send(res, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));

  dns = await startClusterDns({ client, listen: [{ address: '127.0.0.1', port: 0 }], upstream: [`127.0.0.1:${upstream.address().port}`], signal: stopper.signal, upstreamTimeoutMs: 500 });
});

after(async () => {
  stopper.abort();
  await dns?.close();
  upstream?.close();
  client?.close();
  await server?.close();
});

test('services, headless services, StatefulSet hostnames, SRV and PTR resolve through node:dns', async () => {
  const r = resolver();
  assert.match(apiIP, /^10\.43\./);
  assert.deepEqual(await r.resolve4('api.apps.svc.cluster.local'), [apiIP]);
  assert.deepEqual((await r.resolve4('web.apps.svc.cluster.local')).sort(), ['10.42.1.5', '10.42.2.6']);
  assert.deepEqual(await r.resolve4('web-1.web.apps.svc.cluster.local'), ['10.42.2.6']);
  assert.deepEqual(await r.resolve4('10-42-7-7.apps.pod.cluster.local'), ['10.42.7.7']);
  const srv = await r.resolveSrv('_http._tcp.web.apps.svc.cluster.local');
  assert.deepEqual(srv.map((s) => `${s.name}:${s.port}`).sort(), ['web-0.web.apps.svc.cluster.local:80', 'web-1.web.apps.svc.cluster.local:80']);
  assert.deepEqual(await r.reverse(apiIP), ['api.apps.svc.cluster.local']);
  assert.deepEqual(await r.reverse('10.42.1.5'), ['web-0.web.apps.svc.cluster.local']);
});

test('unknown in-zone names are NXDOMAIN, existing names without the family are NODATA', async () => {
  const r = resolver();
  await assert.rejects(r.resolve4('nope.apps.svc.cluster.local'), { code: 'ENOTFOUND' });
  await assert.rejects(r.resolve4('api.apps.svc.cluster.local.apps.svc.cluster.local'), { code: 'ENOTFOUND' });
  await assert.rejects(r.resolve6('api.apps.svc.cluster.local'), { code: 'ENODATA' });
});

test('names outside the zone are forwarded upstream', async () => {
  const before = upstreamQueries;
  assert.deepEqual(await resolver().resolve4('example.test'), ['192.0.2.1']);
  assert.equal(upstreamQueries, before + 1);
});

test('a response over 512 bytes is truncated on UDP and complete over TCP (c-ares retries over TCP)', async () => {
  const q = dnsPacket.encode({ id: 99, type: 'query', flags: 0x100, questions: [{ name: 'big.apps.svc.cluster.local', type: 'A', class: 'IN' }] });
  const udp = await new Promise<Buffer>((resolve, reject) => {
    const s = createSocket('udp4');
    s.on('message', (m) => { s.close(); resolve(m); });
    s.on('error', reject);
    s.send(q, dns.ports[0], '127.0.0.1');
  });
  const u = dnsPacket.decode(udp);
  assert.equal(u.id, 99);
  assert.equal(u.flag_tc, true);
  assert.equal(u.answers?.length, 0);
  const tcp = await new Promise<Buffer>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: dns.ports[0] });
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { s.destroy(); resolve(buf.subarray(2)); }
    });
    s.on('error', reject);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(q.length);
    s.write(Buffer.concat([len, q]));
  });
  const t = dnsPacket.decode(tcp);
  assert.equal(t.flag_tc, false);
  assert.equal(t.answers?.length, 80);
  assert.equal((await resolver().resolve4('big.apps.svc.cluster.local')).length, 80);
});

test('changes to EndpointSlices and Services reach DNS through the informers', async () => {
  const r = resolver();
  await client.patch(RESOURCES.endpointslices, 'apps', 'web-1', 'merge', { endpoints: [
    { addresses: ['10.42.1.5'], hostname: 'web-0', conditions: { ready: true } },
    { addresses: ['10.42.2.6'], hostname: 'web-1', conditions: { ready: false } },
  ] });
  await eventually('web-1 not ready', async () => ((await r.resolve4('web.apps.svc.cluster.local')).length === 1 ? true : undefined));
  await assert.rejects(r.resolve4('web-1.web.apps.svc.cluster.local'), { code: 'ENOTFOUND' });
  await client.create(RESOURCES.services, 'apps', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'api.apps.svc.cluster.local' } });
  const ips = await eventually('ExternalName CNAME', async () => (await r.resolve4('ext.apps.svc.cluster.local').catch(() => undefined)));
  assert.deepEqual(ips, [apiIP]);
  assert.deepEqual(await r.resolveCname('ext.apps.svc.cluster.local'), ['api.apps.svc.cluster.local']);
  await client.delete(RESOURCES.services, 'apps', 'api');
  await eventually('api gone', async () => (await r.resolve4('api.apps.svc.cluster.local').then(() => undefined, (e: NodeJS.ErrnoException) => e.code === 'ENOTFOUND' ? true : undefined)));
});

test('a shared informer factory can feed the server; without upstreams out-of-zone names are REFUSED', async () => {
  const stop = new AbortController();
  const factory = new InformerFactory(client);
  const started = startClusterDns({ informers: factory, listen: [{ address: '127.0.0.1', port: 0 }], upstream: [], signal: stop.signal });
  factory.start(stop.signal);
  const shared = await started;
  try {
    const r = new Resolver({ timeout: 2000, tries: 1 });
    r.setServers([`127.0.0.1:${shared.ports[0]}`]);
    assert.deepEqual((await r.resolve4('web-0.web.apps.svc.cluster.local')), ['10.42.1.5']);
    await assert.rejects(r.resolve4('example.test'), { code: 'EREFUSED' });
  } finally {
    stop.abort();
    await shared.close();
    await factory.stopped();
  }
});

test('busybox nslookup (a second resolver library) accepts the answers', { skip: !existsSync('/bin/busybox') }, async () => {
  const { stdout } = await run('/bin/busybox', ['nslookup', 'web-0.web.apps.svc.cluster.local', `127.0.0.1:${dns.ports[0]}`], { timeout: 10_000 });
  assert.match(stdout, /Name:\s+web-0\.web\.apps\.svc\.cluster\.local/);
  assert.match(stdout, /Address:\s+10\.42\.1\.5/);
  const srv = await run('/bin/busybox', ['nslookup', '-type=srv', '_http._tcp.web.apps.svc.cluster.local', `127.0.0.1:${dns.ports[0]}`], { timeout: 10_000 });
  assert.match(srv.stdout, /web-0\.web\.apps\.svc\.cluster\.local/);
});
