/**
 * @module apiserver/patch/real-schemas.test — the patch engines over the generated schema registry
 * of src/api (the seam: struct names, merge keys, list types and defaults as generated).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemas } from '../../api/schema/index.ts';
import { applyServerSideApply, applyStrategicMergePatch, updateManagedFields } from './index.ts';

const live = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 1, selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }, { name: 'sidecar', image: 'busybox' }],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
};

void test('kubectl client-side apply body over the generated Deployment schema', () => {
  const patch = {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '...' } },
    spec: { replicas: 3, template: { spec: {
      '$setElementOrder/containers': [{ name: 'nginx' }],
      containers: [{ image: 'nginx:1.26', name: 'nginx' }, { $patch: 'delete', name: 'sidecar' }],
      volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' }, name: 'data' }],
    } } },
  };
  const r = applyStrategicMergePatch(live, patch, 'apps.v1.Deployment', schemas);
  assert.ok(r.ok);
  if (!r.ok) return;
  const spec = r.doc.spec.template.spec;
  assert.deepEqual(spec.containers, [{ name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80 }] }]);
  assert.deepEqual(spec.volumes, [{ name: 'data', configMap: { name: 'cfg' } }]);
  assert.equal(r.doc.spec.replicas, 3);
});

void test('declared `$schema` of a CRD schema is data, not a directive', () => {
  const crd = { spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object' } } }] } };
  const r = applyStrategicMergePatch(crd, { spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: { $schema: 'http://json-schema.org/draft-04/schema#' } } }] } },
    'apiextensions.v1.CustomResourceDefinition', schemas);
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.doc.spec.versions[0].schema.openAPIV3Schema.$schema, 'http://json-schema.org/draft-04/schema#');
});

void test('managed fields over the generated schema use listMapKeys with defaults', () => {
  const created = updateManagedFields({ old: undefined, updated: live, manager: 'kubectl-create', structName: 'apps.v1.Deployment', registry: schemas, apiVersion: 'apps/v1', now: '2026-01-01T00:00:00Z' });
  const fv = created.metadata.managedFields[0].fieldsV1;
  assert.equal('.' in fv['f:spec'], false, 'non-pointer spec is not "added"');
  assert.equal('.' in fv['f:spec']['f:template']['f:spec']['f:containers'], false, 'required containers list is not "added"');
  assert.ok('k:{"containerPort":80,"protocol":"TCP"}' in fv['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:ports']);
  const applied = applyServerSideApply({ live: undefined, applied: live, manager: 'kubectl', force: false, structName: 'apps.v1.Deployment', registry: schemas, apiVersion: 'apps/v1', now: '2026-01-01T00:00:00Z' });
  assert.ok(applied.ok);
  if (applied.ok) assert.deepEqual(applied.object.metadata.managedFields[0].fieldsV1['f:spec']['f:selector'], {}, 'LabelSelector is atomic');
});
