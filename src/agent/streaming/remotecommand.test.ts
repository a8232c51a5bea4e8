import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { JsonObjectSplitter, acceptRemoteCommand, statusJson, streamOptionsFromQuery, type RemoteCommandSession, type StreamOptions } from './remotecommand.ts';
import { dialRemoteCommand, parseStatusResult } from './runtime-client.ts';
import { portsFromQuery } from './portforward.ts';

void test('stream options, status JSON and its parsing, JSON object splitting, ports', () => {
  assert.deepEqual(streamOptionsFromQuery(new URLSearchParams('stdin=true&stdout=true&stderr=true&tty=true')), { stdin: true, stdout: true, stderr: false, tty: true });
  assert.deepEqual(streamOptionsFromQuery(new URLSearchParams('input=1&output=1&error=1')), { stdin: true, stdout: true, stderr: true, tty: false });
  assert.deepEqual(JSON.parse(statusJson({ exitCode: 0 })), { metadata: {}, status: 'Success' });
  const fail = JSON.parse(statusJson({ exitCode: 3 })) as { reason: string; details: unknown };
  assert.equal(fail.reason, 'NonZeroExitCode');
  assert.deepEqual(fail.details, { causes: [{ reason: 'ExitCode', message: '3' }] });
  for (const r of [{ exitCode: 0 }, { exitCode: 42 }, { error: 'boom' }]) assert.deepEqual(parseStatusResult(statusJson(r)), r);
  assert.deepEqual(parseStatusResult(''), { exitCode: 0 });
  assert.deepEqual(parseStatusResult('plain failure'), { error: 'plain failure' });
  const sp = new JsonObjectSplitter();
  assert.deepEqual(sp.push('{"Width":80,"Height":2'), []);
  assert.deepEqual(sp.push('4}\n{"Width":1,"Height":"}"}{'), [{ Width: 80, Height: 24 }, { Width: 1, Height: '}' }]);
  assert.deepEqual(portsFromQuery(new URLSearchParams('ports=80,443&ports=8080')), [80, 443, 8080]);
  assert.equal(portsFromQuery(new URLSearchParams('ports=http')), undefined);
});

/** echoServer answers each exec upgrade by echoing stdin to stdout (upper-cased to stderr) and exiting with `code`. */
async function echoServer(opts: StreamOptions, code: number): Promise<{ port: number; sessions: RemoteCommandSession[]; close(): Promise<void> }> {
  const sessions: RemoteCommandSession[] = [];
  const server = createServer();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      const s = await acceptRemoteCommand(req, socket, head, opts);
      if (!s) return;
      sessions.push(s);
      let text = '';
      s.stdin?.on('data', (c: Buffer) => { text += c.toString(); s.stdout?.write(c); });
      s.stdin?.once('end', () => { s.stderr?.write(text.toUpperCase()); void s.finish({ exitCode: code }); });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { port: typeof a === 'object' && a ? a.port : 0, sessions, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

function wsRun(port: number, protocol: string, send: (ws: WebSocket) => void): Promise<{ frames: [number, string][]; protocol: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/exec`, [protocol]);
    const frames: [number, string][] = [];
    ws.on('open', () => send(ws));
    ws.on('message', (d: Buffer, binary: boolean) => {
      if (binary) frames.push([d[0], d.subarray(1).toString()]);
      else { const t = d.toString(); frames.push([t.charCodeAt(0) - 48, Buffer.from(t.slice(1), 'base64').toString()]); }
    });
    ws.on('close', () => resolve({ frames, protocol: ws.protocol }));
    ws.on('error', reject);
  });
}

void test('WebSocket v5: stdin, close signal 255, stdout/stderr channels, Status on channel 3', async () => {
  const srv = await echoServer({ stdin: true, stdout: true, stderr: true, tty: false }, 2);
  try {
    const r = await wsRun(srv.port, 'v5.channel.k8s.io', (ws) => { ws.send(Buffer.from('\x00abc')); ws.send(Buffer.from([255, 0])); });
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.deepEqual(r.frames.slice(0, 2), [[1, 'abc'], [2, 'ABC']]);
    const [ch, status] = r.frames[2];
    assert.equal(ch, 3);
    assert.equal((JSON.parse(status) as { reason: string }).reason, 'NonZeroExitCode');
  } finally { await srv.close(); }
});

void test('WebSocket base64.channel.k8s.io: text frames with an ASCII channel digit', async () => {
  const srv = await echoServer({ stdin: true, stdout: true, stderr: false, tty: false }, 0);
  try {
    const r = await wsRun(srv.port, 'base64.channel.k8s.io', (ws) => { ws.send(`0${Buffer.from('hi').toString('base64')}`); setTimeout(() => ws.close(), 100); });
    assert.equal(r.protocol, 'base64.channel.k8s.io');
    assert.deepEqual(r.frames[0], [1, 'hi']);
  } finally { await srv.close(); }
});

void test('SPDY: the runtime client negotiates v4 and gets output and the exit code', async () => {
  const srv = await echoServer({ stdin: true, stdout: true, stderr: true, tty: false }, 9);
  try {
    const cmd = await dialRemoteCommand(`http://127.0.0.1:${srv.port}/exec`, { stdin: true, stdout: true, stderr: true, tty: false });
    let out = ''; let err = '';
    cmd.stdout?.on('data', (c: Buffer) => { out += c.toString(); });
    cmd.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
    cmd.stdin?.end('spdy data');
    assert.deepEqual(await cmd.result, { exitCode: 9 });
    assert.equal(srv.sessions[0].protocol, 'v4.channel.k8s.io');
    assert.equal(out, 'spdy data');
    assert.equal(err, 'SPDY DATA');
    cmd.close();
  } finally { await srv.close(); }
});
