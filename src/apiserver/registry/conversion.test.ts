/**
 * @module apiserver/registry/conversion.test — which built-in kinds are converted, where they are
 * stored, the write direction with storage defaults, memoized reads, and field selector views.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinKinds, type KindInfo } from '../../api/index.ts';
import { storageKey, storagePrefix } from './catalog.ts';
import { fieldSelectorView, readConversion, storageApiVersion, storageConversion, storageKindOf } from './conversion.ts';

const find = (group: string, version: string, resource: string): KindInfo => {
  const k = builtinKinds.find((x) => x.group === group && x.version === version && x.resource === resource);
  assert.ok(k, `${group}/${version}/${resource}`);
  return k;
};
const hpa1 = find('autoscaling', 'v1', 'horizontalpodautoscalers');
const hpa2 = find('autoscaling', 'v2', 'horizontalpodautoscalers');
const coreEv = find('', 'v1', 'events');
const newEv = find('events.k8s.io', 'v1', 'events');

void test('storage versions and keys: events.k8s.io Events live under the core events prefix', () => {
  const cases: [KindInfo, string, string][] = [
    [hpa1, 'autoscaling/v2', '/registry/autoscaling/horizontalpodautoscalers/ns/a'],
    [hpa2, 'autoscaling/v2', '/registry/autoscaling/horizontalpodautoscalers/ns/a'],
    [coreEv, 'v1', '/registry/core/events/ns/a'],
    [newEv, 'v1', '/registry/core/events/ns/a'],
  ];
  for (const [k, sv, key] of cases) {
    assert.equal(storageApiVersion(k), sv, `${k.group}/${k.version}`);
    assert.equal(storageKey(k, 'ns', 'a'), key);
  }
  assert.equal(storagePrefix(newEv), storagePrefix(coreEv));
  assert.equal(storagePrefix(newEv, 'ns'), '/registry/core/events/ns/');
  assert.equal(storageKindOf(newEv, builtinKinds), coreEv);
  assert.equal(storageKindOf(hpa1, builtinKinds), hpa2);
});

void test('only kinds served in another version than stored get a conversion', () => {
  for (const k of builtinKinds) {
    const converted = k === hpa1 || k === newEv;
    assert.equal(readConversion(k) !== undefined, converted, `${k.group}/${k.version}/${k.resource}`);
    assert.equal(storageConversion(k, builtinKinds) !== undefined, converted);
    if (!converted) assert.equal(fieldSelectorView(k, builtinKinds), undefined);
  }
});

void test('writes convert to the storage version with its defaults; reads convert back', () => {
  const sc = storageConversion(hpa1, builtinKinds)!;
  const stored = sc.toStorage({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'a' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'a' }, maxReplicas: 3 } });
  assert.equal(stored.apiVersion, 'autoscaling/v2');
  assert.equal(stored.spec.minReplicas, 1);
  assert.deepEqual(stored.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  const back = sc.fromStorage(stored);
  assert.equal(back.spec.targetCPUUtilizationPercentage, 80);
  assert.notEqual(sc.fromStorage(stored), back, 'fromStorage returns fresh objects');
  assert.equal(sc.shared(stored), sc.shared(stored), 'shared is memoized per stored object');
  assert.equal(sc.sharedJson(stored), JSON.stringify(sc.shared(stored)));
});

void test('field selectors of events.k8s.io read stored core Events through mapped labels', () => {
  const view = fieldSelectorView(newEv, builtinKinds)!;
  const stored = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'ns' }, involvedObject: { name: 'web', kind: 'Pod' }, reportingComponent: 'ctl', source: { component: 'kubelet' } };
  const cases: [string, string | undefined][] = [
    ['regarding.name', 'web'], ['regarding.kind', 'Pod'], ['regarding.uid', ''], ['reportingController', 'ctl'],
    ['metadata.name', 'e'], ['metadata.namespace', 'ns'], ['involvedObject.name', undefined], ['source', undefined],
  ];
  for (const [label, want] of cases) {
    assert.equal(view.supports(label), want !== undefined, label);
    assert.equal(view.get(stored, label), want, label);
  }
  const hpaView = fieldSelectorView(hpa1, builtinKinds)!;
  assert.equal(hpaView.supports('metadata.name'), true);
  assert.equal(hpaView.supports('spec.maxReplicas'), false);
  assert.equal(hpaView.get({ metadata: { name: 'h' } }, 'metadata.name'), 'h');
});
