/**
 * @module apiserver/auth/attributes — the authorization attributes of a request, as upstream's
 * RequestInfo computes them: verb (get/list/watch/create/update/patch/delete/deletecollection),
 * API group and version, resource, subresource, name and namespace for resource paths, and the
 * lower-cased HTTP verb and path for non-resource URLs.
 */
import type { RoutedPath } from '../router.ts';
import type { RequestAttributes } from './types.ts';

/** resourceVerb maps an HTTP method on a resource path to the RBAC verb. */
export function resourceVerb(method: string, hasName: boolean, watch: boolean): string {
  switch (method) {
    case 'GET': case 'HEAD': return watch ? 'watch' : hasName ? 'get' : 'list';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return hasName ? 'delete' : 'deletecollection';
    default: return method.toLowerCase();
  }
}

/** singleName returns x when a field selector is exactly `metadata.name=x` (or `==`). */
function singleName(fieldSelector: string | null): string {
  if (!fieldSelector) return '';
  const m = /^metadata\.name==?([^,=!]+)$/.exec(fieldSelector.trim());
  return m ? m[1] : '';
}

/** requestAttributes computes the attributes of a routed request. */
export function requestAttributes(method: string, path: string, r: RoutedPath, query: URLSearchParams): RequestAttributes {
  if (r.type !== 'resource') return { type: 'nonResource', verb: method === 'HEAD' ? 'get' : method.toLowerCase(), path };
  const watch = r.legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1';
  const verb = resourceVerb(method, r.name !== '', watch);
  let name = r.name;
  if (!name && (verb === 'list' || verb === 'watch')) name = singleName(query.get('fieldSelector'));
  let namespace = r.namespace;
  if (r.group === '' && r.resource === 'namespaces' && r.name) namespace = r.name;
  return { type: 'resource', verb, apiGroup: r.group, apiVersion: r.version, resource: r.resource, subresource: r.subresource, name, namespace };
}
