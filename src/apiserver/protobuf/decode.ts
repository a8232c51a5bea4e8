/**
 * @module apiserver/protobuf/decode — decodes `application/vnd.kubernetes.protobuf` request bodies
 * (kubectl ≥1.32, client-go ≥0.32) into the wire JSON the rest of the server handles.
 *
 * A body is the magic `6b 38 73 00` ("k8s\0") followed by a `runtime.Unknown` message
 * {1: typeMeta{1 apiVersion, 2 kind}, 2: raw, 3: contentEncoding, 4: contentType}; `raw` is the
 * typed message, decoded here with the schema model's `proto` field numbers (no .proto files).
 *
 * JSON rule (chosen so a protobuf body decodes to exactly the JSON the same Go object would have
 * been sent as by kubectl ≤1.31, i.e. Go encoding/json of the struct):
 * - Go's protobuf marshaller writes every non-pointer field and skips nil pointers, so a message
 *   field (struct, Time, Quantity, IntOrString, ...) is emitted iff it is on the wire: `status: {}`,
 *   `resources: {}`, `creationTimestamp: null` appear as they do in Go JSON.
 * - A scalar field whose value is zero ("", 0, false, empty bytes) is kept only if Go JSON keeps
 *   it: the field is a Go pointer or has no `omitempty` (facts in ./zero-kept.ts, generated from
 *   the Go types). Otherwise it is dropped: `replicas: 0` and `propagationPolicy: ""` stay,
 *   `generation: 0`, `minReadySeconds: 0` and `namespace: ""` go. For structs unknown to that
 *   table: zero numbers/booleans and `required` fields stay, other empty strings go.
 * - Empty lists and maps are absent (the wire cannot tell nil from empty).
 * - Time: an empty message is the zero time → null; otherwise whole seconds (Go ignores nanos).
 * - Go-embedded members (`embeds`) are nested messages on the wire whose fields JSON inlines.
 * - Unknown field numbers are skipped (newer clients); wrong wire types are errors.
 */
import pb from 'protobufjs/minimal.js';
import type { FieldDef, SchemaRegistry, SpecialKind, StructDef, TypeRef } from '../../api/schema/model.ts';
import type { JsonObject } from '../../api/kinds/types.ts';
import { formatDuration, formatMicroTime, formatTime } from './formats.ts';
import { ZERO_KEPT } from './zero-kept.ts';

/** PROTOBUF_MAGIC is the 4-byte prefix of every Kubernetes protobuf body ("k8s\0"). */
export const PROTOBUF_MAGIC: Uint8Array = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** DecodeResult is the decoded object, or why the body could not be decoded (a 400 message). */
export type DecodeResult =
  | { readonly ok: true; readonly apiVersion: string; readonly kind: string; readonly object: JsonObject }
  | { readonly ok: false; readonly message: string };

/** StructForGvk names the model struct of a kind ("apps.v1.Deployment"), or undefined if unknown. */
export type StructForGvk = (apiVersion: string, kind: string) => string | undefined;

/** ProtoEmbeds lists, per struct, Go-embedded members: protobuf nests them as one message field
 * (`core.v1.Probe` field 1 holds a `core.v1.ProbeHandler`) while JSON inlines their fields. Pass
 * the schema package's `protoEmbeds`. */
export type ProtoEmbeds = Readonly<Record<string, readonly { readonly proto: number; readonly struct: string }[]>>;

type Reader = pb.Reader;
type Long = { toString(): string };

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
const MAX_DEPTH = 64;

class DecodeError extends Error {}

interface Ctx {
  readonly registry: SchemaRegistry;
  readonly structForGvk: StructForGvk;
  readonly embeds: ProtoEmbeds;
  readonly depth: number;
}

interface Unknown { apiVersion: string; kind: string; raw: Uint8Array; contentEncoding: string; contentType: string }

/** decodeKubernetesProtobuf decodes a magic-prefixed `runtime.Unknown` body into wire JSON
 * (`embeds`: the schema's protobuf embedding records; without them embedded members are skipped). */
