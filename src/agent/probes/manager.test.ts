/**
 * @module agent/probes/manager.test — the ProbeManager on a FakeClock with scripted probe results:
 * initial delay and period, success/failure thresholds, readiness false until the first success,
 * startup gating of liveness/readiness, liveness failure holding the worker, Unhealthy events with
 * the kubelet's wording, onChange on every flip, and no timers left after untrack/stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { EventRecorder, FakeClient, FakeClock } from '../../client/index.ts';
import { HollowRuntime } from '../../runtime/index.ts';
import { ProbeManager, probeTiming } from './manager.ts';
import type { ProbeResult } from './run.ts';

const POD: JsonObject = { metadata: { name: 'web', namespace: 'ns', uid: 'u1' } };

interface Rig {
  clock: FakeClock; client: FakeClient; pm: ProbeManager; changes: string[];
  /** calls: `<kind>@<seconds since start>` for each attempt. */
  calls: string[];
  advance(seconds: number): Promise<void>;
}

/** rig scripts each probe kind's results ('s' success, 'f' failure; the last one repeats). */
function rig(script: Record<string, string>): Rig {
  const clock = new FakeClock();
  const t0 = clock.now();
  const client = new FakeClient();
  const changes: string[] = [];
  const calls: string[] = [];
  const seen: Record<string, number> = {};
  const prober = async (probe: JsonObject): Promise<ProbeResult> => {
    const kind = String(probe.exec?.command?.[0]);
    calls.push(`${kind}@${(clock.now() - t0) / 1000}`);
    const s = script[kind] ?? 's';
    const i = Math.min(seen[kind] = (seen[kind] ?? -1) + 1, s.length - 1);
    return s[i] === 's' ? { result: 'success', output: '' } : { result: 'failure', output: kind === 'live' ? 'HTTP probe failed with statuscode: 500' : 'not yet' };
  };
  const events = new EventRecorder(client, clock, { info: () => undefined }, 'kubelet', 'n1');
  const pm = new ProbeManager({ runtime: new HollowRuntime({ podCidr: '10.0.0.0/24', clock }), clock, onChange: (k) => changes.push(k), events, prober });
  const flush = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };
  const advance = async (seconds: number): Promise<void> => {
    for (let i = 0; i < seconds; i++) { clock.step(1000); await flush(); }
  };
  return { clock, client, pm, changes, calls, advance };
}

const probe = (kind: string, extra: JsonObject = {}): JsonObject => ({ exec: { command: [kind] }, ...extra });

