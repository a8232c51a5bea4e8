/**
 * @module controllers/cron-schedule.test — the cron next-time calculator: fields, ranges, steps,
 * lists, names, descriptors, the day-of-month / day-of-week OR rule, impossible dates, and time
 * zones across daylight-saving transitions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatInZone, isValidTimeZone, nextTime, parseSchedule, wallFields, zonedTime, zoneOffsetMs } from './cron-schedule.ts';

/** fires lists the next `n` times (RFC 3339 in the schedule's zone) after `from`. */
function fires(spec: string, from: string, n: number, tz?: string): string[] {
  const r = parseSchedule(spec, tz);
  if (!r.ok) throw new Error(r.error);
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < n; i++) {
    const x = nextTime(r.schedule, t);
    if (x === undefined) { out.push('none'); break; }
    out.push(formatInZone(r.schedule.timeZone, x));
    t = x;
  }
  return out;
}

const cases: { name: string; spec: string; from: string; tz?: string; want: string[] }[] = [
  { name: 'every minute, strictly after', spec: '* * * * *', from: '2026-01-01T00:00:00Z', want: ['2026-01-01T00:01:00Z', '2026-01-01T00:02:00Z'] },
  { name: 'mid-minute start rounds up', spec: '* * * * *', from: '2026-01-01T00:00:30.500Z', want: ['2026-01-01T00:01:00Z'] },
  { name: 'step over minutes', spec: '*/15 * * * *', from: '2026-01-01T00:07:00Z', want: ['2026-01-01T00:15:00Z', '2026-01-01T00:30:00Z', '2026-01-01T00:45:00Z', '2026-01-01T01:00:00Z'] },
  { name: 'range with step', spec: '10-40/10 * * * *', from: '2026-01-01T00:35:00Z', want: ['2026-01-01T00:40:00Z', '2026-01-01T01:10:00Z', '2026-01-01T01:20:00Z'] },
  { name: 'start with step means start to max', spec: '50/5 * * * *', from: '2026-01-01T00:00:00Z', want: ['2026-01-01T00:50:00Z', '2026-01-01T00:55:00Z', '2026-01-01T01:50:00Z'] },
  { name: 'lists', spec: '0 6,18 * * *', from: '2026-01-01T07:00:00Z', want: ['2026-01-01T18:00:00Z', '2026-01-02T06:00:00Z'] },
  { name: 'month names and ranges', spec: '0 0 1 jan-mar,DEC *', from: '2026-03-15T00:00:00Z', want: ['2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z', '2027-02-01T00:00:00Z'] },
  { name: 'weekday names (Mon-Fri at 9:30)', spec: '30 9 * * MON-FRI', from: '2026-01-02T10:00:00Z', want: ['2026-01-05T09:30:00Z', '2026-01-06T09:30:00Z'] },
  { name: 'Sunday as 0', spec: '0 12 * * 0', from: '2026-01-01T00:00:00Z', want: ['2026-01-04T12:00:00Z', '2026-01-11T12:00:00Z'] },
  { name: 'day-of-month OR day-of-week when both restricted', spec: '0 0 13 * 5', from: '2026-01-01T00:00:00Z', want: ['2026-01-02T00:00:00Z', '2026-01-09T00:00:00Z', '2026-01-13T00:00:00Z', '2026-01-16T00:00:00Z'] },
  { name: 'day-of-month AND when day-of-week is *', spec: '0 0 13 * *', from: '2026-01-01T00:00:00Z', want: ['2026-01-13T00:00:00Z', '2026-02-13T00:00:00Z'] },
  { name: 'a stepped day-of-week is not a star: OR rule (Sat, Sun the 1st, Tue)', spec: '0 0 1 * */2', from: '2026-01-29T12:00:00Z', want: ['2026-01-31T00:00:00Z', '2026-02-01T00:00:00Z', '2026-02-03T00:00:00Z'] },
  { name: 'Feb 29 waits for a leap year', spec: '0 0 29 2 *', from: '2026-01-01T00:00:00Z', want: ['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z'] },
  { name: 'impossible date never fires', spec: '0 0 30 2 *', from: '2026-01-01T00:00:00Z', want: ['none'] },
  { name: '@hourly', spec: '@hourly', from: '2026-01-01T00:30:00Z', want: ['2026-01-01T01:00:00Z'] },
  { name: '@daily', spec: '@daily', from: '2026-01-01T00:30:00Z', want: ['2026-01-02T00:00:00Z'] },
  { name: '@weekly (Sundays)', spec: '@weekly', from: '2026-01-01T00:00:00Z', want: ['2026-01-04T00:00:00Z'] },
  { name: '@monthly', spec: '@monthly', from: '2026-01-31T00:00:00Z', want: ['2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z'] },
  { name: '@yearly', spec: '@yearly', from: '2026-06-01T00:00:00Z', want: ['2027-01-01T00:00:00Z'] },
  { name: '@every', spec: '@every 90s', from: '2026-01-01T00:00:00Z', want: ['2026-01-01T00:01:30Z', '2026-01-01T00:03:00Z'] },
  { name: 'time zone shifts the wall clock', spec: '0 9 * * *', tz: 'Asia/Tokyo', from: '2025-12-31T23:00:00Z', want: ['2026-01-01T09:00:00+09:00', '2026-01-02T09:00:00+09:00'] },
  { name: 'TZ= prefix', spec: 'TZ=Asia/Kolkata 30 5 * * *', from: '2026-01-01T00:00:00Z', want: ['2026-01-02T05:30:00+05:30'] },
  { name: 'spring forward: 02:30 does not exist, that day is skipped', spec: '30 2 * * *', tz: 'America/New_York', from: '2026-03-06T12:00:00Z', want: ['2026-03-07T02:30:00-05:00', '2026-03-09T02:30:00-04:00'] },
  { name: 'spring forward: 03:30 still fires', spec: '30 3 * * *', tz: 'America/New_York', from: '2026-03-07T12:00:00Z', want: ['2026-03-08T03:30:00-04:00', '2026-03-09T03:30:00-04:00'] },
  { name: 'fall back: 01:30 happens twice and fires twice', spec: '30 1 * * *', tz: 'America/New_York', from: '2026-10-31T12:00:00Z', want: ['2026-11-01T01:30:00-04:00', '2026-11-01T01:30:00-05:00', '2026-11-02T01:30:00-05:00'] },
  { name: 'hourly across fall back counts real hours', spec: '0 * * * *', tz: 'Europe/Berlin', from: '2026-10-25T00:30:00+02:00', want: ['2026-10-25T01:00:00+02:00', '2026-10-25T02:00:00+02:00', '2026-10-25T02:00:00+01:00', '2026-10-25T03:00:00+01:00'] },
  { name: 'midnight daily across a transition', spec: '0 0 * * *', tz: 'Europe/Berlin', from: '2026-03-28T12:00:00Z', want: ['2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00'] },
  { name: 'a midnight skipped by a transition (Santiago) does not fire', spec: '0 0 * * *', tz: 'America/Santiago', from: '2026-09-05T12:00:00Z', want: ['2026-09-07T00:00:00-03:00', '2026-09-08T00:00:00-03:00'] },
];

