/** @module api/validation/workloads.test — Pod and workload validation through kindHooks (defaults, then validate), with upstream messages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage, invalid } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import { kindHooks } from './hooks.ts';

function check(key: string, o: JsonObject, old?: JsonObject): string[] {
  const h = kindHooks[key];
  const obj = structuredClone(o);
  h.defaults?.(obj);
  let prev: JsonObject | undefined;
  if (old) { prev = structuredClone(old); h.defaults?.(prev); }
  return (h.validate?.(obj, prev) ?? []).map(fieldErrorMessage);
}

const pod = (spec: JsonObject): JsonObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec });

void test('pod validation', () => {
  const cases: [string, JsonObject, string[]][] = [
    ['ok', { containers: [{ name: 'a', image: 'nginx', ports: [{ containerPort: 80 }] }] }, []],
    ['no containers', { containers: [] }, ['spec.containers: Required value']],
    ['dup names', { containers: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }] }, ['spec.containers[1].name: Duplicate value: "a"']],
    ['no image', { containers: [{ name: 'a' }] }, ['spec.containers[0].image: Required value']],
    ['port range', { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 70000 }] }] }, ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['protocol', { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, protocol: 'ICMP' }] }] }, ['spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"']],
    ['restartPolicy', { restartPolicy: 'Sometimes', containers: [{ name: 'a', image: 'x' }] }, ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
    ['limits', { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] }, ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1']],
    ['limits ok', { containers: [{ name: 'a', image: 'x', resources: { requests: { memory: '512Mi' }, limits: { memory: '1Gi' } } }] }, []],
    ['volumes', { volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }], containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'w', mountPath: '/w' }] }] },
      ['spec.volumes[1].name: Duplicate value: "v"', 'spec.containers[0].volumeMounts[0].name: Not found: "w"']],
    ['volume type', { volumes: [{ name: 'v' }], containers: [{ name: 'a', image: 'x' }] }, ['spec.volumes[0]: Required value: must specify a volume type']],
    ['host network: hostPort defaulted', { hostNetwork: true, containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80 }] }] }, []],
    ['host network: another hostPort', { hostNetwork: true, containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }] },
      ['spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true']],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(check('/Pod', pod(spec)), want, name);
});

void test('a template on the host network may leave hostPort unset, not set it to another port', () => {
  const ds = (ports: JsonObject[]): JsonObject => ({
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { hostNetwork: true, containers: [{ name: 'a', image: 'x', ports }] } } },
  });
  assert.deepEqual(check('apps/DaemonSet', ds([{ containerPort: 80 }, { containerPort: 53, hostPort: 53 }])), []);
  assert.deepEqual(check('apps/DaemonSet', ds([{ containerPort: 80, hostPort: 81 }])),
    ['spec.template.spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true']);
});

void test('pod update may change only images and a few fields', () => {
  const old = pod({ containers: [{ name: 'a', image: 'nginx:1' }], tolerations: [{ key: 'k', operator: 'Exists' }] });
  assert.deepEqual(check('/Pod', pod({ containers: [{ name: 'a', image: 'nginx:2' }], tolerations: [{ key: 'k', operator: 'Exists' }, { key: 'j', operator: 'Exists' }], activeDeadlineSeconds: 30 }), old), []);
  assert.deepEqual(check('/Pod', pod({ containers: [{ name: 'a', image: 'nginx:1' }], tolerations: [{ key: 'k', operator: 'Exists' }], nodeName: 'n1' }), old), []);
  const bound = pod({ containers: [{ name: 'a', image: 'nginx:1' }], tolerations: [{ key: 'k', operator: 'Exists' }], nodeName: 'n1' });
  const errs = check('/Pod', { ...bound, spec: { ...bound.spec, nodeName: 'n2' } }, bound);
  assert.equal(errs.length, 1);
  assert.ok(errs[0].startsWith('spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)'), errs[0]);
  assert.ok(errs[0].includes('spec.nodeName'));
  const removed = check('/Pod', pod({ containers: [{ name: 'a', image: 'nginx:1' }] }), old);
  assert.equal(removed.length, 1);
  // a binding that also changes something else is still refused, and names that field
  const boundAndChanged = check('/Pod', pod({ containers: [{ name: 'a', image: 'nginx:1' }], tolerations: [{ key: 'k', operator: 'Exists' }], nodeName: 'n1', hostname: 'h' }), old);
  assert.equal(boundAndChanged.length, 1);
  assert.ok(boundAndChanged[0].includes('changed: spec.hostname'), boundAndChanged[0]);
  const unbound = check('/Pod', pod({ containers: [{ name: 'a', image: 'nginx:1' }] }), { ...bound, spec: { ...bound.spec, tolerations: undefined } });
  assert.ok(unbound[0].includes('spec.nodeName'), unbound[0]);
});

void test('a status update (the stored spec object itself) does not validate the spec again; a copy of it does', () => {
  const stored = pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 70000 }] }] });
  assert.deepEqual(kindHooks['/Pod'].validate?.({ ...stored, status: { phase: 'Running' } }, stored), []);
  const copy = check('/Pod', { ...stored, spec: structuredClone(stored.spec) }, stored);
  assert.deepEqual(copy, ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']);
});

void test('a binding (the stored spec with nodeName set) validates only nodeName, as upstream validates no spec on a binding', () => {
  const stored = pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 70000 }] }] });
  const validate = (spec: JsonObject): string[] => (kindHooks['/Pod'].validate?.({ ...stored, spec }, stored) ?? []).map(fieldErrorMessage);
  assert.deepEqual(validate({ ...stored.spec, nodeName: 'node-1' }), []);
  assert.deepEqual(validate({ ...stored.spec, nodeName: 'Node_1' }),
    ['spec.nodeName: Invalid value: "Node_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')']);
  // Anything else changed with it: the whole spec is validated again.
  assert.equal(validate({ ...stored.spec, nodeName: 'node-1', hostname: 'h' }).filter((e) => e.includes('containerPort')).length, 1);
});

const deployment = (spec: JsonObject, name = 'web'): JsonObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx' }] } }, ...spec },
});

void test('deployment validation', () => {
  assert.deepEqual(check('apps/Deployment', deployment({})), []);
  assert.deepEqual(check('apps/Deployment', deployment({ replicas: -1 })), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(check('apps/Deployment', deployment({ template: { metadata: { labels: { app: 'other', tier: 'fe' } }, spec: { containers: [{ name: 'a', image: 'nginx' }] } } })),
    ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"other", "tier":"fe"}: `selector` does not match template `labels`']);
  assert.deepEqual(check('apps/Deployment', deployment({ selector: undefined })), ['spec.selector: Required value']);
  assert.deepEqual(check('apps/Deployment', deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } })),
    ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0']);
  assert.deepEqual(check('apps/Deployment', deployment({ strategy: { type: 'Blue' } })), ['spec.strategy.type: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"']);
  assert.deepEqual(check('apps/Deployment', deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } })),
    ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
  const changed = deployment({ selector: { matchLabels: { app: 'web', v: '2' } }, template: { metadata: { labels: { app: 'web', v: '2' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } });
  const errs = check('apps/Deployment', changed, deployment({}));
  assert.deepEqual(errs, ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']);
  const d = structuredClone(changed);
  kindHooks['apps/Deployment'].defaults?.(d);
  const full = invalid('Deployment', 'apps', 'web', kindHooks['apps/Deployment'].validate?.(d, deployment({})) ?? []);
  assert.equal(full.status.message, 'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');
});

void test('replicaset, statefulset, daemonset', () => {
  const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'd' }, spec: { selector: {}, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } } };
  assert.deepEqual(check('apps/ReplicaSet', rs), ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment']);
  const sts = (spec: JsonObject): JsonObject => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', namespace: 'd' }, spec: { serviceName: 's', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'x' }] } }, ...spec } });
  assert.deepEqual(check('apps/StatefulSet', sts({})), []);
  // A volumeMount may name a volumeClaimTemplate (the controller adds that volume to each pod); any other name is still an error.
  const mounting = (mount: string): JsonObject => sts({
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: mount, mountPath: '/data' }] }] } },
  });
  assert.deepEqual(check('apps/StatefulSet', mounting('data')), []);
  assert.deepEqual(check('apps/StatefulSet', mounting('other')), ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "other"']);
  assert.deepEqual(check('apps/StatefulSet', sts({ podManagementPolicy: 'Random' })), ['spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\'']);
  assert.deepEqual(check('apps/StatefulSet', sts({ replicas: 5 }), sts({})), []);
  assert.deepEqual(check('apps/StatefulSet', sts({ serviceName: 'other' }), sts({})), ["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"]);
  const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds', namespace: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, updateStrategy: { type: 'Sometimes' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } } };
  assert.deepEqual(check('apps/DaemonSet', ds), ['spec.updateStrategy: Unsupported value: "Sometimes": supported values: "OnDelete", "RollingUpdate"']);
});

const job = (spec: JsonObject): JsonObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'd' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } }, ...spec } });

void test('job and cronjob', () => {
  assert.deepEqual(check('batch/Job', job({})), []);
  assert.deepEqual(check('batch/Job', job({ parallelism: -1 })), ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(check('batch/Job', job({ template: { spec: { containers: [{ name: 'a', image: 'x' }] } } })), ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  const withSel = job({ selector: { matchLabels: { x: '1' } }, template: { metadata: { labels: { x: '1' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } });
  const moved = job({ selector: { matchLabels: { x: '2' } }, template: { metadata: { labels: { x: '1' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } });
  assert.ok(check('batch/Job', moved, withSel).includes('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"x":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'));
  const cj = (spec: JsonObject): JsonObject => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'd' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'a', image: 'x' }] } } } }, ...spec } });
  assert.deepEqual(check('batch/CronJob', cj({})), []);
  assert.deepEqual(check('batch/CronJob', cj({ schedule: '@hourly', timeZone: 'Europe/Berlin' })), []);
  assert.deepEqual(check('batch/CronJob', cj({ schedule: '* * *' })), ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]']);
  assert.deepEqual(check('batch/CronJob', cj({ schedule: '61 * * * *' })), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']);
  assert.deepEqual(check('batch/CronJob', cj({ schedule: '@sometimes' })), ['spec.schedule: Invalid value: "@sometimes": unrecognized descriptor: @sometimes']);
  assert.deepEqual(check('batch/CronJob', cj({ schedule: 'TZ=UTC 0 * * * *' })), ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
  assert.deepEqual(check('batch/CronJob', cj({ timeZone: 'Mars/Olympus' })), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
  assert.deepEqual(check('batch/CronJob', cj({ concurrencyPolicy: 'Sometimes' })), ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']);
});
