/**
 * @module agent/stats/linux-host.test — the Linux parsers over fixture /proc and cgroup files,
 * kubelet's working-set arithmetic, and linuxHostStats over a fake HostIo: usageNanoCores from
 * two samples (cgroup v1 cpuacct on its own mount, v2 cpu.stat, /proc/stat fallback), memory from
 * the root cgroup or /proc/meminfo, network filtering, pid limits and the runtime system row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostIo, StatfsResult } from './host-io.ts';
import { linuxHostStats } from './linux-host.ts';
import {
  memoryStats, nodeInterfaces, nodeMemoryFigures, parseKeyValues, parseLoadavg, parseMeminfo, parseNetDev, parsePidStat, parseProcStat,
} from './linux-parse.ts';

const PROC_STAT = `cpu  960037 5 193563 3576993 7623 11 7345 832 0 0
cpu0 458441 0 92373 1818107 1357 0 2719 429 0 0
intr 1 2 3
btime 1795708785
processes 100
`;
const MEMINFO = `MemTotal:       24684096 kB
MemFree:        23727408 kB
MemAvailable:   24196200 kB
Inactive(file):   390496 kB
AnonPages:         20344 kB
SwapTotal:             0 kB
SwapFree:              0 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
`;
const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 37512001180 9024414    0    0    0     0          0         0 37512001180 9024414    0    0    0     0       0          0
  eth0: 991979473   31463    3    0    0     0          0         0  4781513   25741    4    0    0     0       0          0
veth12ab: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0
  cni0: 500 5 0 0 0 0 0 0 600 6 0 0 0 0 0 0
`;
const V1_MEMORY_STAT = `cache 1
rss 11161600
total_rss 20832256
total_pgfault 360214990
total_pgmajfault 8408
total_inactive_file 399867904
`;

test('parseProcStat: busy ticks (user+nice+system+irq+softirq) as ns, btime as ms', () => {
  assert.deepEqual(parseProcStat(PROC_STAT), { usageNs: (960037 + 5 + 193563 + 11 + 7345) * 1e7, bootTime: 1795708785000 });
  assert.equal(parseProcStat('intr 1\n'), undefined);
});

test('parseMeminfo / parseKeyValues / parseLoadavg / parsePidStat', () => {
  const mi = parseMeminfo(MEMINFO);
  assert.equal(mi.MemTotal, 24684096 * 1024);
  assert.equal(mi['Inactive(file)'], 390496 * 1024);
  assert.equal(mi.HugePages_Total, 0);
  assert.equal(mi.Hugepagesize, 2048 * 1024);
  assert.deepEqual(parseKeyValues('usage_usec 42\nnr_periods 0\nbad line x\n'), { usage_usec: 42, nr_periods: 0 });
  assert.equal(parseLoadavg('0.37 0.22 0.59 1/94 17891\n'), 94);
  assert.equal(parseLoadavg('garbage'), undefined);
  const pid = parsePidStat('4242 (contain erd) (x)) S 1 4242 4242 0 -1 4194560 1500 0 7 0 250 150 0 0 20 0 12 0 360000 1000000 2000 0\n');
  assert.deepEqual(pid, { usageNs: 400 * 1e7, startAfterBootMs: 3600 * 1000, minorFaults: 1500, majorFaults: 7 });
});

test('parseNetDev and the interface filter (cadvisor ignores lo/veth/docker/nerdctl)', () => {
  const all = parseNetDev(NET_DEV);
  assert.deepEqual(all.map((i) => i.name), ['lo', 'eth0', 'veth12ab', 'cni0']);
  assert.deepEqual(all[1], { name: 'eth0', rxBytes: 991979473, rxErrors: 3, txBytes: 4781513, txErrors: 4 });
  assert.deepEqual(nodeInterfaces(all).map((i) => i.name), ['eth0', 'cni0']);
  assert.deepEqual(nodeInterfaces(all, ['lo']).map((i) => i.name), ['lo']);
});

test('working set = usage - inactive_file; available = capacity - working set (table)', () => {
  const meminfo = parseMeminfo(MEMINFO);
  const cap = 24684096 * 1024;
  const cases: { name: string; figures: Parameters<typeof nodeMemoryFigures>[0]; want: ReturnType<typeof memoryStats> }[] = [
    {
      name: 'cgroup v1 root', figures: { meminfo, cgroup: { version: 1, usage: 701870080, stat: parseKeyValues(V1_MEMORY_STAT) } },
      want: { availableBytes: cap - 302002176, usageBytes: 701870080, workingSetBytes: 302002176, rssBytes: 20832256, pageFaults: 360214990, majorPageFaults: 8408 },
    },
    {
      name: 'cgroup v2 root', figures: { meminfo, cgroup: { version: 2, usage: 1000, stat: { inactive_file: 300, anon: 200, pgfault: 9, pgmajfault: 1 } } },
      want: { availableBytes: cap - 700, usageBytes: 1000, workingSetBytes: 700, rssBytes: 200, pageFaults: 9, majorPageFaults: 1 },
    },
    {
      name: 'inactive larger than usage clamps to 0', figures: { meminfo, cgroup: { version: 2, usage: 100, stat: { inactive_file: 300 } } },
      want: { availableBytes: cap, usageBytes: 100, workingSetBytes: 0 },
    },
    {
      name: '/proc/meminfo fallback', figures: { meminfo, vmstat: { pgfault: 5, pgmajfault: 2 } },
      want: {
        availableBytes: cap - ((24684096 - 23727408 - 390496) * 1024), usageBytes: (24684096 - 23727408) * 1024,
        workingSetBytes: (24684096 - 23727408 - 390496) * 1024, rssBytes: 20344 * 1024, pageFaults: 5, majorPageFaults: 2,
      },
    },
  ];
  for (const c of cases) assert.deepEqual(memoryStats(nodeMemoryFigures(c.figures)!), c.want, c.name);
  assert.equal(nodeMemoryFigures({ meminfo: {} }), undefined);
});

/** fakeIo serves fixture files (a function value is re-read on every access) and one statfs result. */
function fakeIo(files: Record<string, string | (() => string)>, fs?: StatfsResult): HostIo {
  return {
    async readText(p) { const v = files[p]; return typeof v === 'function' ? v() : v; },
    async statfs() { return fs; },
    async dirUsage() { return undefined; },
    async list() { return undefined; },
  };
}

