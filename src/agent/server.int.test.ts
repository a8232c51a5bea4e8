/**
 * End-to-end proof of logs, exec, attach, cp and port-forward: the real kubectl binaries (1.27,
 * 1.29, 1.30, 1.33) → a real in-process API server (pods/log|exec|attach|portforward proxied with
 * its kubelet client certificate) → the agent HTTPS server → a test runtime whose streaming server
 * runs local processes (so the agent's SPDY client is exercised too).
 */
import { test } from 'node:test';
import { startApiServer } from '../apiserver/index.ts';
import { createMemoryStore } from '../store/index.ts';
import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VERSIONS, cri, fetchText, fx, kubectl, kubectlUntil, sessions, sessionsSince, useStreamFixture } from './streaming/e2e-fixture.ts';

useStreamFixture((o) => startApiServer({ store: createMemoryStore(), host: '127.0.0.1', port: 0, ...o }));

for (const v of VERSIONS) {
  const wsExec = v >= '1.30';
  const wsPortForward = v >= '1.31';
  void test(`kubectl ${v}: exec with stdin, exit codes, stderr`, async () => {
    const n = sessions.length;
    const r1 = await kubectl(v, ['exec', '-i', 'web', '-c', 'main', '--', 'cat'], { input: 'hi\nthere\n' });
    assert.equal(r1.stdout, 'hi\nthere\n', r1.stderr);
    assert.equal(r1.code, 0);
    const r2 = await kubectl(v, ['exec', 'web', '-c', 'main', '--', 'sh', '-c', 'exit 3']);
    assert.equal(r2.code, 3, r2.stderr);
    const r3 = await kubectl(v, ['exec', 'web', '-c', 'main', '--', 'sh', '-c', 'echo out; echo err >&2']);
    assert.equal(r3.stdout, 'out\n');
    assert.match(r3.stderr, /err/);
    assert.equal(r3.code, 0);
    const big = 'x'.repeat(300_000) + '\n';
    const r4 = await kubectl(v, ['exec', '-i', 'web', '-c', 'main', '--', 'wc', '-c'], { input: big });
    assert.equal(r4.stdout.trim(), String(big.length), r4.stderr);
    const r5 = await kubectl(v, ['exec', 'web', '-c', 'main', '--', 'no-such-command-xyz']);
    assert.notEqual(r5.code, 0);
    const seen = sessionsSince(n, 'exec');
    assert.equal(seen.length, 5);
    for (const s of seen) assert.deepEqual([s.transport, s.protocol], wsExec ? ['websocket', 'v5.channel.k8s.io'] : ['spdy', v >= '1.29' ? 'v5.channel.k8s.io' : 'v4.channel.k8s.io']);
  });

  void test(`kubectl ${v}: exec with a tty`, async () => {
    const r = await kubectl(v, ['exec', '-it', 'web', '-c', 'main', '--', 'sh', '-c', 'echo tty=$WL_TTY cols=$WL_COLUMNS'], { wrapTty: true });
    assert.match(r.stdout, /tty=1 cols=97/, r.stdout + r.stderr);
    assert.equal(r.code, 0);
    assert.deepEqual(fx.test.resizes.at(-1), { width: 97, height: 31 });
  });

  void test(`kubectl ${v}: cp in and out`, async () => {
    const dst = join(fx.dir, `cp-${v}`);
    await mkdir(dst, { recursive: true });
    const src = join(fx.dir, `src-${v}.txt`);
    const content = `content for ${v}\n`.repeat(150_000);
    await writeFile(src, content);
    const r1 = await kubectl(v, ['cp', src, `default/web:${dst}/copied.txt`, '-c', 'main']);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(await readFile(join(dst, 'copied.txt'), 'utf8'), content);
    const back = join(fx.dir, `back-${v}.txt`);
    const r2 = await kubectl(v, ['cp', `default/web:${dst}/copied.txt`, back, '-c', 'main']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(await readFile(back, 'utf8'), content);
  });

  void test(`kubectl ${v}: logs, --tail, --timestamps, --previous, --since, --limit-bytes`, async () => {
    const all = await kubectl(v, ['logs', 'web', '-c', 'main']);
    assert.equal(all.stdout, 'old line\nline one\nline two\nline three\n', all.stderr);
    const tail = await kubectl(v, ['logs', 'web', '-c', 'main', '--tail=1']);
    assert.equal(tail.stdout, 'line three\n');
    const ts = await kubectl(v, ['logs', 'web', '-c', 'main', '--tail=1', '--timestamps']);
    assert.match(ts.stdout, /^\d{4}-\d\d-\d\dT\S+Z line three\n$/);
    const prev = await kubectl(v, ['logs', 'web', '-c', 'main', '--previous']);
    assert.equal(prev.stdout, 'previous run\n');
    const since = await kubectl(v, ['logs', 'web', '-c', 'main', '--since=10m']);
    assert.equal(since.stdout, 'line one\nline two\nline three\n');
    const limit = await kubectl(v, ['logs', 'web', '-c', 'main', '--limit-bytes=5']);
    assert.equal(limit.stdout, 'old l');
    const bad = await kubectl(v, ['logs', 'web', '-c', 'nope']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /not valid for pod/);
    const unscheduled = await kubectl(v, ['logs', 'unscheduled']);
    assert.notEqual(unscheduled.code, 0);
  });

  void test(`kubectl ${v}: logs -f streams appended lines`, async () => {
    const name = `f${v.replace('.', '')}`;
    const path = join(fx.dir, `${name}.log`);
    await writeFile(path, cri('first'));
    const c = { id: `c-${name}`, namespace: 'default', pod: 'web', uid: 'u1', name: 'main', attempt: 10 + VERSIONS.indexOf(v), state: 'RUNNING' as 'RUNNING' | 'EXITED', logPath: path };
    fx.test.add(c);
    try {
      const r = await kubectlUntil(v, ['logs', '-f', 'web', '-c', 'main'], /first\n/, async () => {
        await appendFile(path, cri('second'));
        await new Promise((res) => setTimeout(res, 400));
        await appendFile(path, cri('third'));
        await new Promise((res) => setTimeout(res, 400));
        c.state = 'EXITED';
        await new Promise((res) => setTimeout(res, 600));
      });
      assert.ok(r.matched, r.stderr);
      assert.equal(r.stdout, 'first\nsecond\nthird\n');
    } finally {
      fx.test.containers.splice(fx.test.containers.indexOf(c), 1);
    }
  });

  void test(`kubectl ${v}: attach streams the main process`, async () => {
    const r = await kubectlUntil(v, ['attach', 'web', '-c', 'ticker'], /tick \d+\n.*tick \d+\n/s, async () => undefined);
    assert.ok(r.matched, r.stderr);
  });

  void test(`kubectl ${v}: port-forward carries HTTP`, async () => {
    const n = sessions.length;
    let body = '';
    let body2 = '';
    const r = await kubectlUntil(v, ['port-forward', 'pod/web', `:${fx.webPort}`], /Forwarding from 127\.0\.0\.1:(\d+)/, async (m) => {
      body = await fetchText(Number(m[1]), '/one');
      body2 = await fetchText(Number(m[1]), '/two');
    });
    assert.ok(r.matched, r.stderr);
    assert.equal(body, 'hello from /one');
    assert.equal(body2, 'hello from /two');
    assert.deepEqual(sessionsSince(n, 'portForward').map((s) => s.transport), [wsPortForward ? 'websocket-spdy' : 'spdy']);
  });
}
