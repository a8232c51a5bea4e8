/**
 * Integration: the ReplicaSet and Deployment controllers against a real API server with the stub
 * kubelet. A Deployment of 6 becomes available; a rolling update A → B with maxUnavailable 1 /
 * maxSurge 1 never has fewer than 5 ready pods (sampled every 20 ms) and ends with 6 pods of B.
 * Recreate never runs old and new pods together; a standalone ReplicaSet adopts and releases
 * pods; minReadySeconds delays availability. Then the real kubectl (1.27 and 1.33) drives
 * `rollout status`, `history`, `undo`, `restart`, `pause`, `resume` and `scale` against the same server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../api/index.ts';
import { RESOURCES } from '../client/index.ts';
import { makeKubectl, type Kubectl } from '../../test/harness/kubectl.ts';
import { startHarness, type Harness } from './int-harness.ts';
import { newDeploymentController } from './deployment.ts';
import { newReplicaSetController } from './replicaset.ts';
import { isPodReady } from './workload.ts';

const NS = 'apps';
let h: Harness;
let dir: string;
let kubeconfig: string;

before(async () => {
  h = await startHarness({ controllers: (ctx) => [newReplicaSetController(ctx), newDeploymentController(ctx)] });
  await h.client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  dir = await mkdtemp(join(tmpdir(), 'windlass-deploy-'));
  kubeconfig = await h.kubeconfig(join(dir, 'kubeconfig'));
});

after(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

const deployment = (name: string, replicas: number, image: string): JsonObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

/** livePods are the deployment's pods (by label) that are not being deleted. */
async function livePods(name: string): Promise<JsonObject[]> {
  const list = await h.client.list(RESOURCES.pods, NS, { labelSelector: `app=${name}` });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp && (p.metadata?.ownerReferences as JsonObject[] | undefined)?.some((r) => r.kind === 'ReplicaSet'));
}

const imageOf = (p: JsonObject): string => String((p.spec?.containers as JsonObject[])[0].image);

/** rolledOut waits until the deployment has `replicas` ready pods, all of `image`, and a status that says so. */
async function rolledOut(name: string, replicas: number, image: string, timeoutMs = 20_000): Promise<void> {
  await h.eventually(`${name}: ${replicas} ready pods of ${image}`, async () => {
    const d = await h.client.get(RESOURCES.deployments, NS, name);
    const s = d.status ?? {};
    if (s.observedGeneration !== d.metadata?.generation || s.updatedReplicas !== replicas || s.availableReplicas !== replicas || s.replicas !== replicas) return false;
    const pods = await livePods(name);
    return pods.length === replicas && pods.every((p) => isPodReady(p) && imageOf(p) === image);
  }, timeoutMs);
}

async function setImage(name: string, image: string): Promise<void> {
  await h.client.patch(RESOURCES.deployments, NS, name, 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } });
}

async function replicaSets(name: string): Promise<JsonObject[]> {
  return (await h.client.list(RESOURCES.replicasets, NS, { labelSelector: `app=${name}` })).items;
}

test('a Deployment of 6 becomes available and rolls A → B never below 5 ready pods', async () => {
  await h.client.create(RESOURCES.deployments, NS, deployment('web', 6, 'registry.test/app:a'));
  await rolledOut('web', 6, 'registry.test/app:a');
  const d = await h.client.get(RESOURCES.deployments, NS, 'web');
  assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
  const conds = Object.fromEntries((d.status.conditions as JsonObject[]).map((c) => [c.type, c]));
  assert.equal(conds.Available.status, 'True');
  assert.equal(conds.Progressing.reason, 'NewReplicaSetAvailable');

  let minReady = Infinity;
  let maxLive = 0;
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const pods = await livePods('web');
      minReady = Math.min(minReady, pods.filter(isPodReady).length);
      maxLive = Math.max(maxLive, pods.length);
      samples++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    await setImage('web', 'registry.test/app:b');
    await rolledOut('web', 6, 'registry.test/app:b');
  } finally {
    sampling = false;
    await sampler;
  }
  assert.ok(samples > 5, `sampled ${samples} times`);
  assert.ok(minReady >= 5, `ready pods dropped to ${minReady}`);
  assert.ok(maxLive <= 7, `at most replicas + maxSurge live pods, saw ${maxLive}`);
  const rss = await replicaSets('web');
  assert.equal(rss.length, 2);
  const byRev = Object.fromEntries(rss.map((rs) => [rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], rs]));
  assert.equal(byRev['1'].spec.replicas, 0);
  assert.equal(byRev['2'].spec.replicas, 6);
  assert.equal(byRev['2'].metadata.labels['pod-template-hash'], byRev['2'].spec.selector.matchLabels['pod-template-hash']);
  const events = await h.client.list(RESOURCES.events, NS);
  assert.ok(events.items.some((e) => e.reason === 'ScalingReplicaSet' && e.source?.component === 'deployment-controller'
    && new RegExp(`^Scaled up replica set ${byRev['2'].metadata.name} to 1$`).test(String(e.message))), 'ScalingReplicaSet event');
});

