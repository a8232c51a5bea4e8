/**
 * Integration tests of version conversion with the real project modules behind a real HTTPS
 * server and the memory store: HorizontalPodAutoscalers through autoscaling/v1 and v2 (stored as
 * v2) and Events through core v1 and events.k8s.io/v1 (stored as core v1 under one key prefix),
 * for get, list, watch, create, update, patch, delete, Table output and field selectors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRealServer, type Client, type RealServer } from './test-support.ts';

const HPA1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
const HPA2 = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';
const CORE_EV = '/api/v1/namespaces/default/events';
const EV1 = '/apis/events.k8s.io/v1/namespaces/default/events';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const REF = { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' };
const MEMORY = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } };
const cpu = (n: number): Record<string, unknown> => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } });

void describe('version conversion', () => {
  let real: RealServer;
  let c: Client;

  before(async () => {
    real = await startRealServer();
    c = real.client;
  });
  after(async () => { await real.close(); });

  void test('HPA created through v1 is stored as v2 and read through both versions', async () => {
    const cr = await c.req('POST', `${HPA1}?fieldValidation=Strict`, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'one' }, spec: { scaleTargetRef: REF, maxReplicas: 5, targetCPUUtilizationPercentage: 50 } });
    assert.equal(cr.status, 201, cr.text);
    assert.equal(cr.json.apiVersion, 'autoscaling/v1');
    assert.deepEqual(cr.json.spec, { scaleTargetRef: REF, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    const kv = await real.store.get('/registry/autoscaling/horizontalpodautoscalers/default/one');
    const stored = JSON.parse(kv!.value);
    assert.equal(stored.apiVersion, 'autoscaling/v2');
    assert.deepEqual(stored.spec.metrics, [cpu(50)]);
    const g2 = await c.req('GET', `${HPA2}/one`);
    assert.equal(g2.json.apiVersion, 'autoscaling/v2');
    assert.deepEqual(g2.json.spec.metrics, [cpu(50)]);
    assert.equal(g2.json.spec.targetCPUUtilizationPercentage, undefined);
    assert.equal(g2.json.metadata.resourceVersion, cr.json.metadata.resourceVersion);
    const g1 = await c.req('GET', `${HPA1}/one`, undefined, { Accept: 'application/yaml' });
    assert.match(g1.text, /apiVersion: autoscaling\/v1/);
    assert.match(g1.text, /targetCPUUtilizationPercentage: 50/);
    // Validation and unknown fields are judged in the request's version.
    const strict = await c.req('POST', `${HPA1}?fieldValidation=Strict`, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'bad' }, spec: { scaleTargetRef: REF, maxReplicas: 5, metrics: [cpu(1)] } });
    assert.equal(strict.status, 400, strict.text);
    assert.match(strict.json.message, /unknown field "spec.metrics"/);
    const noTarget = await c.req('POST', HPA1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'dflt' }, spec: { scaleTargetRef: REF, maxReplicas: 2 } });
    assert.equal(noTarget.status, 201, noTarget.text);
    assert.equal(noTarget.json.spec.targetCPUUtilizationPercentage, 80, 'the v2 default metric shows through v1');
  });

  void test('HPA created through v2 keeps what v1 cannot express across v1 updates and patches', async () => {
    const behavior = { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } };
    const cr = await c.req('POST', HPA2, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'two', annotations: { team: 'a' } }, spec: { scaleTargetRef: REF, minReplicas: 2, maxReplicas: 10, metrics: [MEMORY, cpu(70)], behavior } });
    assert.equal(cr.status, 201, cr.text);
    const g1 = await c.req('GET', `${HPA1}/two`);
    assert.equal(g1.json.spec.targetCPUUtilizationPercentage, 70);
    const ann = g1.json.metadata.annotations;
    assert.equal(ann.team, 'a');
    assert.deepEqual(JSON.parse(ann['autoscaling.alpha.kubernetes.io/metrics']), [{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } }]);
    assert.match(ann['autoscaling.alpha.kubernetes.io/behavior'], /^\{"ScaleUp":\{"StabilizationWindowSeconds":0,/);

    const put = structuredClone(g1.json);
    put.spec.maxReplicas = 12;
    const u = await c.req('PUT', `${HPA1}/two`, put);
    assert.equal(u.status, 200, u.text);
    assert.equal(u.json.apiVersion, 'autoscaling/v1');
    assert.equal(u.json.spec.maxReplicas, 12);
    const p = await c.req('PATCH', `${HPA1}/two`, { spec: { targetCPUUtilizationPercentage: 60 } }, MERGE);
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.spec.targetCPUUtilizationPercentage, 60);
    const g2 = await c.req('GET', `${HPA2}/two`);
    assert.deepEqual(g2.json.spec.metrics, [MEMORY, cpu(60)]);
    assert.equal(g2.json.spec.maxReplicas, 12);
    assert.equal(g2.json.spec.behavior.scaleDown.stabilizationWindowSeconds, 60);
    assert.deepEqual(g2.json.metadata.annotations, { team: 'a' }, 'round-trip annotations never reach v2 or storage');
    // A v2 patch is applied to the v2 shape.
    const p2 = await c.req('PATCH', `${HPA2}/two`, { spec: { metrics: [cpu(65)] } }, MERGE);
    assert.equal(p2.status, 200, p2.text);
    assert.deepEqual(p2.json.spec.metrics, [cpu(65)]);
    const after1 = await c.req('GET', `${HPA1}/two`);
    assert.equal(after1.json.spec.targetCPUUtilizationPercentage, 65);
    assert.equal(after1.json.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'], undefined);
    // Status written through v1 lands in v2's currentMetrics.
    const st = await c.req('PATCH', `${HPA1}/two/status`, { status: { currentReplicas: 3, desiredReplicas: 3, currentCPUUtilizationPercentage: 40 } }, MERGE);
    assert.equal(st.status, 200, st.text);
    const s2 = await c.req('GET', `${HPA2}/two/status`);
    assert.deepEqual(s2.json.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } }]);
  });

  void test('HPA list, Table and watch in each version', async () => {
    for (const [path, av] of [[HPA1, 'autoscaling/v1'], [HPA2, 'autoscaling/v2']] as const) {
      for (const rv of ['', '0']) {
        const l = await c.req('GET', `${path}?resourceVersion=${rv}&labelSelector=`);
        assert.equal(l.status, 200, l.text);
        assert.equal(l.json.apiVersion, av);
        assert.ok(l.json.items.length >= 2);
        for (const it of l.json.items) {
          assert.equal(it.apiVersion, av);
          if (av === 'autoscaling/v1') assert.equal(typeof it.spec.targetCPUUtilizationPercentage, 'number');
          else assert.ok(Array.isArray(it.spec.metrics) && it.spec.targetCPUUtilizationPercentage === undefined);
        }
      }
    }
    const t = await c.req('GET', `${HPA1}?includeObject=Object`, undefined, { Accept: TABLE });
    assert.equal(t.json.kind, 'Table');
    const row = t.json.rows.find((r: any) => r.cells[0] === 'one');
    assert.equal(row.object.apiVersion, 'autoscaling/v1');
    assert.equal(row.object.spec.targetCPUUtilizationPercentage, 50);
    const targets = t.json.columnDefinitions.findIndex((d: any) => d.name === 'Targets');
    assert.equal(row.cells[targets], 'cpu: <unknown>/50%');

    const rv = (await c.req('GET', HPA2)).json.metadata.resourceVersion;
    const w1 = c.watch(`${HPA1}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Done`, (ev) => ev.length >= 1);
    const w2 = c.watch(`${HPA2}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Done`, (ev) => ev.length >= 1);
    const wt = c.watch(`${HPA1}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Done`, (ev) => ev.length >= 1, { Accept: TABLE });
    await new Promise((r) => setTimeout(r, 100));
    const p = await c.req('PATCH', `${HPA2}/one`, { spec: { metrics: [cpu(55)] } }, MERGE);
    assert.equal(p.status, 200, p.text);
    const [e1, e2, et] = await Promise.all([w1, w2, wt]);
    assert.equal(e1.events[0].type, 'MODIFIED');
    assert.equal(e1.events[0].object.apiVersion, 'autoscaling/v1');
    assert.equal(e1.events[0].object.spec.targetCPUUtilizationPercentage, 55);
    assert.equal(e2.events[0].object.apiVersion, 'autoscaling/v2');
    assert.deepEqual(e2.events[0].object.spec.metrics, [cpu(55)]);
    assert.equal(et.events[0].object.kind, 'Table');
    assert.equal(et.events[0].object.rows[0].object.metadata.name, 'one');
    // Initial events of a watch without resourceVersion, and a delete seen through v1.
    const init = await c.watch(`${HPA1}?watch=true&fieldSelector=metadata.name%3Done`, (ev) => ev.length >= 1);
    assert.equal(init.events[0].type, 'ADDED');
    assert.equal(init.events[0].object.spec.targetCPUUtilizationPercentage, 55);
    const d = await c.req('DELETE', `${HPA1}/dflt`);
    assert.equal(d.status, 200, d.text);
    assert.equal(d.json.apiVersion, 'autoscaling/v1');
    assert.equal((await c.req('GET', `${HPA2}/dflt`)).status, 404);
  });

  void test('core Events and events.k8s.io Events are one resource in two shapes', async () => {
    const core = await c.req('POST', CORE_EV, {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1' }, involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
      reason: 'Pulled', message: 'pulled image', source: { component: 'kubelet', host: 'n1' }, count: 2, type: 'Normal',
      firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:01:00Z',
    });
    assert.equal(core.status, 201, core.text);
    const asNew = await c.req('GET', `${EV1}/web.1`);
    assert.equal(asNew.status, 200, asNew.text);
    assert.equal(asNew.json.apiVersion, 'events.k8s.io/v1');
    assert.equal(asNew.json.note, 'pulled image');
    assert.deepEqual(asNew.json.regarding, { kind: 'Pod', namespace: 'default', name: 'web' });
    assert.deepEqual(asNew.json.deprecatedSource, { component: 'kubelet', host: 'n1' });
    assert.equal(asNew.json.deprecatedCount, 2);
    assert.equal(asNew.json.message, undefined);

    const created = await c.req('POST', EV1, {
      apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'db.1' }, eventTime: '2026-01-01T00:00:00.000000Z',
      reportingController: 'example.com/ctl', reportingInstance: 'ctl-1', action: 'Scale', reason: 'Scaled', type: 'Normal',
      regarding: { kind: 'Deployment', namespace: 'default', name: 'db' }, note: 'scaled up',
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.apiVersion, 'events.k8s.io/v1');
    assert.equal(created.json.note, 'scaled up');
    const kv = await real.store.get('/registry/core/events/default/db.1');
    assert.ok(kv, 'stored under the core events prefix');
    assert.equal(JSON.parse(kv.value).apiVersion, 'v1');
    const asCore = await c.req('GET', `${CORE_EV}/db.1`);
    assert.equal(asCore.json.message, 'scaled up');
    assert.equal(asCore.json.reportingComponent, 'example.com/ctl');
    assert.deepEqual(asCore.json.involvedObject, { kind: 'Deployment', namespace: 'default', name: 'db' });
    // Validation runs in the request's version.
    const bad = await c.req('POST', EV1, { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'x.1' }, note: 'n', regarding: { name: 'x' } });
    assert.equal(bad.status, 422, bad.text);
    // Update and patch through events.k8s.io.
    const p = await c.req('PATCH', `${EV1}/web.1`, { note: 'pulled again', deprecatedCount: 3 }, MERGE);
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.note, 'pulled again');
    const again = await c.req('GET', `${CORE_EV}/web.1`);
    assert.equal(again.json.message, 'pulled again');
    assert.equal(again.json.count, 3);
    assert.equal(again.json.source.component, 'kubelet');
  });

  void test('event lists, field selectors, Table and watches through both groups', async () => {
    for (const rv of ['', '0']) {
      const coreList = await c.req('GET', `${CORE_EV}?resourceVersion=${rv}&fieldSelector=involvedObject.name%3Ddb`);
      assert.equal(coreList.status, 200, coreList.text);
      assert.deepEqual(coreList.json.items.map((e: any) => [e.apiVersion, e.metadata.name, e.message]), [['v1', 'db.1', 'scaled up']]);
      const newList = await c.req('GET', `${EV1}?resourceVersion=${rv}&fieldSelector=regarding.name%3Dweb`);
      assert.equal(newList.status, 200, newList.text);
      assert.equal(newList.json.apiVersion, 'events.k8s.io/v1');
      assert.deepEqual(newList.json.items.map((e: any) => [e.apiVersion, e.metadata.name, e.note]), [['events.k8s.io/v1', 'web.1', 'pulled again']]);
      const byController = await c.req('GET', `/apis/events.k8s.io/v1/events?resourceVersion=${rv}&fieldSelector=reportingController%3Dexample.com%2Fctl,type%3DNormal`);
      assert.deepEqual(byController.json.items.map((e: any) => e.metadata.name), ['db.1']);
    }
    for (const [path, sel] of [[EV1, 'involvedObject.name=db'], [EV1, 'source=kubelet'], [CORE_EV, 'regarding.name=db']]) {
      const r = await c.req('GET', `${path}?fieldSelector=${encodeURIComponent(sel)}`);
      assert.equal(r.status, 400, `${path} ${sel}`);
      assert.match(r.json.message, /field label not supported/);
    }
    const t = await c.req('GET', `${EV1}?includeObject=Object`, undefined, { Accept: TABLE });
    const row = t.json.rows.find((r: any) => r.object.metadata.name === 'web.1');
    assert.equal(row.object.apiVersion, 'events.k8s.io/v1');
    const msg = t.json.columnDefinitions.findIndex((d: any) => d.name === 'Message');
    assert.equal(row.cells[msg], 'pulled again');

    const rv = (await c.req('GET', CORE_EV)).json.metadata.resourceVersion;
    const wNew = c.watch(`${EV1}?watch=true&resourceVersion=${rv}&fieldSelector=regarding.name%3Ddb`, (ev) => ev.length >= 2);
    const wCore = c.watch(`${CORE_EV}?watch=true&resourceVersion=${rv}&fieldSelector=involvedObject.name%3Ddb`, (ev) => ev.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await c.req('PATCH', `${CORE_EV}/web.1`, { message: 'not about db' }, MERGE)).status, 200);
    assert.equal((await c.req('PATCH', `${CORE_EV}/db.1`, { message: 'db again' }, MERGE)).status, 200);
    const del = await c.req('DELETE', `${EV1}/db.1`);
    assert.equal(del.status, 200, del.text);
    assert.equal(del.json.apiVersion, 'events.k8s.io/v1');
    assert.equal(del.json.note, 'db again');
    const [n, o] = await Promise.all([wNew, wCore]);
    assert.deepEqual(n.events.map((e) => [e.type, e.object.apiVersion, e.object.note]), [['MODIFIED', 'events.k8s.io/v1', 'db again'], ['DELETED', 'events.k8s.io/v1', 'db again']]);
    assert.deepEqual(o.events.map((e) => [e.type, e.object.apiVersion, e.object.message]), [['MODIFIED', 'v1', 'db again'], ['DELETED', 'v1', 'db again']]);
    assert.equal((await c.req('GET', `${CORE_EV}/db.1`)).status, 404);
  });
});
