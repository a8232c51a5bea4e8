/**
 * @module apiserver/registry/conversion — version conversion for resources served in several
 * versions over one storage (KindInfo.storageGroup/storageVersion; HPA autoscaling/v1 over v2,
 * events.k8s.io/v1 Events over core v1). Objects are stored in the storage version: writes are
 * converted after defaulting and validation in the request's version, reads (get, list, watch,
 * Table) are converted to the request's version, and field selectors are evaluated against the
 * stored objects with the request version's labels mapped to the storage version's.
 * A kind served in its storage version gets `undefined` from every lookup here: that is the hot
 * path, and it copies nothing.
 */
import {
  conversions, fieldLabelConversions, gvkKey, needsConversion, type JsonObject, type KindConversion, type KindInfo,
} from '../../api/index.ts';
import { apiVersionOf } from './prepare.ts';

/** storageApiVersion is the apiVersion objects of `kind` are stored in ("autoscaling/v2", "v1"). */
export function storageApiVersion(kind: KindInfo): string {
  const g = kind.storageGroup ?? kind.group;
  const v = kind.storageVersion ?? kind.version;
  return g ? `${g}/${v}` : v;
}

/** ReadConversion turns stored objects into the request version's shape. */
export interface ReadConversion {
  /** apiVersion: the request version. */
  readonly apiVersion: string;
  /** fromStorage converts a stored object (a new object the caller may mutate). */
  fromStorage(stored: JsonObject): JsonObject;
  /** shared converts a stored object once per object identity (cached; never mutate the result). */
  shared(stored: JsonObject): JsonObject;
  /** sharedJson is `shared` serialized, also computed once per stored object. */
  sharedJson(stored: JsonObject): string;
}

/** StorageConversion adds the write direction to a ReadConversion. */
export interface StorageConversion extends ReadConversion {
  /** toStorage converts a request-version object to the storage version (a new object) and applies
   * the storage version's defaults, as upstream applies them when it decodes a stored object. */
  toStorage(obj: JsonObject): JsonObject;
}

const reads = new WeakMap<KindInfo, ReadConversion | null>();
const writes = new WeakMap<KindInfo, StorageConversion | null>();

function converterOf(kind: KindInfo): KindConversion | undefined {
  if (!needsConversion(kind.group, kind.kind)) return undefined;
  const c = conversions[gvkKey(kind.group, kind.kind)];
  const target = apiVersionOf(kind);
  const storage = storageApiVersion(kind);
  if (storage === target || !c.apiVersions.includes(target) || !c.apiVersions.includes(storage)) return undefined;
  return c;
}

/** readConversion returns the read-side conversion of `kind`, or undefined when it is served in its storage version. */
export function readConversion(kind: KindInfo): ReadConversion | undefined {
  const known = reads.get(kind);
  if (known !== undefined) return known ?? undefined;
  const c = converterOf(kind);
  if (!c) {
    reads.set(kind, null);
    return undefined;
  }
  const apiVersion = apiVersionOf(kind);
  const objs = new WeakMap<JsonObject, JsonObject>();
  const texts = new WeakMap<JsonObject, string>();
  const shared = (stored: JsonObject): JsonObject => {
    let o = objs.get(stored);
    if (!o) { o = c.convert(stored, apiVersion); objs.set(stored, o); }
    return o;
  };
  const rc: ReadConversion = {
    apiVersion,
    fromStorage: (stored) => c.convert(stored, apiVersion),
    shared,
    sharedJson(stored) {
      let t = texts.get(stored);
      if (t === undefined) { t = JSON.stringify(shared(stored)); texts.set(stored, t); }
      return t;
    },
  };
  reads.set(kind, rc);
  return rc;
}

/** storageKindOf finds the KindInfo of the version `kind` is stored in (itself when it is not converted). */
export function storageKindOf(kind: KindInfo, kinds: readonly KindInfo[]): KindInfo {
  const g = kind.storageGroup ?? kind.group;
  const v = kind.storageVersion ?? kind.version;
  if (g === kind.group && v === kind.version) return kind;
  return kinds.find((k) => k.group === g && k.version === v && k.resource === kind.resource) ?? kind;
}

/** storageConversion returns both directions of `kind`'s conversion, or undefined when it is served in its storage version. */
export function storageConversion(kind: KindInfo, kinds: readonly KindInfo[]): StorageConversion | undefined {
  const known = writes.get(kind);
  if (known !== undefined) return known ?? undefined;
  const rc = readConversion(kind);
  if (!rc) {
    writes.set(kind, null);
    return undefined;
  }
  const c = converterOf(kind)!;
  const storage = storageApiVersion(kind);
  const storageKind = storageKindOf(kind, kinds);
  const sc: StorageConversion = {
    ...rc,
    toStorage(obj) {
      const out = c.convert(obj, storage);
      if (storageKind !== kind) storageKind.defaults?.(out);
      return out;
    },
  };
  writes.set(kind, sc);
  return sc;
}

/** FieldSelectorView evaluates a converted kind's field selector labels on stored objects. */
export interface FieldSelectorView {
  supports(label: string): boolean;
  get(stored: JsonObject, label: string): string | undefined;
}

function metaField(o: JsonObject, label: string): string | undefined {
  if (label === 'metadata.name') return String(o.metadata?.name ?? '');
  if (label === 'metadata.namespace') return String(o.metadata?.namespace ?? '');
  return undefined;
}

/** fieldSelectorView returns how field selectors of `kind` read stored objects, or undefined when
 * `kind` is served in its storage version (select with the kind's own getters). With a label
 * mapping (api/conversion fieldLabelConversions) the storage kind's getters read the mapped label;
 * without one the kind's own getters read the converted object. */
export function fieldSelectorView(kind: KindInfo, kinds: readonly KindInfo[]): FieldSelectorView | undefined {
  const rc = readConversion(kind);
  if (!rc) return undefined;
  const map = fieldLabelConversions[`${kind.group}/${kind.version}/${kind.kind}`];
  if (map) {
    const sk = storageKindOf(kind, kinds);
    return {
      supports: (label) => Object.hasOwn(map, label),
      get(stored, label) {
        if (!Object.hasOwn(map, label)) return undefined;
        const to = map[label];
        const meta = metaField(stored, to);
        if (meta !== undefined) return meta;
        const g = sk.fieldSelectors?.[to];
        return g ? (g(stored) ?? '') : undefined;
      },
    };
  }
  return {
    supports: (label) => label === 'metadata.name' || label === 'metadata.namespace' || !!kind.fieldSelectors?.[label],
    get(stored, label) {
      const meta = metaField(stored, label);
      if (meta !== undefined) return meta;
      const g = kind.fieldSelectors?.[label];
      return g ? (g(rc.shared(stored)) ?? '') : undefined;
    },
  };
}
