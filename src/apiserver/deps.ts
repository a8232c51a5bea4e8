/**
 * @module apiserver/deps — the functions the API server uses from other folders (schemas, kinds,
 * validation, selectors, OpenAPI, patch, protobuf), gathered behind one record so the server can
 * be started with the real modules (`loadDefaultDeps`) or with small fakes in tests.
 */
import { badRequest, type FieldError, type JsonObject, type KindInfo, type SchemaRegistry, type StructDef } from '../api/index.ts';

/** SelectorParse is the result shape of the selector parsers in src/api/selectors. */
export type SelectorParse<S> = { ok: true; selector: S } | { ok: false; error: string };

/** SsaResult is the outcome of a server-side apply: the merged object or the field conflicts. */
export type SsaResult =
  | { ok: true; object: JsonObject }
  | { ok: false; conflicts: { manager: string; field: string }[] };

/** ApiDeps is everything the server needs from outside src/apiserver (see CONTRACTS.md). */
export interface ApiDeps {
  readonly kinds: readonly KindInfo[];
  readonly schemas: SchemaRegistry;
  checkStructure(obj: JsonObject, structName: string, registry: SchemaRegistry, checked?: JsonObject): { unknown: string[]; errors: FieldError[] };
  pruneUnknown(obj: JsonObject, structName: string, registry: SchemaRegistry): JsonObject;
  validateObjectMeta(meta: JsonObject, namespaced: boolean, nameValidator?: (name: string) => string[]): FieldError[];
  parseLabelSelector(text: string): SelectorParse<unknown>;
  matchesLabels(selector: any, labels: Record<string, string> | undefined): boolean;
  parseFieldSelector(text: string): SelectorParse<unknown>;
  matchesFields(selector: any, get: (field: string) => string | undefined): boolean;
  fieldSelectorFields(selector: any): string[];
  structsFromJsonSchema(rootName: string, schema: JsonObject): StructDef[];
  buildOpenApiV3(group: string, version: string, kinds: readonly KindInfo[], registry: SchemaRegistry): JsonObject;
  buildOpenApiV2(kinds: readonly KindInfo[], registry: SchemaRegistry): JsonObject;
  /** applyMergePatch patches `target` (a private copy, changed in place) with `patch` (also private: the result shares its values). */
  applyMergePatch(target: JsonObject, patch: unknown): JsonObject;
  applyJsonPatch(target: JsonObject, ops: unknown): JsonObject;
  applyStrategicMergePatch(target: JsonObject, patch: JsonObject, structName: string, registry: SchemaRegistry): JsonObject;
  /** applyServerSideApply merges `applied` into `live` (undefined = create) for `manager`. */
  applyServerSideApply(live: JsonObject | undefined, applied: JsonObject, opts: {
    manager: string; force: boolean; structName: string; registry: SchemaRegistry; now: string; apiVersion: string; subresource?: string;
  }): SsaResult;
  /** updateManagedFields records an Update by `manager` from `old` to `obj` (in place on obj). */
  updateManagedFields(old: JsonObject | undefined, obj: JsonObject, opts: {
    manager: string; structName: string; registry: SchemaRegistry; now: string; apiVersion: string; subresource?: string;
    /** ignoredFields: dot paths the write resets, whose ownership is not tracked (upstream's reset fields). */
    ignoredFields?: readonly string[];
  }): void;
  decodeKubernetesProtobuf(body: Uint8Array, registry: SchemaRegistry, kindsByGvk: ReadonlyMap<string, KindInfo>): JsonObject;
  encodeOpenApiV2Protobuf(doc: JsonObject): Uint8Array;
}

/** valueOf turns a `{ok, …, message}` outcome of the patch and protobuf modules into its value,
 * or a 400 carrying its message (callers that need another code catch and re-map it). */
function valueOf<T>(r: { ok: true } & T | { ok: false; message: string }, pick: (r: T) => JsonObject): JsonObject {
  if (!r.ok) throw badRequest(r.message);
  return pick(r);
}

/** loadDefaultDeps imports the real implementations from the paths CONTRACTS.md names. */
export async function loadDefaultDeps(): Promise<ApiDeps> {
  const [kinds, schema, validation, selectors, openapi, patch, protobuf] = await Promise.all([
    import('../api/kinds/index.ts'),
    import('../api/schema/index.ts'),
    import('../api/validation/index.ts'),
    import('../api/selectors/index.ts'),
    import('../api/openapi/index.ts'),
    import('./patch/index.ts'),
    import('./protobuf/index.ts'),
  ]);
  const m = { ...kinds, ...schema, ...validation, ...selectors, ...openapi, ...patch, ...protobuf };
  return {
    kinds: m.builtinKinds,
    schemas: m.schemas,
    checkStructure: m.checkStructure,
    pruneUnknown: m.pruneUnknown,
    validateObjectMeta: m.validateObjectMeta,
    parseLabelSelector: m.parseLabelSelector,
    matchesLabels: m.matchesLabels,
    parseFieldSelector: m.parseFieldSelector,
    matchesFields: m.matchesFields,
    fieldSelectorFields: m.fieldSelectorFields,
    structsFromJsonSchema: m.structsFromJsonSchema,
    buildOpenApiV3: m.buildOpenApiV3,
    buildOpenApiV2: m.buildOpenApiV2,
    applyMergePatch: (t, p) => m.mergePatchInto(t, p) as JsonObject,
    applyJsonPatch: (t, ops) => valueOf(m.applyJsonPatch(t, ops as never), (r) => r.doc as JsonObject),
    applyStrategicMergePatch: (t, p, s, r) => valueOf(m.applyStrategicMergePatch(t, p, s, r), (x) => x.doc),
    applyServerSideApply: (live, applied, o) => m.applyServerSideApply({ live, applied, ...o }),
    updateManagedFields: (old, obj, o) => {
      const out = m.updateManagedFields({ old, updated: obj, ...o });
      const mf = out?.metadata?.managedFields;
      if (mf === undefined) delete obj.metadata.managedFields;
      else obj.metadata.managedFields = mf;
    },
    // protoEmbeds: Go-embedded structs (a Volume's source, a Probe's handler) are nested messages
    // on the wire but inline in JSON; without them those fields would be lost.
    decodeKubernetesProtobuf: (body, registry, kindsByGvk) => valueOf(m.decodeKubernetesProtobuf(body, registry,
      (apiVersion: string, kind: string) => {
        const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
        return kindsByGvk.get(`${g}/${v}/${kind}`)?.schema ?? (kind === 'DeleteOptions' ? 'meta.v1.DeleteOptions' : undefined);
      }, m.protoEmbeds), (r) => r.object),
    encodeOpenApiV2Protobuf: m.encodeOpenApiV2Protobuf,
  };
}
