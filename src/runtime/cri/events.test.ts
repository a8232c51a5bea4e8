/** @module runtime/cri/events.test — state diffs → container events, and the poller's lifecycle with injected timers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, ContainerEvent, ContainerState } from '../types.ts';
import { ContainerEventPoller, diffContainers, type ContainerSnapshot, type PollTimers } from './events.ts';

const ctr = (id: string, state: ContainerState): Container => ({
  id, podSandboxId: 's', metadata: { name: id, attempt: 0 }, image: { image: 'i' }, imageRef: 'r', state, createdAt: 1, labels: {}, annotations: {},
});
const snap = (entries: [string, ContainerState][]): Map<string, ContainerSnapshot> => new Map(entries.map(([id, state]) => [id, { podSandboxId: 's', state }]));

test('diffContainers', async (t) => {
  const cases: { name: string; prev: [string, ContainerState][]; next: Container[]; want: [string, string][] }[] = [
    { name: 'nothing changed', prev: [['a', 'RUNNING']], next: [ctr('a', 'RUNNING')], want: [] },
    { name: 'new created', prev: [], next: [ctr('a', 'CREATED')], want: [['a', 'CREATED']] },
    { name: 'new running', prev: [], next: [ctr('a', 'RUNNING')], want: [['a', 'CREATED'], ['a', 'STARTED']] },
    { name: 'new and already exited', prev: [], next: [ctr('a', 'EXITED')], want: [['a', 'CREATED'], ['a', 'STOPPED']] },
    { name: 'started', prev: [['a', 'CREATED']], next: [ctr('a', 'RUNNING')], want: [['a', 'STARTED']] },
    { name: 'stopped', prev: [['a', 'RUNNING']], next: [ctr('a', 'EXITED')], want: [['a', 'STOPPED']] },
    { name: 'deleted', prev: [['a', 'EXITED'], ['b', 'RUNNING']], next: [ctr('b', 'RUNNING')], want: [['a', 'DELETED']] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const events = diffContainers(snap(c.prev), c.next, 42);
      assert.deepEqual(events.map((e) => [e.containerId, e.type]), c.want);
      assert.ok(events.every((e) => e.createdAt === 42 && e.podSandboxId === 's'));
    });
  }
});

class FakeTimers implements PollTimers {
  pending = new Map<number, () => void>();
  private next = 0;
  now(): number { return 1000; }
  setTimeout(fn: () => void): unknown { this.pending.set(++this.next, fn); return this.next; }
  clearTimeout(h: unknown): void { this.pending.delete(h as number); }
  async fire(): Promise<void> {
    const fns = [...this.pending.values()];
    this.pending.clear();
    for (const f of fns) f();
    await new Promise((r) => setImmediate(r));
  }
}

test('ContainerEventPoller polls only while subscribed and skips failed polls', async () => {
  let current: Container[] = [ctr('a', 'RUNNING')];
  let fail = false;
  let calls = 0;
  const timers = new FakeTimers();
  const poller = new ContainerEventPoller(async () => {
    calls++;
    if (fail) throw new Error('unavailable');
    return current;
  }, 1000, timers);
  const got: ContainerEvent[] = [];
  const off = poller.subscribe((e) => got.push(e));
  await new Promise((r) => setImmediate(r));
  assert.equal(calls, 1);
  assert.equal(got.length, 0, 'the first poll is a baseline');
  current = [ctr('a', 'EXITED'), ctr('b', 'CREATED')];
  await timers.fire();
  assert.deepEqual(got.map((e) => `${e.containerId}:${e.type}`), ['a:STOPPED', 'b:CREATED']);
  fail = true;
  await timers.fire();
  fail = false;
  current = [ctr('b', 'RUNNING')];
  await timers.fire();
  assert.deepEqual(got.slice(2).map((e) => `${e.containerId}:${e.type}`), ['b:STARTED', 'a:DELETED']);
  off();
  assert.equal(timers.pending.size, 0, 'no timer left after the last listener left');
  const before = calls;
  await timers.fire();
  assert.equal(calls, before);
});
