/** Unit tests of leader election against the recording FakeClient on a FakeClock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.ts';
import { FakeClient } from './fake.ts';
import { LeaderElector, microTime } from './leader-election.ts';
import { RESOURCES } from './resources.ts';

const flush = async (): Promise<void> => { for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r)); };

test('microTime has microsecond precision', () => {
  assert.equal(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05.678000Z');
});

test('acquire by create; another candidate waits for leaseDuration on its own clock, then takes over', async () => {
  const client = new FakeClient();
  const clockA = new FakeClock();
  const clockB = new FakeClock(clockA.now() + 3_600_000); // B's wall clock is an hour off: it must not matter
  const a = new LeaderElector({ client, namespace: 'kube-system', name: 'ctrl', identity: 'a', clock: clockA });
  const b = new LeaderElector({ client, namespace: 'kube-system', name: 'ctrl', identity: 'b', clock: clockB });
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.deepEqual(client.verbs(), ['get leases kube-system/ctrl', 'create leases kube-system/ctrl']);
  assert.equal(await b.tryAcquireOrRenew(), false);
  assert.equal(b.leader, 'a');
  clockB.step(14_000);
  assert.equal(await b.tryAcquireOrRenew(), false, 'not yet expired by B\'s observation');
  clockB.step(1_000);
  assert.equal(await b.tryAcquireOrRenew(), true);
  const lease = await client.get(RESOURCES.leases, 'kube-system', 'ctrl');
  assert.equal(lease.spec.holderIdentity, 'b');
  assert.equal(lease.spec.leaseTransitions, 1);
  assert.equal(lease.spec.leaseDurationSeconds, 15);
  assert.equal(await a.tryAcquireOrRenew(), false, 'a sees b holding a fresh lease');
});

test('run: leads, renews every retryPeriod, releases on cancel', async () => {
  const client = new FakeClient();
  const clock = new FakeClock();
  const e = new LeaderElector({ client, namespace: 'kube-system', name: 'ctrl', identity: 'me', clock });
  const stop = new AbortController();
  let leading: AbortSignal | undefined;
  let stopped = 0;
  const run = e.run(stop.signal, { onStartedLeading: (s) => { leading = s; }, onStoppedLeading: () => { stopped++; } });
  await flush();
  assert.ok(leading && !leading.aborted);
  assert.equal(e.isLeader(), true);
  clock.step(2_000);
  await flush();
  const renewed = await client.get(RESOURCES.leases, 'kube-system', 'ctrl');
  assert.equal(renewed.spec.renewTime, microTime(clock.now()));
  stop.abort();
  await run;
  assert.equal(leading.aborted, true);
  assert.equal(stopped, 1);
  const released = await client.get(RESOURCES.leases, 'kube-system', 'ctrl');
  assert.equal(released.spec.holderIdentity, undefined);
  assert.equal(clock.pending, 0);
});

test('run: loses leadership when renewals fail past renewDeadline', async () => {
  const client = new FakeClient();
  const clock = new FakeClock();
  let failing = false;
  client.react((a) => { if (failing && a.verb === 'get') throw new Error('apiserver unreachable'); return undefined; });
  const e = new LeaderElector({ client, namespace: 'kube-system', name: 'ctrl', identity: 'me', clock, releaseOnCancel: false });
  const stop = new AbortController();
  let leading: AbortSignal | undefined;
  const run = e.run(stop.signal, { onStartedLeading: (s) => { leading = s; } });
  await flush();
  failing = true;
  for (let i = 0; i < 4; i++) { clock.step(2_000); await flush(); }
  assert.equal(leading?.aborted, false, '8 s without renewal: still leading');
  clock.step(2_000);
  await flush();
  assert.equal(leading?.aborted, true, '10 s: gave up');
  stop.abort();
  await run;
});
