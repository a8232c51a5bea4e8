/**
 * @module runtime/cri/mapping.test — request mapping encoded through the real api.proto (what
 * containerd would decode), response mapping from decoded wire objects, and stats mapping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import type { PodSandbox, PodSandboxConfig } from '../types.ts';
import { containerConfigToWire, containerFilterToWire, sandboxConfigToWire, sandboxFilterToWire } from './mapping-request.ts';
import {
  containerFromWire, containerStateFromWire, containerStatusFromWire, imageFromWire, nsToMs, sandboxStatusFromWire,
} from './mapping-response.ts';
import { CRI_PROTO_PATH, type Wire } from './proto.ts';
import { aggregatePodStats, containerStatsFromWire, podSandboxStatsFromWire } from './stats.ts';

const root = new protobuf.Root().loadSync(CRI_PROTO_PATH, { keepCase: true });

/** roundTrip encodes `obj` as message `type` and decodes it the way proto-loader does (longs/enums as strings, defaults). */
function roundTrip(type: string, obj: Wire): Wire {
  const T = root.lookupType(`runtime.v1.${type}`);
  const bytes = T.encode(T.fromObject(obj)).finish();
  return T.toObject(T.decode(bytes), { longs: String, enums: String, defaults: true });
}

const sandbox: PodSandboxConfig = {
  metadata: { name: 'web', namespace: 'ns', uid: 'u1', attempt: 2 },
  hostname: 'web', logDirectory: '/logs/ns_web_u1',
  portMappings: [{ protocol: 'UDP', containerPort: 53, hostPort: 1053, hostIp: '127.0.0.1' }],
  labels: { a: 'b' },
  linux: { cgroupParent: '/windlass/podu1', sysctls: { 'net.ipv4.ip_forward': '1' }, securityContext: { runAsUser: 1000, supplementalGroups: [5, 6] } },
};

test('sandbox config encodes through api.proto with kubelet namespace defaults', () => {
  const w = roundTrip('PodSandboxConfig', sandboxConfigToWire(sandbox));
  assert.deepEqual(w.metadata, { name: 'web', uid: 'u1', namespace: 'ns', attempt: 2 });
  assert.deepEqual(w.port_mappings, [{ protocol: 'UDP', container_port: 53, host_port: 1053, host_ip: '127.0.0.1' }]);
  const linux = w.linux as Wire;
  assert.equal(linux.cgroup_parent, '/windlass/podu1');
  assert.deepEqual(linux.sysctls, { 'net.ipv4.ip_forward': '1' });
  const sc = linux.security_context as Wire;
  assert.deepEqual(sc.namespace_options, { network: 'POD', pid: 'CONTAINER', ipc: 'POD', target_id: '' });
  assert.deepEqual(sc.run_as_user, { value: '1000' });
  assert.equal(sc.run_as_group, null);
  assert.deepEqual(sc.supplemental_groups, ['5', '6']);
  assert.equal(w.windows, null);
  const host = roundTrip('PodSandboxConfig', sandboxConfigToWire({ ...sandbox, hostNetwork: true }));
  assert.equal(((host.linux as Wire).security_context as Wire).namespace_options && (((host.linux as Wire).security_context as Wire).namespace_options as Wire).network, 'NODE');
  assert.deepEqual(((host.windows as Wire).security_context as Wire).namespace_options, { network: 'NODE' });
  assert.equal(host.hostname, '', 'no hostname without a UTS namespace');
  assert.equal(w.hostname, 'web');
});

