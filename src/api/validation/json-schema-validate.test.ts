/**
 * @module api/validation/json-schema-validate.test — table-driven checks of CRD schema validation:
 * each case is a value, a schema and the exact messages upstream prints for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import { goFloat, validateJsonSchema } from './json-schema-validate.ts';

const spec = (props: JsonObject, extra: JsonObject = {}): JsonObject => ({
  type: 'object', properties: { spec: { type: 'object', properties: props, ...extra } },
});
const obj = (s: JsonObject): JsonObject => ({ apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: s });

const CASES: readonly [string, JsonObject, JsonObject, readonly string[]][] = [
  ['valid object', spec({ size: { type: 'integer', minimum: 0 } }), obj({ size: 3 }), []],
  ['string for integer', spec({ size: { type: 'integer' } }), obj({ size: 'three' }),
    ['spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"']],
  ['float for integer', spec({ size: { type: 'integer' } }), obj({ size: 1.5 }),
    ['spec.size: Invalid value: "number": spec.size in body must be of type integer: "number"']],
  ['integer for number is fine', spec({ r: { type: 'number' } }), obj({ r: 2 }), []],
  ['object for string', spec({ s: { type: 'string' } }), obj({ s: { a: 1 } }),
    ['spec.s: Invalid value: "object": spec.s in body must be of type string: "object"']],
  ['array for boolean', spec({ b: { type: 'boolean' } }), obj({ b: [] }),
    ['spec.b: Invalid value: "array": spec.b in body must be of type boolean: "array"']],
  ['required', spec({ x: { type: 'string' } }, { required: ['x', 'y'] }), obj({ x: 'a' }), ['spec.y: Required value']],
  ['required at the root', { type: 'object', required: ['spec'], properties: { spec: { type: 'object' } } }, { metadata: {} }, ['spec: Required value']],
  ['enum', spec({ mode: { type: 'string', enum: ['a', 'b'] } }), obj({ mode: 'x' }),
    ['spec.mode: Unsupported value: "x": supported values: "a", "b"']],
  ['enum of numbers', spec({ n: { type: 'integer', enum: [1, 2] } }), obj({ n: 3 }),
    ['spec.n: Unsupported value: 3: supported values: "1", "2"']],
  ['minimum', spec({ size: { type: 'integer', minimum: 0 } }), obj({ size: -1 }),
    ['spec.size: Invalid value: -1: spec.size in body should be greater than or equal to 0']],
  ['exclusiveMinimum', spec({ size: { type: 'integer', minimum: 0, exclusiveMinimum: true } }), obj({ size: 0 }),
    ['spec.size: Invalid value: 0: spec.size in body should be greater than 0']],
  ['maximum', spec({ size: { type: 'integer', maximum: 10 } }), obj({ size: 11 }),
    ['spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10']],
  ['exclusiveMaximum on a float', spec({ r: { type: 'number', maximum: 1000000, exclusiveMaximum: true } }), obj({ r: 1000000.5 }),
    ['spec.r: Invalid value: 1000000.5: spec.r in body should be less than 1e+06']],
  ['multipleOf', spec({ n: { type: 'integer', multipleOf: 5 } }), obj({ n: 7 }),
    ['spec.n: Invalid value: 7: spec.n in body should be a multiple of 5']],
  ['multipleOf a fraction passes', spec({ r: { type: 'number', multipleOf: 0.5 } }), obj({ r: 2.5 }), []],
  ['maxLength', spec({ s: { type: 'string', maxLength: 3 } }), obj({ s: 'abcd' }), ['spec.s: Too long: may not be more than 3 bytes']],
  ['minLength', spec({ s: { type: 'string', minLength: 3 } }), obj({ s: 'ab' }),
    ['spec.s: Invalid value: "ab": spec.s in body should be at least 3 chars long']],
  ['pattern', spec({ s: { type: 'string', pattern: '^[a-z]+$' } }), obj({ s: 'A1' }),
    ['spec.s: Invalid value: "A1": spec.s in body should match \'^[a-z]+$\'']],
  ['minItems', spec({ l: { type: 'array', minItems: 1, items: { type: 'string' } } }), obj({ l: [] }),
    ['spec.l: Invalid value: 0: spec.l in body should have at least 1 items']],
  ['maxItems', spec({ l: { type: 'array', maxItems: 1, items: { type: 'string' } } }), obj({ l: ['a', 'b'] }),
    ['spec.l: Too many: 2: must have at most 1 items']],
  ['uniqueItems', spec({ l: { type: 'array', uniqueItems: true, items: { type: 'string' } } }), obj({ l: ['a', 'a'] }),
    ['spec.l: Invalid value: "": spec.l in body shouldn\'t contain duplicates']],
  ['item type', spec({ l: { type: 'array', items: { type: 'string' } } }), obj({ l: ['a', 1] }),
    ['spec.l[1]: Invalid value: "integer": spec.l[1] in body must be of type string: "integer"']],
  ['minProperties', spec({ m: { type: 'object', minProperties: 2, additionalProperties: { type: 'string' } } }), obj({ m: { a: 'x' } }),
    ['spec.m: Invalid value: 1: spec.m in body should have at least 2 properties']],
  ['maxProperties', spec({ m: { type: 'object', maxProperties: 1, additionalProperties: { type: 'string' } } }), obj({ m: { a: 'x', b: 'y' } }),
    ['spec.m: Too many: 2: must have at most 1 items']],
  ['additionalProperties schema', spec({ m: { type: 'object', additionalProperties: { type: 'integer' } } }), obj({ m: { a: 'x' } }),
    ['spec.m.a: Invalid value: "string": spec.m.a in body must be of type integer: "string"']],
  ['format int32', spec({ n: { type: 'integer', format: 'int32' } }), obj({ n: 3000000000 }),
    ['spec.n: Invalid value: 3000000000: spec.n in body must be of type int32: "3000000000"']],
  ['format date-time', spec({ t: { type: 'string', format: 'date-time' } }), obj({ t: 'yesterday' }),
    ['spec.t: Invalid value: "yesterday": spec.t in body must be of type date-time: "yesterday"']],
  ['format date-time ok', spec({ t: { type: 'string', format: 'date-time' } }), obj({ t: '2024-02-29T10:00:00.5+01:00' }), []],
  ['format date', spec({ t: { type: 'string', format: 'date' } }), obj({ t: '2023-02-29' }),
    ['spec.t: Invalid value: "2023-02-29": spec.t in body must be of type date: "2023-02-29"']],
  ['format uuid', spec({ u: { type: 'string', format: 'uuid' } }), obj({ u: 'nope' }),
    ['spec.u: Invalid value: "nope": spec.u in body must be of type uuid: "nope"']],
  ['format uuid ok', spec({ u: { type: 'string', format: 'uuid' } }), obj({ u: '123e4567-e89b-12d3-a456-426614174000' }), []],
  ['format byte', spec({ b: { type: 'string', format: 'byte' } }), obj({ b: 'not base64!' }),
    ['spec.b: Invalid value: "not base64!": spec.b in body must be of type byte: "not base64!"']],
  ['format ipv4 / ipv6 / cidr / hostname ok', spec({ a: { type: 'string', format: 'ipv4' }, b: { type: 'string', format: 'ipv6' }, c: { type: 'string', format: 'cidr' }, h: { type: 'string', format: 'hostname' } }),
    obj({ a: '10.0.0.1', b: 'fe80::1', c: '10.0.0.0/8', h: 'example.com' }), []],
  ['format ipv4 / ipv6 / cidr / hostname bad', spec({ a: { type: 'string', format: 'ipv4' }, b: { type: 'string', format: 'ipv6' }, c: { type: 'string', format: 'cidr' }, h: { type: 'string', format: 'hostname' } }),
    obj({ a: '10.0.0.256', b: '1:2', c: '10.0.0.0/33', h: '-bad-' }), [
      'spec.a: Invalid value: "10.0.0.256": spec.a in body must be of type ipv4: "10.0.0.256"',
      'spec.b: Invalid value: "1:2": spec.b in body must be of type ipv6: "1:2"',
      'spec.c: Invalid value: "10.0.0.0/33": spec.c in body must be of type cidr: "10.0.0.0/33"',
      'spec.h: Invalid value: "-bad-": spec.h in body must be of type hostname: "-bad-"',
    ]],
  ['unknown format is not checked', spec({ s: { type: 'string', format: 'whatever' } }), obj({ s: '?' }), []],
  ['null where not nullable', spec({ s: { type: 'string' } }), obj({ s: null }),
    ['spec.s: Invalid value: "null": spec.s in body must be of type string: "null"']],
  ['null where nullable', spec({ s: { type: 'string', nullable: true } }), obj({ s: null }), []],
  ['int-or-string', spec({ p: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } }), obj({ p: 'http' }), []],
  ['int-or-string given a boolean', spec({ p: { 'x-kubernetes-int-or-string': true } }), obj({ p: true }),
    ['spec.p: Invalid value: "boolean": spec.p in body must be of type integer,string: "boolean"']],
  ['preserve-unknown-fields keeps validating known properties', spec({ o: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { n: { type: 'integer' } } } }),
    obj({ o: { n: 'x', other: { deep: true } } }), ['spec.o.n: Invalid value: "string": spec.o.n in body must be of type integer: "string"']],
  ['embedded resource', spec({ t: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } }), obj({ t: { metadata: {} } }),
    ['spec.t.apiVersion: Required value: must not be empty', 'spec.t.kind: Required value: must not be empty']],
  ['embedded resource ok', spec({ t: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } }), obj({ t: { apiVersion: 'v1', kind: 'Pod' } }), []],
  ['list-type set', spec({ l: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } } }), obj({ l: ['a', 'b', 'a', 'a'] }),
    ['spec.l[2]: Duplicate value: "a"']],
  ['list-type map', spec({ l: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, v: { type: 'integer' } } } } }),
    obj({ l: [{ name: 'a', v: 1 }, { name: 'b' }, { name: 'a', v: 2 }] }), ['spec.l[2]: Duplicate value: {"name":"a"}']],
  ['anyOf', spec({ n: { anyOf: [{ type: 'integer', minimum: 5 }, { type: 'integer', maximum: 1 }] } }), obj({ n: 3 }), [
    '<nil>: Invalid value: "": "spec.n" must validate at least one schema (anyOf)',
    'spec.n: Invalid value: 3: spec.n in body should be greater than or equal to 5',
  ]],
  ['allOf', spec({ n: { type: 'integer', allOf: [{ minimum: 0 }, { maximum: 2 }] } }), obj({ n: 3 }), [
    'spec.n: Invalid value: 3: spec.n in body should be less than or equal to 2',
    '<nil>: Invalid value: "": "spec.n" must validate all the schemas (allOf)',
  ]],
  ['oneOf with two matches', spec({ n: { type: 'integer', oneOf: [{ minimum: 0 }, { maximum: 5 }] } }), obj({ n: 3 }),
    ['<nil>: Invalid value: "": "spec.n" must validate one and only one schema (oneOf). Found 2 valid alternatives']],
  ['not', spec({ s: { type: 'string', not: { enum: ['x'] } } }), obj({ s: 'x' }), ['<nil>: Invalid value: "": "spec.s" must not validate the schema (not)']],
];

for (const [name, schema, value, want] of CASES) {
  void test(`validateJsonSchema: ${name}`, () => {
    assert.deepEqual(validateJsonSchema(value, schema, '').map(fieldErrorMessage), want);
  });
}

void test('validateJsonSchema: a type error names its field as a TypeInvalid cause', () => {
  const [e] = validateJsonSchema(obj({ size: 'x' }), spec({ size: { type: 'integer' } }));
  assert.equal(e.type, 'FieldValueTypeInvalid');
  assert.equal(e.field, 'spec.size');
});

void test('validateJsonSchema: ratcheting drops errors of unchanged values on update', () => {
  const schema = spec({ a: { type: 'integer', minimum: 0 }, b: { type: 'integer', minimum: 0 } });
  const old = obj({ a: -1, b: 1 });
  assert.deepEqual(validateJsonSchema(obj({ a: -1, b: 2 }), schema, '', old), []);
  assert.deepEqual(validateJsonSchema(obj({ a: -2, b: 2 }), schema, '', old).map((e) => e.field), ['spec.a']);
  assert.deepEqual(validateJsonSchema(obj({ a: -1, b: 2 }), schema).map((e) => e.field), ['spec.a']);
});

void test('goFloat renders as Go %v', () => {
  for (const [n, s] of [[0, '0'], [1.5, '1.5'], [1e6, '1e+06'], [123456, '123456'], [0.0001, '0.0001'], [0.00001, '1e-05'], [-2.5e-7, '-2.5e-07']] as const) {
    assert.equal(goFloat(n), s);
  }
});
