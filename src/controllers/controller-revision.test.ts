/** Unit tests of the shared ControllerRevision helpers: patch data, naming, ordering, collisions, int-or-percent, status writes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alreadyExists, conflict, type JsonObject } from '../api/index.ts';
import { FakeClient, RESOURCES } from '../client/index.ts';
import {
  createRevision, newControllerRevision, nextRevisionNumber, scaledValue, sortRevisions, templateOfRevision, templatePatch, writeStatus,
} from './controller-revision.ts';

const owner: JsonObject = {
  metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
  spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } },
};

test('revision data is a replacing template patch and round-trips to the template', () => {
  const data = templatePatch(owner);
  assert.deepEqual(data, { spec: { template: { ...owner.spec.template, $patch: 'replace' } } });
  const rev = newControllerRevision({ owner, apiVersion: 'apps/v1', kind: 'StatefulSet', data, revision: 4, hash: 'abc' });
  assert.equal(rev.metadata.name, 'web-abc');
  assert.deepEqual(rev.metadata.labels, { app: 'web', 'controller-revision-hash': 'abc' });
  assert.deepEqual(rev.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
  assert.equal(rev.revision, 4);
  assert.deepEqual(templateOfRevision(rev), owner.spec.template);
});

test('revisions sort by number then age; the next number follows the highest', () => {
  const r = (name: string, revision: number, ts = '2026-01-01T00:00:00Z'): JsonObject => ({ metadata: { name, creationTimestamp: ts }, revision });
  const sorted = sortRevisions([r('c', 3), r('b', 1, '2026-01-02T00:00:00Z'), r('a', 1)]);
  assert.deepEqual(sorted.map((x) => x.metadata.name), ['a', 'b', 'c']);
  assert.equal(nextRevisionNumber(sorted), 4);
  assert.equal(nextRevisionNumber([]), 1);
});

test('createRevision: a taken name with other data bumps the collision count; equal data is reused', async () => {
  const build = (cc: number): JsonObject => ({ metadata: { name: `web-${cc}`, namespace: 'ns' }, data: { v: 1 }, revision: 1 });
  const client = new FakeClient().seed(RESOURCES.controllerrevisions, { metadata: { name: 'web-0', namespace: 'ns' }, data: { v: 0 } });
  const made = await createRevision(client, 'ns', build, 0);
  assert.deepEqual([made.collisionCount, made.revision.metadata.name], [1, 'web-1']);
  const again = await createRevision(client, 'ns', build, 1);
  assert.deepEqual([again.collisionCount, again.revision.metadata.name], [1, 'web-1'], 'equal data: the existing revision');
  const failing = new FakeClient().react((a) => { if (a.verb === 'create') throw alreadyExists('controllerrevisions', 'apps', a.name); return undefined; });
  failing.react((a) => (a.verb === 'get' ? { metadata: { name: a.name }, data: { other: true } } : undefined));
  await assert.rejects(createRevision(failing, 'ns', build, 0), /too many hash collisions/);
});

test('scaledValue resolves ints, percentages (rounded as asked) and defaults', () => {
  const cases: [unknown, number, boolean, number, number][] = [
    [undefined, 10, true, 1, 1], [3, 10, true, 1, 3], ['25%', 10, true, 1, 3], ['25%', 10, false, 1, 2], ['0%', 10, true, 1, 0], ['7', 10, true, 1, 7], [{}, 10, true, 1, 1],
  ];
  for (const [v, total, up, dflt, want] of cases) assert.equal(scaledValue(v, total, up, dflt), want, JSON.stringify(v));
});

test('writeStatus: skips an unchanged status, re-reads and retries on a conflict', async () => {
  const obj = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'ns', uid: 'u', resourceVersion: '1' }, status: { numberReady: 1 } };
  const client = new FakeClient().seed(RESOURCES.daemonsets, { ...obj, metadata: { ...obj.metadata, resourceVersion: '2' } });
  await writeStatus(client, RESOURCES.daemonsets, obj, { numberReady: 1 });
  assert.deepEqual(client.verbs(), []);
  let first = true;
  client.react((a) => { if (a.verb === 'update' && first) { first = false; throw conflict('daemonsets', 'apps', 'd'); } return undefined; });
  await writeStatus(client, RESOURCES.daemonsets, obj, { numberReady: 2 });
  assert.deepEqual(client.verbs(), ['update daemonsets ns/d/status', 'get daemonsets ns/d', 'update daemonsets ns/d/status']);
  assert.equal(client.actions[2].object?.metadata?.resourceVersion, '2', 'the retry carries the fresh resourceVersion');
});
