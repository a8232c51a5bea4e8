/**
 * @module agent/stats/stats.int.test — against this machine: linuxHostStats reads the real
 * /proc, cgroups and statfs (values present, positive and mutually consistent), hostCapacity
 * agrees with the host facts, the root cgroup reads like a pod cgroup would, podVolumeStats and dirUsage measure real files, and the summary
 * and metrics text over a HollowRuntime pod with the real host reader are well formed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../../api/index.ts';
import { FakeClock } from '../../client/index.ts';
import { HollowRuntime } from '../../runtime/index.ts';
import { currentHostFacts } from '../node-info.ts';
import { allocatable, hostCapacity } from './capacity.ts';
import { cgroupReader } from './cgroup.ts';
import { dirUsage } from './host-io.ts';
import { linuxHostStats } from './linux-host.ts';
import { resourceMetrics } from './metrics.ts';
import { summary } from './summary.ts';
import { podVolumeStats } from './volumes.ts';

const linuxOnly = process.platform !== 'linux' && 'reads /proc and /sys/fs/cgroup';

test('linuxHostStats reads this machine: sane, positive values; a rate on the second sample', { skip: linuxOnly }, async () => {
  const h = linuxHostStats({ fsPath: os.tmpdir(), minWindowMs: 50 });
  const a = await h.sample();
  const t0 = Date.now();
  while (Date.now() - t0 < 120) { /* burn a little cpu so the counter moves */ }
  const b = await h.sample();
  const cores = os.cpus().length;
  assert.ok((a.cpu?.usageCoreNanoSeconds ?? 0) > 0, 'cumulative cpu');
  assert.ok((b.cpu?.usageCoreNanoSeconds ?? 0) >= (a.cpu?.usageCoreNanoSeconds ?? 0), 'cpu counter grows');
  const nano = b.cpu?.usageNanoCores;
  assert.ok(nano !== undefined && nano >= 0 && nano <= cores * 1.1e9, `usageNanoCores ${nano} within 0..${cores} cores`);
  const mem = b.memory!;
  assert.ok(mem.workingSetBytes! > 0 && mem.workingSetBytes! <= os.totalmem(), 'working set within total memory');
  assert.ok(mem.usageBytes! >= mem.workingSetBytes!, 'usage >= working set');
  assert.equal(mem.availableBytes, os.totalmem() - mem.workingSetBytes!);
  assert.ok(b.fs && b.fs.capacityBytes! > 0 && b.fs.availableBytes! <= b.fs.capacityBytes! && b.fs.usedBytes! <= b.fs.capacityBytes!, 'fs');
  assert.ok(b.rlimit && b.rlimit.maxpid! > 0 && b.rlimit.curproc! > 0 && b.rlimit.curproc! < b.rlimit.maxpid!, 'rlimit');
  assert.ok(Array.isArray(b.network?.interfaces), 'network');
  assert.ok(b.bootTime! > 0 && b.bootTime! < Date.now(), 'boot time in the past');
  assert.equal(b.systemContainers?.[0].name, 'kubelet');
  assert.ok((b.systemContainers?.[0].memory?.workingSetBytes ?? 0) > 0);
});

test('hostCapacity agrees with currentHostFacts and statfs; allocatable is smaller', { skip: linuxOnly }, () => {
  const facts = currentHostFacts();
  const cap = hostCapacity({ fsPath: os.tmpdir() });
  assert.equal(cap.cpu, String(facts.cpus));
  assert.match(cap.memory, /^\d+(Ki|Mi|Gi)$/);
  assert.ok(/^\d+(Ki|Mi|Gi|Ti)?$/.test(cap['ephemeral-storage']) && cap['ephemeral-storage'] !== '0');
  assert.equal(cap.pods, '110');
  const alloc = allocatable(cap);
  const kib = (q: string): number => Number(q.replace(/Ki$/, '')) * (q.endsWith('Ki') ? 1024 : 1);
  if (cap.memory.endsWith('Ki') && alloc.memory.endsWith('Ki')) assert.ok(kib(alloc.memory) < kib(cap.memory));
});