const STATFS: StatfsResult = { bsize: 4096, blocks: 1000, bfree: 400, bavail: 300, files: 100, ffree: 60 };
const self = (): { cpuMicros: number; rssBytes: number; startTime: number } => ({ cpuMicros: 5000, rssBytes: 1 << 20, startTime: 1000 });

test('linuxHostStats: usageNanoCores from two samples, per cpu source (table)', async () => {
  const cases: { name: string; files: (ns: () => number) => Record<string, string | (() => string)> }[] = [
    { name: 'cgroup v1, cpuacct on its own mount', files: (ns) => ({ '/cg/cpuacct/cpuacct.usage': () => `${ns()}\n` }) },
    { name: 'cgroup v1, cpu,cpuacct co-mounted', files: (ns) => ({ '/cg/cpu,cpuacct/cpuacct.usage': () => `${ns()}\n` }) },
    { name: 'cgroup v2', files: (ns) => ({ '/cg/cgroup.controllers': 'cpu memory\n', '/cg/cpu.stat': () => `usage_usec ${ns() / 1000}\nuser_usec 1\n` }) },
    { name: '/proc/stat', files: (ns) => ({ '/p/stat': () => `cpu  ${ns() / 1e7} 0 0 100 0 0 0 0 0 0\nbtime 10\n` }) },
  ];
  for (const c of cases) {
    let now = 1_000_000;
    let ns = 50e9;
    const h = linuxHostStats({ fsPath: '/data', procRoot: '/p', cgroupRoot: '/cg', io: fakeIo(c.files(() => ns)), clock: { now: () => now }, self });
    const first = await h.sample();
    assert.deepEqual(first.cpu, { time: 1_000_000, usageCoreNanoSeconds: 50e9 }, c.name);
    now += 10_000;
    ns += 15e9; // 15 s of cpu in 10 s = 1.5 cores
    const second = await h.sample();
    assert.deepEqual(second.cpu, { time: 1_010_000, usageNanoCores: 1.5e9, usageCoreNanoSeconds: 65e9 }, c.name);
  }
});

