/**
 * @module api/kinds/catalog-helpers — the constructor the kind catalog is written with, and the
 * KindFact type (a KindInfo plus our own one-line description of the kind).
 */
import type { KindInfo, ScalePaths } from './types.ts';

/** KindFact is a catalog entry: the static facts of a served resource plus a one-line description
 * (used by the OpenAPI documents and `kubectl explain`). Hooks are merged in by kinds/index.ts. */
export type KindFact = KindInfo & { readonly description: string };

/** CRUD_VERBS are the verbs of an ordinary stored resource, as discovery lists them. */
export const CRUD_VERBS: readonly string[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** CREATE_ONLY is the verb list of virtual review kinds (answered, never stored). */
export const CREATE_ONLY: readonly string[] = ['create'];
/** REPLICAS_SCALE locates the scale subresource of the built-in workload kinds. `spec.selector` is a
 * metav1.LabelSelector object there (a string map for ReplicationController), not selector text. */
export const REPLICAS_SCALE: ScalePaths = {
  specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector',
};

/** schemaPrefix maps an API group to the short prefix of its struct names (`networking.k8s.io` → `networking`). */
export function schemaPrefix(group: string): string {
  return group === '' ? 'core' : group.split('.')[0];
}

/** KindOpts are the facts that vary per kind; everything else is derived. */
export interface KindOpts {
  readonly namespaced: boolean;
  readonly description: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly subresources?: readonly string[];
  readonly verbs?: readonly string[];
  readonly singular?: string;
  readonly scale?: ScalePaths;
  readonly storageGroup?: string;
  readonly storageVersion?: string;
  /** schema: the struct name when it is not `<prefix>.<version>.<Kind>` (a version served with
   * another version's identical schema, e.g. authentication v1beta1 SelfSubjectReview). */
  readonly schema?: string;
}

/** kind builds one catalog entry: `schema` is `<prefix>.<version>.<Kind>`, the list kind `<Kind>List`,
 * the singular the lower-cased kind, verbs CRUD unless given, hasStatus when a status subresource exists. */
export function kind(group: string, version: string, kindName: string, resource: string, o: KindOpts): KindFact {
  return {
    group, version, kind: kindName, listKind: `${kindName}List`, resource,
    singular: o.singular ?? kindName.toLowerCase(),
    namespaced: o.namespaced,
    verbs: o.verbs ?? CRUD_VERBS,
    schema: o.schema ?? `${schemaPrefix(group)}.${version}.${kindName}`,
    description: o.description,
    ...(o.shortNames ? { shortNames: o.shortNames } : {}),
    ...(o.categories ? { categories: o.categories } : {}),
    ...(o.subresources ? { subresources: o.subresources } : {}),
    ...(o.subresources?.includes('status') ? { hasStatus: true } : {}),
    ...(o.scale ? { scale: o.scale } : {}),
    ...(o.storageGroup !== undefined ? { storageGroup: o.storageGroup } : {}),
    ...(o.storageVersion ? { storageVersion: o.storageVersion } : {}),
  };
}
