/**
 * @module apiserver/kubernetes-service — the `kubernetes` Service in `default` (ClusterIP = the
 * first address of the service range, port 443 `https` → the server's port) with its Endpoints
 * (label endpointslice.kubernetes.io/skip-mirror) and EndpointSlice (label
 * kubernetes.io/service-name), created or repaired at start-up and then periodically, as upstream's
 * "kubernetes service" controller and lease endpoint reconciler do. Several API servers sharing a
 * store each keep a lease key (`/registry/windlass/masterleases/<ip>`); the endpoints list every
 * address whose lease is fresh.
 */
import { isStatusError, type JsonObject, type KindInfo } from '../api/index.ts';
import type { Catalog } from './registry/catalog.ts';
import type { ResourceRegistry } from './registry/resource-store.ts';
import { canonicalIp, parseIp } from './ip-range.ts';
import type { ServiceAllocator } from './service-allocator.ts';

/** MASTER_LEASE_PREFIX holds one key per API server address with its expiry. */
export const MASTER_LEASE_PREFIX = '/registry/windlass/masterleases/';
/** KUBERNETES_SERVICE is the name of the API server's own Service in `default`. */
export const KUBERNETES_SERVICE = 'kubernetes';
/** DEFAULT_ENDPOINT_INTERVAL_MS is how often the endpoints are reconciled (upstream: 10 s). */
export const DEFAULT_ENDPOINT_INTERVAL_MS = 10_000;

/** KubernetesServiceOptions: the address clients reach this server at and its port. */
export interface KubernetesServiceOptions {
  readonly advertiseAddress: string;
  readonly port: number;
  readonly alloc: ServiceAllocator;
  readonly now: () => number;
  /** leaseTtlMs is how long this server's address stays listed without a refresh (default 3 intervals). */
  readonly leaseTtlMs?: number;
}

const W = { dryRun: false, fieldManager: 'windlass', fieldValidation: 'Ignore' } as const;

/** defaultAdvertiseAddress is the bind host when it is a specific IP, else 127.0.0.1. */
export function defaultAdvertiseAddress(host: string): string {
  const ip = canonicalIp(host.replace(/^\[|\]$/g, ''));
  if (!ip || ip === '0.0.0.0' || ip === '::') return '127.0.0.1';
  return ip;
}

function same(a: unknown, b: unknown): boolean { return JSON.stringify(a) === JSON.stringify(b); }

async function getOrUndefined(registry: ResourceRegistry, kind: KindInfo, ns: string, name: string): Promise<JsonObject | undefined> {
  try {
    return await registry.get(kind, ns, name);
  } catch (e) {
    if (isStatusError(e, 404)) return undefined;
    throw e;
  }
}

/** ensureObject creates `desired` or, when `differs` says the stored one is off, rewrites it through `fix`. */
async function ensureObject(registry: ResourceRegistry, kind: KindInfo, desired: JsonObject, differs: (cur: JsonObject) => boolean, fix: (cur: JsonObject) => JsonObject): Promise<void> {
  const ns = String(desired.metadata.namespace);
  const name = String(desired.metadata.name);
  const cur = await getOrUndefined(registry, kind, ns, name);
  try {
    if (!cur) await registry.create(kind, ns, desired, W);
    else if (differs(cur)) await registry.update(kind, ns, name, (c) => { const o = fix(c); delete o.metadata.resourceVersion; return o; }, W);
  } catch (e) {
    // Another API server got there first, or the IP is held: the next pass looks again.
    if (!isStatusError(e, 409) && !isStatusError(e, 422)) throw e;
  }
}

