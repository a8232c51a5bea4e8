/**
 * @module apiserver/patch/fieldset.test — FieldsV1 round trips, set algebra and path printing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  comparePE, difference, emptySet, insert, intersection, intersects, isEmpty, isSubset, keyPE, members, parseFieldsV1, pathString,
  recursiveDifference, toFieldsV1, union,
} from './fieldset.ts';

const SAMPLE = {
  'f:metadata': { 'f:annotations': { '.': {}, 'f:deployment.kubernetes.io/revision': {} }, 'f:labels': { '.': {}, 'f:app': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } } },
  },
};

void test('FieldsV1 round-trips with "." on members that have children', () => {
  assert.equal(JSON.stringify(toFieldsV1(parseFieldsV1(SAMPLE))), JSON.stringify(SAMPLE));
});

void test('serialisation leaves out branches without members and marks only members with children', () => {
  const s = emptySet();
  insert(s, ['f:spec', 'f:replicas']);
  insert(s, ['f:spec', 'f:template']); // a member whose only child below holds no member
  s.children.get('f:spec')!.children.get('f:template')!.children.set('f:empty', emptySet());
  s.children.set('f:status', { member: false, children: new Map([['f:phase', emptySet()]]) }); // no member anywhere
  insert(s, ['f:metadata']);
  insert(s, ['f:metadata', 'f:labels', 'f:app']);
  assert.equal(JSON.stringify(toFieldsV1(s)), JSON.stringify({ 'f:metadata': { '.': {}, 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {}, 'f:template': {} } }));
  assert.deepEqual(toFieldsV1(emptySet()), {});
});

void test('serialisation orders fields, then keys (numerically), then values', () => {
  const s = emptySet();
  insert(s, ['v:"b"']);
  insert(s, [keyPE({ port: 8080 })]);
  insert(s, [keyPE({ port: 443 })]);
  insert(s, ['f:z']);
  insert(s, ['f:a']);
  assert.deepEqual(Object.keys(toFieldsV1(s)), ['f:a', 'f:z', 'k:{"port":443}', 'k:{"port":8080}', 'v:"b"']);
  assert.ok(comparePE('k:{"port":80}', 'k:{"port":443}') < 0);
});

void test('set algebra', () => {
  const a = parseFieldsV1({ 'f:spec': { 'f:replicas': {}, 'f:paused': {} } });
  const b = parseFieldsV1({ 'f:spec': { 'f:replicas': {}, 'f:x': {} } });
  assert.deepEqual(toFieldsV1(intersection(a, b)), { 'f:spec': { 'f:replicas': {} } });
  assert.deepEqual(toFieldsV1(difference(a, b)), { 'f:spec': { 'f:paused': {} } });
  assert.deepEqual(toFieldsV1(union(a, b)), { 'f:spec': { 'f:paused': {}, 'f:replicas': {}, 'f:x': {} } });
  assert.ok(isEmpty(difference(a, a)));
  const whole = parseFieldsV1({ 'f:spec': {} });
  assert.deepEqual(toFieldsV1(recursiveDifference(a, whole)), {});
  assert.deepEqual(toFieldsV1(difference(a, whole)), toFieldsV1(a), 'plain difference keeps children of a removed member');
  assert.deepEqual(members(a), [['f:spec', 'f:paused'], ['f:spec', 'f:replicas']]);
  const c = parseFieldsV1({ 'f:spec': { 'f:x': {} }, 'f:status': {} });
  const cases: [string, boolean, boolean][] = [['a∩b', intersects(a, b), true], ['a∩c', intersects(a, c), false], ['a∩whole (member only above a\'s members)', intersects(a, whole), false],
    ['c∩b', intersects(c, b), true], ['a∩empty', intersects(a, emptySet()), false]];
  for (const [what, got, want] of cases) assert.equal(got, want, what);
  for (const [x, y] of [[a, b], [a, c], [b, c], [a, whole]]) assert.equal(intersects(x, y), !isEmpty(intersection(x, y)), 'agrees with intersection');
  const spec = parseFieldsV1({ 'f:spec': { 'f:replicas': {} } });
  for (const [x, y, want] of [[spec, a, true], [a, spec, false], [emptySet(), a, true], [a, whole, false], [whole, a, false], [a, a, true]] as const) {
    assert.equal(isSubset(x, y), want);
    assert.equal(isSubset(x, y), isEmpty(difference(x, y)), 'agrees with difference');
  }
});

void test('paths print like upstream', () => {
  assert.equal(pathString(['f:spec', 'f:replicas']), '.spec.replicas');
  assert.equal(pathString(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']), '.spec.containers[name="nginx"].image');
  assert.equal(pathString(['f:ports', 'k:{"containerPort":80,"protocol":"TCP"}']), '.ports[containerPort=80,protocol="TCP"]');
  assert.equal(pathString(['f:metadata', 'f:finalizers', 'v:"a"']), '.metadata.finalizers[="a"]');
});

void test('set operations leave their operands unchanged (results share subtrees with them)', () => {
  const a = parseFieldsV1(SAMPLE);
  const b = parseFieldsV1({ 'f:spec': { 'f:replicas': {}, 'f:paused': {} }, 'f:status': { 'f:replicas': {} } });
  const before = [JSON.stringify(toFieldsV1(a)), JSON.stringify(toFieldsV1(b))];
  const results = [union(a, b), difference(a, b), difference(b, a), recursiveDifference(a, b), intersection(a, b), union(difference(a, b), b)];
  assert.deepEqual([JSON.stringify(toFieldsV1(a)), JSON.stringify(toFieldsV1(b))], before);
  assert.deepEqual(members(results[1]).map(pathString).filter((p) => p.startsWith('.spec.replicas')), []);
  assert.ok(members(results[0]).map(pathString).includes('.status.replicas'));
  assert.deepEqual(JSON.stringify(toFieldsV1(results[5])), JSON.stringify(toFieldsV1(results[0])));
});
