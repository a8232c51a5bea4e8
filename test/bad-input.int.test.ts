/**
 * @module test/bad-input.int.test — a table of bad requests against a real server. For every case:
 * the exact HTTP status and Status reason (and, where upstream's wording matters to clients, the
 * message or the `details.causes[].field`), a JSON `Status` body whose `code` matches, never a 5xx,
 * and no side effect: the stored reference objects are unchanged (deep-equal, same
 * resourceVersion) and an object a failed create named does not exist.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiClient, startServer, waitFor, type ApiClient, type ServerProcess } from './harness/index.ts';

const NS = 'bad';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const DEP = `/apis/apps/v1/namespaces/${NS}/deployments`;
const CR_GROUP = 'bad.windlass.test';
const CR = `/apis/${CR_GROUP}/v1/namespaces/${NS}/gadgets`;
const MERGE = 'application/merge-patch+json';
const JSONPATCH = 'application/json-patch+json';

/** Ctx carries values known only at run time (the stale resourceVersion of the reference ConfigMap). */
interface Ctx { staleRv: string }

/** Case is one bad request and the exact answer expected. */
interface Case {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: string | Buffer | object | ((c: Ctx) => object);
  readonly contentType?: string;
  readonly status: number;
  readonly reason: string;
  readonly message?: RegExp;
  /** causeField: some `details.causes[].field` must equal this. */
  readonly causeField?: string;
  /** absent: a path that must still answer 404 afterwards (the failed create left nothing). */
  readonly absent?: string;
}

const cm = (name: string, extra: object = {}): object => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' }, ...extra });
const dep = (name: string, spec: object): object => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, ...spec },
});
const gadget = (name: string, spec: object, kind = 'Gadget'): object => ({ apiVersion: `${CR_GROUP}/v1`, kind, metadata: { name }, spec });
const GADGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `gadgets.${CR_GROUP}` },
  spec: {
    group: CR_GROUP, scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', minimum: 0 } } } } } } }],
  },
};
const HUGE = Buffer.from(JSON.stringify(cm('huge', { data: { blob: 'x'.repeat(3.5 * 1024 * 1024) } })));
const PROTO_MAGIC = Buffer.from('k8s\0', 'latin1');

