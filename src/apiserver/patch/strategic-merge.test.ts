/**
 * @module apiserver/patch/strategic-merge.test — strategic merge patch against kubectl-style bodies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from './strategic-merge.ts';
import { testRegistry } from './testing-registry.ts';

const DEPLOY = 'apps.v1.Deployment';

function deployment(): Record<string, any> {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, finalizers: ['a', 'b'] },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx', image: 'nginx:1.25',
              env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
              ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP' }],
            },
            { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] },
          ],
          volumes: [{ name: 'data', emptyDir: {} }, { name: 'cache', emptyDir: { medium: 'Memory' } }],
          tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }],
        },
      },
    },
  };
}

function smp(target: unknown, patch: unknown, struct = DEPLOY): Record<string, any> {
  const r = applyStrategicMergePatch(target, patch, struct, testRegistry);
  if (!r.ok) assert.fail(r.message);
  return r.doc;
}

function noDirectives(v: unknown, path = ''): void {
  if (Array.isArray(v)) v.forEach((x, i) => noDirectives(x, `${path}[${i}]`));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      assert.ok(!k.startsWith('$'), `directive ${k} leaked at ${path}`);
      noDirectives(x, `${path}.${k}`);
    }
  }
}

void test('kubectl client-side apply body: deletes sidecar, keeps order, updates image and replicas', () => {
  const live = deployment();
  const patch = { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' } }, spec: { replicas: 3, template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.26', name: 'nginx' }, { $patch: 'delete', name: 'sidecar' }] } } } };
  const out = smp(live, patch);
  assert.equal(out.spec.replicas, 3);
  assert.deepEqual(out.spec.template.spec.containers.map((c: any) => [c.name, c.image]), [['nginx', 'nginx:1.26']]);
  assert.deepEqual(out.spec.template.spec.containers[0].env, live.spec.template.spec.containers[0].env);
  assert.equal(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], '{"x":1}\n');
  assert.deepEqual(out.metadata.labels, { app: 'web' });
  noDirectives(out);
  // the input is untouched
  assert.equal(live.spec.template.spec.containers.length, 2);
  assert.equal(live.spec.replicas, 1);
});

void test('$setElementOrder reorders containers and places a new one', () => {
  const out = smp(deployment(), { spec: { template: { spec: {
    '$setElementOrder/containers': [{ name: 'init' }, { name: 'sidecar' }, { name: 'nginx' }],
    containers: [{ name: 'init', image: 'alpine' }],
  } } } });
  assert.deepEqual(out.spec.template.spec.containers.map((c: any) => c.name), ['init', 'sidecar', 'nginx']);
  assert.equal(out.spec.template.spec.containers[1].image, 'busybox');
});

void test('unmatched elements are placed as upstream orders them (patch order, server-only items interleaved)', () => {
  const cases: [unknown[], string[]][] = [
    // a lone new item cannot be ordered against the server-only items, so it comes first (as upstream)
    [[{ name: 'extra', image: 'x' }], ['extra', 'nginx', 'sidecar']],
    [[{ name: 'nginx', image: 'n2' }, { name: 'extra', image: 'x' }], ['nginx', 'extra', 'sidecar']],
    [[{ name: 'sidecar', image: 'b2' }, { name: 'extra', image: 'x' }], ['nginx', 'sidecar', 'extra']],
  ];
  for (const [containers, want] of cases) {
    const out = smp(deployment(), { spec: { template: { spec: { containers } } } });
    assert.deepEqual(out.spec.template.spec.containers.map((c: any) => c.name), want, JSON.stringify(containers));
  }
});

void test('the upstream design example: live [B, C, A], patch [A, B, D] gives [C, A, B, D]', () => {
  const live = { spec: { template: { spec: { containers: [{ name: 'B' }, { name: 'C' }, { name: 'A' }] } } } };
  const out = smp(live, { spec: { template: { spec: { containers: [{ name: 'A', image: "a'" }, { name: 'B', image: "b'" }, { name: 'D' }] } } } });
  assert.deepEqual(out.spec.template.spec.containers.map((c: any) => c.name), ['C', 'A', 'B', 'D']);
});

void test('env merges by name; null deletes a key inside a matched element', () => {
  const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'nginx', env: [{ name: 'B', value: '20' }, { name: 'C', value: '3' }, { name: 'A', $patch: 'delete' }] }] } } } });
  assert.deepEqual(out.spec.template.spec.containers[0].env, [{ name: 'B', value: '20' }, { name: 'C', value: '3' }]);
  const out2 = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'sidecar', args: null }] } } } });
  assert.equal('args' in out2.spec.template.spec.containers[1], false);
});

void test('ports merge by containerPort', () => {
  const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 443, name: 'https' }, { containerPort: 8080 }] }] } } } });
  assert.deepEqual(out.spec.template.spec.containers[0].ports, [
    { containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP', name: 'https' }, { containerPort: 8080 },
  ]);
});

void test('volumes: $retainKeys switches a volume from emptyDir to configMap', () => {
  const out = smp(deployment(), { spec: { template: { spec: {
    '$setElementOrder/volumes': [{ name: 'data' }, { name: 'cache' }],
    volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' }, name: 'data' }],
  } } } });
  assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'data', configMap: { name: 'cfg' } }, { name: 'cache', emptyDir: { medium: 'Memory' } }]);
  noDirectives(out);
});

void test('deployment strategy: $retainKeys drops rollingUpdate when switching to Recreate', () => {
  const out = smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  const bad = applyStrategicMergePatch(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } }, DEPLOY, testRegistry);
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.message, /retainKeys/);
});

void test('finalizers: union, dedup and $deleteFromPrimitiveList', () => {
  const union = smp(deployment(), { metadata: { finalizers: ['b', 'c'] } });
  assert.deepEqual(union.metadata.finalizers, ['a', 'b', 'c']);
  const del = smp(deployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], '$setElementOrder/finalizers': ['b', 'c'], finalizers: ['c'] } });
  assert.deepEqual(del.metadata.finalizers, ['b', 'c']);
  const onlyDel = smp(deployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } });
  assert.deepEqual(onlyDel.metadata.finalizers, ['a']);
  noDirectives(del);
});

void test('tolerations (atomic) and args (no strategy) are replaced', () => {
  const out = smp(deployment(), { spec: { template: { spec: { tolerations: [{ key: 'c', operator: 'Exists' }], containers: [{ name: 'sidecar', args: ['sleep', '1'] }] } } } });
  assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'c', operator: 'Exists' }]);
  assert.deepEqual(out.spec.template.spec.containers[1].args, ['sleep', '1']);
});

void test('{"$patch":"replace"} element replaces the whole list', () => {
  const out = smp(deployment(), { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] } } } });
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'only', image: 'x' }]);
});

void test('$patch in maps: replace swaps the map, delete removes it', () => {
  const rep = smp(deployment(), { metadata: { labels: { $patch: 'replace', tier: 'front' } } });
  assert.deepEqual(rep.metadata.labels, { tier: 'front' });
  const del = smp(deployment(), { spec: { strategy: { $patch: 'delete' } } });
  assert.equal('strategy' in del.spec, false);
  const bad = applyStrategicMergePatch(deployment(), { metadata: { labels: { $patch: 'bogus' } } }, DEPLOY, testRegistry);
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.message, /unknown patch type/);
});

void test('maps merge and null deletes; unknown directives are ignored', () => {
  const out = smp(deployment(), { $foo: 1, metadata: { labels: { app: null, tier: 'x', $bar: 2 } }, spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } } } } });
  assert.deepEqual(out.metadata.labels, { tier: 'x' });
  assert.equal(out.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'], '2026-01-01T00:00:00Z');
  noDirectives(out);
});

void test('new lists and maps taken from the patch drop nulls and directives', () => {
  const live = deployment();
  delete live.spec.template.spec.volumes;
  const out = smp(live, { spec: { template: { spec: { volumes: [{ name: 'v', $retainKeys: ['name', 'secret'], secret: { secretName: 's', defaultMode: null } }, { name: 'gone', $patch: 'delete' }] } } } });
  assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'v', secret: { secretName: 's' } }]);
});

void test('a merge-keyed element without its key is rejected', () => {
  const r = applyStrategicMergePatch(deployment(), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, DEPLOY, testRegistry);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.message, /does not contain declared merge key: name/);
});

void test('non-object patch is rejected', () => {
  assert.equal(applyStrategicMergePatch({}, [1], DEPLOY, testRegistry).ok, false);
});

void test('list-type map without merge key merges by all map keys; set without strategy replaces', () => {
  const live = { spec: { slots: [{ rack: 'a', slot: 1, size: 1 }, { rack: 'a', slot: 2, size: 1 }], tags: ['x', 'y'] } };
  const out = smp(live, { spec: { slots: [{ rack: 'a', slot: 2, size: 5 }, { rack: 'b', slot: 1, size: 1 }], tags: ['z'] } }, 'example.v1.Widget');
  assert.deepEqual(out.spec.slots, [{ rack: 'a', slot: 1, size: 1 }, { rack: 'a', slot: 2, size: 5 }, { rack: 'b', slot: 1, size: 1 }]);
  assert.deepEqual(out.spec.tags, ['z']);
});

void test('unknown schema (json field, unknown struct): maps merge, lists replace', () => {
  const live = { spec: { config: { a: { b: 1, c: [1, 2] }, d: 1 } } };
  const out = smp(live, { spec: { config: { a: { c: [3], e: 2 }, d: null } } }, 'example.v1.Widget');
  assert.deepEqual(out.spec.config, { a: { b: 1, c: [3], e: 2 } });
  const out2 = smp({ x: { y: [1], z: 1 } }, { x: { y: [2] } }, 'no.such.Kind');
  assert.deepEqual(out2, { x: { y: [2], z: 1 } });
});

void test('matched items follow the patch order, or $setElementOrder when given', () => {
  const body = { containers: [{ name: 'sidecar', image: 'b2' }, { name: 'nginx', image: 'n2' }] };
  const byPatch = smp(deployment(), { spec: { template: { spec: body } } });
  assert.deepEqual(byPatch.spec.template.spec.containers.map((c: any) => [c.name, c.image]), [['sidecar', 'b2'], ['nginx', 'n2']]);
  const ordered = smp(deployment(), { spec: { template: { spec: { ...body, '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }] } } } });
  assert.deepEqual(ordered.spec.template.spec.containers.map((c: any) => c.name), ['nginx', 'sidecar']);
});

void test('$setElementOrder alone reorders an existing list (primitive and keyed)', () => {
  const out = smp(deployment(), { metadata: { '$setElementOrder/finalizers': ['b', 'a'] }, spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] } } } });
  assert.deepEqual(out.metadata.finalizers, ['b', 'a']);
  assert.deepEqual(out.spec.template.spec.containers.map((c: any) => c.name), ['sidecar', 'nginx']);
});
