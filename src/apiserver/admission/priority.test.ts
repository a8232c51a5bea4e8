import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { priorityAdmission } from './priority.ts';
import { attrs, fakeContext, KINDS, pod, rejection } from './testing.ts';

const pc = (name: string, value: number, extra: JsonObject = {}): { group: string; resource: string; obj: JsonObject } => ({ group: 'scheduling.k8s.io', resource: 'priorityclasses', obj: { metadata: { name }, value, ...extra } });

void test('Priority resolves the class into spec.priority and spec.preemptionPolicy', async () => {
  const plain = fakeContext([pc('high', 1000), pc('polite', 10, { preemptionPolicy: 'Never' })]);
  const withDefault = fakeContext([pc('high', 1000), pc('base', 5, { globalDefault: true })]);
  const cases = [
    { name: 'no class, no default', ctx: plain, spec: {}, want: '', priority: 0, policy: 'PreemptLowerPriority', cls: undefined },
    { name: 'named class', ctx: plain, spec: { priorityClassName: 'high' }, want: '', priority: 1000, policy: 'PreemptLowerPriority', cls: 'high' },
    { name: 'never preempts', ctx: plain, spec: { priorityClassName: 'polite' }, want: '', priority: 10, policy: 'Never', cls: 'polite' },
    { name: 'global default', ctx: withDefault, spec: {}, want: '', priority: 5, policy: 'PreemptLowerPriority', cls: 'base' },
    { name: 'built-in system class', ctx: plain, spec: { priorityClassName: 'system-node-critical' }, want: '', priority: 2000001000, policy: 'PreemptLowerPriority', cls: 'system-node-critical' },
    { name: 'unknown class', ctx: plain, spec: { priorityClassName: 'x' }, want: '403 pods "a" is forbidden: no PriorityClass with name x was found' },
    { name: 'priority without class', ctx: plain, spec: { priority: 7 }, want: '403 pods "a" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name' },
    { name: 'matching priority', ctx: plain, spec: { priorityClassName: 'high', priority: 1000 }, want: '', priority: 1000, policy: 'PreemptLowerPriority', cls: 'high' },
    { name: 'other policy', ctx: plain, spec: { priorityClassName: 'high', preemptionPolicy: 'Never' }, want: '403 pods "a" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name' },
  ];
  for (const c of cases) {
    const a = attrs('CREATE', KINDS.pods, pod('a', c.spec));
    assert.equal(await rejection(() => priorityAdmission().admit!(a, c.ctx)), c.want, c.name);
    if (c.want) continue;
    assert.equal(a.object!.spec.priority, c.priority, c.name);
    assert.equal(a.object!.spec.preemptionPolicy, c.policy, c.name);
    assert.equal(a.object!.spec.priorityClassName, c.cls, c.name);
  }
});

void test('only one PriorityClass may be the global default', async () => {
  const ctx = fakeContext([pc('base', 5, { globalDefault: true })]);
  const a = attrs('CREATE', KINDS.priorityclasses, { metadata: { name: 'other' }, value: 3, globalDefault: true });
  assert.equal(await rejection(() => priorityAdmission().validate!(a, ctx)), '403 PriorityClass base is already marked as default. Only one default can exist');
  const same = attrs('UPDATE', KINDS.priorityclasses, { metadata: { name: 'base' }, value: 6, globalDefault: true }, { oldObject: { metadata: { name: 'base' } } });
  assert.equal(await rejection(() => priorityAdmission().validate!(same, ctx)), '');
});
