/**
 * @module agent/stats/format.test — Go float rendering (values as a real kubelet printed them),
 * metav1.Time, Prometheus escaping, default interface choice, and the usageNanoCores cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultInterface, escapeHelp, escapeLabelValue, goFloat, int, metaTime } from './format.ts';
import { RateCache, cpuSample } from './rate.ts';

test('goFloat renders like Go strconv.FormatFloat(v, g, -1, 64)', () => {
  const cases: [number, string][] = [
    [0, '0'], [1, '1'], [-1, '-1'], [1024, '1024'], [100000, '100000'], [1e6, '1e+06'], [17391616, '1.7391616e+07'],
    [1137475584, '1.137475584e+09'], [40.384910049, '40.384910049'], [6197.005020909, '6197.005020909'],
    [1750607841.8297591, '1.7506078418297591e+09'], [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e-7, '1.5e-07'],
    [1e21, '1e+21'], [2.5e100, '2.5e+100'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'], [-1234567, '-1.234567e+06'],
  ];
  for (const [v, want] of cases) assert.equal(goFloat(v), want, String(v));
});

test('metaTime is RFC 3339 UTC with whole seconds (metav1.Time JSON)', () => {
  assert.equal(metaTime(Date.UTC(2026, 0, 1, 12, 30, 5, 999)), '2026-01-01T12:30:05Z');
  assert.equal(metaTime(0), '1970-01-01T00:00:00Z');
});

test('escaping of label values and help text', () => {
  assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  assert.equal(escapeHelp('x\\y\nz "q"'), 'x\\\\y\\nz "q"');
});

test('defaultInterface prefers eth0, else the first; int rounds and clamps', () => {
  assert.equal(defaultInterface([{ name: 'ens3' }, { name: 'eth0' }])?.name, 'eth0');
  assert.equal(defaultInterface([{ name: 'ens3' }, { name: 'cni0' }])?.name, 'ens3');
  assert.equal(defaultInterface([]), undefined);
  assert.deepEqual([int(1.6), int(-3), int(undefined), int(NaN)], [2, 0, undefined, undefined]);
});

test('RateCache: nano-cores between samples, min window, counter reset, prune', () => {
  const r = new RateCache({ minWindowMs: 1000, ttlMs: 5000 });
  const steps: [string, number, number, number | undefined][] = [
    // key, time ms, cumulative ns, expected nano-cores
    ['a', 0, 0, undefined], // first sample: no rate yet
    ['a', 500, 1e8, undefined], // window too short, nothing computed yet
    ['a', 1000, 5e8, 5e8], // 0.5 s of cpu over 1 s = 0.5 core
    ['a', 1200, 6e8, 5e8], // too soon: last rate
    ['a', 3000, 45e8, 2e9], // 4 s of cpu over 2 s = 2 cores
    ['a', 4000, 1e8, undefined], // counter went backwards (restart): start over
    ['a', 5000, 3e8, 2e8],
    ['b', 5000, 7, undefined],
  ];
  for (const [k, t, v, want] of steps) assert.equal(r.rate(k, t, v), want, `${k}@${t}`);
  assert.equal(r.size, 2);
  r.prune(10_001); // 'a' and 'b' last seen at 5000 < 10001 - 5000
  assert.equal(r.size, 0);
  assert.deepEqual(cpuSample(7, 12.6, undefined), { time: 7, usageCoreNanoSeconds: 13 });
  assert.deepEqual(cpuSample(7, 10, 3), { time: 7, usageNanoCores: 3, usageCoreNanoSeconds: 10 });
});
