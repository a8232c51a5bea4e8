/**
 * @module agent/volumes/atomic-writer.int.test — the atomic writer on real temp directories: the
 * kubelet layout (`..<timestamp>` dir, `..data` link, per-key links), modes, no rewrite of
 * unchanged content, removal of vanished keys and of the old directory, and a concurrent reader
 * that never sees a mix of old and new content while updates swap `..data`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timestampedName, validatePayloadPath, writeAtomic, type FileProjection } from './atomic-writer.ts';

const NOW = Date.UTC(2026, 10, 26, 22, 0, 0, 123);

function payload(o: Record<string, string | [string, number]>): Map<string, FileProjection> {
  return new Map(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? { data: Buffer.from(v), mode: 0o644 } : { data: Buffer.from(v[0]), mode: v[1] }]));
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'wl-aw-'));
  try { await fn(join(root, 'vol')); } finally { await rm(root, { recursive: true, force: true }); }
}

test('timestampedName follows the kubelet format', () => {
  assert.match(timestampedName(NOW), /^\.\.2026_11_26_22_00_00\.\d{9}$/);
});

test('validatePayloadPath refuses absolute paths and .. elements', () => {
  const cases: [string, boolean][] = [['a', true], ['dir/b', true], ['/etc/x', false], ['../x', false], ['a/../b', false], ['..x', false], ['', false]];
  for (const [p, ok] of cases) assert.equal(validatePayloadPath(p) === '', ok, p);
});

test('writeAtomic lays out ..data, a timestamped dir and key links, with modes', () => withDir(async (dir) => {
  assert.equal(await writeAtomic(dir, payload({ 'a.txt': 'A', 'sub/b': ['B', 0o400] }), NOW), true);
  const ts = await readlink(join(dir, '..data'));
  assert.match(ts, /^\.\.2026_11_26_22_00_00\.\d{9}$/);
  assert.equal(await readlink(join(dir, 'a.txt')), '..data/a.txt');
  assert.equal(await readlink(join(dir, 'sub')), '..data/sub');
  assert.equal(await readFile(join(dir, 'a.txt'), 'utf8'), 'A');
  assert.equal(await readFile(join(dir, 'sub', 'b'), 'utf8'), 'B');
  assert.equal((await stat(join(dir, 'sub', 'b'))).mode & 0o777, 0o400);
  assert.equal((await stat(join(dir, 'a.txt'))).mode & 0o777, 0o644);
  assert.deepEqual((await readdir(dir)).sort(), ['..data', ts, 'a.txt', 'sub'].sort());
}));

test('writeAtomic does not rewrite unchanged content but swaps on change and cleans up', () => withDir(async (dir) => {
  await writeAtomic(dir, payload({ a: '1', b: '1' }), NOW);
  const first = await readlink(join(dir, '..data'));
  assert.equal(await writeAtomic(dir, payload({ a: '1', b: '1' }), NOW + 1000), false);
  assert.equal(await readlink(join(dir, '..data')), first);
  assert.equal(await writeAtomic(dir, payload({ a: '1', b: ['1', 0o600] }), NOW + 2000), true, 'a mode change is a change');
  assert.equal(await writeAtomic(dir, payload({ a: '2', c: '3' }), NOW + 3000), true);
  const second = await readlink(join(dir, '..data'));
  assert.notEqual(second, first);
  const names = (await readdir(dir)).sort();
  assert.deepEqual(names, ['..data', second, 'a', 'c'].sort(), 'old dir and the vanished key b are gone');
  assert.equal(await readFile(join(dir, 'a'), 'utf8'), '2');
  assert.equal(await writeAtomic(dir, new Map(), NOW + 4000), true);
  assert.deepEqual((await readdir(dir)).filter((n) => !n.startsWith('..')), []);
}));

test('a reader never sees old and new content mixed while ..data is swapped', () => withDir(async (dir) => {
  await writeAtomic(dir, payload({ a: '0', b: '0' }), NOW);
  let done = false;
  let reads = 0;
  const reader = (async () => {
    while (!done) {
      // ..data must always resolve; a directory removed under the reader is retried, never half-read.
      const ts = await realpath(join(dir, '..data'));
      try {
        const [a, b] = await Promise.all([readFile(join(ts, 'a'), 'utf8'), readFile(join(ts, 'b'), 'utf8')]);
        assert.equal(a, b);
        reads++;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  })();
  for (let i = 1; i <= 40; i++) await writeAtomic(dir, payload({ a: String(i), b: String(i) }), NOW + i);
  done = true;
  await reader;
  assert.ok(reads > 0);
  assert.equal(await readFile(join(dir, 'a'), 'utf8'), '40');
}));

test('writeAtomic throws on an invalid path (a caller bug)', () => withDir(async (dir) => {
  await assert.rejects(writeAtomic(dir, payload({ '../evil': 'x' }), NOW), /must not contain '..'/);
}));
