/** @module api/validation/cron.test — the cron grammar and its error texts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCron } from './cron.ts';

void test('valid schedules', () => {
  const cases: [string, (s: Exclude<ReturnType<typeof parseCron>, { ok: false }>['schedule']) => boolean][] = [
    ['*/15 * * * *', (s) => [...s.minutes].join(',') === '0,15,30,45' && s.domStar],
    ['0 9-17/4 * * mon-fri', (s) => [...s.hours].join(',') === '9,13,17' && [...s.daysOfWeek].join(',') === '1,2,3,4,5' && !s.dowStar],
    ['5 0 1,15 JAN,jul ?', (s) => [...s.daysOfMonth].join(',') === '1,15' && [...s.months].join(',') === '1,7' && s.dowStar],
    ['30 2/6 * * *', (s) => [...s.hours].join(',') === '2,8,14,20'],
    ['@hourly', (s) => [...s.minutes].join(',') === '0' && s.hours.size === 24],
    ['@weekly', (s) => [...s.daysOfWeek].join(',') === '0'],
    ['@every 90s', (s) => s.everyMs === 90_000],
    ['CRON_TZ=UTC 0 0 * * *', (s) => s.timeZone === 'UTC'],
  ];
  for (const [spec, ok] of cases) {
    const r = parseCron(spec);
    assert.ok(r.ok, spec);
    assert.ok(ok(r.schedule), spec);
  }
});

void test('errors', () => {
  const cases: [string, string][] = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['@yearlyish', 'unrecognized descriptor: @yearlyish'],
  ];
  for (const [spec, want] of cases) assert.deepEqual(parseCron(spec), { ok: false, error: want }, spec);
});
