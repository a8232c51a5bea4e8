/**
 * @module cli/sim.test — `windlass sim` flag parsing (defaults, validation, usage errors) and
 * runSim's wiring with injected collaborators: kubeconfig reading, the --server override, the
 * options handed to the hollow cluster, the registration log line, and stop on abort.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram, runCli } from './program.ts';
import type { BuildProgramOptions } from './program.ts';
import type { PlatformInfo } from './data-dir.ts';
import { runSim } from './sim.ts';
import type { SimFlags, SimDeps } from './sim.ts';
import type { HollowCluster, HollowNodesOptions } from '../agent/sim.ts';
import type { ApiClient, RestConfig } from '../client/index.ts';

const linuxUser: PlatformInfo = { platform: 'linux', env: {}, uid: 1000, homedir: '/home/ann' };

function harness(): { opts: BuildProgramOptions; sims: SimFlags[]; err: string[] } {
  const sims: SimFlags[] = [];
  const err: string[] = [];
  return { sims, err, opts: { platform: linuxUser, io: { out: () => undefined, err: (t) => err.push(t) }, actions: { sim: async (f) => { sims.push(f); } } } };
}

void test('sim flags and defaults', async () => {
  const h = harness();
  await buildProgram(h.opts).parseAsync(['sim', '--nodes', '5'], { from: 'user' });
  await buildProgram(h.opts).parseAsync([
    'sim', '--server', 'https://10.0.0.1:6443/', '--kubeconfig', 'kc.yaml', '--nodes', '3', '--windows', '3', '--windows-build', '10.0.17763',
    '--windows-taint', '--pods-per-node', '30', '--name-prefix', 'sim', '--heartbeat-ms', '2000', '--no-pods',
  ], { from: 'user' });
  assert.deepEqual(h.sims, [
    { dataDir: '/home/ann/.windlass/server', nodes: 5, windows: 0, windowsBuild: '10.0.20348', windowsTaint: false, podsPerNode: 110, namePrefix: 'hollow', heartbeatMs: 10_000, pods: true },
    { dataDir: '/home/ann/.windlass/server', server: 'https://10.0.0.1:6443', kubeconfig: 'kc.yaml', nodes: 3, windows: 3, windowsBuild: '10.0.17763', windowsTaint: true, podsPerNode: 30, namePrefix: 'sim', heartbeatMs: 2000, pods: false },
  ]);
});

void test('sim usage errors exit 2 without running', async () => {
  const cases: string[][] = [
    ['sim'],
    ['sim', '--nodes', '-1'],
    ['sim', '--nodes', '2', '--windows', '3'],
    ['sim', '--nodes', 'x'],
    ['sim', '--nodes', '1', '--windows-build', '2022'],
    ['sim', '--nodes', '1', '--name-prefix', 'Bad_Name'],
    ['sim', '--nodes', '1', '--pods-per-node', '0'],
  ];
  for (const args of cases) {
    const h = harness();
    assert.equal(await runCli(args, h.opts), 2, args.join(' '));
    assert.deepEqual(h.sims, [], args.join(' '));
    assert.ok(h.err.join('').length > 0, `a message for ${args.join(' ')}`);
  }
});

void test('runSim: kubeconfig, --server override, cluster options, log lines, stop on abort', async () => {
  const logs: string[] = [];
  const configs: RestConfig[] = [];
  const started: HollowNodesOptions[] = [];
  let stopped = 0;
  let closed = 0;
  const kubeconfig = [
    'apiVersion: v1', 'kind: Config', 'current-context: c',
    'clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443"}}]',
    'contexts: [{name: c, context: {cluster: k, user: u}}]',
    'users: [{name: u, user: {token: abc}}]',
  ].join('\n');
  const deps: SimDeps = {
    log: { info: (m) => logs.push(m), error: (m) => logs.push(`error ${m}`) },
    readFile: async (p) => { if (p !== '/data/admin.kubeconfig') throw new Error('ENOENT'); return kubeconfig; },
    parseKubeconfig: (text) => ({ server: text.includes('6443') ? 'https://127.0.0.1:6443' : '', token: 'abc' }),
    makeClient: (c) => { configs.push(c); return { close: () => { closed++; } } as unknown as ApiClient & { close(): void } },
    start: (o) => {
      started.push(o);
      return { ready: Promise.resolve(), nodeNames: () => ['a', 'b'], addNodes: async () => [], stopHeartbeats: () => undefined, resumeHeartbeats: () => undefined, runtime: () => undefined, stop: async () => { stopped++; } } satisfies HollowCluster;
    },
  };
  const flags: SimFlags = { dataDir: '/data', server: 'https://10.9.9.9:6443', nodes: 2, windows: 0, windowsBuild: '10.0.20348', windowsTaint: false, podsPerNode: 110, namePrefix: 'hollow', heartbeatMs: 10_000, pods: false };
  const ctl = new AbortController();
  const run = runSim(flags, ctl.signal, deps);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(logs, ['registering hollow nodes', 'hollow nodes ready']);
  ctl.abort();
  await run;
  assert.deepEqual([configs[0].server, configs[0].token, configs[0].userAgent], ['https://10.9.9.9:6443', 'abc', 'windlass-sim']);
  assert.deepEqual([configs[1].server, configs[1].token, configs[1].userAgent], ['https://10.9.9.9:6443', 'abc', 'windlass-sim-heartbeat'], 'a client of its own for the heartbeats');
  assert.notEqual(started[0].heartbeatClient, started[0].client);
  assert.deepEqual([started[0].nodes, started[0].windows, started[0].namePrefix, started[0].heartbeatMs, started[0].runPods], [2, 0, 'hollow', 10_000, false]);
  assert.deepEqual([stopped, closed, logs.at(-1)], [1, 2, 'stopped']);
  await assert.rejects(runSim({ ...flags, dataDir: '/nowhere' }, ctl.signal, deps), /no admin kubeconfig at \/nowhere\/admin\.kubeconfig/);
});
