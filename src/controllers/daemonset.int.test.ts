/**
 * Integration: the DaemonSet controller against a real API server with the stub kubelet (which
 * binds by node affinity and taints) — a Linux-only and a Windows-only DaemonSet on two Linux and
 * two tainted Windows nodes each cover exactly their nodes, a Windows node added later gets its
 * pod, a node that stops qualifying loses its pod, a rolling update replaces every pod, and a pod
 * that keeps failing is replaced with a growing backoff.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { RESOURCES } from '../client/index.ts';
import { readyNode, startHarness, type Harness } from './int-harness.ts';
import { newDaemonSetController } from './daemonset.ts';

const NS = 'ds';
const WIN_TAINT = [{ key: 'os', value: 'windows', effect: 'NoSchedule' }];
const LINUX = { 'kubernetes.io/os': 'linux' };
const WINDOWS = { 'kubernetes.io/os': 'windows' };
let h: Harness;

before(async () => {
  h = await startHarness({
    controllers: (ctx) => [newDaemonSetController(ctx)],
    nodes: { 'lin-1': LINUX, 'lin-2': LINUX, 'win-1': WINDOWS, 'win-2': WINDOWS },
    nodeTaints: { 'win-1': WIN_TAINT, 'win-2': WIN_TAINT },
    podExits: true,
  });
  await h.client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});

after(async () => { await h.close(); });

const daemonSet = (name: string, spec: JsonObject): JsonObject => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: NS },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image: `${name}:1` }], ...spec } },
  },
});

/** placement maps node (sorted) → how many live pods of the DaemonSet are bound there. */
async function placement(ds: string): Promise<Record<string, number>> {
  const pods = (await h.client.list(RESOURCES.pods, NS)).items.filter((p) => p.metadata?.labels?.app === ds && !p.metadata?.deletionTimestamp);
  const out: Record<string, number> = {};
  for (const p of pods) { const n = String(p.spec?.nodeName ?? '<unbound>'); out[n] = (out[n] ?? 0) + 1; }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

const settled = (ds: string, want: Record<string, number>) => async (): Promise<JsonObject | undefined> => {
  const got = await placement(ds);
  const s = await h.client.get(RESOURCES.daemonsets, NS, ds);
  const n = Object.keys(want).length;
  return JSON.stringify(got) === JSON.stringify(want) && s.status?.numberReady === n && s.status?.desiredNumberScheduled === n && s.status?.observedGeneration === s.metadata?.generation ? s : undefined;
};

test('daemonset: Linux-only and Windows-only DaemonSets cover exactly their nodes, including a Windows node added later', async () => {
  await h.client.create(RESOURCES.daemonsets, NS, daemonSet('lin-agent', { nodeSelector: LINUX }));
  await h.client.create(RESOURCES.daemonsets, NS, daemonSet('win-agent', { nodeSelector: WINDOWS, tolerations: [{ key: 'os', operator: 'Equal', value: 'windows', effect: 'NoSchedule' }] }));
  const lin = await h.eventually('linux DS on lin-1, lin-2', settled('lin-agent', { 'lin-1': 1, 'lin-2': 1 }));
  const win = await h.eventually('windows DS on win-1, win-2', settled('win-agent', { 'win-1': 1, 'win-2': 1 }));
  for (const s of [lin, win]) {
    assert.equal(s.status?.currentNumberScheduled, 2);
    assert.equal(s.status?.updatedNumberScheduled, 2);
    assert.equal(s.status?.numberMisscheduled, 0);
    assert.equal(s.status?.numberAvailable, 2);
    assert.equal(s.status?.numberUnavailable, 0);
  }
  const pod = (await h.client.list(RESOURCES.pods, NS)).items.find((p) => p.metadata?.labels?.app === 'win-agent');
  assert.ok(pod);
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  assert.deepEqual(terms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [pod.spec?.nodeName] }] }], 'pinned by node affinity, bound by the scheduler');
  const keys = (pod.spec?.tolerations as JsonObject[]).map((t) => `${String(t.key)}:${String(t.effect)}`);
  for (const k of ['os:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unschedulable:NoSchedule']) assert.ok(keys.includes(k), k);
  const revs = (await h.client.list(RESOURCES.controllerrevisions, NS)).items;
  assert.equal(revs.length, 2, 'one revision per DaemonSet');
  assert.equal(pod.metadata?.labels?.['controller-revision-hash'], revs.find((r) => r.metadata?.name?.startsWith('win-agent-'))?.metadata?.labels?.['controller-revision-hash']);

  await h.client.create(RESOURCES.nodes, '', readyNode('win-3', WINDOWS, WIN_TAINT));
  await h.eventually('windows DS on win-3', settled('win-agent', { 'win-1': 1, 'win-2': 1, 'win-3': 1 }));
  assert.deepEqual(await placement('lin-agent'), { 'lin-1': 1, 'lin-2': 1 }, 'the Linux DaemonSet stays off Windows nodes');
});

