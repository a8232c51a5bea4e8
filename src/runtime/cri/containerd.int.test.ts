/**
 * @module runtime/cri/containerd.int.test — the managed containerd's process handling with a real
 * containerd (in a network namespace made for the test): a containerd left by an earlier agent
 * process is replaced, a failing start reports the log tail, an aborted signal stops containerd.
 * Needs root, containerd and nsenter; skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { containerdCommand, startManagedContainerd, writeContainerdFiles } from './containerd.ts';
import { createNetns, teardownContainerd } from './testbed.ts';

const skip = process.getuid?.() !== 0 ? 'needs root' : !existsSync('/usr/bin/containerd') || !existsSync('/usr/bin/nsenter') ? 'needs containerd and nsenter' : false;
const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

test('managed containerd process handling', { skip, timeout: 120_000 }, async (t) => {
  const netns = `wl-cri-p${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp('/tmp/wl-crip-');
  const ctdDir = join(dir, 'ctd');
  const opts = { dir: ctdDir, cniConfDir: join(dir, 'net.d'), netns };
  let stopLater: (() => Promise<void>) | undefined;
  t.after(async () => {
    const left = await teardownContainerd({ managed: stopLater ? { stop: stopLater } : undefined, socketPath: join(ctdDir, 'containerd.sock'), dir, netns });
    assert.deepEqual(left, { processes: [], mounts: [], cgroups: [] });
  });
  await createNetns(netns);

  await t.test('a containerd left running by an earlier agent is replaced', async () => {
    const config = await writeContainerdFiles(opts);
    const argv = containerdCommand(config, netns);
    const fd = openSync(join(ctdDir, 'containerd.log'), 'a');
    const orphan = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    orphan.unref();
    const orphanPid = orphan.pid as number;
    await writeFile(join(ctdDir, 'containerd.pid'), `${orphanPid}\n`);
    const logs: string[] = [];
    const m = await startManagedContainerd({ ...opts, log: (msg) => logs.push(msg) });
    stopLater = () => m.stop();
    assert.ok(logs.includes('stopping containerd left by an earlier run'), logs.join('\n'));
    assert.equal(alive(orphanPid), false);
    assert.notEqual(m.pid, orphanPid);
    await m.stop();
    stopLater = undefined;
    assert.equal(m.pid, 0);
  });

  await t.test('a failing start rejects with the log tail', async () => {
    await assert.rejects(startManagedContainerd({ ...opts, containerdPath: '/bin/false' }), /exited \(code 1\) during start; log tail:/);
  });

  await t.test('aborting the signal stops containerd', async () => {
    const ac = new AbortController();
    const m = await startManagedContainerd({ ...opts, signal: ac.signal });
    stopLater = () => m.stop();
    const pid = m.pid;
    assert.ok(alive(pid));
    ac.abort();
    for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(pid), false);
    stopLater = undefined;
  });
});