test('Recreate: the old pods are gone before any new pod starts', async () => {
  const d = deployment('rec', 3, 'registry.test/app:a');
  d.spec.strategy = { type: 'Recreate' };
  await h.client.create(RESOURCES.deployments, NS, d);
  await rolledOut('rec', 3, 'registry.test/app:a');
  let mixed = false;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const list = await h.client.list(RESOURCES.pods, NS, { labelSelector: 'app=rec' });
      if (new Set(list.items.map(imageOf)).size > 1) mixed = true;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    await setImage('rec', 'registry.test/app:b');
    await rolledOut('rec', 3, 'registry.test/app:b');
  } finally {
    sampling = false;
    await sampler;
  }
  assert.equal(mixed, false, 'old and new pods never coexist (terminating ones included)');
});

test('a standalone ReplicaSet adopts a matching orphan and releases a pod relabelled away', async () => {
  await h.client.create(RESOURCES.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: NS, labels: { app: 'solo' } }, spec: { containers: [{ name: 'app', image: 'x' }] } });
  await h.eventually('the stray pod runs', async () => isPodReady(await h.client.get(RESOURCES.pods, NS, 'stray')));
  await new Promise((r) => setTimeout(r, 200)); // let the controllers' pod informer see it before the ReplicaSet appears
  await h.client.create(RESOURCES.replicasets, NS, {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'solo', namespace: NS },
    spec: { replicas: 2, selector: { matchLabels: { app: 'solo' } }, template: { metadata: { labels: { app: 'solo' } }, spec: { containers: [{ name: 'app', image: 'x' }] } } },
  });
  const rs = await h.eventually('solo has 2 ready replicas', async () => {
    const r = await h.client.get(RESOURCES.replicasets, NS, 'solo');
    return r.status?.readyReplicas === 2 && r.status?.observedGeneration === r.metadata?.generation ? r : undefined;
  });
  const stray = await h.client.get(RESOURCES.pods, NS, 'stray');
  assert.equal((stray.metadata?.ownerReferences as JsonObject[])?.[0]?.uid, rs.metadata?.uid, 'the orphan was adopted');
  assert.equal((await h.client.list(RESOURCES.pods, NS, { labelSelector: 'app=solo' })).items.length, 2, 'so only one pod was created');
  await h.client.patch(RESOURCES.pods, NS, 'stray', 'merge', { metadata: { labels: { app: 'gone' } } });
  await h.eventually('stray released and replaced', async () => {
    const p = await h.client.get(RESOURCES.pods, NS, 'stray');
    const solo = (await h.client.list(RESOURCES.pods, NS, { labelSelector: 'app=solo' })).items.filter((x) => !x.metadata?.deletionTimestamp);
    return !(p.metadata?.ownerReferences as JsonObject[] | undefined)?.length && solo.length === 2;
  });
});

test('minReadySeconds: pods count as available only after staying ready that long', async () => {
  const d = deployment('slow', 2, 'registry.test/app:a');
  d.spec.minReadySeconds = 2;
  const t0 = Date.now();
  await h.client.create(RESOURCES.deployments, NS, d);
  const ready = await h.eventually('2 ready, none available yet', async () => {
    const s = (await h.client.get(RESOURCES.deployments, NS, 'slow')).status;
    return s?.readyReplicas === 2 ? s : undefined;
  });
  if (Date.now() - t0 < 1500) assert.equal(ready.availableReplicas ?? 0, 0, 'not available before minReadySeconds');
  await rolledOut('slow', 2, 'registry.test/app:a');
  assert.ok(Date.now() - t0 >= 1000, 'availability waited for minReadySeconds (Ready times have seconds precision)');
  const rs = (await replicaSets('slow'))[0];
  assert.equal(rs.spec.minReadySeconds, 2);
});