test('container config encodes through api.proto and inherits the sandbox namespaces', () => {
  const wire = containerConfigToWire({
    metadata: { name: 'c', attempt: 3 }, image: { image: 'busybox:1' }, command: ['sh'], args: ['-c', 'true'], workingDir: '/w',
    envs: [{ key: 'K', value: 'välue' }], mounts: [{ containerPath: '/data', hostPath: '/h', readonly: true }], logPath: 'c/3.log', tty: true,
    linux: { resources: { cpuShares: 256, memoryLimitInBytes: 2 ** 40, cpuQuota: 50_000, cpuPeriod: 100_000 }, securityContext: { capabilities: { addCapabilities: ['NET_ADMIN'] }, runAsGroup: 0 } },
  }, { ...sandbox, linux: { securityContext: { namespaceOptions: { pid: 'POD' } } } });
  const w = roundTrip('ContainerConfig', wire);
  assert.deepEqual(w.metadata, { name: 'c', attempt: 3 });
  assert.deepEqual(w.envs, [{ key: 'K', value: Buffer.from('välue') }]);
  assert.deepEqual(w.mounts, [{ container_path: '/data', host_path: '/h', readonly: true, selinux_relabel: false, propagation: 'PROPAGATION_PRIVATE' }]);
  const linux = w.linux as Wire;
  assert.deepEqual(linux.resources, { cpu_period: '100000', cpu_quota: '50000', cpu_shares: '256', memory_limit_in_bytes: String(2 ** 40), oom_score_adj: '0' });
  const sc = linux.security_context as Wire;
  assert.deepEqual(sc.namespace_options, { network: 'POD', pid: 'POD', ipc: 'POD', target_id: '' });
  assert.deepEqual(sc.run_as_group, { value: '0' });
  // an ephemeral container joining another container's PID namespace (kubectl debug --target)
  const targeted = roundTrip('ContainerConfig', containerConfigToWire({
    metadata: { name: 'dbg', attempt: 0 }, image: { image: 'busybox:1' },
    linux: { securityContext: { namespaceOptions: { pid: 'TARGET', targetId: 'abc123' } } },
  }, sandbox));
  assert.deepEqual(((targeted.linux as Wire).security_context as Wire).namespace_options, { network: 'POD', pid: 'TARGET', ipc: 'POD', target_id: 'abc123' });
  assert.deepEqual((sc.capabilities as Wire).add_capabilities, ['NET_ADMIN']);
  assert.equal(w.log_path, 'c/3.log');
  assert.equal(w.tty, true);
});

test('filters map states to prefixed enum names', () => {
  assert.deepEqual(roundTrip('PodSandboxFilter', sandboxFilterToWire({ state: 'READY', labelSelector: { x: 'y' } }) as Wire),
    { id: '', state: { state: 'SANDBOX_READY' }, label_selector: { x: 'y' } });
  assert.deepEqual((roundTrip('ContainerFilter', containerFilterToWire({ state: 'EXITED', podSandboxId: 's' }) as Wire)).state, { state: 'CONTAINER_EXITED' });
  assert.equal(sandboxFilterToWire(undefined), null);
});

test('nsToMs and enum prefixes', () => {
  assert.equal(nsToMs('1700000000123456789'), 1700000000123);
  assert.equal(nsToMs('0'), 0);
  assert.equal(nsToMs(undefined), 0);
  assert.deepEqual(['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN', 'X'].map(containerStateFromWire),
    ['CREATED', 'RUNNING', 'EXITED', 'UNKNOWN', 'UNKNOWN']);
});

