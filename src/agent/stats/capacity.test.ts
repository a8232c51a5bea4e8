/**
 * @module agent/stats/capacity.test — quantities (canonical binary SI, millicores), capacity
 * from machine facts, and allocatable as kubelet computes it (checked against a real node's
 * capacity/allocatable pair: 4050864Ki → 3948464Ki, 18446032Ki → 16999863064).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocatable, binaryQuantity, capacityFrom, cpuQuantity, linuxHugePages } from './capacity.ts';

test('binaryQuantity and cpuQuantity render canonical quantities (table)', () => {
  const bytes: [number | bigint, string][] = [
    [0, '0'], [1023, '1023'], [1024, '1Ki'], [4194304, '4Mi'], [4050864 * 1024, '4050864Ki'], [2 ** 30, '1Gi'],
    [16999863064, '16999863064'], [1536, '1536'], [3n * 2n ** 60n, '3Ei'], [-5, '0'],
  ];
  for (const [v, want] of bytes) assert.equal(binaryQuantity(v), want, String(v));
  assert.deepEqual([cpuQuantity(2000), cpuQuantity(1900), cpuQuantity(-5), cpuQuantity(250.4)], ['2', '1900m', '0', '250m']);
});

test('capacityFrom: cpu, memory, pods, ephemeral-storage and hugepages per size', () => {
  assert.deepEqual(capacityFrom({ cpus: 2, memoryBytes: 4050864 * 1024, fsCapacityBytes: 18446032 * 1024, hugepages: [{ sizeKb: 1048576, count: 0 }, { sizeKb: 2048, count: 3 }] }), {
    cpu: '2', memory: '4050864Ki', pods: '110', 'ephemeral-storage': '18446032Ki', 'hugepages-2Mi': '6Mi', 'hugepages-1Gi': '0',
  });
  assert.equal(capacityFrom({ cpus: 4, memoryBytes: 1, fsCapacityBytes: 0, maxPods: 250 }).pods, '250');
});

test('allocatable: kubelet defaults and reservations (table)', () => {
  const cap = capacityFrom({ cpus: 2, memoryBytes: 4050864 * 1024, fsCapacityBytes: 18446032 * 1024, hugepages: [{ sizeKb: 2048, count: 0 }] });
  const cases: { name: string; got: ReturnType<typeof allocatable>; want: Record<string, string> }[] = [
    {
      name: 'defaults (memory.available 100Mi, nodefs.available 10% as float32)', got: allocatable(cap),
      want: { cpu: '2', memory: '3948464Ki', pods: '110', 'ephemeral-storage': '16999863064', 'hugepages-2Mi': '0' },
    },
    {
      name: 'reserved cpu/memory/storage, no eviction',
      got: allocatable(cap, { cpu: '100m', memory: '1Gi', 'ephemeral-storage': '1Gi' }, {}),
      want: { cpu: '1900m', memory: '3002288Ki', pods: '110', 'ephemeral-storage': '17397456Ki', 'hugepages-2Mi': '0' },
    },
    {
      name: 'hugepages come out of memory; never below zero',
      got: allocatable({ ...cap, 'hugepages-2Mi': '1Gi' }, { cpu: '3' }, { 'memory.available': '0' }),
      // 4050864Ki − 1Gi of hugepages; the eviction list given replaces the defaults, so storage is untouched.
      want: { cpu: '0', memory: '3002288Ki', pods: '110', 'ephemeral-storage': '18446032Ki', 'hugepages-2Mi': '1Gi' },
    },
  ];
  for (const c of cases) assert.deepEqual({ ...c.got }, c.want, c.name);
});

test('linuxHugePages reads nr_hugepages per size directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-huge-'));
  try {
    mkdirSync(join(dir, 'hugepages-2048kB'));
    writeFileSync(join(dir, 'hugepages-2048kB', 'nr_hugepages'), '16\n');
    mkdirSync(join(dir, 'hugepages-1048576kB'));
    mkdirSync(join(dir, 'other'));
    assert.deepEqual(linuxHugePages(dir).sort((a, b) => a.sizeKb - b.sizeKb), [{ sizeKb: 2048, count: 16 }, { sizeKb: 1048576, count: 0 }]);
    assert.deepEqual(linuxHugePages(join(dir, 'missing')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
