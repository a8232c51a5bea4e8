/**
 * @module apiserver/protobuf/openapi-v2-project.test — the project's whole Swagger document
 * (src/api/openapi buildOpenApiV2) survives encoding: decoded back with gnostic's field numbers,
 * every definition (recursively: $ref, type, format, description, required, enum, default,
 * properties, items, allOf, additionalProperties, vendor extensions) and every operation
 * (ids, media types, parameters, responses, extensions) equals the JSON source. Skipped while
 * the project's OpenAPI builder is unavailable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { parse as parseYaml } from 'yaml';
import { encodeOpenApiV2Protobuf } from './openapi-v2.ts';
import { TESTDATA } from './testing.ts';

async function projectDoc(): Promise<any> {
  try {
    const paths = ['../../api/openapi/index.ts', '../../api/kinds/index.ts', '../../api/schema/index.ts'];
    const [openapi, kinds, schema] = await Promise.all(paths.map(async (p) => import(p)));
    return openapi.buildOpenApiV2(kinds.builtinKinds ?? kinds.builtinKindFacts, schema.schemas);
  } catch {
    return undefined;
  }
}

const src = await projectDoc();
const Document = protobuf.parse(readFileSync(join(TESTDATA, 'gnostic-openapiv2-subset.proto'), 'utf8'), { keepCase: true })
  .root.lookupType('openapi.v2.Document');

const extOf = (list: any[] | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map((e) => [e.name, parseYaml(e.value.yaml)]));
const extIn = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => k.startsWith('x-')));
const byName = (list: any[] | undefined): Record<string, any> => Object.fromEntries((list ?? []).map((x) => [x.name, x.value]));

function checkSchema(s: any, p: any, where: string): void {
  assert.ok(p, `${where} is encoded`);
  assert.deepEqual(
    [p._ref, p.type?.value, p.format, p.description, p.required, extOf(p.vendor_extension), p.enum?.map((e: any) => parseYaml(e.yaml)),
      p.default ? parseYaml(p.default.yaml) : undefined],
    [s.$ref, s.type === undefined ? undefined : [s.type].flat(), s.format, s.description, s.required, extIn(s), s.enum, s.default],
    where);
  const props = byName(p.properties?.additional_properties);
  assert.deepEqual(Object.keys(props), Object.keys(s.properties ?? {}), `${where} properties`);
  for (const [k, v] of Object.entries(s.properties ?? {})) checkSchema(v, props[k], `${where}.${k}`);
  if (s.items) checkSchema(s.items, p.items?.schema?.[0], `${where}[]`);
  (s.allOf ?? []).forEach((x: any, i: number) => checkSchema(x, p.all_of[i], `${where}.allOf[${i}]`));
  if (typeof s.additionalProperties === 'object') checkSchema(s.additionalProperties, p.additional_properties?.schema, `${where}{}`);
  else assert.equal(p.additional_properties?.boolean, s.additionalProperties, `${where} additionalProperties`);
}

function checkParameter(s: any, p: any, where: string): void {
  if (s.$ref) {
    assert.equal(p.json_reference?._ref, s.$ref, where);
    return;
  }
  const inner = s.in === 'body' ? p.parameter.body_parameter : Object.values(p.parameter.non_body_parameter)[0] as any;
  assert.deepEqual([inner.name, inner.in, inner.required ?? false, inner.description, inner.type, inner.unique_items ?? false],
    [s.name, s.in, s.required ?? false, s.description, s.type, s.uniqueItems ?? false], where);
  if (s.schema) checkSchema(s.schema, inner.schema, `${where} schema`);
}

void test('the full project Swagger document round-trips through the gnostic encoding', { skip: src === undefined ? 'src/api/openapi not available' : false }, () => {
  const d: any = Document.toObject(Document.decode(encodeOpenApiV2Protobuf(src)), { longs: Number, defaults: false });
  assert.equal(d.swagger, src.swagger);
  const defs = byName(d.definitions.additional_properties);
  assert.deepEqual(Object.keys(defs), Object.keys(src.definitions));
  for (const [k, v] of Object.entries(src.definitions)) checkSchema(v, defs[k], k);
  const paths = byName(d.paths.path);
  assert.deepEqual(Object.keys(paths), Object.keys(src.paths));
  let operations = 0;
  for (const [k, item] of Object.entries<any>(src.paths)) {
    (item.parameters ?? []).forEach((x: any, i: number) => checkParameter(x, paths[k].parameters[i], `${k} parameters[${i}]`));
    for (const m of ['get', 'put', 'post', 'delete', 'patch']) {
      const so = item[m];
      const po = paths[k][m];
      if (!so) {
        assert.equal(po, undefined);
        continue;
      }
      operations++;
      assert.deepEqual([po.operation_id, po.description, po.consumes, po.produces, po.schemes, po.tags, extOf(po.vendor_extension)],
        [so.operationId, so.description, so.consumes, so.produces, so.schemes, so.tags, extIn(so)], `${k} ${m}`);
      (so.parameters ?? []).forEach((x: any, i: number) => checkParameter(x, po.parameters[i], `${k} ${m} parameters[${i}]`));
      const codes = byName(po.responses.response_code);
      assert.deepEqual(Object.keys(codes), Object.keys(so.responses), `${k} ${m} responses`);
      for (const [c, r] of Object.entries<any>(so.responses)) {
        assert.equal(codes[c].response.description, r.description);
        if (r.schema) checkSchema(r.schema, codes[c].response.schema.schema, `${k} ${m} ${c}`);
      }
    }
  }
  assert.ok(operations > 100, `many operations checked (${operations})`);
});
