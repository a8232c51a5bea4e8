/**
 * @module runtime/cri/client.test — CriRuntime against an in-process fake CRI server on a unix
 * socket: NotFound → undefined, idempotent stop/remove, errors passed through, the pod-stats
 * fallback when ListPodSandboxStats is unimplemented, sandbox ids of container statuses, close().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';
import { connectCri } from './client.ts';
import { CRI_PROTO_PATH, type Wire } from './proto.ts';

const require = createRequire(import.meta.url);
const grpcJs = require('@grpc/grpc-js') as typeof grpc;
const protoLoader = require('@grpc/proto-loader') as typeof ProtoLoader;

type Handler = (req: Wire) => Wire | { code: number; details: string };
const notFound = { code: 5, details: 'not found' };

async function fakeCri(t: { after(fn: () => Promise<void> | void): void }, handlers: Record<string, Handler>, bindTarget?: string): Promise<{ endpoint: string; calls: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'wl-fakecri-'));
  const def = protoLoader.loadSync(CRI_PROTO_PATH, { keepCase: true, longs: String, enums: String, defaults: true });
  const pkg = grpcJs.loadPackageDefinition(def) as unknown as { runtime: { v1: Record<string, { service: grpc.ServiceDefinition }> } };
  const server = new grpcJs.Server();
  const calls: string[] = [];
  const impl = (service: grpc.ServiceDefinition): grpc.UntypedServiceImplementation => Object.fromEntries(Object.keys(service).map((name) => [name,
    (call: grpc.ServerUnaryCall<Wire, Wire>, cb: grpc.sendUnaryData<Wire>) => {
      calls.push(name);
      const h = handlers[name];
      if (!h) return cb({ code: 12, details: `${name} unimplemented` });
      const res = h(call.request);
      if ('code' in res && typeof res.code === 'number' && 'details' in res) cb(res);
      else cb(null, res);
    }]));
  server.addService(pkg.runtime.v1.RuntimeService.service, impl(pkg.runtime.v1.RuntimeService.service));
  server.addService(pkg.runtime.v1.ImageService.service, impl(pkg.runtime.v1.ImageService.service));
  const sock = join(dir, 'cri.sock');
  await new Promise<void>((resolve, reject) => server.bindAsync(bindTarget ?? `unix://${sock}`, grpcJs.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  t.after(async () => {
    server.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  });
  return { endpoint: `unix://${sock}`, calls };
}

const version: Handler = () => ({ version: '0.1.0', runtime_name: 'fake', runtime_version: '1', runtime_api_version: 'v1' });
const sandbox = { id: 's1', metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 0 }, state: 'SANDBOX_READY', created_at: '5000000', labels: {} };
const containers = [
  { id: 'c1', pod_sandbox_id: 's1', metadata: { name: 'a' }, image: { image: 'i' }, state: 'CONTAINER_RUNNING', created_at: '1' },
  { id: 'c2', pod_sandbox_id: 's1', metadata: { name: 'b' }, image: { image: 'i' }, state: 'CONTAINER_RUNNING', created_at: '1' },
];
const cstats = (id: string, ns: string) => ({ attributes: { id, metadata: { name: id } }, cpu: { timestamp: '1000000', usage_core_nano_seconds: { value: ns } } });

test('CriRuntime against a fake CRI server', async (t) => {
  const fake = await fakeCri(t, {
    Version: version,
    PodSandboxStatus: (r) => (r.pod_sandbox_id === 's1' ? { status: { ...sandbox, network: { ip: '10.0.0.2' } } } : notFound),
    StopPodSandbox: () => notFound,
    RemovePodSandbox: () => notFound,
    StopContainer: (r) => (r.container_id === 'c1' && r.timeout === '30' ? {} : notFound),
    RemoveContainer: () => notFound,
    ContainerStatus: (r) => (r.container_id === 'c1' ? { status: { id: 'c1', state: 'CONTAINER_RUNNING', started_at: '7000000' } } : notFound),
    ListContainers: (r) => ({ containers: containers.filter((c) => !(r.filter as Wire | null)?.id || c.id === (r.filter as Wire).id) }),
    ListPodSandbox: () => ({ items: [sandbox] }),
    ListContainerStats: () => ({ stats: [cstats('c1', '100'), cstats('c2', '50')] }),
    StartContainer: () => ({ code: 2, details: 'failed to start: boom' }),
    ImageStatus: () => ({ image: null }),
    ExecSync: (r) => ({ stdout: Buffer.from((r.cmd as string[]).join(' ')), stderr: Buffer.alloc(0), exit_code: 4 }),
  });
  const cri = await connectCri({ endpoint: fake.endpoint, timeoutMs: 5000 });
  t.after(() => cri.close());

  assert.equal((await cri.version()).runtimeName, 'fake');
  assert.equal((await cri.podSandboxStatus('s1'))?.network.ip, '10.0.0.2');
  assert.equal(await cri.podSandboxStatus('nope'), undefined);
  assert.equal(await cri.containerStatus('nope'), undefined);
  assert.equal(await cri.imageStatus({ image: 'x' }), undefined, 'ImageStatus without image → undefined');
  await cri.stopPodSandbox('nope');
  await cri.removePodSandbox('nope');
  await cri.stopContainer('c1', 30);
  await cri.stopContainer('nope', 0);
  await cri.removeContainer('nope');
  await assert.rejects(cri.startContainer('c1'), (e: Error & { code?: number }) => e.code === 2 && /StartContainer: failed to start: boom/.test(e.message));

  const st = await cri.containerStatus('c1');
  assert.equal(st?.podSandboxId, 's1', 'sandbox id looked up with ListContainers');
  assert.equal(st?.startedAt, 7);

  const ex = await cri.execSync('c1', ['echo', 'hi'], 1);
  assert.deepEqual([ex.stdout.toString(), ex.exitCode], ['echo hi', 4]);

  const [pod] = await cri.listPodSandboxStats();
  assert.equal(pod.id, 's1');
  assert.equal(pod.cpu?.usageCoreNanoSeconds, 150, 'summed from container stats');
  assert.equal(pod.containers.length, 2);
  await cri.listPodSandboxStats();
  assert.equal(fake.calls.filter((c) => c === 'ListPodSandboxStats').length, 1, 'UNIMPLEMENTED is remembered');

  cri.close();
  await assert.rejects(cri.version(), 'calls fail after close');
});

test('connectCri rejects a runtime that does not speak v1, and an endpoint nobody listens on', async (t) => {
  const fake = await fakeCri(t, { Version: () => ({ runtime_name: 'old', runtime_version: '0', runtime_api_version: 'v1alpha2' }) });
  await assert.rejects(connectCri({ endpoint: fake.endpoint, timeoutMs: 2000 }), /speaks v1alpha2/);
  await assert.rejects(connectCri({ endpoint: 'unix:///nonexistent/wl.sock', timeoutMs: 300 }), /not reachable/);
});

test('a named-pipe endpoint reaches net.connect with the pipe path unchanged', { skip: process.platform === 'win32' && 'covered by real pipes' }, async (t) => {
  // On Linux `\\.\pipe\<name>` is just a relative socket file name, so the npipe code path can be
  // exercised end to end: grpc-js must hand exactly that path to net.connect (as Windows needs).
  const dir = await mkdtemp(join(tmpdir(), 'wl-npipe-'));
  const cwd = process.cwd();
  process.chdir(dir);
  t.after(async () => {
    process.chdir(cwd);
    await rm(dir, { recursive: true, force: true });
  });
  const name = `wl-test-${process.pid}`;
  await fakeCri(t, { Version: version }, `unix:\\\\.\\pipe\\${name}`);
  assert.ok(existsSync(join(dir, `\\\\.\\pipe\\${name}`)), 'the server socket is the literal relative name');
  const cri = await connectCri({ endpoint: `npipe:////./pipe/${name}`, timeoutMs: 3000 });
  t.after(() => cri.close());
  assert.equal(cri.endpoint.address, `\\\\.\\pipe\\${name}`);
  assert.equal((await cri.version()).runtimeName, 'fake');
});
