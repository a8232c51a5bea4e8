/**
 * @module api/schema/names.test — short struct names ↔ OpenAPI and protobuf names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openapiName, shortStructName, protoMessageName, structNameFromProto, groupVersionOfStruct } from './names.ts';

const CASES: [string, string, string | undefined][] = [
  ['core.v1.Pod', 'io.k8s.api.core.v1.Pod', 'k8s.io.api.core.v1.Pod'],
  ['apps.v1.Deployment', 'io.k8s.api.apps.v1.Deployment', 'k8s.io.api.apps.v1.Deployment'],
  ['meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta'],
  ['apiextensions.v1.JSONSchemaProps', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps',
    'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps'],
  ['intstr.IntOrString', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'k8s.io.apimachinery.pkg.util.intstr.IntOrString'],
  ['resource.Quantity', 'io.k8s.apimachinery.pkg.api.resource.Quantity', 'k8s.io.apimachinery.pkg.api.resource.Quantity'],
  ['runtime.Unknown', 'io.k8s.apimachinery.pkg.runtime.Unknown', 'k8s.io.apimachinery.pkg.runtime.Unknown'],
  ['autoscaling.v2.HorizontalPodAutoscaler', 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler', 'k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler'],
  ['com.example.v1.Widget', 'com.example.v1.Widget', undefined],
];

void test('name mapping round-trips', () => {
  for (const [short, openapi, proto] of CASES) {
    assert.equal(openapiName(short), openapi);
    assert.equal(shortStructName(openapi), short);
    assert.equal(protoMessageName(short), proto);
    if (proto) assert.equal(structNameFromProto(proto), short);
  }
});

void test('groupVersionOfStruct', () => {
  assert.equal(groupVersionOfStruct('apps.v1.Deployment'), 'apps.v1');
  assert.equal(groupVersionOfStruct('intstr.IntOrString'), 'meta.v1');
  assert.equal(groupVersionOfStruct('meta.v1.Status'), 'meta.v1');
});
