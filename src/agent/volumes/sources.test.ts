/**
 * @module agent/volumes/sources.test — the downward API values: field paths (labels and
 * annotations in the kubelet's sorted `key="value"` format), resource fields divided and rounded
 * up, unset limits taken from the node's allocatable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldValue, formatMap, resourceValue } from './sources.ts';

const pod = {
  metadata: { name: 'web', namespace: 'ns', uid: 'u1', labels: { b: '2', a: '1' }, annotations: { 'x/y': 'v"q' } },
  spec: { nodeName: 'n1', serviceAccountName: 'sa' }, status: { podIP: '10.0.0.5', hostIP: '10.64.0.4' },
};

test('fieldValue covers the downward API field paths', () => {
  const cases: [string, string | undefined][] = [
    ['metadata.name', 'web'], ['metadata.namespace', 'ns'], ['metadata.uid', 'u1'],
    ['metadata.labels', 'a="1"\nb="2"'], ['metadata.annotations', 'x/y="v\\"q"'],
    ["metadata.labels['b']", '2'], ["metadata.annotations['x/y']", 'v"q'], ["metadata.labels['none']", ''],
    ['spec.nodeName', 'n1'], ['spec.serviceAccountName', 'sa'], ['status.podIP', '10.0.0.5'], ['status.hostIP', '10.64.0.4'],
    ['spec.containers', undefined],
  ];
  for (const [path, want] of cases) assert.equal(fieldValue(pod, path), want, path);
  assert.equal(formatMap({}), '');
});

test('resourceValue divides and rounds up, falling back to allocatable for unset limits', () => {
  const c = { resources: { limits: { cpu: '250m', memory: '100Mi' }, requests: { cpu: '100m' } } };
  const alloc = { cpu: '4', memory: '8Gi', 'ephemeral-storage': '10Gi' };
  const cases: [string, unknown, string | undefined][] = [
    ['limits.cpu', undefined, '1'], ['limits.cpu', '1m', '250'], ['requests.cpu', '1m', '100'], ['requests.cpu', '1', '1'],
    ['limits.memory', '1Mi', '100'], ['limits.memory', '1Gi', '1'], ['limits.memory', undefined, String(100 * 2 ** 20)],
    ['requests.memory', undefined, '0'], ['limits.ephemeral-storage', '1Gi', '10'], ['bogus', undefined, undefined],
  ];
  for (const [res, div, want] of cases) assert.equal(resourceValue(c, res, div, alloc), want, `${res}/${String(div)}`);
});
