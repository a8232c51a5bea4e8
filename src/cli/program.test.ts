/**
 * @module cli/program.test — flag parsing of every command (defaults, repeatable and validated
 * flags) and the exit-code mapping, with the command bodies replaced by recorders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { buildProgram, runCli } from './program.ts';
import type { BuildProgramOptions, KubeconfigFlags, ServerFlags } from './program.ts';
import type { PlatformInfo } from './data-dir.ts';
import { collectList, parseCidr, parseFileMode, parseIp, parsePort, parseServerUrl } from './flags.ts';

const linuxUser: PlatformInfo = { platform: 'linux', env: {}, uid: 1000, homedir: '/home/ann' };

/** harness records what each command received and everything written to stdout and stderr. */
function harness(): { opts: BuildProgramOptions; server: ServerFlags[]; kubeconfig: KubeconfigFlags[]; out: string[]; err: string[] } {
  const h = { server: [] as ServerFlags[], kubeconfig: [] as KubeconfigFlags[], out: [] as string[], err: [] as string[] };
  const opts: BuildProgramOptions = {
    platform: linuxUser,
    io: { out: (t) => h.out.push(t), err: (t) => h.err.push(t) },
    actions: {
      server: async (f) => { h.server.push(f); },
      kubeconfig: async (f) => { h.kubeconfig.push(f); },
    },
  };
  return { ...h, opts };
}

void test('server defaults', async () => {
  const h = harness();
  await buildProgram(h.opts).parseAsync(['server'], { from: 'user' });
  assert.deepEqual(h.server, [{
    dataDir: '/home/ann/.windlass/server', httpsListenPort: 6443, bindAddress: '0.0.0.0', writeKubeconfigMode: 0o600,
    clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', tlsSan: [], disableAgent: false,
    serviceNodePortRange: '30000-32767', nodeCidrMaskSize: 24, nodeMonitorGracePeriod: 40, disableScheduler: false, disableControllerManager: false,
    heapGrowthPercent: 40, heapSemiSpaceMb: 16,
    agent: { kubeletPort: 10250, cgroupRoot: '/windlass', clusterDns: [], clusterDomain: 'cluster.local', nodeLabel: [], nodeTaint: [] },
  }]);
});

void test('server flags, with repeatable and comma-separated --tls-san', async () => {
  const h = harness();
  await buildProgram(h.opts).parseAsync([
    'server', '--data-dir', '/srv/w', '--https-listen-port', '0', '--bind-address', '127.0.0.1',
    '--advertise-address', '[fd00::5]', '--tls-san', 'a.example', '--tls-san', 'b.example,10.0.0.9',
    '--write-kubeconfig', 'kc.yaml', '--write-kubeconfig-mode', '644', '--datastore-endpoint', 'memory',
    '--cluster-cidr', '10.100.0.0/16', '--service-cidr', 'fd00:10::/108', '--disable-agent',
    '--service-node-port-range', '31000-31999', '--node-cidr-mask-size', '26', '--node-monitor-grace-period', '8', '--disable-scheduler',
    '--heap-growth-percent', '0', '--heap-semi-space-mb', '0',
  ], { from: 'user' });
  assert.deepEqual(h.server, [{
    dataDir: '/srv/w', httpsListenPort: 0, bindAddress: '127.0.0.1', advertiseAddress: 'fd00::5',
    tlsSan: ['a.example', 'b.example', '10.0.0.9'], writeKubeconfig: 'kc.yaml', writeKubeconfigMode: 0o644,
    datastoreEndpoint: 'memory', clusterCidr: '10.100.0.0/16', serviceCidr: 'fd00:10::/108', disableAgent: true,
    serviceNodePortRange: '31000-31999', nodeCidrMaskSize: 26, nodeMonitorGracePeriod: 8, disableScheduler: true, disableControllerManager: false,
    heapGrowthPercent: 0, heapSemiSpaceMb: 0,
    agent: { kubeletPort: 10250, cgroupRoot: '/windlass', clusterDns: [], clusterDomain: 'cluster.local', nodeLabel: [], nodeTaint: [] },
  }]);
});

void test('server: the built-in agent flags', async () => {
  const h = harness();
  await buildProgram(h.opts).parseAsync([
    'server', '--container-runtime-endpoint', 'unix:///run/containerd/containerd.sock', '--private-registry', '/etc/reg.yaml',
    '--kubelet-port', '10350', '--node-ip', '10.0.0.7', '--node-name', 'n1', '--node-label', 'a=b', '--node-taint', 'k=v:NoSchedule',
    '--cgroup-root', '/wl-test/', '--cluster-dns', '10.43.0.10,10.43.0.11', '--cluster-domain', 'example.local',
  ], { from: 'user' });
  assert.deepEqual(h.server[0].agent, {
    containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock', privateRegistry: '/etc/reg.yaml', kubeletPort: 10350,
    cgroupRoot: '/wl-test', clusterDns: ['10.43.0.10', '10.43.0.11'], clusterDomain: 'example.local',
    nodeName: 'n1', nodeIp: '10.0.0.7', nodeLabel: ['a=b'], nodeTaint: ['k=v:NoSchedule'],
  });
});