export function decodeKubernetesProtobuf(body: Uint8Array, registry: SchemaRegistry, structForGvk: StructForGvk,
  embeds: ProtoEmbeds = {}): DecodeResult {
  if (!hasMagic(body)) return { ok: false, message: 'protobuf body does not start with the "k8s\\x00" prefix' };
  try {
    const ctx: Ctx = { registry, structForGvk, embeds, depth: 0 };
    const object = decodeUnknown(body.subarray(4), ctx);
    return { ok: true, apiVersion: object.apiVersion, kind: object.kind, object };
  } catch (err) {
    if (err instanceof DecodeError || err instanceof RangeError || err instanceof SyntaxError) {
      return { ok: false, message: `cannot decode protobuf body: ${err.message}` };
    }
    throw err;
  }
}

function hasMagic(body: Uint8Array): boolean {
  return body.length >= 4 && PROTOBUF_MAGIC.every((b, i) => body[i] === b);
}

function decodeUnknown(bytes: Uint8Array, ctx: Ctx): JsonObject {
  const unk = readUnknown(bytes);
  if (unk.contentEncoding !== '') throw new DecodeError(`unsupported contentEncoding "${unk.contentEncoding}"`);
  if (!unk.kind || !unk.apiVersion) throw new DecodeError('runtime.Unknown has no apiVersion/kind');
  if (unk.contentType !== '' && unk.contentType.startsWith('application/json')) {
    const parsed = JSON.parse(Buffer.from(unk.raw).toString('utf8'));
    if (!isObject(parsed)) throw new DecodeError('embedded JSON is not an object');
    return { ...parsed, apiVersion: unk.apiVersion, kind: unk.kind };
  }
  const structName = ctx.structForGvk(unk.apiVersion, unk.kind);
  if (!structName) throw new DecodeError(`no protobuf schema for ${unk.apiVersion}, Kind=${unk.kind}`);
  const body = decodeStruct(unk.raw, structName, ctx);
  return { apiVersion: unk.apiVersion, kind: unk.kind, ...withoutTypeMeta(body) };
}

function withoutTypeMeta(obj: JsonObject): JsonObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function readUnknown(bytes: Uint8Array): Unknown {
  const out: Unknown = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  const r = pb.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no >= 1 && no <= 4) expectWire(wt, WIRE_LEN, `runtime.Unknown field ${no}`);
    if (no === 1) {
      const tm = pb.Reader.create(r.bytes());
      while (tm.pos < tm.len) {
        const t = tm.uint32();
        if (t === 0x0a) out.apiVersion = tm.string();
        else if (t === 0x12) out.kind = tm.string();
        else tm.skipType(t & 7);
      }
    } else if (no === 2) out.raw = r.bytes();
    else if (no === 3) out.contentEncoding = r.string();
    else if (no === 4) out.contentType = r.string();
    else r.skipType(wt);
  }
  return out;
}

function expectWire(got: number, want: number, what: string): void {
  if (got !== want) throw new DecodeError(`${what}: wire type ${got}, expected ${want}`);
}

const indexCache = new WeakMap<StructDef, Map<number, readonly [string, FieldDef]>>();

function fieldIndex(def: StructDef): Map<number, readonly [string, FieldDef]> {
  let idx = indexCache.get(def);
  if (!idx) {
    idx = new Map();
    for (const [name, field] of Object.entries(def.fields)) {
      if (field.proto !== undefined) idx.set(field.proto, [name, field]);
    }
    indexCache.set(def, idx);
  }
  return idx;
}

