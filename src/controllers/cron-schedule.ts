/**
 * @module controllers/cron-schedule — when a CronJob's schedule fires: the standard five-field
 * grammar (parsed by src/api's `parseCron`, the same parser validation uses, so what the API
 * accepts is exactly what the controller runs) and a next-time calculator that walks wall-clock
 * fields in an IANA time zone (via Intl) the way the cron library upstream uses does: months by
 * calendar steps, days by calendar steps re-aligned to midnight, hours and minutes by elapsed
 * time. So a wall time skipped by a spring-forward transition does not fire that day, and one
 * repeated by a fall-back transition fires at each occurrence.
 */
import { parseCron, type CronSchedule } from '../api/index.ts';

/** Schedule is a parsed cron schedule bound to a time zone. */
export interface Schedule {
  readonly cron: CronSchedule;
  /** timeZone is an IANA name; 'UTC' when none was given. */
  readonly timeZone: string;
}

/** parseSchedule parses a cron spec (with `spec.timeZone` taking precedence over a `TZ=` prefix); the schedule or an error text. */
export function parseSchedule(spec: string, timeZone?: string): { ok: true; schedule: Schedule } | { ok: false; error: string } {
  const r = parseCron(spec.trim());
  if (!r.ok) return r;
  const tz = timeZone ?? r.schedule.timeZone ?? 'UTC';
  if (!isValidTimeZone(tz)) return { ok: false, error: `unknown time zone ${tz}` };
  return { ok: true, schedule: { cron: r.schedule, timeZone: tz } };
}

/** isValidTimeZone says whether Intl knows the IANA zone `tz`. */
export function isValidTimeZone(tz: string): boolean {
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** zoneOffsetMs is the offset of `tz` from UTC at instant `t` (local wall time minus UTC), in milliseconds. */
export function zoneOffsetMs(tz: string, t: number): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 0;
  const p: Record<string, number> = {};
  for (const part of formatterFor(tz).formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - (t - (((t % 1000) + 1000) % 1000));
}

/** WallFields are an instant's calendar fields in a zone (month 1-12, weekday 0 = Sunday). */
export interface WallFields { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

/** wallFields returns the calendar fields of instant `t` in zone `tz`. */
export function wallFields(tz: string, t: number): WallFields {
  const d = new Date(t + zoneOffsetMs(tz, t));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay() };
}

/** zonedTime turns wall fields (overflowing values normalize, as Go's time.Date) into an instant in `tz`;
 * a wall time inside a transition gap resolves with the offset in force after the period found first. */
export function zonedTime(tz: string, year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const guess = zoneOffsetMs(tz, wall);
  const corrected = zoneOffsetMs(tz, wall - guess);
  return wall - (corrected !== guess ? corrected : guess);
}

function addDate(tz: string, t: number, months: number, days: number): number {
  const f = wallFields(tz, t);
  return zonedTime(tz, f.year, f.month + months, f.day + days, f.hour, f.minute, f.second);
}

function dayMatches(c: CronSchedule, f: WallFields): boolean {
  const dom = c.daysOfMonth.has(f.day);
  const dow = c.daysOfWeek.has(f.weekday);
  // Either field being `*` makes day matching an AND (the `*` one always matches); otherwise it is an OR.
  return c.domStar || c.dowStar ? dom && dow : dom || dow;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** nextTime returns the first time the schedule fires strictly after `after` (epoch ms, whole seconds), or undefined when none within five years. */
export function nextTime(s: Schedule, after: number): number | undefined {
  const c = s.cron;
  const tz = s.timeZone;
  let t = Math.floor(after / 1000) * 1000 + 1000;
  if (c.everyMs !== undefined) return Math.floor(after / 1000) * 1000 + Math.max(1000, Math.floor(c.everyMs / 1000) * 1000);
  const yearLimit = wallFields(tz, t).year + 5;
  let added = false;
  wrap: for (;;) {
    let f = wallFields(tz, t);
    if (f.year > yearLimit) return undefined;
    while (!c.months.has(f.month)) {
      if (!added) { added = true; t = zonedTime(tz, f.year, f.month, 1); }
      t = addDate(tz, t, 1, 0);
      f = wallFields(tz, t);
      if (f.month === 1) continue wrap;
    }
    while (!dayMatches(c, f)) {
      if (!added) { added = true; t = zonedTime(tz, f.year, f.month, f.day); }
      t = addDate(tz, t, 0, 1);
      f = wallFields(tz, t);
      // A transition at midnight can leave the day's start at 23:00 or 01:00: re-align to midnight.
      if (f.hour !== 0) {
        t += f.hour > 12 ? (24 - f.hour) * HOUR : -f.hour * HOUR;
        f = wallFields(tz, t);
      }
      if (f.day === 1) continue wrap;
    }
    while (!c.hours.has(f.hour)) {
      if (!added) { added = true; t = zonedTime(tz, f.year, f.month, f.day, f.hour); }
      t += HOUR;
      f = wallFields(tz, t);
      if (f.hour === 0) continue wrap;
    }
    while (!c.minutes.has(f.minute)) {
      if (!added) { added = true; t -= ((t % MINUTE) + MINUTE) % MINUTE; }
      t += MINUTE;
      f = wallFields(tz, t);
      if (f.minute === 0) continue wrap;
    }
    while (f.second !== 0) {
      if (!added) { added = true; t -= ((t % 1000) + 1000) % 1000; }
      t += 1000;
      f = wallFields(tz, t);
      if (f.second === 0) continue wrap;
    }
    return t;
  }
}

/** formatInZone renders instant `t` as RFC 3339 with the zone's offset (`Z` for UTC), as Go's time.RFC3339. */
export function formatInZone(tz: string, t: number): string {
  const off = zoneOffsetMs(tz, t);
  const iso = new Date(Math.floor(t / 1000) * 1000 + off).toISOString().slice(0, 19);
  if (off === 0) return `${iso}Z`;
  const m = Math.abs(off) / MINUTE;
  return `${iso}${off < 0 ? '-' : '+'}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}
