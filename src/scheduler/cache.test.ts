import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../client/index.ts';
import { SchedulerCache } from './cache.ts';
import { newPodInfo } from './resources.ts';
import { makeNode, makePod } from './testing.ts';

test('assume, confirm by the informer, and requests are counted once', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  cache.addNode(makeNode('n1'));
  const pod = makePod('a', { cpu: '1' });
  cache.assumePod(newPodInfo(pod), 'n1');
  assert.equal(cache.isAssumed('default/a'), true);
  assert.equal(cache.nodeInfo('n1')?.requested.milliCPU, 1000);
  cache.finishBinding('default/a');
  cache.addPod({ ...pod, spec: { ...pod.spec, nodeName: 'n1' } });
  assert.equal(cache.isAssumed('default/a'), false);
  assert.equal(cache.nodeInfo('n1')?.requested.milliCPU, 1000);
  assert.equal(cache.nodeInfo('n1')?.pods.length, 1);
  assert.throws(() => cache.assumePod(newPodInfo(pod), 'n1'), /already in the cache/);
});

test('forget removes an assumed pod; an unconfirmed binding expires after the TTL', () => {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ clock, assumedTtlMs: 30_000 });
  cache.addNode(makeNode('n1'));
  cache.assumePod(newPodInfo(makePod('a', { cpu: '1' })), 'n1');
  cache.forgetPod('default/a');
  assert.equal(cache.nodeInfo('n1')?.requested.milliCPU, 0);
  cache.assumePod(newPodInfo(makePod('b', { cpu: '1' })), 'n1');
  clock.step(60_000);
  assert.deepEqual(cache.cleanupExpired(), [], 'no expiry before the binding finished');
  cache.finishBinding('default/b');
  clock.step(29_999);
  assert.deepEqual(cache.cleanupExpired(), []);
  clock.step(1);
  assert.deepEqual(cache.cleanupExpired(), ['default/b']);
  assert.equal(cache.nodeInfo('n1')?.pods.length, 0);
});

test('start runs expiry on the clock and stop leaves no timers', () => {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ clock, assumedTtlMs: 5000, cleanupPeriodMs: 1000 });
  cache.addNode(makeNode('n1'));
  const expired: string[] = [];
  cache.start((keys) => expired.push(...keys));
  cache.assumePod(newPodInfo(makePod('a')), 'n1');
  cache.finishBinding('default/a');
  clock.step(6000);
  assert.deepEqual(expired, ['default/a']);
  cache.stop();
  assert.equal(clock.pending, 0);
});

test('snapshot is incremental: unchanged NodeInfos are kept, changed ones re-cloned', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  cache.addNode(makeNode('n1'));
  cache.addNode(makeNode('n2'));
  const s1 = cache.updateSnapshot();
  assert.deepEqual(s1.nodes.map((n) => n.name), ['n1', 'n2']);
  const n1 = s1.get('n1');
  const n2 = s1.get('n2');
  cache.addPod(makePod('a', { nodeName: 'n2', cpu: '1' }));
  const s2 = cache.updateSnapshot();
  assert.equal(s2.get('n1'), n1, 'n1 untouched');
  assert.notEqual(s2.get('n2'), n2, 'n2 rebuilt');
  assert.equal(n2?.pods.length, 0, 'the old clone is not mutated');
  assert.equal(s2.get('n2')?.pods.length, 1);
  cache.removeNode(makeNode('n1'));
  assert.deepEqual(cache.updateSnapshot().nodes.map((n) => n.name), ['n2']);
  cache.removePod(makePod('a', { nodeName: 'n2' }));
  assert.equal(cache.updateSnapshot().get('n2')?.requested.milliCPU, 0);
});

test('snapshot affinity lists follow pods with (anti)affinity', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  cache.addNode(makeNode('n1'));
  cache.addNode(makeNode('n2'));
  const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { a: 'b' } } }] } };
  cache.addPod(makePod('a', { nodeName: 'n2', affinity: anti }));
  const s = cache.updateSnapshot();
  assert.deepEqual(s.havePodsWithAffinity.map((n) => n.name), ['n2']);
  assert.deepEqual(s.havePodsWithRequiredAntiAffinity.map((n) => n.name), ['n2']);
  cache.removePod(makePod('a', { nodeName: 'n2' }));
  assert.deepEqual(cache.updateSnapshot().havePodsWithAffinity, []);
});

test('a pod on an unknown node is kept until the node appears', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  cache.addPod(makePod('a', { nodeName: 'late', cpu: '2' }));
  assert.equal(cache.updateSnapshot().nodes.length, 0);
  cache.addNode(makeNode('late'));
  assert.equal(cache.updateSnapshot().get('late')?.requested.milliCPU, 2000);
});

test('snapshot lists nodes zone by zone in turn (node tree order)', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  for (const [name, zone] of [['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b1', 'b'], ['b2', 'b'], ['c1', 'c']]) {
    cache.addNode(makeNode(name, { labels: { 'topology.kubernetes.io/zone': zone } }));
  }
  assert.deepEqual(cache.updateSnapshot().nodes.map((n) => n.name), ['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  cache.removeNode(makeNode('b1'));
  cache.addNode(makeNode('c2', { labels: { 'topology.kubernetes.io/zone': 'c' } }));
  const s = cache.updateSnapshot();
  assert.deepEqual(s.nodes.map((n) => n.name), ['a1', 'b2', 'c1', 'a2', 'c2', 'a3']);
  assert.equal(s.get('c2'), s.nodes[4]);
  cache.addPod(makePod('p', { nodeName: 'a2' }));
  const s2 = cache.updateSnapshot();
  assert.equal(s2.nodes[3].pods.length, 1, 'a changed node is replaced in place');
});
