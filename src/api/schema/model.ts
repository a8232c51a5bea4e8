/**
 * @module api/schema/model — the shape of windlass's schemas: the single source of truth for
 * every built-in kind. From these definitions the project derives its TypeScript types,
 * defaulting, structural validation (unknown fields, wrong types), the OpenAPI v3/v2 documents,
 * strategic-merge and server-side-apply metadata, protobuf field numbers and table columns.
 *
 * Struct definitions are named by a short dotted id: `core.v1.PodSpec`, `apps.v1.Deployment`,
 * `meta.v1.ObjectMeta`. The OpenAPI name is derived (`io.k8s.api.core.v1.PodSpec`,
 * `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`) by `openapiName` in ./names.ts.
 */

/** Scalar is a JSON scalar with its wire encoding (protobuf scalar type). */
export type ScalarKind = 'string' | 'int32' | 'int64' | 'double' | 'boolean' | 'bytes';

/** SpecialKind names a Kubernetes type with a custom JSON form:
 * quantity ("100m"), intOrString (80 | "http"), time (RFC 3339, seconds), microTime (RFC 3339,
 * micros), duration ("1h2m"), rawExtension (any JSON object), json (any JSON value), fieldsV1
 * (managedFields tree). */
export type SpecialKind =
  | 'quantity' | 'intOrString' | 'time' | 'microTime' | 'duration' | 'rawExtension' | 'json' | 'fieldsV1';

/** TypeRef describes the type of one field. */
export type TypeRef =
  | { readonly kind: 'scalar'; readonly scalar: ScalarKind; readonly enum?: readonly string[]; readonly format?: string }
  | { readonly kind: 'special'; readonly special: SpecialKind }
  | { readonly kind: 'ref'; readonly name: string }
  | {
      readonly kind: 'list';
      readonly items: TypeRef;
      /** x-kubernetes-list-type: atomic (replace whole), set (of scalars), map (keyed by listMapKeys). */
      readonly listType?: 'atomic' | 'set' | 'map';
      readonly listMapKeys?: readonly string[];
      /** x-kubernetes-patch-strategy: "merge", "retainKeys", "merge,retainKeys", "replace". */
      readonly patchStrategy?: string;
      /** x-kubernetes-patch-merge-key, e.g. "name" for containers, "containerPort" for ports. */
      readonly patchMergeKey?: string;
    }
  | {
      readonly kind: 'map';
      readonly values: TypeRef;
      /** x-kubernetes-map-type: "atomic" replaces the whole map in SSA. */
      readonly mapType?: 'atomic' | 'granular';
    };

/** FieldDef is one property of a struct. `proto` is its protobuf field number when the kind has a
 * protobuf form; `patchStrategy` on a non-list field is e.g. "retainKeys" (Deployment.spec.strategy). */
export interface FieldDef {
  readonly type: TypeRef;
  readonly required?: boolean;
  readonly proto?: number;
  /** protoName: the field's name in the .proto file when it differs from the JSON name. */
  readonly protoName?: string;
  readonly patchStrategy?: string;
  readonly description?: string;
  /** default: the OpenAPI default value, when upstream publishes one. */
  readonly default?: unknown;
}

/** StructDef is a named object type. `gvk` is set on top-level kinds (and their lists). */
export interface StructDef {
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldDef>>;
  readonly gvk?: readonly { readonly group: string; readonly version: string; readonly kind: string }[];
  /** mapType atomic: SSA treats the struct as one value (x-kubernetes-map-type: atomic). */
  readonly mapType?: 'atomic' | 'granular';
  readonly description?: string;
  /** unions etc. may be added later; anything not modelled is still stored verbatim. */
}

/** SchemaRegistry resolves struct names; every component reads schemas through it. */
export interface SchemaRegistry {
  /** struct returns the named definition or undefined. */
  struct(name: string): StructDef | undefined;
  /** all lists every struct definition. */
  all(): Iterable<StructDef>;
}
