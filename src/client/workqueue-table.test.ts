/**
 * Table-driven scenarios of the work queue on a FakeClock: each case is a script of operations
 * (add, take = get the next key without waiting, done, retry = addRateLimited, forget, after =
 * addAfter, step = advance the clock) and the keys the queue hands out, in order. The rate
 * limiter is client-go's per-item exponential one (5 ms doubling) so the steps are exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.ts';
import { ItemExponentialFailureRateLimiter, WorkQueue } from './workqueue.ts';

type Op =
  | ['add', string] | ['take'] | ['done', string] | ['retry', string] | ['forget', string]
  | ['after', string, number] | ['step', number] | ['shutdown'];

interface Case { readonly name: string; readonly ops: readonly Op[]; readonly taken: readonly (string | null)[]; readonly len?: number }

const cases: Case[] = [
  { name: 'FIFO order', ops: [['add', 'a'], ['add', 'b'], ['add', 'c'], ['take'], ['take'], ['take']], taken: ['a', 'b', 'c'] },
  { name: 'duplicates coalesce while queued', ops: [['add', 'a'], ['add', 'b'], ['add', 'a'], ['take'], ['take'], ['take']], taken: ['a', 'b', null] },
  { name: 'a key re-added while processing waits for done, then comes back once', ops: [['add', 'a'], ['take'], ['add', 'a'], ['add', 'a'], ['take'], ['done', 'a'], ['take'], ['take']], taken: ['a', null, 'a', null] },
  { name: 'never handed out twice at once', ops: [['add', 'a'], ['take'], ['add', 'a'], ['add', 'b'], ['take'], ['take']], taken: ['a', 'b', null] },
  { name: 'retry waits 5 ms, then 10 ms', ops: [['add', 'a'], ['take'], ['retry', 'a'], ['done', 'a'], ['step', 4], ['take'], ['step', 1], ['take'], ['retry', 'a'], ['done', 'a'], ['step', 9], ['take'], ['step', 1], ['take']], taken: ['a', null, 'a', null, 'a'] },
  { name: 'forget resets the backoff', ops: [['retry', 'a'], ['step', 5], ['take'], ['done', 'a'], ['retry', 'a'], ['forget', 'a'], ['step', 10], ['take'], ['done', 'a'], ['retry', 'a'], ['step', 5], ['take']], taken: ['a', 'a', 'a'] },
  { name: 'addAfter: the earliest of several delays wins; a plain add is immediate', ops: [['after', 'a', 100], ['after', 'a', 50], ['step', 49], ['take'], ['step', 1], ['take'], ['done', 'a'], ['after', 'b', 100], ['add', 'b'], ['take']], taken: [null, 'a', 'b'] },
  { name: 'delayed adds keep their due order', ops: [['after', 'x', 30], ['after', 'y', 10], ['after', 'z', 20], ['step', 30], ['take'], ['take'], ['take']], taken: ['y', 'z', 'x'] },
  { name: 'shut down: queued keys drain, new adds are dropped', ops: [['add', 'a'], ['shutdown'], ['add', 'b'], ['take'], ['take']], taken: ['a', null], len: 0 },
];

/** take returns the next key if one is ready now, else null (without leaving a waiter behind). */
async function take(q: WorkQueue<string>): Promise<string | null> {
  if (q.len() === 0) return null;
  return (await q.get()) ?? null;
}

for (const c of cases) {
  test(`work queue: ${c.name}`, async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter<string>(5, 1000) });
    const taken: (string | null)[] = [];
    for (const op of c.ops) {
      switch (op[0]) {
        case 'add': q.add(op[1]); break;
        case 'take': taken.push(await take(q)); break;
        case 'done': q.done(op[1]); break;
        case 'retry': q.addRateLimited(op[1]); break;
        case 'forget': q.forget(op[1]); break;
        case 'after': q.addAfter(op[1], op[2]); break;
        case 'step': clock.step(op[1]); break;
        case 'shutdown': q.shutDown(); break;
      }
    }
    assert.deepEqual(taken, c.taken);
    if (c.len !== undefined) assert.equal(q.len(), c.len);
    q.shutDown();
  });
}