void test('-d is --data-dir; kubeconfig flags', async () => {
  const h = harness();
  await buildProgram(h.opts).parseAsync(['kubeconfig', '-d', '/x', '--server', 'https://10.0.0.5:6443/'], { from: 'user' });
  await buildProgram(h.opts).parseAsync(['kubeconfig'], { from: 'user' });
  assert.deepEqual(h.kubeconfig, [
    { dataDir: '/x', server: 'https://10.0.0.5:6443' },
    { dataDir: '/home/ann/.windlass/server' },
  ]);
});

void test('the data-dir default follows the platform', async () => {
  const h = harness();
  const rootOnLinux: PlatformInfo = { platform: 'linux', env: {}, uid: 0, homedir: '/root' };
  await buildProgram({ ...h.opts, platform: rootOnLinux }).parseAsync(['server'], { from: 'user' });
  assert.equal(h.server[0].dataDir, '/var/lib/windlass/server');
});

const usageErrors: { args: string[]; message: RegExp }[] = [
  { args: ['server', '--bogus'], message: /unknown option '--bogus'/ },
  { args: ['server', '--https-listen-port', '70000'], message: /--https-listen-port.*invalid/ },
  { args: ['server', '--https-listen-port'], message: /argument missing/ },
  { args: ['server', '--bind-address', 'localhost'], message: /Not an IP address/ },
  { args: ['server', '--cluster-cidr', '10.42.0.0/33'], message: /Not a CIDR/ },
  { args: ['server', '--service-node-port-range', '32767-30000'], message: /expected a port range/ },
  { args: ['server', '--write-kubeconfig-mode', 'rw'], message: /octal/ },
  { args: ['server', '--cgroup-root', 'relative'], message: /absolute cgroup path/ },
  { args: ['server', '--cluster-dns', '10.43.0.999'], message: /Not an IP address/ },
  { args: ['server', '--kubelet-port', '99999'], message: /--kubelet-port.*invalid/ },
  { args: ['kubeconfig', '--server', 'http://h:1'], message: /https/ },
  { args: ['version', 'extra'], message: /too many arguments/ },
  { args: ['frobnicate'], message: /unknown command 'frobnicate'/ },
  { args: [], message: /Usage: windlass/ },
];

for (const { args, message } of usageErrors) {
  void test(`usage error exits 2: windlass ${args.join(' ')}`, async () => {
    const h = harness();
    assert.equal(await runCli(args, h.opts), 2);
    assert.match(h.err.join(''), message);
    assert.deepEqual(h.server, []);
  });
}

void test('help and --version exit 0 on stdout', async () => {
  const h = harness();
  assert.equal(await runCli(['--help'], h.opts), 0);
  assert.equal(await runCli(['--version'], h.opts), 0);
  assert.equal(await runCli(['server', '--help'], h.opts), 0);
  const out = h.out.join('');
  assert.match(out, /Commands:[\s\S]*server[\s\S]*kubeconfig[\s\S]*version/);
  assert.match(out, /windlass version v\d+\.\d+\.\d+/);
  assert.match(out, /--https-listen-port <port>/);
  assert.equal(h.err.join(''), '');
});

void test('version prints windlass and Kubernetes versions', async () => {
  const h = harness();
  assert.equal(await runCli(['version'], h.opts), 0);
  assert.match(h.out.join(''), /^windlass version v\d+\.\d+\.\d+\nkubernetes version v1\.33\.0 /);
});

void test('a runtime failure exits 1 with a one-line message', async () => {
  const h = harness();
  const opts: BuildProgramOptions = {
    ...h.opts,
    actions: { server: async () => { throw new Error('listen EADDRINUSE\n 0.0.0.0:6443'); } },
  };
  assert.equal(await runCli(['server'], opts), 1);
  assert.deepEqual(h.err, ['windlass: error: listen EADDRINUSE 0.0.0.0:6443\n']);
});

void test('flag value parsers', () => {
  const ok: [(v: string) => unknown, string, unknown][] = [
    [parsePort, '0', 0], [parsePort, '65535', 65535], [parseIp, '::1', '::1'], [parseIp, '[::1]', '::1'],
    [parseIp, '10.1.2.3', '10.1.2.3'], [parseCidr, '0.0.0.0/0', '0.0.0.0/0'], [parseFileMode, '0600', 0o600],
    [parseFileMode, '0o640', 0o640], [parseFileMode, '755', 0o755], [parseServerUrl, 'https://h:6443', 'https://h:6443'],
  ];
  for (const [fn, input, want] of ok) assert.deepEqual(fn(input), want, `${fn.name}(${input})`);
  const bad: [(v: string) => unknown, string][] = [
    [parsePort, '-1'], [parsePort, '65536'], [parsePort, '1.5'], [parseIp, '300.1.1.1'], [parseCidr, '10.0.0.0'],
    [parseCidr, 'fd00::/129'], [parseFileMode, '0800'], [parseServerUrl, 'not a url'],
  ];
  for (const [fn, input] of bad) assert.throws(() => fn(input), InvalidArgumentError, `${fn.name}(${input})`);
  assert.deepEqual(collectList(' a, ,b ', ['x']), ['x', 'a', 'b']);
});
