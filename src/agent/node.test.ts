/**
 * @module agent/node.test — the node agent's wiring with fake parts (no containerd): start-up order
 * (containerd, CRI, pause image, Node, pod CIDR → CNI conflist + runtime, serving certificate,
 * HTTPS server, pods), the Node it registers, pods of the node reaching the runtime, and a
 * shutdown that stops the parts in reverse order without removing any sandbox.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../api/index.ts';
import { FakeClient, RESOURCES, realClock } from '../client/index.ts';
import type { FakeAction } from '../client/index.ts';
import { HollowRuntime } from '../runtime/index.ts';
import type { HostFacts } from './node-info.ts';
import { defaultNodeIp, startNodeAgent } from './node.ts';
import type { NodeParts } from './node-parts.ts';

const host: HostFacts = { platform: 'linux', arch: 'x64', release: '6.1.0', osImage: 'Debian', hostname: 'box1', cpus: 2, memoryBytes: 2 ** 31, addresses: [] };

void test('defaultNodeIp: given, else the first host address, else loopback', () => {
  assert.equal(defaultNodeIp({ addresses: ['10.0.0.5'] }, '10.9.9.9'), '10.9.9.9');
  assert.equal(defaultNodeIp({ addresses: ['10.0.0.5', '10.0.0.6'] }), '10.0.0.5');
  assert.equal(defaultNodeIp({ addresses: [] }), '127.0.0.1');
});

void test('startNodeAgent: start-up order, the registered Node, CNI config, a pod reaches the runtime, orderly stop', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wl-node-'));
  const steps: string[] = [];
  const runtime = new HollowRuntime({ podCidr: async () => '10.42.7.0/24', hostIp: '127.0.0.1', clock: realClock });
  const cidrs: string[] = [];
  const origUpdate = runtime.updatePodCidr.bind(runtime);
  runtime.updatePodCidr = async (c: string) => { cidrs.push(c); await origUpdate(c); };
  const client = new FakeClient();
  client.seed(RESOURCES.pods, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default', uid: 'pod-uid-1' },
    spec: { nodeName: 'box1', containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Pending' },
  });
  // node IPAM: the Node gets a pod CIDR once created.
  client.react((a: FakeAction) => {
    if (a.verb === 'create' && a.resource === 'nodes') {
      const n = structuredClone<JsonObject>(a.object!);
      n.spec = { ...n.spec, podCIDR: '10.42.7.0/24' };
      n.metadata.uid = 'node-uid';
      client.seed(RESOURCES.nodes, n);
      return n;
    }
    return undefined;
  });
  const parts: NodeParts = {
    async startContainerd(o) { steps.push(`containerd ${o.registriesYaml ?? ''}`.trim()); return { endpoint: 'unix:///x.sock', pid: 1, stop: async () => { steps.push('stop containerd'); } }; },
    async connect(endpoint) { steps.push(`connect ${endpoint}`); return { runtime, close: () => { steps.push('close cri'); } }; },
    async ensurePauseImage() { steps.push('pause'); },
    volumes() { return { setUp: async () => ({ ok: true, mounts: new Map() }), tearDown: async () => undefined, start: () => { steps.push('volumes'); } }; },
    probes(o) { steps.push('probes'); return new (class { stop() { steps.push('stop probes'); } track() {} untrack() {} untrackPod() {} ready() { return undefined; } started() { return undefined; } livenessFailed() { return false; } })() as never; void o; },
    async startServer(o) { steps.push(`server ${o.port} ${o.serving()?.cert ?? 'none'}`); return { port: o.port, close: async () => { steps.push('stop server'); } }; },
  };
  const ctl = new AbortController();
  const logs: string[] = [];
  try {
    const agent = await startNodeAgent({
      client, caCert: 'CA', nodeName: 'box1', dataDir: dir, signal: ctl.signal, host, kubeletPort: 10350, cgroupRoot: '/wl-test', parts,
      certificates: { start: async (n) => { steps.push(`certs ${n.metadata.name}`); }, current: () => ({ cert: 'CERT', key: 'KEY' }) },
      log: { info: (m) => logs.push(m), error: (m) => logs.push(`ERROR ${m}`) }, stopStepTimeoutMs: 2000,
    });
    assert.deepEqual(steps, ['containerd', 'connect unix:///x.sock', 'pause', 'certs box1', 'volumes', 'probes', 'server 10350 CERT']);
    assert.equal(agent.runtimeEndpoint, 'unix:///x.sock');
    const created = client.actions.find((a) => a.verb === 'create' && a.resource === 'nodes')!.object as JsonObject;
    assert.equal(created.metadata.labels['kubernetes.io/hostname'], 'box1');
    const statusPatch = client.actions.find((a) => a.verb === 'patch' && a.subresource === 'status')!.patch as JsonObject;
    assert.equal(statusPatch.status.nodeInfo.containerRuntimeVersion, 'hollow://0.1.0');
    assert.deepEqual(statusPatch.status.daemonEndpoints, { kubeletEndpoint: { Port: 10350 } });
    assert.deepEqual(statusPatch.status.addresses[0], { type: 'InternalIP', address: '127.0.0.1' });
    assert.ok(Number(statusPatch.status.capacity.cpu) >= 1);
    const conf = JSON.parse(await readFile(join(dir, 'cni', 'net.d', '10-windlass.conflist'), 'utf8'));
    assert.equal(conf.plugins[0].ipam.ranges[0][0].subnet, '10.42.7.0/24');
    assert.equal(conf.plugins[0].ipam.dataDir, join(dir, 'cni', 'ipam'));
    assert.deepEqual(cidrs, ['10.42.7.0/24']);
    for (let i = 0; i < 100 && (await runtime.listPodSandbox()).length === 0; i++) await new Promise((res) => setTimeout(res, 20));
    const sandboxes = await runtime.listPodSandbox();
    assert.equal(sandboxes.length, 1, `the node's pod got a sandbox: ${logs.join('\n')}`);
    assert.equal(sandboxes[0].metadata.uid, 'pod-uid-1');

    ctl.abort();
    await agent.done;
    const stops = steps.filter((s) => s.startsWith('stop') || s.startsWith('close'));
    assert.deepEqual(stops, ['stop server', 'stop probes', 'close cri', 'stop containerd']);
    assert.ok(logs.includes('node agent stopped'), logs.join('\n'));
    assert.ok(!logs.some((l) => l.startsWith('ERROR')), logs.join('\n'));
    assert.equal((await runtime.listPodSandbox()).length, 1, 'stopping the agent leaves the sandbox alone');
  } finally {
    ctl.abort();
    runtime.close();
    await rm(dir, { recursive: true, force: true });
  }
});
