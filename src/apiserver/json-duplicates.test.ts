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
  { name: 'sibling objects at one depth keep their own keys', text: '{"a":{"x":1,"y":2},"b":{"x":1,"z":[{"x":1},{"y":1}]}}', want: [] },
  { name: 'a key repeated after a nested object closed', text: '{"a":{"b":1,"b":2},"a":2}', want: ['a.b', 'a'] },
  { name: 'lists in lists', text: '{"a":[[{"x":1}],[{"x":1},{"x":1,"x":2}]]}', want: ['a[1][1].x'] },
  { name: 'a top-level list', text: '[{"k":1},{"k":1,"k":2}]', want: ['[1].k'] },
  { name: 'many keys (past the small-object search)', text: `{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')},"k7":0,"k39":1}`, want: ['k7', 'k39'] },
  { name: 'escaped and plain spellings of one key', text: '{"\\u0061":1,"a":2}', want: ['a'] },
];

for (const c of cases) {
  test(`duplicateFields: ${c.name}`, () => {
    assert.deepEqual(duplicateFields(c.text), c.want);
  });
}
