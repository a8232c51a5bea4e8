/**
 * @module agent/stats/metrics.test — `/metrics/resource` text, line for line, over the fake
 * Runtime: families sorted by name with `[STABLE]` help and types, samples sorted by label
 * values, Go float values, millisecond timestamps (none on start times and the scrape error),
 * label escaping, and `resource_scrape_error 1` alone when the runtime fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatResourceMetrics, resourceMetrics } from './metrics.ts';
import { RateCache } from './rate.ts';
import { HOST, PODS, T0, fakeRuntime } from './testing.ts';

const EXPECTED = `# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="app",namespace="ns",pod="web"} 2.5 1767225660000
container_cpu_usage_seconds_total{container="db",namespace="ns",pod="db"} 7 1767225660000
container_cpu_usage_seconds_total{container="sidecar",namespace="ns",pod="web"} 0.5 1767225660000
# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="app",namespace="ns",pod="web"} 2048 1767225660000
container_memory_working_set_bytes{container="db",namespace="ns",pod="db"} 1e+06 1767225660000
container_memory_working_set_bytes{container="sidecar",namespace="ns",pod="web"} 1024 1767225660000
# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds
# TYPE container_start_time_seconds gauge
container_start_time_seconds{container="app",namespace="ns",pod="web"} 1.7672256015e+09
container_start_time_seconds{container="db",namespace="ns",pod="db"} 1.7672256021e+09
container_start_time_seconds{container="sidecar",namespace="ns",pod="web"} 1.7672256012e+09
# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total 1234.5 1767225660000
# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 1e+09 1767225660000
# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds
# TYPE pod_cpu_usage_seconds_total counter
pod_cpu_usage_seconds_total{namespace="ns",pod="db"} 7.2 1767225661000
pod_cpu_usage_seconds_total{namespace="ns",pod="web"} 3 1767225660000
# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes
# TYPE pod_memory_working_set_bytes gauge
pod_memory_working_set_bytes{namespace="ns",pod="db"} 1.5e+06 1767225661000
pod_memory_working_set_bytes{namespace="ns",pod="web"} 3072 1767225660000
# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
# TYPE resource_scrape_error gauge
resource_scrape_error 0
`;

test('resourceMetrics: exact text as kubelet writes it', async () => {
  const { runtime } = fakeRuntime();
  const text = await resourceMetrics({ nodeName: 'node-a', runtime, pods: () => PODS, host: { sample: async () => HOST }, clock: { now: () => T0 + 60_500 }, rates: new RateCache() });
  assert.equal(T0 + 60_000, 1767225660000);
  assert.equal(text, EXPECTED);
});

test('resourceMetrics: a runtime failure serves only resource_scrape_error 1', async () => {
  const { fake, runtime } = fakeRuntime();
  fake.failSandboxes = true;
  const text = await resourceMetrics({ nodeName: 'n', runtime, pods: () => PODS, host: { sample: async () => HOST }, clock: { now: () => T0 } });
  assert.equal(text, '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error 1\n');
});

test('formatResourceMetrics: label escaping, swap (ALPHA), missing values and zero start times left out', () => {
  const text = formatResourceMetrics({
    node: { nodeName: 'n', systemContainers: [], startTime: 0, swap: { time: 5000, swapUsageBytes: 10 } },
    pods: [{
      podRef: { name: 'p"1', namespace: 'a\\b', uid: 'u' }, startTime: 0,
      containers: [{ name: 'c\nx', startTime: 0, memory: { time: 7000, workingSetBytes: 5 } }, { name: 'd', startTime: 1500, cpu: { time: 1, usageNanoCores: 5 } }],
    }],
  });
  assert.equal(text, [
    '# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes',
    '# TYPE container_memory_working_set_bytes gauge',
    'container_memory_working_set_bytes{container="c\\nx",namespace="a\\\\b",pod="p\\"1"} 5 7000',
    '# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds',
    '# TYPE container_start_time_seconds gauge',
    'container_start_time_seconds{container="d",namespace="a\\\\b",pod="p\\"1"} 1.5',
    '# HELP node_swap_usage_bytes [ALPHA] Current swap usage of the node in bytes. Reported only on non-windows systems',
    '# TYPE node_swap_usage_bytes gauge',
    'node_swap_usage_bytes 10 5000',
    '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
    '# TYPE resource_scrape_error gauge',
    'resource_scrape_error 0',
    '',
  ].join('\n'));
});
