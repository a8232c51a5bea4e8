/**
 * @module api/schema/registry.test — the generated registry: closure, patch metadata, protobuf
 * numbers, special types and protobuf embeddings, spot-checked against known upstream facts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TypeRef } from './model.ts';
import { schemas, protoEmbeds, lookupField, createSchemaRegistry, reachableStructs, elementType } from './registry.ts';

void test('Deployment → spec.template.spec.containers is a merge list keyed by name', () => {
  const f = lookupField(schemas, 'apps.v1.Deployment', 'spec.template.spec.containers');
  assert.ok(f);
  assert.equal(f.type.kind, 'list');
  if (f.type.kind !== 'list') return;
  assert.equal(f.type.patchMergeKey, 'name');
  assert.equal(f.type.patchStrategy, 'merge');
  assert.equal(f.type.listType, 'map');
  assert.deepEqual(f.type.listMapKeys, ['name']);
  assert.deepEqual(f.type.items, { kind: 'ref', name: 'core.v1.Container' });
  assert.equal(f.required, true);
});

void test('patch metadata of well-known fields', () => {
  const cases: [string, string, string | undefined, string | undefined][] = [
    ['core.v1.PodSpec', 'volumes', 'merge,retainKeys', 'name'],
    ['core.v1.Container', 'ports', 'merge', 'containerPort'],
    ['core.v1.Container', 'volumeMounts', 'merge', 'mountPath'],
    ['core.v1.ServiceSpec', 'ports', 'merge', 'port'],
    ['meta.v1.ObjectMeta', 'ownerReferences', 'merge', 'uid'],
    ['meta.v1.ObjectMeta', 'finalizers', 'merge', undefined],
    ['core.v1.PodSpec', 'tolerations', undefined, undefined],
  ];
  for (const [struct, field, strategy, key] of cases) {
    const t = schemas.struct(struct)?.fields[field]?.type;
    assert.equal(t?.kind, 'list', `${struct}.${field}`);
    if (t?.kind !== 'list') continue;
    assert.equal(t.patchStrategy, strategy, `${struct}.${field} strategy`);
    assert.equal(t.patchMergeKey, key, `${struct}.${field} key`);
  }
  assert.equal(schemas.struct('apps.v1.DeploymentSpec')?.fields.strategy.patchStrategy, 'retainKeys');
  assert.equal(schemas.struct('core.v1.ObjectReference')?.mapType, 'atomic');
  const sel = schemas.struct('core.v1.ServiceSpec')?.fields.selector.type;
  assert.deepEqual(sel, { kind: 'map', values: { kind: 'scalar', scalar: 'string' }, mapType: 'atomic' });
});

void test('protobuf field numbers match upstream', () => {
  const cases: [string, string, number][] = [
    ['core.v1.Pod', 'metadata', 1], ['core.v1.Pod', 'spec', 2], ['core.v1.Pod', 'status', 3],
    ['meta.v1.ObjectMeta', 'name', 1], ['meta.v1.ObjectMeta', 'generateName', 2],
    ['meta.v1.ObjectMeta', 'namespace', 3], ['meta.v1.ObjectMeta', 'labels', 11],
    ['core.v1.PodSpec', 'containers', 2], ['core.v1.PodSpec', 'volumes', 1],
    ['apps.v1.DeploymentSpec', 'replicas', 1], ['apps.v1.DeploymentSpec', 'template', 3],
  ];
  for (const [struct, field, n] of cases) assert.equal(schemas.struct(struct)?.fields[field]?.proto, n, `${struct}.${field}`);
  assert.equal(schemas.struct('core.v1.Pod')?.fields.apiVersion.proto, undefined);
});

void test('proto names that differ from JSON names are recorded', () => {
  const uid = schemas.struct('authentication.v1.BoundObjectReference')?.fields.uid;
  assert.equal(uid?.protoName, 'uID');
  assert.equal(schemas.struct('networking.v1.IngressClassParametersReference')?.fields.apiGroup.protoName, 'aPIGroup');
  assert.equal(schemas.struct('apiextensions.v1.JSONSchemaProps')?.fields.$ref.protoName, 'ref');
  assert.equal(schemas.struct('core.v1.Pod')?.fields.spec.protoName, undefined);
});

void test('Go-embedded messages are recorded for protobuf', () => {
  assert.deepEqual(protoEmbeds['core.v1.Volume'], [{ field: 'volumeSource', proto: 2, struct: 'core.v1.VolumeSource' }]);
  assert.deepEqual(protoEmbeds['core.v1.Probe'], [{ field: 'handler', proto: 1, struct: 'core.v1.ProbeHandler' }]);
  const vol = schemas.struct('core.v1.Volume')!;
  assert.equal(vol.fields.name.proto, 1);
  assert.equal(vol.fields.configMap.proto, undefined, 'inlined field has no own number in Volume');
  assert.equal(typeof schemas.struct('core.v1.VolumeSource')?.fields.configMap.proto, 'number');
  // Synthesized from the parent's JSON schema: EphemeralContainerCommon carries list metadata.
  const env = schemas.struct('core.v1.EphemeralContainerCommon')?.fields.env.type;
  assert.equal(env?.kind === 'list' ? env.patchMergeKey : undefined, 'name');
});

void test('special types', () => {
  const cases: [string, string, TypeRef][] = [
    ['meta.v1.ObjectMeta', 'creationTimestamp', { kind: 'special', special: 'time' }],
    ['core.v1.ServicePort', 'targetPort', { kind: 'special', special: 'intOrString' }],
    ['meta.v1.ManagedFieldsEntry', 'fieldsV1', { kind: 'special', special: 'fieldsV1' }],
    ['apps.v1.ControllerRevision', 'data', { kind: 'special', special: 'rawExtension' }],
    ['events.v1.Event', 'eventTime', { kind: 'special', special: 'microTime' }],
  ];
  for (const [struct, field, t] of cases) assert.deepEqual(schemas.struct(struct)?.fields[field]?.type, t, `${struct}.${field}`);
  const limits = lookupField(schemas, 'core.v1.Container', 'resources.limits');
  assert.deepEqual(limits?.type, { kind: 'map', values: { kind: 'special', special: 'quantity' } });
  assert.equal(schemas.struct('resource.Quantity'), undefined);
  assert.equal(schemas.struct('intstr.IntOrString'), undefined);
});

void test('top-level kinds carry their GVK; defaults and required are kept', () => {
  assert.deepEqual(schemas.struct('apps.v1.Deployment')?.gvk, [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  assert.deepEqual(schemas.struct('core.v1.Pod')?.gvk, [{ group: '', version: 'v1', kind: 'Pod' }]);
  assert.deepEqual(schemas.struct('apps.v1.Deployment')?.fields.spec.default, {});
  assert.equal(schemas.struct('core.v1.ContainerPort')?.fields.protocol.default, 'TCP');
  assert.equal(schemas.struct('core.v1.Container')?.fields.name.required, true);
  const deleteGvks = schemas.struct('meta.v1.DeleteOptions')?.gvk ?? [];
  assert.ok(deleteGvks.some((g) => g.group === 'apps' && g.version === 'v1'));
  assert.ok(deleteGvks.every((g) => !g.version.includes('beta')), 'only served group-versions');
});

void test('every ref in the registry resolves', () => {
  const dangling: string[] = [];
  let count = 0;
  for (const s of schemas.all()) {
    count++;
    for (const [name, fd] of Object.entries(s.fields)) {
      const el = elementType(fd.type);
      if (el.kind === 'ref' && !schemas.struct(el.name)) dangling.push(`${s.name}.${name} → ${el.name}`);
    }
  }
  assert.ok(count > 400, `expected the full built-in set, got ${count}`);
  assert.deepEqual(dangling, []);
});

void test('createSchemaRegistry layers structs over a parent', () => {
  const own = { name: 'com.example.v1.Widget', fields: { metadata: { type: { kind: 'ref', name: 'meta.v1.ObjectMeta' } } } } as const;
  const reg = createSchemaRegistry([own], schemas);
  assert.equal(reg.struct('com.example.v1.Widget'), own);
  assert.ok(reg.struct('meta.v1.ObjectMeta'));
  assert.equal(schemas.struct('com.example.v1.Widget'), undefined);
  const names = [...reg.all()].map((s) => s.name);
  assert.equal(names.filter((n) => n === 'com.example.v1.Widget').length, 1);
  assert.ok(reachableStructs(reg, ['com.example.v1.Widget']).includes('meta.v1.ManagedFieldsEntry'));
});
