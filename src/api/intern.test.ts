import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInterner } from './intern.ts';

/** fresh makes a string equal to `s` but a distinct heap instance (as JSON.parse would). */
const fresh = (s: string): string => JSON.parse(JSON.stringify(s)) as string;

void test('intern: equal short string values become one instance; the objects stay equal', () => {
  const intern = createInterner();
  const decode = (): Record<string, any> => JSON.parse(JSON.stringify({
    metadata: { name: 'p', labels: { app: 'web' } },
    spec: { schedulerName: 'default-scheduler', containers: [{ name: 'c', imagePullPolicy: 'IfNotPresent', args: ['--x', 'IfNotPresent'] }] },
    long: 'x'.repeat(65), n: 3, ok: true, none: null,
  })) as Record<string, any>;
  const a = intern(decode());
  const b = intern(decode());
  assert.deepEqual(a, b);
  assert.deepEqual(a, decode());
  // One table entry per distinct short value (string identity itself is not observable in JS):
  // the values of the second object and a fresh copy were found, not added.
  assert.equal(intern.size, new Set(['p', 'web', 'default-scheduler', 'c', 'IfNotPresent', '--x']).size);
  intern({ v: fresh('default-scheduler') });
  assert.equal(intern.size, 6);
  // Longer values are left alone (not counted in the table).
  assert.equal(a.long.length, 65);
});

void test('intern: the table starts over when full, so it never exceeds its bound', () => {
  const intern = createInterner(3);
  for (let i = 0; i < 10; i++) intern({ v: `s${i}` });
  assert.ok(intern.size <= 3, String(intern.size));
  assert.deepEqual(intern(['a', ['b', { c: 'd' }]]), ['a', ['b', { c: 'd' }]]);
});
