/**
 * @module api/schema/dsl — tiny constructors that keep the generated schema files compact
 * (one line per field). Generated code in src/api/generated/ is written in these terms; hand-written
 * code may use them too.
 */
import type { FieldDef, StructDef, TypeRef } from './model.ts';

/** ProtoEmbed records a Go-embedded struct: JSON inlines its fields into the parent while protobuf
 * nests them as one message field (`core.v1.Volume` field 2 `volumeSource` holds `core.v1.VolumeSource`). */
export interface ProtoEmbed {
  /** field: the proto field name in the parent message ("volumeSource"). */
  readonly field: string;
  /** proto: the field number in the parent message. */
  readonly proto: number;
  /** struct: the struct whose (JSON-inlined) fields the nested message carries. */
  readonly struct: string;
}

/** str is a plain JSON string. */
export const str: TypeRef = { kind: 'scalar', scalar: 'string' };
/** i32 is a 32-bit integer. */
export const i32: TypeRef = { kind: 'scalar', scalar: 'int32' };
/** i64 is a 64-bit integer. */
export const i64: TypeRef = { kind: 'scalar', scalar: 'int64' };
/** bool is a boolean. */
export const bool: TypeRef = { kind: 'scalar', scalar: 'boolean' };
/** dbl is a double-precision number. */
export const dbl: TypeRef = { kind: 'scalar', scalar: 'double' };
/** bytes is base64 text in JSON, raw bytes in protobuf. */
export const bytes: TypeRef = { kind: 'scalar', scalar: 'bytes' };
/** qty is a resource quantity ("100m", "1Gi"). */
export const qty: TypeRef = { kind: 'special', special: 'quantity' };
/** ios is an int-or-string (80 or "http"). */
export const ios: TypeRef = { kind: 'special', special: 'intOrString' };
/** time is an RFC 3339 timestamp with seconds precision. */
export const time: TypeRef = { kind: 'special', special: 'time' };
/** mtime is an RFC 3339 timestamp with microseconds. */
export const mtime: TypeRef = { kind: 'special', special: 'microTime' };
/** dur is a Go duration string ("1h2m3s"). */
export const dur: TypeRef = { kind: 'special', special: 'duration' };
/** raw is an embedded object of any kind (runtime.RawExtension). */
export const raw: TypeRef = { kind: 'special', special: 'rawExtension' };
/** json is any JSON value. */
export const json: TypeRef = { kind: 'special', special: 'json' };
/** fv1 is a managedFields field set (FieldsV1). */
export const fv1: TypeRef = { kind: 'special', special: 'fieldsV1' };

/** s is a scalar with a format or enum (`s('string', { format: 'date-time' })`). */
export function s(
  scalar: 'string' | 'int32' | 'int64' | 'double' | 'boolean' | 'bytes',
  o: { format?: string; enum?: readonly string[] } = {},
): TypeRef {
  return { kind: 'scalar', scalar, ...(o.format !== undefined ? { format: o.format } : {}), ...(o.enum ? { enum: o.enum } : {}) };
}

/** r is a reference to a named struct. */
export function r(name: string): TypeRef {
  return { kind: 'ref', name };
}

/** ListOpts: t = x-kubernetes-list-type, k = list map keys, ps = patch strategy, mk = patch merge key. */
export interface ListOpts {
  readonly t?: 'atomic' | 'set' | 'map';
  readonly k?: readonly string[];
  readonly ps?: string;
  readonly mk?: string;
}

/** L is a list of `items`. */
export function L(items: TypeRef, o: ListOpts = {}): TypeRef {
  return {
    kind: 'list', items,
    ...(o.t ? { listType: o.t } : {}),
    ...(o.k ? { listMapKeys: o.k } : {}),
    ...(o.ps ? { patchStrategy: o.ps } : {}),
    ...(o.mk ? { patchMergeKey: o.mk } : {}),
  };
}

/** M is a string-keyed map of `values`, optionally with x-kubernetes-map-type. */
export function M(values: TypeRef, mapType?: 'atomic' | 'granular'): TypeRef {
  return { kind: 'map', values, ...(mapType ? { mapType } : {}) };
}

/** FieldOpts: q = required, d = default, ps = patch strategy (non-list fields), pn = proto name, doc = description. */
export interface FieldOpts {
  readonly q?: boolean;
  readonly d?: unknown;
  readonly ps?: string;
  readonly pn?: string;
  readonly doc?: string;
}

/** f is one field: its type, protobuf number (0 = none) and options. */
export function f(type: TypeRef, proto = 0, o: FieldOpts = {}): FieldDef {
  return {
    type,
    ...(o.q ? { required: true } : {}),
    ...(proto ? { proto } : {}),
    ...(o.pn !== undefined ? { protoName: o.pn } : {}),
    ...(o.ps !== undefined ? { patchStrategy: o.ps } : {}),
    ...(o.doc !== undefined ? { description: o.doc } : {}),
    ...(o.d !== undefined ? { default: o.d } : {}),
  };
}

/** StructOpts: gvk as [group, version, kind] triples, mt = x-kubernetes-map-type, doc = description. */
export interface StructOpts {
  readonly gvk?: readonly (readonly [string, string, string])[];
  readonly mt?: 'atomic' | 'granular';
  readonly doc?: string;
}

/** S is one named struct. */
export function S(name: string, fields: Record<string, FieldDef>, o: StructOpts = {}): StructDef {
  return {
    name, fields,
    ...(o.gvk ? { gvk: o.gvk.map(([group, version, kind]) => ({ group, version, kind })) } : {}),
    ...(o.mt ? { mapType: o.mt } : {}),
    ...(o.doc !== undefined ? { description: o.doc } : {}),
  };
}

/** E is one protobuf embedding record (see ProtoEmbed). */
export function E(field: string, proto: number, struct: string): ProtoEmbed {
  return { field, proto, struct };
}
