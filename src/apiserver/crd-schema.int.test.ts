/**
 * @module apiserver/crd-schema.int.test — custom resources against their CRD's openAPIV3Schema on
 * a real server (real deps, memory store): defaults on create, patch and update; 422 causes naming
 * the field for schema, type and metadata errors; ratcheting when the CRD's schema tightens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMemoryStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { loadDefaultDeps } from './deps.ts';
import { startApiServer, type ApiServer } from './server.ts';
import { Client, makeTestPki } from './test-support.ts';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const T = '/apis/schema.windlass.test/v1/namespaces/default/things';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const JSONPATCH = { 'Content-Type': 'application/json-patch+json' };

const specSchema = (sizeMax: number): object => ({
  type: 'object',
  required: ['size'],
  properties: {
    size: { type: 'integer', minimum: 0, maximum: sizeMax },
    mode: { type: 'string', enum: ['fast', 'slow'], default: 'fast' },
    tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    probe: { type: 'object', properties: { port: { type: 'integer', default: 8080 } } },
    note: { type: 'string', maxLength: 5 },
  },
});
const crd = (sizeMax: number, rv?: string): object => ({
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
  metadata: { name: 'things.schema.windlass.test', ...(rv ? { resourceVersion: rv } : {}) },
  spec: {
    group: 'schema.windlass.test', scope: 'Namespaced', names: { plural: 'things', singular: 'thing', kind: 'Thing', listKind: 'ThingList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: specSchema(sizeMax) } } } }],
  },
});
const thing = (name: string, spec: object, metadata: object = {}): object => ({ apiVersion: 'schema.windlass.test/v1', kind: 'Thing', metadata: { name, ...metadata }, spec });
const causes = (r: { json: any }): string[] => (r.json?.details?.causes ?? []).map((c: { field: string }) => c.field);

void describe('custom resources follow their CRD schema', () => {
  let store: Store;
  let server: ApiServer;
  let c: Client;

  before(async () => {
    const pki = makeTestPki();
    store = createMemoryStore();
    server = await startApiServer({ store, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, host: '127.0.0.1', port: 0, deps: await loadDefaultDeps() });
    c = new Client(server.url, pki);
    const r = await c.req('POST', CRDS, crd(10));
    assert.equal(r.status, 201, r.text);
  });
  after(async () => {
    c.close();
    await server.close();
    await store.close();
  });

  void test('create applies defaults inside existing objects only', async () => {
    const r = await c.req('POST', T, thing('a', { size: 1, probe: {} }));
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.spec, { size: 1, mode: 'fast', probe: { port: 8080 } });
    const b = await c.req('POST', T, thing('b', { size: 1 }));
    assert.deepEqual(b.json.spec, { size: 1, mode: 'fast' });
    assert.deepEqual((await c.req('GET', `${T}/b`)).json.spec, { size: 1, mode: 'fast' });
  });

  const BAD: readonly [string, object, readonly string[], RegExp?][] = [
    ['string for an integer', { size: 'big' }, ['spec.size'], /spec\.size: Invalid value: "string": spec\.size in body must be of type integer: "string"/],
    ['missing required field', { mode: 'slow' }, ['spec.size'], /spec\.size: Required value/],
    ['enum and maximum', { size: 11, mode: 'x' }, ['spec.size', 'spec.mode'], /spec\.mode: Unsupported value: "x": supported values: "fast", "slow"/],
    ['set duplicates and maxLength', { size: 1, tags: ['a', 'a'], note: 'toolong' }, ['spec.tags[1]', 'spec.note']],
  ];
  for (const [name, spec, fields, message] of BAD) {
    void test(`create rejects ${name} with 422 naming the fields`, async () => {
      const r = await c.req('POST', T, thing('bad', spec));
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.reason, 'Invalid');
      assert.deepEqual(causes(r).sort(), [...fields].sort());
      if (message) assert.match(r.json.message, message);
      assert.equal((await c.req('GET', `${T}/bad`)).status, 404);
    });
  }

  void test('metadata of a custom resource is validated too', async () => {
    const r = await c.req('POST', T, thing('meta', { size: 1 }, { labels: { k: 'v'.repeat(64) } }));
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(causes(r), ['metadata.labels']);
  });

  void test('patches that break the schema name the field', async () => {
    const mp = await c.req('PATCH', `${T}/a`, { spec: { size: -1 } }, MERGE);
    assert.equal(mp.status, 422, mp.text);
    assert.deepEqual(causes(mp), ['spec.size']);
    const jp = await c.req('PATCH', `${T}/a`, [{ op: 'replace', path: '/spec/size', value: 'x' }], JSONPATCH);
    assert.equal(jp.status, 422, jp.text);
    assert.deepEqual(causes(jp), ['spec.size']);
    const ok = await c.req('PATCH', `${T}/a`, { spec: { mode: null, probe: { port: null } } }, MERGE);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json.spec, { size: 1, mode: 'fast', probe: { port: 8080 } }, 'removed defaulted fields come back');
  });

  void test('an update leaving out defaulted fields keeps the generation', async () => {
    const cur = (await c.req('GET', `${T}/b`)).json;
    const r = await c.req('PUT', `${T}/b`, { ...cur, spec: { size: 1 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.metadata.generation, 1, 'defaults are applied before the generation is compared');
    assert.deepEqual(r.json.spec, { size: 1, mode: 'fast' });
  });

  void test('a tightened schema ratchets: unchanged invalid values stay, changed ones are checked', async () => {
    const cr = await c.req('POST', T, thing('big', { size: 9 }));
    assert.equal(cr.status, 201, cr.text);
    const cur = (await c.req('GET', `${CRDS}/things.schema.windlass.test`)).json;
    const upd = await c.req('PUT', `${CRDS}/things.schema.windlass.test`, { ...crd(5, cur.metadata.resourceVersion), status: cur.status });
    assert.equal(upd.status, 200, upd.text);
    const keep = await c.req('PATCH', `${T}/big`, { spec: { mode: 'slow' } }, MERGE);
    assert.equal(keep.status, 200, keep.text);
    const change = await c.req('PATCH', `${T}/big`, { spec: { size: 8 } }, MERGE);
    assert.equal(change.status, 422, change.text);
    assert.match(change.json.message, /spec\.size: Invalid value: 8: spec\.size in body should be less than or equal to 5/);
  });
});
