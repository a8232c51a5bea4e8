/**
 * @module cli/join.test — join's pure pieces for Linux and Windows: data-dir defaults and file
 * paths (path.win32 vs path.posix), the address, node settings, runtime endpoints, the CA of a
 * cluster-info kubeconfig; and the flag parsing of `join`, `agent` and `token`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { agentFiles, clusterCaFromKubeconfig, parseJoinAddress, parseNodeSettings, pathFor, validateRuntimeEndpoint } from './join.ts';
import type { AgentFlags, JoinFlags } from './join.ts';
import { defaultDataDir } from './data-dir.ts';
import type { PlatformInfo } from './data-dir.ts';
import { buildProgram } from './program.ts';
import type { TokenAccessFlags, TokenCreateFlags } from './token.ts';

const windows: PlatformInfo = { platform: 'win32', env: { ProgramData: 'D:\\PD' }, uid: undefined, homedir: 'C:\\Users\\ann' };
const linuxRoot: PlatformInfo = { platform: 'linux', env: {}, uid: 0, homedir: '/root' };
const linuxUser: PlatformInfo = { platform: 'linux', env: {}, uid: 1000, homedir: '/home/ann' };

void test('agent data dir and files per platform', () => {
  assert.equal(defaultDataDir('agent', windows), 'D:\\PD\\windlass\\agent');
  assert.equal(defaultDataDir('agent', linuxRoot), '/var/lib/windlass/agent');
  assert.equal(defaultDataDir('agent', linuxUser), '/home/ann/.windlass/agent');
  assert.deepEqual(agentFiles('D:\\PD\\windlass\\agent', 'win32'), { dataDir: 'D:\\PD\\windlass\\agent', kubeconfig: 'D:\\PD\\windlass\\agent\\kubelet.kubeconfig' });
  assert.deepEqual(agentFiles('C:/k/agent/', 'win32'), { dataDir: 'C:\\k\\agent\\', kubeconfig: 'C:\\k\\agent\\kubelet.kubeconfig' });
  assert.deepEqual(agentFiles('/var/lib/windlass/agent', 'linux'), { dataDir: '/var/lib/windlass/agent', kubeconfig: '/var/lib/windlass/agent/kubelet.kubeconfig' });
  assert.equal(pathFor('win32').sep, '\\');
  assert.equal(pathFor('darwin').sep, '/');
});

void test('parseJoinAddress', () => {
  const cases: [string, string | undefined][] = [
    ['10.0.0.5:6443', 'https://10.0.0.5:6443'],
    ['[fd00::5]:6443', 'https://[fd00::5]:6443'],
    ['https://cp.example:6443/', 'https://cp.example:6443'],
    ['cp.example', 'https://cp.example'],
    ['http://x:1', undefined],
    ['x:1/path', undefined],
    ['', undefined],
  ];
  for (const [input, want] of cases) {
    const r = parseJoinAddress(input);
    assert.deepEqual(r.ok ? r.server : undefined, want, input);
  }
});

void test('parseNodeSettings: default name from the host name; labels and taints validated', () => {
  assert.deepEqual(parseNodeSettings({ nodeLabel: ['a=b'], nodeTaint: ['os=windows:NoSchedule'] }, 'WIN-SRV01'), {
    ok: true, nodeName: 'win-srv01', labels: { a: 'b' }, taints: [{ key: 'os', value: 'windows', effect: 'NoSchedule' }],
  });
  const bad = parseNodeSettings({ nodeLabel: [], nodeTaint: [] }, 'my_host');
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.reason, /not a valid DNS-1123 subdomain \(use --node-name\)/);
});

void test('validateRuntimeEndpoint', () => {
  assert.equal(validateRuntimeEndpoint('unix:///run/containerd/containerd.sock'), undefined);
  assert.equal(validateRuntimeEndpoint('npipe:////./pipe/containerd-containerd'), undefined);
  assert.match(validateRuntimeEndpoint('/run/containerd.sock')!, /not a unix/);
});

void test('clusterCaFromKubeconfig: kubeadm shape (no contexts) and current-context shape', () => {
  const ca = '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n';
  const b64 = Buffer.from(ca).toString('base64');
  const kubeadm = stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: '', cluster: { 'certificate-authority-data': b64, server: 'https://x:6443' } }], contexts: null, 'current-context': '' });
  assert.equal(clusterCaFromKubeconfig(kubeadm), ca);
  const ctx = stringify({ clusters: [{ name: 'a', cluster: {} }, { name: 'b', cluster: { 'certificate-authority-data': b64 } }], contexts: [{ name: 'c', context: { cluster: 'b' } }], 'current-context': 'c' });
  assert.equal(clusterCaFromKubeconfig(ctx), ca);
  assert.equal(clusterCaFromKubeconfig('clusters: []'), undefined);
  assert.equal(clusterCaFromKubeconfig(': : :'), undefined);
});

/** parse runs the program with recording actions. */
async function parse(args: string[], platform: PlatformInfo = linuxUser): Promise<unknown[]> {
  const seen: unknown[] = [];
  await buildProgram({
    platform, io: { out: () => undefined, err: () => undefined },
    actions: {
      join: async (f: JoinFlags) => { seen.push(['join', f]); },
      agent: async (f: AgentFlags) => { seen.push(['agent', f]); },
      tokenCreate: async (f: TokenCreateFlags) => { seen.push(['create', f]); },
      tokenList: async (f: TokenAccessFlags) => { seen.push(['list', f]); },
      tokenDelete: async (ids: readonly string[], f: TokenAccessFlags) => { seen.push(['delete', ids, f]); },
    },
  }).parseAsync(args, { from: 'user' });
  return seen;
}

