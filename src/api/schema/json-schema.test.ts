/**
 * @module api/schema/json-schema.test — converting a CRD openAPIV3Schema into structs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { structsFromJsonSchema } from './json-schema.ts';

const WIDGET = {
  type: 'object',
  description: 'A widget.',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', format: 'int32', default: 1, description: 'How big.' },
        ratio: { type: 'number' },
        color: { type: 'string', enum: ['red', 'blue'] },
        port: { 'x-kubernetes-int-or-string': true },
        labels: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-map-type': 'atomic' },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        anything: {},
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        ports: {
          type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, number: { type: 'integer' } } },
        },
        template: {
          type: 'object',
          properties: { spec: { type: 'object', properties: { image: { type: 'string' } } } },
        },
        embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { data: { type: 'string' } } },
      },
    },
    status: { type: 'object', properties: { ready: { type: 'boolean' } } },
  },
};

void test('structsFromJsonSchema converts a CRD schema, root first', () => {
  const structs = structsFromJsonSchema('com.example.v1.Widget', WIDGET);
  const by = new Map(structs.map((s) => [s.name, s]));
  assert.equal(structs[0].name, 'com.example.v1.Widget');
  assert.equal(structs[0].description, 'A widget.');
  assert.deepEqual(structs[0].fields.metadata.type, { kind: 'ref', name: 'meta.v1.ObjectMeta' });
  assert.deepEqual(structs[0].fields.spec.type, { kind: 'ref', name: 'com.example.v1.Widget.spec' });
  assert.deepEqual([...by.keys()].sort(), [
    'com.example.v1.Widget', 'com.example.v1.Widget.spec', 'com.example.v1.Widget.spec.embedded',
    'com.example.v1.Widget.spec.ports', 'com.example.v1.Widget.spec.template', 'com.example.v1.Widget.spec.template.spec',
    'com.example.v1.Widget.status',
  ]);
  const spec = by.get('com.example.v1.Widget.spec')!.fields;
  assert.deepEqual(spec.size, { type: { kind: 'scalar', scalar: 'int32' }, required: true, description: 'How big.', default: 1 });
  assert.deepEqual(spec.ratio.type, { kind: 'scalar', scalar: 'double' });
  assert.deepEqual(spec.color.type, { kind: 'scalar', scalar: 'string', enum: ['red', 'blue'] });
  assert.deepEqual(spec.port.type, { kind: 'special', special: 'intOrString' });
  assert.deepEqual(spec.labels.type, { kind: 'map', values: { kind: 'scalar', scalar: 'string' }, mapType: 'atomic' });
  assert.deepEqual(spec.extra.type, { kind: 'special', special: 'json' });
  assert.deepEqual(spec.anything.type, { kind: 'special', special: 'json' });
  assert.deepEqual(spec.tags.type, { kind: 'list', items: { kind: 'scalar', scalar: 'string' }, listType: 'set' });
  assert.deepEqual(spec.ports.type, {
    kind: 'list', items: { kind: 'ref', name: 'com.example.v1.Widget.spec.ports' }, listType: 'map', listMapKeys: ['name'],
  });
  assert.deepEqual(by.get('com.example.v1.Widget.spec.ports')!.fields.number.type, { kind: 'scalar', scalar: 'int64' });
  const embedded = by.get('com.example.v1.Widget.spec.embedded')!.fields;
  assert.deepEqual(Object.keys(embedded).sort(), ['apiVersion', 'data', 'kind', 'metadata']);
  assert.equal(spec.size.required, true);
  assert.equal(spec.ratio.required, undefined);
});

void test('a root that preserves unknown fields keeps only the resource fields', () => {
  const [root, ...rest] = structsFromJsonSchema('com.example.v1.Open', { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  assert.deepEqual(Object.keys(root.fields).sort(), ['apiVersion', 'kind', 'metadata']);
  assert.equal(rest.length, 0);
});
