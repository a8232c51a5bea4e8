/**
 * @module api/validation/json-schema-defaults.test — table-driven checks of CRD schema defaulting
 * and of dropping non-nullable nulls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../kinds/types.ts';
import { applyJsonSchemaDefaults } from './json-schema-defaults.ts';

const SCHEMA: JsonObject = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        size: { type: 'integer', default: 1 },
        mode: { type: 'string', default: 'fast' },
        opt: { type: 'string' },
        keep: { type: 'string', nullable: true },
        nested: { type: 'object', properties: { x: { type: 'integer', default: 7 } } },
        withDefault: { type: 'object', default: {}, properties: { y: { type: 'string', default: 'why' } } },
        list: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer', default: 80 } } } },
        map: { type: 'object', additionalProperties: { type: 'object', properties: { on: { type: 'boolean', default: true } } } },
      },
    },
  },
};

const CASES: readonly [string, JsonObject, JsonObject][] = [
  ['no spec: nothing is created', { metadata: {} }, { metadata: {} }],
  ['empty spec gets scalar defaults and parents with defaults', { spec: {} }, { spec: { size: 1, mode: 'fast', withDefault: { y: 'why' } } }],
  ['given values stay', { spec: { size: 3, mode: 'slow', withDefault: { y: 'z' } } }, { spec: { size: 3, mode: 'slow', withDefault: { y: 'z' } } }],
  ['nested object that exists is defaulted', { spec: { nested: {} } }, { spec: { size: 1, mode: 'fast', nested: { x: 7 }, withDefault: { y: 'why' } } }],
  ['list items and map values are defaulted', { spec: { list: [{}, { port: 81 }], map: { a: {} } } },
    { spec: { size: 1, mode: 'fast', withDefault: { y: 'why' }, list: [{ port: 80 }, { port: 81 }], map: { a: { on: true } } } }],
  ['null with a default is defaulted', { spec: { size: null } }, { spec: { size: 1, mode: 'fast', withDefault: { y: 'why' } } }],
  ['null without a default is dropped, nullable null stays', { spec: { opt: null, keep: null } }, { spec: { keep: null, size: 1, mode: 'fast', withDefault: { y: 'why' } } }],
];

for (const [name, input, want] of CASES) {
  void test(`applyJsonSchemaDefaults: ${name}`, () => {
    const v = structuredClone(input);
    applyJsonSchemaDefaults(v, SCHEMA);
    assert.deepEqual(v, want);
  });
}

void test('applyJsonSchemaDefaults: default values are copies', () => {
  const a: JsonObject = { spec: {} };
  const b: JsonObject = { spec: {} };
  applyJsonSchemaDefaults(a, SCHEMA);
  applyJsonSchemaDefaults(b, SCHEMA);
  a.spec.withDefault.y = 'changed';
  assert.equal(b.spec.withDefault.y, 'why');
  assert.deepEqual(SCHEMA.properties.spec.properties.withDefault.default, {});
});
