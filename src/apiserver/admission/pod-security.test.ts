import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { checkPod, renderViolations, type PodSecurityLevel } from './pod-security-checks.ts';
import { podSecurity, policyOf } from './pod-security.ts';
import { attrs, fakeContext, KINDS, pod, rejection } from './testing.ts';

const RESTRICTED_OK: JsonObject = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
const CTR_OK: JsonObject = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
const spec = (ctr: JsonObject, podSc: JsonObject = {}, extra: JsonObject = {}): JsonObject => ({ securityContext: podSc, containers: [{ name: 'c', image: 'x', securityContext: ctr }], ...extra });

void test('Pod Security Standards checks render upstream\'s reasons and details', () => {
  const cases: { name: string; level: PodSecurityLevel; spec: JsonObject; meta?: JsonObject; want: string }[] = [
    { name: 'privileged allows all', level: 'privileged', spec: spec({ privileged: true }, {}, { hostNetwork: true }), want: '' },
    { name: 'baseline empty pod', level: 'baseline', spec: spec({}), want: '' },
    { name: 'baseline host namespaces', level: 'baseline', spec: spec({}, {}, { hostNetwork: true, hostPID: true }), want: 'host namespaces (hostNetwork=true, hostPID=true)' },
    { name: 'baseline privileged', level: 'baseline', spec: spec({ privileged: true }), want: 'privileged (container "c" must not set securityContext.privileged=true)' },
    { name: 'baseline capabilities', level: 'baseline', spec: spec({ capabilities: { add: ['NET_ADMIN', 'CHOWN'] } }), want: 'non-default capabilities (container "c" must not include "NET_ADMIN" in securityContext.capabilities.add)' },
    { name: 'baseline hostPath', level: 'baseline', spec: spec({}, {}, { volumes: [{ name: 'h', hostPath: { path: '/' } }] }), want: 'hostPath volumes (volume "h")' },
    { name: 'baseline hostPort', level: 'baseline', spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }] }] }, want: 'hostPort (container "c" uses hostPort 8080)' },
    { name: 'baseline seccomp', level: 'baseline', spec: spec({}, { seccompProfile: { type: 'Unconfined' } }), want: 'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")' },
    { name: 'baseline sysctls', level: 'baseline', spec: spec({}, { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }] }), want: 'forbidden sysctls (kernel.msgmax)' },
    { name: 'baseline procMount', level: 'baseline', spec: spec({ procMount: 'Unmasked' }), want: 'procMount (container "c" must not set securityContext.procMount to "Unmasked")' },
    { name: 'baseline selinux', level: 'baseline', spec: spec({ seLinuxOptions: { type: 'spc_t' } }), want: 'seLinuxOptions (container "c" set forbidden securityContext.seLinuxOptions: type "spc_t")' },
    { name: 'baseline apparmor', level: 'baseline', spec: spec({}), meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' } }, want: 'forbidden AppArmor profile (annotation container.apparmor.security.beta.kubernetes.io/c="unconfined")' },
    { name: 'restricted ok', level: 'restricted', spec: spec(CTR_OK, RESTRICTED_OK), want: '' },
    { name: 'restricted empty', level: 'restricted', spec: spec({}), want: 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")' },
    { name: 'restricted volumes', level: 'restricted', spec: spec(CTR_OK, RESTRICTED_OK, { volumes: [{ name: 'h', hostPath: { path: '/' } }, { name: 'e', emptyDir: {} }] }), want: 'restricted volume types (volume "h" uses restricted volume type "hostPath")' },
    { name: 'restricted root', level: 'restricted', spec: spec(CTR_OK, { ...RESTRICTED_OK, runAsUser: 0 }), want: 'runAsUser=0 (pod must not set runAsUser=0)' },
    { name: 'restricted caps', level: 'restricted', spec: spec({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'SYS_TIME'] } }, RESTRICTED_OK), want: 'unrestricted capabilities (container "c" must not include "SYS_TIME" in securityContext.capabilities.add)' },
    { name: 'restricted two containers', level: 'restricted', spec: { securityContext: RESTRICTED_OK, containers: [{ name: 'a', securityContext: CTR_OK }, { name: 'b' }, { name: 'c' }] }, want: 'allowPrivilegeEscalation != false (containers "b", "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (containers "b", "c" must set securityContext.capabilities.drop=["ALL"])' },
  ];
  for (const c of cases) assert.equal(renderViolations(checkPod(c.level, c.meta ?? {}, c.spec)), c.want, c.name);
});

