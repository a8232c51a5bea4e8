/** @module api/defaults/defaults.test — per-kind defaulting compared with what the apiserver returns. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../kinds/types.ts';
import { defaulters, imagePullPolicyFor } from './index.ts';

const run = (key: string, o: JsonObject): JsonObject => { const c = structuredClone(o); defaulters[key](c); return c; };

void test('imagePullPolicy by tag', () => {
  const cases: [string, string][] = [
    ['nginx', 'Always'], ['nginx:latest', 'Always'], ['nginx:1.27', 'IfNotPresent'], ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v1', 'IfNotPresent'], ['nginx@sha256:abc', 'IfNotPresent'], ['registry.k8s.io/pause:3.10', 'IfNotPresent'],
  ];
  for (const [image, want] of cases) assert.equal(imagePullPolicyFor(image), want, image);
});

void test('pod defaults', () => {
  const p = run('/Pod', { spec: { containers: [{ name: 'a', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } }, readinessProbe: { httpGet: { port: 80 } } }], volumes: [{ name: 'c', configMap: { name: 'x' } }] } });
  assert.deepEqual(p.spec, {
    containers: [{
      name: 'a', image: 'nginx', imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
      ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { limits: { cpu: '1' }, requests: { cpu: '1' } },
      readinessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
    }],
    volumes: [{ name: 'c', configMap: { name: 'x', defaultMode: 420 } }],
    restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30,
    securityContext: {}, enableServiceLinks: true,
  });
  const kept = run('/Pod', { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, containers: [{ name: 'a', image: 'x:1', imagePullPolicy: 'Never' }] } });
  assert.equal(kept.spec.restartPolicy, 'Never');
  assert.equal(kept.spec.terminationGracePeriodSeconds, 5);
  assert.equal(kept.spec.containers[0].imagePullPolicy, 'Never');
});

void test('workload defaults', () => {
  const d = run('apps/Deployment', { spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 8080 }], resources: { limits: { cpu: '1' } } }] } } } });
  // Pod-only defaults (upstream's SetDefaults_Pod) stay out of templates; PodSpec defaults do not.
  assert.deepEqual(d.spec.template.spec.containers[0].resources, { limits: { cpu: '1' } });
  assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }]);
  const hp = run('/Pod', { spec: { hostNetwork: true, containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 8080 }, { containerPort: 53, hostPort: 53, protocol: 'UDP' }] }] } });
  assert.deepEqual(hp.spec.containers[0].ports, [{ containerPort: 8080, hostPort: 8080, protocol: 'TCP' }, { containerPort: 53, hostPort: 53, protocol: 'UDP' }]);
  assert.equal(d.spec.template.spec.enableServiceLinks, undefined);
  assert.equal(d.spec.template.spec.priority, undefined);
  assert.equal(d.spec.template.spec.dnsPolicy, 'ClusterFirst');
  assert.deepEqual([d.spec.replicas, d.spec.strategy, d.spec.revisionHistoryLimit, d.spec.progressDeadlineSeconds, d.spec.template.spec.restartPolicy],
    [1, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, 10, 600, 'Always']);
  const recreate = run('apps/Deployment', { spec: { strategy: { type: 'Recreate' } } });
  assert.deepEqual(recreate.spec.strategy, { type: 'Recreate' });
  const s = run('apps/StatefulSet', { spec: { serviceName: 'web', volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] } });
  assert.deepEqual([s.spec.replicas, s.spec.podManagementPolicy, s.spec.updateStrategy, s.spec.persistentVolumeClaimRetentionPolicy, s.spec.revisionHistoryLimit, s.spec.serviceName, s.spec.volumeClaimTemplates[0].spec.volumeMode],
    [1, 'OrderedReady', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, { whenDeleted: 'Retain', whenScaled: 'Retain' }, 10, 'web', 'Filesystem']);
  const ds = run('apps/DaemonSet', { spec: {} });
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  const j = run('batch/Job', { spec: { template: { metadata: { labels: { app: 'j' } }, spec: { containers: [] } } } });
  assert.deepEqual([j.spec.completions, j.spec.parallelism, j.spec.backoffLimit, j.spec.completionMode, j.spec.suspend, j.metadata.labels],
    [1, 1, 6, 'NonIndexed', false, { app: 'j' }]);
  const par = run('batch/Job', { spec: { parallelism: 3 } });
  assert.deepEqual([par.spec.completions, par.spec.parallelism], [undefined, 3]);
  const cj = run('batch/CronJob', { spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { containers: [] } } } } } });
  assert.deepEqual([cj.spec.concurrencyPolicy, cj.spec.suspend, cj.spec.successfulJobsHistoryLimit, cj.spec.failedJobsHistoryLimit, cj.spec.jobTemplate.spec.template.spec.dnsPolicy],
    ['Allow', false, 3, 1, 'ClusterFirst']);
});

void test('service, secret, namespace, pvc, hpa defaults', () => {
  const svc = run('/Service', { spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }] } });
  assert.deepEqual(svc.spec, {
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }],
    sessionAffinity: 'None', type: 'ClusterIP', internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack',
  });
  const lb = run('/Service', { spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
  assert.deepEqual([lb.spec.externalTrafficPolicy, lb.spec.allocateLoadBalancerNodePorts], ['Cluster', true]);
  assert.equal(run('/Secret', {}).type, 'Opaque');
  assert.deepEqual(run('/Secret', { type: 'x/y', data: { a: 'YQ==', b: 'Yg==' }, stringData: { b: 'B', c: 's3cret' } }), { type: 'x/y', data: { a: 'YQ==', b: 'Qg==', c: 'czNjcmV0' } });
  const ns = run('/Namespace', { metadata: { name: 'team' } });
  assert.deepEqual(ns, { metadata: { name: 'team', labels: { 'kubernetes.io/metadata.name': 'team' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  const pvc = run('/PersistentVolumeClaim', { spec: {} });
  assert.deepEqual(pvc, { spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
  const hpa2 = run('autoscaling/HorizontalPodAutoscaler', { apiVersion: 'autoscaling/v2', spec: { maxReplicas: 3, behavior: {} } });
  assert.equal(hpa2.spec.minReplicas, 1);
  assert.deepEqual(hpa2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.deepEqual(hpa2.spec.behavior.scaleDown, { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
  const hpa1 = run('autoscaling/HorizontalPodAutoscaler', { apiVersion: 'autoscaling/v1', spec: { maxReplicas: 3 } });
  assert.deepEqual(hpa1.spec, { maxReplicas: 3, minReplicas: 1 });
});
