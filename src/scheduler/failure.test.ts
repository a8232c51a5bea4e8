import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitErrorMessage } from './failure.ts';
import { status } from './framework.ts';

test('fitErrorMessage counts reasons across nodes and sorts them as strings', () => {
  const m = new Map([
    ['a', status('UnschedulableAndUnresolvable', "node(s) didn't match Pod's node affinity/selector")],
    ['b', status('UnschedulableAndUnresolvable', 'node(s) had untolerated taint {os: windows}')],
    ['c', status('UnschedulableAndUnresolvable', "node(s) didn't match Pod's node affinity/selector")],
    ['d', status('Unschedulable', 'Insufficient cpu', 'Insufficient memory')],
  ]);
  assert.equal(fitErrorMessage(4, m), "0/4 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) had untolerated taint {os: windows}, 2 node(s) didn't match Pod's node affinity/selector.");
  assert.equal(
    fitErrorMessage(4, m, undefined, 'preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.'),
    "0/4 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) had untolerated taint {os: windows}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
  );
  assert.equal(fitErrorMessage(3, new Map(), 'pod affinity terms conflict'), '0/3 nodes are available: pod affinity terms conflict.');
});
