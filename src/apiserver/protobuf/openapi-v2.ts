/**
 * @module apiserver/protobuf/openapi-v2 — encodes a Swagger 2.0 JSON document as the gnostic
 * `openapi.v2.Document` protobuf that kubectl 1.27/1.28 download from `/openapi/v2` (served with
 * Content-Type `application/com.github.proto-openapi.spec.v2.v1.0+protobuf`).
 *
 * Field numbers follow google/gnostic `openapiv2/OpenAPIv2.proto` (proto3): singular scalars
 * equal to their default ("", false, 0) are not written, singular messages are written when
 * present, oneof members always. JSON values that have no typed field (`default`, `example`,
 * `enum` entries, `x-*` vendor extensions) travel as `Any{yaml}`, e.g. the GVK extension
 * `group: apps\nkind: Deployment\nversion: v1\n`. kubectl's query-parameter check only sees
 * parameters written inline in an operation (not `$ref`s), so `fieldValidation` must be inline.
 */
import pb from 'protobufjs/minimal.js';
import { stringify } from 'yaml';
import type { JsonObject } from '../../api/kinds/types.ts';

type Writer = pb.Writer;
type Encoder = (w: Writer, value: any) => void;

/** FieldKind: how one JSON key is written ('ext' collects every `x-*` key of the object). */
type FieldKind = 'str' | 'strs' | 'bool' | 'dbl' | 'i64' | 'any' | 'anys' | 'ext' | Encoder;

/** Table lists a message's fields as [json key, kind, field number]. */
type Table = readonly (readonly [key: string, kind: FieldKind, no: number])[];

function tag(w: Writer, no: number, wire: number): Writer {
  return w.uint32((no << 3) | wire);
}

