/**
 * @module agent/probes/run.int.test — runProbe against real servers on 127.0.0.1: HTTP 200/500,
 * redirects (same host followed, other host not), headers and named ports, HTTPS with a
 * self-signed certificate, timeouts, TCP open/closed, a grpc-js health server answering SERVING /
 * NOT_SERVING / unknown service, a server without the health service, and exec through a fake
 * Runtime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { JsonObject } from '../../api/index.ts';
import type { ExecSyncResult, Runtime } from '../../runtime/types.ts';
import { healthService } from './grpc.ts';
import { PROBE_USER_AGENT, runProbe } from './run.ts';

const noRuntime = {} as Runtime;
const target = (container: JsonObject = { name: 'c' }, timeoutSeconds = 1): Parameters<typeof runProbe>[1] =>
  ({ podIp: '127.0.0.1', containerId: 'cid', container, runtime: noRuntime, timeoutSeconds });

async function listen(s: Server | import('node:net').Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

async function close(s: Server | import('node:net').Server): Promise<void> {
  if ('closeAllConnections' in s) s.closeAllConnections();
  await new Promise<void>((r) => s.close(() => r()));
}

test('httpGet: status codes, redirects, headers, named ports and timeouts', async () => {
  const seen: IncomingMessage[] = [];
  const srv = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req);
    const to = (code: number, loc: string): void => { res.writeHead(code, { Location: loc }); res.end(); };
    switch (req.url ?? '') {
      case '/ok': res.end('fine'); return;
      case '/boom': res.writeHead(500); res.end('bad'); return;
      case '/moved': to(302, '/boom'); return;
      case '/moved-ok': to(301, '/ok'); return;
      case '/away': to(302, 'http://example.invalid/elsewhere'); return;
      case '/slow': return; // never answers
      default: res.writeHead(404); res.end();
    }
  });
  const port = await listen(srv);
  try {
    const cases: [JsonObject, JsonObject, string, RegExp | string][] = [
      [{ path: '/ok', port }, {}, 'success', 'fine'],
      [{ path: '/boom', port }, {}, 'failure', 'HTTP probe failed with statuscode: 500'],
      [{ path: '/moved', port }, {}, 'failure', 'HTTP probe failed with statuscode: 500'],
      [{ path: '/moved-ok', port }, {}, 'success', 'fine'],
      [{ path: '/away', port }, {}, 'success', /^Probe terminated redirects/],
      [{ path: '/nope', port: 'http' }, { name: 'c', ports: [{ name: 'http', containerPort: port }] }, 'failure', 'HTTP probe failed with statuscode: 404'],
      [{ path: '/ok', port: 'web' }, { name: 'c' }, 'failure', "couldn't find port: web in c"],
      [{ path: '/slow', port }, {}, 'failure', /^Get "http:\/\/127\.0\.0\.1:\d+\/slow": context deadline exceeded/],
    ];
    for (const [httpGet, container, result, output] of cases) {
      const r = await runProbe({ httpGet }, target({ name: 'c', ...container }));
      assert.equal(r.result, result, String(httpGet.path));
      if (typeof output === 'string') assert.equal(r.output, output); else assert.match(r.output, output);
    }
    await runProbe({ httpGet: { path: '/ok', port, httpHeaders: [{ name: 'X-Probe', value: 'yes' }, { name: 'host', value: 'svc.local' }] } }, target());
    const last = seen.at(-1);
    assert.equal(last?.headers['x-probe'], 'yes');
    assert.equal(last?.headers.host, 'svc.local');
    assert.equal(last?.headers['user-agent'], PROBE_USER_AGENT);
    assert.match(PROBE_USER_AGENT, /^kube-probe\/\d+\.\d+$/);
  } finally {
    await close(srv);
  }
  const refused = await runProbe({ httpGet: { path: '/', port } }, target());
  assert.deepEqual(refused, { result: 'failure', output: `Get "http://127.0.0.1:${port}/": dial tcp 127.0.0.1:${port}: connect: connection refused` });
});

test('httpGet over HTTPS does not verify the certificate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-probe-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=probe',
      '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    t.skip('openssl not available');
    return;
  }
  const srv = createHttpsServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (req, res) => {
    res.writeHead(req.url === '/healthz' ? 204 : 503); res.end();
  });
  const port = await listen(srv);
  try {
    assert.equal((await runProbe({ httpGet: { scheme: 'HTTPS', path: '/healthz', port } }, target())).result, 'success');
    assert.deepEqual(await runProbe({ httpGet: { scheme: 'HTTPS', path: '/x', port } }, target()), { result: 'failure', output: 'HTTP probe failed with statuscode: 503' });
  } finally {
    await close(srv);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tcpSocket: open and closed ports', async () => {
  const srv = createTcpServer((s) => s.destroy());
  const port = await listen(srv);
  assert.deepEqual(await runProbe({ tcpSocket: { port } }, target()), { result: 'success', output: '' });
  assert.equal((await runProbe({ tcpSocket: { port: 'db' } }, target({ name: 'c', ports: [{ name: 'db', containerPort: port }] }))).result, 'success');
  await close(srv);
  assert.deepEqual(await runProbe({ tcpSocket: { port } }, target()), { result: 'failure', output: `dial tcp 127.0.0.1:${port}: connect: connection refused` });
});

test('grpc: the standard health service', async () => {
  const server = new grpc.Server();
  const statuses: Record<string, string> = { '': 'SERVING', down: 'NOT_SERVING' };
  server.addService(healthService().service, {
    Check(call: grpc.ServerUnaryCall<{ service: string }, object>, cb: grpc.sendUnaryData<object>) {
      const s = statuses[call.request.service];
      if (!s) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
      else cb(null, { status: s });
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  const bare = new grpc.Server();
  const barePort = await new Promise<number>((res, rej) => bare.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  try {
    const cases: [JsonObject, string, RegExp | string][] = [
      [{ port }, 'success', ''],
      [{ port, service: 'down' }, 'failure', 'service unhealthy (responded with "NOT_SERVING")'],
      [{ port, service: 'other' }, 'failure', 'error: health rpc probe failed: unknown service'],
      [{ port: barePort }, 'failure', /^error: this server does not implement the grpc health protocol/],
    ];
    for (const [g, result, output] of cases) {
      const r = await runProbe({ grpc: g }, target());
      assert.equal(r.result, result, JSON.stringify(g));
      if (typeof output === 'string') assert.equal(r.output, output); else assert.match(r.output, output);
    }
  } finally {
    server.forceShutdown();
    bare.forceShutdown();
  }
  const down = await runProbe({ grpc: { port } }, target());
  assert.equal(down.result, 'failure');
  assert.match(down.output, new RegExp(`^timeout: failed to connect service "127\\.0\\.0\\.1:${port}" within 1s`));
});

test('exec: exit code, output and timeout through the runtime', async () => {
  const calls: [string, readonly string[], number][] = [];
  const runtime = {
    async execSync(id: string, cmd: readonly string[], timeout: number): Promise<ExecSyncResult> {
      calls.push([id, cmd, timeout]);
      if (cmd[0] === 'hang') return new Promise(() => { /* never answers */ });
      const code = Number(cmd[1] ?? 0);
      return { stdout: Buffer.from(cmd[2] ?? ''), stderr: Buffer.from(cmd[3] ?? ''), exitCode: code };
    },
  } as unknown as Runtime;
  const t = { ...target(), runtime, timeoutSeconds: 2 };
  assert.deepEqual(await runProbe({ exec: { command: ['sh', '0', 'ok\n'] } }, t), { result: 'success', output: 'ok\n' });
  assert.deepEqual(await runProbe({ exec: { command: ['sh', '1', 'out ', 'err'] } }, t), { result: 'failure', output: 'out err' });
  assert.deepEqual(await runProbe({ exec: { command: ['sh', '2'] } }, t), { result: 'failure', output: 'command "sh 2" exited with 2' });
  assert.deepEqual(calls[0], ['cid', ['sh', '0', 'ok\n'], 2]);
  const started = Date.now();
  assert.deepEqual(await runProbe({ exec: { command: ['hang'] } }, { ...t, timeoutSeconds: 0 }), { result: 'failure', output: 'command "hang" timed out' });
  assert.ok(Date.now() - started >= 1900, 'timeoutSeconds 0 means the default 1 s (+1 s backstop)');
  assert.deepEqual(await runProbe({}, t), { result: 'failure', output: 'missing probe handler' });
});
