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

void test('intern: what an object shares with the version interned before (same reference, same path) is skipped', () => {
  const intern = createInterner();
  // The previous version's strings are left out of the table on purpose, so the table shows what was walked.
  const spec = { containers: [{ name: 'spec-only' }] };
  const conditions = [{ type: 'list-only' }];
  const previous = { metadata: { name: 'p' }, spec, status: { conditions } };
  const next = { metadata: { name: 'p', labels: { app: 'new' } }, spec, status: { conditions, phase: 'Running' }, moved: { c: conditions } };
  intern(next, previous);
  // spec and status.conditions were skipped; metadata, status.phase and the list under another path were walked.
  assert.equal(intern.size, new Set(['p', 'new', 'Running', 'list-only']).size);
  intern(structuredClone(previous), previous);
  assert.equal(intern.size, 5, 'an equal copy is walked: spec-only added');
  assert.equal(intern(previous, previous), previous);
  assert.equal(intern.size, 5);
});
