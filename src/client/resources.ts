/**
 * @module client/resources — how the client names an API resource (group, version, plural,
 * scope) and the URL paths built from it, plus the resources the built-in controllers use.
 */

/** Resource names one served resource of one group-version; `namespaced` decides the URL shape. */
export interface Resource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly namespaced: boolean;
}

/** resource builds a Resource descriptor. */
export function resource(group: string, version: string, plural: string, namespaced: boolean): Resource {
  return { group, version, resource: plural, namespaced };
}

/** RESOURCES are the descriptors the built-in controllers and leader election use. */
export const RESOURCES = {
  namespaces: resource('', 'v1', 'namespaces', false),
  configmaps: resource('', 'v1', 'configmaps', true),
  secrets: resource('', 'v1', 'secrets', true),
  serviceaccounts: resource('', 'v1', 'serviceaccounts', true),
  pods: resource('', 'v1', 'pods', true),
  nodes: resource('', 'v1', 'nodes', false),
  events: resource('', 'v1', 'events', true),
  leases: resource('coordination.k8s.io', 'v1', 'leases', true),
  certificatesigningrequests: resource('certificates.k8s.io', 'v1', 'certificatesigningrequests', false),
  subjectaccessreviews: resource('authorization.k8s.io', 'v1', 'subjectaccessreviews', false),
  services: resource('', 'v1', 'services', true),
  endpoints: resource('', 'v1', 'endpoints', true),
  persistentvolumes: resource('', 'v1', 'persistentvolumes', false),
  persistentvolumeclaims: resource('', 'v1', 'persistentvolumeclaims', true),
  replicationcontrollers: resource('', 'v1', 'replicationcontrollers', true),
  resourcequotas: resource('', 'v1', 'resourcequotas', true),
  deployments: resource('apps', 'v1', 'deployments', true),
  replicasets: resource('apps', 'v1', 'replicasets', true),
  statefulsets: resource('apps', 'v1', 'statefulsets', true),
  daemonsets: resource('apps', 'v1', 'daemonsets', true),
  controllerrevisions: resource('apps', 'v1', 'controllerrevisions', true),
  jobs: resource('batch', 'v1', 'jobs', true),
  cronjobs: resource('batch', 'v1', 'cronjobs', true),
  endpointslices: resource('discovery.k8s.io', 'v1', 'endpointslices', true),
  poddisruptionbudgets: resource('policy', 'v1', 'poddisruptionbudgets', true),
  priorityclasses: resource('scheduling.k8s.io', 'v1', 'priorityclasses', false),
  runtimeclasses: resource('node.k8s.io', 'v1', 'runtimeclasses', false),
  storageclasses: resource('storage.k8s.io', 'v1', 'storageclasses', false),
  csinodes: resource('storage.k8s.io', 'v1', 'csinodes', false),
  clusterroles: resource('rbac.authorization.k8s.io', 'v1', 'clusterroles', false),
} as const satisfies Record<string, Resource>;

/** apiVersionOf returns `v1` or `group/version` for a Resource. */
export function apiVersionOf(r: Resource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** resourcePath returns the URL path of a collection (name omitted) or an object, optionally a subresource. */
export function resourcePath(r: Resource, namespace: string, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** objectKey is the cache key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: { metadata?: { namespace?: string; name?: string } }): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

/** splitKey splits a cache key back into namespace ('' for cluster-scoped) and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
