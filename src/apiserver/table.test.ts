import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KindInfo } from '../api/index.ts';
import { buildTable, humanDuration, jsonPathCell } from './table.ts';
import { compareVersions } from './registry/catalog.ts';
import { generateName, rfc3339 } from './registry/prepare.ts';
import { selectorString } from './scale.ts';

void test('humanDuration matches kubectl ages', () => {
  const cases: [number, string][] = [[0, '0s'], [59_000, '59s'], [119_000, '119s'], [120_000, '2m'], [150_000, '2m30s'], [600_000, '10m'],
    [3 * 3600_000, '3h'], [3 * 3600_000 + 240_000, '3h4m'], [10 * 3600_000, '10h'], [50 * 3600_000, '2d2h'], [10 * 86400_000, '10d'], [800 * 86400_000, '2y70d'], [-5000, '<invalid>']];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
});

const KIND: KindInfo = { group: '', version: 'v1', kind: 'ConfigMap', listKind: 'ConfigMapList', resource: 'configmaps', singular: 'configmap', namespaced: true, verbs: [], schema: 'x' };

void test('buildTable: NAME and AGE by default, metadata rows, header omission', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const obj = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a', creationTimestamp: '2026-01-01T00:05:00Z' }, data: { x: '1' } };
  const t = buildTable(KIND, [obj], { now, include: 'Metadata', version: 'v1', resourceVersion: '7' });
  assert.deepEqual(t.columnDefinitions.map((c: any) => [c.name, c.format]), [['Name', 'name'], ['Age', '']]);
  assert.deepEqual(t.rows[0].cells, ['a', '5m']);
  assert.deepEqual(t.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata });
  assert.equal(t.metadata.resourceVersion, '7');
  const none = buildTable(KIND, [obj], { now, include: 'None', version: 'v1beta1', withHeader: false });
  assert.equal(none.rows[0].object, undefined);
  assert.equal(none.columnDefinitions, null);
  assert.equal(none.apiVersion, 'meta.k8s.io/v1beta1');
});

void test('jsonPathCell reads CRD printer column paths', () => {
  const o = { spec: { size: 3, tags: ['a'], nested: { k: 'v' } }, status: { conditions: [{ type: 'Ready' }] } };
  assert.equal(jsonPathCell('.spec.size', 'integer')(o, 0), 3);
  assert.equal(jsonPathCell('.status.conditions[0].type', 'string')(o, 0), 'Ready');
  assert.equal(jsonPathCell('.spec.missing', 'string')(o, 0), null);
  assert.equal(jsonPathCell('.spec.nested', 'string')(o, 0), '{"k":"v"}');
});

void test('compareVersions orders GA, beta, alpha', () => {
  assert.deepEqual(['v1beta1', 'v1', 'v2alpha1', 'v2', 'v1beta2', 'v1alpha1'].sort(compareVersions), ['v2', 'v1', 'v1beta2', 'v1beta1', 'v2alpha1', 'v1alpha1']);
});

void test('generateName truncates the prefix to 58 and appends 5 safe characters', () => {
  assert.match(generateName('web-'), /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  const long = generateName('x'.repeat(70));
  assert.equal(long.length, 63);
  assert.equal(rfc3339(Date.parse('2026-03-04T05:06:07.890Z')), '2026-03-04T05:06:07Z');
});

void test('selectorString renders label selectors as kubectl does', () => {
  assert.equal(selectorString({ matchLabels: { b: '2', a: '1' } }), 'a=1,b=2');
  assert.equal(selectorString({ matchExpressions: [{ key: 'k', operator: 'In', values: ['y', 'x'] }, { key: 'e', operator: 'Exists' }] }), 'e,k in (x,y)');
  assert.equal(selectorString('app=web'), 'app=web');
  assert.equal(selectorString({ tier: 'db', app: 'web' }), 'app=web,tier=db');
  assert.equal(selectorString(undefined), '');
});
