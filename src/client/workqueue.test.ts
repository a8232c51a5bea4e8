/** Unit tests of the work queue and rate limiters on a FakeClock (no sleeping). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.ts';
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter, WorkQueue, defaultControllerRateLimiter } from './workqueue.ts';

test('add coalesces duplicates while waiting', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add('a'); q.add('b'); q.add('a');
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
});

test('a key being processed is not handed out again until done, then it is requeued once', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add('a');
  const k = await q.get();
  assert.equal(k, 'a');
  q.add('a'); q.add('a');
  assert.equal(q.len(), 0, 'not queued while processing');
  let second: string | undefined;
  void q.get().then((v) => { second = v; });
  await Promise.resolve();
  assert.equal(second, undefined, 'a waiting worker does not get the key being processed');
  q.done('a');
  await Promise.resolve();
  assert.equal(second, 'a');
  q.done('a');
  assert.equal(q.len(), 0);
});

test('get waits for an add; shutDown releases waiters with undefined and drops later adds', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  const waiting = q.get();
  q.add('x');
  assert.equal(await waiting, 'x');
  const w2 = q.get();
  q.shutDown();
  assert.equal(await w2, undefined);
  q.add('y');
  assert.equal(q.len(), 0);
  assert.equal(await q.get(), undefined);
});

test('addAfter fires on the clock; the earliest of two delays wins', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter('a', 1000);
  q.addAfter('a', 500);
  q.addAfter('a', 2000);
  clock.step(499);
  assert.equal(q.len(), 0);
  clock.step(1);
  assert.equal(q.len(), 1);
  assert.equal(q.waitingCount(), 0);
  clock.step(5000);
  assert.equal(q.len(), 1, 'the superseded timers do not add it again');
});

const cases: { name: string; failures: number; want: number }[] = [
  { name: 'first retry after 5 ms', failures: 0, want: 5 },
  { name: 'second after 10 ms', failures: 1, want: 10 },
  { name: 'eleventh after 5.12 s', failures: 10, want: 5120 },
  { name: 'capped at 1000 s', failures: 30, want: 1_000_000 },
];
for (const c of cases) {
  test(`exponential backoff: ${c.name}`, () => {
    const l = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    for (let i = 0; i < c.failures; i++) l.when('k');
    assert.equal(l.when('k'), c.want);
    assert.equal(l.numRequeues('k'), c.failures + 1);
    l.forget('k');
    assert.equal(l.when('k'), 5);
  });
}

test('token bucket: burst is free, then 1/qps apart; refills with time', () => {
  const clock = new FakeClock();
  const b = new BucketRateLimiter<string>(50, 300, clock);
  for (let i = 0; i < 300; i++) assert.equal(b.when(`k${i}`), 0);
  assert.equal(b.when('x'), 20);
  assert.equal(b.when('y'), 40);
  clock.step(1000);
  assert.equal(b.when('z'), 0);
});

test('default limiter is the max of both; addRateLimited delays on the clock; forget resets', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock, rateLimiter: defaultControllerRateLimiter(clock) });
  q.addRateLimited('a');
  q.addRateLimited('a');
  assert.equal(q.numRequeues('a'), 2);
  clock.step(4);
  assert.equal(q.len(), 0);
  clock.step(1);
  assert.equal(q.len(), 1, 'the earlier (5 ms) delay wins');
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
  const m = new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter(1, 100), new ItemExponentialFailureRateLimiter(3, 100));
  assert.equal(m.when('k'), 3);
});

test('shutDown cancels delayed adds', () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter('a', 100);
  q.shutDown();
  assert.equal(clock.pending, 0);
  clock.step(200);
  assert.equal(q.len(), 0);
});
