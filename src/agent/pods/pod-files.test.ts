/**
 * @module agent/pods/pod-files.test — the managed /etc/hosts content, CRI log tails and
 * termination messages (file first, log tail with FallbackToLogsOnError, 4096-byte cap), and the
 * removal of a pod's files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTerminationLog, hostsFile, logTail, readTerminationMessage, removePodFiles, writeHostsFile } from './pod-files.ts';

void test('hostsFile: localhost entries, pod IPs with hostname and FQDN, host aliases', () => {
  const pod = { metadata: { name: 'web-0', namespace: 'shop' }, spec: { hostname: 'web-0', subdomain: 'web', hostAliases: [{ ip: '10.1.1.1', hostnames: ['a', 'b'] }] } };
  const text = hostsFile(pod, ['10.244.1.5'], 'cluster.local');
  assert.match(text, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
  assert.match(text, /\n10\.244\.1\.5\tweb-0\.web\.shop\.svc\.cluster\.local\tweb-0\n/);
  assert.match(text, /# Entries added by HostAliases\.\n10\.1\.1\.1\ta\tb\n$/);
  assert.match(hostsFile({ metadata: { name: 'p' }, spec: {} }, ['10.0.0.9'], undefined), /\n10\.0\.0\.9\tp\n$/);
});

void test('logTail joins partial lines and keeps the last lines', () => {
  const log = ['2026-01-01T00:00:00.1Z stdout F one', '2026-01-01T00:00:00.2Z stderr P tw', '2026-01-01T00:00:00.3Z stderr F o', 'garbage', '2026-01-01T00:00:00.4Z stdout F three', ''].join('\n');
  assert.equal(logTail(log), 'one\ntwo\nthree');
  assert.equal(logTail(log, 1), 'three');
});

void test('termination messages and pod file removal', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wl-pf-'));
  const file = await createTerminationLog(dir, 'u1', 'app');
  const log = join(dir, 'app.log');
  await writeFile(log, '2026-01-01T00:00:00Z stderr F boom\n');
  assert.equal(await readTerminationMessage(file, 'File', 1, log), '', 'File policy: no fallback');
  assert.equal(await readTerminationMessage(file, 'FallbackToLogsOnError', 1, log), 'boom');
  assert.equal(await readTerminationMessage(file, 'FallbackToLogsOnError', 0, log), '', 'only for failed containers');
  await writeFile(file, 'x'.repeat(5000));
  assert.equal((await readTerminationMessage(file, 'File', 0, undefined)).length, 4096);
  assert.ok(await writeHostsFile(dir, { metadata: { name: 'p', uid: 'u1' }, spec: {} }, ['10.0.0.1'], undefined));
  assert.equal(await writeHostsFile(dir, { metadata: { name: 'p', uid: 'u1' }, spec: { hostNetwork: true } }, [], undefined), undefined);
  await removePodFiles(dir, 'u1');
  assert.deepEqual((await readdir(dir)).sort(), ['app.log']);
  await rm(dir, { recursive: true, force: true });
});
