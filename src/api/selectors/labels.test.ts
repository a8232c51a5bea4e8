/** @module api/selectors/labels.test — table-driven tests of the label selector grammar and matching. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabelSelector, labelSelectorFromMeta, matchesLabels, labelSelectorString, formatLabelSelector, formatLabels } from './labels.ts';

void test('parse: canonical string of valid selectors', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['app=web', 'app=web'],
    ['app==web', 'app==web'],
    ['  app = web ,  tier!=db', 'app=web,tier!=db'],
    ['tier!=db,app=web', 'app=web,tier!=db'],
    ['env in (prod, qa)', 'env in (prod,qa)'],
    ['env notin (qa,prod,qa)', 'env notin (prod,qa)'],
    ['env', 'env'],
    ['!env', '!env'],
    ['! env', '!env'],
    ['x in ()', 'x in ()'],
    ['x=', 'x='],
    ['example.com/app=1', 'example.com/app=1'],
    ['n>5,m<3', 'm<3,n>5'],
    ['in=notin', 'in=notin'],
    ['a in (in,notin)', 'a in (in,notin)'],
  ];
  for (const [input, want] of cases) {
    const r = parseLabelSelector(input);
    assert.ok(r.ok, `${input}: ${r.ok ? '' : r.error}`);
    assert.equal(labelSelectorString(r.selector), want, input);
  }
});

void test('parse: errors use upstream wording', () => {
  const cases: [string, string][] = [
    ['app=web,', "found '', expected: identifier after ','"],
    [',', "found ',', expected: !, identifier, or 'end of string'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a@b=c', `unable to parse requirement: <nil>: Invalid value: "a@b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`],
    ['app=b@d', `unable to parse requirement: values[0][app]: Invalid value: "b@d": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`],
    ['n>x', `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['a=>b', "unable to parse requirement: found '>', expected: identifier"],
  ];
  for (const [input, want] of cases) {
    const r = parseLabelSelector(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.equal(r.error, want, input);
  }
});

void test('match: table', () => {
  const labels = { app: 'web', tier: 'fe', n: '10' };
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['', labels, true],
    ['', undefined, true],
    ['app=web', labels, true],
    ['app=db', labels, false],
    ['app!=db', labels, true],
    ['missing!=x', labels, true],
    ['app in (db,web)', labels, true],
    ['app notin (db,web)', labels, false],
    ['missing notin (a)', labels, true],
    ['tier', labels, true],
    ['!tier', labels, false],
    ['!missing', labels, true],
    ['n>9', labels, true],
    ['n<10', labels, false],
    ['app>1', labels, false],
    ['app=web,tier=be', labels, false],
  ];
  for (const [sel, l, want] of cases) {
    const r = parseLabelSelector(sel);
    assert.ok(r.ok, sel);
    assert.equal(matchesLabels(r.selector, l), want, sel);
  }
});

void test('metav1.LabelSelector conversion', () => {
  const r = labelSelectorFromMeta({ matchLabels: { b: '1', a: '2' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }, { key: 'd', operator: 'DoesNotExist' }] });
  assert.ok(r.ok);
  assert.equal(labelSelectorString(r.selector), 'a=2,b=1,c in (x,y),!d');
  assert.equal(matchesLabels(r.selector, { a: '2', b: '1', c: 'x' }), true);
  assert.equal(matchesLabels(r.selector, { a: '2', b: '1', c: 'x', d: '' }), false);
  const nil = labelSelectorFromMeta(undefined);
  assert.ok(nil.ok);
  assert.equal(matchesLabels(nil.selector, {}), false);
  const empty = labelSelectorFromMeta({});
  assert.ok(empty.ok);
  assert.equal(matchesLabels(empty.selector, {}), true);
  const bad = labelSelectorFromMeta({ matchExpressions: [{ key: 'a', operator: 'Foo' }] });
  assert.deepEqual(bad, { ok: false, error: '"Foo" is not a valid label selector operator' });
  const noVals = labelSelectorFromMeta({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] });
  assert.deepEqual(noVals, { ok: false, error: "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty" });
});

void test('format helpers', () => {
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.equal(formatLabelSelector({ matchLabels: { app: 'x' } }), 'app=x');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bad' }] }), '<error>');
  assert.equal(formatLabels({}), '<none>');
  assert.equal(formatLabels({ z: '1', a: '2' }), 'a=2,z=1');
});
