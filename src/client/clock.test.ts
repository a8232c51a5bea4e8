/** Unit tests of FakeClock and the Clock sleep contract. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, MAX_TIMER_MS, realClock } from './clock.ts';

test('FakeClock.step fires due timers in time order, including timers set by fired timers', () => {
  const c = new FakeClock(1000);
  const fired: string[] = [];
  c.setTimeout(() => fired.push(`b@${c.now()}`), 20);
  c.setTimeout(() => { fired.push(`a@${c.now()}`); c.setTimeout(() => fired.push(`c@${c.now()}`), 5); }, 10);
  const gone = c.setTimeout(() => fired.push('cleared'), 15);
  c.clearTimeout(gone);
  c.step(19);
  assert.deepEqual(fired, ['a@1010', 'c@1015']);
  assert.equal(c.now(), 1019);
  c.step(1);
  assert.deepEqual(fired, ['a@1010', 'c@1015', 'b@1020']);
  assert.equal(c.pending, 0);
});

test('sleep resolves true when the time passes and false on abort', async () => {
  const c = new FakeClock();
  const p = c.sleep(100);
  c.step(100);
  assert.equal(await p, true);
  const ac = new AbortController();
  const q = c.sleep(100, ac.signal);
  ac.abort();
  assert.equal(await q, false);
  assert.equal(c.pending, 0, 'the aborted sleep cleared its timer');
  assert.equal(await realClock.sleep(10, AbortSignal.abort()), false);
});

test('realClock: a delay beyond Node\'s 2^31-1 ms limit does not fire at once; clearTimeout cancels it', async () => {
  let fired = false;
  const h = realClock.setTimeout(() => { fired = true; }, MAX_TIMER_MS * 2);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fired, false);
  realClock.clearTimeout(h);
  let short = false;
  realClock.setTimeout(() => { short = true; }, 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(short, true);
});
