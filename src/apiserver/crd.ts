/**
 * @module apiserver/crd — CustomResourceDefinitions become served resources: each served version
 * of a CRD is registered as a KindInfo (scope, names, status/scale subresources, printer columns,
 * structural schema), and the CRD's status gets Established/NamesAccepted conditions.
 * A deleted CRD unregisters its kinds and its stored custom resources are removed.
 */
import {
  applyJsonSchemaDefaults, validateJsonSchema, type ColumnDef, type FieldError, type JsonObject, type KindInfo, type ScalePaths, type StructDef,
} from '../api/index.ts';
import type { Store } from '../store/types.ts';
import type { ApiDeps } from './deps.ts';
import type { Catalog } from './registry/catalog.ts';
import { genericMetaErrors, rfc3339 } from './registry/prepare.ts';
import { jsonPathCell } from './table.ts';
import type { ResourceCache } from './watch-cache.ts';

const CRD_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'] as const;

function columnType(t: unknown): ColumnDef['type'] {
  return t === 'integer' || t === 'number' || t === 'boolean' || t === 'date' ? t : 'string';
}

function dotPath(p: unknown): string { return typeof p === 'string' ? p.replace(/^\./, '') : ''; }

/** kindsFromCrd converts a CRD object into KindInfos and the structs of their schemas. */
export function kindsFromCrd(crd: JsonObject, deps: ApiDeps): { kinds: KindInfo[]; structs: StructDef[] } {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  const group = String(spec.group ?? '');
  const kinds: KindInfo[] = [];
  const structs: StructDef[] = [];
  for (const v of (spec.versions ?? []) as JsonObject[]) {
    if (!v.served) continue;
    const schemaName = `${group}.${v.name}.${names.kind}`;
    const openApi = v.schema?.openAPIV3Schema;
    if (openApi && typeof openApi === 'object') {
      try { structs.push(...deps.structsFromJsonSchema(schemaName, openApi)); } catch { /* schema stays unchecked */ }
    }
    const subs: string[] = [];
    if (v.subresources?.status) subs.push('status');
    const scale = v.subresources?.scale;
    if (scale) subs.push('scale');
    const cols: ColumnDef[] = ((v.additionalPrinterColumns ?? []) as JsonObject[]).map((c) => ({
      name: String(c.name), type: columnType(c.type), format: c.format, description: c.description, priority: Number(c.priority ?? 0),
      cell: jsonPathCell(String(c.jsonPath ?? ''), String(c.type ?? 'string')),
    }));
    const info: KindInfo = {
      group, version: String(v.name), kind: String(names.kind), listKind: String(names.listKind ?? `${names.kind}List`),
      resource: String(names.plural), singular: String(names.singular ?? String(names.kind).toLowerCase()),
      namespaced: spec.scope !== 'Cluster', shortNames: names.shortNames, categories: names.categories,
      verbs: CRD_VERBS, subresources: subs, schema: schemaName, hasStatus: !!v.subresources?.status,
      scale: scale ? { specReplicasPath: dotPath(scale.specReplicasPath), statusReplicasPath: dotPath(scale.statusReplicasPath), labelSelectorPath: scale.labelSelectorPath ? dotPath(scale.labelSelectorPath) : undefined } : undefined,
      columns: cols.length > 0 ? [...cols, { name: 'Age', type: 'date', cell: jsonPathCell('.metadata.creationTimestamp', 'date') }] : undefined,
    };
    if (openApi && typeof openApi === 'object' && !Array.isArray(openApi)) withSchemaHooks(info, openApi as JsonObject, deps);
    kinds.push(info);
  }
  return { kinds, structs };
}

const MAX_INT32 = 2147483647;

/** scaleErrors checks the replicas a scale subresource points at, as upstream's ValidateScaleSpec/Status do. */
function scaleErrors(obj: JsonObject, scale: ScalePaths): FieldError[] {
  const errs: FieldError[] = [];
  for (const path of [scale.specReplicasPath, scale.statusReplicasPath]) {
    if (!path) continue;
    let cur: unknown = obj;
    for (const seg of path.split('.')) cur = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as JsonObject)[seg] : undefined;
    if (cur === undefined) continue;
    if (typeof cur !== 'number' || !Number.isInteger(cur)) errs.push({ type: 'FieldValueInvalid', field: path, badValue: 0, detail: 'should be an integer' });
    else if (cur < 0) errs.push({ type: 'FieldValueInvalid', field: path, badValue: cur, detail: 'should be a non-negative integer' });
    else if (cur > MAX_INT32) errs.push({ type: 'FieldValueInvalid', field: path, badValue: cur, detail: `should be less than or equal to ${MAX_INT32}` });
  }
  return errs;
}

