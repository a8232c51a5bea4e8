import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { duplexPair } from 'node:stream';
import { SpdySession, type SpdyStream } from './spdy.ts';
import {
  FLAG_FIN, FRAME_TYPES, FrameParser, HeaderCodec, SPDY3_DICTIONARY, dataFrame, decodeHeaderBlock, encodeHeaderBlock, pingFrame, synStreamFrame,
} from './spdy-frames.ts';

function readAll(s: SpdyStream): Promise<string> {
  return new Promise((resolve) => { let t = ''; s.on('data', (c: Buffer) => { t += c.toString(); }); s.on('end', () => resolve(t)); });
}

function pair(): { client: SpdySession; server: SpdySession; streams: SpdyStream[]; next: () => Promise<SpdyStream> } {
  const [a, b] = duplexPair();
  const streams: SpdyStream[] = [];
  const waiters: ((s: SpdyStream) => void)[] = [];
  const server = new SpdySession(b, { role: 'server', onStream: (s) => { const w = waiters.shift(); if (w) w(s); else streams.push(s); } });
  const client = new SpdySession(a, { role: 'client' });
  return { client, server, streams, next: () => { const s = streams.shift(); return s ? Promise.resolve(s) : new Promise((r) => waiters.push(r)); } };
}

void test('the SPDY/3 dictionary is the canonical 1423 bytes', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

void test('header blocks round-trip, and one zlib context spans many blocks', async () => {
  const h = { streamtype: 'data', port: '8080', requestid: '7' };
  assert.deepEqual(decodeHeaderBlock(encodeHeaderBlock(h)), h);
  assert.throws(() => decodeHeaderBlock(Buffer.from([0, 0, 0, 2, 0, 0])), /truncated/);
  const a = new HeaderCodec(); const b = new HeaderCodec();
  const sizes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const block = await a.compress({ ...h, requestid: String(i) });
    sizes.push(block.length);
    assert.deepEqual(await b.decompress(block), { ...h, requestid: String(i) });
  }
  assert.ok(sizes[4] < sizes[0], `later blocks reuse the context: ${sizes.join(',')}`);
  a.close(); b.close();
});

void test('the frame parser reassembles split and coalesced frames', () => {
  const p = new FrameParser();
  const bytes = Buffer.concat([dataFrame(3, FLAG_FIN, Buffer.from('hello')), pingFrame(4), synStreamFrame(5, 0, Buffer.from('xx'))]);
  const frames = [...p.push(bytes.subarray(0, 7)), ...p.push(bytes.subarray(7, 20)), ...p.push(bytes.subarray(20))];
  assert.equal(frames.length, 3);
  assert.deepEqual(frames[0], { kind: 'data', streamId: 3, flags: FLAG_FIN, data: Buffer.from('hello') });
  assert.equal(frames[1].kind === 'control' && frames[1].type, FRAME_TYPES.PING);
  assert.equal(frames[2].kind === 'control' && frames[2].version, 3);
});

void test('streams carry headers without :method, data both ways, and half-close with FIN', async () => {
  const { client, server, next } = pair();
  const opened = client.openStream({ streamtype: 'stdin' });
  const srv = await next();
  const cli = await opened;
  assert.deepEqual(srv.headers, { streamtype: 'stdin' });
  assert.equal(cli.id % 2, 1);
  const fromClient = readAll(srv);
  cli.end('to server');
  assert.equal(await fromClient, 'to server');
  const fromServer = readAll(cli);
  srv.write('to client, ');
  srv.end('after half-close');
  assert.equal(await fromServer, 'to client, after half-close');
  await client.ping();
  client.destroy(); server.destroy();
});

void test('a megabyte crosses in 32 KiB frames; reset and session close end the streams', async () => {
  const { client, server, next } = pair();
  const opened = client.openStream({ streamtype: 'data' });
  const srv = await next();
  const cli = await opened;
  const big = Buffer.alloc(1024 * 1024, 0x61);
  const got = readAll(srv);
  cli.end(big);
  assert.equal((await got).length, big.length);
  const second = client.openStream({ streamtype: 'error' });
  const srv2 = await next();
  const cli2 = await second;
  const closed = new Promise<void>((r) => cli2.once('close', () => r()));
  srv2.destroy();
  await closed;
  const gone = new Promise<void>((r) => client.once('close', () => r()));
  server.destroy();
  await gone;
  await assert.rejects(client.openStream({ streamtype: 'x' }), /closed/);
});

void test('data already received stays readable when the peer closes the connection (a paused reader loses no tail)', async () => {
  const { client, server, next } = pair();
  const opened = client.openStream({ streamtype: 'stdout' });
  const srv = await next();
  const cli = await opened;
  cli.pause();
  const payload = Buffer.alloc(512 * 1024, 'x');
  payload.write('THE-END', payload.length - 7);
  srv.end(payload);
  await new Promise<void>((r) => srv.once('finish', () => r()));
  server.destroy();
  await new Promise<void>((r) => client.once('close', () => r()));
  assert.equal(client.closed, true);
  const chunks: Buffer[] = [];
  const got = await new Promise<Buffer>((resolve, reject) => {
    cli.on('data', (c: Buffer) => chunks.push(c));
    cli.once('end', () => resolve(Buffer.concat(chunks)));
    cli.once('close', () => resolve(Buffer.concat(chunks)));
    cli.once('error', reject);
    cli.resume();
  });
  assert.equal(got.length, payload.length);
  assert.equal(got.subarray(-7).toString(), 'THE-END');
  await new Promise<void>((resolve, reject) => { cli.once('error', reject); cli.end('late stdin', () => resolve()); });
  assert.equal(cli.destroyed, true, 'ended both ways, the stream is done (late writes discarded, not errors)');
});
