/**
 * @module client/rest-local.int.test — RestClient with `socketPath` against a plain HTTP server on
 * a Unix socket: requests carry the token and the configured Host, reuse keep-alive
 * connections, and watches stream event by event on their own connections.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestClient } from './rest.ts';
import { RESOURCES } from './resources.ts';

const dir = mkdtempSync(join(tmpdir(), 'windlass-rest-local-'));
const socketPath = join(dir, 'api.sock');
let server: Server;
let connections = 0;
const sockets = new Set<Socket>();
let watcher: ServerResponse | undefined;

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      watcher = res;
      return;
    }
    if (url.pathname.endsWith('/hang')) return; // never answers
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: url.pathname.split('/').pop() },
      data: { authorization: req.headers.authorization ?? '', host: req.headers.host ?? '', method: req.method ?? '' },
    }));
  });
  server.on('connection', (s: Socket) => { connections++; sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.listen(socketPath);
  await once(server, 'listening');
});
after(() => {
  for (const s of sockets) s.destroy();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('rest client on a local socket: token, Host and keep-alive', async () => {
  const c = new RestClient({ server: 'https://127.0.0.1:6443', socketPath, token: 'tok' });
  try {
    const before = connections;
    for (let i = 0; i < 10; i++) {
      const got = await c.get(RESOURCES.configmaps, 'ns', `c${i}`);
      assert.equal(got.metadata.name, `c${i}`);
      assert.equal(got.data.authorization, 'Bearer tok');
      assert.equal(got.data.host, '127.0.0.1:6443');
    }
    // The pool may open a second connection while the first is being handed back; no more.
    assert.ok(connections - before <= 2, `keep-alive connections reused by ten sequential requests (${connections - before} opened)`);
    const made = await c.create(RESOURCES.configmaps, 'ns', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new' } });
    assert.equal(made.data.method, 'POST');
  } finally { c.close(); }
});

test('rest client on a local socket: a watch streams events until the server ends it', async () => {
  const c = new RestClient({ server: 'https://127.0.0.1:6443', socketPath, token: 'tok' });
  const stop = new AbortController();
  try {
    const it = c.watch(RESOURCES.configmaps, 'ns', { signal: stop.signal })[Symbol.asyncIterator]();
    const first = it.next();
    while (!watcher) await new Promise((r) => setTimeout(r, 5));
    watcher.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'one' } } })}\n`);
    assert.equal((await first).value?.object.metadata.name, 'one');
    watcher.write(`${JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'one' } } })}\n`);
    assert.equal((await it.next()).value?.type, 'DELETED');
    watcher.end();
    assert.equal((await it.next()).done, true);
  } finally { stop.abort(); c.close(); }
});

test('rest client: a request without an answer fails after timeoutMs; an aborted one with the signal\'s reason', async () => {
  const c = new RestClient({ server: 'https://127.0.0.1:6443', socketPath, token: 'tok', timeoutMs: 200 });
  try {
    await assert.rejects(c.get(RESOURCES.configmaps, 'ns', 'hang'), /request timed out: GET \/api\/v1\/namespaces\/ns\/configmaps\/hang/);
    const stop = new AbortController();
    const pending = c.get(RESOURCES.configmaps, 'ns', 'hang', { signal: stop.signal });
    stop.abort(new Error('stopped by the caller'));
    await assert.rejects(pending, /stopped by the caller/);
    assert.equal((await c.get(RESOURCES.configmaps, 'ns', 'after')).metadata.name, 'after', 'the client still works');
  } finally { c.close(); }
});

test('rest client: maxConnections bounds the requests in flight (default 32)', async () => {
  // Requests to …/slow-i/hang are left unanswered by the server's handler and held here until released.
  const held: ServerResponse[] = [];
  const onSlow = (req: IncomingMessage, res: ServerResponse): void => {
    if (!req.url?.includes('/slow-')) return;
    held.push(res);
  };
  server.prependListener('request', onSlow);
  const inFlight = async (c: RestClient, n: number): Promise<number> => {
    held.length = 0;
    const all = Array.from({ length: n }, (_, i) => c.raw('GET', `/api/v1/namespaces/ns/configmaps/slow-${i}/hang`).catch(() => undefined));
    // Wait until the count stops growing.
    let last = -1;
    while (held.length !== last) { last = held.length; await new Promise((r) => setTimeout(r, 100)); }
    const seen = held.length;
    let released = 0;
    while (released < n) {
      for (const r of held.splice(0)) { r.end('{}'); released++; }
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(all);
    return seen;
  };
  const dflt = new RestClient({ server: 'https://127.0.0.1:6443', socketPath, token: 'tok' });
  const wide = new RestClient({ server: 'https://127.0.0.1:6443', socketPath, token: 'tok', maxConnections: 80 });
  try {
    assert.equal(await inFlight(dflt, 60), 32);
    assert.equal(await inFlight(wide, 60), 60);
  } finally {
    server.off('request', onSlow);
    dflt.close();
    wide.close();
  }
});
