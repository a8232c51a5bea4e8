/** Unit tests (sample-controller style) of the taint-eviction controller. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../api/index.ts';
import { rfc3339, UNREACHABLE_TAINT } from './node-lifecycle.ts';
import { evictionTime, newTaintEvictionController, tolerates } from './taint-eviction.ts';
import { fixture, RESOURCES } from './testing.ts';

const T0 = Date.UTC(2026, 0, 1);
const TAINT = { key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: rfc3339(T0) };
const node = (taints: JsonObject[]): JsonObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', resourceVersion: '4' }, spec: { taints } });
const pod = (tolerations?: JsonObject[], extra: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'app', uid: 'uid-p', resourceVersion: '7', ...extra },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }], ...(tolerations ? { tolerations } : {}) },
});
const tol = (seconds?: number, more: JsonObject = {}): JsonObject => ({ key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}), ...more });

const cases: { name: string; taints: JsonObject[]; pod: JsonObject; at?: number; want: string[]; requeue?: number }[] = [
  { name: 'an untolerated NoExecute taint deletes the pod', taints: [TAINT], pod: pod(), want: ['create events app/p', 'delete pods app/p'] },
  { name: 'NoSchedule taints do not evict', taints: [{ key: 'x', effect: 'NoSchedule' }], pod: pod(), want: [] },
  { name: 'a toleration without limit keeps the pod', taints: [TAINT], pod: pod([tol()]), want: [] },
  { name: 'tolerationSeconds waits from timeAdded', taints: [TAINT], pod: pod([tol(2)]), at: T0 + 500, want: [], requeue: 1500 },
  { name: 'tolerationSeconds elapsed deletes', taints: [TAINT], pod: pod([tol(2)]), at: T0 + 2000, want: ['create events app/p', 'delete pods app/p'] },
  { name: 'the shortest limit wins', taints: [TAINT], pod: pod([tol(30), { operator: 'Exists', tolerationSeconds: 5 }]), at: T0 + 1000, want: [], requeue: 4000 },
  { name: 'tolerationSeconds 0 deletes at once', taints: [TAINT], pod: pod([tol(0)]), want: ['create events app/p', 'delete pods app/p'] },
  { name: 'a terminating pod is left alone', taints: [TAINT], pod: pod(undefined, { deletionTimestamp: rfc3339(T0) }), want: [] },
  { name: 'a toleration for another value does not count', taints: [{ ...TAINT, value: 'a' }], pod: pod([{ key: UNREACHABLE_TAINT, operator: 'Equal', value: 'b', effect: 'NoExecute' }]), want: ['create events app/p', 'delete pods app/p'] },
];

for (const c of cases) {
  test(`taint-eviction: ${c.name}`, async () => {
    const f = fixture();
    const ctrl = newTaintEvictionController(f.ctx);
    f.clock.setTime(c.at ?? T0);
    f.seed(RESOURCES.nodes, node(c.taints));
    f.seed(RESOURCES.pods, c.pod);
    const r = await ctrl.reconcile('app/p');
    assert.deepEqual(f.client.verbs().map((v) => v.replace(/^(create events [^.]+)\..*$/, '$1')), c.want);
    assert.equal(r?.requeueAfterMs, c.requeue);
    const ev = f.client.actions.find((a) => a.resource === 'events')?.object;
    if (ev) {
      assert.equal(ev.reason, 'TaintManagerEviction');
      assert.equal(ev.message, 'Marking for deletion Pod app/p');
      assert.deepEqual(ev.involvedObject, { kind: 'Pod', apiVersion: 'v1', name: 'p', namespace: 'app', uid: 'uid-p' });
    }
  });
}

test('tolerates follows upstream matching; evictionTime uses first sight without timeAdded', () => {
  const t = { key: 'k', value: 'v', effect: 'NoExecute' };
  assert.equal(tolerates({ operator: 'Exists' }, t), true);
  assert.equal(tolerates({ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, t), false);
  assert.equal(tolerates({ key: 'k', value: 'v' }, t), true);
  assert.equal(tolerates({ key: 'other', operator: 'Exists' }, t), false);
  assert.equal(evictionTime(pod([{ operator: 'Exists', tolerationSeconds: 3 }]), [t], 1000), 4000);
  assert.equal(evictionTime(pod(), [], 0), 'never');
});