for (const c of cases) {
  test(`nextTime: ${c.name}`, () => {
    assert.deepEqual(fires(c.spec, c.from, c.want.length, c.tz), c.want);
  });
}

test('parseSchedule rejects bad specs and unknown zones with the parser error', () => {
  const bad: [string, string | undefined, RegExp][] = [
    ['* * * *', undefined, /expected exactly 5 fields/],
    ['61 * * * *', undefined, /above maximum/],
    ['* * * * mon-sun', undefined, /beyond end of range|above maximum/],
    ['@fortnightly', undefined, /unrecognized descriptor/],
    ['0 0 * * *', 'Mars/Olympus', /unknown time zone/],
  ];
  for (const [spec, tz, re] of bad) {
    const r = parseSchedule(spec, tz);
    assert.equal(r.ok, false, spec);
    if (!r.ok) assert.match(r.error, re, spec);
  }
  assert.equal(isValidTimeZone('Europe/Paris'), true);
  assert.equal(isValidTimeZone('Nowhere/Town'), false);
});

test('spec.timeZone wins over a TZ= prefix', () => {
  const r = parseSchedule('TZ=Asia/Tokyo 0 0 * * *', 'UTC');
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.schedule.timeZone, 'UTC');
});

test('zone helpers: offsets, wall fields, and wall times inside a gap', () => {
  assert.equal(zoneOffsetMs('America/New_York', Date.parse('2026-01-15T12:00:00Z')), -5 * 3_600_000);
  assert.equal(zoneOffsetMs('America/New_York', Date.parse('2026-07-15T12:00:00Z')), -4 * 3_600_000);
  assert.deepEqual(wallFields('Asia/Kolkata', Date.parse('2026-01-01T00:00:00Z')), { year: 2026, month: 1, day: 1, hour: 5, minute: 30, second: 0, weekday: 4 });
  // 02:30 on the spring-forward day does not exist in New York; Go's time.Date resolves it to 01:30 EST.
  assert.equal(new Date(zonedTime('America/New_York', 2026, 3, 8, 2, 30)).toISOString(), '2026-03-08T06:30:00.000Z');
  assert.equal(new Date(zonedTime('America/New_York', 2026, 13, 1)).toISOString(), '2027-01-01T05:00:00.000Z', 'months overflow into the next year');
  assert.equal(formatInZone('UTC', Date.parse('2026-05-05T05:05:05.999Z')), '2026-05-05T05:05:05Z');
});
