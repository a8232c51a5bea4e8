/**
 * Integration tests of `pods/eviction` with PodDisruptionBudgets over HTTPS with the real modules:
 * no budget, a budget that allows one disruption (taken, then 429), a budget not yet observed
 * (429 with Retry-After), dry run, Pending and unready pods, several budgets, a missing pod.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRealServer, type Client, type RealServer } from './test-support.ts';
import { EVICTION_BLOCKED, MULTIPLE_PDBS } from './pdb-eviction.ts';

const NS = 'default';
const PODS = `/api/v1/namespaces/${NS}/pods`;
const PDBS = `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`;

void describe('eviction honours PodDisruptionBudgets', () => {
  let real: RealServer;
  let c: Client;
  before(async () => { real = await startRealServer(); c = real.client; });
  after(async () => { await real.close(); });

  async function pod(name: string, app: string, state: 'running' | 'unready' | 'pending' = 'running'): Promise<void> {
    const r = await c.req('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(r.status, 201, r.text);
    if (state === 'pending') return;
    const status = { phase: 'Running', conditions: [{ type: 'Ready', status: state === 'running' ? 'True' : 'False' }] };
    const s = await c.req('PUT', `${PODS}/${name}/status`, { ...r.json, status });
    assert.equal(s.status, 200, s.text);
  }

  async function pdb(name: string, app: string, status: Record<string, unknown>): Promise<void> {
    const r = await c.req('POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 2, selector: { matchLabels: { app } } } });
    assert.equal(r.status, 201, r.text);
    const s = await c.req('PUT', `${PDBS}/${name}/status`, { ...r.json, status: { observedGeneration: 1, expectedPods: 3, ...status } });
    assert.equal(s.status, 200, s.text);
  }

  const evict = (name: string, query = '', deleteOptions?: Record<string, unknown>) =>
    c.req('POST', `${PODS}/${name}/eviction${query}`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS }, ...(deleteOptions ? { deleteOptions } : {}) });
  const exists = async (name: string): Promise<boolean> => (await c.req('GET', `${PODS}/${name}`)).status === 200;

  void test('without a budget the pod is deleted', async () => {
    await pod('free', 'free');
    const r = await evict('free');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.status, 'Success');
    assert.equal(await exists('free'), false);
  });

  void test('a budget allowing one disruption: the first eviction takes it, the second gets 429', async () => {
    await pod('web-1', 'web'); await pod('web-2', 'web');
    await pdb('web', 'web', { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2 });
    const dry = await evict('web-1', '?dryRun=All');
    assert.equal(dry.status, 201, dry.text);
    assert.equal(await exists('web-1'), true, 'dry run keeps the pod');
    assert.equal((await c.req('GET', `${PDBS}/web`)).json.status.disruptionsAllowed, 1, 'dry run keeps the budget');
    const first = await evict('web-1');
    assert.equal(first.status, 201, first.text);
    assert.equal(await exists('web-1'), false);
    const st = (await c.req('GET', `${PDBS}/web`)).json.status;
    assert.equal(st.disruptionsAllowed, 0);
    assert.ok(st.disruptedPods['web-1']);
    assert.equal(st.conditions.find((x: { type: string }) => x.type === 'DisruptionAllowed').status, 'False');
    // The PDB controller would now report 2 healthy of 2 desired.
    const cur = (await c.req('GET', `${PDBS}/web`)).json;
    await c.req('PUT', `${PDBS}/web/status`, { ...cur, status: { ...cur.status, currentHealthy: 2 } });
    const second = await evict('web-2');
    assert.equal(second.status, 429, second.text);
    assert.equal(second.json.reason, 'TooManyRequests');
    assert.equal(second.json.message, EVICTION_BLOCKED);
    assert.deepEqual(second.json.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }]);
    assert.equal(second.headers['retry-after'], undefined);
    assert.equal(await exists('web-2'), true);
  });

  void test('a budget whose generation is not observed yet is 429 with Retry-After 10', async () => {
    await pod('gen-1', 'gen');
    await pdb('gen', 'gen', { disruptionsAllowed: 1, observedGeneration: 0 });
    const r = await evict('gen-1');
    assert.equal(r.status, 429, r.text);
    assert.equal(r.headers['retry-after'], '10');
    assert.equal(r.json.details.retryAfterSeconds, 10);
    assert.match(r.json.details.causes[0].message, /still being processed/);
  });

  void test('Pending pods and unready pods of a healthy budget are evicted without taking a disruption', async () => {
    await pdb('blocked', 'blocked', { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3 });
    await pod('blocked-pending', 'blocked', 'pending');
    assert.equal((await evict('blocked-pending')).status, 201);
    await pod('blocked-unready', 'blocked', 'unready');
    const r = await evict('blocked-unready');
    assert.equal(r.status, 201, r.text);
    assert.equal((await c.req('GET', `${PDBS}/blocked`)).json.status.disruptionsAllowed, 0);
    await pod('blocked-ready', 'blocked');
    assert.equal((await evict('blocked-ready')).status, 429);
  });

  void test('several budgets selecting the pod are refused with upstream\'s Status', async () => {
    await pod('two-1', 'two');
    await pdb('two-a', 'two', { disruptionsAllowed: 5 });
    await pdb('two-b', 'two', { disruptionsAllowed: 5 });
    const r = await evict('two-1');
    assert.equal(r.status, 500);
    assert.equal(r.json.status, 'Failure');
    assert.equal(r.json.message, MULTIPLE_PDBS);
    assert.equal(await exists('two-1'), true);
  });

  void test('a missing pod is 404', async () => {
    const r = await evict('nope');
    assert.equal(r.status, 404);
    assert.equal(r.json.reason, 'NotFound');
  });
});