function sub(w: Writer, no: number, fill: () => void): void {
  tag(w, no, 2).fork();
  fill();
  w.ldelim();
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function anyValue(w: Writer, value: unknown): void {
  const text = stringify(value, { lineWidth: 0 });
  if (text !== '') tag(w, 2, 2).string(text);
}

function namedAny(w: Writer, name: string, value: unknown): void {
  tag(w, 1, 2).string(name);
  sub(w, 2, () => anyValue(w, value));
}

function encodeTable(w: Writer, obj: JsonObject, table: Table): void {
  for (const [key, kind, no] of table) {
    if (kind === 'ext') {
      for (const [k, v] of Object.entries(obj)) if (k.startsWith('x-')) sub(w, no, () => namedAny(w, k, v));
      continue;
    }
    const v = obj[key];
    if (v === undefined || v === null) continue;
    switch (kind) {
      case 'str':
        if (typeof v === 'string' && v !== '') tag(w, no, 2).string(v);
        break;
      case 'strs':
        for (const s of Array.isArray(v) ? v : [v]) tag(w, no, 2).string(String(s));
        break;
      case 'bool':
        if (v === true) tag(w, no, 0).bool(true);
        break;
      case 'dbl':
        if (typeof v === 'number' && v !== 0) tag(w, no, 1).double(v);
        break;
      case 'i64':
        if (typeof v === 'number' && v !== 0) tag(w, no, 0).int64(v);
        break;
      case 'any':
        sub(w, no, () => anyValue(w, v));
        break;
      case 'anys':
        for (const item of Array.isArray(v) ? v : [v]) sub(w, no, () => anyValue(w, item));
        break;
      default:
        kind(w, v);
    }
  }
}

/** msg makes an encoder writing `value` (an object) as a sub-message at field `no` with `table`. */
function msg(no: number, table: () => Table): Encoder {
  return (w, value) => {
    if (isObj(value)) sub(w, no, () => encodeTable(w, value, table()));
  };
}

/** named makes an encoder writing each non-`x-` entry of a JSON map as {1 name, 2 value}. */
function named(no: number, value: (w: Writer, v: any) => void, skipExt = true): Encoder {
  return (w, obj) => {
    if (!isObj(obj)) return;
    for (const [k, v] of Object.entries(obj)) {
      if (skipExt && k.startsWith('x-')) continue;
      sub(w, no, () => {
        tag(w, 1, 2).string(k);
        value(w, v);
      });
    }
  };
}

/** wrap makes an encoder writing a wrapper message at `no` whose body is written by `inner`. */
function wrap(no: number, inner: Encoder): Encoder {
  return (w, v) => sub(w, no, () => inner(w, v));
}

const EXTERNAL_DOCS: Table = [['description', 'str', 1], ['url', 'str', 2], ['', 'ext', 3]];
const XML: Table = [['name', 'str', 1], ['namespace', 'str', 2], ['prefix', 'str', 3], ['attribute', 'bool', 4], ['wrapped', 'bool', 5], ['', 'ext', 6]];

/** VALIDATIONS is the shared run of validation keywords (maximum … multipleOf) in primitive schemas. */
const VALIDATIONS = ['maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern',
  'maxItems', 'minItems', 'uniqueItems', 'enum', 'multipleOf'] as const;
const VALIDATION_KIND: Record<(typeof VALIDATIONS)[number], FieldKind> = {
  maximum: 'dbl', exclusiveMaximum: 'bool', minimum: 'dbl', exclusiveMinimum: 'bool', maxLength: 'i64', minLength: 'i64',
  pattern: 'str', maxItems: 'i64', minItems: 'i64', uniqueItems: 'bool', enum: 'anys', multipleOf: 'dbl',
};

/** sequential numbers fields from `first` in the order given. */
function sequential(first: number, fields: readonly (readonly [string, FieldKind])[]): Table {
  return fields.map(([k, kind], i) => [k, kind, first + i] as const);
}

function validations(): (readonly [string, FieldKind])[] {
  return VALIDATIONS.map((k) => [k, VALIDATION_KIND[k]] as const);
}

/** PrimitivesItems: type, format, items, collectionFormat, default, validations…, vendor extensions. */
function primitivesItems(): Table {
  return sequential(1, [['type', 'str'], ['format', 'str'], ['items', msg(3, primitivesItems)], ['collectionFormat', 'str'],
    ['default', 'any'], ...validations(), ['', 'ext']]);
}

/** Header/path parameter sub-schema (no allowEmptyValue). */
function headerOrPathParameter(): Table {
  return sequential(1, [['required', 'bool'], ['in', 'str'], ['description', 'str'], ['name', 'str'], ['type', 'str'],
    ['format', 'str'], ['items', msg(7, primitivesItems)], ['collectionFormat', 'str'], ['default', 'any'], ...validations(), ['', 'ext']]);
}

/** Query/formData parameter sub-schema (with allowEmptyValue at 5). */
function queryOrFormParameter(): Table {
  return sequential(1, [['required', 'bool'], ['in', 'str'], ['description', 'str'], ['name', 'str'], ['allowEmptyValue', 'bool'],
    ['type', 'str'], ['format', 'str'], ['items', msg(8, primitivesItems)], ['collectionFormat', 'str'], ['default', 'any'],
    ...validations(), ['', 'ext']]);
}

/** Header (a response header): primitive fields, then description (18) and extensions (19). */
function responseHeader(): Table {
  return sequential(1, [['type', 'str'], ['format', 'str'], ['items', msg(3, primitivesItems)], ['collectionFormat', 'str'],
    ['default', 'any'], ...validations(), ['description', 'str'], ['', 'ext']]);
}

const schemaAt = (no: number): Encoder => msg(no, schemaTable);

function schemaTable(): Table {
  return [
    ['$ref', 'str', 1], ['format', 'str', 2], ['title', 'str', 3], ['description', 'str', 4], ['default', 'any', 5],
    ['multipleOf', 'dbl', 6], ['maximum', 'dbl', 7], ['exclusiveMaximum', 'bool', 8], ['minimum', 'dbl', 9],
    ['exclusiveMinimum', 'bool', 10], ['maxLength', 'i64', 11], ['minLength', 'i64', 12], ['pattern', 'str', 13],
    ['maxItems', 'i64', 14], ['minItems', 'i64', 15], ['uniqueItems', 'bool', 16], ['maxProperties', 'i64', 17],
    ['minProperties', 'i64', 18], ['required', 'strs', 19], ['enum', 'anys', 20],
    ['additionalProperties', (w, v) => sub(w, 21, () => (typeof v === 'boolean' ? tag(w, 2, 0).bool(v) : schemaAt(1)(w, v))), 21],
    ['type', (w, v) => sub(w, 22, () => encodeTable(w, { value: v }, [['value', 'strs', 1]])), 22],
    ['items', (w, v) => sub(w, 23, () => { for (const s of Array.isArray(v) ? v : [v]) schemaAt(1)(w, s); }), 23],
    ['allOf', (w, v) => { for (const s of Array.isArray(v) ? v : [v]) schemaAt(24)(w, s); }, 24],
    ['properties', wrap(25, named(1, (w, s) => schemaAt(2)(w, s), false)), 25],
    ['discriminator', 'str', 26], ['readOnly', 'bool', 27], ['xml', msg(28, () => XML), 28],
    ['externalDocs', msg(29, () => EXTERNAL_DOCS), 29], ['example', 'any', 30], ['', 'ext', 31],
  ];
}

const FILE_SCHEMA: Table = [['format', 'str', 1], ['title', 'str', 2], ['description', 'str', 3], ['default', 'any', 4],
  ['required', 'strs', 5], ['type', 'str', 6], ['readOnly', 'bool', 7], ['externalDocs', msg(8, () => EXTERNAL_DOCS), 8],
  ['example', 'any', 9], ['', 'ext', 10]];

/** parameter writes the body of a `Parameter` (oneof body 1 / non-body 2). */
function parameter(w: Writer, p: JsonObject): void {
  if (p.in === 'body') {
    sub(w, 1, () => encodeTable(w, p, [['description', 'str', 1], ['name', 'str', 2], ['in', 'str', 3], ['required', 'bool', 4],
      ['schema', schemaAt(5), 5], ['', 'ext', 6]]));
    return;
  }
  const which = { header: [1, headerOrPathParameter], formData: [2, queryOrFormParameter], query: [3, queryOrFormParameter],
    path: [4, headerOrPathParameter] } as const;
  const [no, table] = which[p.in as keyof typeof which] ?? which.query;
  sub(w, 2, () => sub(w, no, () => encodeTable(w, p, table())));
}

/** parametersItem writes one `ParametersItem` at field `no` ($ref → JsonReference 2, else Parameter 1). */
function parametersItem(no: number): Encoder {
  return (w, list) => {
    for (const p of Array.isArray(list) ? list : []) {
      if (!isObj(p)) continue;
      sub(w, no, () => {
        if (typeof p.$ref === 'string') sub(w, 2, () => encodeTable(w, p, [['$ref', 'str', 1], ['description', 'str', 2]]));
        else sub(w, 1, () => parameter(w, p));
      });
    }
  };
}

function responseTable(): Table {
  return [
    ['description', 'str', 1],
    ['schema', (w, s) => isObj(s) && sub(w, 2, () => (s.type === 'file' ? msg(2, () => FILE_SCHEMA)(w, s) : schemaAt(1)(w, s))), 2],
    ['headers', wrap(3, named(1, (w, h) => msg(2, responseHeader)(w, h), false)), 3],
    ['examples', wrap(4, named(1, (w, v) => sub(w, 2, () => anyValue(w, v)), false)), 4],
    ['', 'ext', 5],
  ];
}

/** responses writes an operation's `Responses` (codes → ResponseValue, plus vendor extensions). */
const responses: Encoder = (w, r) => {
  if (!isObj(r)) return;
  sub(w, 9, () => {
    named(1, (w2, v) => sub(w2, 2, () => {
      if (isObj(v) && typeof v.$ref === 'string') sub(w2, 2, () => encodeTable(w2, v, [['$ref', 'str', 1], ['description', 'str', 2]]));
      else msg(1, responseTable)(w2, v);
    }))(w, r);
    encodeTable(w, r, [['', 'ext', 2]]);
  });
};

const securityRequirements = (no: number): Encoder => (w, list) => {
  for (const req of Array.isArray(list) ? list : []) {
    sub(w, no, () => named(1, (w2, scopes) => sub(w2, 2, () => encodeTable(w2, { value: scopes }, [['value', 'strs', 1]])), false)(w, req));
  }
};

function operationTable(): Table {
  return [['tags', 'strs', 1], ['summary', 'str', 2], ['description', 'str', 3], ['externalDocs', msg(4, () => EXTERNAL_DOCS), 4],
    ['operationId', 'str', 5], ['produces', 'strs', 6], ['consumes', 'strs', 7], ['parameters', parametersItem(8), 8],
    ['responses', responses, 9], ['schemes', 'strs', 10], ['deprecated', 'bool', 11], ['security', securityRequirements(12), 12],
    ['', 'ext', 13]];
}

const PATH_ITEM: Table = [['$ref', 'str', 1], ['get', msg(2, operationTable), 2], ['put', msg(3, operationTable), 3],
  ['post', msg(4, operationTable), 4], ['delete', msg(5, operationTable), 5], ['options', msg(6, operationTable), 6],
  ['head', msg(7, operationTable), 7], ['patch', msg(8, operationTable), 8], ['parameters', parametersItem(9), 9], ['', 'ext', 10]];

const paths: Encoder = (w, p) => sub(w, 8, () => {
  encodeTable(w, p, [['', 'ext', 1]]);
  named(2, (w2, item) => msg(2, () => PATH_ITEM)(w2, item))(w, p);
});

const OAUTH_SCOPES: Encoder = wrap(3, named(1, (w, v) => tag(w, 2, 2).string(String(v)), false));

/** securityScheme writes a `SecurityDefinitionsItem` body (oneof by type and OAuth2 flow). */
function securityScheme(w: Writer, s: JsonObject): void {
  const head: Table = [['type', 'str', 1]];
  if (s.type === 'basic') sub(w, 1, () => encodeTable(w, s, [...head, ['description', 'str', 2], ['', 'ext', 3]]));
  else if (s.type === 'apiKey') {
    sub(w, 2, () => encodeTable(w, s, [...head, ['name', 'str', 2], ['in', 'str', 3], ['description', 'str', 4], ['', 'ext', 5]]));
  } else {
    const base: Table = [...head, ['flow', 'str', 2], ['scopes', OAUTH_SCOPES, 3]];
    const tables: Record<string, readonly [number, Table]> = {
      implicit: [3, [...base, ['authorizationUrl', 'str', 4], ['description', 'str', 5], ['', 'ext', 6]]],
      password: [4, [...base, ['tokenUrl', 'str', 4], ['description', 'str', 5], ['', 'ext', 6]]],
      application: [5, [...base, ['tokenUrl', 'str', 4], ['description', 'str', 5], ['', 'ext', 6]]],
      accessCode: [6, [...base, ['authorizationUrl', 'str', 4], ['tokenUrl', 'str', 5], ['description', 'str', 6], ['', 'ext', 7]]],
    };
    const [no, table] = tables[String(s.flow)] ?? tables.implicit;
    sub(w, no, () => encodeTable(w, s, table));
  }
}

const INFO: Table = [['title', 'str', 1], ['version', 'str', 2], ['description', 'str', 3], ['termsOfService', 'str', 4],
  ['contact', msg(5, () => [['name', 'str', 1], ['url', 'str', 2], ['email', 'str', 3], ['', 'ext', 4]]), 5],
  ['license', msg(6, () => [['name', 'str', 1], ['url', 'str', 2], ['', 'ext', 3]]), 6], ['', 'ext', 7]];

const DOCUMENT: Table = [
  ['swagger', 'str', 1], ['info', msg(2, () => INFO), 2], ['host', 'str', 3], ['basePath', 'str', 4], ['schemes', 'strs', 5],
  ['consumes', 'strs', 6], ['produces', 'strs', 7], ['paths', paths, 8],
  ['definitions', wrap(9, named(1, (w, s) => schemaAt(2)(w, s), false)), 9],
  ['parameters', wrap(10, named(1, (w, p) => isObj(p) && sub(w, 2, () => parameter(w, p)), false)), 10],
  ['responses', wrap(11, named(1, (w, r) => msg(2, responseTable)(w, r), false)), 11],
  ['security', securityRequirements(12), 12],
  ['securityDefinitions', wrap(13, named(1, (w, s) => isObj(s) && sub(w, 2, () => securityScheme(w, s)), false)), 13],
  ['tags', (w, tags) => { for (const t of Array.isArray(tags) ? tags : []) msg(14, () => [['name', 'str', 1], ['description', 'str', 2], ['externalDocs', msg(3, () => EXTERNAL_DOCS), 3], ['', 'ext', 4]])(w, t); }, 14],
  ['externalDocs', msg(15, () => EXTERNAL_DOCS), 15], ['', 'ext', 16],
];

/** encodeOpenApiV2Protobuf encodes a Swagger 2.0 JSON document as a gnostic `openapi.v2.Document`. */
export function encodeOpenApiV2Protobuf(doc: JsonObject): Uint8Array {
  const w = pb.Writer.create();
  encodeTable(w, doc, DOCUMENT);
  return w.finish();
}

/** OPENAPI_V2_PROTOBUF_CONTENT_TYPE is the exact Content-Type kubectl 1.27/1.28 accept for `/openapi/v2`. */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
