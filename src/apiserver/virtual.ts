/**
 * @module apiserver/virtual — create-only review resources computed per request and never stored:
 * SelfSubjectReview (who am I), SelfSubjectAccessReview and SelfSubjectRulesReview (what may I do;
 * the admin may do everything).
 */
import type { JsonObject } from '../api/index.ts';

/** UserInfo is the authenticated caller. */
export interface UserInfo { readonly username: string; readonly groups: readonly string[]; readonly admin: boolean }

/** isVirtual tells whether group/resource is a virtual create-only resource. */
export function isVirtual(group: string, resource: string): boolean {
  return (group === 'authentication.k8s.io' && resource === 'selfsubjectreviews')
    || (group === 'authorization.k8s.io' && (resource === 'selfsubjectaccessreviews' || resource === 'selfsubjectrulesreviews'));
}

/** answerVirtual fills in the status of a review request for `user`. */
export function answerVirtual(resource: string, apiVersion: string, kind: string, body: JsonObject, user: UserInfo): JsonObject {
  const out: JsonObject = { kind, apiVersion, metadata: { creationTimestamp: null, ...(body.metadata ?? {}) } };
  if (body.spec !== undefined) out.spec = body.spec;
  switch (resource) {
    case 'selfsubjectreviews':
      out.status = { userInfo: { username: user.username, groups: [...user.groups] } };
      break;
    case 'selfsubjectaccessreviews':
      out.spec = body.spec ?? {};
      out.status = user.admin ? { allowed: true, reason: 'the user is a cluster administrator' } : { allowed: false };
      break;
    default:
      out.spec = body.spec ?? {};
      out.status = user.admin
        ? { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false }
        : { resourceRules: [], nonResourceRules: [], incomplete: false };
  }
  return out;
}
