/**
 * @module apiserver/protobuf/openapi-v2.test — encodes a Kubernetes-shaped Swagger 2.0 document
 * and decodes it back with protobufjs using gnostic's field numbers (testdata subset .proto), the
 * way kubectl 1.27/1.28's query-parameter verifier and schema parser read it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { parse as parseYaml } from 'yaml';
import { encodeOpenApiV2Protobuf } from './openapi-v2.ts';
import { TESTDATA } from './testing.ts';

const root = protobuf.parse(readFileSync(join(TESTDATA, 'gnostic-openapiv2-subset.proto'), 'utf8'), { keepCase: true }).root;
const Document = root.lookupType('openapi.v2.Document');

const GVK = { group: 'apps', kind: 'Deployment', version: 'v1' };

/** SWAGGER is a trimmed version of what kube-apiserver publishes for one apps/v1 path. */
export const SWAGGER = {
  swagger: '2.0',
  info: { title: 'Kubernetes', version: 'v1.33.0' },
  paths: {
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}': {
      get: {
        consumes: ['*/*'], operationId: 'readAppsV1NamespacedDeployment', schemes: ['https'], tags: ['apps_v1'],
        responses: { 200: { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } }, 401: { description: 'Unauthorized' } },
        'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': GVK,
      },
      patch: {
        consumes: ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'],
        operationId: 'patchAppsV1NamespacedDeployment',
        parameters: [
          { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } },
          { description: 'fieldValidation instructs the server…', in: 'query', name: 'fieldValidation', type: 'string', uniqueItems: true },
          { in: 'query', name: 'force', type: 'boolean', uniqueItems: true },
        ],
        responses: { 200: { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } } },
        'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': GVK,
      },
      parameters: [
        { description: 'name of the Deployment', in: 'path', name: 'name', required: true, type: 'string', uniqueItems: true },
        { $ref: '#/parameters/namespace-vgWSWtn3' },
      ],
    },
  },
  definitions: {
    'io.k8s.api.apps.v1.Deployment': {
      description: 'Deployment enables declarative updates for Pods and ReplicaSets.',
      properties: {
        apiVersion: { type: 'string' },
        metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', default: {} },
        spec: { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec' },
      },
      type: 'object',
      'x-kubernetes-group-version-kind': [GVK],
    },
    'io.k8s.api.apps.v1.DeploymentSpec': {
      properties: {
        replicas: { format: 'int32', type: 'integer' },
        strategy: { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentStrategy', 'x-kubernetes-patch-strategy': 'retainKeys' },
        containers: {
          items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' }, type: 'array',
          'x-kubernetes-list-map-keys': ['name'], 'x-kubernetes-list-type': 'map',
          'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge',
        },
        nodeSelector: { additionalProperties: { type: 'string' }, type: 'object', 'x-kubernetes-map-type': 'atomic' },
        policy: { enum: ['Always', 'Never'], type: 'string', default: 'Always' },
        raw: { type: 'object', additionalProperties: false, maxLength: 5, maximum: 1.5 },
      },
      required: ['selector', 'template'],
      type: 'object',
    },
  },
  parameters: {
    'namespace-vgWSWtn3': { description: 'object name and auth scope', in: 'path', name: 'namespace', required: true, type: 'string', uniqueItems: true },
  },
  security: [{ BearerToken: [] }],
  securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
};

function decoded(): any {
  const bytes = encodeOpenApiV2Protobuf(SWAGGER);
  return Document.toObject(Document.decode(bytes), { longs: Number, oneofs: false, arrays: false, defaults: false });
}

function ext(list: readonly { name: string; value: { yaml: string } }[] | undefined, name: string): string | undefined {
  return list?.find((e) => e.name === name)?.value.yaml;
}

void test('document header and info', () => {
  const d = decoded();
  assert.equal(d.swagger, '2.0');
  assert.deepEqual(d.info, { title: 'Kubernetes', version: 'v1.33.0' });
});

void test('patch operation carries the GVK extension as map YAML and an inline fieldValidation query parameter', () => {
  const d = decoded();
  assert.equal(d.paths.path.length, 1);
  const item = d.paths.path[0];
  assert.equal(item.name, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
  const patch = item.value.patch;
  assert.equal(patch.operation_id, 'patchAppsV1NamespacedDeployment');
  assert.equal(ext(patch.vendor_extension, 'x-kubernetes-group-version-kind'), 'group: apps\nkind: Deployment\nversion: v1\n');
  assert.equal(ext(patch.vendor_extension, 'x-kubernetes-action'), 'patch\n');
  const names = patch.parameters.map((p: any) => p.parameter?.non_body_parameter?.query_parameter_sub_schema?.name);
  assert.deepEqual(names, [undefined, 'fieldValidation', 'force']);
  const body = patch.parameters[0].parameter.body_parameter;
  assert.deepEqual(body, { name: 'body', in: 'body', required: true, schema: { _ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } });
  assert.deepEqual(patch.parameters[1].parameter.non_body_parameter.query_parameter_sub_schema,
    { in: 'query', description: 'fieldValidation instructs the server…', name: 'fieldValidation', type: 'string', unique_items: true });
  assert.deepEqual(patch.responses.response_code, [{ name: '200', value: { response: { description: 'OK', schema: { schema: { _ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } } } } }]);
});

void test('get operation, path-level parameters and $ref parameters', () => {
  const item = decoded().paths.path[0].value;
  assert.deepEqual(item.get.consumes, ['*/*']);
  assert.deepEqual(item.get.schemes, ['https']);
  assert.deepEqual(item.get.tags, ['apps_v1']);
  assert.deepEqual(item.get.responses.response_code.map((r: any) => r.name), ['200', '401']);
  assert.deepEqual(item.parameters[0].parameter.non_body_parameter.path_parameter_sub_schema,
    { required: true, in: 'path', description: 'name of the Deployment', name: 'name', type: 'string', unique_items: true });
  assert.deepEqual(item.parameters[1], { json_reference: { _ref: '#/parameters/namespace-vgWSWtn3' } });
  assert.equal(item.put, undefined);
});

void test('definitions: refs, types, required, items, additionalProperties, enum, defaults and extensions', () => {
  const defs = decoded().definitions.additional_properties;
  assert.deepEqual(defs.map((d: any) => d.name), ['io.k8s.api.apps.v1.Deployment', 'io.k8s.api.apps.v1.DeploymentSpec']);
  const deployment = defs[0].value;
  assert.deepEqual(parseYaml(ext(deployment.vendor_extension, 'x-kubernetes-group-version-kind')!), [GVK]);
  assert.deepEqual(deployment.type, { value: ['object'] });
  const props = Object.fromEntries(deployment.properties.additional_properties.map((p: any) => [p.name, p.value]));
  assert.deepEqual(props.metadata, { _ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', default: { yaml: '{}\n' } });
  const spec = defs[1].value;
  assert.deepEqual(spec.required, ['selector', 'template']);
  const sp = Object.fromEntries(spec.properties.additional_properties.map((p: any) => [p.name, p.value]));
  assert.deepEqual(sp.replicas, { format: 'int32', type: { value: ['integer'] } });
  assert.equal(ext(sp.strategy.vendor_extension, 'x-kubernetes-patch-strategy'), 'retainKeys\n');
  assert.deepEqual(sp.containers.items, { schema: [{ _ref: '#/definitions/io.k8s.api.core.v1.Container' }] });
  assert.equal(ext(sp.containers.vendor_extension, 'x-kubernetes-patch-merge-key'), 'name\n');
  assert.equal(ext(sp.containers.vendor_extension, 'x-kubernetes-list-map-keys'), '- name\n');
  assert.deepEqual(sp.nodeSelector.additional_properties, { schema: { type: { value: ['string'] } } });
  assert.deepEqual(sp.policy.enum, [{ yaml: 'Always\n' }, { yaml: 'Never\n' }]);
  assert.deepEqual(sp.policy.default, { yaml: 'Always\n' });
  assert.deepEqual(sp.raw.additional_properties, { boolean: false });
  assert.equal(sp.raw.max_length, 5);
  assert.equal(sp.raw.maximum, 1.5);
});

void test('shared parameters and security', () => {
  const d = decoded();
  assert.deepEqual(d.parameters.additional_properties[0].name, 'namespace-vgWSWtn3');
  assert.equal(d.parameters.additional_properties[0].value.non_body_parameter.path_parameter_sub_schema.name, 'namespace');
  assert.deepEqual(d.security, [{ additional_properties: [{ name: 'BearerToken', value: {} }] }]);
  assert.deepEqual(d.security_definitions.additional_properties[0], {
    name: 'BearerToken', value: { api_key_security: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } },
  });
});

void test('an empty document encodes to zero bytes and minimal documents stay small', () => {
  assert.equal(encodeOpenApiV2Protobuf({}).length, 0);
  const bytes = encodeOpenApiV2Protobuf({ swagger: '2.0', paths: {} });
  assert.deepEqual([...bytes], [0x0a, 3, 0x32, 0x2e, 0x30, 0x42, 0]);
});