function decodeStruct(bytes: Uint8Array, structName: string, ctx: Ctx): JsonObject {
  if (ctx.depth > MAX_DEPTH) throw new DecodeError('message nesting too deep');
  const def = ctx.registry.struct(structName);
  if (!def) throw new DecodeError(`schema has no struct ${structName}`);
  const inner: Ctx = { ...ctx, depth: ctx.depth + 1 };
  const idx = fieldIndex(def);
  const out: JsonObject = {};
  const r = pb.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    const entry = idx.get(tag >>> 3);
    if (!entry) {
      const embed = ctx.embeds[structName]?.find((e) => e.proto === tag >>> 3);
      if (embed && (tag & 7) === WIRE_LEN) Object.assign(out, decodeStruct(r.bytes(), embed.struct, inner));
      else r.skipType(tag & 7);
      continue;
    }
    readField(r, tag & 7, entry[1].type, out, entry[0], inner, `${structName}.${entry[0]}`);
  }
  dropZeroScalars(out, def);
  return out;
}

/** readField reads one occurrence of a field into `out[key]` (appending for lists, adding map entries). */
function readField(r: Reader, wt: number, type: TypeRef, out: JsonObject, key: string, ctx: Ctx, path: string): void {
  if (type.kind === 'list') {
    const list: unknown[] = (out[key] ??= []);
    if (type.items.kind === 'scalar' && wt === WIRE_LEN && isPackable(type.items)) {
      const end = r.uint32() + r.pos;
      while (r.pos < end) list.push(readScalar(r, scalarWire(type.items), type.items, path));
    } else {
      list.push(readValue(r, wt, type.items, ctx, path));
    }
  } else if (type.kind === 'map') {
    expectWire(wt, WIRE_LEN, path);
    const entry = pb.Reader.create(r.bytes());
    let k = '';
    let v: unknown = zeroValue(type.values);
    while (entry.pos < entry.len) {
      const t = entry.uint32();
      if (t >>> 3 === 1) k = entry.string();
      else if (t >>> 3 === 2) v = readValue(entry, t & 7, type.values, ctx, `${path}[key]`);
      else entry.skipType(t & 7);
    }
    (out[key] ??= {})[k] = v;
  } else {
    out[key] = readValue(r, wt, type, ctx, path);
  }
}

/** readValue reads one non-repeated value of `type` at the reader's position. */
function readValue(r: Reader, wt: number, type: TypeRef, ctx: Ctx, path: string): unknown {
  switch (type.kind) {
    case 'scalar':
      return readScalar(r, wt, type, path);
    case 'special':
      expectWire(wt, WIRE_LEN, path);
      return decodeSpecial(r.bytes(), type.special, ctx, path);
    case 'ref':
      expectWire(wt, WIRE_LEN, path);
      return decodeStruct(r.bytes(), type.name, ctx);
    case 'list':
    case 'map': {
      // A nested list or map (map[string][]string, [][]string) travels in a wrapper message
      // whose field 1 holds the items (authentication.v1.ExtraValue {repeated string items = 1}).
      expectWire(wt, WIRE_LEN, path);
      const w = pb.Reader.create(r.bytes());
      const holder: JsonObject = {};
      while (w.pos < w.len) {
        const t = w.uint32();
        if (t >>> 3 === 1) readField(w, t & 7, type, holder, 'items', ctx, path);
        else w.skipType(t & 7);
      }
      return holder.items ?? (type.kind === 'list' ? [] : {});
    }
  }
}

function isPackable(t: Extract<TypeRef, { kind: 'scalar' }>): boolean {
  return t.scalar !== 'string' && t.scalar !== 'bytes';
}

function scalarWire(t: Extract<TypeRef, { kind: 'scalar' }>): number {
  return t.scalar === 'double' ? WIRE_FIXED64 : WIRE_VARINT;
}

function readScalar(r: Reader, wt: number, t: Extract<TypeRef, { kind: 'scalar' }>, path: string): unknown {
  switch (t.scalar) {
    case 'string':
      expectWire(wt, WIRE_LEN, path);
      return r.string();
    case 'bytes':
      expectWire(wt, WIRE_LEN, path);
      return Buffer.from(r.bytes()).toString('base64');
    case 'boolean':
      expectWire(wt, WIRE_VARINT, path);
      return r.bool();
    case 'int32':
      expectWire(wt, WIRE_VARINT, path);
      return r.int32();
    case 'int64':
      expectWire(wt, WIRE_VARINT, path);
      return longToNumber(r.int64());
    case 'double':
      if (wt === WIRE_FIXED32) return r.float();
      if (wt === WIRE_VARINT) return longToNumber(r.int64());
      expectWire(wt, WIRE_FIXED64, path);
      return r.double();
  }
}

