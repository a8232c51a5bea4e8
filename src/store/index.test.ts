/**
 * @module store/index.test — datastore endpoint parsing and openStore's backend choice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore, parseStoreEndpoint } from './index.ts';

void test('parseStoreEndpoint', () => {
  const cases: Array<[string | undefined, unknown]> = [
    [undefined, { kind: 'sqlite', path: '/data/db/state.db' }],
    ['sqlite', { kind: 'sqlite', path: '/data/db/state.db' }],
    ['sqlite:///var/lib/x.db', { kind: 'sqlite', path: '/var/lib/x.db' }],
    ['memory', { kind: 'memory' }],
    ['http://127.0.0.1:2379', { kind: 'etcd', endpoints: ['http://127.0.0.1:2379'] }],
    ['https://e1:2379,e2:2379,https://e3:2379', { kind: 'etcd', endpoints: ['https://e1:2379', 'https://e2:2379', 'https://e3:2379'] }],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseStoreEndpoint(input, '/data'), want, String(input));
  assert.throws(() => parseStoreEndpoint('mysql://x', '/data'), /unsupported/);
  assert.throws(() => parseStoreEndpoint('sqlite://relative.db', '/data'), /absolute/);
});

void test('openStore opens memory and the default sqlite file', async () => {
  const mem = await openStore('memory', '/nonexistent');
  assert.equal(mem.name, 'memory');
  await mem.close();
  const dir = mkdtempSync(join(tmpdir(), 'windlass-openstore-'));
  try {
    const s = await openStore(undefined, dir);
    assert.equal(s.name, 'sqlite');
    assert.ok((await s.create('/a', '1')).ok);
    await s.close();
    assert.ok(existsSync(join(dir, 'db', 'state.db')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