test('daemonset: a node that stops matching loses its pod; a new label brings it back', async () => {
  await h.client.patch(RESOURCES.nodes, '', 'lin-2', 'merge', { metadata: { labels: { 'kubernetes.io/os': 'plan9' } } });
  await h.eventually('linux DS only on lin-1', settled('lin-agent', { 'lin-1': 1 }));
  await h.client.patch(RESOURCES.nodes, '', 'lin-2', 'merge', { metadata: { labels: { 'kubernetes.io/os': 'linux' } } });
  await h.eventually('linux DS back on lin-2', settled('lin-agent', { 'lin-1': 1, 'lin-2': 1 }));
});

test('daemonset: a rolling update replaces every pod with the new revision', async () => {
  const old = await h.client.get(RESOURCES.daemonsets, NS, 'lin-agent');
  await h.client.patch(RESOURCES.daemonsets, NS, 'lin-agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'lin-agent:2' }] } } } });
  const s = await h.eventually('rolled out', async () => {
    const d = await settled('lin-agent', { 'lin-1': 1, 'lin-2': 1 })();
    return d && d.status?.updatedNumberScheduled === 2 && d.metadata?.generation !== old.metadata?.generation ? d : undefined;
  });
  const pods = (await h.client.list(RESOURCES.pods, NS)).items.filter((p) => p.metadata?.labels?.app === 'lin-agent' && !p.metadata?.deletionTimestamp);
  assert.deepEqual(pods.map((p) => p.spec?.containers?.[0]?.image), ['lin-agent:2', 'lin-agent:2']);
  assert.equal(s.status?.numberUnavailable, 0);
  const revs = (await h.client.list(RESOURCES.controllerrevisions, NS)).items.filter((r) => String(r.metadata?.name).startsWith('lin-agent-'));
  assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
  assert.deepEqual(h.errors.filter((e) => !/conflict|modified/i.test(e)), [], 'no controller errors other than update conflicts');
});

test('daemonset: a failed pod is deleted and recreated, each time after a longer backoff', async () => {
  const created: number[] = [];
  const stop = new AbortController();
  const watching = (async () => {
    try {
      for await (const ev of h.client.watch(RESOURCES.pods, NS, { signal: stop.signal, labelSelector: 'app=crashy' })) if (ev.type === 'ADDED') created.push(Date.now());
    } catch (e) {
      if (!stop.signal.aborted) throw e;
    }
  })();
  try {
    await h.client.create(RESOURCES.daemonsets, NS, daemonSet('crashy', { nodeSelector: { 'kubernetes.io/hostname': 'lin-1' }, containers: [{ name: 'agent', image: 'crashy:1', command: ['hollow-exit', '1'] }] }));
    await h.eventually('three failed pods replaced', () => created.length >= 4, 20_000);
  } finally {
    stop.abort();
    await watching;
  }
  const gaps = created.slice(1).map((t, i) => t - created[i]);
  // Backoff per node: the 1st failed pod goes at once, then after 1 s, then after 2 s.
  assert.ok(gaps[1] >= 900 && gaps[2] >= 1800, `gaps ${gaps.join(', ')} ms`);
  const events = (await h.client.list(RESOURCES.events, NS)).items.filter((e) => e.involvedObject?.name === 'crashy').map((e) => String(e.reason));
  assert.ok(events.filter((r) => r === 'FailedDaemonPod').length >= 2, events.join(','));
  assert.ok(events.includes('SuccessfulCreate'));
  const s = await h.client.get(RESOURCES.daemonsets, NS, 'crashy');
  assert.equal(s.status?.desiredNumberScheduled, 1);
});
