import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeContinue, encodeContinue } from './continue-token.ts';
import { bodyKind, discoveryContentType, negotiate, negotiateDiscovery, parseText } from './request.ts';
import { StatusError } from '../api/index.ts';

void test('negotiate picks Table, partial metadata, YAML, JSON or none', () => {
  const cases: [string | undefined, unknown][] = [
    [undefined, { as: 'object', yaml: false }],
    ['application/json', { as: 'object', yaml: false }],
    ['application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', { as: 'Table', version: 'v1' }],
    ['application/json;as=Table;v=v1beta1;g=meta.k8s.io', { as: 'Table', version: 'v1beta1' }],
    ['application/json;as=Table;v=v9;g=meta.k8s.io,application/json', { as: 'object', yaml: false }],
    ['application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io', { as: 'PartialObjectMetadataList', version: 'v1' }],
    ['application/vnd.kubernetes.protobuf,application/json', { as: 'object', yaml: false }],
    ['application/json, */*;q=0.8', { as: 'object', yaml: false }],
    ['application/yaml', { as: 'object', yaml: true }],
    ['text/html', { as: 'none' }],
  ];
  for (const [accept, want] of cases) assert.deepEqual(negotiate(accept), want, String(accept));
});

void test('negotiateDiscovery follows the Accept order', () => {
  assert.equal(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2');
  assert.equal(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2beta1');
  assert.equal(negotiateDiscovery('application/json'), 'legacy');
  assert.equal(negotiateDiscovery(undefined), 'legacy');
  assert.equal(discoveryContentType('v2'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.equal(discoveryContentType('legacy'), 'application/json');
});

void test('bodyKind and parseText', () => {
  assert.equal(bodyKind(undefined), 'json');
  assert.equal(bodyKind('application/json; charset=utf-8'), 'json');
  assert.equal(bodyKind('application/yaml'), 'yaml');
  assert.equal(bodyKind('application/vnd.kubernetes.protobuf'), 'protobuf');
  assert.throws(() => bodyKind('text/plain'), (e: unknown) => e instanceof StatusError && e.code === 415);
  assert.throws(() => parseText('{', 'json'), (e: unknown) => e instanceof StatusError && e.code === 400);
  assert.deepEqual(parseText('a: yes\nb: "1"', 'yaml'), { a: true, b: '1' });
});

void test('continue tokens round-trip and reject garbage', () => {
  const t = encodeContinue(42, '/registry/core/pods/default/web-1');
  assert.deepEqual(decodeContinue(t), { rev: 42, start: '/registry/core/pods/default/web-1' });
  for (const bad of ['', 'garbage', Buffer.from('{"v":1,"rev":-1,"start":"x"}').toString('base64url'), Buffer.from('[1]').toString('base64url')]) {
    assert.equal(decodeContinue(bad), undefined, bad);
  }
});