for (const version of ['1.27', '1.33']) {
  test(`kubectl ${version}: rollout status, history, undo, restart, pause, resume and scale`, async () => {
    const name = `k${version.replace('.', '')}`;
    const kubectl: Kubectl = await makeKubectl(version, kubeconfig);
    const run = async (...args: string[]): Promise<string> => {
      const r = await kubectl.run(['-n', NS, ...args], { timeoutMs: 45_000 });
      assert.equal(r.code, 0, r.describe());
      return r.stdout;
    };
    try {
      await h.client.create(RESOURCES.deployments, NS, deployment(name, 3, 'registry.test/app:a'));
      assert.match(await run('rollout', 'status', `deployment/${name}`, '--timeout=30s'), new RegExp(`deployment "${name}" successfully rolled out`));
      await setImage(name, 'registry.test/app:b');
      assert.match(await run('rollout', 'status', `deployment/${name}`, '--timeout=30s'), /successfully rolled out/);
      await rolledOut(name, 3, 'registry.test/app:b');
      const history = await run('rollout', 'history', `deployment/${name}`);
      assert.match(history, /REVISION\s+CHANGE-CAUSE/);
      assert.match(history, /^1\s+<none>$/m);
      assert.match(history, /^2\s+<none>$/m);

      assert.match(await run('rollout', 'undo', `deployment/${name}`), /rolled back/);
      await rolledOut(name, 3, 'registry.test/app:a');
      const rss = await replicaSets(name);
      assert.equal(rss.length, 2, 'undo reuses the ReplicaSet of revision 1');
      const a = rss.find((rs) => (rs.spec.template.spec.containers as JsonObject[])[0].image === 'registry.test/app:a');
      assert.equal(a?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
      assert.equal(a?.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
      const history2 = await run('rollout', 'history', `deployment/${name}`);
      assert.match(history2, /^2\s+<none>$/m);
      assert.match(history2, /^3\s+<none>$/m);
      assert.doesNotMatch(history2, /^1\s/m);

      assert.match(await run('rollout', 'restart', `deployment/${name}`), /restarted/);
      assert.match(await run('rollout', 'status', `deployment/${name}`, '--timeout=30s'), /successfully rolled out/);
      await h.eventually('restart rolled out with a 4th revision', async () => {
        const sets = await replicaSets(name);
        const rev4 = sets.find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '4');
        return rev4?.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] !== undefined && rev4.status?.availableReplicas === 3;
      });

      assert.match(await run('rollout', 'pause', `deployment/${name}`), /paused/);
      await setImage(name, 'registry.test/app:c');
      await h.eventually('Progressing=Unknown DeploymentPaused', async () => {
        const d = await h.client.get(RESOURCES.deployments, NS, name);
        return (d.status?.conditions as JsonObject[] | undefined)?.some((c) => c.type === 'Progressing' && c.status === 'Unknown' && c.reason === 'DeploymentPaused');
      });
      await new Promise((r) => setTimeout(r, 500));
      assert.ok((await replicaSets(name)).every((rs) => (rs.spec.template.spec.containers as JsonObject[])[0].image !== 'registry.test/app:c'), 'no rollout while paused');
      assert.match(await run('rollout', 'resume', `deployment/${name}`), /resumed/);
      assert.match(await run('rollout', 'status', `deployment/${name}`, '--timeout=30s'), /successfully rolled out/);
      await rolledOut(name, 3, 'registry.test/app:c');

      assert.match(await run('scale', `deployment/${name}`, '--replicas=5'), /scaled/);
      assert.match(await run('rollout', 'status', `deployment/${name}`, '--timeout=30s'), /successfully rolled out/);
      await rolledOut(name, 5, 'registry.test/app:c');
      assert.match(await run('rollout', 'history', `deployment/${name}`, '--revision=5'), /registry\.test\/app:c/);

      // A slower rollout (minReadySeconds) lets `rollout status` print its progress lines from the status fields.
      await h.client.patch(RESOURCES.deployments, NS, name, 'strategic', { spec: { minReadySeconds: 1, template: { spec: { containers: [{ name: 'app', image: 'registry.test/app:d' }] } } } });
      const progress = await run('rollout', 'status', `deployment/${name}`, '--timeout=30s');
      assert.match(progress, new RegExp(`Waiting for deployment "${name}" rollout to finish: (\\d+ out of 5 new replicas have been updated|\\d+ old replicas are pending termination|\\d+ of 5 updated replicas are available)\\.\\.\\.`));
      assert.match(progress, /successfully rolled out/);
    } finally {
      await kubectl.cleanup();
    }
  });
}
