/**
 * @module apiserver/admission/types — the shapes of the admission chain: the attributes of one
 * write, the plugin interface (a mutating `admit` and a validating `validate` phase) and the
 * context through which plugins read other objects.
 */
import { forbidden, qualifiedResource, type JsonObject, type KindInfo, type StatusError } from '../../api/index.ts';

/** AdmissionUser is the requesting user (the shape of auth's UserInfo; only these fields are read). */
export interface AdmissionUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** AdmissionOperation is the operation of a write, as upstream names it. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** AdmissionAttributes describe one write: `object` is the new object (mutable in `admit`),
 * `oldObject` the stored one (UPDATE, DELETE); `warnings` collects Warning headers. */
export interface AdmissionAttributes {
  readonly operation: AdmissionOperation;
  readonly kind: KindInfo;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  object?: JsonObject;
  readonly oldObject?: JsonObject;
  readonly user: AdmissionUser;
  readonly dryRun: boolean;
  readonly warnings: string[];
}

/** AdmissionContext reads (and, for quota status, writes) other objects for plugins. */
export interface AdmissionContext {
  /** served tells whether a resource exists in this server's catalog. */
  served(group: string, resource: string): boolean;
  /** get returns one object or undefined when it (or its kind) does not exist. */
  get(group: string, resource: string, namespace: string, name: string): Promise<JsonObject | undefined>;
  /** list returns every object of a resource in a namespace ('' = all or cluster-scoped). */
  list(group: string, resource: string, namespace: string): Promise<JsonObject[]>;
  /** updateStatus rewrites an object's status (best effort; conflicts are retried by the caller). */
  updateStatus(group: string, resource: string, namespace: string, name: string, status: JsonObject): Promise<void>;
  /** namespaceState tells whether a namespace exists and whether it is terminating. */
  namespaceState(ns: string): Promise<'missing' | 'active' | 'terminating'>;
  /** now is the server clock in milliseconds. */
  now(): number;
}

/** AdmissionPlugin is one named admission plugin; it refuses by throwing a StatusError. */
export interface AdmissionPlugin {
  readonly name: string;
  admit?(a: AdmissionAttributes, ctx: AdmissionContext): Promise<void> | void;
  validate?(a: AdmissionAttributes, ctx: AdmissionContext): Promise<void> | void;
}

/** SYSTEM_USER is the identity of writes the server makes itself (upstream's loopback client). */
export const SYSTEM_USER: AdmissionUser = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

/** admissionForbidden is upstream's admission.NewForbidden: `<resource> "<name>" is forbidden: <why>`. */
export function admissionForbidden(a: Pick<AdmissionAttributes, 'kind' | 'name' | 'object'>, why: string): StatusError {
  const res = qualifiedResource(a.kind.resource, a.kind.group);
  const name = String(a.object?.metadata?.name ?? '') || a.name;
  const message = name ? `${res} "${name}" is forbidden: ${why}` : `${res} is forbidden: ${why}`;
  return forbidden(message, { name, group: a.kind.group || undefined, kind: a.kind.resource });
}

/** isPod tells whether the attributes are about the pods resource itself (no subresource). */
export function isPod(a: Pick<AdmissionAttributes, 'kind' | 'subresource'>): boolean {
  return a.kind.group === '' && a.kind.resource === 'pods' && a.subresource === '';
}

/** isKind tells whether the attributes are about `group`/`resource`. */
export function isKind(a: Pick<AdmissionAttributes, 'kind'>, group: string, resource: string): boolean {
  return a.kind.group === group && a.kind.resource === resource;
}
