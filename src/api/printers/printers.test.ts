/** @module api/printers/printers.test — table-driven tests of human durations and the main kinds' cells. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ColumnDef, JsonObject } from '../kinds/types.ts';
import { humanDuration, since, nameColumn, ageColumn, createdAtColumn, printerColumns, tableColumns, summarizePod, restartsText } from './index.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const NOW = Date.parse('2026-01-10T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();

function row(key: string, obj: JsonObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of tableColumns(printerColumns[key]) as ColumnDef[]) out[c.name] = c.cell(obj, NOW);
  return out;
}

void test('humanDuration matches duration.HumanDuration', () => {
  const cases: [number, string][] = [
    [-2 * S, '<invalid>'], [-1 * S, '0s'], [-500, '0s'], [0, '0s'], [5 * S, '5s'], [119 * S, '119s'],
    [2 * M, '2m'], [2 * M + 30 * S, '2m30s'], [9 * M + 59 * S, '9m59s'], [10 * M + 30 * S, '10m'], [179 * M, '179m'],
    [3 * H, '3h'], [5 * H + 20 * M, '5h20m'], [8 * H + 5 * M, '8h'], [47 * H, '47h'], [2 * D, '2d'], [3 * D + 4 * H, '3d4h'],
    [8 * D, '8d'], [400 * D, '400d'], [730 * D, '2y'], [731 * D, '2y1d'], [3000 * D, '8y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
  assert.equal(since(undefined, NOW), '<unknown>');
  assert.equal(since(ago(5 * M), NOW), '5m');
});

void test('name, age and created-at columns', () => {
  const o = { metadata: { name: 'x', creationTimestamp: '2026-01-10T11:00:00Z' } };
  assert.equal(nameColumn.cell(o, NOW), 'x');
  assert.equal(nameColumn.format, 'name');
  assert.equal(ageColumn.cell(o, NOW), '60m');
  assert.equal(createdAtColumn.cell(o, NOW), '2026-01-10T11:00:00Z');
  assert.deepEqual(tableColumns(undefined).map((c) => c.name), ['Name', 'Age']);
});

const running = (name: string, ready: boolean, restarts = 0, finishedAgo?: number): JsonObject => ({
  name, ready, restartCount: restarts, state: { running: { startedAt: ago(H) } },
  lastState: finishedAgo === undefined ? {} : { terminated: { exitCode: 1, finishedAt: ago(finishedAgo) } },
});

void test('pod READY / STATUS / RESTARTS', () => {
  const base = (status: JsonObject, spec: JsonObject = {}, meta: JsonObject = {}): JsonObject => ({
    metadata: { name: 'p', creationTimestamp: ago(D), ...meta },
    spec: { containers: [{ name: 'a' }, { name: 'b' }], ...spec },
    status,
  });
  const cases: [string, JsonObject, { ready: string; status: string; restarts: string }][] = [
    ['pending', base({ phase: 'Pending' }), { ready: '0/2', status: 'Pending', restarts: '0' }],
    ['running', base({ phase: 'Running', containerStatuses: [running('a', true), running('b', false, 5, 5 * M)] }), { ready: '1/2', status: 'Running', restarts: '5 (5m ago)' }],
    ['crashloop', base({ phase: 'Running', containerStatuses: [running('a', true), { name: 'b', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 2, finishedAt: ago(30 * S) } } }] }), { ready: '1/2', status: 'CrashLoopBackOff', restarts: '3 (30s ago)' }],
    ['completed', base({ phase: 'Succeeded', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'b', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }), { ready: '0/2', status: 'Completed', restarts: '0' }],
    ['exitcode', base({ phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 137 } } }] }), { ready: '0/2', status: 'ExitCode:137', restarts: '0' }],
    ['init 0/2', base({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { running: {} } }, { name: 'i2', state: { waiting: { reason: 'PodInitializing' } } }] }, { initContainers: [{ name: 'i1' }, { name: 'i2' }] }), { ready: '0/2', status: 'Init:0/2', restarts: '0' }],
    ['init 1/2', base({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: { running: {} } }] }, { initContainers: [{ name: 'i1' }, { name: 'i2' }] }), { ready: '0/2', status: 'Init:1/2', restarts: '0' }],
    ['init crash', base({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, { initContainers: [{ name: 'i1' }] }), { ready: '0/2', status: 'Init:CrashLoopBackOff', restarts: '2' }],
    ['init error', base({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, { initContainers: [{ name: 'i1' }] }), { ready: '0/2', status: 'Init:Error', restarts: '0' }],
    ['terminating', base({ phase: 'Running', containerStatuses: [running('a', true), running('b', true)] }, {}, { deletionTimestamp: ago(0) }), { ready: '2/2', status: 'Terminating', restarts: '0' }],
    ['sidecar', base({ phase: 'Running', initContainerStatuses: [{ name: 's', started: true, ready: true, state: { running: {} } }], containerStatuses: [running('a', true), running('b', true)] }, { initContainers: [{ name: 's', restartPolicy: 'Always' }] }), { ready: '3/3', status: 'Running', restarts: '0' }],
    ['gated', base({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), { ready: '0/2', status: 'SchedulingGated', restarts: '0' }],
  ];
  for (const [name, pod, want] of cases) {
    const s = summarizePod(pod);
    assert.deepEqual({ ready: s.ready, status: s.status, restarts: restartsText(s, NOW) }, want, name);
  }
  const r = row('/Pod', base({ phase: 'Running', podIPs: [{ ip: '10.0.0.5' }] }, { nodeName: 'n1', readinessGates: [{ conditionType: 'x' }] }));
  assert.deepEqual(r, { Name: 'p', Ready: '0/2', Status: 'Running', Restarts: '0', Age: '24h', IP: '10.0.0.5', Node: 'n1', 'Nominated Node': '<none>', 'Readiness Gates': '0/1' });
});

void test('service cells', () => {
  const svc = (spec: JsonObject, status: JsonObject = {}): JsonObject => ({ metadata: { name: 's', creationTimestamp: ago(3 * D) }, spec, status });
  assert.deepEqual(row('/Service', svc({ type: 'ClusterIP', clusterIP: '10.43.0.1', clusterIPs: ['10.43.0.1'], ports: [{ port: 443, protocol: 'TCP' }], selector: { app: 'x' } })),
    { Name: 's', Type: 'ClusterIP', 'Cluster-IP': '10.43.0.1', 'External-IP': '<none>', 'Port(s)': '443/TCP', Age: '3d', Selector: 'app=x' });
  const np = row('/Service', svc({ type: 'NodePort', clusterIP: '10.43.0.2', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }));
  assert.equal(np['Port(s)'], '80:30080/TCP,53/UDP');
  assert.equal(np.Selector, '<none>');
  assert.equal(row('/Service', svc({ type: 'LoadBalancer', ports: [] }))['External-IP'], '<pending>');
  assert.equal(row('/Service', svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }, { hostname: 'lb.example' }] } }))['External-IP'], '1.2.3.4,lb.example');
  assert.equal(row('/Service', svc({ type: 'ExternalName', externalName: 'db.example.com' }))['External-IP'], 'db.example.com');
  assert.equal(row('/Service', svc({ type: 'ClusterIP', clusterIP: 'None' }))['Port(s)'], '<none>');
});

void test('node cells', () => {
  const node: JsonObject = {
    metadata: { name: 'n1', creationTimestamp: ago(5 * H), labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': '', 'kubernetes.io/role': 'edge' } },
    spec: { unschedulable: true },
    status: { conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], nodeInfo: { kubeletVersion: 'v1.33.0', osImage: 'Windows Server 2022' } },
  };
  assert.deepEqual(row('/Node', node), {
    Name: 'n1', Status: 'NotReady,SchedulingDisabled', Roles: 'control-plane,edge,master', Age: '5h', Version: 'v1.33.0',
    'Internal-IP': '10.0.0.1', 'External-IP': '<none>', 'OS-Image': 'Windows Server 2022', 'Kernel-Version': '<unknown>', 'Container-Runtime': '<unknown>',
  });
  assert.equal(row('/Node', { metadata: { name: 'n' } }).Status, 'Unknown');
  assert.equal(row('/Node', { metadata: { name: 'n' } }).Roles, '<none>');
});

void test('workload cells', () => {
  const dep = { metadata: { name: 'd', creationTimestamp: ago(M) }, spec: { replicas: 3, selector: { matchLabels: { app: 'd' } }, template: { spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox' }] } } }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
  assert.deepEqual(row('apps/Deployment', dep), { Name: 'd', Ready: '2/3', 'Up-to-date': 3, Available: 2, Age: '60s', Containers: 'a,b', Images: 'nginx,busybox', Selector: 'app=d' });
  assert.equal(row('apps/StatefulSet', dep).Ready, '2/3');
  const job = (spec: JsonObject, status: JsonObject, meta: JsonObject = {}): JsonObject => ({ metadata: { name: 'j', creationTimestamp: ago(10 * M), ...meta }, spec, status });
  const jobCases: [JsonObject, string, string, string][] = [
    [job({ completions: 1, parallelism: 1 }, { succeeded: 1, startTime: ago(10 * M), completionTime: ago(8 * M), conditions: [{ type: 'Complete', status: 'True' }] }), 'Complete', '1/1', '2m'],
    [job({ parallelism: 3 }, { startTime: ago(90 * S) }), 'Running', '0/1 of 3', '90s'],
    [job({ completions: 2 }, { failed: 1, conditions: [{ type: 'Failed', status: 'True' }] }), 'Failed', '0/2', ''],
    [job({ completions: 1, suspend: true }, { conditions: [{ type: 'Suspended', status: 'True' }] }), 'Suspended', '0/1', ''],
    [job({ completions: 1 }, {}, { deletionTimestamp: ago(0) }), 'Terminating', '0/1', ''],
  ];
  for (const [j, status, completions, duration] of jobCases) {
    const r = row('batch/Job', j);
    assert.deepEqual([r.Status, r.Completions, r.Duration], [status, completions, duration]);
  }
  const cj = row('batch/CronJob', { metadata: { name: 'c' }, spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [] } } } } }, status: { active: [{}], lastScheduleTime: ago(3 * M) } });
  assert.deepEqual([cj.Schedule, cj.Timezone, cj.Suspend, cj.Active, cj['Last Schedule'], cj.Selector], ['*/5 * * * *', '<none>', 'False', 1, '3m', '<none>']);
  const hpa2 = row('autoscaling/HorizontalPodAutoscaler', { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] }, status: { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } }] } });
  assert.deepEqual([hpa2.Reference, hpa2.Targets, hpa2.MinPods, hpa2.MaxPods, hpa2.Replicas], ['Deployment/web', 'cpu: 40%/80%', '1', 5, 2]);
  const hpa1 = row('autoscaling/HorizontalPodAutoscaler', { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 }, status: {} });
  assert.deepEqual([hpa1.Targets, hpa1.MinPods], ['cpu: <unknown>/50%', '<unset>']);
});

