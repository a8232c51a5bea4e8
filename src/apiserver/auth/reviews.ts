/**
 * @module apiserver/auth/reviews — the create-only review resources, answered from the real
 * authenticator and authorizers: SelfSubjectReview, TokenReview, SelfSubjectAccessReview,
 * SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectRulesReview.
 */
import { badRequest, invalid, type JsonObject } from '../../api/index.ts';
import type { AuthService } from './service.ts';
import type { PolicyRule, RequestAttributes, UserInfo } from './types.ts';

/** REVIEW_RESOURCES maps each review resource to its API group. */
export const REVIEW_RESOURCES: Readonly<Record<string, string>> = {
  selfsubjectreviews: 'authentication.k8s.io',
  tokenreviews: 'authentication.k8s.io',
  selfsubjectaccessreviews: 'authorization.k8s.io',
  subjectaccessreviews: 'authorization.k8s.io',
  localsubjectaccessreviews: 'authorization.k8s.io',
  selfsubjectrulesreviews: 'authorization.k8s.io',
};

/** userInfoJson renders a user as authentication.k8s.io UserInfo. */
export function userInfoJson(u: UserInfo): JsonObject {
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups], ...(u.extra ? { extra: structuredClone(u.extra) } : {}) };
}

function attributesOf(spec: JsonObject, kind: string): RequestAttributes {
  const ra = spec.resourceAttributes as JsonObject | undefined;
  const nra = spec.nonResourceAttributes as JsonObject | undefined;
  if (ra && nra) throw invalid(kind, 'authorization.k8s.io', '', [{ type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', badValue: '', detail: 'cannot be specified in combination with resourceAttributes' }]);
  if (nra) return { type: 'nonResource', verb: String(nra.verb ?? ''), path: String(nra.path ?? '') };
  if (!ra) throw invalid(kind, 'authorization.k8s.io', '', [{ type: 'FieldValueRequired', field: 'spec.resourceAttributes', detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' }]);
  return {
    type: 'resource', verb: String(ra.verb ?? ''), apiGroup: String(ra.group ?? ''), apiVersion: String(ra.version ?? ''),
    resource: String(ra.resource ?? ''), subresource: String(ra.subresource ?? ''), name: String(ra.name ?? ''), namespace: String(ra.namespace ?? ''),
  };
}

function accessStatus(auth: AuthService, user: UserInfo, a: RequestAttributes): JsonObject {
  const d = auth.authorize(user, a);
  if (d.decision === 'allow') return { allowed: true, ...(d.reason ? { reason: d.reason } : {}) };
  return { allowed: false, ...(d.decision === 'deny' ? { denied: true } : {}), ...(d.reason ? { reason: d.reason } : {}) };
}

function splitRules(rules: readonly PolicyRule[]): { resourceRules: JsonObject[]; nonResourceRules: JsonObject[] } {
  const resourceRules: JsonObject[] = [];
  const nonResourceRules: JsonObject[] = [];
  for (const r of rules) {
    if (r.nonResourceURLs) nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
    if (r.resources) resourceRules.push({ verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...r.resources], ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}) });
  }
  return { resourceRules, nonResourceRules };
}

/** answerReview fills in the status of a review for the caller `user` (`pathNamespace`: the
 * namespace of a LocalSubjectAccessReview's URL). */
export async function answerReview(auth: AuthService, resource: string, apiVersion: string, kind: string, body: JsonObject, user: UserInfo, pathNamespace = ''): Promise<JsonObject> {
  const out: JsonObject = { kind, apiVersion, metadata: { creationTimestamp: null, ...(body.metadata ?? {}) } };
  const spec = (body.spec ?? {}) as JsonObject;
  switch (resource) {
    case 'selfsubjectreviews':
      out.status = { userInfo: userInfoJson(user) };
      return out;
    case 'tokenreviews': {
      out.spec = spec;
      const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? (spec.audiences as string[]) : undefined;
      const r = await auth.authenticator.authenticateToken(String(spec.token ?? ''), audiences);
      out.status = r.ok
        ? { authenticated: true, user: userInfoJson(r.user), audiences: [...(r.audiences ?? auth.authenticator.audiences)] }
        : { user: {}, error: r.reason };
      return out;
    }
    case 'selfsubjectaccessreviews':
      out.spec = spec;
      out.status = accessStatus(auth, user, attributesOf(spec, kind));
      return out;
    case 'subjectaccessreviews': case 'localsubjectaccessreviews': {
      out.spec = spec;
      const groups = Array.isArray(spec.groups) ? (spec.groups as string[]).map(String) : [];
      if (!spec.user && groups.length === 0) throw invalid(kind, 'authorization.k8s.io', '', [{ type: 'FieldValueInvalid', field: 'spec.user', badValue: '', detail: 'at least one of user or group must be specified' }]);
      const a = attributesOf(spec, kind);
      if (resource === 'localsubjectaccessreviews') {
        if (a.type !== 'resource') throw invalid(kind, 'authorization.k8s.io', '', [{ type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', badValue: '', detail: 'disallowed on this kind of request' }]);
        if (a.namespace !== pathNamespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${pathNamespace}`);
        if (body.metadata?.namespace && body.metadata.namespace !== pathNamespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
        out.metadata.namespace = pathNamespace;
      }
      const subject: UserInfo = { username: String(spec.user ?? ''), groups, ...(spec.uid ? { uid: String(spec.uid) } : {}), ...(spec.extra ? { extra: spec.extra as Record<string, string[]> } : {}) };
      out.status = accessStatus(auth, subject, a);
      return out;
    }
    case 'selfsubjectrulesreviews': {
      out.spec = spec;
      out.status = { ...splitRules(auth.rulesFor(user, String(spec.namespace ?? ''))), incomplete: false };
      return out;
    }
    default:
      throw badRequest(`${resource} is not a review resource`);
  }
}
