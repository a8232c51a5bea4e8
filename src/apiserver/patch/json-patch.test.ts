/**
 * @module apiserver/patch/json-patch.test — RFC 6902 through fast-json-patch, with failures as values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from './json-patch.ts';

const doc = () => ({ metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'web' } }, spec: { replicas: 3, containers: [{ name: 'a' }] } });

void test('operations apply in order to a copy', () => {
  const target = doc();
  const r = applyJsonPatch(target, [
    { op: 'test', path: '/spec/replicas', value: 3 },
    { op: 'replace', path: '/spec/replicas', value: 5 },
    { op: 'add', path: '/spec/containers/-', value: { name: 'b' } },
    { op: 'remove', path: '/metadata/labels/app.kubernetes.io~1name' },
    { op: 'copy', from: '/metadata/name', path: '/metadata/generateName' },
    { op: 'move', from: '/spec/containers/0', path: '/spec/first' },
  ]);
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual(r.doc, { metadata: { name: 'x', labels: {}, generateName: 'x' }, spec: { replicas: 5, containers: [{ name: 'b' }], first: { name: 'a' } } });
  assert.deepEqual(target, doc(), 'input not modified');
});

const FAILURES: [string, unknown, RegExp][] = [
  ['replace missing', [{ op: 'replace', path: '/spec/x', value: 1 }], /^replace operation does not apply: doc is missing path: \/spec\/x$/],
  ['remove missing', [{ op: 'remove', path: '/spec/x' }], /^remove operation does not apply: doc is missing path: \/spec\/x$/],
  ['add under missing parent', [{ op: 'add', path: '/nope/x', value: 1 }], /^add operation does not apply: doc is missing path: \/nope\/x$/],
  ['test mismatch', [{ op: 'test', path: '/spec/replicas', value: 4 }], /^jsonpatch test operation does not apply: value at \/spec\/replicas is 3, not 4$/],
  ['test missing', [{ op: 'test', path: '/spec/x', value: 4 }], /test operation does not apply: doc is missing path: \/spec\/x/],
  ['move missing from', [{ op: 'move', from: '/x', path: '/y' }], /^move operation does not apply: doc is missing from path: \/x$/],
  ['bad index', [{ op: 'add', path: '/spec/containers/9', value: 1 }], /invalid array index/],
  ['unknown op', [{ op: 'frob', path: '/x' }], /Unexpected kind: frob/],
  ['not an array', { op: 'add' }, /must be an array/],
  ['prototype path', [{ op: 'add', path: '/__proto__/polluted', value: 1 }], /^add operation does not apply: path \/__proto__\/polluted is not supported$/],
  ['constructor path', [{ op: 'add', path: '/constructor/prototype/x', value: 1 }], /add operation does not apply/],
  ['second op fails after first applied', [{ op: 'replace', path: '/spec/replicas', value: 1 }, { op: 'remove', path: '/zzz' }], /remove operation does not apply/],
];

void test('failures name the operation and the reason', () => {
  for (const [name, ops, want] of FAILURES) {
    const r = applyJsonPatch(doc(), ops);
    assert.equal(r.ok, false, name);
    if (!r.ok) assert.match(r.message, want, name);
  }
});
