import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { runtimeClassAdmission } from './runtime-class.ts';
import { attrs, fakeContext, KINDS, pod, rejection } from './testing.ts';

const rc = (name: string, extra: JsonObject): { group: string; resource: string; obj: JsonObject } => ({ group: 'node.k8s.io', resource: 'runtimeclasses', obj: { metadata: { name }, handler: name, ...extra } });
const TOL = { key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' };

void test('RuntimeClass requires the class, merges scheduling and sets the overhead', async () => {
  const ctx = fakeContext([
    rc('kata', { overhead: { podFixed: { cpu: '250m', memory: '120Mi' } }, scheduling: { nodeSelector: { sandbox: 'yes' }, tolerations: [TOL] } }),
    rc('plain', {}),
  ]);
  const cases = [
    { name: 'merged', spec: { runtimeClassName: 'kata', nodeSelector: { disk: 'ssd' } }, want: '', check: (s: JsonObject) => {
      assert.deepEqual(s.overhead, { cpu: '250m', memory: '120Mi' });
      assert.deepEqual(s.nodeSelector, { disk: 'ssd', sandbox: 'yes' });
      assert.deepEqual(s.tolerations, [TOL]);
    } },
    { name: 'same overhead', spec: { runtimeClassName: 'kata', overhead: { cpu: '250m', memory: '120Mi' }, tolerations: [TOL] }, want: '', check: (s: JsonObject) => assert.deepEqual(s.tolerations, [TOL]) },
    { name: 'missing class', spec: { runtimeClassName: 'gvisor' }, want: '403 pods "a" is forbidden: pod rejected: RuntimeClass "gvisor" not found' },
    { name: 'selector conflict', spec: { runtimeClassName: 'kata', nodeSelector: { sandbox: 'no' } }, want: '403 pods "a" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = yes; pod.spec.nodeSelector[sandbox] = no' },
    { name: 'other overhead', spec: { runtimeClassName: 'kata', overhead: { cpu: '1' } }, want: '403 pods "a" is forbidden: pod rejected: Pod\'s Overhead doesn\'t match RuntimeClass\'s defined Overhead' },
    { name: 'overhead without class overhead', spec: { runtimeClassName: 'plain', overhead: { cpu: '1' } }, want: '403 pods "a" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead' },
    { name: 'no class', spec: {}, want: '', check: (s: JsonObject) => assert.equal(s.overhead, undefined) },
  ];
  for (const c of cases) {
    const a = attrs('CREATE', KINDS.pods, pod('a', c.spec));
    assert.equal(await rejection(() => runtimeClassAdmission().admit!(a, ctx)), c.want, c.name);
    c.check?.(a.object!.spec);
  }
});
