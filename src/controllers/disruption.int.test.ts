/**
 * @module controllers/disruption.int.test — the disruption controller against a real API server
 * and the stub kubelet: a PDB with minAvailable 2 over three Ready pods allows one disruption, and
 * none once a pod is not Ready.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { RESOURCES } from '../client/index.ts';
import { newDisruptionController } from './disruption.ts';
import { startHarness } from './int-harness.ts';

test('disruption controller against a real API server', async (t) => {
  const h = await startHarness({ controllers: (ctx) => [newDisruptionController(ctx)] });
  t.after(() => { if (process.env.SHOW_ERRORS) console.log(h.errors.join('\n')); return h.close(); });
  for (const n of ['db-0', 'db-1', 'db-2']) {
    await h.client.create(RESOURCES.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: n, namespace: 'default', labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'postgres' }] } });
  }
  await h.client.create(RESOURCES.poddisruptionbudgets, 'default', {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db', namespace: 'default' },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'db' } } },
  });

  await t.test('minAvailable 2 over three Ready pods allows one disruption', async () => {
    const pdb = await h.eventually('pdb status', async () => {
      const p = await h.client.get(RESOURCES.poddisruptionbudgets, 'default', 'db');
      return p.status?.currentHealthy === 3 ? p : undefined;
    });
    assert.equal(pdb.status.disruptionsAllowed, 1);
    assert.equal(pdb.status.desiredHealthy, 2);
    assert.equal(pdb.status.expectedPods, 3);
    assert.equal(pdb.status.observedGeneration, pdb.metadata.generation);
    const c = (pdb.status.conditions as JsonObject[]).find((x) => x.type === 'DisruptionAllowed');
    assert.equal(c?.status, 'True');
    assert.equal(c?.reason, 'SufficientPods');
  });

  await t.test('one pod not Ready: no disruption allowed', async () => {
    const p = await h.client.get(RESOURCES.pods, 'default', 'db-0');
    const conditions = (p.status.conditions as JsonObject[]).map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
    await h.client.patch(RESOURCES.pods, 'default', 'db-0', 'merge', { status: { conditions } }, { subresource: 'status' });
    const pdb = await h.eventually('pdb insufficient', async () => {
      const x = await h.client.get(RESOURCES.poddisruptionbudgets, 'default', 'db');
      return x.status?.currentHealthy === 2 ? x : undefined;
    });
    assert.equal(pdb.status.disruptionsAllowed, 0);
    assert.equal((pdb.status.conditions as JsonObject[]).find((x) => x.type === 'DisruptionAllowed')?.reason, 'InsufficientPods');
  });
});