/** liveAddresses refreshes this server's lease and returns every address with a fresh lease (sorted). */
async function liveAddresses(o: KubernetesServiceOptions): Promise<string[]> {
  const store = o.alloc.store;
  const now = o.now();
  const ttl = o.leaseTtlMs ?? 3 * DEFAULT_ENDPOINT_INTERVAL_MS;
  const key = MASTER_LEASE_PREFIX + o.advertiseAddress;
  const value = JSON.stringify({ expiresAt: now + ttl });
  const cur = await store.get(key);
  if (cur) await store.update(key, value, cur.modRevision);
  else await store.create(key, value);
  const res = await store.list(MASTER_LEASE_PREFIX);
  const out = new Set<string>([o.advertiseAddress]);
  if (res.ok) {
    for (const kv of res.items) {
      let expiresAt = 0;
      try { expiresAt = Number((JSON.parse(kv.value) as JsonObject).expiresAt ?? 0); } catch { /* malformed: expired */ }
      const ip = kv.key.slice(MASTER_LEASE_PREFIX.length);
      if (expiresAt > now) out.add(ip);
      else if (ip !== o.advertiseAddress) await store.delete(kv.key, kv.modRevision);
    }
  }
  const family = parseIp(o.advertiseAddress)?.family;
  return [...out].filter((ip) => parseIp(ip)?.family === family).sort();
}

/** ensureKubernetesService creates or repairs the `kubernetes` Service, Endpoints and EndpointSlice. */
export async function ensureKubernetesService(registry: ResourceRegistry, catalog: Catalog, o: KubernetesServiceOptions): Promise<void> {
  const svcKind = catalog.lookup('', 'v1', 'services');
  const epKind = catalog.lookup('', 'v1', 'endpoints');
  const sliceKind = catalog.lookup('discovery.k8s.io', 'v1', 'endpointslices');
  if (!svcKind) return;
  const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: o.port }];
  const svc: JsonObject = {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: KUBERNETES_SERVICE, namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: o.alloc.kubernetesIp, ports, sessionAffinity: 'None', ipFamilyPolicy: 'SingleStack' },
  };
  await ensureObject(registry, svcKind, svc, (c) => !same(c.spec?.ports, ports) || c.spec?.type !== 'ClusterIP',
    (c) => ({ ...c, spec: { ...c.spec, type: 'ClusterIP', ports } }));
  const ips = await liveAddresses(o);
  const epPorts = [{ name: 'https', port: o.port, protocol: 'TCP' }];
  if (epKind) {
    const subsets = [{ addresses: ips.map((ip) => ({ ip })), ports: epPorts }];
    const labels = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
    const ep: JsonObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: KUBERNETES_SERVICE, namespace: 'default', labels }, subsets };
    await ensureObject(registry, epKind, ep, (c) => !same(c.subsets, subsets) || !same(c.metadata?.labels, labels),
      (c) => ({ ...c, metadata: { ...c.metadata, labels }, subsets }));
  }
  if (sliceKind) {
    const addressType = parseIp(o.advertiseAddress)?.family ?? 'IPv4';
    const labels = { 'kubernetes.io/service-name': KUBERNETES_SERVICE };
    const endpoints = ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } }));
    const slice: JsonObject = {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: KUBERNETES_SERVICE, namespace: 'default', labels }, addressType, endpoints, ports: epPorts,
    };
    await ensureObject(registry, sliceKind, slice,
      (c) => !same(c.endpoints, endpoints) || !same(c.ports, epPorts) || !same(c.metadata?.labels, labels) || c.addressType !== addressType,
      (c) => ({ ...c, metadata: { ...c.metadata, labels }, addressType, endpoints, ports: epPorts }));
  }
}

/** KubernetesServiceLoop keeps the `kubernetes` Service and its endpoints right until stopped. */
export class KubernetesServiceLoop {
  readonly #run: () => Promise<void>;
  readonly #intervalMs: number;
  readonly #onError: (e: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(run: () => Promise<void>, intervalMs: number, onError: (e: unknown) => void) {
    this.#run = run;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  /** start schedules the periodic reconcile (the first pass is the caller's). */
  start(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#run().catch(this.#onError).finally(() => { this.#running = undefined; this.start(); });
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** stop cancels the timer and waits for a running pass. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
