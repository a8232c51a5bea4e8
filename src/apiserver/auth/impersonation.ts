/**
 * @module apiserver/auth/impersonation — `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid`
 * and `Impersonate-Extra-<key>` headers (kubectl `--as`, `--as-group`): each impersonated
 * attribute must be authorized with the `impersonate` verb (users, groups, serviceaccounts, uids,
 * userextras/<key>); the request then runs as the impersonated user.
 */
import type { IncomingMessage } from 'node:http';
import { forbidden } from '../../api/index.ts';
import { AUTHENTICATED, ANONYMOUS_USER, type ResourceAttributes, type UserInfo } from './types.ts';

const headerList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : v.split(',').map((x) => x.trim())).filter((x) => x !== '');

/** impersonatedUser returns the user a request impersonates (undefined without impersonation
 * headers), throwing 403 when `authorize` refuses one of the impersonated attributes. */
export function impersonatedUser(req: IncomingMessage, requester: UserInfo, authorize: (u: UserInfo, a: ResourceAttributes) => boolean): UserInfo | undefined {
  const h = req.headers;
  const username = typeof h['impersonate-user'] === 'string' ? h['impersonate-user'] : undefined;
  const groups = headerList(h['impersonate-group']);
  const uid = typeof h['impersonate-uid'] === 'string' ? h['impersonate-uid'] : undefined;
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith('impersonate-extra-')) extra[decodeURIComponent(k.slice('impersonate-extra-'.length))] = headerList(v);
  }
  if (username === undefined) {
    if (groups.length > 0 || uid !== undefined || Object.keys(extra).length > 0) throw forbidden('requested impersonation without a user: Impersonate-User is required');
    return undefined;
  }
  const check = (resource: string, name: string, apiGroup = '', namespace = '', subresource = ''): void => {
    const a: ResourceAttributes = { type: 'resource', verb: 'impersonate', apiGroup, apiVersion: '', resource, subresource, name, namespace };
    if (!authorize(requester, a)) {
      const what = subresource ? `${resource}/${subresource}` : resource;
      throw forbidden(`${what}${apiGroup ? `.${apiGroup}` : ''} ${JSON.stringify(name)} is forbidden: User ${JSON.stringify(requester.username)} cannot impersonate resource ${JSON.stringify(what)} in API group ${JSON.stringify(apiGroup)}${namespace ? ` in the namespace ${JSON.stringify(namespace)}` : ' at the cluster scope'}`,
        { name, group: apiGroup, kind: resource });
    }
  };
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  const all = [...groups];
  if (sa) {
    check('serviceaccounts', sa[2], '', sa[1]);
    all.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
  } else check('users', username);
  for (const g of groups) check('groups', g);
  if (uid !== undefined) check('uids', uid, 'authentication.k8s.io');
  for (const [k, vals] of Object.entries(extra)) for (const v of vals) check('userextras', v, 'authentication.k8s.io', '', k);
  if (username !== ANONYMOUS_USER && !all.includes(AUTHENTICATED)) all.push(AUTHENTICATED);
  return { username, groups: [...new Set(all)], ...(uid !== undefined ? { uid } : {}), ...(Object.keys(extra).length > 0 ? { extra } : {}) };
}
