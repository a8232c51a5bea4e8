/**
 * @module apiserver/patch/merge-patch.test — RFC 7396 merge patch, including the RFC's own examples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch, mergePatchInto, mergePatchSpine } from './merge-patch.ts';

const RFC_CASES: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

void test('RFC 7396 appendix A examples', () => {
  for (const [target, patch, want] of RFC_CASES) assert.deepEqual(applyMergePatch(target, patch), want, JSON.stringify({ target, patch }));
});

void test('mergePatchInto gives the same results, patching a private target in place', () => {
  for (const [target, patch, want] of RFC_CASES) assert.deepEqual(mergePatchInto(structuredClone(target), structuredClone(patch)), want, JSON.stringify({ target, patch }));
  const target = { metadata: { labels: { app: 'web', old: 'x' } }, spec: { replicas: 1, template: { a: 1 } } };
  const template = target.spec.template;
  const out = mergePatchInto(target, { metadata: { labels: { old: null } }, spec: { replicas: 5 } }) as any;
  assert.equal(out, target, 'the target itself, changed');
  assert.equal(out.spec.template, template, 'untouched parts are not copied');
  assert.deepEqual(out, { metadata: { labels: { app: 'web' } }, spec: { replicas: 5, template: { a: 1 } } });
});

void test('kubectl scale / label bodies and no mutation of inputs', () => {
  const target = { metadata: { labels: { app: 'web', old: 'x' } }, spec: { replicas: 1, template: { a: 1 } } };
  const patch = { metadata: { labels: { tier: 'front', old: null } }, spec: { replicas: 5 } };
  const out = applyMergePatch(target, patch) as any;
  assert.deepEqual(out, { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { replicas: 5, template: { a: 1 } } });
  assert.deepEqual(target.metadata.labels, { app: 'web', old: 'x' });
  out.spec.template.a = 2;
  assert.equal(target.spec.template.a, 1, 'result does not share untouched children with the target');
});

void test('a "__proto__" key is data, not a prototype change', () => {
  const target = JSON.parse('{"data":{"a":"1"}}');
  const patch = JSON.parse('{"data":{"__proto__":"x"}}');
  const out = applyMergePatch(target, patch) as any;
  assert.deepEqual(Object.keys(out.data), ['a', '__proto__']);
  assert.equal(Object.getPrototypeOf(out.data), Object.prototype);
  assert.equal(({} as any).x, undefined);
});

void test('clone copies JSON data deeply, keeps "__proto__" as data and other objects (a YAML Date) as they are', async () => {
  const { clone } = await import('./json-util.ts');
  const v = JSON.parse('{"a":[{"b":1},null,"s"],"__proto__":{"x":1},"d":{"e":{}}}');
  const c = clone(v);
  assert.deepEqual(c, v);
  assert.notEqual(c.a, v.a);
  assert.notEqual(c.a[0], v.a[0]);
  assert.notEqual(c.d.e, v.d.e);
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  assert.deepEqual(Object.keys(c), ['a', '__proto__', 'd']);
  const when = new Date(Date.UTC(2026, 0, 1));
  const withDate = clone({ t: when });
  assert.ok(withDate.t instanceof Date && withDate.t !== when && withDate.t.getTime() === when.getTime());
  assert.equal(clone(undefined), undefined);
});

void test('mergePatchSpine copies exactly the objects a merge patch writes into', () => {
  const target = {
    metadata: { name: 'p', labels: { a: '1', b: '2' }, annotations: { x: 'y' } },
    spec: { containers: [{ name: 'c' }], nodeName: 'n' },
    status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }], hostIP: '10.0.0.1' },
  };
  const before = structuredClone(target);
  const patch = { metadata: { labels: { a: null, c: '3' } }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], podIP: '10.1.0.2', hostIP: null } };
  const spine = mergePatchSpine(target, patch) as typeof target;
  const out = mergePatchInto(spine, structuredClone(patch)) as Record<string, any>;
  assert.deepEqual(target, before, 'the target is unchanged');
  assert.deepEqual(out, applyMergePatch(before, patch), 'same result as the copying merge patch');
  assert.equal(out.spec, target.spec, 'a subtree the patch does not name is shared');
  assert.equal(out.metadata.annotations, target.metadata.annotations);
  assert.notEqual(out.metadata, target.metadata);
  assert.notEqual(out.metadata.labels, target.metadata.labels);
  assert.equal((mergePatchSpine(target, { status: 'x' }) as typeof target).status, target.status, 'a value the patch replaces is not copied (it is not written into)');
});
