/**
 * @module agent/pods/adoption.test — the runtime scan groups labelled sandboxes and containers by
 * pod uid (newest instance current, the one before kept, older ones listed for removal; the
 * READY sandbox preferred), and pod cgroup directories are removed deepest first in every
 * hierarchy (a temporary directory stands in for /sys/fs/cgroup).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../client/index.ts';
import { HollowRuntime } from '../../runtime/index.ts';
import { removePodCgroups, scanRuntime } from './adoption.ts';
import { containerLabels } from './container-config.ts';
import { sandboxConfig } from './sandbox-config.ts';

void test('scanRuntime groups by pod uid and orders instances by attempt', async () => {
  const clock = new FakeClock();
  const rt = new HollowRuntime({ podCidr: '10.0.0.0/24', clock, idPrefix: 'ab' });
  const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
  const oldSandbox = await rt.runPodSandbox(sandboxConfig(pod, { attempt: 0 }));
  await rt.stopPodSandbox(oldSandbox);
  const sc = sandboxConfig(pod, { attempt: 1 });
  const sb = await rt.runPodSandbox(sc);
  const ids: string[] = [];
  for (const attempt of [0, 1, 2]) ids.push(await rt.createContainer(sb, { metadata: { name: 'c', attempt }, image: { image: 'i' }, labels: containerLabels(pod, 'c') }, sc));
  await rt.runPodSandbox({ metadata: { name: 'foreign', namespace: 'x', uid: 'z', attempt: 0 } });
  const found = await scanRuntime(rt);
  assert.deepEqual([...found.keys()], ['u1']);
  const a = found.get('u1')!;
  assert.deepEqual([a.sandbox.id, a.stale.map((s) => s.id)], [sb, [oldSandbox]]);
  const c = a.containers.get('c')!;
  assert.deepEqual([c.current.id, c.previous?.id, c.older.map((x) => x.id)], [ids[2], ids[1], [ids[0]]]);
});

void test('removePodCgroups removes the pod cgroup tree in every hierarchy and nothing else', async () => {
  const root = await mkdtemp(join(tmpdir(), 'wl-cg-'));
  const tree = ['cpu/windlass/podu1/ctr-a', 'memory/windlass/podu1/ctr-a', 'memory/windlass/podu1/ctr-b/nested', 'unified/windlass/podu1', 'memory/windlass/podu2/ctr'];
  for (const d of tree) await mkdir(join(root, d), { recursive: true });
  await removePodCgroups('u1', '/windlass', root);
  assert.deepEqual((await readdir(join(root, 'memory/windlass'))).sort(), ['podu2']);
  assert.deepEqual(await readdir(join(root, 'cpu/windlass')), []);
  assert.deepEqual(await readdir(join(root, 'unified/windlass')), []);
  await removePodCgroups('../x', '/windlass', root);
  assert.deepEqual(await readdir(join(root, 'memory/windlass')), ['podu2'], 'unsafe uids are ignored');
  await rm(root, { recursive: true, force: true });
});
