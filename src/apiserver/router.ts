/**
 * @module apiserver/router — parses a request path into what it names: a non-resource endpoint
 * (version, health, discovery, OpenAPI, metrics) or a resource request (group, version,
 * namespace, resource, name, subresource), with upstream's rules for `namespaces/x/status`,
 * `namespaces/x/finalize` and the legacy `/watch/` prefix.
 */

/** ResourcePath names a resource request; `namespace` is '' for cluster-wide collections. */
export interface ResourcePath {
  readonly type: 'resource';
  readonly group: string;
  readonly version: string;
  readonly namespace: string;
  readonly resource: string;
  readonly name: string;
  readonly subresource: string;
  /** legacyWatch: the path used the deprecated `/watch/` prefix. */
  readonly legacyWatch: boolean;
}

/** RoutedPath is the result of parsing a path. */
export type RoutedPath =
  | ResourcePath
  | { readonly type: 'apiVersions' }
  | { readonly type: 'apiGroups' }
  | { readonly type: 'apiGroup'; readonly group: string }
  | { readonly type: 'resourceList'; readonly group: string; readonly version: string }
  | { readonly type: 'version' }
  | { readonly type: 'health'; readonly check: 'healthz' | 'livez' | 'readyz'; readonly sub: string }
  | { readonly type: 'metrics' }
  | { readonly type: 'openapiV2' }
  | { readonly type: 'openapiV3Root' }
  | { readonly type: 'openapiV3'; readonly gv: string }
  | { readonly type: 'unknown' };

const UNKNOWN: RoutedPath = { type: 'unknown' };
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function resourcePart(group: string, version: string, parts: readonly string[]): RoutedPath {
  let legacyWatch = false;
  let p = parts;
  if (p[0] === 'watch') { legacyWatch = true; p = p.slice(1); }
  if (p.length === 0) return UNKNOWN;
  let namespace = '';
  if (p[0] === 'namespaces' && p.length >= 2 && !(p.length >= 3 && NAMESPACE_SUBRESOURCES.has(p[2]) && group === '')) {
    if (p.length >= 3) {
      namespace = p[1];
      p = p.slice(2);
    }
  }
  if (p.length > 3) return UNKNOWN;
  const [resource, name = '', subresource = ''] = p;
  if (!resource) return UNKNOWN;
  return { type: 'resource', group, version, namespace, resource, name, subresource, legacyWatch };
}

/** route parses decoded path segments (no empty segments) into a RoutedPath. */
export function route(seg: readonly string[]): RoutedPath {
  const n = seg.length;
  if (n === 0) return UNKNOWN;
  switch (seg[0]) {
    case 'api':
      if (n === 1) return { type: 'apiVersions' };
      if (seg[1] !== 'v1') return UNKNOWN;
      if (n === 2) return { type: 'resourceList', group: '', version: 'v1' };
      return resourcePart('', 'v1', seg.slice(2));
    case 'apis':
      if (n === 1) return { type: 'apiGroups' };
      if (n === 2) return { type: 'apiGroup', group: seg[1] };
      if (n === 3) return { type: 'resourceList', group: seg[1], version: seg[2] };
      return resourcePart(seg[1], seg[2], seg.slice(3));
    case 'version':
      return n === 1 ? { type: 'version' } : UNKNOWN;
    case 'healthz': case 'livez': case 'readyz':
      return { type: 'health', check: seg[0], sub: seg.slice(1).join('/') };
    case 'metrics':
      return n === 1 ? { type: 'metrics' } : UNKNOWN;
    case 'swagger-2.0.0.pb-v1':
      return n === 1 ? { type: 'openapiV2' } : UNKNOWN;
    case 'openapi':
      if (n === 2 && seg[1] === 'v2') return { type: 'openapiV2' };
      if (n === 2 && seg[1] === 'v3') return { type: 'openapiV3Root' };
      if (n > 2 && seg[1] === 'v3') return { type: 'openapiV3', gv: seg.slice(2).join('/') };
      return UNKNOWN;
    default:
      return UNKNOWN;
  }
}
