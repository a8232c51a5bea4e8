import { test } from 'node:test';
import assert from 'node:assert/strict';
import { milliValue, intValue, newPodInfo, nodeAllocatable, podRequests, DEFAULT_MEMORY_REQUEST } from './resources.ts';

test('milliValue and intValue round up like resource.Quantity', () => {
  const cases: [unknown, number, number][] = [
    ['100m', 100, 1], ['0.3', 300, 1], ['1.5', 1500, 2], ['2', 2000, 2], ['1n', 1, 1], [undefined, 0, 0], ['bogus', 0, 0], [3, 3000, 3],
  ];
  for (const [q, milli, int] of cases) {
    assert.equal(milliValue(q), milli, `milli ${String(q)}`);
    assert.equal(intValue(q), int, `int ${String(q)}`);
  }
  assert.equal(intValue('1Gi'), 1024 ** 3);
  assert.equal(intValue('128Mi'), 128 * 1024 ** 2);
});

test('podRequests: containers summed, init containers maxed, sidecars added, overhead added, pods=1', () => {
  const cases: { name: string; spec: Record<string, unknown>; cpu: number; mem: number }[] = [
    { name: 'sum', spec: { containers: [{ resources: { requests: { cpu: '100m', memory: '1Mi' } } }, { resources: { requests: { cpu: '200m' } } }] }, cpu: 300, mem: 1 << 20 },
    { name: 'init bigger', spec: { containers: [{ resources: { requests: { cpu: '100m' } } }], initContainers: [{ resources: { requests: { cpu: '1' } } }] }, cpu: 1000, mem: 0 },
    { name: 'init smaller', spec: { containers: [{ resources: { requests: { cpu: '2' } } }], initContainers: [{ resources: { requests: { cpu: '1' } } }] }, cpu: 2000, mem: 0 },
    {
      name: 'sidecar runs alongside (and during later init containers)', cpu: 800, mem: 0,
      spec: { containers: [{ resources: { requests: { cpu: '500m' } } }], initContainers: [{ restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } }, { resources: { requests: { cpu: '600m' } } }] },
    },
    { name: 'overhead', spec: { containers: [{ resources: { requests: { cpu: '100m' } } }], overhead: { cpu: '50m', memory: '10Mi' } }, cpu: 150, mem: 10 << 20 },
    { name: 'limits only', spec: { containers: [{ resources: { limits: { cpu: '1', memory: '1Gi' } } }] }, cpu: 1000, mem: 1 << 30 },
  ];
  for (const c of cases) {
    const r = podRequests({ spec: c.spec });
    assert.equal(r.milliCPU, c.cpu, c.name);
    assert.equal(r.memory, c.mem, c.name);
    assert.equal(r.pods, 1, c.name);
  }
});

test('nonZero requests default unset CPU and memory per container', () => {
  const r = podRequests({ spec: { containers: [{}, { resources: { requests: { cpu: '1' } } }] } }, true);
  assert.equal(r.milliCPU, 1100);
  assert.equal(r.memory, 2 * DEFAULT_MEMORY_REQUEST);
});

test('scalar resources and nodeAllocatable fallback to capacity', () => {
  const r = podRequests({ spec: { containers: [{ resources: { requests: { 'nvidia.com/gpu': '2' } } }] } });
  assert.deepEqual(r.scalar, { 'nvidia.com/gpu': 2 });
  assert.equal(nodeAllocatable({ status: { capacity: { cpu: '4', pods: '10' } } }).milliCPU, 4000);
  assert.equal(nodeAllocatable({ status: { allocatable: { cpu: '3' }, capacity: { cpu: '4' } } }).milliCPU, 3000);
});

test('newPodInfo: key and host ports', () => {
  const pi = newPodInfo({ metadata: { namespace: 'a', name: 'b' }, spec: { containers: [{ ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, hostPort: 53, protocol: 'UDP', hostIP: '10.0.0.1' }, { containerPort: 9 }] }] } });
  assert.equal(pi.key, 'a/b');
  assert.deepEqual(pi.hostPorts, ['0.0.0.0/TCP/8080', '10.0.0.1/UDP/53']);
});
