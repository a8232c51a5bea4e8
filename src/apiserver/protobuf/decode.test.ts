/**
 * @module apiserver/protobuf/decode.test — decoding of Kubernetes protobuf bodies: real kubectl
 * 1.33.1 captures against the JSON bodies kubectl 1.31.9 sends for the same commands and the Go
 * JSON `--dry-run=client -o json` prints, Go-style bodies built with the real upstream field
 * numbers, the special types, and malformed input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StructDef } from '../../api/schema/model.ts';
import { decodeKubernetesProtobuf, PROTOBUF_MAGIC } from './decode.ts';
import { envelope, message, objectMeta, structForGvk as mapGvk, TESTDATA, testRegistry } from './testing.ts';

const registry = testRegistry();
const structForGvk = (apiVersion: string, kind: string): string | undefined =>
  kind === 'Nope' ? undefined : mapGvk(apiVersion, kind);

function decodeOk(body: Uint8Array, reg = registry): Record<string, any> {
  const r = decodeKubernetesProtobuf(body, reg, structForGvk);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.object;
}

const captures: Record<string, { command: string; contentType: string }> =
  JSON.parse(readFileSync(join(TESTDATA, 'captures.json'), 'utf8')).captures;

void test('captures were recorded with the protobuf content type', () => {
  assert.equal(Object.keys(captures).length, 10);
  for (const c of Object.values(captures)) assert.equal(c.contentType, 'application/vnd.kubernetes.protobuf');
});

for (const name of ['create-deployment', 'create-deployment-zero', 'create-configmap', 'create-secret', 'create-namespace', 'create-job']) {
  void test(`kubectl 1.33 capture ${name} decodes to the Go JSON of the same object`, () => {
    const got = decodeOk(readFileSync(join(TESTDATA, `${name}.pb`)));
    const want = JSON.parse(readFileSync(join(TESTDATA, `${name}.client.json`), 'utf8'));
    assert.deepEqual(got, want);
  });
}

for (const name of Object.keys(captures)) {
  void test(`kubectl 1.33 protobuf capture ${name} decodes to the JSON body kubectl 1.31 sends for the same command`, () => {
    const got = decodeOk(readFileSync(join(TESTDATA, `${name}.pb`)));
    const want = JSON.parse(readFileSync(join(TESTDATA, `${name}.kubectl-1.31.json`), 'utf8'));
    if (name === 'create-token') {
      // A nil pointer without omitempty is JSON null but absent on the wire; the decoder leaves it out.
      assert.equal(want.spec.boundObjectRef, null);
      delete want.spec.boundObjectRef;
    }
    assert.deepEqual(got, want);
  });
}

void test('replicas: 0 (a pointer) survives while Go-written zero scalars are dropped', () => {
  const got = decodeOk(readFileSync(join(TESTDATA, 'create-deployment-zero.pb')));
  assert.equal(got.spec.replicas, 0);
  assert.equal('generation' in got.metadata, false);
  assert.equal('minReadySeconds' in got.spec, false);
  assert.equal('paused' in got.spec, false);
});

const authCases = [
  {
    name: 'auth-can-i',
    want: {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } },
      status: { allowed: false },
    },
  },
  {
    name: 'auth-can-i-subresource',
    want: {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { namespace: 'kube-system', verb: 'get', resource: 'pods', subresource: 'log' } },
      status: { allowed: false },
    },
  },
  {
    name: 'create-token',
    want: {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { creationTimestamp: null },
      spec: { audiences: ['api'], expirationSeconds: 3600 }, status: { token: '', expirationTimestamp: null },
    },
  },
  {
    name: 'auth-whoami',
    want: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: { creationTimestamp: null }, status: { userInfo: {} } },
  },
];
for (const c of authCases) {
  void test(`kubectl 1.33 capture ${c.name} decodes`, () => {
    const r = decodeKubernetesProtobuf(readFileSync(join(TESTDATA, `${c.name}.pb`)), registry, structForGvk);
    assert.ok(r.ok);
    assert.equal(r.apiVersion, c.want.apiVersion);
    assert.equal(r.kind, c.want.kind);
    assert.deepEqual(r.object, c.want);
  });
}

void test('DeleteOptions: pointer zero gracePeriodSeconds and propagationPolicy are kept', () => {
  const raw = message([[1, 'i', 0], [4, 's', 'Foreground'], [5, 's', 'All']]);
  const got = decodeOk(envelope('v1', 'DeleteOptions', raw), registry);
  assert.deepEqual(got, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', dryRun: ['All'] });
});

void test('ObjectMeta: timestamps, deletionGracePeriodSeconds 0 kept, generation 0 and empty strings dropped', () => {
  const meta = objectMeta('n', 'ns', [[9, 'm', [[1, 'i', 1704164645], [2, 'i', 0]]], [10, 'i', 0], [11, 'm', [[1, 's', 'k'], [2, 's', '']]],
    [13, 'm', [[1, 's', 'Deployment'], [3, 's', 'web'], [4, 's', 'uid-1'], [5, 's', 'apps/v1'], [6, 'i', 1]]], [14, 's', 'f1'], [14, 's', 'f2']]);
  const got = decodeOk(envelope('v1', 'ConfigMap', message([[1, 'm', meta]])));
  assert.deepEqual(got.metadata, {
    name: 'n', namespace: 'ns', creationTimestamp: null, deletionTimestamp: '2024-01-02T03:04:05Z', deletionGracePeriodSeconds: 0,
    labels: { k: '' }, ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'uid-1', controller: true, apiVersion: 'apps/v1' }],
    finalizers: ['f1', 'f2'],
  });
});

void test('Secret data values are base64, immutable false (pointer) is kept', () => {
  const raw = message([[1, 'm', objectMeta('s')], [2, 'm', [[1, 's', 'bin'], [2, 'b', Uint8Array.of(0, 255, 1)]]], [3, 's', ''], [5, 'i', 0]]);
  const got = decodeOk(envelope('v1', 'Secret', raw));
  assert.deepEqual(got.data, { bin: 'AP8B' });
  assert.equal(got.immutable, false);
  assert.equal('type' in got, false);
});

void test('Service ports: IntOrString int and string forms', () => {
  const port = (name: string, target: readonly [number, 'i', number] | readonly [number, 's', string]) =>
    [[1, 's', name], [2, 's', 'TCP'], [3, 'i', 80], [4, 'm', [[1, 'i', target[1] === 's' ? 1 : 0], [2, 'i', target[1] === 'i' ? target[2] : 0], [3, 's', target[1] === 's' ? target[2] : '']]], [5, 'i', 0]] as const;
  const spec = [[1, 'm', port('a', [0, 'i', 8080])], [1, 'm', port('b', [0, 's', 'http'])]] as const;
  const got = decodeOk(envelope('v1', 'Service', message([[1, 'm', objectMeta('svc')], [2, 'm', spec]])));
  assert.deepEqual(got.spec.ports, [
    { name: 'a', protocol: 'TCP', port: 80, targetPort: 8080 },
    { name: 'b', protocol: 'TCP', port: 80, targetPort: 'http' },
  ]);
});

void test('events.v1.Event eventTime is a MicroTime with six fractional digits', () => {
  const raw = message([[1, 'm', objectMeta('e')], [2, 'm', [[1, 'i', 1704164645], [2, 'i', 123456789]]], [4, 's', 'kubelet'], [5, 's', '']]);
  const got = decodeOk(envelope('events.k8s.io/v1', 'Event', raw));
  assert.equal(got.eventTime, '2024-01-02T03:04:05.123456Z');
  assert.equal(got.reportingController, 'kubelet');
});

void test('TokenReview status.user.extra: map of string lists travels in ExtraValue wrappers', () => {
  const extra = (k: string, vs: string[]) => [4, 'm', [[1, 's', k], [2, 'm', vs.map((v) => [1, 's', v] as const)]]] as const;
  const user = [[1, 's', 'alice'], [2, 's', ''], [3, 's', 'g1'], extra('scopes', ['a', 'b']), extra('none', [])] as const;
  const raw = message([[1, 'm', objectMeta('')], [2, 'm', [[1, 's', 'tok']]], [3, 'm', [[1, 'i', 1], [2, 'm', user], [3, 's', '']]]]);
  const got = decodeOk(envelope('authentication.k8s.io/v1', 'TokenReview', raw));
  assert.deepEqual(got.status, { authenticated: true, user: { username: 'alice', groups: ['g1'], extra: { scopes: ['a', 'b'], none: [] } } });
  assert.equal(got.spec.token, 'tok');
});

const SPECIALS: StructDef = {
  name: 'test.v1.Specials',
  fields: {
    duration: { type: { kind: 'special', special: 'duration' }, proto: 1 },
    quantity: { type: { kind: 'special', special: 'quantity' }, proto: 2 },
    raw: { type: { kind: 'special', special: 'rawExtension' }, proto: 3 },
    nested: { type: { kind: 'special', special: 'rawExtension' }, proto: 4 },
    fields: { type: { kind: 'special', special: 'fieldsV1' }, proto: 5 },
    packed: { type: { kind: 'list', items: { kind: 'scalar', scalar: 'int32' } }, proto: 6 },
    unpacked: { type: { kind: 'list', items: { kind: 'scalar', scalar: 'int64' } }, proto: 7 },
    ratio: { type: { kind: 'scalar', scalar: 'double' }, proto: 8 },
    big: { type: { kind: 'scalar', scalar: 'int64' }, proto: 9 },
    neg: { type: { kind: 'scalar', scalar: 'int32' }, proto: 10 },
    zero: { type: { kind: 'scalar', scalar: 'int32' }, proto: 11 },
    empty: { type: { kind: 'scalar', scalar: 'string' }, proto: 12 },
    req: { type: { kind: 'scalar', scalar: 'string' }, proto: 13, required: true },
    nullRaw: { type: { kind: 'special', special: 'rawExtension' }, proto: 14 },
    json: { type: { kind: 'special', special: 'json' }, proto: 15 },
  },
};

void test('special types, packed/unpacked repeats, doubles, large and negative ints, unknown fields', () => {
  const reg = testRegistry([SPECIALS]);
  const inner = envelope('v1', 'ConfigMap', message([[1, 'm', objectMeta('inner')], [2, 'm', [[1, 's', 'k'], [2, 's', 'v']]]]));
  const raw = message([
    [1, 'm', [[1, 'i', 3_723_500_000_000n]]], [2, 'm', [[1, 's', '500m']]],
    [3, 'm', [[1, 'b', Buffer.from('{"a":[1,true]}')]]], [4, 'm', [[1, 'b', inner]]],
    [5, 'm', [[1, 'b', Buffer.from('{"f:metadata":{}}')]]], [6, 'packed', [1, 2, 300]], [7, 'i', 5], [7, 'i', -6],
    [8, 'd', 0.25], [9, 'i', 2 ** 40], [10, 'i', -7], [11, 'i', 0], [12, 's', ''], [13, 's', ''], [14, 'm', []],
    [15, 'm', [[1, 'b', Buffer.from('"x"')]]], [99, 's', 'future field'],
  ]);
  const got = decodeOk(envelope('test/v1', 'Specials', raw), reg);
  assert.deepEqual(got, {
    apiVersion: 'test/v1', kind: 'Specials', duration: '1h2m3.5s', quantity: '500m', raw: { a: [1, true] },
    nested: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner', creationTimestamp: null }, data: { k: 'v' } },
    fields: { 'f:metadata': {} }, packed: [1, 2, 300], unpacked: [5, -6], ratio: 0.25, big: 2 ** 40, neg: -7, zero: 0, req: '',
    nullRaw: null, json: 'x',
  });
});

const bad: readonly (readonly [string, Uint8Array, RegExp])[] = [
  ['no magic', Uint8Array.of(1, 2, 3, 4, 5), /prefix/],
  ['empty body', new Uint8Array(0), /prefix/],
  ['truncated', envelope('v1', 'ConfigMap', message([[1, 'm', objectMeta('x')]])).subarray(0, 20), /cannot decode/],
  ['unknown kind', envelope('v1', 'Nope', new Uint8Array(0)), /no protobuf schema for v1, Kind=Nope/],
  ['no type meta', Uint8Array.from([...PROTOBUF_MAGIC, ...message([[2, 'b', new Uint8Array(0)]])]), /no apiVersion\/kind/],
  ['gzip', envelope('v1', 'ConfigMap', new Uint8Array(0), [[3, 's', 'gzip']]), /contentEncoding "gzip"/],
  ['wrong wire type', envelope('v1', 'ConfigMap', message([[1, 'i', 5]])), /ConfigMap.metadata: wire type 0/],
  ['bad raw JSON', envelope('test/v1', 'Specials', message([[3, 'm', [[1, 'b', Buffer.from('{nope')]]]])), /not JSON/],
];
for (const [name, body, re] of bad) {
  void test(`malformed body: ${name}`, () => {
    const r = decodeKubernetesProtobuf(body, testRegistry([SPECIALS]), structForGvk);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.message, re);
  });
}

void test('a struct missing from the registry is a decode error, not a crash', () => {
  const r = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', new Uint8Array(0)), registry, () => 'core.v1.Missing');
  assert.deepEqual(r, { ok: false, message: 'cannot decode protobuf body: schema has no struct core.v1.Missing' });
});

void test('embedded JSON content type is parsed as JSON', () => {
  const body = envelope('v1', 'ConfigMap', Buffer.from('{"data":{"a":"b"}}'), [[4, 's', 'application/json']]);
  assert.deepEqual(decodeOk(body), { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } });
});

void test('Go-embedded members: fields of the nested message are inlined into the parent', () => {
  const inner: StructDef = { name: 'test.v1.Inner', fields: { name: { type: { kind: 'scalar', scalar: 'string' }, proto: 1 } } };
  const outer: StructDef = { name: 'test.v1.Outer', fields: { key: { type: { kind: 'scalar', scalar: 'string' }, proto: 2 } } };
  const reg = testRegistry([inner, outer]);
  const body = envelope('test/v1', 'Outer', message([[1, 'm', [[1, 's', 'cm']]], [2, 's', 'k']]));
  const embeds = { 'test.v1.Outer': [{ proto: 1, struct: 'test.v1.Inner' }] };
  assert.deepEqual(decodeOk2(body, reg, embeds), { apiVersion: 'test/v1', kind: 'Outer', name: 'cm', key: 'k' });
  assert.deepEqual(decodeOk2(body, reg, {}), { apiVersion: 'test/v1', kind: 'Outer', key: 'k' });
});

function decodeOk2(body: Uint8Array, reg: ReturnType<typeof testRegistry>, embeds: Parameters<typeof decodeKubernetesProtobuf>[3]): Record<string, any> {
  const r = decodeKubernetesProtobuf(body, reg, structForGvk, embeds);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.object;
}
