import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addQuantity, formatQuantity, parseQuantity } from './quantity.ts';

void test('quantities parse exactly and render canonically', () => {
  const cases: [string, string][] = [
    ['100m', '100m'], ['1', '1'], ['1.5', '1500m'], ['0.5', '500m'], ['2Gi', '2Gi'], ['1536Mi', '1536Mi'],
    ['500M', '500M'], ['2000', '2k'], ['1500', '1500'], ['1024', '1024'], ['1e3', '1k'], ['.25', '250m'], ['0', '0'],
  ];
  for (const [input, want] of cases) assert.equal(formatQuantity(parseQuantity(input)!), want, input);
  for (const bad of ['', 'abc', '1Q', '--1', '1.2.3']) assert.equal(parseQuantity(bad), undefined, bad);
  assert.equal(formatQuantity(addQuantity(parseQuantity('512Mi')!, parseQuantity('512Mi')!)), '1Gi');
  assert.equal(formatQuantity(addQuantity(parseQuantity('250m')!, parseQuantity('750m')!)), '1');
  assert.equal(parseQuantity(2)!.nano, 2_000_000_000n);
});
