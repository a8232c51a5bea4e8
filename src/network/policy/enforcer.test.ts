/**
 * Unit: the enforcer's wiring with a FakeClient and a recording nft runner — the first ruleset is
 * applied on start, unchanged state is not re-applied, bursts of events coalesce, deletions lead to
 * the table's removal, a failing nft is retried, and `removeOnStop` cleans up on close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { FakeClient, RESOURCES } from '../../client/index.ts';
import { NETWORK_POLICIES, startNetworkPolicy } from './enforcer.ts';
import { removePolicyScript } from './render.ts';

const pod = (name: string, ip: string, rv: string): JsonObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'prod', name, labels: { app: name }, resourceVersion: rv }, spec: { nodeName: 'node-a', containers: [] }, status: { phase: 'Running', podIP: ip } });
const deny: JsonObject = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'prod', name: 'deny', resourceVersion: '5' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };

function fixture(): FakeClient {
  return new FakeClient()
    .seed(RESOURCES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } })
    .seed(RESOURCES.pods, pod('web', '10.0.0.5', '3'))
    .seed(NETWORK_POLICIES, deny);
}

async function until(fn: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('enforcer: applies on start, skips unchanged state, coalesces bursts, removes the table when nothing is isolated', async () => {
  const client = fixture();
  const scripts: string[] = [];
  const stop = new AbortController();
  const e = await startNetworkPolicy({ client, nodeName: 'node-a', nft: async (s) => { scripts.push(s); }, signal: stop.signal, removeOnStop: true });
  assert.equal(scripts.length, 1);
  assert.match(scripts[0], /10\.0\.0\.5 : jump ing_0/);
  assert.equal(e.applied, 1);

  // Ten no-op updates: nothing new reaches nft.
  for (let i = 0; i < 10; i++) client.emit(RESOURCES.pods, { type: 'MODIFIED', object: pod('web', '10.0.0.5', String(10 + i)) });
  await e.sync();
  assert.equal(scripts.length, 1);

  // A burst of real changes (three new pods) coalesces into fewer applies than events.
  for (let i = 0; i < 3; i++) client.emit(RESOURCES.pods, { type: 'ADDED', object: pod(`p${i}`, `10.0.0.${20 + i}`, String(30 + i)) });
  await until(() => scripts.at(-1)?.includes('10.0.0.22') === true);
  await e.sync();
  assert.ok(scripts.length >= 2 && scripts.length < 5, `coalesced: ${scripts.length} scripts`);
  assert.match(scripts.at(-1) as string, /10\.0\.0\.20 : jump ing_0, 10\.0\.0\.21 : jump ing_0, 10\.0\.0\.22 : jump ing_0/);

  client.emit(NETWORK_POLICIES, { type: 'DELETED', object: { ...deny, metadata: { ...deny.metadata, resourceVersion: '40' } } });
  await until(() => scripts.at(-1) === removePolicyScript());
  const n = scripts.length;
  await e.close();
  assert.equal(scripts.length, n + 1, 'removeOnStop runs the removal once more on close');
  assert.equal(scripts.at(-1), removePolicyScript());
  stop.abort();
});

test('enforcer: a failing nft is logged and retried until it succeeds', async () => {
  const client = fixture();
  let calls = 0;
  const errors: string[] = [];
  const stop = new AbortController();
  const e = await startNetworkPolicy({
    client, nodeName: 'node-a', signal: stop.signal,
    nft: async () => { calls++; if (calls === 1) throw new Error('nft exited with 1: boom'); },
    log: { info: () => undefined, error: (m, f) => errors.push(`${m} ${String(f?.error)}`) },
  });
  assert.equal(calls, 2);
  assert.equal(e.applied, 1);
  assert.deepEqual(errors, ['network policy: apply failed Error: nft exited with 1: boom']);
  stop.abort();
  await e.close();
});
