import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAssigned, nodeSchedulingPropertiesChanged } from './scheduler.ts';
import { makeNode, makePod } from './testing.ts';

test('isAssigned: bound and not terminal', () => {
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['pending', {}, false], ['bound', { nodeName: 'n' }, true], ['succeeded', { nodeName: 'n', phase: 'Succeeded' }, false], ['failed', { nodeName: 'n', phase: 'Failed' }, false],
  ];
  for (const [name, c, want] of cases) {
    const p = makePod('p', { nodeName: c.nodeName as string | undefined });
    if (c.phase) p.status = { phase: c.phase };
    assert.equal(isAssigned(p), want, name);
  }
});

test('node updates that matter to scheduling are told from heartbeats', () => {
  const base = makeNode('n');
  const heartbeat = structuredClone(base);
  heartbeat.status.conditions[0].lastHeartbeatTime = '2026-01-01T00:00:10Z';
  heartbeat.metadata.resourceVersion = '7';
  assert.equal(nodeSchedulingPropertiesChanged(base, heartbeat), false);
  const tainted = structuredClone(base);
  tainted.spec.taints = [{ key: 'k', effect: 'NoSchedule' }];
  assert.equal(nodeSchedulingPropertiesChanged(base, tainted), true);
  const relabelled = structuredClone(base);
  relabelled.metadata.labels.zone = 'b';
  assert.equal(nodeSchedulingPropertiesChanged(base, relabelled), true);
  const notReady = structuredClone(base);
  notReady.status.conditions[0].status = 'False';
  assert.equal(nodeSchedulingPropertiesChanged(base, notReady), true);
  const bigger = structuredClone(base);
  bigger.status.allocatable.cpu = '8';
  assert.equal(nodeSchedulingPropertiesChanged(base, bigger), true);
});