test('linuxHostStats: memory, network, fs, rlimit, swap and system containers from fixtures', async () => {
  const files: Record<string, string> = {
    '/p/stat': PROC_STAT, '/p/meminfo': MEMINFO.replace('SwapTotal:             0 kB\nSwapFree:              0 kB', 'SwapTotal: 1000 kB\nSwapFree: 400 kB'),
    '/p/net/dev': NET_DEV, '/p/sys/kernel/pid_max': '32768\n', '/p/sys/kernel/threads-max': '192731\n', '/p/loadavg': '0.1 0.2 0.3 2/194 999\n',
    '/cg/memory/memory.usage_in_bytes': '701870080\n', '/cg/memory/memory.stat': V1_MEMORY_STAT,
    '/p/77/stat': '77 (containerd) S 1 77 77 0 -1 0 300 0 2 0 100 50 0 0 20 0 9 0 500 0 0\n', '/p/77/status': 'Name: containerd\nVmRSS:     2048 kB\n',
  };
  const h = linuxHostStats({ fsPath: '/data', procRoot: '/p', cgroupRoot: '/cg', io: fakeIo(files, STATFS), clock: { now: () => 5_000_000 }, self, runtimePid: () => 77, netInterfaces: ['eth0'] });
  const s = await h.sample();
  assert.equal(s.bootTime, 1795708785000);
  assert.equal(s.memory?.workingSetBytes, 701870080 - 399867904);
  assert.equal(s.memory?.usageBytes, 701870080);
  assert.deepEqual(s.swap, { time: 5_000_000, swapAvailableBytes: 400 * 1024, swapUsageBytes: 600 * 1024 });
  assert.deepEqual(s.network?.interfaces.map((i) => i.name), ['eth0']);
  assert.deepEqual(s.fs, { time: 5_000_000, availableBytes: 300 * 4096, capacityBytes: 1000 * 4096, usedBytes: 600 * 4096, inodesFree: 60, inodes: 100, inodesUsed: 40 });
  assert.deepEqual(s.imageFs, s.fs);
  assert.deepEqual(s.rlimit, { time: 5_000_000, maxpid: 32768, curproc: 194 });
  assert.deepEqual(s.cpu, { time: 5_000_000, usageCoreNanoSeconds: (960037 + 5 + 193563 + 11 + 7345) * 1e7 });
  assert.deepEqual(s.systemContainers, [
    { name: 'kubelet', startTime: 1000, cpu: { time: 5_000_000, usageCoreNanoSeconds: 5_000_000 }, memory: { time: 5_000_000, usageBytes: 1 << 20, workingSetBytes: 1 << 20, rssBytes: 1 << 20 } },
    {
      name: 'runtime', startTime: 1795708785000 + 5000, cpu: { time: 5_000_000, usageCoreNanoSeconds: 150 * 1e7 },
      memory: { time: 5_000_000, usageBytes: 2048 * 1024, workingSetBytes: 2048 * 1024, rssBytes: 2048 * 1024, pageFaults: 300, majorPageFaults: 2 },
    },
  ]);
});

test('linuxHostStats: nothing readable gives a sample with only time and the kubelet row', async () => {
  const h = linuxHostStats({ fsPath: '/nope', io: fakeIo({}), clock: { now: () => 42 }, self });
  const s = await h.sample();
  assert.deepEqual(Object.keys(s), ['time', 'systemContainers']);
});
