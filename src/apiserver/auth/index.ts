/**
 * @module apiserver/auth — authentication (x509, service-account and bootstrap tokens, anonymous),
 * authorization (system:masters, Node, RBAC with aggregation and escalation checks), the bootstrap
 * RBAC policy, TokenRequest and the review resources.
 */
export type { UserInfo, RequestAttributes, ResourceAttributes, NonResourceAttributes, PolicyRule, Decision, Authorizer } from './types.ts';
export { ANONYMOUS, SYSTEM_MASTERS, AUTHENTICATED, UNAUTHENTICATED, NODES_GROUP, BOOTSTRAPPERS_GROUP } from './types.ts';
export { AuthService, type AuthServiceOptions } from './service.ts';
export { Authenticator, DEFAULT_ISSUER, bearerToken, secretValue, type AuthnResult, type ObjectLookup } from './authn.ts';
export { JwtSigner, type ServiceAccountKeyPems } from './jwt.ts';
export { RbacAuthorizer, RbacIndex, aggregateRules, subjectMatches, type RbacResource } from './rbac.ts';
export { NodeAuthorizer, NodeGraph, NODE_RULES, nodeNameOf, podReferences } from './node.ts';
export { ruleAllows, rulesAllow, uncovered, selectorMatches, forbiddenMessage, normalizeRules } from './rules.ts';
export { requestAttributes, resourceVerb } from './attributes.ts';
export { ensureBootstrapPolicy, BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_ROLES, BOOTSTRAP_ROLE_BINDINGS } from './bootstrap-policy.ts';
export { answerReview, userInfoJson, REVIEW_RESOURCES } from './reviews.ts';
export { issueToken, type TokenRequestDeps } from './token-request.ts';
export { impersonatedUser } from './impersonation.ts';
