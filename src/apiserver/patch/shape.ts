/**
 * @module apiserver/patch/shape — resolves what the schema says about a value at a path: a struct
 * (named fields), a map (free keys), a list (with its strategic-merge strategy and its
 * server-side-apply list type), a leaf, or unknown (custom resources without a schema, `json`
 * fields). Unknown values are handled as "merge maps, replace lists".
 */
import type { FieldDef, SchemaRegistry, StructDef, TypeRef } from '../../api/schema/model.ts';
import { isObject } from './json-util.ts';

type ListRef = Extract<TypeRef, { kind: 'list' }>;

/** Shape is the resolved type of one value. */
export type Shape =
  | { readonly t: 'struct'; readonly def: StructDef; readonly atomic: boolean }
  | { readonly t: 'map'; readonly values: TypeRef | undefined; readonly atomic: boolean }
  | { readonly t: 'list'; readonly list: ListRef; readonly field: FieldDef | undefined }
  | { readonly t: 'leaf' }
  | { readonly t: 'unknown' };

/** Child is a field's resolved shape together with its definition (when declared). */
export interface Child {
  readonly shape: Shape;
  readonly field: FieldDef | undefined;
}

const UNKNOWN: Shape = { t: 'unknown' };
const LEAF: Shape = { t: 'leaf' };

/** shapeOf resolves a type reference (undefined → unknown). */
export function shapeOf(ref: TypeRef | undefined, registry: SchemaRegistry, field?: FieldDef): Shape {
  if (!ref) return UNKNOWN;
  switch (ref.kind) {
    case 'scalar': return LEAF;
    case 'special': return ref.special === 'json' || ref.special === 'rawExtension' ? UNKNOWN : LEAF;
    case 'ref': {
      const def = registry.struct(ref.name);
      return def ? { t: 'struct', def, atomic: def.mapType === 'atomic' } : UNKNOWN;
    }
    case 'list': return { t: 'list', list: ref, field };
    case 'map': return { t: 'map', values: ref.values, atomic: ref.mapType === 'atomic' };
  }
}

/** rootShape resolves a struct by name (unknown when the registry does not have it). */
export function rootShape(structName: string, registry: SchemaRegistry): Shape {
  return shapeOf({ kind: 'ref', name: structName }, registry);
}

/** childOf resolves the shape of key `key` inside a value of shape `shape`. */
export function childOf(shape: Shape, key: string, registry: SchemaRegistry): Child {
  if (shape.t === 'struct') {
    const field = Object.hasOwn(shape.def.fields, key) ? shape.def.fields[key] : undefined;
    return { shape: field ? shapeOf(field.type, registry, field) : UNKNOWN, field };
  }
  if (shape.t === 'map') return { shape: shapeOf(shape.values, registry), field: undefined };
  return { shape: UNKNOWN, field: undefined };
}

/** itemShape resolves the element shape of a list shape. */
export function itemShape(shape: Shape, registry: SchemaRegistry): Shape {
  return shape.t === 'list' ? shapeOf(shape.list.items, registry) : UNKNOWN;
}

/** isDeclaredField tells whether `key` is a named field of a struct shape. */
export function isDeclaredField(shape: Shape, key: string): boolean {
  return shape.t === 'struct' && Object.hasOwn(shape.def.fields, key);
}

/** SmpListMode is how strategic merge patch treats a list field. */
export type SmpListMode =
  | { readonly mode: 'replace' }
  | { readonly mode: 'primitive' }
  | { readonly mode: 'keyed'; readonly keys: readonly string[] };

function strategies(shape: Shape): string[] {
  if (shape.t !== 'list') return [];
  const s = shape.list.patchStrategy ?? shape.field?.patchStrategy ?? '';
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

/** smpListMode picks the strategic-merge behaviour of a list: merge by key, union of primitives,
 * or replace; `x-kubernetes-list-type: map` lists without a merge key merge by their map keys. */
export function smpListMode(shape: Shape): SmpListMode {
  if (shape.t !== 'list') return { mode: 'replace' };
  const strat = strategies(shape);
  const { patchMergeKey, listType, listMapKeys } = shape.list;
  if (strat.includes('merge')) {
    if (patchMergeKey) return { mode: 'keyed', keys: [patchMergeKey] };
    if (listType === 'map' && listMapKeys?.length) return { mode: 'keyed', keys: listMapKeys };
    return { mode: 'primitive' };
  }
  if (!strat.includes('replace') && listType === 'map' && listMapKeys?.length) return { mode: 'keyed', keys: listMapKeys };
  return { mode: 'replace' };
}

/** SsaListMode is how server-side apply treats a list: atomic, set of scalars, or map keyed by fields. */
export type SsaListMode =
  | { readonly mode: 'atomic' }
  | { readonly mode: 'set' }
  | { readonly mode: 'map'; readonly keys: readonly string[] };

/** ssaListMode reads x-kubernetes-list-type (falling back to the patch strategy, as upstream's
 * schema conversion does); lists without either are atomic. */
export function ssaListMode(shape: Shape): SsaListMode {
  if (shape.t !== 'list') return { mode: 'atomic' };
  const { listType, listMapKeys, patchMergeKey } = shape.list;
  if (listType === 'atomic') return { mode: 'atomic' };
  if (listType === 'set') return { mode: 'set' };
  if (listType === 'map') {
    const keys = listMapKeys?.length ? listMapKeys : patchMergeKey ? [patchMergeKey] : [];
    return keys.length ? { mode: 'map', keys } : { mode: 'atomic' };
  }
  if (strategies(shape).includes('merge')) {
    if (patchMergeKey) return { mode: 'map', keys: [patchMergeKey] };
    return shape.list.items.kind === 'scalar' ? { mode: 'set' } : { mode: 'atomic' };
  }
  return { mode: 'atomic' };
}

/** implicitEmpty returns the value Go would always serialise for a field that is absent from the
 * JSON (`{}` for non-pointer structs, whose OpenAPI default is `{}`; `[]`/`{}` for required
 * lists/maps), or undefined; used so that such containers are never reported as "added". */
export function implicitEmpty(child: Child): unknown {
  const f = child.field;
  if (!f) return undefined;
  if (isObject(f.default) && Object.keys(f.default).length === 0 && child.shape.t === 'struct') return {};
  if (f.required && child.shape.t === 'list') return [];
  if (f.required && child.shape.t === 'map') return {};
  return undefined;
}
