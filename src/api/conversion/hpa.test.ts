/**
 * @module api/conversion/hpa.test — HorizontalPodAutoscaler autoscaling/v1 ⇄ v2: field mapping,
 * the round-trip annotations (their exact upstream encodings), and lossless round trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HPA_BEHAVIOR_ANNOTATION, HPA_CONDITIONS_ANNOTATION, HPA_CURRENT_METRICS_ANNOTATION, HPA_METRICS_ANNOTATION, hpaV1ToV2, hpaV2ToV1,
} from './index.ts';
import type { JsonObject } from '../kinds/types.ts';

const META = { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '7', labels: { app: 'web' } };
const REF = { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' };

const richV2 = (): JsonObject => ({
  apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
  metadata: { ...META, annotations: { team: 'a' } },
  spec: {
    scaleTargetRef: REF, minReplicas: 2, maxReplicas: 10,
    metrics: [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'qps', selector: { matchLabels: { a: 'b' } } }, target: { type: 'AverageValue', averageValue: '1k' } } },
      { type: 'Object', object: { describedObject: { kind: 'Ingress', name: 'main', apiVersion: 'networking.k8s.io/v1' }, target: { type: 'Value', value: '10' }, metric: { name: 'rps' } } },
      { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ],
    behavior: {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] },
      scaleDown: { selectPolicy: 'Min', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], tolerance: '50m' },
    },
  },
  status: {
    observedGeneration: 3, lastScaleTime: '2026-01-01T00:00:00Z', currentReplicas: 3, desiredReplicas: 4,
    currentMetrics: [
      { type: 'Resource', resource: { name: 'cpu', current: { averageValue: '250m', averageUtilization: 55 } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '900' } } },
      { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'x' } } }, current: { value: '12', averageValue: '4' } } },
    ],
    conditions: [
      { type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'ReadyForNewScale', message: 'ok' },
      { type: 'ScalingActive', status: 'False' },
    ],
  },
});

void test('v1 → v2: the CPU target and current utilization become Resource metrics', () => {
  const v1 = {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: META,
    spec: { scaleTargetRef: REF, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 42 },
  };
  const v2 = hpaV1ToV2(v1);
  assert.deepEqual(v2, {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: META,
    spec: { scaleTargetRef: REF, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42 } } }] },
  });
  assert.notEqual(v2.metadata, v1.metadata, 'the result shares nothing with the input');
  // Upstream always records current metrics in the annotation (it keeps the raw value too).
  const back = hpaV2ToV1(v2);
  assert.deepEqual(back.metadata.annotations, { [HPA_CURRENT_METRICS_ANNOTATION]: '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":42,"currentAverageValue":"0"}}]' });
  delete back.metadata.annotations;
  assert.deepEqual(back, v1, 'v1 → v2 → v1 keeps every v1 field');
  assert.deepEqual(hpaV1ToV2(back), v2, 'and converts back to the same v2 object');
});

void test('v2 → v1: CPU utilization fields, and everything else in the four round-trip annotations', () => {
  const v1 = hpaV2ToV1(richV2());
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.deepEqual(v1.spec, { scaleTargetRef: REF, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 70 });
  assert.deepEqual(v1.status, { observedGeneration: 3, lastScaleTime: '2026-01-01T00:00:00Z', currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 55 });
  const a = v1.metadata.annotations as Record<string, string>;
  assert.equal(a.team, 'a');
  assert.deepEqual(JSON.parse(a[HPA_METRICS_ANNOTATION]), [
    { type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } },
    { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '1k', selector: { matchLabels: { a: 'b' } } } },
    { type: 'Object', object: { target: { kind: 'Ingress', name: 'main', apiVersion: 'networking.k8s.io/v1' }, metricName: 'rps', targetValue: '10' } },
    { type: 'External', external: { metricName: 'queue', targetAverageValue: '30' } },
    { type: 'ContainerResource', containerResource: { name: 'cpu', targetAverageUtilization: 60, container: 'app' } },
  ]);
  assert.deepEqual(JSON.parse(a[HPA_CURRENT_METRICS_ANNOTATION]), [
    { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 55, currentAverageValue: '250m' } },
    { type: 'Pods', pods: { metricName: 'qps', currentAverageValue: '900' } },
    { type: 'External', external: { metricName: 'queue', metricSelector: { matchLabels: { q: 'x' } }, currentValue: '12', currentAverageValue: '4' } },
  ]);
  // Upstream marshals its internal Go type here: Go field names, nil pointers as null.
  assert.equal(a[HPA_BEHAVIOR_ANNOTATION],
    '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15}],"Tolerance":null},'
    + '"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Min","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":"50m"}}');
  assert.equal(a[HPA_CONDITIONS_ANNOTATION],
    '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"ReadyForNewScale","message":"ok"},'
    + '{"type":"ScalingActive","status":"False","lastTransitionTime":null}]');
});

void test('v2 → v1 → v2 loses nothing (the CPU utilization metric comes back last, as upstream orders it)', () => {
  const orig = richV2();
  assert.deepEqual(hpaV1ToV2(hpaV2ToV1(orig)), orig);
  const cpuFirst = richV2();
  cpuFirst.spec.metrics.unshift(cpuFirst.spec.metrics.pop());
  const back = hpaV1ToV2(hpaV2ToV1(cpuFirst));
  assert.deepEqual(back.spec.metrics, orig.spec.metrics);
  assert.deepEqual(hpaV1ToV2(hpaV2ToV1(back)), back, 'stable after one round trip');
});

void test('v2 → v1 replaces stale round-trip annotations; v1 → v2 consumes them', () => {
  const v2 = richV2();
  v2.metadata.annotations[HPA_METRICS_ANNOTATION] = '[{"type":"Pods"}]';
  v2.spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  delete v2.spec.behavior;
  delete v2.status;
  const v1 = hpaV2ToV1(v2);
  assert.deepEqual(v1.metadata.annotations, { team: 'a' });
  const plain = hpaV2ToV1({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x', annotations: { [HPA_CONDITIONS_ANNOTATION]: '[]' } }, spec: { maxReplicas: 1 } });
  assert.equal(plain.metadata.annotations, undefined, 'an annotation map left empty is dropped');
});

void test('v1 → v2 decodes annotation payloads as upstream: case-insensitive keys, undecodable payloads ignored', () => {
  const base = (annotations: Record<string, string>): JsonObject => ({
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x', annotations: { keep: 'me', ...annotations } },
    spec: { scaleTargetRef: REF, maxReplicas: 3, targetCPUUtilizationPercentage: 40 },
  });
  const cases: { name: string; annotations: Record<string, string>; check(v2: JsonObject): void }[] = [
    {
      name: 'camelCase behavior', annotations: { [HPA_BEHAVIOR_ANNOTATION]: '{"scaleUp":{"selectPolicy":"Disabled"}}' },
      check: (v2) => assert.deepEqual(v2.spec.behavior, { scaleUp: { selectPolicy: 'Disabled' } }),
    },
    { name: 'empty behavior', annotations: { [HPA_BEHAVIOR_ANNOTATION]: '{}' }, check: (v2) => assert.equal(v2.spec.behavior, undefined) },
    { name: 'broken JSON', annotations: { [HPA_METRICS_ANNOTATION]: '[{' }, check: (v2) => assert.equal(v2.spec.metrics.length, 1) },
    { name: 'wrong type', annotations: { [HPA_METRICS_ANNOTATION]: '[{"type":"Resource","resource":{"name":"memory","targetAverageUtilization":"x"}}]' }, check: (v2) => assert.equal(v2.spec.metrics.length, 1) },
    {
      name: 'metrics before the CPU target', annotations: { [HPA_METRICS_ANNOTATION]: '[{"type":"Pods","pods":{"metricName":"q","targetAverageValue":"5"}}]' },
      check: (v2) => assert.deepEqual(v2.spec.metrics.map((m: JsonObject) => m.type), ['Pods', 'Resource']),
    },
    {
      name: 'object metric without value gets upstream\'s zero value', annotations: { [HPA_METRICS_ANNOTATION]: '[{"type":"Object","object":{"target":{"kind":"Service","name":"s"},"metricName":"m","averageValue":"3"}}]' },
      check: (v2) => assert.deepEqual(v2.spec.metrics[0].object, { describedObject: { kind: 'Service', name: 's' }, target: { type: 'AverageValue', value: '0', averageValue: '3' }, metric: { name: 'm' } }),
    },
    {
      name: 'current metrics and conditions create a status', annotations: { [HPA_CURRENT_METRICS_ANNOTATION]: '[{"type":"Resource","resource":{"name":"cpu","currentAverageValue":"1"}}]', [HPA_CONDITIONS_ANNOTATION]: '[{"type":"AbleToScale","status":"True","lastTransitionTime":null}]' },
      check: (v2) => assert.deepEqual(v2.status, { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '1' } } }], conditions: [{ type: 'AbleToScale', status: 'True' }] }),
    },
  ];
  for (const c of cases) {
    const v2 = hpaV1ToV2(base(c.annotations));
    assert.deepEqual(v2.metadata.annotations, { keep: 'me' }, `${c.name}: round-trip annotations dropped`);
    c.check(v2);
  }
});
