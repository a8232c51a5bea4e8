import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTolerationSeconds } from './default-toleration-seconds.ts';
import { attrs, fakeContext, KINDS, pod } from './testing.ts';

const NR = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const UR = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

void test('DefaultTolerationSeconds adds the not-ready and unreachable tolerations unless present', async () => {
  const own = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 };
  const all = { operator: 'Exists' };
  const other = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' };
  const cases = [
    { name: 'none', tols: undefined, want: [NR, UR] },
    { name: 'own not-ready', tols: [own], want: [own, UR] },
    { name: 'tolerates everything', tols: [all], want: [all] },
    { name: 'other effect', tols: [other], want: [other, NR, UR] },
  ];
  for (const c of cases) {
    const a = attrs('CREATE', KINDS.pods, pod('a', c.tols ? { tolerations: c.tols } : {}));
    await defaultTolerationSeconds().admit!(a, fakeContext([]));
    assert.deepEqual(a.object!.spec.tolerations, c.want, c.name);
  }
  const u = attrs('UPDATE', KINDS.pods, pod('a'), { oldObject: pod('a') });
  await defaultTolerationSeconds().admit!(u, fakeContext([]));
  assert.equal(u.object!.spec.tolerations, undefined);
});
