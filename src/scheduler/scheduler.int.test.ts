/**
 * Integration: the scheduler against a real in-process API server (memory store, real TLS), as
 * system:kube-scheduler: Linux and Windows nodes (the Windows ones tainted os=windows:NoSchedule),
 * pods bound by OS, the FailedScheduling Event and PodScheduled condition of a pod that fits
 * nowhere, and that pod scheduled once a toleration is added.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../store/index.ts';
import { startApiServer, type ApiServer } from '../apiserver/index.ts';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate } from '../pki/index.ts';
import type { JsonObject } from '../api/index.ts';
import { RESOURCES, RestClient } from '../client/index.ts';
import { startScheduler, type RunningScheduler } from './index.ts';
import { makeNode, makePod, WINDOWS_TOLERATION } from './testing.ts';

let server: ApiServer;
let admin: RestClient;
let schedClient: RestClient;
let running: RunningScheduler;
const errors: string[] = [];
const NS = 'sched-int';

before(async () => {
  const ca = await createCertificateAuthority();
  const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  server = await startApiServer({ store: createMemoryStore(), tls: { cert: serving.cert, key: serving.key, ca: ca.cert }, host: '127.0.0.1', port: 0 });
  const a = await issueClientCertificate(ca.cert, ca.key, { commonName: 'test-admin', organizations: ['system:masters'] });
  admin = new RestClient({ server: server.url, ca: ca.cert, cert: a.cert, key: a.key });
  const s = await issueClientCertificate(ca.cert, ca.key, { commonName: 'system:kube-scheduler' });
  schedClient = new RestClient({ server: server.url, ca: ca.cert, cert: s.cert, key: s.key });
  await admin.create(RESOURCES.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  for (const [name, windows] of [['lin-1', false], ['lin-2', false], ['win-1', true], ['win-2', true]] as const) {
    await admin.create(RESOURCES.nodes, '', makeNode(name, { windows }));
  }
  running = startScheduler({
    client: schedClient, signal: new AbortController().signal,
    log: { info: () => undefined, error: (msg, f) => errors.push(`${msg} ${JSON.stringify(f)}`) },
  });
});

after(async () => {
  await running.stop();
  schedClient.close();
  admin.close();
  await server.close();
});

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; scheduler errors:\n${errors.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function apiPod(name: string, spec: Parameters<typeof makePod>[1]): JsonObject {
  const p = makePod(name, { namespace: NS, ...spec });
  delete p.metadata.uid;
  delete p.status;
  return p;
}

const nodeOf = async (name: string): Promise<string | undefined> => (await admin.get<JsonObject>(RESOURCES.pods, NS, name)).spec?.nodeName || undefined;

test('pods are bound to nodes of their OS', async () => {
  const pods: [string, boolean][] = [['lin-a', false], ['lin-b', false], ['win-a', true], ['win-b', true]];
  for (const [name, windows] of pods) {
    await admin.create(RESOURCES.pods, NS, apiPod(name, windows ? { windows: true, cpu: '100m' } : { nodeSelector: { 'kubernetes.io/os': 'linux' }, cpu: '100m' }));
  }
  for (const [name, windows] of pods) {
    const node = await eventually(`${name} bound`, () => nodeOf(name));
    assert.match(node, windows ? /^win-/ : /^lin-/, name);
  }
  const ev = await eventually('Scheduled event', async () => {
    const list = await admin.list<JsonObject>(RESOURCES.events, NS);
    return list.items.find((e) => e.reason === 'Scheduled' && e.involvedObject?.name === 'win-a');
  });
  assert.equal(ev.message, `Successfully assigned ${NS}/win-a to ${await nodeOf('win-a')}`);
  assert.equal(ev.source?.component, 'default-scheduler');
});

test('a pod that fits nowhere gets FailedScheduling and PodScheduled=False, then schedules once it tolerates the taint', async () => {
  await admin.create(RESOURCES.pods, NS, apiPod('lost', { nodeSelector: { 'kubernetes.io/os': 'windows' } }));
  const want = "0/4 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint {os: windows}. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.";
  const ev = await eventually('FailedScheduling event', async () => {
    const list = await admin.list<JsonObject>(RESOURCES.events, NS);
    return list.items.find((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'lost');
  });
  assert.equal(ev.message, want);
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.reportingComponent, 'default-scheduler');
  const cond = await eventually('PodScheduled condition', async () => {
    const p = await admin.get<JsonObject>(RESOURCES.pods, NS, 'lost');
    return (p.status?.conditions ?? []).find((c: JsonObject) => c.type === 'PodScheduled');
  });
  assert.deepEqual({ status: cond.status, reason: cond.reason, message: cond.message }, { status: 'False', reason: 'Unschedulable', message: want });
  const cur = await admin.get<JsonObject>(RESOURCES.pods, NS, 'lost');
  cur.spec.tolerations = [...(cur.spec.tolerations ?? []), WINDOWS_TOLERATION];
  await admin.update(RESOURCES.pods, NS, cur);
  const node = await eventually('lost bound after toleration', () => nodeOf('lost'), 15_000);
  assert.match(node, /^win-/);
  assert.deepEqual(errors, []);
});

test('a gated pod waits with PodScheduled=False/SchedulingGated and schedules once its gates are removed', async () => {
  await admin.create(RESOURCES.pods, NS, apiPod('gated', { nodeSelector: { 'kubernetes.io/os': 'linux' }, schedulingGates: ['example.com/wait'] }));
  const cond = await eventually('SchedulingGated condition', async () => {
    const p = await admin.get<JsonObject>(RESOURCES.pods, NS, 'gated');
    return (p.status?.conditions ?? []).find((c: JsonObject) => c.type === 'PodScheduled');
  });
  assert.equal(cond.reason, 'SchedulingGated');
  assert.equal(await nodeOf('gated'), undefined);
  const cur = await admin.get<JsonObject>(RESOURCES.pods, NS, 'gated');
  cur.spec.schedulingGates = [];
  await admin.update(RESOURCES.pods, NS, cur);
  assert.match(await eventually('gated pod bound', () => nodeOf('gated')), /^lin-/);
});
