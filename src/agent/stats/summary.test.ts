/**
 * @module agent/stats/summary.test — the Summary over a fake Runtime: exact stats/v1alpha1 JSON
 * (field names, casing, order-independent shape) for node and pods, pod ↔ sandbox matching by
 * the pod uid label (newest ready sandbox; orphans and sandbox-less pods left out), running
 * containers only, pod cpu/memory from sandbox stats or summed containers, usageNanoCores
 * computed between calls, pvcRef and ephemeral storage, the cpu-and-memory-only form, and
 * failures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { RateCache } from './rate.ts';
import { collectSummary, pickSandbox, runningContainers, sumCpu, sumMemory, summary } from './summary.ts';
import type { SummaryOptions } from './summary.ts';
import { HOST, PODS, T0, fakeRuntime, logIo } from './testing.ts';

function options(over: Partial<SummaryOptions> = {}): SummaryOptions & { fake: ReturnType<typeof fakeRuntime>['fake'] } {
  const { fake, runtime } = fakeRuntime();
  return {
    fake, nodeName: 'node-a', runtime, pods: () => PODS, host: { sample: async () => HOST }, clock: { now: () => T0 + 60_500 },
    rates: new RateCache(), podLogsDir: '/logs', io: logIo,
    volumeStats: async (uid) => (uid === 'u1' ? [
      { name: 'cache', usedBytes: 100, inodesUsed: 1, capacityBytes: 10000, availableBytes: 5000 },
      { name: 'data', usedBytes: 7000, inodesUsed: 9 },
      { name: 'tmp', usedBytes: 30, inodesUsed: 1 },
    ] : []),
    ...over,
  };
}

const TIME = '2026-01-01T00:01:00Z'; // T0 + 60 s
const NODE_FS = { time: TIME, availableBytes: 5000, capacityBytes: 10000, usedBytes: 4000, inodesFree: 50, inodes: 100, inodesUsed: 50 };

test('summary: node section in stats/v1alpha1 JSON', async () => {
  const s = await summary(options());
  assert.deepEqual(Object.keys(s), ['node', 'pods']);
  assert.deepEqual(s.node, {
    nodeName: 'node-a',
    systemContainers: [
      { name: 'kubelet', startTime: '2025-12-31T23:59:00Z', cpu: { time: TIME, usageCoreNanoSeconds: 3e9 }, memory: { time: TIME, workingSetBytes: 5e7 } },
      {
        name: 'pods', startTime: '2025-12-31T23:00:00Z',
        // web: c1 (no rate yet) + c2 → no usageNanoCores for web, so none for the sum; db from its sandbox stats.
        cpu: { time: '2026-01-01T00:01:01Z', usageCoreNanoSeconds: 2.5e9 + 0.5e9 + 7.2e9 },
        memory: { time: '2026-01-01T00:01:01Z', usageBytes: 4096 + 1024 + 2.5e6, workingSetBytes: 2048 + 1024 + 1.5e6, rssBytes: 1024, pageFaults: 10, majorPageFaults: 1 },
      },
    ],
    startTime: '2025-12-31T23:00:00Z',
    cpu: { time: TIME, usageNanoCores: 250000000, usageCoreNanoSeconds: 1234500000000 },
    memory: { time: TIME, availableBytes: 3e9, usageBytes: 2e9, workingSetBytes: 1e9, rssBytes: 5e8, pageFaults: 100, majorPageFaults: 2 },
    network: {
      time: TIME, name: 'eth0', rxBytes: 10, rxErrors: 1, txBytes: 20, txErrors: 2,
      interfaces: [{ name: 'ens3', rxBytes: 1, rxErrors: 0, txBytes: 2, txErrors: 0 }, { name: 'eth0', rxBytes: 10, rxErrors: 1, txBytes: 20, txErrors: 2 }],
    },
    fs: NODE_FS,
    runtime: { imageFs: { ...NODE_FS, usedBytes: 1024 }, containerFs: { ...NODE_FS, usedBytes: 1024 } },
    rlimit: { time: TIME, maxpid: 32768, curproc: 120 },
  });
});

test('summary: pods matched by uid label, running containers only, sandbox or summed stats', async () => {
  const s = await summary(options());
  assert.deepEqual(s.pods.map((p: JsonObject) => p.podRef), [{ name: 'web', namespace: 'ns', uid: 'u1' }, { name: 'db', namespace: 'ns', uid: 'u2' }]);
  const [web, db] = s.pods as JsonObject[];
  assert.deepEqual(web, {
    podRef: { name: 'web', namespace: 'ns', uid: 'u1' },
    startTime: '2026-01-01T00:00:01Z', // the READY sandbox s1, not the older NOTREADY one
    containers: [
      {
        name: 'app', startTime: '2026-01-01T00:00:01Z', // c1 (running), not the exited c0
        cpu: { time: TIME, usageCoreNanoSeconds: 2.5e9 },
        memory: { time: TIME, usageBytes: 4096, workingSetBytes: 2048, rssBytes: 1024, pageFaults: 10, majorPageFaults: 1 },
        rootfs: { time: TIME, availableBytes: 5000, capacityBytes: 10000, usedBytes: 8192, inodesFree: 50, inodes: 100, inodesUsed: 3 },
        logs: { time: TIME, availableBytes: 5000, capacityBytes: 10000, usedBytes: 512, inodesFree: 50, inodes: 100, inodesUsed: 2 },
      },
      {
        name: 'sidecar', startTime: '2026-01-01T00:00:01Z',
        cpu: { time: TIME, usageNanoCores: 1000, usageCoreNanoSeconds: 0.5e9 },
        memory: { time: TIME, availableBytes: 9000, usageBytes: 1024, workingSetBytes: 1024 },
        rootfs: { time: TIME, availableBytes: 5000, capacityBytes: 10000, inodesFree: 50, inodes: 100 },
        logs: { time: TIME, availableBytes: 5000, capacityBytes: 10000, inodesFree: 50, inodes: 100 },
      },
    ],
    cpu: { time: TIME, usageCoreNanoSeconds: 3e9 },
    memory: { time: TIME, usageBytes: 5120, workingSetBytes: 3072, rssBytes: 1024, pageFaults: 10, majorPageFaults: 1 },
    volume: [
      { time: TIME, availableBytes: 5000, capacityBytes: 10000, usedBytes: 100, inodesUsed: 1, name: 'cache' },
      { time: TIME, usedBytes: 7000, inodesUsed: 9, name: 'data', pvcRef: { name: 'web-data', namespace: 'ns' } },
      { time: TIME, usedBytes: 30, inodesUsed: 1, name: 'tmp' },
    ],
    // rootfs 8192 + logs 512 + emptyDir "cache" 100 (the PVC and the memory-backed emptyDir do not count)
    'ephemeral-storage': { time: TIME, availableBytes: 5000, capacityBytes: 10000, usedBytes: 8804, inodesFree: 50, inodes: 100, inodesUsed: 6 },
  });
  assert.deepEqual(db.cpu, { time: '2026-01-01T00:01:01Z', usageNanoCores: 6e6, usageCoreNanoSeconds: 7.2e9 });
  assert.deepEqual(db.memory, { time: '2026-01-01T00:01:01Z', usageBytes: 2.5e6, workingSetBytes: 1.5e6 });
  assert.deepEqual(db.network, { time: '2026-01-01T00:01:01Z', name: 'eth0', rxBytes: 100, rxErrors: 0, txBytes: 200, txErrors: 0, interfaces: [{ name: 'eth0', rxBytes: 100, rxErrors: 0, txBytes: 200, txErrors: 0 }] });
  assert.deepEqual(db.process_stats, { process_count: 4 });
  assert.equal(db.volume, undefined);
  assert.equal('ephemeralStorage' in db, false);
});

test('summary: usageNanoCores computed between calls when the runtime leaves it out', async () => {
  const o = options();
  await summary(o);
  o.fake.appCpuNs += 3e9; // 3 s of cpu …
  o.fake.appCpuTime += 10_000; // … in 10 s = 0.3 core
  const s = await summary(o);
  const app = (s.pods[0] as JsonObject).containers[0];
  assert.deepEqual(app.cpu, { time: '2026-01-01T00:01:10Z', usageNanoCores: 3e8, usageCoreNanoSeconds: 5.5e9 });
  // Now every web container has a rate, so the pod sum has one too.
  assert.deepEqual((s.pods[0] as JsonObject).cpu, { time: '2026-01-01T00:01:10Z', usageNanoCores: 3e8 + 1000, usageCoreNanoSeconds: 6e9 });
});

test('summary: only_cpu_and_memory form (no volume measurement)', async () => {
  let volumeCalls = 0;
  const s = await summary({ ...options(), onlyCpuAndMemory: true, volumeStats: async () => { volumeCalls++; return []; } });
  assert.equal(volumeCalls, 0);
  assert.deepEqual(Object.keys(s.node).sort(), ['cpu', 'memory', 'nodeName', 'startTime', 'systemContainers']);
  assert.deepEqual(Object.keys(s.pods[0]).sort(), ['containers', 'cpu', 'memory', 'podRef', 'startTime']);
  assert.deepEqual(Object.keys(s.pods[0].containers[0]).sort(), ['cpu', 'memory', 'name', 'startTime']);
});

test('summary: sandbox stats unimplemented → pods summed from containers; runtime down → rejects', async () => {
  const o = options();
  o.fake.sandboxStatsUnimplemented = true;
  const s = await summary(o);
  assert.deepEqual(s.pods[1].cpu, { time: TIME, usageNanoCores: 5e6, usageCoreNanoSeconds: 7e9 });
  assert.equal(s.pods[1].process_stats, undefined);
  o.fake.failSandboxes = true;
  await assert.rejects(summary(o), /runtime down/);
});

test('summary: no pods and no host data still gives the required fields', async () => {
  const s = await summary(options({ pods: () => [], host: { sample: async () => ({ time: T0 }) } }));
  assert.deepEqual(s, {
    node: { nodeName: 'node-a', systemContainers: [{ name: 'pods', startTime: '2026-01-01T00:00:00Z' }], startTime: '2026-01-01T00:00:00Z' },
    pods: [],
  });
});

test('helpers: pickSandbox, runningContainers, sumCpu, sumMemory', async () => {
  const { fake } = fakeRuntime();
  assert.equal(pickSandbox(fake.sandboxes.filter((s) => s.metadata.uid === 'u1'))?.id, 's1');
  assert.equal(pickSandbox([{ ...fake.sandboxes[0] }, { ...fake.sandboxes[1], state: 'NOTREADY' }])?.id, 's1'); // none ready: newest
  assert.equal(pickSandbox([]), undefined);
  assert.deepEqual(runningContainers(fake.containers.filter((c) => c.podSandboxId === 's1')).map((c) => c.id), ['c1', 'c2']);
  assert.deepEqual(sumCpu([{ time: 1, usageCoreNanoSeconds: 1, usageNanoCores: 2 }, undefined, { time: 3, usageCoreNanoSeconds: 4, usageNanoCores: 5 }]), { time: 3, usageNanoCores: 7, usageCoreNanoSeconds: 5 });
  assert.equal(sumCpu([undefined]), undefined);
  assert.deepEqual(sumMemory([{ time: 1, workingSetBytes: 1, availableBytes: 9 }, { time: 2, usageBytes: 3 }]), { time: 2, usageBytes: 3, workingSetBytes: 1 });
  const m = await collectSummary(options());
  assert.equal(m.pods.length, 2);
});
