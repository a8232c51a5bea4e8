/**
 * @module apiserver/protobuf/decode-schemas.test — the decoder over the project's generated
 * schema registry (src/api/schema) and its protobuf embedding records: every kubectl 1.33 capture
 * decodes to the same JSON as with the fixture registry, and embedded members (Probe's handler,
 * ConfigMapKeySelector's LocalObjectReference) are inlined. Skipped while the schemas are absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SchemaRegistry } from '../../api/schema/model.ts';
import { decodeKubernetesProtobuf, type ProtoEmbeds } from './decode.ts';
import { envelope, message, objectMeta, structForGvk, TESTDATA, testRegistry } from './testing.ts';

interface SchemaModule { schemas: SchemaRegistry; protoEmbeds: ProtoEmbeds }

async function loadSchemas(): Promise<SchemaModule | undefined> {
  try {
    const path = '../../api/schema/index.ts';
    return (await import(path)) as SchemaModule;
  } catch {
    return undefined;
  }
}

const mod = await loadSchemas();
const skip = mod === undefined ? 'src/api/schema is not available' : false;

const captures = Object.keys(JSON.parse(readFileSync(join(TESTDATA, 'captures.json'), 'utf8')).captures);

for (const name of captures) {
  void test(`generated schemas decode capture ${name} like the fixture registry`, { skip }, () => {
    const body = readFileSync(join(TESTDATA, `${name}.pb`));
    const got = decodeKubernetesProtobuf(body, mod!.schemas, structForGvk, mod!.protoEmbeds);
    const want = decodeKubernetesProtobuf(body, testRegistry(), structForGvk);
    assert.ok(got.ok, got.ok ? '' : got.message);
    assert.deepEqual(got, want);
  });
}

void test('generated schemas: embedded Probe handler and ConfigMapKeySelector name are inlined', { skip }, () => {
  const selector = [[1, 'm', [[1, 's', 'settings']]], [2, 's', 'mode']] as const;
  const env = [[1, 's', 'MODE'], [2, 's', ''], [3, 'm', [[3, 'm', selector]]]] as const;
  const probe = [[1, 'm', [[2, 'm', [[1, 's', '/healthz'], [2, 'm', [[1, 'i', 0], [2, 'i', 8080], [3, 's', '']]], [3, 's', ''], [4, 's', 'HTTP']]]]],
    [2, 'i', 0], [3, 'i', 1], [4, 'i', 10], [5, 'i', 1], [6, 'i', 3]] as const;
  const container = [[1, 's', 'app'], [2, 's', 'img'], [5, 's', ''], [7, 'm', env], [8, 'm', []], [10, 'm', probe], [13, 's', ''], [16, 'i', 0]] as const;
  const podSpec = [[2, 'm', container], [3, 's', ''], [6, 's', ''], [11, 'i', 0]] as const;
  const spec = [[1, 'i', 0], [2, 'm', [[1, 'm', [[1, 's', 'app'], [2, 's', 'web']]]]], [3, 'm', [[1, 'm', objectMeta('')], [2, 'm', podSpec]]],
    [4, 'm', [[1, 's', '']]], [5, 'i', 0], [7, 'i', 0]] as const;
  const body = envelope('apps/v1', 'Deployment', message([[1, 'm', objectMeta('web', 'default')], [2, 'm', spec], [3, 'm', []]]));
  const r = decodeKubernetesProtobuf(body, mod!.schemas, structForGvk, mod!.protoEmbeds);
  assert.ok(r.ok, r.ok ? '' : r.message);
  const c = r.object.spec.template.spec.containers[0];
  assert.deepEqual(c.env, [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } }]);
  assert.deepEqual(c.livenessProbe, { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(r.object.spec.replicas, 0);
  assert.deepEqual(r.object.spec.strategy, {});
  assert.deepEqual(c.resources, {});
});
