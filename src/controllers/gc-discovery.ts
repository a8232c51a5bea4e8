/**
 * @module controllers/gc-discovery — API discovery for controllers that act on every resource
 * (garbage collector, namespace controller): legacy discovery (`/api`, `/api/v1`, `/apis`,
 * `/apis/<g>/<v>`) read through the client's raw request, and a kind → resource mapper (client-go's
 * RESTMapper) built from it. Partial failures are reported per group-version, as upstream does.
 */
import type { JsonObject } from '../api/index.ts';
import { resource, type ApiClient, type Resource } from '../client/index.ts';

/** DiscoveredResource is one served resource of one group-version (subresources excluded). */
export interface DiscoveredResource extends Resource {
  readonly kind: string;
  readonly verbs: readonly string[];
  /** preferred: the group-version is its group's preferred version. */
  readonly preferred: boolean;
}

/** DiscoveryResult lists what was discovered and the group-versions that failed. */
export interface DiscoveryResult {
  readonly resources: readonly DiscoveredResource[];
  readonly failed: readonly string[];
}

/** Discoverer produces the served resources; controllers take one so tests can supply a static list. */
export type Discoverer = () => Promise<DiscoveryResult>;

/** RawRequester is the part of RestClient discovery needs. */
export interface RawRequester {
  raw(method: string, path: string, body?: string, contentType?: string): Promise<{ code: number; text: string }>;
}

/** hasRaw says whether a client can send raw requests (RestClient can, the FakeClient cannot). */
export function hasRaw(c: unknown): c is RawRequester {
  return typeof (c as { raw?: unknown } | undefined)?.raw === 'function';
}

async function getJson(c: RawRequester, path: string): Promise<JsonObject> {
  const r = await c.raw('GET', path);
  if (r.code !== 200) throw new Error(`discovery ${path}: HTTP ${r.code}`);
  return JSON.parse(r.text) as JsonObject;
}

function resourcesOf(list: JsonObject, group: string, version: string, preferred: boolean): DiscoveredResource[] {
  const out: DiscoveredResource[] = [];
  for (const r of (list.resources ?? []) as JsonObject[]) {
    const name = String(r.name ?? '');
    if (!name || name.includes('/')) continue;
    out.push({ ...resource(group, version, name, r.namespaced === true), kind: String(r.kind ?? ''), verbs: (r.verbs ?? []) as string[], preferred });
  }
  return out;
}

/** apiDiscoverer discovers every group-version the server serves through legacy discovery. */
export function apiDiscoverer(c: RawRequester): Discoverer {
  return async () => {
    const resources: DiscoveredResource[] = [];
    const failed: string[] = [];
    const core = await getJson(c, '/api');
    const jobs: Promise<void>[] = [];
    const load = (group: string, version: string, preferred: boolean): void => {
      const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
      jobs.push(getJson(c, path).then((l) => { resources.push(...resourcesOf(l, group, version, preferred)); }, () => { failed.push(group ? `${group}/${version}` : version); }));
    };
    for (const v of (core.versions ?? []) as string[]) load('', v, v === 'v1');
    const groups = await getJson(c, '/apis');
    for (const g of (groups.groups ?? []) as JsonObject[]) {
      const pref = String(g.preferredVersion?.version ?? '');
      for (const v of (g.versions ?? []) as JsonObject[]) load(String(g.name), String(v.version), v.version === pref);
    }
    await Promise.all(jobs);
    return { resources, failed: failed.sort() };
  };
}

/** discovererFor returns the API discoverer of a raw-capable client; a client without `raw` discovers nothing. */
export function discovererFor(client: ApiClient): Discoverer {
  if (hasRaw(client)) return apiDiscoverer(client);
  return async () => ({ resources: [], failed: [] });
}

/** resourceKey names a resource uniquely: `group/version/plural`. */
export function resourceKey(r: Resource): string {
  return `${r.group}/${r.version}/${r.resource}`;
}

/** splitApiVersion splits `group/version` (or `v1`) into its parts. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** KindMapper maps an (apiVersion, kind) to the resource that serves it (client-go's RESTMapper). */
export class KindMapper {
  readonly #byGvk = new Map<string, DiscoveredResource>();
  readonly #byGk = new Map<string, DiscoveredResource>();

  constructor(resources: readonly DiscoveredResource[]) {
    for (const r of resources) {
      if (!r.kind) continue;
      const gvk = `${r.group}/${r.version}/${r.kind}`;
      if (!this.#byGvk.has(gvk)) this.#byGvk.set(gvk, r);
      const gk = `${r.group}/${r.kind}`;
      if (r.preferred || !this.#byGk.has(gk)) this.#byGk.set(gk, r);
    }
  }

  /** resourceFor returns the resource of the exact version when served, else the group's preferred one for the kind. */
  resourceFor(apiVersion: string, kind: string): DiscoveredResource | undefined {
    const { group, version } = splitApiVersion(apiVersion);
    return this.#byGvk.get(`${group}/${version}/${kind}`) ?? this.#byGk.get(`${group}/${kind}`);
  }
}
