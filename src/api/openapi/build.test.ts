/**
 * @module api/openapi/build.test — the OpenAPI v3 and v2 documents: determinism, the operations
 * kubectl probes for, a closed $ref graph, patch metadata and descriptions for `kubectl explain`,
 * and custom-resource structs (inline schemas, synthesized list, no strategic merge).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { JsonObject, KindInfo } from '../kinds/types.ts';
import { builtinKinds } from '../kinds/index.ts';
import { schemas, createSchemaRegistry } from '../schema/registry.ts';
import { structsFromJsonSchema } from '../schema/json-schema.ts';
import { buildOpenApiV2, buildOpenApiV3, openApiV3GroupVersions } from './build.ts';
import { apiPrefix } from './paths.ts';

const hash = (v: unknown): string => createHash('sha256').update(JSON.stringify(v)).digest('hex');
const V3_DOCS = new Map(openApiV3GroupVersions(builtinKinds).map((gv) => [gv.path, buildOpenApiV3(gv.group, gv.version, builtinKinds, schemas)]));
const V2 = buildOpenApiV2(builtinKinds, schemas);

function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) refs(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refs(x, out);
    }
  }
  return out;
}

function itemPath(k: KindInfo): string {
  const p = apiPrefix(k.group, k.version);
  return k.namespaced ? `${p}/namespaces/{namespace}/${k.resource}/{name}` : `${p}/${k.resource}/{name}`;
}
function collectionPath(k: KindInfo): string {
  const p = apiPrefix(k.group, k.version);
  return k.namespaced ? `${p}/namespaces/{namespace}/${k.resource}` : `${p}/${k.resource}`;
}

void test('documents are deterministic', () => {
  assert.equal(hash(buildOpenApiV3('apps', 'v1', builtinKinds, schemas)), hash(V3_DOCS.get('apis/apps/v1')));
  assert.equal(hash(buildOpenApiV3('', 'v1', builtinKinds, schemas)), hash(V3_DOCS.get('api/v1')));
  assert.equal(hash(buildOpenApiV2(builtinKinds, schemas)), hash(V2));
  assert.equal(openApiV3GroupVersions(builtinKinds).length, 19); // 18 reference group-versions + authentication v1beta1
});

void test('every patchable kind has a patch operation with GVK and the write parameters (v3 and v2)', () => {
  for (const k of builtinKinds) {
    const doc = V3_DOCS.get(apiPrefix(k.group, k.version).slice(1))!;
    for (const [dialect, d] of [['v3', doc], ['v2', V2]] as const) {
      if (k.verbs.includes('patch')) {
        const op = d.paths[itemPath(k)]?.patch;
        assert.ok(op, `${dialect} ${k.group}/${k.resource} patch`);
        assert.deepEqual(op['x-kubernetes-group-version-kind'], { group: k.group, kind: k.kind, version: k.version });
        assert.equal(op['x-kubernetes-action'], 'patch');
        const names = op.parameters.map((p: JsonObject) => p.name);
        for (const p of ['fieldValidation', 'fieldManager', 'dryRun']) assert.ok(names.includes(p), `${dialect} ${k.resource} patch ${p}`);
      }
      if (k.verbs.includes('create')) {
        const op = d.paths[collectionPath(k)]?.post;
        assert.ok(op, `${dialect} ${k.resource} post`);
        assert.ok(op.parameters.some((p: JsonObject) => p.name === 'fieldValidation'));
        assert.equal(op['x-kubernetes-group-version-kind'].kind, k.kind);
      }
    }
  }
});

void test('collection, all-namespaces and subresource paths', () => {
  const apps = V3_DOCS.get('apis/apps/v1')!;
  assert.equal(apps.paths['/apis/apps/v1/deployments'].get['x-kubernetes-action'], 'list');
  assert.equal(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments'].delete['x-kubernetes-action'], 'deletecollection');
  const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
  assert.deepEqual(scale.patch['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
  const core = V3_DOCS.get('api/v1')!;
  assert.deepEqual(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post['x-kubernetes-group-version-kind'],
    { group: 'policy', kind: 'Eviction', version: 'v1' });
  assert.equal(core.paths['/api/v1/namespaces/{name}'].delete['x-kubernetes-action'], 'delete');
  assert.equal(core.paths['/api/v1/namespaces'].delete, undefined, 'namespaces have no deletecollection');
  const authz = V3_DOCS.get('apis/authorization.k8s.io/v1')!;
  assert.deepEqual(Object.keys(authz.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews']).sort(), ['parameters', 'post']);
});

void test('the $ref graph is closed', () => {
  for (const [path, doc] of V3_DOCS) {
    for (const r of refs(doc)) {
      const name = r.replace('#/components/schemas/', '');
      assert.ok(doc.components.schemas[name], `${path}: ${r} unresolved`);
    }
  }
  for (const r of refs(V2)) assert.ok(V2.definitions[r.replace('#/definitions/', '')], `v2: ${r} unresolved`);
  assert.ok(refs(V2).every((r) => r.startsWith('#/definitions/')));
});

void test('Deployment schema carries patch metadata, GVK and descriptions', () => {
  const s = V3_DOCS.get('apis/apps/v1')!.components.schemas;
  const dep = s['io.k8s.api.apps.v1.Deployment'];
  assert.deepEqual(dep['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.match(dep.description, /Deployment/);
  assert.equal(dep.properties.spec.description, 'Desired state of the Deployment.');
  assert.equal(dep.properties.status.description, 'Most recently observed state of the Deployment; written by the system.');
  assert.equal(dep.properties.metadata.description, 'Standard object metadata.');
  assert.deepEqual(dep.properties.spec.allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' }]);
  const spec = s['io.k8s.api.apps.v1.DeploymentSpec'];
  assert.equal(spec.properties.replicas.type, 'integer');
  assert.equal(typeof spec.properties.replicas.description, 'string');
  assert.equal(spec.properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  const containers = s['io.k8s.api.core.v1.PodSpec'].properties.containers;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(containers['x-kubernetes-list-type'], 'map');
  assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  assert.deepEqual(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']['x-kubernetes-int-or-string'], true);
  assert.ok(s['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf);
  // Every kind and every property has a description (kubectl explain renders each field).
  for (const [name, def] of Object.entries<JsonObject>(s)) {
    if (def['x-kubernetes-group-version-kind']) assert.equal(typeof def.description, 'string', `${name} description`);
    for (const [p, ps] of Object.entries<JsonObject>(def.properties ?? {})) assert.equal(typeof ps.description, 'string', `${name}.${p}`);
  }
});

void test('v2 uses $ref with sibling description and string forms of special types', () => {
  const d = V2.definitions;
  assert.equal(V2.swagger, '2.0');
  assert.deepEqual(d['io.k8s.api.apps.v1.Deployment'].properties.spec.$ref, '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
  assert.equal(typeof d['io.k8s.api.apps.v1.Deployment'].properties.spec.description, 'string');
  assert.deepEqual(d['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string');
  assert.deepEqual(d['io.k8s.apimachinery.pkg.api.resource.Quantity'].type, 'string');
  const patch = V2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
  assert.equal(patch.parameters[0].in, 'body');
});

void test('custom resources: inline sub-schemas, synthesized list, no strategic merge patch', () => {
  const structs = structsFromJsonSchema('com.example.v1.Widget', {
    type: 'object',
    properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } } } },
  });
  const reg = createSchemaRegistry(structs, schemas);
  const widget: KindInfo = {
    group: 'example.com', version: 'v1', kind: 'Widget', listKind: 'WidgetList', resource: 'widgets', singular: 'widget',
    namespaced: true, verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], schema: 'com.example.v1.Widget',
  };
  const doc = buildOpenApiV3('example.com', 'v1', [widget], reg);
  const s = doc.components.schemas;
  assert.ok(s['com.example.v1.Widget']);
  assert.equal(s['com.example.v1.Widget.spec'], undefined, 'nested objects are inline');
  assert.equal(s['com.example.v1.Widget'].properties.spec.type, 'object');
  assert.equal(s['com.example.v1.Widget'].properties.spec.properties.size.format, 'int64');
  assert.deepEqual(s['com.example.v1.Widget']['x-kubernetes-group-version-kind'], [{ group: 'example.com', kind: 'Widget', version: 'v1' }]);
  assert.deepEqual(s['com.example.v1.WidgetList']['x-kubernetes-group-version-kind'], [{ group: 'example.com', kind: 'WidgetList', version: 'v1' }]);
  const patch = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
  assert.ok(!Object.keys(patch.requestBody.content).includes('application/strategic-merge-patch+json'));
  assert.ok(Object.keys(patch.requestBody.content).includes('application/merge-patch+json'));
  for (const r of refs(doc)) assert.ok(s[r.replace('#/components/schemas/', '')], `${r} unresolved`);
});

void test('a kind whose struct is missing gets an open object schema, not an exception', () => {
  const gadget: KindInfo = {
    group: 'example.com', version: 'v1', kind: 'Gadget', listKind: 'GadgetList', resource: 'gadgets', singular: 'gadget',
    namespaced: false, verbs: ['get', 'list', 'patch'], schema: 'com.example.v1.Gadget',
  };
  const doc = buildOpenApiV3('example.com', 'v1', [gadget], schemas);
  const def = doc.components.schemas['com.example.v1.Gadget'];
  assert.equal(def['x-kubernetes-preserve-unknown-fields'], true);
  assert.deepEqual(def['x-kubernetes-group-version-kind'], [{ group: 'example.com', kind: 'Gadget', version: 'v1' }]);
  assert.ok(doc.paths['/apis/example.com/v1/gadgets/{name}'].patch);
  assert.equal(doc.paths['/apis/example.com/v1/gadgets/{name}'].delete, undefined);
});