test('responses decode into our types', () => {
  const status = roundTrip('PodSandboxStatus', {
    id: 's1', metadata: { name: 'web', uid: 'u', namespace: 'ns', attempt: 1 }, state: 'SANDBOX_READY', created_at: '1700000000000000000',
    network: { ip: '10.88.0.5', additional_ips: [{ ip: 'fd00::5' }] }, labels: { a: 'b' },
  });
  assert.deepEqual(sandboxStatusFromWire(status), {
    id: 's1', metadata: { name: 'web', uid: 'u', namespace: 'ns', attempt: 1 }, state: 'READY', createdAt: 1700000000000,
    labels: { a: 'b' }, annotations: {}, runtimeHandler: '', network: { ip: '10.88.0.5', additionalIps: ['fd00::5'] },
  });
  // CONTAINER_CREATED is the proto3 default: absent on the wire, filled in by defaults:true
  const c = containerFromWire(roundTrip('Container', { id: 'c1', pod_sandbox_id: 's1', metadata: { name: 'x' }, image: { image: 'bb' }, state: 'CONTAINER_CREATED' }));
  assert.equal(c.state, 'CREATED');
  assert.equal(c.metadata.attempt, 0);
  const st = containerStatusFromWire(roundTrip('ContainerStatus', {
    id: 'c1', state: 'CONTAINER_EXITED', started_at: '2000000000', finished_at: '3000000000', exit_code: 137, reason: 'Error', log_path: '/l/x/0.log',
  }), 's1');
  assert.deepEqual([st.state, st.startedAt, st.finishedAt, st.exitCode, st.reason, st.logPath, st.podSandboxId], ['EXITED', 2000, 3000, 137, 'Error', '/l/x/0.log', 's1']);
  assert.deepEqual(imageFromWire(roundTrip('Image', { id: 'sha256:1', repo_tags: ['a:1'], size: '12345' })),
    { id: 'sha256:1', repoTags: ['a:1'], repoDigests: [], size: 12345, pinned: false });
});

test('stats mapping (Linux and Windows) and the pod aggregate fallback', () => {
  const linux = containerStatsFromWire(roundTrip('ContainerStats', {
    attributes: { id: 'c1', metadata: { name: 'x', attempt: 1 }, labels: { l: 'v' } },
    cpu: { timestamp: '5000000', usage_core_nano_seconds: { value: '300' } },
    memory: { timestamp: '5000000', working_set_bytes: { value: '4096' }, usage_bytes: { value: '8192' } },
    writable_layer: { timestamp: '5000000', used_bytes: { value: '10' } },
  }));
  assert.deepEqual(linux, {
    id: 'c1', metadata: { name: 'x', attempt: 1 }, labels: { l: 'v' }, cpu: { timestamp: 5, usageCoreNanoSeconds: 300 },
    memory: { timestamp: 5, workingSetBytes: 4096, usageBytes: 8192 }, writableLayer: { timestamp: 5, usedBytes: 10 },
  });
  const win = podSandboxStatsFromWire(roundTrip('PodSandboxStats', {
    attributes: { id: 's1', metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 0 } },
    windows: {
      cpu: { timestamp: '1000000', usage_nano_cores: { value: '7' } }, process: { timestamp: '1000000', process_count: { value: '3' } },
      network: { timestamp: '1000000', interfaces: [{ name: 'eth0', rx_bytes: { value: '1' }, tx_bytes: { value: '2' } }] },
      containers: [{ attributes: { id: 'c1' }, memory: { timestamp: '1000000', working_set_bytes: { value: '9' } } }],
    },
  }));
  assert.equal(win.processCount, 3);
  assert.deepEqual(win.cpu, { timestamp: 1, usageNanoCores: 7 });
  assert.deepEqual(win.network?.interfaces, [{ name: 'eth0', rxBytes: 1, txBytes: 2 }]);
  assert.equal(win.containers[0].memory?.workingSetBytes, 9);
  const pod: PodSandbox = { id: 's1', metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 0 }, state: 'READY', createdAt: 1, labels: {}, annotations: {}, runtimeHandler: '' };
  const agg = aggregatePodStats(pod, [linux, { ...linux, id: 'c2', cpu: { timestamp: 9, usageCoreNanoSeconds: 700, usageNanoCores: 5 } }]);
  assert.deepEqual(agg.cpu, { timestamp: 9, usageCoreNanoSeconds: 1000, usageNanoCores: 5 });
  assert.deepEqual(agg.memory, { timestamp: 5, workingSetBytes: 8192, usageBytes: 16384 });
  assert.equal(agg.containers.length, 2);
  assert.equal(aggregatePodStats(pod, []).cpu, undefined);
});
