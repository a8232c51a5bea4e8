import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { CycleState, SUCCESS, status } from '../framework.ts';
import type { Handle, NodeInfo, PodInfo, Status } from '../framework.ts';
import { makeListers, makeNodeInfo, makePodInfo, makeSnapshot } from './advanced-util.ts';
import { PREEMPTION_MESSAGES, newDefaultPreemption, pickCandidate, splitByPdb } from './default-preemption.ts';
import { newInterPodAffinity } from './inter-pod-affinity.ts';

const node = (name: string, cpu = '4'): JsonObject => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status: { allocatable: { cpu, memory: '8Gi', pods: '110' } } });
const pod = (name: string, priority: number, cpu: string, extra: { labels?: Record<string, string>; start?: string; spec?: JsonObject; status?: JsonObject; meta?: JsonObject } = {}): JsonObject => ({
  metadata: { name, namespace: 'default', labels: extra.labels ?? {}, ...extra.meta },
  spec: { priority, containers: [{ name: 'c', resources: { requests: { cpu } } }], ...extra.spec },
  status: { ...(extra.start ? { startTime: extra.start } : {}), ...extra.status },
});

const affinity = newInterPodAffinity();

/** fakeHandle: filters are "CPU fits" plus InterPodAffinity (off when its PreFilter said Skip, as the runner does); writes are recorded. */
function fakeHandle(nodes: NodeInfo[], pdbs: JsonObject[] = []): { h: Handle; writes: string[]; skipAffinity: (skip: boolean) => void } {
  const writes: string[] = [];
  let affinityOff = false;
  const snapshot = makeSnapshot(nodes);
  const h: Handle = {
    snapshot: () => snapshot,
    listers: makeListers({ pdbs }),
    runFilters(cs: CycleState, pi: PodInfo, ni: NodeInfo): Status {
      if (ni.requested.milliCPU + pi.requests.milliCPU > ni.allocatable.milliCPU) return status('Unschedulable', 'Insufficient cpu');
      return affinityOff ? SUCCESS : affinity.filter(cs, pi, ni);
    },
    runPreFilterAddPod: (cs, pi, other, ni) => affinity.addPod!(cs, pi, other, ni),
    runPreFilterRemovePod: (cs, pi, other, ni) => affinity.removePod!(cs, pi, other, ni),
    deletePod: async (p) => { writes.push(`delete ${p.metadata.name}`); },
    patchPodStatus: async (p, s) => { writes.push(`patch ${p.metadata.name} ${JSON.stringify(s.nominatedNodeName !== undefined ? { nominatedNodeName: s.nominatedNodeName } : { conditions: s.conditions.map((c: JsonObject) => `${c.type}/${c.reason}`) })}`); },
    updatePv: async () => undefined,
    updatePvc: async () => undefined,
    now: () => Date.parse('2026-01-01T12:00:00Z'),
  };
  return { h, writes, skipAffinity: (skip) => { affinityOff = skip; } };
}

/** preempt runs the incoming pod's PreFilter + Filter like the core would, then PostFilter. */
async function preempt(placed: Record<string, JsonObject[]>, incoming: JsonObject, opts: { pdbs?: JsonObject[]; cpu?: Record<string, string>; writeNomination?: boolean } = {}) {
  const nodes = Object.entries(placed).map(([n, pods]) => makeNodeInfo(node(n, opts.cpu?.[n]), pods.map(makePodInfo)));
  const { h, writes, skipAffinity } = fakeHandle(nodes, opts.pdbs);
  const pi = makePodInfo(incoming);
  const cs = new CycleState();
  skipAffinity(affinity.preFilter(cs, pi, h.snapshot()).status.code === 'Skip');
  const statuses = new Map<string, Status>();
  for (const n of nodes) {
    const s = h.runFilters(cs, pi, n);
    if (s.code !== 'Success') statuses.set(n.name, s);
  }
  const res = await newDefaultPreemption({ random: () => 0, writeNomination: opts.writeNomination }).postFilter(cs, pi, statuses, h);
  return { res, writes, statuses };
}

test('DefaultPreemption: preemptionPolicy Never', async () => {
  const { res, writes } = await preempt({ n1: [pod('low', 0, '4')] }, pod('p', 10, '1', { spec: { preemptionPolicy: 'Never' } }));
  assert.deepEqual(res.status, status('Unschedulable', `preemption: ${PREEMPTION_MESSAGES.never}`));
  assert.deepEqual(writes, []);
});

