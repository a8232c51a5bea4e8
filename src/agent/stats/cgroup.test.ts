/**
 * @module agent/stats/cgroup.test — one cgroup's cpu and memory over fixture files: cgroup v1
 * with cpuacct on its own mount or co-mounted, v2 with and without a memory limit, a missing
 * cgroup; the pod cgroup path; and the summary and host reader using them (pod stats from the
 * pod cgroup when the sandbox stats have none, the `pods` system container from its cgroup).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { cgroupReader, podCgroupStats } from './cgroup.ts';
import type { CgroupReading } from './cgroup.ts';
import type { HostIo } from './host-io.ts';
import { linuxHostStats } from './linux-host.ts';
import { RateCache } from './rate.ts';
import { summary } from './summary.ts';
import { HOST, PODS, T0, fakeRuntime } from './testing.ts';

function fakeIo(files: Record<string, string>): HostIo {
  return {
    async readText(p) { return files[p]; },
    async statfs() { return undefined; },
    async dirUsage() { return undefined; },
    async list() { return undefined; },
  };
}

const V1_STAT = 'total_rss 300\ntotal_inactive_file 200\ntotal_pgfault 9\ntotal_pgmajfault 1\n';
const V2_STAT = 'anon 300\ninactive_file 200\npgfault 9\npgmajfault 1\n';

test('cgroupReader: v1 / v2 layouts and limits (table)', async () => {
  const cases: { name: string; files: Record<string, string>; want: CgroupReading | undefined }[] = [
    {
      name: 'v1, cpuacct on its own mount, no limit',
      files: { '/cg/cpuacct/wl/podu1/cpuacct.usage': '5000\n', '/cg/memory/wl/podu1/memory.usage_in_bytes': '1000\n', '/cg/memory/wl/podu1/memory.limit_in_bytes': '9223372036854771712\n', '/cg/memory/wl/podu1/memory.stat': V1_STAT },
      want: { usageNs: 5000, memory: { usageBytes: 1000, workingSetBytes: 800, rssBytes: 300, pageFaults: 9, majorPageFaults: 1 } },
    },
    {
      name: 'v1, cpu,cpuacct co-mounted, 64Mi limit',
      files: { '/cg/cpu,cpuacct/wl/podu1/cpuacct.usage': '7\n', '/cg/memory/wl/podu1/memory.usage_in_bytes': '1000\n', '/cg/memory/wl/podu1/memory.limit_in_bytes': '67108864\n', '/cg/memory/wl/podu1/memory.stat': V1_STAT },
      want: { usageNs: 7, memory: { usageBytes: 1000, workingSetBytes: 800, availableBytes: 67108864 - 800, rssBytes: 300, pageFaults: 9, majorPageFaults: 1 } },
    },
    {
      name: 'v2, memory.max = max',
      files: { '/cg/cgroup.controllers': 'cpu memory\n', '/cg/wl/podu1/cpu.stat': 'usage_usec 12\n', '/cg/wl/podu1/memory.current': '1000\n', '/cg/wl/podu1/memory.max': 'max\n', '/cg/wl/podu1/memory.stat': V2_STAT },
      want: { usageNs: 12000, memory: { usageBytes: 1000, workingSetBytes: 800, rssBytes: 300, pageFaults: 9, majorPageFaults: 1 } },
    },
    {
      name: 'v2, limit 2000',
      files: { '/cg/cgroup.controllers': '', '/cg/wl/podu1/memory.current': '1000\n', '/cg/wl/podu1/memory.max': '2000\n' },
      want: { memory: { usageBytes: 1000, workingSetBytes: 1000, availableBytes: 1000 } },
    },
    { name: 'missing cgroup', files: {}, want: undefined },
  ];
  for (const c of cases) {
    const read = podCgroupStats({ cgroupRoot: '/wl/', cgroupFs: '/cg', io: fakeIo(c.files) });
    assert.deepEqual(await read('u1'), c.want, c.name);
  }
  assert.deepEqual(await cgroupReader({ cgroupFs: '/cg', io: fakeIo({ '/cg/cpuacct/x/cpuacct.usage': '1' }) })('x'), { usageNs: 1 });
});

test('summary: pod cpu/memory from the pod cgroup when the sandbox stats have none', async () => {
  const { fake, runtime } = fakeRuntime();
  fake.sandboxStatsUnimplemented = true;
  let usageNs = 4e9;
  let now = T0 + 60_000;
  const opts = {
    nodeName: 'n', runtime, pods: () => PODS, host: { sample: async () => HOST }, clock: { now: () => now }, rates: new RateCache(),
    podCgroupStats: async (uid: string): Promise<CgroupReading | undefined> => (uid === 'u1' ? { usageNs, memory: { usageBytes: 9000, workingSetBytes: 7000 } } : undefined),
  };
  let s = await summary(opts);
  const web = (): JsonObject => s.pods.find((p: JsonObject) => p.podRef.uid === 'u1');
  assert.deepEqual(web().cpu, { time: '2026-01-01T00:01:00Z', usageCoreNanoSeconds: 4e9 });
  assert.deepEqual(web().memory, { time: '2026-01-01T00:01:00Z', usageBytes: 9000, workingSetBytes: 7000 });
  // db has no cgroup: summed from its container.
  assert.deepEqual(s.pods.find((p: JsonObject) => p.podRef.uid === 'u2').cpu, { time: '2026-01-01T00:01:00Z', usageNanoCores: 5e6, usageCoreNanoSeconds: 7e9 });
  usageNs += 2e9;
  now += 4000;
  s = await summary(opts);
  assert.deepEqual(web().cpu, { time: '2026-01-01T00:01:04Z', usageNanoCores: 5e8, usageCoreNanoSeconds: 6e9 });
});

test('linuxHostStats: the pods system container from the pods cgroup, used by the summary', async () => {
  const files = { '/cg/cpuacct/windlass/cpuacct.usage': '123\n', '/cg/memory/windlass/memory.usage_in_bytes': '500\n', '/cg/memory/windlass/memory.stat': 'total_inactive_file 100\n' };
  const host = linuxHostStats({ fsPath: '/d', procRoot: '/p', cgroupRoot: '/cg', io: fakeIo(files), clock: { now: () => T0 }, podsCgroup: '/windlass', self: () => ({ cpuMicros: 1, rssBytes: 1, startTime: T0 }) });
  const sample = await host.sample();
  assert.deepEqual(sample.systemContainers?.[1], { name: 'pods', startTime: T0, cpu: { time: T0, usageCoreNanoSeconds: 123 }, memory: { time: T0, usageBytes: 500, workingSetBytes: 400 } });
  const { runtime } = fakeRuntime();
  const s = await summary({ nodeName: 'n', runtime, pods: () => [], host, clock: { now: () => T0 }, rates: new RateCache() });
  assert.deepEqual(s.node.systemContainers.map((c: JsonObject) => c.name), ['kubelet', 'pods']);
  assert.deepEqual(s.node.systemContainers[1].memory, { time: '2026-01-01T00:00:00Z', usageBytes: 500, workingSetBytes: 400 });
});
