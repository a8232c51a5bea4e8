/**
 * @module apiserver/patch/managed-fields.test — server-side apply (create, re-apply, prune,
 * conflicts, force) and the managed-fields bookkeeping of ordinary writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyServerSideApply, updateManagedFields, conflictMessage, conflictCauses, applyConflictError,
  type ApplyOptions, type Conflict,
} from './managed-fields.ts';
import { testRegistry } from './testing-registry.ts';

const T0 = '2026-11-26T10:00:00Z';
const T1 = '2026-11-26T11:00:00Z';
const T2 = '2026-11-26T12:00:00Z';

function config(over: { replicas?: number; image?: string; labels?: Record<string, string>; containers?: unknown[] } = {}): Record<string, any> {
  const meta: Record<string, unknown> = { name: 'web', namespace: 'default' };
  if (over.labels !== undefined) meta.labels = over.labels;
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: over.containers ?? [{ name: 'nginx', image: over.image ?? 'nginx:1.25' }] },
    },
  };
  if (over.replicas !== undefined) spec.replicas = over.replicas;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec };
}

function apply(live: Record<string, any> | undefined, applied: Record<string, any>, extra: Partial<ApplyOptions> = {}): Record<string, any> {
  const r = applyServerSideApply({
    live, applied, manager: 'kubectl', force: false, structName: 'apps.v1.Deployment', registry: testRegistry,
    apiVersion: 'apps/v1', now: T0, ...extra,
  });
  if (!r.ok) assert.fail(conflictMessage(r.conflicts));
  return r.object;
}

function entry(obj: Record<string, any>, manager: string): Record<string, any> | undefined {
  return (obj.metadata.managedFields as Record<string, any>[] | undefined)?.find((e) => e.manager === manager);
}

void test('create via apply records a well-formed FieldsV1 entry', () => {
  const applied = config({ replicas: 2, labels: { app: 'web' } });
  const snapshot = structuredClone(applied);
  const obj = apply(undefined, applied);
  assert.deepEqual(applied, snapshot, 'input not modified');
  assert.equal(obj.spec.replicas, 2);
  assert.equal(obj.spec.template.spec.containers[0].image, 'nginx:1.25');
  assert.equal(obj.metadata.managedFields.length, 1);
  const e = obj.metadata.managedFields[0];
  assert.deepEqual(Object.keys(e), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
  assert.deepEqual([e.manager, e.operation, e.apiVersion, e.time, e.fieldsType], ['kubectl', 'Apply', 'apps/v1', T0, 'FieldsV1']);
  assert.equal(JSON.stringify(e.fieldsV1), JSON.stringify({
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
      },
    },
  }));
});

void test('re-apply changes a field and refreshes the entry time', () => {
  const v1 = apply(undefined, config({ replicas: 2 }));
  const v2 = apply(v1, config({ replicas: 2, image: 'nginx:1.26' }), { now: T1 });
  assert.equal(v2.spec.template.spec.containers[0].image, 'nginx:1.26');
  assert.equal(entry(v2, 'kubectl')!.time, T1);
  assert.equal(v2.metadata.managedFields.length, 1);
  // a no-op apply keeps the old time
  const v3 = apply(v2, config({ replicas: 2, image: 'nginx:1.26' }), { now: T2 });
  assert.equal(entry(v3, 'kubectl')!.time, T1);
});

void test('fields the applier dropped and nobody else owns are removed', () => {
  const v1 = apply(undefined, config({ replicas: 2, labels: { app: 'web', tier: 'front' }, containers: [{ name: 'nginx', image: 'n' }, { name: 'sidecar', image: 's' }] }));
  const v2 = apply(v1, config({ containers: [{ name: 'nginx', image: 'n' }] }));
  assert.equal('replicas' in v2.spec, false);
  assert.equal('labels' in v2.metadata, false, 'labels emptied by pruning are removed');
  assert.equal(v2.metadata.name, 'web');
  assert.deepEqual(v2.spec.template.spec.containers.map((c: any) => c.name), ['nginx']);
  assert.equal(JSON.stringify(entry(v2, 'kubectl')!.fieldsV1).includes('sidecar'), false);
});

void test('dropping one of two labels keeps the other; unowned defaulted fields stay', () => {
  const v1 = apply(undefined, config({ labels: { app: 'web', tier: 'front' } }));
  v1.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent'; // as defaulting would add
  v1.spec.template.spec.containers[0].env = [{ name: 'X', value: '1' }];
  const v2 = apply(v1, config({ labels: { app: 'web' } }));
  assert.deepEqual(v2.metadata.labels, { app: 'web' });
  assert.equal(v2.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(v2.spec.template.spec.containers[0].env, [{ name: 'X', value: '1' }]);
});

function withCsaReplicas(): Record<string, any> {
  // kubectl apply --server-side creates; then a client-side-apply PATCH sets replicas to 5
  const created = apply(undefined, config({ replicas: 2 }));
  const edited = structuredClone(created);
  edited.spec.replicas = 5;
  return updateManagedFields({
    old: created, updated: edited, manager: 'kubectl-client-side-apply', structName: 'apps.v1.Deployment',
    registry: testRegistry, apiVersion: 'apps/v1', now: T1,
  });
}

void test('changing a field another manager owns is a conflict without force', () => {
  const live = withCsaReplicas();
  assert.deepEqual(entry(live, 'kubectl-client-side-apply')!.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.equal(JSON.stringify(entry(live, 'kubectl')!.fieldsV1).includes('f:replicas'), false, 'update took the field');
  const r = applyServerSideApply({
    live, applied: config({ replicas: 3 }), manager: 'kubectl', force: false, structName: 'apps.v1.Deployment',
    registry: testRegistry, apiVersion: 'apps/v1', now: T2,
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.conflicts.map((c) => [c.manager, c.field]), [['kubectl-client-side-apply', '.spec.replicas']]);
  assert.equal(conflictMessage(r.conflicts), 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
});

void test('applying the same value shares ownership; the shared field survives the applier dropping it', () => {
  const live = withCsaReplicas();
  const shared = apply(live, config({ replicas: 5 }), { now: T2 });
  assert.deepEqual(entry(shared, 'kubectl-client-side-apply')!.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.ok(JSON.stringify(entry(shared, 'kubectl')!.fieldsV1).includes('f:replicas'));
  const dropped = apply(shared, config({}), { now: T2 });
  assert.equal(dropped.spec.replicas, 5);
});

void test('force takes ownership from the other manager', () => {
  const live = withCsaReplicas();
  const obj = apply(live, config({ replicas: 3 }), { force: true, now: T2 });
  assert.equal(obj.spec.replicas, 3);
  assert.equal(entry(obj, 'kubectl-client-side-apply'), undefined, 'entry left empty is dropped');
  assert.ok(JSON.stringify(entry(obj, 'kubectl')!.fieldsV1).includes('f:replicas'));
});

void test('conflicts with another applier print without apiVersion; several conflicts are grouped', () => {
  const a = apply(undefined, config({ replicas: 2, image: 'a' }), { manager: 'team-a' });
  const r = applyServerSideApply({
    live: a, applied: config({ replicas: 4, image: 'b' }), manager: 'team-b', force: false, structName: 'apps.v1.Deployment',
    registry: testRegistry, apiVersion: 'apps/v1', now: T1,
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.conflicts.map((c) => c.field).sort(), ['.spec.replicas', '.spec.template.spec.containers[name="nginx"].image']);
  assert.equal(conflictMessage(r.conflicts),
    'Apply failed with 2 conflicts: conflicts with "team-a":\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image');
  const err = applyConflictError(r.conflicts);
  assert.equal(err.code, 409);
  assert.equal(err.status.reason, 'Conflict');
  assert.deepEqual(conflictCauses(r.conflicts)[0], { reason: 'FieldManagerConflict', message: 'conflict with "team-a"', field: '.spec.replicas' });
});

void test('conflict message names a subresource manager', () => {
  const c: Conflict[] = [{ manager: 'kube-controller-manager', field: '.status.replicas', operation: 'Update', apiVersion: 'apps/v1', subresource: 'status' }];
  assert.equal(conflictMessage(c), 'Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource "status" using apps/v1: .status.replicas');
});

void test('keyed lists use listMapKeys with schema defaults; sets use v: elements', () => {
  const applied = config({ containers: [{ name: 'nginx', image: 'n', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] }] });
  applied.metadata.finalizers = ['example.com/a'];
  const obj = apply(undefined, applied);
  const fv = entry(obj, 'kubectl')!.fieldsV1;
  assert.deepEqual(fv['f:metadata'], { 'f:finalizers': { 'v:"example.com/a"': {} } });
  const c = fv['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}'];
  assert.deepEqual(c['f:ports'], { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } });
  assert.deepEqual(c['f:env'], { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } });
});

void test('apply merges keyed lists by key and keeps live-only items in place', () => {
  const live = apply(undefined, config({ containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] }), { manager: 'other' });
  const obj = apply(live, config({ containers: [{ name: 'c', image: '2' }, { name: 'b', image: '1', args: ['x'] }] }));
  assert.deepEqual(obj.spec.template.spec.containers, [{ name: 'a', image: '1' }, { name: 'c', image: '2' }, { name: 'b', image: '1', args: ['x'] }]);
});

void test('atomic values are replaced whole by apply', () => {
  const live = apply(undefined, config({}), { manager: 'other' });
  live.spec.template.spec.tolerations = [{ key: 'a', operator: 'Exists' }];
  const applied = config({});
  applied.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Exists' }] };
  applied.spec.template.spec.tolerations = [{ key: 'b', operator: 'Exists' }];
  const obj = apply(live, applied, { force: true });
  assert.deepEqual(obj.spec.selector, { matchExpressions: [{ key: 'app', operator: 'Exists' }] });
  assert.deepEqual(obj.spec.template.spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
});

void test('the first apply on an object without managedFields sees before-first-apply', () => {
  const live = config({ replicas: 1 });
  const r = applyServerSideApply({
    live, applied: config({ replicas: 2 }), manager: 'kubectl', force: false, structName: 'apps.v1.Deployment',
    registry: testRegistry, apiVersion: 'apps/v1', now: T0,
  });
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(conflictMessage(r.conflicts), 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
});

void test('ignoredFields are not tracked', () => {
  const applied = config({ replicas: 1 });
  applied.status = { replicas: 1 };
  const obj = apply(undefined, applied, { ignoredFields: ['status'] });
  assert.equal('f:status' in entry(obj, 'kubectl')!.fieldsV1, false);
});

void test('update on create: new containers get "." and non-pointer structs do not', () => {
  const obj = config({ replicas: 1, labels: { app: 'web' } });
  const out = updateManagedFields({
    old: undefined, updated: obj, manager: 'kubectl-create', structName: 'apps.v1.Deployment',
    registry: testRegistry, apiVersion: 'apps/v1', now: T0,
  });
  const e = entry(out, 'kubectl-create')!;
  assert.equal(e.operation, 'Update');
  assert.deepEqual(e.fieldsV1, {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:replicas': {}, 'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
      },
    },
  });
});

void test('update moves changed fields to the writer and drops removed ones from everyone', () => {
  const created = updateManagedFields({
    old: undefined, updated: config({ replicas: 1, labels: { app: 'web', tier: 'x' } }), manager: 'kubectl-create',
    structName: 'apps.v1.Deployment', registry: testRegistry, apiVersion: 'apps/v1', now: T0,
  });
  const edited = structuredClone(created);
  edited.spec.template.spec.containers[0].image = 'nginx:1.27';
  delete edited.metadata.labels.tier;
  const out = updateManagedFields({
    old: created, updated: edited, manager: 'kubectl-edit', structName: 'apps.v1.Deployment',
    registry: testRegistry, apiVersion: 'apps/v1', now: T1,
  });
  const create = JSON.stringify(entry(out, 'kubectl-create')!.fieldsV1);
  assert.equal(create.includes('f:tier'), false);
  assert.equal(create.includes('f:image'), false);
  assert.ok(create.includes('f:replicas'));
  assert.deepEqual(entry(out, 'kubectl-edit')!.fieldsV1, { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { 'f:image': {} } } } } } });
  assert.deepEqual(out.metadata.managedFields.map((e: any) => e.manager), ['kubectl-create', 'kubectl-edit'], 'sorted by time');
  // a write that changes nothing leaves managedFields alone
  const same = updateManagedFields({
    old: out, updated: structuredClone(out), manager: 'kubectl-replace', structName: 'apps.v1.Deployment',
    registry: testRegistry, apiVersion: 'apps/v1', now: T2,
  });
  assert.deepEqual(same.metadata.managedFields, out.metadata.managedFields);
});

void test('managedFields entries are sorted: Apply before Update, then by time', () => {
  const live = withCsaReplicas();
  const obj = apply(live, config({ replicas: 5 }), { now: T2 });
  assert.deepEqual(obj.metadata.managedFields.map((e: any) => `${e.operation}:${e.manager}`), ['Apply:kubectl', 'Update:kubectl-client-side-apply']);
});

void test('custom resources without a schema: maps granular, lists atomic', () => {
  const r = applyServerSideApply({
    live: undefined, applied: { apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 't' }, spec: { a: { b: 1 }, list: [1, 2] } },
    manager: 'm', force: false, structName: 'x.v1.Thing', registry: testRegistry, apiVersion: 'x/v1', now: T0,
  });
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual(r.object.metadata.managedFields[0].fieldsV1, { 'f:spec': { '.': {}, 'f:a': { '.': {}, 'f:b': {} }, 'f:list': {} } });
});

void test('set lists: apply unions with live values and prunes only its own dropped values', () => {
  const a = config({});
  a.metadata.finalizers = ['x/a', 'x/b'];
  const v1 = apply(undefined, a);
  const edited = structuredClone(v1);
  edited.metadata.finalizers.push('x/c');
  const v2 = updateManagedFields({
    old: v1, updated: edited, manager: 'controller', structName: 'apps.v1.Deployment', registry: testRegistry, apiVersion: 'apps/v1', now: T1,
  });
  assert.deepEqual(entry(v2, 'controller')!.fieldsV1, { 'f:metadata': { 'f:finalizers': { 'v:"x/c"': {} } } });
  const b = config({});
  b.metadata.finalizers = ['x/a'];
  const v3 = apply(v2, b, { now: T2 });
  assert.deepEqual(v3.metadata.finalizers, ['x/a', 'x/c']);
});

void test('a dropped list item keeps the parts another manager owns (and its key)', () => {
  const v1 = apply(undefined, config({ containers: [{ name: 'nginx', image: 'n' }, { name: 'sidecar', image: 's' }] }));
  const edited = structuredClone(v1);
  edited.spec.template.spec.containers[1].env = [{ name: 'E', value: '1' }];
  const v2 = updateManagedFields({
    old: v1, updated: edited, manager: 'kubectl-edit', structName: 'apps.v1.Deployment', registry: testRegistry, apiVersion: 'apps/v1', now: T1,
  });
  const v3 = apply(v2, config({ containers: [{ name: 'nginx', image: 'n' }] }), { now: T2 });
  assert.deepEqual(v3.spec.template.spec.containers, [{ name: 'nginx', image: 'n' }, { name: 'sidecar', env: [{ name: 'E', value: '1' }] }]);
});

void test('a subresource apply is a separate manager entry', () => {
  const v1 = apply(undefined, config({ replicas: 1 }));
  const withStatus = structuredClone(v1);
  const v2 = apply(withStatus, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, status: { replicas: 1 } }, { subresource: 'status', now: T1 });
  const entries = v2.metadata.managedFields.filter((e: any) => e.manager === 'kubectl');
  assert.equal(entries.length, 2);
  assert.deepEqual(entries.find((e: any) => e.subresource === 'status').fieldsV1, { 'f:status': { 'f:replicas': {} } });
  assert.equal(v2.spec.replicas, 1, 'the main-resource entry still owns spec');
});

void test('multi-key map lists and schemaless fields: keys in k:, dropped items pruned', () => {
  const base = { apiVersion: 'example/v1', kind: 'Widget', metadata: { name: 'w' } };
  const opts = { structName: 'example.v1.Widget', apiVersion: 'example/v1' };
  const v1 = apply(undefined, { ...base, spec: { slots: [{ rack: 'a', slot: 1, size: 1 }, { rack: 'a', slot: 2 }], config: { x: 1, y: { z: 2 } } } }, opts);
  const fv = entry(v1, 'kubectl')!.fieldsV1;
  assert.deepEqual(Object.keys(fv['f:spec']['f:slots']), ['k:{"rack":"a","slot":1}', 'k:{"rack":"a","slot":2}']);
  assert.deepEqual(fv['f:spec']['f:config'], { 'f:x': {}, 'f:y': { '.': {}, 'f:z': {} } }, 'declared field: no "."; free keys below it are members');
  const v2 = apply(v1, { ...base, spec: { slots: [{ rack: 'a', slot: 2, size: 3 }], config: { x: 1 } } }, { ...opts, now: T1 });
  assert.deepEqual(v2.spec, { slots: [{ rack: 'a', slot: 2, size: 3 }], config: { x: 1 } });
});

void test('positional call forms (as src/apiserver/deps.ts calls them) match the options form', () => {
  const applied = config({ replicas: 2 });
  const common = { manager: 'kubectl', force: false, structName: 'apps.v1.Deployment', registry: testRegistry, now: T0 };
  const a = applyServerSideApply(undefined, applied, common);
  const b = applyServerSideApply({ ...common, live: undefined, applied, apiVersion: 'apps/v1' });
  assert.deepEqual(a, b);
  const edited = structuredClone(applied);
  edited.spec.replicas = 3;
  const copy = updateManagedFields({ ...common, old: applied, updated: edited, apiVersion: 'apps/v1' });
  const same = updateManagedFields(applied, edited, common);
  assert.equal(same, edited, 'positional form updates in place and returns the object');
  assert.deepEqual(edited.metadata.managedFields, copy.metadata.managedFields);
  assert.equal(edited.metadata.managedFields[0].apiVersion, 'apps/v1', 'apiVersion defaults to the object\'s');
});
