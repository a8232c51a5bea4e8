/**
 * @module apiserver/auth/types — the shapes shared by authentication and authorization: the
 * authenticated user, the attributes of a request, RBAC policy rules and authorizer decisions.
 */

/** UserInfo is the authenticated caller (CN/O of a certificate, a token's identity, or anonymous). */
export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** ResourceAttributes describe a request on an API resource (verb as RBAC spells it). */
export interface ResourceAttributes {
  readonly type: 'resource';
  readonly verb: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  readonly namespace: string;
}

/** NonResourceAttributes describe a request on a non-resource URL (`/healthz`, `/api`, …). */
export interface NonResourceAttributes { readonly type: 'nonResource'; readonly verb: string; readonly path: string }

/** RequestAttributes is what authorizers decide on. */
export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

/** PolicyRule is rbac.authorization.k8s.io/v1 PolicyRule. */
export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

/** Decision is an authorizer's answer: allow, deny (stop), or no opinion (ask the next one). */
export interface Decision { readonly decision: 'allow' | 'deny' | 'noOpinion'; readonly reason: string }

/** Authorizer decides on one request of one user. */
export interface Authorizer { authorize(user: UserInfo, attrs: RequestAttributes): Decision }

/** Well-known user and group names. */
export const SYSTEM_MASTERS = 'system:masters';
export const AUTHENTICATED = 'system:authenticated';
export const UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';
export const NODES_GROUP = 'system:nodes';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';

/** ANONYMOUS is the user of a request without credentials. */
export const ANONYMOUS: UserInfo = { username: ANONYMOUS_USER, groups: [UNAUTHENTICATED] };
