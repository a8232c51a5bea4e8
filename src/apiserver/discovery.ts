/**
 * @module apiserver/discovery — legacy discovery (`/api`, `/apis`, `/apis/<g>`, APIResourceLists)
 * and aggregated discovery (APIGroupDiscoveryList v2 / v2beta1), built from the catalog and
 * cached as serialized JSON until the catalog changes.
 */
import type { JsonObject, KindInfo } from '../api/index.ts';
import type { Catalog } from './registry/catalog.ts';
import type { DiscoveryForm } from './request.ts';

interface SubInfo { readonly group: string; readonly version: string; readonly kind: string; readonly verbs: readonly string[] }

/** subresourceInfo gives the response kind and verbs of a subresource in discovery. */
export function subresourceInfo(kind: KindInfo, sub: string): SubInfo {
  const self = { group: kind.group, version: kind.version };
  switch (sub) {
    case 'status': return { ...self, kind: kind.kind, verbs: ['get', 'patch', 'update'] };
    case 'scale': return { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    case 'eviction': return { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    case 'binding': return { ...self, kind: 'Binding', verbs: ['create'] };
    case 'log': return { ...self, kind: 'Pod', verbs: ['get'] };
    case 'exec': return { ...self, kind: 'PodExecOptions', verbs: ['create', 'get'] };
    case 'attach': return { ...self, kind: 'PodAttachOptions', verbs: ['create', 'get'] };
    case 'portforward': return { ...self, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] };
    case 'proxy': return { ...self, kind: `${kind.kind}ProxyOptions`, verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    case 'ephemeralcontainers': case 'resize': return { ...self, kind: kind.kind, verbs: ['get', 'patch', 'update'] };
    case 'finalize': return { ...self, kind: kind.kind, verbs: ['update'] };
    case 'token': return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] };
    case 'approval': return { ...self, kind: kind.kind, verbs: ['get', 'patch', 'update'] };
    default: return { ...self, kind: kind.kind, verbs: ['get'] };
  }
}

function subresourcesOf(kind: KindInfo): readonly string[] {
  const subs = [...(kind.subresources ?? [])];
  if (kind.group === '' && kind.resource === 'namespaces' && !subs.includes('finalize')) subs.push('finalize');
  return subs;
}

function legacyResources(kinds: readonly KindInfo[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const k of kinds) {
    const r: JsonObject = { name: k.resource, singularName: k.singular, namespaced: k.namespaced, kind: k.kind, verbs: k.verbs };
    if (k.shortNames?.length) r.shortNames = k.shortNames;
    if (k.categories?.length) r.categories = k.categories;
    out.push(r);
    for (const s of subresourcesOf(k)) {
      const info = subresourceInfo(k, s);
      const e: JsonObject = { name: `${k.resource}/${s}`, singularName: '', namespaced: k.namespaced, kind: info.kind, verbs: info.verbs };
      if (info.group !== k.group || info.version !== k.version) { e.group = info.group; e.version = info.version; }
      out.push(e);
    }
  }
  return out;
}

function aggregatedResource(k: KindInfo): JsonObject {
  const r: JsonObject = {
    resource: k.resource,
    responseKind: { group: k.group, version: k.version, kind: k.kind },
    scope: k.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: k.singular,
    verbs: k.verbs,
  };
  if (k.shortNames?.length) r.shortNames = k.shortNames;
  if (k.categories?.length) r.categories = k.categories;
  const subs = subresourcesOf(k);
  if (subs.length) {
    r.subresources = subs.map((s) => {
      const info = subresourceInfo(k, s);
      return { subresource: s, responseKind: { group: info.group, version: info.version, kind: info.kind }, verbs: info.verbs };
    });
  }
  return r;
}

/** Discovery renders and caches every discovery document. */
export class Discovery {
  private readonly catalog: Catalog;
  private cache = new Map<string, string>();
  private gen = -1;
  private readonly serverAddress: () => string;

  constructor(catalog: Catalog, serverAddress: () => string) {
    this.catalog = catalog;
    this.serverAddress = serverAddress;
  }

  private cached(key: string, build: () => unknown): string {
    if (this.gen !== this.catalog.generation) { this.cache = new Map(); this.gen = this.catalog.generation; }
    let s = this.cache.get(key);
    if (s === undefined) { s = JSON.stringify(build()); this.cache.set(key, s); }
    return s;
  }

  /** api serves `/api`. */
  api(form: DiscoveryForm): string {
    if (form !== 'legacy') return this.cached(`api:${form}`, () => this.aggregated(form, true));
    return this.cached('api', () => ({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.serverAddress() }] }));
  }

  /** apis serves `/apis`. */
  apis(form: DiscoveryForm): string {
    if (form !== 'legacy') return this.cached(`apis:${form}`, () => this.aggregated(form, false));
    return this.cached('apis', () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: this.namedGroups().map((g) => this.groupDoc(g.group, g.versions)) }));
  }

  /** group serves `/apis/<group>`, or undefined when unknown. */
  group(name: string): string | undefined {
    const g = this.namedGroups().find((x) => x.group === name);
    if (!g) return undefined;
    return this.cached(`group:${name}`, () => ({ kind: 'APIGroup', apiVersion: 'v1', ...this.groupDoc(g.group, g.versions) }));
  }

  /** resources serves `/api/v1` or `/apis/<g>/<v>`, or undefined when not served. */
  resources(group: string, version: string): string | undefined {
    const kinds = this.catalog.kindsIn(group, version);
    if (kinds.length === 0) return undefined;
    return this.cached(`res:${group}/${version}`, () => ({
      kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: legacyResources(kinds),
    }));
  }

  private namedGroups(): { group: string; versions: string[] }[] {
    return this.catalog.groups().filter((g) => g.group !== '');
  }

  private groupDoc(group: string, versions: string[]): JsonObject {
    const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
    return { name: group, versions: vs, preferredVersion: vs[0] };
  }

  private aggregated(form: 'v2' | 'v2beta1', core: boolean): JsonObject {
    const groups = this.catalog.groups().filter((g) => (g.group === '') === core);
    return {
      kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${form}`, metadata: {},
      items: groups.map((g) => ({
        metadata: { name: g.group, creationTimestamp: null },
        versions: g.versions.map((v) => ({ version: v, freshness: 'Current', resources: this.catalog.kindsIn(g.group, v).map(aggregatedResource) })),
      })),
    };
  }
}
