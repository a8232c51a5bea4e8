/**
 * @module api/kinds/catalog.test — the kind catalog: internal consistency, schemas present in the
 * registry, and (when /work/shared/reference is present) names, scope, verbs and subresources
 * checked against the upstream OpenAPI paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinKindFacts } from './catalog.ts';
import { builtinKinds, kindDescription, subresourceInfo, isStreamingSubresource } from './index.ts';
import { schemas } from '../schema/registry.ts';

const REF_DIR = '/work/shared/reference/openapi-v3';

/** OLDER_VERSIONS are kinds served in a version the 1.35 reference no longer has, with the schema
 * of the current version (kubectl 1.27's `auth whoami` asks only for v1beta1). */
const OLDER_VERSIONS = new Set(['authentication.k8s.io/v1beta1/selfsubjectreviews']);

void test('every kind has a schema in the registry with its GVK, and a list struct unless create-only', () => {
  for (const k of builtinKindFacts) {
    const s = schemas.struct(k.schema);
    assert.ok(s, `${k.schema} missing`);
    const version = OLDER_VERSIONS.has(`${k.group}/${k.version}/${k.resource}`) ? 'v1' : k.version;
    assert.ok(s.gvk?.some((g) => g.group === k.group && g.version === version && g.kind === k.kind), `${k.schema} GVK`);
    const list = `${k.schema.slice(0, k.schema.lastIndexOf('.') + 1)}${k.listKind}`;
    if (k.verbs.includes('list')) assert.ok(schemas.struct(list), `${list} missing`);
    assert.ok(kindDescription(k)?.endsWith('.'), `${k.kind} has a description`);
  }
});

void test('catalog facts are consistent', () => {
  const seen = new Set<string>();
  for (const k of builtinKindFacts) {
    const id = `${k.group}/${k.version}/${k.resource}`;
    assert.ok(!seen.has(id), `duplicate ${id}`);
    seen.add(id);
    assert.match(k.resource, /^[a-z]+$/);
    assert.equal(k.hasStatus === true, (k.subresources ?? []).includes('status'), `${id} hasStatus`);
    assert.equal(k.scale !== undefined, (k.subresources ?? []).includes('scale'), `${id} scale paths`);
    for (const sub of k.subresources ?? []) assert.ok(subresourceInfo(k, sub), `${id}/${sub} has discovery info`);
  }
  // Short names are unique within a group-version and never collide with a resource name.
  const byGv = new Map<string, string[]>();
  for (const k of builtinKindFacts) {
    const key = `${k.group}/${k.version}`;
    byGv.set(key, [...(byGv.get(key) ?? []), ...(k.shortNames ?? []), k.resource]);
  }
  for (const [gv, names] of byGv) assert.equal(new Set(names).size, names.length, `${gv} names unique`);
});

