/** @module api/selectors/fields.test — table-driven tests of field selectors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFieldSelector, matchesFields, fieldSelectorFields, fieldSelectorString, requiresExactMatch } from './fields.ts';

void test('parse and print', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['metadata.name=x', 'metadata.name=x'],
    ['metadata.name==x', 'metadata.name=x'],
    ['status.phase!=Failed,spec.nodeName=n1', 'spec.nodeName=n1,status.phase!=Failed'],
    ['a=x\\,y', 'a=x\\,y'],
    ['a=x\\=y\\\\', 'a=x\\=y\\\\'],
    ['a=', 'a='],
    [',a=b,', 'a=b'],
  ];
  for (const [input, want] of cases) {
    const r = parseFieldSelector(input);
    assert.ok(r.ok, input);
    assert.equal(fieldSelectorString(r.selector), want, input);
  }
  const esc = parseFieldSelector('a=x\\,y');
  assert.ok(esc.ok);
  assert.equal(esc.selector.terms[0].value, 'x,y');
});

void test('parse errors', () => {
  const cases: [string, string][] = [
    ['abc', "invalid selector: 'abc'; can't understand 'abc'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [input, want] of cases) {
    assert.deepEqual(parseFieldSelector(input), { ok: false, error: want }, input);
  }
});

void test('match, fields and exact match', () => {
  const obj: Record<string, string> = { 'metadata.name': 'web', 'status.phase': 'Running' };
  const get = (f: string): string | undefined => obj[f];
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=web', true],
    ['metadata.name!=web', false],
    ['status.phase!=Failed,status.phase!=Succeeded', true],
    ['spec.nodeName=', true],
    ['spec.nodeName=n1', false],
  ];
  for (const [sel, want] of cases) {
    const r = parseFieldSelector(sel);
    assert.ok(r.ok);
    assert.equal(matchesFields(r.selector, get), want, sel);
  }
  const r = parseFieldSelector('b=1,a=2,b!=3');
  assert.ok(r.ok);
  assert.deepEqual(fieldSelectorFields(r.selector), ['a', 'b']);
  assert.equal(requiresExactMatch(r.selector, 'b'), '1');
  assert.equal(requiresExactMatch(r.selector, 'c'), undefined);
});