void test('event, storage class and misc cells', () => {
  const e = row('/Event', { metadata: { name: 'p.1' }, type: 'Warning', reason: 'BackOff', message: ' Back-off restarting ', involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{a}' }, source: { component: 'kubelet', host: 'n1' }, firstTimestamp: ago(10 * M), lastTimestamp: ago(M), count: 4 });
  assert.deepEqual(e, { 'Last Seen': '60s', Type: 'Warning', Reason: 'BackOff', Object: 'pod/web-1', Subobject: 'spec.containers{a}', Source: 'kubelet, n1', Message: 'Back-off restarting', 'First Seen': '10m', Count: 4, Name: 'p.1' });
  const sc = row('storage.k8s.io/StorageClass', { metadata: { name: 'local', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'rancher.io/local-path' });
  assert.deepEqual(sc, { Name: 'local (default)', Provisioner: 'rancher.io/local-path', ReclaimPolicy: 'Delete', VolumeBindingMode: 'Immediate', AllowVolumeExpansion: false, Age: '<unknown>' });
  assert.equal(row('rbac.authorization.k8s.io/RoleBinding', { metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }] }).ServiceAccounts, 'ns/sa');
  assert.equal(row('certificates.k8s.io/CertificateSigningRequest', { metadata: { name: 'c' }, spec: { signerName: 'kubernetes.io/kubelet-serving', expirationSeconds: 86400 }, status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'abc' } }).Condition, 'Approved,Issued');
  assert.equal(row('/Endpoints', { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] }).Endpoints, '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...');
  assert.equal(row('/Endpoints', { metadata: { name: 'e' } }).Endpoints, '<none>');
  assert.equal(row('discovery.k8s.io/EndpointSlice', { metadata: { name: 'e' }, addressType: 'IPv4', ports: [{ port: 80 }], endpoints: [] }).Endpoints, '<unset>');
  const pvc = row('/PersistentVolumeClaim', { metadata: { name: 'c' }, spec: { volumeName: 'pv1', storageClassName: 'local' }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'] } });
  assert.deepEqual([pvc.Status, pvc.Capacity, pvc['Access Modes'], pvc.StorageClass, pvc.VolumeAttributesClass], ['Bound', '1Gi', 'RWO,RWX', 'local', '<unset>']);
  assert.equal(row('/ConfigMap', { metadata: { name: 'c' }, data: { a: '1' }, binaryData: { b: '' } }).Data, 2);
  assert.equal(row('networking.k8s.io/Ingress', { metadata: { name: 'i' }, spec: { rules: [{}], tls: [{}] } }).Hosts, '*');
  assert.equal(row('apps/ControllerRevision', { metadata: { name: 'r', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', controller: true }] }, revision: 2 }).Controller, 'statefulset.apps/web');
});