test('DefaultPreemption: unresolvable nodes → preemption is not helpful', async () => {
  const { res } = await preempt({ n1: [pod('high', 100, '1')], n2: [pod('x', 0, '1')] }, pod('p', 10, '1', { spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'none' } }, topologyKey: 'kubernetes.io/hostname' }] } } } }));
  // The affinity filter is UnschedulableAndUnresolvable on both nodes → nothing to try.
  assert.deepEqual(res, { status: status('Unschedulable', `preemption: 0/2 nodes are available: 2 ${PREEMPTION_MESSAGES.notHelpful}.`), nominatedNodeName: '' });
});

test('DefaultPreemption: message histogram over checked and absent nodes', async () => {
  const nodes = { n1: [pod('high', 100, '4')], n2: [pod('high2', 100, '4')], n3: [pod('low', 0, '1')] };
  const { res } = await preempt(nodes, pod('p', 10, '8'), { cpu: { n3: '4' } });
  assert.deepEqual(res.status.reasons, [`preemption: 0/3 nodes are available: 1 Insufficient cpu, 2 ${PREEMPTION_MESSAGES.noVictims}.`]);
  assert.equal(res.nominatedNodeName, '');
});

test('DefaultPreemption: clears a stale nomination when preemption cannot help', async () => {
  const incoming = pod('p', 10, '1', { status: { nominatedNodeName: 'n1' }, spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'none' } }, topologyKey: 'zone' }] } } } });
  const { writes, res } = await preempt({ n1: [pod('low', 0, '1')] }, incoming, { writeNomination: true });
  assert.deepEqual(writes, ['patch p {"nominatedNodeName":null}']);
  assert.equal(res.nominatedNodeName, '');
  assert.deepEqual((await preempt({ n1: [pod('low', 0, '1')] }, incoming)).writes, [], 'by default the core clears it');
});

test('DefaultPreemption: removes lower-priority pods, reprieves the most important first', async () => {
  const placed = { n1: [pod('low', 1, '2'), pod('mid', 5, '1'), pod('high', 20, '1')] };
  const { res, writes } = await preempt(placed, pod('p', 10, '2'));
  assert.deepEqual(res, { status: SUCCESS, nominatedNodeName: 'n1' });
  assert.deepEqual(writes, ['patch low {"conditions":["DisruptionTarget/PreemptionByScheduler"]}', 'delete low']);
  const again = await preempt(placed, pod('p', 10, '2'), { writeNomination: true });
  assert.deepEqual(again.writes.at(-1), 'patch p {"nominatedNodeName":"n1"}');
});

test('DefaultPreemption: victims come out highest priority first when several are needed', async () => {
  const { writes } = await preempt({ n1: [pod('a', 1, '1'), pod('b', 3, '1'), pod('c', 2, '1'), pod('d', 4, '1')] }, pod('p', 10, '3'));
  assert.deepEqual(writes.filter((w) => w.startsWith('delete')), ['delete b', 'delete c', 'delete a']);
});

const pdb = (name: string, app: string, allowed: number): JsonObject =>
  ({ metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels: { app } } }, status: { disruptionsAllowed: allowed } });

test('DefaultPreemption: PDB-protected victims are reprieved first', async () => {
  const placed = { n1: [pod('guarded', 1, '2', { labels: { app: 'db' } }), pod('free', 1, '2', { labels: { app: 'web' } })] };
  const { writes } = await preempt(placed, pod('p', 10, '2'), { pdbs: [pdb('db', 'db', 0)] });
  assert.deepEqual(writes.filter((w) => w.startsWith('delete')), ['delete free']);
});

test('DefaultPreemption node choice', async (t) => {
  const cases: { name: string; placed: Record<string, JsonObject[]>; pdbs?: JsonObject[]; want: string }[] = [
    {
      name: 'fewest PDB violations beats lower priority',
      placed: { n1: [pod('a', 1, '4', { labels: { app: 'db' } })], n2: [pod('b', 5, '4', { labels: { app: 'web' } })] },
      pdbs: [pdb('db', 'db', 0)], want: 'n2',
    },
    { name: 'lowest highest-victim priority', placed: { n1: [pod('a', 5, '4')], n2: [pod('b', 3, '4')] }, want: 'n2' },
    { name: 'smallest priority sum', placed: { n1: [pod('a', 3, '2'), pod('b', 3, '2')], n2: [pod('c', 3, '2'), pod('d', 2, '2')] }, want: 'n2' },
    {
      name: 'latest start time of the top-priority victims',
      placed: { n1: [pod('a', 3, '4', { start: '2026-01-01T10:00:00Z' })], n2: [pod('b', 3, '4', { start: '2026-01-01T11:00:00Z' })] }, want: 'n2',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const { res } = await preempt(c.placed, pod('p', 10, '4'), { pdbs: c.pdbs });
      assert.equal(res.nominatedNodeName, c.want);
    });
  }
});

