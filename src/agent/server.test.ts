import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubeletSubresource, parseTargetPath } from './server.ts';

void test('parseTargetPath reads kubelet streaming and log paths', () => {
  const table: [string, unknown][] = [
    ['/exec/default/web/main', { kind: 'exec', namespace: 'default', pod: 'web', uid: '', container: 'main' }],
    ['/attach/ns/p/uid-1/c', { kind: 'attach', namespace: 'ns', pod: 'p', uid: 'uid-1', container: 'c' }],
    ['/portForward/ns/p', { kind: 'portForward', namespace: 'ns', pod: 'p', uid: '', container: '' }],
    ['/containerLogs/ns/p/c', { kind: 'containerLogs', namespace: 'ns', pod: 'p', uid: '', container: 'c' }],
    ['/containerLogs/ns/p/u/c', undefined],
    ['/exec/ns/p', undefined],
    ['/run/ns/p/c', undefined],
  ];
  for (const [path, want] of table) assert.deepEqual(parseTargetPath(path), want, path);
});

void test('kubeletSubresource maps paths to nodes subresources', () => {
  assert.equal(kubeletSubresource('/stats/summary'), 'stats');
  assert.equal(kubeletSubresource('/metrics/resource'), 'metrics');
  assert.equal(kubeletSubresource('/logs/syslog'), 'log');
  assert.equal(kubeletSubresource('/exec/a/b/c'), 'proxy');
  assert.equal(kubeletSubresource('/containerLogs/a/b/c'), 'proxy');
});
