/**
 * Compatibility: the real kubectl's `rollout status / history / undo` and `set image` on a
 * StatefulSet and a DaemonSet run by these controllers (ControllerRevision history) against a real
 * API server with the stub kubelet.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../api/index.ts';
import { RESOURCES } from '../client/index.ts';
import { makeKubectl, REQUIRED_KUBECTL_VERSIONS, type Kubectl } from '../../test/harness/kubectl.ts';
import { newDaemonSetController } from './daemonset.ts';
import { startHarness, type Harness } from './int-harness.ts';
import { newStatefulSetController } from './statefulset.ts';

const NS = 'roll';
let h: Harness;
let dir: string;
const kubectls = new Map<string, Kubectl>();

before(async () => {
  h = await startHarness({ controllers: (ctx) => [newStatefulSetController(ctx), newDaemonSetController(ctx)] });
  dir = await mkdtemp(join(tmpdir(), 'windlass-rollout-'));
  const kubeconfig = await h.kubeconfig(join(dir, 'kubeconfig'));
  for (const v of REQUIRED_KUBECTL_VERSIONS) kubectls.set(v, await makeKubectl(v, kubeconfig));
  await h.client.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});

after(async () => {
  for (const k of kubectls.values()) await k.cleanup();
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

const spec = (name: string): JsonObject => ({
  selector: { matchLabels: { app: name } },
  template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: `${name}:1` }] } },
});

async function ok(version: string, args: string[]): Promise<string> {
  const r = await kubectls.get(version)!.run(['-n', NS, ...args], { timeoutMs: 40_000 });
  assert.equal(r.code, 0, r.describe());
  return r.stdout;
}

for (const version of REQUIRED_KUBECTL_VERSIONS) for (const kind of ['statefulset', 'daemonset'] as const) {
  test(`kubectl ${version} rollout status / set image / history / undo on a ${kind}`, async () => {
    const name = `${kind === 'statefulset' ? 'db' : 'agent'}-v${version.replace('.', '')}`;
    if (kind === 'statefulset') await h.client.create(RESOURCES.statefulsets, NS, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: NS }, spec: { ...spec(name), replicas: 2, serviceName: name } });
    else await h.client.create(RESOURCES.daemonsets, NS, { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: NS }, spec: spec(name) });
    assert.match(await ok(version, ['rollout', 'status', `${kind}/${name}`, '--timeout=30s']), /complete|successfully rolled out/);
    await ok(version, ['set', 'image', `${kind}/${name}`, `c=${name}:2`]);
    assert.match(await ok(version, ['rollout', 'status', `${kind}/${name}`, '--timeout=30s']), /complete|successfully rolled out/);
    const history = await ok(version, ['rollout', 'history', `${kind}/${name}`]);
    assert.match(history, /^REVISION\s+CHANGE-CAUSE$/m, history);
    assert.match(history, /^1\s/m, history);
    assert.match(history, /^2\s/m, history);
    const rev1 = await ok(version, ['rollout', 'history', `${kind}/${name}`, '--revision=1']);
    assert.match(rev1, new RegExp(`Image:\\s+${name}:1`), rev1);
    assert.match(await ok(version, ['rollout', 'undo', `${kind}/${name}`]), /rolled back/);
    assert.match(await ok(version, ['rollout', 'status', `${kind}/${name}`, '--timeout=30s']), /complete|successfully rolled out/);
    const pods = (await h.client.list(RESOURCES.pods, NS)).items.filter((p) => p.metadata?.labels?.app === name && !p.metadata?.deletionTimestamp);
    assert.ok(pods.length >= 2);
    assert.deepEqual([...new Set(pods.map((p) => p.spec?.containers?.[0]?.image))], [`${name}:1`], 'every pod is back on the first image');
    const after = await ok(version, ['rollout', 'history', `${kind}/${name}`]);
    assert.match(after, /^2\s/m, after);
    assert.match(after, /^3\s/m, after);
    assert.doesNotMatch(after, /^1\s/m, 'revision 1 was re-numbered 3');
  });
}