void test('join flags (repeatable hashes, labels, taints; Windows default data dir)', async () => {
  assert.deepEqual(await parse([
    'join', '10.0.0.5:6443', '--token', 'abcdef.0123456789abcdef', '--discovery-token-ca-cert-hash', 'sha256:aa', '--discovery-token-ca-cert-hash', 'sha256:bb',
    '--node-name', 'w1', '--node-ip', '10.0.0.9', '--node-label', 'a=b', '--node-label', 'c=d', '--node-taint', 'os=windows:NoSchedule',
    '--container-runtime-endpoint', 'npipe:////./pipe/containerd-containerd', '--csr-timeout', '30s',
  ], windows), [['join', {
    address: '10.0.0.5:6443', token: 'abcdef.0123456789abcdef', discoveryTokenCaCertHash: ['sha256:aa', 'sha256:bb'],
    discoveryTokenUnsafeSkipCaVerification: false, nodeName: 'w1', nodeIp: '10.0.0.9', nodeLabel: ['a=b', 'c=d'],
    nodeTaint: ['os=windows:NoSchedule'], containerRuntimeEndpoint: 'npipe:////./pipe/containerd-containerd',
    dataDir: 'D:\\PD\\windlass\\agent', csrTimeout: '30s', runtime: { kubeletPort: 10250, cgroupRoot: '/windlass', clusterDns: [], clusterDomain: 'cluster.local', hollow: false },
  }]]);
  assert.deepEqual(await parse(['join', 'h:1', '--token', 't', '--discovery-token-unsafe-skip-ca-verification']), [['join', {
    address: 'h:1', token: 't', discoveryTokenCaCertHash: [], discoveryTokenUnsafeSkipCaVerification: true,
    nodeLabel: [], nodeTaint: [], dataDir: '/home/ann/.windlass/agent', csrTimeout: '2m', runtime: { kubeletPort: 10250, cgroupRoot: '/windlass', clusterDns: [], clusterDomain: 'cluster.local', hollow: false },
  }]]);
  await assert.rejects(parse(['join', 'h:1']), /required option '--token/);
});

void test('agent and token flags', async () => {
  assert.deepEqual(await parse(['agent', '--kubeconfig', 'k.yaml', '--node-label', 'x=y']), [['agent', {
    kubeconfig: 'k.yaml', dataDir: '/home/ann/.windlass/agent', nodeLabel: ['x=y'], nodeTaint: [], runtime: { kubeletPort: 10250, cgroupRoot: '/windlass', clusterDns: [], clusterDomain: 'cluster.local', hollow: false },
  }]]);
  assert.deepEqual(await parse(['agent', '--container-runtime-endpoint', 'unix:///run/c.sock', '--private-registry', '/r.yaml', '--kubelet-port', '10251',
    '--cgroup-root', '/k', '--cluster-dns', '10.43.0.10', '--cluster-domain', 'c.local', '--hollow']), [['agent', {
    dataDir: '/home/ann/.windlass/agent', nodeLabel: [], nodeTaint: [], containerRuntimeEndpoint: 'unix:///run/c.sock',
    runtime: { privateRegistry: '/r.yaml', kubeletPort: 10251, cgroupRoot: '/k', clusterDns: ['10.43.0.10'], clusterDomain: 'c.local', hollow: true },
  }]]);
  assert.deepEqual(await parse(['token', 'create', '--ttl', '1h', '--description', 'for w1', '--print-join-command', '--usages', 'authentication', '--groups', 'system:bootstrappers:worker']), [['create', {
    dataDir: '/home/ann/.windlass/server', ttl: '1h', description: 'for w1', usages: ['authentication'], groups: ['system:bootstrappers:worker'], printJoinCommand: true,
  }]]);
  assert.deepEqual(await parse(['token', 'create', 'abcdef.0123456789abcdef', '--kubeconfig', '/a.yaml']), [['create', {
    dataDir: '/home/ann/.windlass/server', kubeconfig: '/a.yaml', token: 'abcdef.0123456789abcdef', ttl: '24h',
    usages: ['signing', 'authentication'], groups: ['system:bootstrappers:kubeadm:default-node-token'], printJoinCommand: false,
  }]]);
  assert.deepEqual(await parse(['token', 'list', '-d', '/srv']), [['list', { dataDir: '/srv' }]]);
  assert.deepEqual(await parse(['token', 'delete', 'abcdef', 'ghijkl']), [['delete', ['abcdef', 'ghijkl'], { dataDir: '/home/ann/.windlass/server' }]]);
});