/** withSchemaHooks gives a custom resource kind the defaulting and validation of its version's
 * `openAPIV3Schema`: ObjectMeta first, then the schema (unchanged values of an update are not
 * re-validated: ratcheting), then the scale subresource's replicas. CEL rules are not evaluated. */
function withSchemaHooks(info: KindInfo, schema: JsonObject, deps: ApiDeps): void {
  info.defaults = (obj) => applyJsonSchemaDefaults(obj, schema);
  info.validate = (obj, old) => [
    ...genericMetaErrors(obj, info.namespaced, deps, old),
    ...validateJsonSchema(obj, schema, '', old),
    ...(info.scale ? scaleErrors(obj, info.scale) : []),
  ];
}

/** CrdController keeps the catalog in step with the stored CRDs. */
export class CrdController {
  private readonly catalog: Catalog;
  private readonly deps: ApiDeps;
  private readonly store: Store;
  private readonly now: () => number;
  private cache: ResourceCache | undefined;
  private readonly specs = new Map<string, string>();
  private readonly sub = { onEvent: (ev: { type: string; obj: JsonObject }) => this.handle(ev.type, ev.obj), onReset: () => undefined };

  constructor(catalog: Catalog, deps: ApiDeps, store: Store, now: () => number) {
    this.catalog = catalog; this.deps = deps; this.store = store; this.now = now;
  }

  /** start registers every stored CRD and follows changes. */
  start(cache: ResourceCache): void {
    this.cache = cache;
    const snap = cache.list(cache.prefix);
    for (const o of snap.items) this.handle('put', o);
    cache.subscribe(snap.revision, this.sub);
  }

  /** handle applies one CRD change; called for watch events and, to serve new kinds without
   * delay, right after a CRD write through the API (repeats are cheap no-ops). */
  handle(type: string, crd: JsonObject): void {
    const name = String(crd.metadata?.name ?? '');
    if (type === 'delete') {
      if (!this.specs.has(name)) return;
      this.specs.delete(name);
      const before = this.catalog.kinds().find((k) => this.catalog.isCustom(k) && `${k.resource}.${k.group}` === name);
      this.catalog.removeDynamic(name);
      if (before) this.removeResources(before).catch(() => undefined);
      return;
    }
    const sig = JSON.stringify(crd.spec ?? {});
    if (this.specs.get(name) !== sig) {
      this.specs.set(name, sig);
      const { kinds, structs } = kindsFromCrd(crd, this.deps);
      this.catalog.setDynamic(name, kinds, structs);
    }
    this.markEstablished(crd).catch(() => undefined);
  }

  private async removeResources(kind: KindInfo): Promise<void> {
    const prefix = `/registry/${kind.group}/${kind.resource}/`;
    const res = await this.store.list(prefix);
    if (!res.ok) return;
    for (const kv of res.items) await this.store.delete(kv.key);
  }

  private async markEstablished(crd: JsonObject): Promise<void> {
    const conds = (crd.status?.conditions ?? []) as JsonObject[];
    const has = (t: string): boolean => conds.some((c) => c.type === t && c.status === 'True');
    const names = crd.spec?.names ?? {};
    if (has('Established') && has('NamesAccepted') && JSON.stringify(crd.status?.acceptedNames) === JSON.stringify(names)) return;
    const key = `/registry/apiextensions.k8s.io/customresourcedefinitions/${String(crd.metadata.name)}`;
    const kv = await this.store.get(key);
    if (!kv) return;
    const cur = JSON.parse(kv.value) as JsonObject;
    const t = rfc3339(this.now());
    cur.status = {
      ...(cur.status ?? {}),
      acceptedNames: cur.spec?.names ?? {},
      storedVersions: (cur.spec?.versions ?? []).filter((v: JsonObject) => v.storage).map((v: JsonObject) => v.name),
      conditions: [
        { type: 'NamesAccepted', status: 'True', lastTransitionTime: t, reason: 'NoConflicts', message: 'no conflicts found' },
        { type: 'Established', status: 'True', lastTransitionTime: t, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      ],
    };
    await this.store.update(key, JSON.stringify(cur), kv.modRevision);
  }

  /** stop unsubscribes. */
  stop(): void { this.cache?.unsubscribe(this.sub); }
}
