/** @module api/validation/kinds.test — core and misc kinds through kindHooks, with upstream messages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../errors.ts';
import type { JsonObject } from '../kinds/types.ts';
import { parseFieldSelector, matchesFields } from '../selectors/fields.ts';
import { kindHooks } from './hooks.ts';
import { fieldGetter, unsupportedFields } from './field-selectors.ts';

function check(key: string, o: JsonObject, old?: JsonObject): string[] {
  const h = kindHooks[key];
  const obj = structuredClone(o);
  h.defaults?.(obj);
  let prev: JsonObject | undefined;
  if (old) { prev = structuredClone(old); h.defaults?.(prev); }
  return (h.validate?.(obj, prev) ?? []).map(fieldErrorMessage);
}

const svc = (spec: JsonObject, name = 'web'): JsonObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'd' }, spec });

void test('service', () => {
  const cases: [JsonObject, string[]][] = [
    [svc({ ports: [{ port: 80 }] }), []],
    [svc({ ports: [] }), ['spec.ports: Required value']],
    [svc({ clusterIP: 'None' }), []],
    [svc({ type: 'ExternalName', externalName: 'db.example.com' }), []],
    [svc({ ports: [{ port: 80 }, { port: 443 }] }), ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']],
    [svc({ ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81 }] }), ['spec.ports[1].name: Duplicate value: "a"']],
    [svc({ ports: [{ port: 0 }] }), ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
    [svc({ type: 'Magic', ports: [{ port: 80 }] }), ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
    // The node-port range is the allocator's check (src/apiserver/service-allocator); validation wants a port number.
    [svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 70000 }] }), ['spec.ports[0].nodePort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    [svc({ ports: [{ port: 80, nodePort: 30080 }] }), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
    [svc({ ports: [{ port: 80 }] }, '1web'), ["metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]],
  ];
  for (const [o, want] of cases) assert.deepEqual(check('/Service', o), want, JSON.stringify(o.spec));
  assert.deepEqual(check('/Service', svc({ clusterIP: '10.43.0.9', ports: [{ port: 80 }] }), svc({ clusterIP: '10.43.0.8', ports: [{ port: 80 }] })), ['spec.clusterIP: Invalid value: "10.43.0.9": field is immutable']);
});

void test('configmap and secret', () => {
  const cm = (extra: JsonObject): JsonObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, ...extra });
  assert.deepEqual(check('/ConfigMap', cm({ data: { 'a.b': '1' } })), []);
  assert.deepEqual(check('/ConfigMap', cm({ data: { 'a b': '1' } })), ["data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"]);
  assert.deepEqual(check('/ConfigMap', cm({ data: { a: 'x'.repeat(1024 * 1024 + 1) } })), [': Too long: may not be more than 1048576 bytes']);
  assert.deepEqual(check('/ConfigMap', cm({ immutable: true, data: { a: '2' } }), cm({ immutable: true, data: { a: '1' } })), ['data: Forbidden: field is immutable when `immutable` is set']);
  const sec = (extra: JsonObject): JsonObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, ...extra });
  assert.deepEqual(check('/Secret', sec({ data: { a: 'eA==' } })), []);
  assert.deepEqual(check('/Secret', sec({ type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } })), ['data[tls.key]: Required value']);
  assert.deepEqual(check('/Secret', sec({ type: 'kubernetes.io/basic-auth', data: {} }), sec({})), ['data[username]: Required value', 'data[password]: Required value', 'type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
});

void test('namespace, node, pvc', () => {
  assert.deepEqual(check('/Namespace', { metadata: { name: 'team-a' } }), []);
  assert.deepEqual(check('/Namespace', { metadata: { name: 'team.a' } }), ['metadata.name: Invalid value: "team.a": must not contain dots']);
  assert.deepEqual(check('/Node', { metadata: { name: 'n1' }, spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } }), ['spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"']);
  assert.deepEqual(check('/Node', { metadata: { name: 'n1' }, spec: { podCIDR: '10.42.1.0/24' } }, { metadata: { name: 'n1' }, spec: { podCIDR: '10.42.0.0/24' } }), ['spec.podCIDR: Forbidden: node updates may not change podCIDR except from "" to valid']);
  const pvc = (spec: JsonObject): JsonObject => ({ metadata: { name: 'c', namespace: 'd' }, spec });
  assert.deepEqual(check('/PersistentVolumeClaim', pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } })), []);
  assert.deepEqual(check('/PersistentVolumeClaim', pvc({})), ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']);
});

void test('hpa, crd, rbac, priority class, csr, network policy, lease, event', () => {
  const hpa = { apiVersion: 'autoscaling/v2', metadata: { name: 'h', namespace: 'd' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 3, maxReplicas: 2 } };
  assert.deepEqual(check('autoscaling/HorizontalPodAutoscaler', hpa), ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`']);
  assert.deepEqual(check('autoscaling/HorizontalPodAutoscaler', { ...hpa, spec: { ...hpa.spec, minReplicas: 0, maxReplicas: 2 } }), ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1']);
  const crd = (spec: JsonObject, name = 'widgets.example.com'): JsonObject => ({ metadata: { name }, spec: {
    group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } } }], ...spec,
  } });
  assert.deepEqual(check('apiextensions.k8s.io/CustomResourceDefinition', crd({})), []);
  assert.deepEqual(check('apiextensions.k8s.io/CustomResourceDefinition', crd({ group: 'example' }, 'widgets.example')), ['spec.group: Invalid value: "example": should be a domain with at least one dot']);
  assert.deepEqual(check('apiextensions.k8s.io/CustomResourceDefinition', crd({ versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', properties: { a: { properties: {} } } } } }] })), [
    'spec.versions[0].schema.openAPIV3Schema.properties[a].type: Required value: must not be empty for specified object fields',
    'spec.versions: Invalid value: ["v1"]: must have exactly one version marked as storage version',
  ]);
  assert.deepEqual(check('rbac.authorization.k8s.io/Role', { metadata: { name: 'r', namespace: 'd' }, rules: [{ apiGroups: [''], resources: ['pods'] }] }), ['rules[0].verbs: Required value: verbs must contain at least one value']);
  assert.deepEqual(check('rbac.authorization.k8s.io/ClusterRoleBinding', { metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice' }] }), []);
  assert.deepEqual(check('rbac.authorization.k8s.io/RoleBinding', { metadata: { name: 'b', namespace: 'd' }, roleRef: { kind: 'Role', name: 'edit' } }, { metadata: { name: 'b', namespace: 'd' }, roleRef: { kind: 'Role', name: 'view' } }),
    ['roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"edit"}: cannot change roleRef']);
  assert.deepEqual(check('scheduling.k8s.io/PriorityClass', { metadata: { name: 'high' }, value: 2_000_000_000 }), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
  assert.deepEqual(check('scheduling.k8s.io/PriorityClass', { metadata: { name: 'high' }, value: 2 }, { metadata: { name: 'high' }, value: 1 }), ['value: Forbidden: may not be changed in an update.']);
  const pem = Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n').toString('base64');
  assert.deepEqual(check('certificates.k8s.io/CertificateSigningRequest', { metadata: { name: 'c' }, spec: { request: pem, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] } }), []);
  assert.deepEqual(check('certificates.k8s.io/CertificateSigningRequest', { metadata: { name: 'c' }, spec: { request: 'eA==', signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] } }), ['spec.request: Invalid value: []byte{...}: PEM block type must be CERTIFICATE REQUEST']);
  assert.deepEqual(check('networking.k8s.io/NetworkPolicy', { metadata: { name: 'n', namespace: 'd' }, spec: { ingress: [{ ports: [{ port: 90, endPort: 80 }] }] } }), ['spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`']);
  assert.deepEqual(check('coordination.k8s.io/Lease', { metadata: { name: 'l', namespace: 'd' }, spec: { leaseDurationSeconds: 0 } }), ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);
  assert.deepEqual(check('/Event', { metadata: { name: 'p.1', namespace: 'a' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'b' } }), ['involvedObject.namespace: Invalid value: "b": does not match event.namespace']);
});

void test('field selectors through the hooks', () => {
  const p = { metadata: { name: 'p', namespace: 'd' }, spec: { nodeName: 'n1', restartPolicy: 'Always' }, status: { phase: 'Running', podIPs: [{ ip: '10.0.0.1' }] } };
  const get = fieldGetter(p, kindHooks['/Pod'].fieldSelectors);
  const sel = parseFieldSelector('spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed,metadata.namespace=d,status.podIP=10.0.0.1');
  assert.ok(sel.ok);
  assert.equal(matchesFields(sel.selector, get), true);
  assert.equal(get('spec.unknown'), undefined);
  assert.deepEqual(unsupportedFields(['spec.nodeName', 'spec.bogus', 'metadata.name'], kindHooks['/Pod'].fieldSelectors), ['spec.bogus']);
  assert.equal(kindHooks['/Node'].fieldSelectors?.['spec.unschedulable']({ spec: {} }), 'false');
  assert.equal(kindHooks['apps/ReplicaSet'].fieldSelectors?.['status.replicas']({}), '0');
  assert.equal(kindHooks['/Event'].fieldSelectors?.['involvedObject.uid']({ involvedObject: { uid: 'u1' } }), 'u1');
  for (const k of ['/Pod', 'apps/Deployment', '/Service', 'batch/Job', '/ConfigMap']) {
    assert.ok(kindHooks[k].validate && kindHooks[k].columns, k);
  }
});