const CASES: readonly Case[] = [
  // Size
  { name: 'oversized create (>3 MiB)', method: 'POST', path: CM, body: HUGE, status: 413, reason: 'RequestEntityTooLarge', absent: `${CM}/huge` },
  { name: 'oversized update (>3 MiB)', method: 'PUT', path: `${CM}/ref`, body: HUGE, status: 413, reason: 'RequestEntityTooLarge' },
  // Undecodable bodies
  { name: 'malformed JSON create', method: 'POST', path: CM, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"broken"', status: 400, reason: 'BadRequest', absent: `${CM}/broken` },
  { name: 'malformed JSON update', method: 'PUT', path: `${CM}/ref`, body: '{"data": }', status: 400, reason: 'BadRequest' },
  { name: 'empty body', method: 'POST', path: CM, body: '', status: 400, reason: 'BadRequest' },
  { name: 'JSON array instead of an object', method: 'POST', path: CM, body: '[1,2]', status: 400, reason: 'BadRequest' },
  { name: 'malformed YAML', method: 'POST', path: CM, contentType: 'application/yaml', body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n', status: 400, reason: 'BadRequest' },
  { name: 'protobuf with the magic but a truncated message', method: 'POST', path: CM, contentType: 'application/vnd.kubernetes.protobuf', body: Buffer.concat([PROTO_MAGIC, Buffer.from([0x0a, 0x10, 0x0a, 0x02, 0x76])]), status: 400, reason: 'BadRequest' },
  { name: 'protobuf without the magic prefix', method: 'POST', path: CM, contentType: 'application/vnd.kubernetes.protobuf', body: Buffer.from([0x01, 0x02, 0x03, 0xff, 0xfe]), status: 400, reason: 'BadRequest' },
  { name: 'unsupported body media type', method: 'POST', path: CM, contentType: 'text/plain', body: 'hello', status: 415, reason: 'UnsupportedMediaType' },
  // Invalid names and fields
  { name: 'uppercase name', method: 'POST', path: CM, body: cm('BadName'), status: 422, reason: 'Invalid', causeField: 'metadata.name' },
  { name: 'name longer than 253 characters', method: 'POST', path: CM, body: cm('a'.repeat(254)), status: 422, reason: 'Invalid', causeField: 'metadata.name' },
  { name: 'name ".."', method: 'POST', path: CM, body: cm('..'), status: 422, reason: 'Invalid', causeField: 'metadata.name' },
  { name: 'name with ".." inside', method: 'POST', path: CM, body: cm('a..b'), status: 422, reason: 'Invalid', causeField: 'metadata.name' },
  { name: 'neither name nor generateName', method: 'POST', path: CM, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, status: 422, reason: 'Invalid', causeField: 'metadata.name' },
  { name: 'label value longer than 63 characters', method: 'POST', path: CM, body: cm('longlabel', { metadata: { name: 'longlabel', labels: { k: 'v'.repeat(64) } } }), status: 422, reason: 'Invalid', causeField: 'metadata.labels', absent: `${CM}/longlabel` },
  { name: 'negative replicas', method: 'POST', path: DEP, body: dep('negative', { replicas: -1 }), status: 422, reason: 'Invalid', causeField: 'spec.replicas', absent: `${DEP}/negative` },
  // Wrong types and unknown fields
  { name: 'replicas: "three"', method: 'POST', path: DEP, body: dep('typed', { replicas: 'three' }), status: 400, reason: 'BadRequest', message: /replicas/, absent: `${DEP}/typed` },
  { name: 'ConfigMap data value is a number', method: 'POST', path: CM, body: cm('numeric', { data: { a: 1 } }), status: 400, reason: 'BadRequest', absent: `${CM}/numeric` },
  { name: 'unknown field under fieldValidation=Strict', method: 'POST', path: `${DEP}?fieldValidation=Strict`, body: dep('strict', { foo: 1 }), status: 400, reason: 'BadRequest', message: /strict decoding error: unknown field "spec\.foo"/, absent: `${DEP}/strict` },
  { name: 'unknown top-level field on update under Strict', method: 'PUT', path: `${CM}/ref?fieldValidation=Strict`, body: cm('ref', { foo: 'bar' }), status: 400, reason: 'BadRequest', message: /unknown field "foo"/ },
  { name: 'duplicate field under Strict', method: 'POST', path: `${CM}?fieldValidation=Strict`, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1"},"data":{"a":"2"}}', status: 400, reason: 'BadRequest', message: /duplicate field "data"/, absent: `${CM}/dup` },
  // Upstream validates CreateOptions and answers 422 Invalid naming the option.
  { name: 'invalid fieldValidation value', method: 'POST', path: `${CM}?fieldValidation=Bogus`, body: cm('fv'), status: 422, reason: 'Invalid', causeField: 'fieldValidation', absent: `${CM}/fv` },
  { name: 'invalid dryRun value', method: 'POST', path: `${CM}?dryRun=Bogus`, body: cm('dr'), status: 422, reason: 'Invalid', causeField: 'dryRun', absent: `${CM}/dr` },
  // Wrong kind / version / place
  { name: 'ConfigMap body posted to secrets', method: 'POST', path: `/api/v1/namespaces/${NS}/secrets`, body: cm('wrongkind'), status: 400, reason: 'BadRequest', absent: `/api/v1/namespaces/${NS}/secrets/wrongkind` },
  { name: 'body apiVersion does not match the path', method: 'POST', path: CM, body: { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'wrongapi' } }, status: 400, reason: 'BadRequest', absent: `${CM}/wrongapi` },
  { name: 'body namespace differs from the path', method: 'POST', path: CM, body: cm('otherns', { metadata: { name: 'otherns', namespace: 'default' } }), status: 400, reason: 'BadRequest', absent: `${CM}/otherns` },
  { name: 'body name differs from the path on update', method: 'PUT', path: `${CM}/ref`, body: cm('other'), status: 400, reason: 'BadRequest' },
  { name: 'unknown version in the path', method: 'POST', path: `/apis/apps/v9/namespaces/${NS}/deployments`, body: dep('v9', {}), status: 404, reason: 'NotFound' },
  { name: 'unknown resource in the path', method: 'GET', path: `/api/v1/namespaces/${NS}/widgets`, status: 404, reason: 'NotFound' },
  { name: 'unknown group', method: 'GET', path: '/apis/nope.example.com/v1/things', status: 404, reason: 'NotFound' },
  { name: 'create in a namespace that does not exist', method: 'POST', path: '/api/v1/namespaces/nope/configmaps', body: cm('orphan'), status: 404, reason: 'NotFound', message: /namespaces "nope" not found/ },
  { name: 'POST to an item path', method: 'POST', path: `${CM}/ref`, body: cm('ref'), status: 405, reason: 'MethodNotAllowed' },
  { name: 'create of an existing name', method: 'POST', path: CM, body: cm('ref'), status: 409, reason: 'AlreadyExists', message: /configmaps "ref" already exists/ },
  { name: 'GET of a missing object', method: 'GET', path: `${CM}/missing`, status: 404, reason: 'NotFound', message: /configmaps "missing" not found/ },
  // Optimistic concurrency
  { name: 'PUT with a stale resourceVersion', method: 'PUT', path: `${CM}/ref`, body: (c) => cm('ref', { metadata: { name: 'ref', resourceVersion: c.staleRv }, data: { a: 'lost' } }), status: 409, reason: 'Conflict', message: /the object has been modified/ },
  { name: 'merge patch carrying a stale resourceVersion', method: 'PATCH', path: `${CM}/ref`, contentType: MERGE, body: (c) => ({ metadata: { resourceVersion: c.staleRv }, data: { a: 'lost' } }), status: 409, reason: 'Conflict' },
  { name: 'DELETE with a stale resourceVersion precondition', method: 'DELETE', path: `${CM}/ref`, body: (c) => ({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: c.staleRv } }), status: 409, reason: 'Conflict' },
  // Patches
  { name: 'JSON patch that is not JSON', method: 'PATCH', path: `${CM}/ref`, contentType: JSONPATCH, body: '[{"op":', status: 400, reason: 'BadRequest' },
  { name: 'JSON patch that is not an array', method: 'PATCH', path: `${CM}/ref`, contentType: JSONPATCH, body: { op: 'add', path: '/data/z', value: '1' }, status: 400, reason: 'BadRequest' },
  { name: 'JSON patch whose test op fails', method: 'PATCH', path: `${CM}/ref`, contentType: JSONPATCH, body: [{ op: 'test', path: '/data/a', value: 'nope' }, { op: 'replace', path: '/data/a', value: 'lost' }], status: 422, reason: 'Invalid' },
  { name: 'JSON patch removing a missing path', method: 'PATCH', path: `${CM}/ref`, contentType: JSONPATCH, body: [{ op: 'remove', path: '/data/missing' }], status: 422, reason: 'Invalid' },
  { name: 'merge patch that is not JSON', method: 'PATCH', path: `${CM}/ref`, contentType: MERGE, body: '{"data":', status: 400, reason: 'BadRequest' },
  { name: 'strategic merge patch that is not JSON', method: 'PATCH', path: `${CM}/ref`, contentType: 'application/strategic-merge-patch+json', body: 'nope', status: 400, reason: 'BadRequest' },
  { name: 'patch with an unsupported content type', method: 'PATCH', path: `${CM}/ref`, contentType: 'text/plain', body: '{"data":{"a":"lost"}}', status: 415, reason: 'UnsupportedMediaType' },
  { name: 'merge patch producing an invalid object', method: 'PATCH', path: `${DEP}/refdep`, contentType: MERGE, body: { spec: { replicas: -1 } }, status: 422, reason: 'Invalid', causeField: 'spec.replicas' },
  // Upstream decodes the patched object and reports a decode failure as 422 Invalid on field "patch".
  { name: 'merge patch giving replicas a string', method: 'PATCH', path: `${DEP}/refdep`, contentType: MERGE, body: { spec: { replicas: 'three' } }, status: 422, reason: 'Invalid', causeField: 'patch' },
  // Custom resources (schema from the CRD)
  { name: 'custom resource field of the wrong type', method: 'POST', path: CR, body: gadget('typed', { size: 'three' }), status: 422, reason: 'Invalid', causeField: 'spec.size', absent: `${CR}/typed` },
  { name: 'custom resource below the schema minimum', method: 'POST', path: CR, body: gadget('negative', { size: -1 }), status: 422, reason: 'Invalid', causeField: 'spec.size', absent: `${CR}/negative` },
  { name: 'custom resource unknown field under Strict', method: 'POST', path: `${CR}?fieldValidation=Strict`, body: gadget('strict', { size: 1, foo: 1 }), status: 400, reason: 'BadRequest', message: /unknown field "spec\.foo"/, absent: `${CR}/strict` },
  { name: 'custom resource body of another kind', method: 'POST', path: CR, body: gadget('otherkind', { size: 1 }, 'Widget'), status: 400, reason: 'BadRequest', absent: `${CR}/otherkind` },
  { name: 'strategic merge patch on a custom resource', method: 'PATCH', path: `${CR}/refcr`, contentType: 'application/strategic-merge-patch+json', body: { spec: { size: 9 } }, status: 415, reason: 'UnsupportedMediaType' },
  { name: 'merge patch making a custom resource invalid', method: 'PATCH', path: `${CR}/refcr`, contentType: MERGE, body: { spec: { size: 'big' } }, status: 422, reason: 'Invalid', causeField: 'spec.size' },
  // Query parameters
  { name: 'unparsable labelSelector', method: 'GET', path: `${CM}?labelSelector=${encodeURIComponent('a in (')}`, status: 400, reason: 'BadRequest' },
  { name: 'unsupported fieldSelector field', method: 'GET', path: `${CM}?fieldSelector=${encodeURIComponent('spec.foo=bar')}`, status: 400, reason: 'BadRequest' },
];

void describe('bad input', { timeout: 180_000 }, () => {
  let server: ServerProcess | undefined;
  let api: ApiClient;
  const ctx: Ctx = { staleRv: '' };
  const refs: Record<string, unknown> = {};
  const REF_PATHS = [`${CM}/ref`, `${DEP}/refdep`, `${CR}/refcr`];

  before(async () => {
    // The table checks that bad requests leave stored objects byte-for-byte unchanged, so no
    // controller may touch them meanwhile (a Deployment would get its revision annotation).
    server = await startServer({ extraArgs: ['--disable-controller-manager', '--disable-scheduler'] });
    api = createApiClient(server.credentials);
    const ns = await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    assert.equal(ns.status, 201, ns.text());
    const created = await api.post(CM, cm('ref'));
    assert.equal(created.status, 201, created.text());
    ctx.staleRv = created.json().metadata.resourceVersion;
    const updated = await api.put(`${CM}/ref`, { ...created.json<Record<string, unknown>>(), data: { a: '1', b: '2' } });
    assert.equal(updated.status, 200, updated.text());
    assert.notEqual(updated.json().metadata.resourceVersion, ctx.staleRv);
    const d = await api.post(DEP, dep('refdep', { replicas: 2 }));
    assert.equal(d.status, 201, d.text());
    const crd = await api.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', GADGET_CRD);
    assert.equal(crd.status, 201, crd.text());
    await waitFor(async () => (await api.post(CR, gadget('refcr', { size: 1 }))).status === 201,
      { timeoutMs: 20_000, intervalMs: 200, what: 'the gadgets CRD to serve (create refcr)' });
    for (const p of REF_PATHS) {
      const r = await api.get(p);
      assert.equal(r.status, 200, r.text());
      refs[p] = r.json();
    }
  });
  after(async () => {
    api?.close();
    await server?.stop();
  });

  for (const c of CASES) {
    void test(`${c.name} → ${c.status} ${c.reason}`, { timeout: 60_000 }, async () => {
      const body = typeof c.body === 'function' ? c.body(ctx) : c.body;
      const r = await api.request(c.method, c.path, { body, contentType: c.contentType });
      const text = r.text().slice(0, 600);
      assert.ok(r.status < 500, `server error ${r.status}: ${text}`);
      assert.equal(r.status, c.status, `HTTP status (body: ${text})`);
      assert.match(String(r.headers['content-type']), /^application\/json/, 'a JSON Status body');
      const s = r.json();
      assert.equal(s.kind, 'Status', text);
      assert.equal(s.apiVersion, 'v1', text);
      assert.equal(s.status, 'Failure', text);
      assert.equal(s.code, c.status, text);
      assert.equal(s.reason, c.reason, text);
      assert.equal(typeof s.message, 'string', text);
      if (c.message) assert.match(s.message, c.message);
      if (c.causeField) {
        const fields = (s.details?.causes ?? []).map((x: { field?: string }) => x.field);
        assert.ok(fields.some((f: string | undefined) => f === c.causeField || f?.startsWith(`${c.causeField}[`)), `causes name ${c.causeField}: ${JSON.stringify(s.details)}`);
      }
      for (const p of REF_PATHS) {
        const now = await api.get(p);
        assert.equal(now.status, 200, now.text());
        assert.deepEqual(now.json(), refs[p], `${p} unchanged`);
      }
      if (c.absent) assert.equal((await api.get(c.absent)).status, 404, `${c.absent} was not created`);
    });
  }
});
