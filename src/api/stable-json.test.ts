import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stableJson } from './stable-json.ts';

void test('stableJson: key order does not matter, undefined members are left out, arrays keep their order', () => {
  assert.equal(stableJson({ b: 1, a: { d: [2, 1], c: undefined } }), '{"a":{"d":[2,1]},"b":1}');
  assert.equal(stableJson({ a: 1, b: 2 }), stableJson({ b: 2, a: 1 }));
  assert.notEqual(stableJson([1, 2]), stableJson([2, 1]));
  assert.equal(stableJson(null), 'null');
});
