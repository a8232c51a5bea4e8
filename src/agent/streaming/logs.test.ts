import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, appendFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseCriLogLine, parseTime, streamContainerLog, type LogOptions } from './logs.ts';

const LOG = [
  '2026-01-01T00:00:00.100000000Z stdout F one',
  '2026-01-01T00:00:01.000000001Z stderr F two',
  '2026-01-01T00:00:02Z stdout P thr',
  '2026-01-01T00:00:02.5Z stdout F ee',
  'garbage line',
  '2026-01-01T00:00:03.000000000+00:00 stdout F four',
  '',
].join('\n');

async function read(path: string, opts: LogOptions): Promise<string> {
  const out = new PassThrough();
  let s = '';
  out.on('data', (c: Buffer) => { s += c.toString(); });
  await streamContainerLog(path, out, opts);
  return s;
}

void test('parseCriLogLine and parseTime', () => {
  assert.deepEqual(parseCriLogLine('2026-01-01T00:00:00.5Z stderr P a b'), { time: '2026-01-01T00:00:00.5Z', timeMs: Date.parse('2026-01-01T00:00:00.500Z'), stream: 'stderr', partial: true, content: 'a b' });
  assert.equal(parseCriLogLine('2026-01-01T00:00:00Z stdin F x'), undefined);
  assert.equal(parseCriLogLine('nonsense'), undefined);
  assert.equal(parseTime('2026-01-01T00:00:00.123456789Z'), Date.parse('2026-01-01T00:00:00.123Z'));
  assert.ok(Number.isNaN(parseTime('yesterday')));
});

void test('reads CRI logs with tail, since, timestamps, limitBytes and partial lines', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wl-logs-'));
  try {
    const p = join(dir, '0.log');
    await writeFile(p, LOG);
    const cases: [LogOptions, string][] = [
      [{}, 'one\ntwo\nthree\nfour\n'],
      [{ tailLines: 2 }, 'ee\nfour\n'],
      [{ tailLines: 0 }, ''],
      [{ sinceMs: Date.parse('2026-01-01T00:00:01Z') }, 'two\nthree\nfour\n'],
      [{ limitBytes: 6 }, 'one\ntw'],
      [{ tailLines: 1, timestamps: true }, '2026-01-01T00:00:03.000000000+00:00 four\n'],
    ];
    for (const [o, want] of cases) assert.equal(await read(p, o), want, JSON.stringify(o));
    assert.equal(await read(join(dir, 'missing.log'), {}), '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('follow streams appended lines, survives rotation, and stops when the container exits', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wl-logs-'));
  try {
    const p = join(dir, '0.log');
    await writeFile(p, '2026-01-01T00:00:00Z stdout F a\n');
    let running = true;
    const out = new PassThrough();
    let s = '';
    out.on('data', (c: Buffer) => { s += c.toString(); });
    const done = streamContainerLog(p, out, { follow: true, pollMs: 10, isRunning: () => Promise.resolve(running) });
    try {
    const until = async (want: string): Promise<void> => { for (let i = 0; i < 200 && s !== want; i++) await new Promise((r) => setTimeout(r, 10)); assert.equal(s, want); };
    await until('a\n');
    await appendFile(p, '2026-01-01T00:00:01Z stdout P b\n2026-01-01T00:00:01Z stdout F ');
    await new Promise((r) => setTimeout(r, 50));
    await appendFile(p, '1\n');
    await until('a\nb1\n');
    await rename(p, `${p}.20260101`);
    await writeFile(p, '2026-01-01T00:00:02Z stdout F c\n');
    await until('a\nb1\nc\n');
    } finally {
      running = false;
      await done;
    }
    assert.equal(s, 'a\nb1\nc\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