test('podVolumeStats and dirUsage measure real volume directories', { skip: linuxOnly }, async () => {
  const pods = mkdtempSync(join(os.tmpdir(), 'wl-stats-'));
  try {
    const vol = join(pods, 'u1', 'volumes', 'kubernetes.io~empty-dir', 'cache');
    mkdirSync(join(vol, 'sub'), { recursive: true });
    writeFileSync(join(vol, 'a'), Buffer.alloc(10_000, 1));
    writeFileSync(join(vol, 'sub', 'b'), Buffer.alloc(5000, 2));
    mkdirSync(join(pods, 'u1', 'volumes', 'kubernetes.io~configmap', 'cfg'), { recursive: true });
    const u = await dirUsage(vol);
    assert.ok(u && u.bytes >= 15_000 && u.inodes === 4, JSON.stringify(u));
    const stats = await podVolumeStats({ podsDir: pods })('u1');
    assert.deepEqual(stats.map((s) => s.name), ['cfg', 'cache']);
    const cache = stats[1];
    assert.equal(cache.usedBytes, u.bytes);
    assert.equal(cache.inodesUsed, 4);
    assert.ok(cache.capacityBytes! > 0 && cache.availableBytes! > 0);
    assert.deepEqual(await podVolumeStats({ podsDir: pods })('nope'), []);
  } finally {
    rmSync(pods, { recursive: true, force: true });
  }
});

test('summary and metrics over a HollowRuntime pod with the real host reader', { skip: linuxOnly }, async () => {
  const clock = new FakeClock(Date.now());
  const runtime = new HollowRuntime({ podCidr: '10.128.3.0/24', clock, idPrefix: 'st' });
  const labels = { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'uid-web' };
  const sandboxConfig = { metadata: { name: 'web', namespace: 'default', uid: 'uid-web', attempt: 0 }, labels };
  const sid = await runtime.runPodSandbox(sandboxConfig);
  const cid = await runtime.createContainer(sid, { metadata: { name: 'app', attempt: 0 }, image: { image: 'busybox' }, labels: { ...labels, 'io.kubernetes.container.name': 'app' } }, sandboxConfig);
  await runtime.startContainer(cid);
  const pods: JsonObject[] = [{ metadata: { name: 'web', namespace: 'default', uid: 'uid-web' }, spec: {} }];
  const opts = { nodeName: 'n1', runtime, pods: () => pods, host: linuxHostStats({ fsPath: os.tmpdir() }), clock };
  const s = await summary(opts);
  assert.equal(s.node.nodeName, 'n1');
  assert.ok(s.node.cpu.usageCoreNanoSeconds > 0 && s.node.memory.workingSetBytes > 0 && s.node.fs.capacityBytes > 0);
  assert.match(s.node.startTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(s.pods.map((p: JsonObject) => [p.podRef.name, p.containers.map((c: JsonObject) => c.name)]), [['web', ['app']]]);
  assert.deepEqual(s.pods[0].cpu.usageCoreNanoSeconds, 0);
  const text = await resourceMetrics(opts);
  assert.match(text, /^node_cpu_usage_seconds_total \S+ \d{13}$/m);
  assert.match(text, /^container_memory_working_set_bytes\{container="app",namespace="default",pod="web"\} 0 \d{13}$/m);
  assert.match(text, /^resource_scrape_error 0$/m);
});

test('cgroupReader reads this machine\'s root cgroup (cpu and memory present, no limit)', { skip: linuxOnly }, async () => {
  const r = await cgroupReader()('/');
  assert.ok(r, 'root cgroup readable');
  assert.ok((r.usageNs ?? 0) > 0, 'cpu counter');
  if (r.memory) {
    assert.ok(r.memory.usageBytes > 0 && r.memory.workingSetBytes <= r.memory.usageBytes, 'memory figures');
    assert.equal(r.memory.availableBytes, undefined, 'the root cgroup has no limit');
  }
  assert.equal(await cgroupReader()('/wl-stats-no-such-cgroup'), undefined);
});