void test('policyOf reads the namespace labels', () => {
  assert.deepEqual(policyOf({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.30', 'pod-security.kubernetes.io/warn': 'bogus' }), {
    enforce: { level: 'baseline', version: 'v1.30' }, warn: { level: 'restricted', version: 'latest' }, audit: { level: 'privileged', version: 'latest' },
  });
});

void test('PodSecurity enforces on pods and warns on pods and workload templates', async () => {
  const ns = (labels: Record<string, string>): ReturnType<typeof fakeContext> => fakeContext([{ group: '', resource: 'namespaces', obj: { metadata: { name: 'ns', labels } } }]);
  const enforce = ns({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  const warnOnly = ns({ 'pod-security.kubernetes.io/warn': 'baseline' });
  const p = podSecurity();
  const bad = pod('a', { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] });
  assert.equal(await rejection(() => p.validate!(attrs('CREATE', KINDS.pods, bad), enforce)),
    '403 pods "a" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), privileged (container "c" must not set securityContext.privileged=true), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
  const w = attrs('CREATE', KINDS.pods, bad);
  await p.validate!(w, warnOnly);
  assert.deepEqual(w.warnings, ['would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)']);
  const deploy = { metadata: { name: 'd' }, spec: { template: { spec: bad.spec } } };
  const d = attrs('CREATE', KINDS.deployments, deploy);
  await p.validate!(d, ns({ 'pod-security.kubernetes.io/enforce': 'baseline' }));
  assert.deepEqual(d.warnings, ['would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)']);
  const labelsOnly = attrs('UPDATE', KINDS.pods, { ...bad, metadata: { ...bad.metadata, labels: { x: 'y' } } }, { oldObject: bad });
  assert.equal(await rejection(() => p.validate!(labelsOnly, enforce)), '');
});

void test('PodSecurity validates namespace labels and warns about existing pods on a stricter enforce level', async () => {
  const p = podSecurity();
  const nsObj = (labels: Record<string, string>): JsonObject => ({ metadata: { name: 'ns', labels } });
  const bad = attrs('CREATE', KINDS.namespaces, nsObj({ 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/warn-version': 'latest' }), { name: 'ns' });
  assert.equal(await rejection(() => p.validate!(bad, fakeContext([]))), '422 Namespace "ns" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted');
  const priv = (name: string): { group: string; resource: string; obj: JsonObject } => ({ group: '', resource: 'pods', obj: pod(name, { containers: [{ name: 'c', securityContext: { privileged: true } }] }) });
  const ctx = fakeContext([priv('p1'), priv('p2'), priv('p3'), { group: '', resource: 'pods', obj: pod('fine') }]);
  const up = attrs('UPDATE', KINDS.namespaces, nsObj({ 'pod-security.kubernetes.io/enforce': 'baseline' }), { name: 'ns', oldObject: nsObj({}) });
  await p.validate!(up, ctx);
  assert.deepEqual(up.warnings, ['existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest"', 'p1 (and 2 other pods): privileged']);
  const same = attrs('UPDATE', KINDS.namespaces, nsObj({ 'pod-security.kubernetes.io/enforce': 'baseline', x: 'y' }), { name: 'ns', oldObject: nsObj({ 'pod-security.kubernetes.io/enforce': 'baseline' }) });
  await p.validate!(same, ctx);
  assert.deepEqual(same.warnings, []);
});