test('DefaultPreemption: anti-affinity to a low-priority pod is resolved through removePod', async () => {
  const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'noisy' } }, topologyKey: 'kubernetes.io/hostname' }] } };
  const { res, writes, statuses } = await preempt({ n1: [pod('noisy', 0, '1', { labels: { app: 'noisy' } })] }, pod('p', 10, '1', { spec: { affinity: anti } }));
  assert.equal(statuses.get('n1')?.code, 'Unschedulable');
  assert.equal(res.nominatedNodeName, 'n1');
  assert.ok(writes.includes('delete noisy'));
});

test('DefaultPreemption: a terminating preempted pod on the nominated node blocks another round', async () => {
  const victim = pod('low', 0, '4', { meta: { deletionTimestamp: '2026-01-01T11:59:00Z' }, status: { conditions: [{ type: 'DisruptionTarget', reason: 'PreemptionByScheduler', status: 'True' }] } });
  const { res, writes } = await preempt({ n1: [victim] }, pod('p', 10, '1', { status: { nominatedNodeName: 'n1' } }));
  assert.deepEqual(res.status.reasons, [`preemption: ${PREEMPTION_MESSAGES.terminating}`]);
  assert.deepEqual(writes, []);
});

test('splitByPdb: budgets are consumed per matching pod; disrupted pods and empty selectors do not count', () => {
  const pods = ['a', 'b', 'c'].map((n) => makePodInfo(pod(n, 0, '1', { labels: { app: 'db' } })));
  const pdbs = [pdb('one', 'db', 1), { metadata: { name: 'all', namespace: 'default' }, spec: { selector: {} }, status: { disruptionsAllowed: 0 } }];
  const r = splitByPdb(pods, () => pdbs);
  assert.deepEqual([r.violating.map((p) => p.pod.metadata.name), r.nonViolating.map((p) => p.pod.metadata.name)], [['b', 'c'], ['a']]);
  const disrupted = [{ ...pdb('one', 'db', 0), status: { disruptionsAllowed: 0, disruptedPods: { a: '2026-01-01T00:00:00Z' } } }];
  assert.deepEqual(splitByPdb(pods.slice(0, 1), () => disrupted).violating, []);
});

test('pickCandidate: full tie keeps the first candidate', () => {
  const v = makePodInfo(pod('a', 1, '1', { start: '2026-01-01T00:00:00Z' }));
  assert.equal(pickCandidate([{ node: 'x', victims: [v], pdbViolations: 0 }, { node: 'y', victims: [v], pdbViolations: 0 }], 0)?.node, 'x');
  assert.equal(pickCandidate([], 0), undefined);
});

test('DefaultPreemption: a victim already gone is fine; other API errors fail the PostFilter', async () => {
  const run = async (err: unknown): Promise<Status> => {
    const ni = makeNodeInfo(node('n1'), [makePodInfo(pod('low', 0, '4'))]);
    const { h, skipAffinity } = fakeHandle([ni]);
    const pi = makePodInfo(pod('p', 10, '1'));
    const cs = new CycleState();
    skipAffinity(affinity.preFilter(cs, pi, h.snapshot()).status.code === 'Skip');
    const handle: Handle = { ...h, deletePod: () => Promise.reject(err) };
    return (await newDefaultPreemption({ random: () => 0 }).postFilter(cs, pi, new Map([['n1', status('Unschedulable', 'Insufficient cpu')]]), handle)).status;
  };
  assert.equal((await run(Object.assign(new Error('pods "low" not found'), { code: 404 }))).code, 'Success');
  assert.deepEqual(await run(new Error('boom')), status('Error', 'boom'));
});

test('DefaultPreemption: uses the runner\'s runFiltersWithNominatedPods when the Handle has it', async () => {
  const ni = makeNodeInfo(node('n1'), [makePodInfo(pod('low', 0, '4'))]);
  const { h, skipAffinity } = fakeHandle([ni]);
  const pi = makePodInfo(pod('p', 10, '1'));
  const cs = new CycleState();
  skipAffinity(affinity.preFilter(cs, pi, h.snapshot()).status.code === 'Skip');
  let calls = 0;
  const handle = Object.assign({}, h, { runFiltersWithNominatedPods: (...a: Parameters<Handle['runFilters']>) => { calls++; return h.runFilters(...a); } });
  const r = await newDefaultPreemption({ random: () => 0 }).postFilter(cs, pi, new Map([['n1', status('Unschedulable', 'Insufficient cpu')]]), handle);
  assert.equal(r.nominatedNodeName, 'n1');
  assert.ok(calls >= 2);
});
