/**
 * @module agent/stats/windows-host.test — the Windows reader through its seams: `netstat -e`
 * parsing (English and localized row titles), busy-time sums, and windowsHostStats over a fake
 * machine (usageNanoCores from two samples, memory, fs, network). Reading a real Windows machine
 * is only possible on Windows and is skipped elsewhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostIo } from './host-io.ts';
import { cpuBusyNs, parseNetstatE, realWindowsMachine, windowsHostStats } from './windows-host.ts';
import type { CpuTimes, WindowsMachine } from './windows-host.ts';

const NETSTAT_EN = `Interface Statistics\r
\r
                           Received            Sent\r
\r
Bytes                      3456789012       123456789\r
Unicast packets               2345678         1234567\r
Non-unicast packets              3456             789\r
Discards                            0               0\r
Errors                              5               7\r
Unknown protocols                   0\r
`;
const NETSTAT_FR = `Statistiques de l'interface

                           Reçus            Envoyés

Octets                     1000             2000
Paquets unicast            10               20
Paquets non-unicast        1                2
Rejets                     0                0
Erreurs                    3                4
Protocoles inconnus        0
`;

test('parseNetstatE reads bytes and errors by row position (table)', () => {
  const cases: [string, string, ReturnType<typeof parseNetstatE>][] = [
    ['english', NETSTAT_EN, { name: 'total', rxBytes: 3456789012, txBytes: 123456789, rxErrors: 5, txErrors: 7 }],
    ['french', NETSTAT_FR, { name: 'total', rxBytes: 1000, txBytes: 2000, rxErrors: 3, txErrors: 4 }],
    ['bytes only', 'Bytes 10 20\n', { name: 'total', rxBytes: 10, txBytes: 20 }],
    ['empty', '', undefined],
  ];
  for (const [name, text, want] of cases) assert.deepEqual(parseNetstatE(text), want, name);
});

test('cpuBusyNs sums user+nice+sys+irq of every core (ms -> ns)', () => {
  assert.equal(cpuBusyNs([{ user: 100, nice: 1, sys: 50, idle: 9999, irq: 4 }, { user: 10, nice: 0, sys: 5, idle: 1, irq: 0 }]), 170 * 1e6);
});

test('windowsHostStats over a fake machine: rate from two samples, memory, fs, network', async () => {
  let cores: CpuTimes[] = [{ user: 1000, nice: 0, sys: 500, idle: 8000, irq: 0 }, { user: 1000, nice: 0, sys: 500, idle: 8000, irq: 0 }];
  let now = 1_000_000;
  const machine: WindowsMachine = {
    cpuTimes: () => cores, totalmem: () => 8 * 2 ** 30, freemem: () => 3 * 2 ** 30, uptimeSeconds: () => 100,
    netstat: async () => NETSTAT_EN, self: () => ({ cpuMicros: 2000, rssBytes: 4096, startTime: 7 }),
  };
  const io: HostIo = {
    async readText() { return undefined; }, async dirUsage() { return undefined; }, async list() { return undefined; },
    async statfs() { return { bsize: 4096, blocks: 100, bfree: 40, bavail: 40, files: 0, ffree: 0 }; },
  };
  const h = windowsHostStats({ fsPath: 'C:\\windlass', io, machine, clock: { now: () => now } });
  const a = await h.sample();
  assert.deepEqual(a.cpu, { time: 1_000_000, usageCoreNanoSeconds: 3000 * 1e6 });
  assert.equal(a.bootTime, 1_000_000 - 100_000);
  assert.deepEqual(a.memory, { time: 1_000_000, availableBytes: 3 * 2 ** 30, usageBytes: 5 * 2 ** 30, workingSetBytes: 5 * 2 ** 30 });
  assert.deepEqual(a.fs, { time: 1_000_000, availableBytes: 40 * 4096, capacityBytes: 100 * 4096, usedBytes: 60 * 4096 });
  assert.deepEqual(a.network?.interfaces, [{ name: 'total', rxBytes: 3456789012, txBytes: 123456789, rxErrors: 5, txErrors: 7 }]);
  assert.equal(a.rlimit, undefined);
  cores = cores.map((c) => ({ ...c, user: c.user + 2000 })); // 4 s busy over 2 s wall = 2 cores
  now += 2000;
  const b = await h.sample();
  assert.deepEqual(b.cpu, { time: 1_002_000, usageNanoCores: 2e9, usageCoreNanoSeconds: 7000 * 1e6 });
});

test('windowsHostStats reads a real Windows machine', { skip: process.platform !== 'win32' && 'needs Windows (os.cpus/netstat -e/statfs of a Windows volume)' }, async () => {
  const h = windowsHostStats({ fsPath: process.cwd(), machine: realWindowsMachine });
  const s = await h.sample();
  assert.ok((s.cpu?.usageCoreNanoSeconds ?? 0) > 0);
  assert.ok((s.memory?.workingSetBytes ?? 0) > 0);
  assert.ok((s.fs?.capacityBytes ?? 0) > 0);
});
