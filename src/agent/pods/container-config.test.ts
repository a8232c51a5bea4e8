/**
 * @module agent/pods/container-config.test — the CRI container config: cgroup math from requests
 * and limits (shares, quota, memory, a never-negative QoS oom_score_adj), the security context
 * merge, command/args expansion, labels, annotations, log path and stdin/tty.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { containerConfig, containerSecurity, cpuQuota, cpuShares, linuxResources, oomScoreAdj } from './container-config.ts';

const pod = (containers: JsonObject[], spec: JsonObject = {}): JsonObject => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers, ...spec } });
const GI = 2 ** 30;

void test('cpu shares and quota', () => {
  const shares: [number, number][] = [[0, 2], [1, 2], [2, 2], [10, 10], [100, 102], [250, 256], [1000, 1024], [1500, 1536]];
  for (const [m, want] of shares) assert.equal(cpuShares(m), want, `shares ${String(m)}m`);
  const quota: [number, number][] = [[0, 0], [5, 1000], [10, 1000], [100, 10_000], [500, 50_000], [2000, 200_000]];
  for (const [m, want] of quota) assert.equal(cpuQuota(m), want, `quota ${String(m)}m`);
});

void test('linux resources and oom_score_adj per QoS (never negative)', () => {
  const cases: [string, JsonObject, JsonObject][] = [
    ['best effort', {}, { cpuShares: 2, oomScoreAdj: 1000 }],
    ['guaranteed', { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } }, { cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitInBytes: GI, oomScoreAdj: 0 }],
    ['burstable quarter', { requests: { cpu: '100m', memory: '1Gi' } }, { cpuShares: 102, oomScoreAdj: 750 }],
    ['burstable tiny', { requests: { memory: '1Ki' } }, { cpuShares: 2, oomScoreAdj: 999 }],
    ['burstable huge', { requests: { memory: '4Gi' }, limits: { memory: '8Gi' } }, { cpuShares: 2, memoryLimitInBytes: 8 * GI, oomScoreAdj: 3 }],
    ['limit only defaults the cpu request', { limits: { cpu: '1' } }, { cpuShares: 1024, cpuQuota: 100_000, cpuPeriod: 100_000, oomScoreAdj: 999 }],
  ];
  for (const [name, resources, want] of cases) {
    const c = { name: 'c', resources };
    assert.deepEqual(linuxResources(pod([c]), c, 4 * GI), want, name);
  }
  const burst = { name: 'c', resources: { requests: { memory: '1Gi' } } };
  assert.equal(oomScoreAdj(pod([burst]), burst, undefined), undefined, 'unknown capacity: unset');
  assert.ok(!('oomScoreAdj' in linuxResources(pod([burst]), burst)));
});

void test('security context: the container’s fields win over the pod’s', () => {
  const psc = { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000, 4001], fsGroup: 2000 };
  const cases: [string, JsonObject, JsonObject, JsonObject][] = [
    ['pod only', psc, {}, { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000, 4001, 2000] }],
    ['container overrides', psc, { runAsUser: 0, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }, { runAsUser: 0, runAsGroup: 3000, supplementalGroups: [4000, 4001, 2000], readonlyRootfs: true, noNewPrivs: true }],
    ['capabilities and privileged', {}, { privileged: true, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, allowPrivilegeEscalation: true }, { privileged: true, capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] } }],
  ];
  for (const [name, pod_, c, want] of cases) {
    const container = { name: 'c', securityContext: c };
    const got = containerSecurity(pod([container], { securityContext: pod_ }), container);
    assert.deepEqual(got, { ...want, namespaceOptions: { pid: 'CONTAINER', ipc: 'POD', network: 'POD' } }, name);
  }
  const shared = containerSecurity(pod([], { shareProcessNamespace: true, hostIPC: true, hostNetwork: true }), {});
  assert.deepEqual(shared.namespaceOptions, { pid: 'POD', ipc: 'NODE', network: 'NODE' });
  assert.deepEqual(containerSecurity(pod([]), { name: 'dbg' }, 'cid-main').namespaceOptions, { pid: 'TARGET', targetId: 'cid-main', ipc: 'POD', network: 'POD' },
    'an ephemeral container with a target joins that container\'s PID namespace');
  assert.equal(containerSecurity(pod([], { hostPID: true, shareProcessNamespace: true }), {}).namespaceOptions?.pid, 'NODE');
});

void test('containerConfig: expansion, labels, annotations, log path, mounts, stdin/tty', () => {
  const c = {
    name: 'web', image: 'reg/app:1', command: ['/bin/sh', '-c', 'echo $(GREETING) $$(HOME) $(NOPE)'], args: ['$(GREETING)'], workingDir: '/w',
    stdin: true, stdinOnce: true, tty: true, terminationMessagePath: '/tmp/msg',
  };
  const p = pod([c], { terminationGracePeriodSeconds: 5 });
  const cfg = containerConfig({ pod: p, container: c, restartCount: 3, envs: [{ key: 'GREETING', value: 'hi' }], mounts: [{ containerPath: '/data', hostPath: '/h', readonly: false }], linux: true, memoryCapacity: GI });
  assert.deepEqual(cfg.command, ['/bin/sh', '-c', 'echo hi $(HOME) $(NOPE)']);
  assert.deepEqual(cfg.args, ['hi']);
  assert.deepEqual(cfg.metadata, { name: 'web', attempt: 3 });
  assert.equal(cfg.logPath, 'web/3.log');
  assert.deepEqual(cfg.labels, { 'io.kubernetes.pod.name': 'p', 'io.kubernetes.pod.namespace': 'ns', 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.container.name': 'web' });
  assert.equal(cfg.annotations?.['io.kubernetes.container.restartCount'], '3');
  assert.equal(cfg.annotations?.['io.kubernetes.container.terminationMessagePath'], '/tmp/msg');
  assert.deepEqual([cfg.stdin, cfg.stdinOnce, cfg.tty, cfg.workingDir], [true, true, true, '/w']);
  assert.equal(cfg.mounts?.length, 1);
  assert.equal(cfg.linux?.resources?.oomScoreAdj, 1000);
  const hollow = containerConfig({ pod: p, container: { name: 'x', image: 'i' }, restartCount: 0, envs: [] });
  assert.equal(hollow.linux, undefined, 'hollow nodes skip the linux section');
  assert.equal(hollow.annotations?.['io.kubernetes.container.terminationMessagePath'], '/dev/termination-log');
});
