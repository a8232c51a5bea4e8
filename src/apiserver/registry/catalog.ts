/**
 * @module apiserver/registry/catalog — the live set of served resources: the built-in KindInfos
 * plus those registered at run time for CustomResourceDefinitions, indexed for routing, and a
 * schema registry layering CRD structs over the built-in ones. Listeners hear every change so
 * discovery and OpenAPI caches can be dropped.
 */
import type { KindInfo, SchemaRegistry, StructDef } from '../../api/index.ts';

/** GroupVersion pairs a group with one of its versions. */
export interface GroupVersion { readonly group: string; readonly version: string }

/** versionPriority orders Kubernetes versions: GA > beta > alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const pa = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(a);
  const pb = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : a.localeCompare(b);
  const rank = (m: RegExpExecArray): number => (m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1);
  if (rank(pa) !== rank(pb)) return rank(pb) - rank(pa);
  if (pa[1] !== pb[1]) return Number(pb[1]) - Number(pa[1]);
  return Number(pb[3] ?? 0) - Number(pa[3] ?? 0);
}

/** LayeredSchemas resolves CRD structs first, then the built-in registry. */
class LayeredSchemas implements SchemaRegistry {
  readonly extra = new Map<string, StructDef>();
  readonly base: SchemaRegistry;
  constructor(base: SchemaRegistry) { this.base = base; }
  struct(name: string): StructDef | undefined { return this.extra.get(name) ?? this.base.struct(name); }
  *all(): Iterable<StructDef> {
    yield* this.base.all();
    yield* this.extra.values();
  }
}

/** Catalog is the resource table the router and handlers consult on every request. */
export class Catalog {
  readonly schemas: SchemaRegistry;
  private readonly layered: LayeredSchemas;
  private readonly byPath = new Map<string, KindInfo>();
  private readonly dynamic = new Map<string, { kinds: KindInfo[]; structs: string[] }>();
  private readonly listeners = new Set<(changed: readonly GroupVersion[]) => void>();
  private list: KindInfo[] = [];
  private gvk = new Map<string, KindInfo>();
  private custom = new Set<KindInfo>();
  private builtin: readonly KindInfo[];
  /** generation increases on every change (cache keys). */
  generation = 0;

  constructor(builtin: readonly KindInfo[], schemas: SchemaRegistry) {
    this.builtin = builtin;
    this.layered = new LayeredSchemas(schemas);
    this.schemas = this.layered;
    this.rebuild();
  }

  private rebuild(): void {
    this.byPath.clear();
    this.gvk = new Map();
    this.custom = new Set();
    const all: KindInfo[] = [...this.builtin];
    for (const d of this.dynamic.values()) for (const k of d.kinds) { all.push(k); this.custom.add(k); }
    for (const k of all) {
      const key = `${k.group}/${k.version}/${k.resource}`;
      if (!this.byPath.has(key)) this.byPath.set(key, k);
      const g = `${k.group}/${k.version}/${k.kind}`;
      if (!this.gvk.has(g)) this.gvk.set(g, k);
    }
    this.list = all;
    this.generation++;
  }

  /** kinds lists every served resource (built-in first, then custom). */
  kinds(): readonly KindInfo[] { return this.list; }

  /** lookup finds the KindInfo serving `resource` in group/version. */
  lookup(group: string, version: string, resource: string): KindInfo | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  /** byGvk maps "group/version/Kind" to its KindInfo (for the protobuf decoder). */
  byGvk(): ReadonlyMap<string, KindInfo> { return this.gvk; }

  /** groupVersions lists served group-versions, each group's preferred version first. */
  groups(): { group: string; versions: string[] }[] {
    const order: string[] = [];
    const versions = new Map<string, Set<string>>();
    for (const k of this.list) {
      let s = versions.get(k.group);
      if (!s) { s = new Set(); versions.set(k.group, s); order.push(k.group); }
      s.add(k.version);
    }
    return order.map((group) => ({ group, versions: [...versions.get(group)!].sort(compareVersions) }));
  }

  /** kindsIn lists the resources of one group-version. */
  kindsIn(group: string, version: string): KindInfo[] {
    return this.list.filter((k) => k.group === group && k.version === version);
  }

  /** setDynamic registers (or replaces) the kinds and structs owned by `owner` (a CRD name). */
  setDynamic(owner: string, kinds: KindInfo[], structs: StructDef[]): void {
    const before = this.dynamic.get(owner);
    if (before) for (const s of before.structs) this.layered.extra.delete(s);
    for (const s of structs) this.layered.extra.set(s.name, s);
    this.dynamic.set(owner, { kinds, structs: structs.map((s) => s.name) });
    this.rebuild();
    this.emit([...(before?.kinds ?? []), ...kinds]);
  }

  /** removeDynamic unregisters what `owner` registered. */
  removeDynamic(owner: string): void {
    const before = this.dynamic.get(owner);
    if (!before) return;
    for (const s of before.structs) this.layered.extra.delete(s);
    this.dynamic.delete(owner);
    this.rebuild();
    this.emit(before.kinds);
  }

  /** isCustom tells whether a kind was registered for a CRD. */
  isCustom(kind: KindInfo): boolean {
    return this.custom.has(kind);
  }

  /** onChange subscribes to catalog changes; returns the unsubscribe function. */
  onChange(fn: (changed: readonly GroupVersion[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(kinds: readonly KindInfo[]): void {
    const seen = new Map<string, GroupVersion>();
    for (const k of kinds) seen.set(`${k.group}/${k.version}`, { group: k.group, version: k.version });
    const changed = [...seen.values()];
    for (const fn of this.listeners) fn(changed);
  }
}

/** storagePrefix is the store key prefix of a resource (with trailing slash), optionally in a namespace;
 * a kind stored in another group's storage (events.k8s.io Events in core) uses that group's prefix. */
export function storagePrefix(kind: KindInfo, namespace = ''): string {
  const base = `/registry/${(kind.storageGroup ?? kind.group) || 'core'}/${kind.resource}/`;
  return namespace && kind.namespaced ? `${base}${namespace}/` : base;
}

/** storageKey is the store key of one object. */
export function storageKey(kind: KindInfo, namespace: string, name: string): string {
  const group = (kind.storageGroup ?? kind.group) || 'core';
  return kind.namespaced ? `/registry/${group}/${kind.resource}/${namespace}/${name}` : `/registry/${group}/${kind.resource}/${name}`;
}
