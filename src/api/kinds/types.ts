/**
 * @module api/kinds/types — what the API knows about each kind: names, scope, verbs, schema,
 * and the semantic hooks (defaulting, validation, table columns, field selectors) the generic
 * registry in apiserver/ runs. A resource is described here, never given a handler of its own.
 */
import type { FieldError } from '../errors.ts';

/** JsonObject is a decoded Kubernetes object (wire JSON). */
export type JsonObject = Record<string, any>;

/** ColumnDef is one Table column as kubectl prints it (`priority: 1` only with -o wide). */
export interface ColumnDef {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly format?: string;
  readonly description?: string;
  readonly priority?: number;
  /** cell renders the cell for `obj`; `now` is the injected clock's time in ms. */
  cell(obj: JsonObject, now: number): string | number | boolean | null;
}

/** ScalePaths locates the scale subresource's fields (dot paths into the object). */
export interface ScalePaths {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/** KindInfo describes one served resource of one group-version. */
export interface KindInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** resource: the plural, lower-case path segment ("deployments"). */
  readonly resource: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  /** verbs: as discovery lists them (create, delete, deletecollection, get, list, patch, update, watch). */
  readonly verbs: readonly string[];
  /** subresources served generically ("status", "scale"); streaming ones are listed for discovery only. */
  readonly subresources?: readonly string[];
  /** schema: the StructDef name of the kind ("apps.v1.Deployment"). */
  readonly schema: string;
  readonly scale?: ScalePaths;
  /** storageGroup/storageVersion: where the object is stored when several versions share it
   * (autoscaling v1 and v2 share HPA storage in v2; events.k8s.io/v1 Events are stored as core v1
   * Events). Default to this group/version; objects are converted between versions (api/conversion). */
  readonly storageGroup?: string;
  readonly storageVersion?: string;
  /** hasStatus: writes to the main resource keep the stored `.status` (the status subresource owns it). */
  readonly hasStatus?: boolean;
  /** defaults fills in defaults in place (run on create and update, after decoding). */
  defaults?(obj: JsonObject): void;
  /** validate returns field errors for a new object, or for an update when `old` is given. */
  validate?(obj: JsonObject, old?: JsonObject): FieldError[];
  /** columns: the Table columns after NAME (NAME and AGE conventions as upstream printers). */
  readonly columns?: readonly ColumnDef[];
  /** fieldSelectors: extra selectable fields beyond metadata.name/metadata.namespace. */
  readonly fieldSelectors?: Readonly<Record<string, (obj: JsonObject) => string | undefined>>;
}

/** gvkKey names a kind across versions as "group/Kind" ("" group is core: "/Pod"). */
export function gvkKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}
