/**
 * Integration tests: a real HTTPS API server on 127.0.0.1 with the memory store and a throwaway
 * CA, driven over HTTPS with the admin client certificate.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { createMemoryStore, openEtcdStore, openSqliteStore } from '../store/index.ts';
import { ETCD_BINARY, startEtcd, type RunningEtcd } from '../store/etcd-testing.ts';
import type { Store } from '../store/types.ts';
import { startApiServer, type ApiServer } from './server.ts';
import { Client, fakeDeps, makeTestPki, type TestPki } from './test-support.ts';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const CM = '/api/v1/namespaces/default/configmaps';

function suite(backend: string, makeStore: () => Promise<Store>, cleanup: () => void | Promise<void>): void {
void describe(`apiserver over HTTPS (${backend} store)`, () => {
  let pki: TestPki;
  let store: Store;
  let server: ApiServer;
  let c: Client;

  before(async () => {
    pki = makeTestPki();
    store = await makeStore();
    server = await startApiServer({ store, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, host: '127.0.0.1', port: 0, deps: fakeDeps(), tuning: { bookmarkIntervalMs: 100, namespaceRetryMs: 50 } });
    c = new Client(server.url, pki);
  });
  after(async () => {
    c.close();
    await server.close();
    await store.close();
    await cleanup();
  });

  void test('anonymous may read /version and health only (else 403); a foreign certificate is 401', async () => {
    const a = new Client(server.url, pki, 'anonymous');
    const v = await a.req('GET', '/version');
    assert.equal(v.status, 200);
    assert.equal(v.json.gitVersion, 'v1.33.0-windlass');
    assert.equal((await a.req('GET', '/healthz')).text, 'ok');
    const denied = await a.req('GET', CM);
    assert.equal(denied.status, 403);
    assert.equal(denied.json.reason, 'Forbidden');
    assert.equal(denied.json.message, 'configmaps is forbidden: User "system:anonymous" cannot list resource "configmaps" in API group "" in the namespace "default"');
    assert.equal((await a.req('GET', '/api')).status, 403);
    a.close();
    const o = new Client(server.url, pki, 'other');
    for (const path of ['/version', '/healthz', CM]) {
      const r = await o.req('GET', path);
      assert.equal(r.status, 401);
      assert.equal(r.json.reason, 'Unauthorized');
    }
    o.close();
  });

  void test('system namespaces exist', async () => {
    const r = await c.req('GET', '/api/v1/namespaces');
    const names = r.json.items.map((n: any) => n.metadata.name).sort();
    assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    assert.equal(r.json.items[0].status.phase, 'Active');
  });

  void test('create, get, conflict on stale update, unconditional update, already exists', async () => {
    const cr = await c.req('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { x: '1' } });
    assert.equal(cr.status, 201);
    const m = cr.json.metadata;
    assert.match(m.uid, /^[0-9a-f-]{36}$/);
    assert.equal(m.namespace, 'default');
    assert.equal(m.generation, 1);
    assert.match(m.resourceVersion, /^\d+$/);
    assert.match(m.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const stored = await store.get('/registry/core/configmaps/default/a');
    assert.ok(stored && !JSON.parse(stored.value).metadata.resourceVersion, 'stored without resourceVersion');
    assert.equal((await c.req('POST', CM, { metadata: { name: 'a' } })).status, 409);
    const g = await c.req('GET', `${CM}/a`);
    assert.equal(g.json.data.x, '1');
    const upd = await c.req('PUT', `${CM}/a`, { ...g.json, data: { x: '2' } });
    assert.equal(upd.status, 200);
    assert.ok(Number(upd.json.metadata.resourceVersion) > Number(m.resourceVersion));
    const stale = await c.req('PUT', `${CM}/a`, { ...g.json, data: { x: '3' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.reason, 'Conflict');
    assert.match(stale.json.message, /the object has been modified/);
    const { resourceVersion: _rv, ...meta } = g.json.metadata;
    const unc = await c.req('PUT', `${CM}/a`, { ...g.json, metadata: meta, data: { x: '4' } });
    assert.equal(unc.status, 200);
    assert.equal(unc.json.data.x, '4');
    assert.equal(unc.json.metadata.uid, m.uid);
    const miss = await c.req('GET', `${CM}/nope`);
    assert.equal(miss.status, 404);
    assert.equal(miss.json.message, 'configmaps "nope" not found');
  });

  void test('generateName, missing namespace, namespace mismatch, invalid name, malformed JSON, 413', async () => {
    const r = await c.req('POST', CM, { metadata: { generateName: 'gen-' } });
    assert.equal(r.status, 201);
    assert.match(r.json.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal((await c.req('POST', '/api/v1/namespaces/nope/configmaps', { metadata: { name: 'x' } })).status, 404);
    assert.equal((await c.req('POST', CM, { metadata: { name: 'x', namespace: 'kube-system' } })).status, 400);
    const bad = await c.req('POST', CM, { metadata: { name: 'Bad_Name' } });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.reason, 'Invalid');
    assert.equal(bad.json.details.causes[0].field, 'metadata.name');
    const noname = await c.req('POST', CM, { metadata: {} });
    assert.equal(noname.status, 422);
    assert.match(noname.json.message, /name or generateName is required/);
    const mal = await c.req('POST', CM, '{"metadata":');
    assert.equal(mal.status, 400);
    assert.equal(mal.json.kind, 'Status');
    const big = await c.req('POST', CM, JSON.stringify({ metadata: { name: 'big' }, data: { x: 'y'.repeat(3 * 1024 * 1024) } }));
    assert.equal(big.status, 413);
    assert.equal((await c.req('GET', `${CM}/big`)).status, 404);
    assert.equal((await c.req('POST', CM, { metadata: { name: 'yml' } }, { 'Content-Type': 'text/html' })).status, 415);
    const y = await c.req('POST', CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yml\ndata:\n  on: "yes"\n', { 'Content-Type': 'application/yaml' });
    assert.equal(y.status, 201);
  });

  void test('fieldValidation Strict, Warn, Ignore and dryRun', async () => {
    const body = { metadata: { name: 'fv' }, data: {}, foo: 1 };
    const strict = await c.req('POST', `${CM}?fieldValidation=Strict`, body);
    assert.equal(strict.status, 400);
    assert.equal(strict.json.message, 'strict decoding error: unknown field "foo"');
    const warn = await c.req('POST', `${CM}?fieldValidation=Warn&dryRun=All`, body);
    assert.equal(warn.status, 201);
    assert.equal(warn.headers.warning, '299 - "unknown field \\"foo\\""');
    assert.equal(warn.json.foo, undefined);
    assert.equal((await c.req('GET', `${CM}/fv`)).status, 404, 'dryRun stores nothing');
    const ign = await c.req('POST', `${CM}?fieldValidation=Ignore`, body);
    assert.equal(ign.status, 201);
    assert.equal(ign.headers.warning, undefined);
    assert.equal((await c.req('GET', `${CM}/fv`)).json.foo, undefined);
    const nested = await c.req('POST', '/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict', { metadata: { name: 'd0' }, spec: { foo: 1 } });
    assert.equal(nested.json.message, 'strict decoding error: unknown field "spec.foo"');
  });

  void test('list paging with continue tokens, label and field selectors', async () => {
    for (let i = 0; i < 5; i++) await c.req('POST', '/api/v1/namespaces/kube-public/configmaps', { metadata: { name: `p${i}`, labels: { app: i % 2 ? 'odd' : 'even' } } });
    const base = '/api/v1/namespaces/kube-public/configmaps';
    const names: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const r = await c.req('GET', `${base}?limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      assert.equal(r.status, 200);
      names.push(...r.json.items.map((x: any) => x.metadata.name));
      cont = r.json.metadata.continue ?? '';
      pages++;
    } while (cont);
    assert.deepEqual(names, ['p0', 'p1', 'p2', 'p3', 'p4']);
    assert.equal(pages, 3);
    const odd = await c.req('GET', `${base}?labelSelector=app%3Dodd`);
    assert.deepEqual(odd.json.items.map((x: any) => x.metadata.name), ['p1', 'p3']);
    const byName = await c.req('GET', `${base}?fieldSelector=metadata.name%3Dp2`);
    assert.deepEqual(byName.json.items.map((x: any) => x.metadata.name), ['p2']);
    const bad = await c.req('GET', `${base}?fieldSelector=spec.foo%3Dx`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.message, 'field label not supported: spec.foo');
    const cached = await c.req('GET', `${base}?resourceVersion=0&labelSelector=app%3Deven`);
    assert.deepEqual(cached.json.items.map((x: any) => x.metadata.name), ['p0', 'p2', 'p4']);
    // resourceVersion=0 with a limit: the first page from the watch cache, the rest from the store.
    const first = await c.req('GET', `${base}?resourceVersion=0&limit=2&labelSelector=app%3Deven`);
    assert.deepEqual(first.json.items.map((x: any) => x.metadata.name), ['p0', 'p2']);
    assert.ok(first.json.metadata.continue, 'a continue token');
    const rest = await c.req('GET', `${base}?limit=2&labelSelector=app%3Deven&continue=${encodeURIComponent(first.json.metadata.continue)}`);
    assert.deepEqual(rest.json.items.map((x: any) => x.metadata.name), ['p4']);
    assert.equal(rest.json.metadata.continue ?? '', '');
    const all = await c.req('GET', '/api/v1/configmaps');
    assert.ok(all.json.items.some((x: any) => x.metadata.namespace === 'kube-public'));
    assert.ok(all.json.items.some((x: any) => x.metadata.namespace === 'default'));
    assert.equal((await c.req('GET', `${base}?continue=garbage`)).status, 400);
  });

  void test('expired continue token gives 410', async () => {
    const base = '/api/v1/namespaces/kube-public/configmaps';
    const r = await c.req('GET', `${base}?limit=1`);
    await c.req('POST', base, { metadata: { name: 'later' } });
    await store.compact(await store.currentRevision());
    const r2 = await c.req('GET', `${base}?limit=1&continue=${encodeURIComponent(r.json.metadata.continue)}`);
    assert.equal(r2.status, 410);
    assert.equal(r2.json.reason, 'Expired');
  });

  void test('watch from a create RV sees later events; selectors turn transitions into ADDED/DELETED', async () => {
    const cr = await c.req('POST', CM, { metadata: { name: 'w1', labels: { t: 'a' } } });
    const rv = cr.json.metadata.resourceVersion;
    const p = c.watch(`${CM}?watch=true&resourceVersion=${rv}&labelSelector=t%3Da`, (ev) => ev.length >= 3);
    await new Promise((r) => setTimeout(r, 50));
    const g = await c.req('PATCH', `${CM}/w1`, { data: { k: 'v' } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(g.status, 200);
    await c.req('PATCH', `${CM}/w1`, { metadata: { labels: { t: 'b' } } }, { 'Content-Type': 'application/merge-patch+json' });
    await c.req('PATCH', `${CM}/w1`, { metadata: { labels: { t: 'a' } } }, { 'Content-Type': 'application/merge-patch+json' });
    const { status, events } = await p;
    assert.equal(status, 200);
    assert.deepEqual(events.map((e) => e.type), ['MODIFIED', 'DELETED', 'ADDED']);
    assert.equal(events[0].object.data.k, 'v');
    assert.equal(events[0].object.metadata.resourceVersion, g.json.metadata.resourceVersion);
  });

  void test('watch without RV sends initial ADDED, bookmarks, timeoutSeconds ends the stream, legacy path works', async () => {
    const r = await c.watch(`${CM}?watch=true&fieldSelector=metadata.name%3Da&allowWatchBookmarks=true&timeoutSeconds=1`, () => false);
    assert.equal(r.events[0].type, 'ADDED');
    assert.equal(r.events[0].object.metadata.name, 'a');
    const bm = r.events.find((e) => e.type === 'BOOKMARK');
    assert.ok(bm, 'a bookmark arrived');
    assert.equal(bm.object.kind, 'ConfigMap');
    assert.match(bm.object.metadata.resourceVersion, /^\d+$/);
    const legacy = await c.watch('/api/v1/watch/namespaces/default/configmaps/a?timeoutSeconds=1', (ev) => ev.length >= 1);
    assert.equal(legacy.events[0].object.metadata.name, 'a');
    const init = await c.watch(`${CM}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&fieldSelector=metadata.name%3Da`, (ev) => ev.some((e) => e.type === 'BOOKMARK'));
    const end = init.events.find((e) => e.type === 'BOOKMARK');
    assert.equal(end.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
  });

  void test('watch from a compacted RV gets an ERROR 410 event', async () => {
    await c.req('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'old' }, spec: {} });
    await store.compact(await store.currentRevision());
    const r = await c.watch('/api/v1/namespaces/default/pods?watch=true&resourceVersion=1', () => false);
    assert.equal(r.status, 200);
    assert.equal(r.events.length, 1);
    assert.equal(r.events[0].type, 'ERROR');
    assert.equal(r.events[0].object.code, 410);
    assert.match(r.events[0].object.message, /^too old resource version: 1 \(\d+\)$/);
  });

  void test('Table output for lists, single objects and watches', async () => {
    const t = await c.req('GET', CM, undefined, { Accept: TABLE });
    assert.equal(t.json.kind, 'Table');
    assert.deepEqual(t.json.columnDefinitions.map((d: any) => d.name), ['Name', 'Data', 'Age']);
    assert.equal(t.json.columnDefinitions[0].format, 'name');
    const row = t.json.rows.find((r: any) => r.cells[0] === 'a');
    assert.equal(row.object.kind, 'PartialObjectMetadata');
    const one = await c.req('GET', `${CM}/a?includeObject=Object`, undefined, { Accept: TABLE });
    assert.equal(one.json.rows.length, 1);
    assert.equal(one.json.rows[0].object.kind, 'ConfigMap');
    const pods = await c.req('GET', '/api/v1/pods', undefined, { Accept: TABLE });
    assert.deepEqual(pods.json.columnDefinitions.map((d: any) => d.name), ['Name', 'Age']);
    const w = await c.watch(`${CM}?watch=true&timeoutSeconds=1`, (ev) => ev.length >= 2, { Accept: TABLE });
    assert.equal(w.events[0].object.kind, 'Table');
    assert.equal(w.events[0].object.rows.length, 1);
    assert.ok(Array.isArray(w.events[0].object.columnDefinitions));
    assert.equal(w.events[1].object.columnDefinitions, null);
    const pm = await c.req('GET', CM, undefined, { Accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' });
    assert.equal(pm.json.kind, 'PartialObjectMetadataList');
    assert.equal(pm.json.items[0].data, undefined);
  });

  void test('discovery: legacy and aggregated with exact content types', async () => {
    const api = await c.req('GET', '/api');
    assert.deepEqual(api.json.versions, ['v1']);
    const v2 = await c.req('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json' });
    assert.equal(v2.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const apps = v2.json.items.find((i: any) => i.metadata.name === 'apps');
    const dep = apps.versions[0].resources.find((r: any) => r.resource === 'deployments');
    assert.deepEqual(dep.subresources.find((s: any) => s.subresource === 'scale').responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const b1 = await c.req('GET', '/api', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json' });
    assert.equal(b1.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
    assert.equal(b1.json.items[0].metadata.name, '');
    const v1 = await c.req('GET', '/api/v1');
    const ev = v1.json.resources.find((r: any) => r.name === 'pods/eviction');
    assert.equal(ev.group, 'policy');
    assert.equal(ev.version, 'v1');
    assert.equal(ev.kind, 'Eviction');
    const legacy = await c.req('GET', '/apis');
    assert.equal(legacy.headers['content-type'], 'application/json');
    assert.equal(legacy.json.kind, 'APIGroupList');
  });

  void test('openapi v3 root, per-GV document, v2 protobuf content type', async () => {
    const root = await c.req('GET', '/openapi/v3');
    const url = root.json.paths['apis/apps/v1'].serverRelativeURL;
    assert.match(url, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    const doc = await c.req('GET', url);
    assert.equal(doc.json.openapi, '3.0.0');
    const pb = await c.req('GET', '/openapi/v2', undefined, { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    assert.equal(pb.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    assert.equal((await c.req('GET', '/openapi/v2')).json.swagger, '2.0');
  });

  void test('status and scale subresources, generation bumps only on spec changes', async () => {
    const D = '/apis/apps/v1/namespaces/default/deployments';
    const cr = await c.req('POST', D, { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } } }, status: { replicas: 9 } });
    assert.equal(cr.status, 201);
    assert.equal(cr.json.spec.replicas, 1, 'defaulted');
    assert.equal(cr.json.status, undefined, 'status dropped on create');
    const st = await c.req('PUT', `${D}/web/status`, { ...cr.json, spec: { replicas: 7 }, status: { replicas: 1 } });
    assert.equal(st.json.status.replicas, 1);
    assert.equal(st.json.spec.replicas, 1, 'status PUT ignores spec');
    assert.equal(st.json.metadata.generation, 1);
    const main = await c.req('PUT', `${D}/web`, { ...st.json, spec: { ...st.json.spec, replicas: 2 }, status: { replicas: 5 } });
    assert.equal(main.json.metadata.generation, 2);
    assert.equal(main.json.status.replicas, 1, 'main PUT keeps status');
    const sc = await c.req('GET', `${D}/web/scale`);
    assert.equal(sc.json.kind, 'Scale');
    assert.equal(sc.json.spec.replicas, 2);
    assert.equal(sc.json.status.selector, 'app=web');
    const patched = await c.req('PATCH', `${D}/web/scale`, { spec: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(patched.json.spec.replicas, 5);
    assert.equal((await c.req('GET', `${D}/web`)).json.spec.replicas, 5);
    const neg = await c.req('PUT', `${D}/web/scale`, { spec: { replicas: -1 } });
    assert.equal(neg.status, 422);
    const inv = await c.req('PATCH', `${D}/web`, { spec: { replicas: -3 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(inv.status, 422);
    assert.equal((await c.req('GET', `${D}/web`)).json.spec.replicas, 5, 'rejected write changed nothing');
  });

  void test('patch types: json patch, 415 for unknown, apply creates then conflicts', async () => {
    const jp = await c.req('PATCH', `${CM}/a`, [{ op: 'add', path: '/data/j', value: 'p' }], { 'Content-Type': 'application/json-patch+json' });
    assert.equal(jp.status, 200);
    assert.equal(jp.json.data.j, 'p');
    assert.equal((await c.req('PATCH', `${CM}/a`, {}, { 'Content-Type': 'text/plain' })).status, 415);
    const stale = await c.req('PATCH', `${CM}/a`, { metadata: { resourceVersion: '1' }, data: { z: '1' } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(stale.status, 409);
    const ap = await c.req('PATCH', `${CM}/applied?fieldManager=me`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { a: '1' } }, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(ap.status, 201);
    assert.equal(ap.json.metadata.managedFields[0].operation, 'Apply');
    const again = await c.req('PATCH', `${CM}/applied?fieldManager=me`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "2"\n', { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(again.status, 200);
    assert.equal(again.json.data.a, '2');
    await c.req('PUT', `${CM}/applied?fieldManager=owner-of-data`, { ...again.json, data: { a: '2', b: 'x' }, metadata: { ...again.json.metadata, resourceVersion: undefined } });
    const conflictR = await c.req('PATCH', `${CM}/applied?fieldManager=me`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { a: '3' } }, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(conflictR.status, 409);
    assert.equal(conflictR.json.details.causes[0].reason, 'FieldManagerConflict');
    const forced = await c.req('PATCH', `${CM}/applied?fieldManager=me&force=true`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { a: '3' } }, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(forced.status, 200);
  });

  void test('delete with finalizers keeps the object until they are removed; propagation policies', async () => {
    await c.req('POST', CM, { metadata: { name: 'fin', finalizers: ['example.com/x'] } });
    const d = await c.req('DELETE', `${CM}/fin`, { propagationPolicy: 'Background' });
    assert.equal(d.status, 200);
    assert.ok(d.json.metadata.deletionTimestamp);
    assert.equal(d.json.metadata.deletionGracePeriodSeconds, 0);
    assert.equal((await c.req('GET', `${CM}/fin`)).status, 200);
    const add = await c.req('PATCH', `${CM}/fin`, { metadata: { finalizers: ['example.com/x', 'new'] } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(add.status, 422);
    const rm = await c.req('PATCH', `${CM}/fin`, { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(rm.status, 200);
    assert.equal((await c.req('GET', `${CM}/fin`)).status, 404);
    await c.req('POST', CM, { metadata: { name: 'fg' } });
    const fg = await c.req('DELETE', `${CM}/fg`, { propagationPolicy: 'Foreground' });
    assert.deepEqual(fg.json.metadata.finalizers, ['foregroundDeletion']);
    await c.req('POST', CM, { metadata: { name: 'gone' } });
    const dry = await c.req('DELETE', `${CM}/gone?dryRun=All`);
    assert.equal(dry.status, 200);
    assert.equal((await c.req('GET', `${CM}/gone`)).status, 200);
    assert.equal((await c.req('DELETE', `${CM}/gone`, { dryRun: ['All'], propagationPolicy: 'Background' })).status, 200);
    assert.equal((await c.req('GET', `${CM}/gone`)).status, 200, 'dryRun in DeleteOptions stores nothing');
    const pre = await c.req('DELETE', `${CM}/gone`, { preconditions: { uid: 'nope' } });
    assert.equal(pre.status, 409);
    assert.equal((await c.req('DELETE', `${CM}/gone`)).status, 200);
    assert.equal((await c.req('GET', `${CM}/gone`)).status, 404);
  });

  void test('pods on a node are deleted gracefully; unscheduled pods at once', async () => {
    const P = '/api/v1/namespaces/default/pods';
    await c.req('POST', P, { metadata: { name: 'bound' }, spec: { nodeName: 'n1' } });
    const d = await c.req('DELETE', `${P}/bound`);
    assert.equal(d.json.metadata.deletionGracePeriodSeconds, 30);
    assert.equal((await c.req('GET', `${P}/bound`)).status, 200);
    await c.req('DELETE', `${P}/bound`, { gracePeriodSeconds: 0 });
    assert.equal((await c.req('GET', `${P}/bound`)).status, 404);
    await c.req('POST', P, { metadata: { name: 'free' }, spec: {} });
    await c.req('DELETE', `${P}/free`);
    assert.equal((await c.req('GET', `${P}/free`)).status, 404);
  });

  void test('pods/binding assigns a node once; pods/eviction deletes; deletecollection by label', async () => {
    const P = '/api/v1/namespaces/default/pods';
    await c.req('POST', P, { metadata: { name: 'sched', labels: { dc: 'yes' } }, spec: {} });
    const b = await c.req('POST', `${P}/sched/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'sched' }, target: { kind: 'Node', name: 'n7' } });
    assert.equal(b.status, 201);
    assert.equal(b.json.status, 'Success');
    const bound = (await c.req('GET', `${P}/sched`)).json;
    assert.equal(bound.spec.nodeName, 'n7');
    const managers = bound.metadata.managedFields.map((e: { manager: string; subresource?: string }) => `${e.manager}/${e.subresource ?? ''}`);
    assert.equal(managers.length, 1, `binding adds no managedFields entry, as upstream: ${managers.join(', ')}`);
    assert.ok(!managers.some((m: string) => m.startsWith('binding')), managers.join(', '));
    const again = await c.req('POST', `${P}/sched/binding`, { target: { kind: 'Node', name: 'n8' } });
    assert.equal(again.status, 409);
    await c.req('POST', P, { metadata: { name: 'evictme' }, spec: {} });
    const e = await c.req('POST', `${P}/evictme/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evictme' } });
    assert.equal(e.status, 201);
    assert.equal((await c.req('GET', `${P}/evictme`)).status, 404);
    assert.equal((await c.req('POST', `${P}/nope/eviction`, { metadata: { name: 'nope' } })).status, 404);
    await c.req('POST', P, { metadata: { name: 'dc2', labels: { dc: 'yes' } }, spec: {} });
    await c.req('POST', P, { metadata: { name: 'keep' }, spec: {} });
    const dc = await c.req('DELETE', `${P}?labelSelector=dc%3Dyes`);
    assert.equal(dc.status, 200);
    assert.deepEqual(dc.json.items.map((x: any) => x.metadata.name).sort(), ['dc2', 'sched']);
    assert.equal((await c.req('GET', `${P}/keep`)).status, 200);
  });

  void test('namespace deletion terminates, empties and removes the namespace', async () => {
    assert.equal((await c.req('POST', '/api/v1/namespaces', { metadata: { name: 'tmp' } })).status, 201);
    await c.req('POST', '/api/v1/namespaces/tmp/configmaps', { metadata: { name: 'x' } });
    const d = await c.req('DELETE', '/api/v1/namespaces/tmp');
    assert.equal(d.json.status.phase, 'Terminating');
    const blocked = await c.req('POST', '/api/v1/namespaces/tmp/configmaps', { metadata: { name: 'y' } });
    assert.ok(blocked.status === 403 || blocked.status === 404);
    for (let i = 0; i < 100; i++) {
      if ((await c.req('GET', '/api/v1/namespaces/tmp')).status === 404) break;
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.equal((await c.req('GET', '/api/v1/namespaces/tmp')).status, 404);
    assert.equal((await store.count('/registry/core/configmaps/tmp/')), 0);
  });

  void test('PUT namespaces/x/finalize releases a namespace held by a foreign spec finalizer', async () => {
    await c.req('POST', '/api/v1/namespaces', { metadata: { name: 'held' }, spec: { finalizers: ['example.com/x'] } });
    await c.req('DELETE', '/api/v1/namespaces/held');
    await new Promise((r) => setTimeout(r, 150));
    const ns = await c.req('GET', '/api/v1/namespaces/held');
    assert.equal(ns.json.status.phase, 'Terminating');
    const fin = await c.req('PUT', '/api/v1/namespaces/held/finalize', { ...ns.json, spec: { finalizers: [] } });
    assert.equal(fin.status, 200);
    assert.equal((await c.req('GET', '/api/v1/namespaces/held')).status, 404);
  });

  void test('self-subject reviews and metrics', async () => {
    const who = await c.req('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    assert.equal(who.status, 201);
    assert.equal(who.json.status.userInfo.username, 'alice');
    assert.ok(who.json.status.userInfo.groups.includes('system:masters'));
    const can = await c.req('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: { resourceAttributes: { verb: 'create', resource: 'pods' } } });
    assert.equal(can.json.status.allowed, true);
    const m = await c.req('GET', '/metrics');
    assert.match(m.text, /apiserver_request_total\{verb="POST",resource="configmaps",code="201"\}/);
    assert.equal((await new Client(server.url, pki, 'anonymous').req('GET', '/metrics')).status, 403);
  });

  void test('unknown paths and methods are Status errors', async () => {
    const r = await c.req('GET', '/apis/nope/v1/things');
    assert.equal(r.status, 404);
    assert.equal(r.json.kind, 'Status');
    assert.equal((await c.req('POST', `${CM}/a`, {})).status, 405);
  });

  void test('CRDs register served versions with discovery, tables, merge patch, 415 for strategic, and unregister on delete', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } }, subresources: { status: {}, scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' } },
          additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }] }],
      },
    };
    assert.equal((await c.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    let res = await c.req('GET', '/apis/example.com/v1');
    assert.equal(res.status, 200, 'served as soon as the CRD create returns');
    assert.deepEqual(res.json.resources.map((r: any) => r.name), ['widgets', 'widgets/status', 'widgets/scale']);
    const W = '/apis/example.com/v1/namespaces/default/widgets';
    const cr = await c.req('POST', W, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2 }, status: { size: 9 } });
    assert.equal(cr.status, 201);
    assert.equal(cr.json.status, undefined);
    const t = await c.req('GET', W, undefined, { Accept: TABLE });
    assert.deepEqual(t.json.columnDefinitions.map((d: any) => d.name), ['Name', 'Size', 'Age']);
    assert.equal(t.json.rows[0].cells[1], 2);
    assert.equal((await c.req('PATCH', `${W}/w`, { spec: { size: 3 } }, { 'Content-Type': 'application/strategic-merge-patch+json' })).status, 415);
    const mp = await c.req('PATCH', `${W}/w`, { spec: { size: 3 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(mp.json.spec.size, 3);
    assert.equal(mp.json.metadata.generation, 2);
    assert.equal((await c.req('GET', `${W}/w/scale`)).json.spec.replicas, 3);
    const got = await c.req('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    assert.ok(got.json.status.conditions.some((x: any) => x.type === 'Established' && x.status === 'True'));
    const agg = await c.req('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    assert.ok(agg.json.items.some((g: any) => g.metadata.name === 'example.com'));
    const root = await c.req('GET', '/openapi/v3');
    assert.ok(root.json.paths['apis/example.com/v1']);
    await c.req('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    for (let i = 0; i < 50; i++) {
      res = await c.req('GET', '/apis/example.com/v1');
      if (res.status === 404) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(res.status, 404);
    assert.equal((await c.req('GET', `${W}/w`)).status, 404);
  });

  void test('a watcher that does not read is cut off instead of buffering without bound', async () => {
    const s2 = await startApiServer({ store, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, host: '127.0.0.1', port: 0, deps: fakeDeps(), tuning: { maxWatchBufferBytes: 64 * 1024 } });
    const c2 = new Client(s2.url, pki);
    try {
      const closed = new Promise<boolean>((resolve) => {
        const r = request(`${s2.url}/api/v1/namespaces/kube-system/configmaps?watch=true`, { agent: c2.agent }, (res) => {
          res.pause();
          res.on('close', () => resolve(true));
          res.on('error', () => resolve(true));
        });
        r.on('error', () => resolve(true));
        r.end();
      });
      await new Promise((r) => setTimeout(r, 50));
      const big = 'x'.repeat(256 * 1024);
      const gauge = async (): Promise<string> => /apiserver_longrunning_requests (\d+)/.exec((await c2.req('GET', '/metrics')).text)![1];
      assert.equal(await gauge(), '1');
      for (let i = 0; i < 64; i++) await c2.req('POST', '/api/v1/namespaces/kube-system/configmaps', { metadata: { name: `big${i}` }, data: { v: big } });
      assert.equal(await closed, true);
      assert.equal(await gauge(), '0');
    } finally {
      c2.close();
      await s2.close();
    }
  });
});
}

suite('memory', async () => createMemoryStore(), () => undefined);
const dir = mkdtempSync(join(tmpdir(), 'windlass-apiserver-sqlite-'));
suite('sqlite', () => openSqliteStore(join(dir, 'state.db')), () => rmSync(dir, { recursive: true, force: true }));
let etcd: RunningEtcd | undefined;
if (existsSync(ETCD_BINARY)) {
  suite('etcd', async () => { etcd = await startEtcd(); return openEtcdStore([etcd.endpoint]); }, async () => { await etcd?.stop(); });
}