function longToNumber(v: number | Long): number {
  return typeof v === 'number' ? v : Number(v.toString());
}

function longToBigInt(v: number | Long): bigint {
  return typeof v === 'number' ? BigInt(v) : BigInt(v.toString());
}

/** readSmall walks a small message, handing each field to `read` (which returns false to skip it). */
function readSmall(bytes: Uint8Array, read: (r: Reader, no: number, wt: number) => boolean): void {
  const r = pb.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (!read(r, tag >>> 3, tag & 7)) r.skipType(tag & 7);
  }
}

function decodeSpecial(bytes: Uint8Array, special: SpecialKind, ctx: Ctx, path: string): unknown {
  switch (special) {
    case 'time':
    case 'microTime': {
      if (bytes.length === 0) return null;
      let seconds = 0;
      let nanos = 0;
      readSmall(bytes, (r, no, wt) => {
        if (no === 1 && wt === WIRE_VARINT) seconds = longToNumber(r.int64());
        else if (no === 2 && wt === WIRE_VARINT) nanos = r.int32();
        else return false;
        return true;
      });
      return special === 'time' ? formatTime(seconds) : formatMicroTime(seconds, nanos);
    }
    case 'duration': {
      let ns = 0n;
      readSmall(bytes, (r, no, wt) => (no === 1 && wt === WIRE_VARINT ? ((ns = longToBigInt(r.int64())), true) : false));
      return formatDuration(ns);
    }
    case 'quantity': {
      let s = '0';
      readSmall(bytes, (r, no, wt) => (no === 1 && wt === WIRE_LEN ? ((s = r.string()), true) : false));
      return s;
    }
    case 'intOrString': {
      let type = 0;
      let intVal = 0;
      let strVal = '';
      readSmall(bytes, (r, no, wt) => {
        if (no === 1 && wt === WIRE_VARINT) type = longToNumber(r.int64());
        else if (no === 2 && wt === WIRE_VARINT) intVal = r.int32();
        else if (no === 3 && wt === WIRE_LEN) strVal = r.string();
        else return false;
        return true;
      });
      return type === 1 ? strVal : intVal;
    }
    case 'rawExtension':
    case 'json':
    case 'fieldsV1': {
      let raw: Uint8Array | undefined;
      readSmall(bytes, (r, no, wt) => (no === 1 && wt === WIRE_LEN ? ((raw = r.bytes()), true) : false));
      if (!raw || raw.length === 0) return null;
      if (special === 'rawExtension' && hasMagic(raw)) return decodeUnknown(raw.subarray(4), ctx);
      try {
        return JSON.parse(Buffer.from(raw).toString('utf8'));
      } catch {
        throw new DecodeError(`${path}: embedded raw value is not JSON`);
      }
    }
  }
}

function zeroValue(type: TypeRef): unknown {
  if (type.kind === 'scalar') {
    if (type.scalar === 'string' || type.scalar === 'bytes') return '';
    return type.scalar === 'boolean' ? false : 0;
  }
  if (type.kind === 'ref') return {};
  if (type.kind === 'list') return [];
  if (type.kind === 'map') return {};
  return type.special === 'quantity' ? '0' : type.special === 'intOrString' ? 0 : null;
}

function isZeroScalar(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

/** dropZeroScalars applies Go's omitempty to scalar fields (see the module comment). */
function dropZeroScalars(out: JsonObject, def: StructDef): void {
  const kept = ZERO_KEPT[def.name];
  for (const [key, value] of Object.entries(out)) {
    const field = def.fields[key];
    if (!field || field.type.kind !== 'scalar' || !isZeroScalar(value)) continue;
    if (kept ? kept.includes(key) : field.required || value !== '') continue;
    delete out[key];
  }
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
