/**
 * Integration tests with the real project modules (kinds, schemas, validation, selectors, patch,
 * protobuf, OpenAPI) behind a real HTTPS server and the memory store: the request bodies kubectl
 * 1.33 sends as protobuf, strategic merge patch, server-side apply, printers and discovery.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startRealServer, type Client, type RealServer } from './test-support.ts';

import { envelope, message, objectMeta } from './protobuf/testing.ts';
import { createCertificateRequest } from '../pki/index.ts';

const PB = 'application/vnd.kubernetes.protobuf';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const captures = JSON.parse(readFileSync(new URL('./protobuf/testdata/captures.json', import.meta.url), 'utf8')).captures as Record<string, { path: string }>;
const body = (name: string): Buffer => readFileSync(new URL(`./protobuf/testdata/${name}.pb`, import.meta.url));

void describe('apiserver with the real modules', () => {
  let real: RealServer;
  let c: Client;

  before(async () => {
    real = await startRealServer();
    c = real.client;
  });
  after(async () => { await real.close(); });

  void test('kubectl 1.33 protobuf bodies decode into the objects kubectl 1.31 sends as JSON', async () => {
    for (const name of ['create-deployment', 'create-configmap', 'create-namespace', 'create-secret', 'create-job']) {
      const r = await c.req('POST', captures[name].path, body(name), { 'Content-Type': PB });
      assert.equal(r.status, 201, `${name}: ${r.text}`);
      const want = JSON.parse(readFileSync(new URL(`./protobuf/testdata/${name}.kubectl-1.31.json`, import.meta.url), 'utf8'));
      assert.equal(r.json.kind, want.kind, name);
      assert.equal(r.json.metadata.name, want.metadata.name, name);
    }
    const who = await c.req('POST', captures['auth-whoami'].path, body('auth-whoami'), { 'Content-Type': PB });
    assert.equal(who.status, 201);
    assert.equal(who.json.status.userInfo.username, 'alice');
    const can = await c.req('POST', captures['auth-can-i'].path, body('auth-can-i'), { 'Content-Type': PB });
    assert.equal(can.json.status.allowed, true);
    const garbage = await c.req('POST', '/api/v1/namespaces/default/configmaps', Buffer.from('k8s\0garbage'), { 'Content-Type': PB });
    assert.equal(garbage.status, 400);
  });

  void test('protobuf bodies keep Go-embedded members: a volume\'s source and a probe\'s handler', async () => {
    // Pod{metadata, spec{volumes[{name, VolumeSource{configMap{LocalObjectReference{name}}}}],
    // containers[{name, image, readinessProbe{ProbeHandler{httpGet{path, port}}, periodSeconds}}]}}
    const spec = message([
      [1, 'm', [[1, 's', 'cfg'], [2, 'm', [[19, 'm', [[1, 'm', [[1, 's', 'app-config']]], [3, 'i', 420]]]]]]],
      [2, 'm', [[1, 's', 'web'], [2, 's', 'nginx'], [11, 'm', [[1, 'm', [[2, 'm', [[1, 's', '/healthz'], [2, 'm', [[1, 'i', 0], [2, 'i', 8080]]]]]]], [4, 'i', 5]]]]],
    ]);
    const pod = message([[1, 'm', objectMeta('embeds', 'default')], [2, 'b', spec]]);
    const r = await c.req('POST', '/api/v1/namespaces/default/pods', Buffer.from(envelope('v1', 'Pod', pod)), { 'Content-Type': PB });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.spec.volumes, [{ name: 'cfg', configMap: { name: 'app-config', defaultMode: 420 } }]);
    const probe = r.json.spec.containers[0].readinessProbe;
    assert.deepEqual(probe.httpGet, { path: '/healthz', port: 8080, scheme: 'HTTP' });
    assert.equal(probe.periodSeconds, 5);
  });

  void test('events have no watch cache (as upstream): rv=0 lists and watches from any RV still work, through events.k8s.io too', async () => {
    const EV = '/api/v1/namespaces/default/events';
    const ev = (name: string) => ({ metadata: { name }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'R', message: name, type: 'Normal' });
    const first = await c.req('POST', EV, ev('e1'));
    assert.equal(first.status, 201);
    const list0 = await c.req('GET', `${EV}?resourceVersion=0`);
    assert.deepEqual(list0.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['e1']);
    assert.equal(Number(list0.json.metadata.resourceVersion) >= Number(first.json.metadata.resourceVersion), true);
    const fromZero = c.watch(`${EV}?watch=true&resourceVersion=0`, (e) => e.length >= 2);
    const fromRv = c.watch(`${EV}?watch=true&resourceVersion=${first.json.metadata.resourceVersion}`, (e) => e.length >= 1);
    const filtered = c.watch('/apis/events.k8s.io/v1/namespaces/default/events?watch=true&fieldSelector=metadata.name%3De2', (e) => e.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    const second = await c.req('POST', EV, ev('e2'));
    assert.equal(second.status, 201);
    const z = await fromZero;
    assert.deepEqual(z.events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'e1'], ['ADDED', 'e2']]);
    const r = await fromRv;
    assert.deepEqual(r.events.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion]), [['ADDED', 'e2', second.json.metadata.resourceVersion]]);
    const f = await filtered;
    assert.deepEqual(f.events.map((e) => [e.type, e.object.kind, e.object.note]), [['ADDED', 'Event', 'e2']]);
  });

  void test('a no-op update writes nothing, and omitting defaulted fields does not bump generation', async () => {
    const CM = '/api/v1/namespaces/default/configmaps';
    const made = await c.req('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'noop', labels: { a: '1', b: '2' } }, data: { k: 'v' } });
    assert.equal(made.status, 201, made.text);
    const rv = made.json.metadata.resourceVersion;
    // Same content, keys in another order than stored.
    const again = await c.req('PUT', `${CM}/noop`, { data: { k: 'v' }, metadata: { labels: { b: '2', a: '1' }, name: 'noop', resourceVersion: rv }, kind: 'ConfigMap', apiVersion: 'v1' });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.metadata.resourceVersion, rv, 'no write, same resourceVersion');
    const D = '/apis/apps/v1/namespaces/default/deployments';
    const spec = { selector: { matchLabels: { app: 'g' } }, template: { metadata: { labels: { app: 'g' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } };
    const dep = await c.req('POST', D, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen' }, spec });
    assert.equal(dep.status, 201, dep.text);
    const put = await c.req('PUT', `${D}/gen`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen' }, spec });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.metadata.generation, 1, 'the same spec with defaults left out is no spec change');
    const changed = await c.req('PUT', `${D}/gen`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen' }, spec: { ...spec, replicas: 3 } });
    assert.equal(changed.json.metadata.generation, 2);
    assert.equal((await c.req('DELETE', `${D}/gen`)).status, 200);
  });

  void test('a list larger than one chunk streams as one valid document, from the store and from the cache', async () => {
    assert.equal((await c.req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'many' } })).status, 201);
    const N = 600;
    await Promise.all(Array.from({ length: N }, (_, i) => c.req('POST', '/api/v1/namespaces/many/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${String(i).padStart(4, '0')}` }, data: { i: String(i) } })));
    for (const q of ['', '?resourceVersion=0']) {
      const r = await c.req('GET', `/api/v1/namespaces/many/configmaps${q}`);
      assert.equal(r.status, 200);
      assert.equal(r.json.kind, 'ConfigMapList');
      assert.equal(r.json.items.length, N, `all items${q}`);
      assert.equal(r.json.items[N - 1].metadata.name, 'cm-0599');
      assert.ok(Number(r.json.metadata.resourceVersion) > 0);
    }
  });

  void test('CSRs record their requester; only /approval decides, /status carries the certificate', async () => {
    const { csrPem } = await createCertificateRequest({ commonName: 'system:node:n1', organizations: ['system:nodes'] });
    const C = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
    const made = await c.req('POST', C, {
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'csr-1' },
      spec: { request: Buffer.from(csrPem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], username: 'someone-else' },
    });
    assert.equal(made.status, 201, made.text);
    assert.notEqual(made.json.spec.username, 'someone-else', 'the requester cannot be claimed');
    assert.ok(made.json.spec.groups.includes('system:masters'), made.text);
    const approved = structuredClone(made.json);
    approved.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'ok' }] };
    const a = await c.req('PUT', `${C}/csr-1/approval`, approved);
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.status.conditions[0].type, 'Approved');
    const signed = structuredClone(a.json);
    signed.status = { certificate: Buffer.from('not really a certificate').toString('base64'), conditions: [] };
    const st = await c.req('PUT', `${C}/csr-1/status`, signed);
    assert.equal(st.status, 200, st.text);
    assert.ok(st.json.status.certificate);
    assert.deepEqual(st.json.status.conditions.map((x: any) => x.type), ['Approved'], '/status cannot drop the decision');
  });

  void test('deployments: defaults, strategic merge patch of containers, generation, printer columns, scale', async () => {
    const D = '/apis/apps/v1/namespaces/default/deployments';
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'sidecar', image: 'busybox' }] } } } };
    const cr = await c.req('POST', `${D}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`, dep);
    assert.equal(cr.status, 201, cr.text);
    assert.equal(cr.json.spec.replicas, 1);
    const p = await c.req('PATCH', `${D}/web?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`,
      { spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }, { $patch: 'delete', name: 'sidecar' }] } } } },
      { 'Content-Type': 'application/strategic-merge-patch+json' });
    assert.equal(p.status, 200, p.text);
    assert.deepEqual(p.json.spec.template.spec.containers.map((x: any) => `${x.name}=${x.image}`), ['nginx=nginx:1.26']);
    assert.equal(p.json.metadata.generation, 2);
    const t = await c.req('GET', D, undefined, { Accept: TABLE });
    assert.deepEqual(t.json.columnDefinitions.slice(0, 5).map((d: any) => d.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
    assert.equal(t.json.rows[0].cells[0], 'web');
    const typed = await c.req('POST', D, { ...dep, metadata: { name: 'typed' }, spec: { ...dep.spec, replicas: 'three' } });
    assert.equal(typed.status, 400, typed.text);
    assert.match(typed.json.message, /spec\.replicas/);
    const unknown = await c.req('POST', `${D}?fieldValidation=Strict`, { ...dep, metadata: { name: 'u' }, spec: { ...dep.spec, template: { ...dep.spec.template, spec: { containers: [{ name: 'c', image: 'x', bogus: 1 }] } } } });
    assert.equal(unknown.json.message, 'strict decoding error: unknown field "spec.template.spec.containers[0].bogus"');
    const sc = await c.req('PATCH', `${D}/web/scale`, { spec: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(sc.json.spec.replicas, 5);
    assert.equal(sc.json.status.selector, 'app=web');
  });

  void test('server-side apply creates, then reports conflicts with another manager', async () => {
    const CM = '/api/v1/namespaces/default/configmaps';
    const a = await c.req('PATCH', `${CM}/ssa?fieldManager=alpha&fieldValidation=Strict&force=false`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: one\n', { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.metadata.managedFields[0].manager, 'alpha');
    const b = await c.req('PATCH', `${CM}/ssa?fieldManager=beta&force=false`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { k: 'two' } }, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(b.status, 409);
    assert.match(b.json.message, /conflict with "alpha"/);
    const f = await c.req('PATCH', `${CM}/ssa?fieldManager=beta&force=true`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { k: 'two' } }, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(f.status, 200);
    assert.equal(f.json.data.k, 'two');
  });

  void test('managedFields as upstream: a create owns what it sent and its defaults, not what admission or the create reset add', async () => {
    const P = '/api/v1/namespaces/default/pods';
    const r = await c.req('POST', `${P}?fieldManager=creator`, { metadata: { name: 'owned' }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Running' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.status.phase, 'Pending', 'the create reset the status');
    const [creator, ...rest] = r.json.metadata.managedFields;
    assert.equal(rest.length, 0);
    assert.equal(creator.manager, 'creator');
    const f = creator.fieldsV1;
    assert.ok(f['f:spec']['f:containers']['k:{"name":"c"}']['f:image'], 'the image it sent');
    assert.ok(f['f:spec']['f:dnsPolicy'] && f['f:spec']['f:containers']['k:{"name":"c"}']['f:terminationMessagePath'], 'defaults');
    assert.equal(f['f:status'], undefined, 'status is reset on create: nobody owns it');
    assert.ok(Array.isArray(r.json.spec.tolerations) && r.json.spec.tolerations.length > 0, 'admission added tolerations');
    assert.equal(f['f:spec']['f:tolerations'], undefined, 'what admission added belongs to no manager');
    const s = await c.req('PATCH', `${P}/owned/status?fieldManager=kubelet`, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(s.status, 200, s.text);
    const byManager = new Map<string, any>(s.json.metadata.managedFields.map((e: any) => [`${e.manager}/${e.subresource ?? ''}`, e]));
    assert.deepEqual([...byManager.keys()].sort(), ['creator/', 'kubelet/status']);
    assert.deepEqual(byManager.get('creator/').fieldsV1, f, 'the status update leaves the creator\'s entry alone');
    assert.deepEqual(Object.keys(byManager.get('kubelet/status').fieldsV1['f:status']).sort(), ['f:conditions', 'f:phase']);
  });

  void test('a global default PriorityClass: a pod without a class gets its value; pod templates carry no priority, enableServiceLinks or requests from limits', async () => {
    const PC = '/apis/scheduling.k8s.io/v1/priorityclasses';
    const made = await c.req('POST', PC, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'everyone' }, value: 1000, globalDefault: true });
    assert.equal(made.status, 201, made.text);
    try {
      const r = await c.req('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'defaulted-priority' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.spec.priority, 1000);
      assert.equal(r.json.spec.priorityClassName, 'everyone');
      const d = await c.req('POST', '/apis/apps/v1/namespaces/default/deployments', {
        metadata: { name: 'no-priority' },
        spec: { selector: { matchLabels: { app: 'np' } }, template: { metadata: { labels: { app: 'np' } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: '1' } } }] } } },
      });
      assert.equal(d.status, 201, d.text);
      assert.equal(d.json.spec.template.spec.priority, undefined, 'upstream defaults no priority in a template');
      assert.equal(d.json.spec.template.spec.enableServiceLinks, undefined, 'nor enableServiceLinks (a Pod\'s default only)');
      assert.equal(r.json.spec.enableServiceLinks, true);
      assert.deepEqual(d.json.spec.template.spec.containers[0].resources, { limits: { cpu: '1' } }, 'a template\'s requests are not copied from its limits');
    } finally {
      await c.req('DELETE', `${PC}/everyone`);
    }
  });

  void test('pods: printer columns, field selectors, invalid pods rejected', async () => {
    const P = '/api/v1/namespaces/default/pods';
    const r = await c.req('POST', P, { metadata: { name: 'p1' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.status.phase, 'Pending');
    const bad = await c.req('POST', P, { metadata: { name: 'p2' }, spec: { containers: [] } });
    assert.equal(bad.status, 422);
    const fs = await c.req('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1');
    assert.deepEqual(fs.json.items.map((x: any) => x.metadata.name), ['p1']);
    const t = await c.req('GET', P, undefined, { Accept: TABLE });
    assert.deepEqual(t.json.columnDefinitions.slice(0, 5).map((d: any) => d.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  });

  void test('discovery and OpenAPI from the real catalog', async () => {
    const v1 = await c.req('GET', '/api/v1');
    const ev = v1.json.resources.find((x: any) => x.name === 'pods/eviction');
    assert.deepEqual([ev.group, ev.version, ev.kind], ['policy', 'v1', 'Eviction']);
    assert.ok(v1.json.resources.some((x: any) => x.name === 'namespaces/finalize'));
    const root = await c.req('GET', '/openapi/v3');
    const doc = await c.req('GET', root.json.paths['apis/apps/v1'].serverRelativeURL);
    assert.equal(doc.status, 200);
    assert.ok(doc.json.components.schemas['io.k8s.api.apps.v1.Deployment']);
    const pb = await c.req('GET', '/openapi/v2', undefined, { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    assert.equal(pb.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    assert.ok(Number(pb.headers['content-length']) > 1000);
  });
});