void test('expected kinds, short names and categories', () => {
  const find = (group: string, resource: string, version?: string) =>
    builtinKindFacts.find((k) => k.group === group && k.resource === resource && (!version || k.version === version));
  const cases: [string, string, string[]][] = [
    ['', 'pods', ['po']], ['', 'services', ['svc']], ['apps', 'deployments', ['deploy']], ['apps', 'replicasets', ['rs']],
    ['apps', 'statefulsets', ['sts']], ['apps', 'daemonsets', ['ds']], ['batch', 'cronjobs', ['cj']], ['', 'namespaces', ['ns']],
    ['', 'configmaps', ['cm']], ['', 'serviceaccounts', ['sa']], ['', 'events', ['ev']], ['', 'persistentvolumes', ['pv']],
    ['', 'persistentvolumeclaims', ['pvc']], ['', 'limitranges', ['limits']], ['', 'resourcequotas', ['quota']],
    ['', 'endpoints', ['ep']], ['', 'nodes', ['no']], ['autoscaling', 'horizontalpodautoscalers', ['hpa']],
    ['networking.k8s.io', 'networkpolicies', ['netpol']], ['networking.k8s.io', 'ingresses', ['ing']],
    ['policy', 'poddisruptionbudgets', ['pdb']], ['scheduling.k8s.io', 'priorityclasses', ['pc']],
    ['certificates.k8s.io', 'certificatesigningrequests', ['csr']], ['apiextensions.k8s.io', 'customresourcedefinitions', ['crd', 'crds']],
    ['storage.k8s.io', 'storageclasses', ['sc']], ['', 'replicationcontrollers', ['rc']],
  ];
  for (const [group, resource, short] of cases) assert.deepEqual(find(group, resource)?.shortNames, short, `${group}/${resource}`);
  const all = builtinKindFacts.filter((k) => k.categories?.includes('all')).map((k) => k.resource);
  assert.deepEqual([...new Set(all)].sort(), ['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'pods',
    'replicasets', 'replicationcontrollers', 'services', 'statefulsets']);
  assert.equal(find('autoscaling', 'horizontalpodautoscalers', 'v1')?.storageVersion, 'v2');
  assert.equal(find('autoscaling', 'horizontalpodautoscalers', 'v2')?.storageVersion, 'v2');
  assert.deepEqual(find('', 'bindings')?.verbs, ['create']);
  assert.deepEqual(find('authorization.k8s.io', 'selfsubjectaccessreviews')?.verbs, ['create']);
  assert.deepEqual(find('apps', 'deployments')?.scale, { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' });
});

void test('subresource discovery facts', () => {
  const pods = builtinKindFacts.find((k) => k.resource === 'pods')!;
  const deploy = builtinKindFacts.find((k) => k.resource === 'deployments')!;
  assert.deepEqual(subresourceInfo(pods, 'eviction'), { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  assert.deepEqual(subresourceInfo(deploy, 'scale'), { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  assert.deepEqual(subresourceInfo(deploy, 'status'), { group: 'apps', version: 'v1', kind: 'Deployment', verbs: ['get', 'patch', 'update'] });
  assert.equal(subresourceInfo(pods, 'proxy')?.kind, 'PodProxyOptions');
  assert.equal(subresourceInfo(deploy, 'nonsense'), undefined);
  assert.equal(isStreamingSubresource('exec'), true);
  assert.equal(isStreamingSubresource('status'), false);
});

void test('builtinKinds keeps every catalog fact', () => {
  assert.equal(builtinKinds.length, builtinKindFacts.length);
  for (let i = 0; i < builtinKinds.length; i++) {
    for (const key of ['group', 'version', 'kind', 'resource', 'schema', 'namespaced', 'verbs'] as const) {
      assert.deepEqual(builtinKinds[i][key], builtinKindFacts[i][key]);
    }
  }
});

const ACTION_VERB: Record<string, string> = {
  post: 'create', put: 'update', patch: 'patch', delete: 'delete', deletecollection: 'deletecollection', list: 'list', get: 'get',
};

void test('names, scope, verbs and subresources match the upstream reference paths', (t) => {
  if (!existsSync(REF_DIR)) {
    t.skip(`reference data not present at ${REF_DIR}; upstream path check not run`);
    return;
  }
  // resource key "group/version/resource" → { namespaced, verbs, subresources }
  const ref = new Map<string, { namespaced: boolean; verbs: Set<string>; subs: Set<string> }>();
  for (const file of readdirSync(REF_DIR)) {
    const doc = JSON.parse(readFileSync(join(REF_DIR, file), 'utf8'));
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      const m = /^\/(?:api|apis\/([^/]+))\/(v[0-9a-z]+)\/(watch\/)?(namespaces\/\{namespace\}\/)?([a-z]+)(\/\{name\})?(?:\/([a-z]+))?$/.exec(path);
      if (!m) continue;
      const [, group = '', version, watch, ns, resource, , sub] = m;
      const key = `${group}/${version}/${resource}`;
      const e = ref.get(key) ?? { namespaced: false, verbs: new Set<string>(), subs: new Set<string>() };
      ref.set(key, e);
      if (ns) e.namespaced = true;
      if (sub) { e.subs.add(sub); continue; }
      if (watch) { e.verbs.add('watch'); continue; }
      for (const op of Object.values<any>(item)) {
        const action = op?.['x-kubernetes-action'];
        if (typeof action === 'string' && ACTION_VERB[action]) e.verbs.add(ACTION_VERB[action]);
      }
    }
  }
  for (const k of builtinKindFacts) {
    const key = `${k.group}/${k.version}/${k.resource}`;
    if (OLDER_VERSIONS.has(key)) continue;
    const e = ref.get(key);
    assert.ok(e, `${key} not in the reference paths`);
    assert.equal(k.namespaced, e.namespaced, `${key} scope`);
    assert.deepEqual([...k.verbs].sort(), [...e.verbs].sort(), `${key} verbs`);
    for (const sub of k.subresources ?? []) assert.ok(e.subs.has(sub), `${key}/${sub} not upstream`);
  }
});

void test('hooks from kindHooks are merged into builtinKinds', () => {
  const pods = builtinKinds.find((k) => k.group === '' && k.resource === 'pods')!;
  const deploy = builtinKinds.find((k) => k.group === 'apps' && k.resource === 'deployments')!;
  assert.equal(typeof pods.validate, 'function');
  assert.ok((pods.columns ?? []).length > 0, 'pod columns');
  assert.equal(typeof deploy.validate, 'function');
  assert.equal(kindDescription(pods), builtinKindFacts.find((k) => k.resource === 'pods')!.description);
});
