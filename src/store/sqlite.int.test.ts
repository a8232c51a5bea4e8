/**
 * @module store/sqlite.int.test — the SQLite backend on real files: the conformance suite,
 * persistence across reopen, and durability of acknowledged writes across SIGKILL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runStoreConformance } from './conformance.ts';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from './sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'windlass-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `db-${++n}`, 'state.db');

runStoreConformance('sqlite', () => openSqliteStore(fresh()));

void test('sqlite: reopening restores keys, history, compact revision, and revisions continue', async () => {
  const path = fresh();
  const s1 = await openSqliteStore(path);
  const a = await s1.create('/r/a', 'A');
  const b = await s1.create('/r/b', 'B');
  assert.ok(a.ok && b.ok);
  const a2 = await s1.update('/r/a', 'A2', a.revision);
  assert.ok(a2.ok);
  const d = await s1.delete('/r/b');
  assert.ok(d.ok);
  await s1.compact(a2.revision);
  const last = await s1.currentRevision();
  await s1.close();
  // Compaction removed the row superseded at or below the compact revision (a@1), nothing else.
  const raw = new DatabaseSync(path);
  assert.deepEqual((raw.prepare('SELECT id FROM log ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id), [b.revision, a2.revision, d.revision]);
  raw.close();

  const s2 = await openSqliteStore(path);
  try {
    assert.equal(await s2.currentRevision(), last);
    assert.equal(await s2.compactRevision(), a2.revision);
    assert.deepEqual(await s2.get('/r/a'), a2.kv);
    assert.equal(await s2.get('/r/b'), undefined);
    const past = await s2.list('/r/', { revision: a2.revision });
    assert.ok(past.ok);
    assert.deepEqual(past.items.map((kv) => kv.key), ['/r/a', '/r/b']);
    const next = await s2.create('/r/c', 'C');
    assert.ok(next.ok);
    assert.equal(next.revision, last + 1);
  } finally {
    await s2.close();
  }
});

void test('sqlite: a new store uses 16 KiB pages; a store made with 4 KiB pages keeps them and its data', async () => {
  const path = fresh();
  const s1 = await openSqliteStore(path);
  assert.ok((await s1.create('/r/a', 'x'.repeat(5000))).ok);
  await s1.close();
  const pageSize = (p: string): number => {
    const db = new DatabaseSync(p);
    try { return Number((db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size); } finally { db.close(); }
  };
  assert.equal(pageSize(path), 16384);
  const old = fresh();
  mkdirSync(join(old, '..'), { recursive: true });
  const db = new DatabaseSync(old);
  db.exec('PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);');
  db.close();
  const s2 = await openSqliteStore(old);
  const w = await s2.create('/r/b', 'y'.repeat(5000));
  assert.ok(w.ok);
  assert.equal((await s2.get('/r/b'))?.value.length, 5000);
  await s2.close();
  assert.equal(pageSize(old), 4096);
});

void test('sqlite: a store made with kine\'s unique (name, prev_revision) index loses it on open and keeps its data and history', async () => {
  const path = fresh();
  const s1 = await openSqliteStore(path);
  const a = await s1.create('/r/a', 'one');
  assert.ok(a.ok);
  await s1.close();
  const indexes = (): string[] => {
    const db = new DatabaseSync(path);
    try { return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'log' ORDER BY name`).all() as { name: string }[]).map((r) => r.name); } finally { db.close(); }
  };
  assert.deepEqual(indexes(), ['log_name_id']);
  // The schema earlier versions made:
  const db = new DatabaseSync(path);
  db.exec('CREATE UNIQUE INDEX log_name_prev ON log (name, prev_revision)');
  db.close();
  assert.deepEqual(indexes(), ['log_name_id', 'log_name_prev']);
  const s2 = await openSqliteStore(path);
  try {
    const up = await s2.update('/r/a', 'two', a.ok ? a.kv.modRevision : 0);
    assert.ok(up.ok);
    const stale = await s2.update('/r/a', 'three', a.ok ? a.kv.modRevision : 0);
    assert.equal(stale.ok ? 'ok' : stale.reason, 'Conflict', 'the compare-and-swap holds without the index');
    assert.equal((await s2.get('/r/a'))?.value, 'two');
    const seen: string[] = [];
    const stop = new AbortController();
    await new Promise<void>((resolve, reject) => {
      s2.watch('/r/', a.ok ? a.kv.modRevision : 0, {
        onEvents: (events) => {
          for (const e of events) seen.push(`${e.type} ${e.kv.value} prev=${e.prev?.value ?? '-'}`);
          if (seen.length >= 1) resolve();
        },
        onCompacted: () => reject(new Error('compacted')),
      }, stop.signal);
    });
    stop.abort();
    assert.deepEqual(seen, ['put two prev=one']);
  } finally { await s2.close(); }
  assert.deepEqual(indexes(), ['log_name_id']);
});

void test('sqlite: a second open of the same file fails while the first holds it', async () => {
  const path = fresh();
  const s1 = await openSqliteStore(path);
  try {
    assert.ok((await s1.create('/x', '1')).ok);
    await assert.rejects(async () => {
      const s2 = await openSqliteStore(path, { busyTimeoutMs: 50 });
      await s2.get('/x');
      await s2.close();
    }, /locked/);
  } finally {
    await s1.close();
  }
});

void test('sqlite: writes issued together share one commit and one watch batch', async () => {
  const s = await openSqliteStore(fresh());
  try {
    const batches: number[] = [];
    const ac = new AbortController();
    s.watch('/g/', 0, { onEvents: (evs) => batches.push(evs.length), onCompacted: () => undefined }, ac.signal);
    await new Promise((r) => setTimeout(r, 10));
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => s.create(`/g/${i}`, 'v')));
    assert.equal(results.every((r) => r.ok), true);
    await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    assert.deepEqual(batches, [100]);
  } finally {
    await s.close();
  }
});

void test('sqlite: maxBatch caps a group commit; the rest commit next, in order', async () => {
  const commits: Array<{ writes: number; ms: number; commitMs: number }> = [];
  const s = await openSqliteStore(fresh(), { maxBatch: 128, onCommit: (c) => commits.push(c) });
  try {
    const batches: number[] = [];
    const ac = new AbortController();
    s.watch('/g/', 0, { onEvents: (evs) => batches.push(evs.length), onCompacted: () => undefined }, ac.signal);
    await new Promise((r) => setTimeout(r, 10));
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => s.create(`/g/${i}`, 'v')));
    const revs = results.map((r) => (r.ok ? r.revision : -1));
    assert.deepEqual(revs, revs.map((_, i) => revs[0] + i), 'revisions follow the call order');
    await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    assert.deepEqual(commits.map((c) => c.writes), [128, 128, 44]);
    for (const c of commits) assert.equal(c.ms >= c.commitMs && c.commitMs > 0, true, JSON.stringify(c));
    assert.deepEqual(batches, [128, 128, 44]);
  } finally {
    await s.close();
  }
});

void test('sqlite: a commit is readable, watched and acknowledged only once the WAL is synced', async () => {
  const atCommit: Array<{ visible: number; found: boolean; acked: boolean }> = [];
  let acked = false;
  let store: Awaited<ReturnType<typeof openSqliteStore>> | undefined;
  const s = store = await openSqliteStore(fresh(), {
    onCommit: () => {
      // Right after COMMIT, before the sync: nothing of the batch may be visible yet.
      void store!.currentRevision().then((visible) => atCommit.push({ visible, found: false, acked }));
      void store!.get('/v/a').then((kv) => { atCommit[atCommit.length - 1].found = kv !== undefined; });
    },
  });
  try {
    const seen: number[] = [];
    const ac = new AbortController();
    s.watch('/v/', 0, { onEvents: (evs) => { for (const e of evs) seen.push(e.kv.modRevision); }, onCompacted: () => undefined }, ac.signal);
    const before = await s.currentRevision();
    const r = await s.create('/v/a', 'A').then((x) => { acked = true; return x; });
    assert.ok(r.ok);
    assert.deepEqual(atCommit, [{ visible: before, found: false, acked: false }]);
    assert.equal(await s.currentRevision(), r.revision);
    assert.equal((await s.get('/v/a'))?.value, 'A');
    await new Promise((res) => setTimeout(res, 10));
    ac.abort();
    assert.deepEqual(seen, [r.revision]);
  } finally {
    await s.close();
  }
});

const storeUrl = new URL('./sqlite.ts', import.meta.url).href;
const CHILD = `
const { openSqliteStore } = await import(${JSON.stringify(storeUrl)});
const s = await openSqliteStore(process.argv[1]);
let i = 0;
const worker = async (w) => {
  for (;;) {
    const key = '/d/' + w + '-' + (i++);
    const r = await s.create(key, JSON.stringify({ key, pad: 'x'.repeat(1500) }));
    if (r.ok) process.stdout.write(key + '\\n');
  }
};
for (let w = 0; w < 16; w++) void worker(w);
`;

void test('sqlite: every acknowledged create survives SIGKILL of the writer', async () => {
  const path = fresh();
  await (await openSqliteStore(path)).close();
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: string[] = [];
  let buf = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      acked.push(...lines);
      if (acked.length >= 2000 && child.exitCode === null && !child.killed) {
        child.kill('SIGKILL');
      }
    });
    child.on('exit', () => resolve());
  });
  assert.equal(child.signalCode, 'SIGKILL');
  assert.ok(acked.length >= 2000, `child acknowledged ${acked.length} writes`);
  const s = await openSqliteStore(path);
  try {
    const missing = [];
    for (const key of acked) if ((await s.get(key)) === undefined) missing.push(key);
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged keys lost`);
    const count = await s.count('/d/');
    assert.ok(count >= acked.length);
  } finally {
    await s.close();
  }
});

