/**
 * @module runtime/cri/pause-elf.test — the generated pause executable: ELF headers, resolved
 * references for both architectures, and (on x86-64 Linux) its behaviour: sleeps, exits 0 on
 * SIGTERM/SIGINT, also as PID 1 of a PID namespace (root only).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pauseElf, pauseListing } from './pause-elf.ts';

const BASE = 0x400000;

test('ELF headers', async (t) => {
  for (const [arch, machine] of [['amd64', 0x3e], ['arm64', 0xb7]] as const) {
    await t.test(arch, () => {
      const elf = pauseElf(arch);
      assert.equal(elf.subarray(0, 4).toString('latin1'), '\x7fELF');
      assert.deepEqual([elf[4], elf[5]], [2, 1], '64-bit little-endian');
      assert.equal(elf.readUInt16LE(16), 2, 'ET_EXEC');
      assert.equal(elf.readUInt16LE(18), machine);
      assert.equal(elf.readBigUInt64LE(24), BigInt(BASE + 120), 'entry right after the headers');
      assert.equal(elf.readUInt32LE(64), 1, 'PT_LOAD');
      assert.equal(elf.readBigUInt64LE(96), BigInt(elf.length), 'the whole file is mapped');
      assert.ok(elf.length < 400, `tiny (${elf.length} bytes)`);
      // the two struct sigaction at the end: handler / SIG_IGN, SA_RESTORER, restorer
      const acts = elf.subarray(elf.length - 64);
      assert.equal(acts.readBigUInt64LE(8), 0x04000000n);
      assert.equal(acts.readBigUInt64LE(32), 1n, 'SIGCHLD: SIG_IGN');
      const handlerOff = Number(acts.readBigUInt64LE(0)) - BASE;
      const exitWord = arch === 'amd64' ? [...elf.subarray(handlerOff, handlerOff + 5)] : [...elf.subarray(handlerOff + 4, handlerOff + 8)];
      assert.deepEqual(exitWord, arch === 'amd64' ? [0xb8, 0xe7, 0, 0, 0] : [0xc8, 0x0b, 0x80, 0xd2], 'handler calls exit_group');
      assert.ok(pauseListing(arch).length > 15);
    });
  }
  await t.test('amd64 lea/call displacements resolve to the sigaction structs and routine', () => {
    const elf = pauseElf('amd64');
    const lea = 120 + 5; // after `mov edi, 15`
    assert.deepEqual([...elf.subarray(lea, lea + 3)], [0x48, 0x8d, 0x35]);
    assert.equal(lea + 7 + elf.readInt32LE(lea + 3), elf.length - 64, 'lea rsi → act_exit');
    const call = lea + 7;
    const target = call + 5 + elf.readInt32LE(call + 1);
    assert.deepEqual([...elf.subarray(target, target + 5)], [0xb8, 13, 0, 0, 0], 'call → rt_sigaction routine');
  });
});

const canRun = process.platform === 'linux' && process.arch === 'x64';

test('runs, sleeps and exits 0 on SIGTERM and SIGINT', { skip: !canRun && 'x86-64 Linux only' }, async (t) => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    const dir = await mkdtemp(join(tmpdir(), 'wl-pause-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'pause');
    await writeFile(file, pauseElf('amd64'));
    await chmod(file, 0o755);
    const child = spawn(file, [], { stdio: 'ignore' });
    const exit = new Promise<[number | null, string | null]>((r) => child.once('exit', (c, s) => r([c, s])));
    await new Promise((r) => setTimeout(r, 150));
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    assert.match(status, /State:\s+S/, 'sleeping');
    assert.equal(BigInt(`0x${/SigCgt:\s+(\w+)/.exec(status)?.[1]}`) & ((1n << 1n) | (1n << 14n)), (1n << 1n) | (1n << 14n), 'INT and TERM caught');
    assert.equal(BigInt(`0x${/SigIgn:\s+(\w+)/.exec(status)?.[1]}`) & (1n << 16n), 1n << 16n, 'CHLD ignored');
    child.kill(sig);
    assert.deepEqual(await exit, [0, null]);
  }
});

test('exits 0 on SIGTERM as PID 1 of a PID namespace', { skip: (!canRun || process.getuid?.() !== 0 || !existsSync('/usr/bin/unshare')) && 'needs root, unshare, x86-64' }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wl-pause-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'pause');
  await writeFile(file, pauseElf('amd64'));
  await chmod(file, 0o755);
  const child = spawn('unshare', ['--fork', '--pid', file], { stdio: 'ignore' });
  const exit = new Promise<[number | null, string | null]>((r) => child.once('exit', (c, s) => r([c, s])));
  let inner = 0;
  for (let i = 0; i < 50 && !inner; i++) {
    await new Promise((r) => setTimeout(r, 50));
    inner = Number((await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').catch(() => '')).trim().split(' ')[0] || 0);
  }
  assert.ok(inner > 0, 'found the namespaced process');
  assert.match(await readFile(`/proc/${inner}/status`, 'utf8'), /NSpid:\s+\d+\s+1\n/, 'it is PID 1 in its namespace');
  process.kill(inner, 'SIGTERM');
  assert.deepEqual(await exit, [0, null]);
});
