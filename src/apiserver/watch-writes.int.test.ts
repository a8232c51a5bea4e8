/**
 * @module apiserver/watch-writes.int.test — a watcher's events of one tick leave the server in ONE
 * socket write (one syscall; one TLS record on HTTPS), whatever their number; a watcher that does
 * not read is still cut off at the buffer bound. Counts the writes of the server's sockets by
 * wrapping net.Socket's write path in this process (the server runs in it).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRealServer, type RealServer } from './test-support.ts';

const CM = '/api/v1/namespaces/default/configmaps';
const TOKEN = 'local-token-of-a-cluster-admin-0123456789';
let dir: string;
let real: RealServer;
let small: RealServer;

type WriteGeneric = (this: Socket, writev: boolean, data: unknown, encoding: string, cb: (err?: Error) => void) => unknown;
const proto = Socket.prototype as unknown as { _writeGeneric: WriteGeneric };
const original = proto._writeGeneric;
/** writes counts socket writes that carry watch events of the configmaps named batch-*. */
let writes = 0;

/** textOf flattens what _writeGeneric is given (one chunk, or a writev list). */
function textOf(writev: boolean, data: unknown): string {
  const one = (c: unknown): string => (typeof c === 'string' ? c : Buffer.isBuffer(c) ? c.toString('latin1') : one((c as { chunk: unknown }).chunk));
  return writev ? (data as unknown[]).map(one).join('') : one(data);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'windlass-watch-writes-'));
  real = await startRealServer({ local: { path: join(dir, 'api.sock'), tokens: new Map([[TOKEN, { username: 'admin', groups: ['system:masters'] }]]) } });
  small = await startRealServer({ tuning: { maxWatchBufferBytes: 64 * 1024 } });
  proto._writeGeneric = function (this: Socket, writev, data, encoding, cb) {
    if (textOf(writev, data).includes('"name":"batch-')) writes++;
    return original.call(this, writev, data, encoding, cb);
  };
});
after(async () => {
  proto._writeGeneric = original;
  await real.close();
  await small.close();
  await rm(dir, { recursive: true, force: true });
});

/** Watch is an open watch stream and the events read so far. */
interface Watch { readonly res: IncomingMessage; readonly events: { type: string; object: { metadata: { name: string } } }[]; until(n: number): Promise<void>; close(): void }

/** openWatch starts a watch as an admin, on the server's local endpoint when `local` (plain HTTP on a
 * Unix socket) else over HTTPS, and resolves once the response headers are in. */
async function openWatch(server: RealServer, path: string, o: { read?: boolean; local?: boolean } = {}): Promise<Watch> {
  const read = o.read ?? true;
  const req = o.local
    ? httpRequest({ socketPath: server.server.localSocket, path, headers: { authorization: `Bearer ${TOKEN}` }, agent: false })
    : request(server.client.base + path, { agent: server.client.agent });
  const res = await new Promise<IncomingMessage>((resolve, reject) => { req.on('response', resolve); req.on('error', reject); req.end(); });
  const events: Watch['events'] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  if (read) {
    res.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        events.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
      for (const w of waiters.splice(0)) w();
    });
  }
  res.on('error', () => undefined);
  const until = async (n: number): Promise<void> => { while (events.length < n) await new Promise<void>((r) => waiters.push(r)); };
  return { res, events, until, close: () => req.destroy() };
}

/** storedConfigMap is a ConfigMap as the store holds it, with `pad` bytes of data. */
function storedConfigMap(name: string, pad = 1): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: '2026-11-27T00:00:00Z' }, data: { k: 'v'.repeat(pad) } });
}

/** watchersOf reads the server's open watch count from /metrics. */
async function watchersOf(server: RealServer): Promise<number> {
  const m = /^apiserver_longrunning_requests (\d+)/m.exec((await server.client.req('GET', '/metrics')).text);
  return Number(m?.[1]);
}

// Over HTTPS the TLS socket happens to queue the writes behind its first one; on a plain socket
// each write used to be a syscall of its own, which is what the control plane's watches use.
test('watch: forty events published together reach each watcher in one socket write (local endpoint)', async () => {
  const first = await real.client.req('POST', CM, { metadata: { name: 'first' } });
  assert.equal(first.status, 201, first.text);
  const rv = first.json.metadata.resourceVersion as string;
  const a = await openWatch(real, `${CM}?watch=true&resourceVersion=${rv}`, { local: true });
  const b = await openWatch(real, `${CM}?watch=true&resourceVersion=${rv}`, { local: true });
  try {
    // Both watches are live once an event written after they opened has reached them.
    assert.equal((await real.client.req('POST', CM, { metadata: { name: 'marker' } })).status, 201);
    await Promise.all([a.until(1), b.until(1)]);
    writes = 0;
    // Forty writes queued in one tick: the store commits and publishes them together.
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => real.store.create(`/registry/core/configmaps/default/batch-${i}`, storedConfigMap(`batch-${i}`))));
    assert.ok(results.every((r) => r.ok));
    await Promise.all([a.until(41), b.until(41)]);
    for (const w of [a, b]) {
      assert.deepEqual(w.events.slice(1).map((e) => `${e.type} ${e.object.metadata.name}`), Array.from({ length: 40 }, (_, i) => `ADDED batch-${i}`));
    }
    assert.equal(writes, 2, 'one socket write per watcher for the whole batch');
  } finally {
    a.close();
    b.close();
  }
});

test('watch: a watcher that does not read is cut off at the buffer bound; the others go on', async () => {
  const first = await small.client.req('POST', CM, { metadata: { name: 'first' } });
  const rv = first.json.metadata.resourceVersion as string;
  const stalled = await openWatch(small, `${CM}?watch=true&resourceVersion=${rv}`, { read: false });
  const reader = await openWatch(small, `${CM}?watch=true&resourceVersion=${rv}`);
  try {
    stalled.res.pause();
    assert.equal(await watchersOf(small), 2);
    // One 48 KiB event at a time (the reader keeps up) until the stalled watch has more than the
    // kernel's socket buffers and the 64 KiB bound waiting: at most 1,000 (48 MiB).
    let n = 0;
    for (; n < 1000; n++) {
      assert.ok((await small.store.create(`/registry/core/configmaps/default/big-${n}`, storedConfigMap(`big-${n}`, 48 * 1024))).ok);
      await reader.until(n + 1);
      if (n % 20 === 19 && await watchersOf(small) === 1) break;
    }
    assert.ok(n < 1000, 'the stalled watch was ended');
    assert.equal(await watchersOf(small), 1);
    assert.deepEqual(reader.events.map((e) => e.object.metadata.name), Array.from({ length: n + 1 }, (_, i) => `big-${i}`));
  } finally {
    stalled.close();
    reader.close();
  }
});
