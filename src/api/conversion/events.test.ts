/**
 * @module api/conversion/events.test — core v1 Event ⇄ events.k8s.io/v1 Event, and the registry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conversions, coreEventToEventsV1, EVENTS_V1_FIELD_LABELS, eventsV1ToCoreEvent, fieldLabelConversions, needsConversion } from './index.ts';
import { gvkKey } from '../kinds/types.ts';

const core = {
  apiVersion: 'v1', kind: 'Event',
  metadata: { name: 'web.1', namespace: 'default' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u', apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
  reason: 'Pulled', message: 'image pulled', source: { component: 'kubelet', host: 'n1' },
  firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:01:00Z', count: 3, type: 'Normal',
  eventTime: '2026-01-01T00:00:00.000001Z', series: { count: 2, lastObservedTime: '2026-01-01T00:01:00.000000Z' },
  action: 'Pulling', related: { kind: 'Node', name: 'n1' }, reportingComponent: 'kubelet', reportingInstance: 'n1',
};

void test('core v1 → events.k8s.io/v1 renames fields and keeps the rest', () => {
  const ev = coreEventToEventsV1(core);
  assert.deepEqual(ev, {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: core.metadata,
    eventTime: core.eventTime, series: core.series, reportingController: 'kubelet', reportingInstance: 'n1', action: 'Pulling',
    reason: 'Pulled', regarding: core.involvedObject, related: core.related, note: 'image pulled', type: 'Normal',
    deprecatedSource: core.source, deprecatedFirstTimestamp: core.firstTimestamp, deprecatedLastTimestamp: core.lastTimestamp, deprecatedCount: 3,
  });
  assert.deepEqual(Object.keys(ev).slice(0, 4), ['apiVersion', 'kind', 'metadata', 'eventTime'], 'events.k8s.io field order');
  assert.notEqual(ev.regarding, core.involvedObject, 'a copy');
});

void test('round trips are lossless both ways, including null values clients send', () => {
  assert.deepEqual(eventsV1ToCoreEvent(coreEventToEventsV1(core)), core);
  const sparse = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'x' }, eventTime: '2026-01-01T00:00:00.000000Z', note: 'n', regarding: { name: 'a' }, deprecatedFirstTimestamp: null };
  const asCore = eventsV1ToCoreEvent(sparse);
  assert.deepEqual(asCore, { apiVersion: 'v1', kind: 'Event', metadata: { name: 'x' }, involvedObject: { name: 'a' }, message: 'n', firstTimestamp: null, eventTime: sparse.eventTime });
  assert.deepEqual(coreEventToEventsV1(asCore), sparse);
});

void test('registry: conversions by group/kind, same-version copies, unsupported pairs throw', () => {
  assert.equal(needsConversion('', 'Event'), true);
  assert.equal(needsConversion('events.k8s.io', 'Event'), true);
  assert.equal(needsConversion('autoscaling', 'HorizontalPodAutoscaler'), true);
  assert.equal(needsConversion('apps', 'Deployment'), false);
  assert.equal(needsConversion('', 'toString'), false);
  const c = conversions[gvkKey('events.k8s.io', 'Event')];
  assert.equal(c, conversions[gvkKey('', 'Event')]);
  assert.deepEqual([...c.apiVersions].sort(), ['events.k8s.io/v1', 'v1']);
  assert.equal(c.convert(core, 'events.k8s.io/v1').note, 'image pulled');
  const same = c.convert(core, 'v1');
  assert.deepEqual(same, core);
  assert.notEqual(same, core);
  assert.throws(() => c.convert(core, 'events.k8s.io/v1beta1'), /not supported/);
  const hpa = conversions[gvkKey('autoscaling', 'HorizontalPodAutoscaler')];
  const v2 = hpa.convert({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', spec: { maxReplicas: 2, targetCPUUtilizationPercentage: 10 } }, 'autoscaling/v2');
  assert.equal(v2.spec.metrics[0].resource.target.averageUtilization, 10);
  assert.equal(fieldLabelConversions['events.k8s.io/v1/Event'], EVENTS_V1_FIELD_LABELS);
  assert.equal(EVENTS_V1_FIELD_LABELS['regarding.name'], 'involvedObject.name');
  assert.equal(EVENTS_V1_FIELD_LABELS.reportingController, 'reportingComponent');
  assert.equal(EVENTS_V1_FIELD_LABELS.source, undefined, 'events.k8s.io cannot select on source');
});
