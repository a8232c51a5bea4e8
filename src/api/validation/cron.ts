/**
 * @module api/validation/cron — the standard cron grammar CronJobs use (five fields, names for
 * months and weekdays, ranges, steps, lists, `?`, and @yearly/@annually/@monthly/@weekly/
 * @daily/@midnight/@hourly/@every), with the error texts of the cron library upstream uses.
 */

/** CronSchedule is a parsed schedule: the allowed values of each field, or an @every interval. */
export interface CronSchedule {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly daysOfWeek: ReadonlySet<number>;
  /** domStar/dowStar: the field was `*` or `?` (day matching then uses the other field only). */
  readonly domStar: boolean;
  readonly dowStar: boolean;
  /** everyMs is set for `@every <duration>`. */
  readonly everyMs?: number;
  /** timeZone from a `TZ=`/`CRON_TZ=` prefix. */
  readonly timeZone?: string;
}

interface Bounds { min: number; max: number; names?: Record<string, number> }
const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DOWS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const BOUNDS: Bounds[] = [
  { min: 0, max: 59 }, { min: 0, max: 23 }, { min: 1, max: 31 }, { min: 1, max: 12, names: MONTHS }, { min: 0, max: 6, names: DOWS },
];
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

class CronError extends Error {}

function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new CronError(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${s}`);
  return n;
}

function intOrName(s: string, b: Bounds): number {
  const named = b.names?.[s.toLowerCase()];
  return named ?? atoi(s);
}

function parseRange(expr: string, b: Bounds, out: Set<number>): boolean {
  const rs = expr.split('/');
  const lh = rs[0].split('-');
  let start: number;
  let end: number;
  let star = false;
  if (lh[0] === '*' || lh[0] === '?') { start = b.min; end = b.max; star = true; } else {
    start = intOrName(lh[0], b);
    if (lh.length === 1) end = start;
    else if (lh.length === 2) end = intOrName(lh[1], b);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rs.length === 2) {
    step = atoi(rs[1]);
    if (lh.length === 1 && !star) end = b.max;
    if (step > 1) star = false;
  } else if (rs.length > 2) throw new CronError(`too many slashes: ${expr}`);
  if (start < b.min) throw new CronError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  for (let i = start; i <= end; i += step) out.add(i);
  return star;
}

function parseField(field: string, b: Bounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(',')) star = parseRange(part, b, values) || star;
  return { values, star };
}

function parseGoDuration(s: string): number | undefined {
  const m = /^((\d+(\.\d+)?)(h|m|s|ms|us|µs|ns))+$/.test(s);
  if (!m) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, 'µs': 1e-3, ns: 1e-6 };
  let total = 0;
  for (const part of s.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(part[1]) * unit[part[2]];
  return total;
}

/** parseCron parses a standard cron spec; the result or the cron library's error text. */
export function parseCron(spec: string): { ok: true; schedule: CronSchedule } | { ok: false; error: string } {
  try {
    let s = spec;
    let timeZone: string | undefined;
    if (s.length === 0) throw new CronError('empty spec string');
    if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
      const i = s.indexOf(' ');
      if (i < 0) throw new CronError(`provided bad location ${s.slice(s.indexOf('=') + 1)}: unknown time zone ${s.slice(s.indexOf('=') + 1)}`);
      timeZone = s.slice(s.indexOf('=') + 1, i);
      s = s.slice(i).trim();
    }
    if (s.startsWith('@')) {
      if (s.startsWith('@every ')) {
        const d = s.slice('@every '.length);
        const ms = parseGoDuration(d);
        if (ms === undefined) throw new CronError(`failed to parse duration ${s}: time: invalid duration ${JSON.stringify(d)}`);
        const all = (b: Bounds): Set<number> => new Set(Array.from({ length: b.max - b.min + 1 }, (_, i) => b.min + i));
        return { ok: true, schedule: { minutes: all(BOUNDS[0]), hours: all(BOUNDS[1]), daysOfMonth: all(BOUNDS[2]), months: all(BOUNDS[3]), daysOfWeek: all(BOUNDS[4]), domStar: true, dowStar: true, everyMs: Math.max(ms, 1000), timeZone } };
      }
      const d = DESCRIPTORS[s];
      if (!d) throw new CronError(`unrecognized descriptor: ${s}`);
      s = d;
    }
    const fields = s.split(/\s+/).filter(Boolean);
    if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
    const [mi, h, dom, mo, dow] = fields.map((f, i) => parseField(f, BOUNDS[i]));
    return { ok: true, schedule: { minutes: mi.values, hours: h.values, daysOfMonth: dom.values, months: mo.values, daysOfWeek: dow.values, domStar: dom.star, dowStar: dow.star, timeZone } };
  } catch (e) {
    if (e instanceof CronError) return { ok: false, error: e.message };
    throw e;
  }
}
