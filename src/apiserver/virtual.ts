/**
 * @module apiserver/virtual — create-only review resources computed per request and never stored
 * (SelfSubjectReview, TokenReview, the access reviews and SelfSubjectRulesReview), answered by
 * the auth service from the real authenticator and authorizers.
 */
import type { JsonObject } from '../api/index.ts';
import { answerReview, REVIEW_RESOURCES } from './auth/reviews.ts';
import type { AuthService } from './auth/service.ts';
import type { UserInfo } from './auth/types.ts';

export type { UserInfo } from './auth/types.ts';

/** isVirtual tells whether group/resource is a virtual create-only resource. */
export function isVirtual(group: string, resource: string): boolean {
  return REVIEW_RESOURCES[resource] === group;
}

/** answerVirtual fills in the status of a review request for `user` (`namespace`: the URL's, for
 * LocalSubjectAccessReview). */
export function answerVirtual(auth: AuthService, resource: string, apiVersion: string, kind: string, body: JsonObject, user: UserInfo, namespace = ''): Promise<JsonObject> {
  return answerReview(auth, resource, apiVersion, kind, body, user, namespace);
}
