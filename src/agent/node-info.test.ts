/**
 * @module agent/node-info.test — labels, status and flag parsers as pure functions of host facts,
 * for a Linux and a Windows host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  currentHostFacts, defaultNodeName, isValidNodeName, kubeArch, nodeLabels, nodeStatus, parseNodeLabel, parseNodeTaint, windowsBuild,
} from './node-info.ts';
import type { HostFacts } from './node-info.ts';

const linux: HostFacts = { platform: 'linux', arch: 'x64', release: '6.1.0-18-amd64', osImage: 'Debian GNU/Linux 12 (bookworm)', hostname: 'Box-1', cpus: 4, memoryBytes: 8 * 1024 ** 3, addresses: ['10.0.0.4'] };
const windows: HostFacts = { platform: 'win32', arch: 'x64', release: '10.0.20348', osImage: 'Windows Server 2022 Datacenter', hostname: 'WIN-7', cpus: 2, memoryBytes: 4 * 1024 ** 3, addresses: ['10.0.0.9'] };

void test('nodeLabels: well-known labels per OS, user labels on top', () => {
  assert.deepEqual(nodeLabels(linux, 'box-1', { tier: 'gold' }), {
    'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': 'box-1', 'kubernetes.io/os': 'linux', tier: 'gold',
  });
  const w = nodeLabels(windows, 'win-7');
  assert.equal(w['kubernetes.io/os'], 'windows');
  assert.equal(w['node.kubernetes.io/windows-build'], '10.0.20348');
  assert.equal(windowsBuild('10.0.17763.1817'), '10.0.17763');
  assert.deepEqual(['x64', 'arm64', 'ia32', 'mips'].map(kubeArch), ['amd64', 'arm64', '386', 'mips']);
});

void test('nodeStatus: addresses, capacity, nodeInfo and a Ready condition', () => {
  const s = nodeStatus(windows, 'win-7', undefined, new Date('2026-01-02T03:04:05.678Z')) as any;
  assert.deepEqual(s.addresses, [{ type: 'InternalIP', address: '10.0.0.9' }, { type: 'Hostname', address: 'win-7' }]);
  assert.deepEqual(s.capacity, { cpu: '2', memory: '4194304Ki', pods: '110' });
  assert.deepEqual(s.allocatable, s.capacity);
  assert.equal(s.nodeInfo.operatingSystem, 'windows');
  assert.equal(s.nodeInfo.architecture, 'amd64');
  assert.equal(s.nodeInfo.osImage, 'Windows Server 2022 Datacenter');
  assert.equal(s.nodeInfo.kubeletVersion, 'v1.33.0-windlass');
  assert.equal(s.nodeInfo.containerRuntimeVersion, 'containerd://unknown');
  assert.deepEqual(s.conditions.map((c: any) => [c.type, c.status, c.reason, c.lastHeartbeatTime]), [['Ready', 'True', 'KubeletReady', '2026-01-02T03:04:05Z']]);
  const withIp = nodeStatus(linux, 'box-1', '192.168.1.5', new Date()) as any;
  assert.equal(withIp.addresses[0].address, '192.168.1.5');
});

void test('node names', () => {
  assert.equal(defaultNodeName('WIN-7 '), 'win-7');
  assert.equal(isValidNodeName('win-7.example'), true);
  assert.equal(isValidNodeName('WIN_7'), false);
  assert.equal(isValidNodeName(''), false);
});

void test('parseNodeLabel', () => {
  const cases: [string, unknown][] = [
    ['tier=gold', { key: 'tier', value: 'gold' }],
    ['example.com/zone=a-1', { key: 'example.com/zone', value: 'a-1' }],
    ['empty=', { key: 'empty', value: '' }],
    ['novalue', /not key=value/],
    ['bad key=x', /not a valid label key/],
    ['k=bad value', /not a valid label value/],
    ['node-role.kubernetes.io/master=', /NodeRestriction/],
  ];
  for (const [input, want] of cases) {
    const got = parseNodeLabel(input);
    if (want instanceof RegExp) assert.match((got as { error: string }).error, want, input);
    else assert.deepEqual(got, want, input);
  }
});

void test('parseNodeTaint', () => {
  const cases: [string, unknown][] = [
    ['os=windows:NoSchedule', { key: 'os', value: 'windows', effect: 'NoSchedule' }],
    ['dedicated:NoExecute', { key: 'dedicated', effect: 'NoExecute' }],
    ['example.com/gpu=true:PreferNoSchedule', { key: 'example.com/gpu', value: 'true', effect: 'PreferNoSchedule' }],
    ['os=windows', /not key\[=value\]:/],
    ['os=windows:Sometimes', /not key\[=value\]:/],
    ['b@d:NoSchedule', /not a valid key/],
  ];
  for (const [input, want] of cases) {
    const got = parseNodeTaint(input);
    if (want instanceof RegExp) assert.match((got as { error: string }).error, want, input);
    else assert.deepEqual(got, want, input);
  }
});

void test('currentHostFacts reads this machine', () => {
  const h = currentHostFacts();
  assert.equal(h.platform, process.platform);
  assert.ok(h.cpus >= 1);
  assert.ok(h.memoryBytes > 0);
  assert.notEqual(h.osImage, '');
});
