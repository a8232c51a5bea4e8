/**
 * @module apiserver/patch/index.test — the folder's face: patch type detection and exports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as patch from './index.ts';

void test('patchTypeOf maps the four content types and ignores parameters', () => {
  const cases: [string | undefined, string | undefined][] = [
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['Application/Strategic-Merge-Patch+JSON', 'strategic'],
    ['application/apply-patch+yaml;charset=utf-8', 'apply'],
    ['application/json', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [ct, want] of cases) assert.equal(patch.patchTypeOf(ct), want, String(ct));
});

void test('index exports the contract functions', () => {
  for (const name of ['applyMergePatch', 'applyJsonPatch', 'applyStrategicMergePatch', 'applyServerSideApply', 'updateManagedFields', 'conflictMessage', 'patchTypeOf']) {
    assert.equal(typeof (patch as Record<string, unknown>)[name], 'function', name);
  }
});
