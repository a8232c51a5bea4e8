import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplicateFields } from './json-duplicates.ts';

const cases: { name: string; text: string; want: string[] }[] = [
  { name: 'no duplicates', text: '{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}', want: [] },
  { name: 'top-level duplicate', text: '{"data":{"a":"1"},"data":{"a":"2"}}', want: ['data'] },
  { name: 'nested duplicate', text: '{"spec":{"replicas":1,"replicas":2}}', want: ['spec.replicas'] },
  { name: 'duplicate inside a list item', text: '{"spec":{"containers":[{"name":"a"},{"name":"b","name":"c"}]}}', want: ['spec.containers[1].name'] },
  { name: 'keys inside string values are not keys', text: '{"a":"{\\"a\\":1,\\"a\\":2}","b":"x"}', want: [] },
  { name: 'escaped quotes in keys', text: '{"a\\"b":1,"a\\"b":2}', want: ['a"b'] },
];

for (const c of cases) {
  test(`duplicateFields: ${c.name}`, () => {
    assert.deepEqual(duplicateFields(c.text), c.want);
  });
}