test('probeTiming applies the API defaults; liveness and startup force successThreshold 1', () => {
  assert.deepEqual(probeTiming({}, 'readiness'), { initialDelayMs: 0, periodMs: 10_000, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(probeTiming({ initialDelaySeconds: 5, periodSeconds: 2, timeoutSeconds: 3, successThreshold: 2, failureThreshold: 1 }, 'readiness'),
    { initialDelayMs: 5000, periodMs: 2000, timeoutSeconds: 3, successThreshold: 2, failureThreshold: 1 });
  assert.equal(probeTiming({ successThreshold: 4 }, 'liveness').successThreshold, 1);
});

const cases: {
  name: string; container: JsonObject; script: Record<string, string>; seconds: number;
  calls: string[]; ready: boolean | undefined; started: boolean | undefined; livenessFailed: boolean; changes: number; events: string[];
}[] = [
  {
    name: 'readiness waits for initialDelay, needs successThreshold successes, flips back after failureThreshold',
    container: { readinessProbe: probe('ready', { initialDelaySeconds: 5, periodSeconds: 10, successThreshold: 2, failureThreshold: 2 }) },
    script: { ready: 'sssff' }, seconds: 46,
    calls: ['ready@6', 'ready@16', 'ready@26', 'ready@36', 'ready@46'], ready: false, started: undefined, livenessFailed: false, changes: 2,
    events: ['Readiness probe failed: not yet', 'Readiness probe failed: not yet'],
  },
  {
    name: 'readiness is false until the first success',
    container: { readinessProbe: probe('ready', { periodSeconds: 5 }) },
    script: { ready: 'ffs' }, seconds: 11,
    calls: ['ready@1', 'ready@6', 'ready@11'], ready: true, started: undefined, livenessFailed: false, changes: 1,
    events: ['Readiness probe failed: not yet', 'Readiness probe failed: not yet'],
  },
  {
    name: 'liveness fails after failureThreshold and then holds',
    container: { livenessProbe: probe('live', { periodSeconds: 3, failureThreshold: 3 }) },
    script: { live: 'sfff' }, seconds: 30,
    calls: ['live@1', 'live@4', 'live@7', 'live@10'], ready: undefined, started: undefined, livenessFailed: true, changes: 1,
    events: Array(3).fill('Liveness probe failed: HTTP probe failed with statuscode: 500'),
  },
  {
    name: 'a failure streak shorter than the threshold does not fail liveness',
    container: { livenessProbe: probe('live', { periodSeconds: 1, failureThreshold: 3 }) },
    script: { live: 'ffsffs' }, seconds: 8,
    calls: ['live@1', 'live@2', 'live@3', 'live@4', 'live@5', 'live@6', 'live@7', 'live@8'], ready: undefined, started: undefined, livenessFailed: false, changes: 0,
    events: Array(4).fill('Liveness probe failed: HTTP probe failed with statuscode: 500'),
  },
  {
    name: 'the startup probe gates liveness and readiness and stops after success',
    container: { startupProbe: probe('start', { periodSeconds: 2, failureThreshold: 5 }), livenessProbe: probe('live', { periodSeconds: 4 }), readinessProbe: probe('ready', { periodSeconds: 4 }) },
    script: { start: 'ffs', live: 's', ready: 's' }, seconds: 10,
    calls: ['start@1', 'start@3', 'start@5', 'live@9', 'ready@9'], ready: true, started: true, livenessFailed: false, changes: 2,
    events: ['Startup probe failed: not yet', 'Startup probe failed: not yet'],
  },
  {
    name: 'a startup probe crossing failureThreshold fails the container like liveness',
    container: { startupProbe: probe('start', { periodSeconds: 1, failureThreshold: 2 }), readinessProbe: probe('ready') },
    script: { start: 'f' }, seconds: 10,
    calls: ['start@1', 'start@2'], ready: false, started: false, livenessFailed: true, changes: 1,
    events: ['Startup probe failed: not yet', 'Startup probe failed: not yet'],
  },
];

for (const c of cases) {
  test(`ProbeManager: ${c.name}`, async () => {
    const r = rig(c.script);
    // the container started 1 s from now, so attempts land on whole seconds after t0
    r.pm.track('ns/web', POD, { name: 'c', ...c.container }, 'cid-1', '10.0.0.5', r.clock.now() + 1000);
    await r.advance(c.seconds);
    assert.deepEqual(r.calls, c.calls);
    assert.equal(r.pm.ready('cid-1'), c.ready);
    assert.equal(r.pm.started('cid-1'), c.started);
    assert.equal(r.pm.livenessFailed('cid-1'), c.livenessFailed);
    assert.deepEqual(r.changes, Array(c.changes).fill('ns/web'));
    await new Promise((res) => setImmediate(res));
    const evs = r.client.actions.filter((a) => a.verb === 'create' && a.resource === 'events').map((a) => a.object);
    // Occurrences: each created Event, and each repeat counted on one (the recorder patches count).
    const occurrences = r.client.actions.filter((a) => a.resource === 'events')
      .map((a) => (a.verb === 'create' ? a.object : evs.find((e) => e?.metadata?.name === a.name))?.message);
    assert.deepEqual(occurrences, c.events);
    for (const e of evs) {
      assert.equal(e?.reason, 'Unhealthy');
      assert.equal(e?.type, 'Warning');
      assert.equal(e?.source?.component, 'kubelet');
      assert.equal(e?.involvedObject?.name, 'web');
    }
    r.pm.stop();
    assert.equal(r.clock.pending, 0);
    assert.equal(r.pm.ready('cid-1'), undefined, 'untracked containers are unknown');
  });
}

test('untrack, untrackPod and containers without probes leave no timers', async () => {
  const r = rig({});
  r.pm.track('ns/web', POD, { name: 'plain' }, 'cid-0', '10.0.0.5', r.clock.now());
  assert.deepEqual(r.pm.tracked(), []);
  assert.equal(r.pm.ready('cid-0'), undefined);
  assert.equal(r.pm.livenessFailed('cid-0'), false);
  r.pm.track('ns/web', POD, { name: 'a', readinessProbe: probe('ready') }, 'cid-1', '10.0.0.5', r.clock.now());
  r.pm.track('ns/web', POD, { name: 'a', readinessProbe: probe('ready') }, 'cid-1', '10.0.0.5', r.clock.now()); // again: no-op
  r.pm.track('ns/web', POD, { name: 'b', livenessProbe: probe('live') }, 'cid-2', '10.0.0.5', r.clock.now());
  r.pm.track('ns/other', { metadata: { name: 'other', namespace: 'ns' } }, { name: 'c', livenessProbe: probe('live') }, 'cid-3', '10.0.0.6', r.clock.now());
  assert.equal(r.clock.pending, 3);
  r.pm.untrack('cid-3');
  assert.deepEqual(r.pm.tracked().sort(), ['cid-1', 'cid-2']);
  await r.advance(1);
  assert.equal(r.pm.ready('cid-1'), true);
  r.pm.untrackPod('ns/web');
  assert.deepEqual(r.pm.tracked(), []);
  assert.equal(r.clock.pending, 0);
  await r.advance(30);
  assert.equal(r.calls.length, 2, 'no attempts after untrack');
});
