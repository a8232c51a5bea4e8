/**
 * @module agent/pods/hooks.test — lifecycle handlers: exec through ExecSync (exit codes and
 * runtime errors), httpGet against a loopback server (named ports, headers, status codes,
 * refused connections), sleep on the injected clock, and port resolution.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../../client/index.ts';
import type { ExecSyncResult } from '../../runtime/index.ts';
import { HollowRuntime } from '../../runtime/index.ts';
import { resolvePort, runHook } from './hooks.ts';

class ExecRuntime extends HollowRuntime {
  readonly seen: string[][] = [];
  override async execSync(_id: string, cmd: readonly string[], timeout: number): Promise<ExecSyncResult> {
    this.seen.push([...cmd, `timeout=${String(timeout)}`]);
    if (cmd[0] === 'explode') throw new Error('container not running');
    return { stdout: Buffer.from('out '), stderr: Buffer.from('err'), exitCode: cmd[0] === 'false' ? 1 : 0 };
  }
}

void test('exec and sleep handlers', async () => {
  const clock = new FakeClock();
  const runtime = new ExecRuntime({ podCidr: '10.0.0.0/24', clock });
  const t = { runtime, clock, containerId: 'c1', container: { name: 'app' }, podIp: '127.0.0.1', timeoutSeconds: 9 };
  assert.deepEqual(await runHook({ exec: { command: ['true'] } }, t), { ok: true });
  assert.deepEqual(await runHook({ exec: { command: ['false', 'x'] } }, t), { ok: false, message: 'Exec lifecycle hook (["false","x"]) for Container "app" failed - error: command \'false x\' exited with 1: out err' });
  assert.match((await runHook({ exec: { command: ['explode'] } }, t) as { message: string }).message, /container not running$/);
  assert.deepEqual(runtime.seen[0], ['true', 'timeout=9']);
  let done = false;
  const p = runHook({ sleep: { seconds: 5 } }, t).then((r) => { done = true; return r; });
  clock.step(4999);
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false);
  clock.step(1);
  assert.deepEqual(await p, { ok: true });
  assert.equal((await runHook({}, t)).ok, false);
});

void test('httpGet handler against a loopback server', async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${String(req.url)} ${String(req.headers['x-hook'])}`);
    res.statusCode = req.url === '/fail' ? 500 : 200;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const clock = new FakeClock();
  const runtime = new ExecRuntime({ podCidr: '10.0.0.0/24', clock });
  const t = { runtime, clock, containerId: 'c1', container: { name: 'app', ports: [{ name: 'http', containerPort: port }] }, podIp: '127.0.0.1', timeoutSeconds: 5 };
  try {
    assert.deepEqual(await runHook({ httpGet: { path: 'drain', port: 'http', httpHeaders: [{ name: 'X-Hook', value: 'yes' }] } }, t), { ok: true });
    const fail = await runHook({ httpGet: { path: '/fail', port } }, t);
    assert.deepEqual(fail, { ok: false, message: `HTTP lifecycle hook (/fail) for Container "app" failed - error: Get "http://127.0.0.1:${String(port)}/fail": status 500` });
    assert.deepEqual(seen, ['/drain yes', '/fail undefined']);
    assert.deepEqual(await runHook({ httpGet: { port: 'nope' } }, t), { ok: false, message: 'unknown port nope' });
  } finally {
    await new Promise((r) => server.close(r));
  }
  const refused = await runHook({ httpGet: { path: '/', port, host: '127.0.0.1' } }, t);
  assert.match((refused as { message: string }).message, /ECONNREFUSED/);
  assert.deepEqual([resolvePort(8080, {}), resolvePort('8081', {}), resolvePort('web', { ports: [{ name: 'web', containerPort: 80 }] }), resolvePort('x', {})], [8080, 8081, 80, undefined]);
});
