/**
 * @module network/dns/view — what cluster DNS answers from: the Services and EndpointSlices of the
 * cluster, looked up by name, by owning service and by IP address. `cacheDnsView` reads the caches
 * of running informers (adding the indexes it needs); `staticDnsView` wraps fixed object lists (tests).
 */
import type { JsonObject } from '../../api/index.ts';
import { Cache } from '../../client/index.ts';
import { canonicalIp } from './ip.ts';

/** DnsView is the read side of cluster DNS: every name is lower case, every IP canonical. */
export interface DnsView {
  /** clusterDomain is the zone the server is authoritative for (`cluster.local`, lower case, no dots around). */
  readonly clusterDomain: string;
  /** service returns the Service `namespace/name`, undefined when absent. */
  service(namespace: string, name: string): JsonObject | undefined;
  /** hasNamespace says whether any Service lives in `namespace` (the `<ns>.svc.<domain>` name then exists). */
  hasNamespace(namespace: string): boolean;
  /** endpointSlices lists the EndpointSlices of Service `namespace/service`. */
  endpointSlices(namespace: string, service: string): readonly JsonObject[];
  /** servicesByIP lists the Services having `ip` among their cluster IPs. */
  servicesByIP(ip: string): readonly JsonObject[];
  /** slicesByIP lists the EndpointSlices having an endpoint with address `ip`. */
  slicesByIP(ip: string): readonly JsonObject[];
}

/** SERVICE_NAME_LABEL ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const BY_SERVICE = 'windlass-dns/byService';
const BY_IP = 'windlass-dns/byIP';

function serviceIPs(svc: JsonObject): string[] {
  const spec = svc.spec ?? {};
  const ips: unknown[] = Array.isArray(spec.clusterIPs) && spec.clusterIPs.length ? spec.clusterIPs : [spec.clusterIP];
  return ips.map((ip) => canonicalIp(typeof ip === 'string' ? ip : '')).filter((ip): ip is string => ip !== undefined);
}

function sliceIPs(slice: JsonObject): string[] {
  const out: string[] = [];
  for (const ep of Array.isArray(slice.endpoints) ? slice.endpoints : []) {
    for (const a of Array.isArray(ep?.addresses) ? ep.addresses : []) {
      const ip = canonicalIp(String(a));
      if (ip) out.push(ip);
    }
  }
  return out;
}

function sliceService(slice: JsonObject): string[] {
  const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return typeof svc === 'string' && svc ? [`${String(slice.metadata?.namespace ?? '')}/${svc}`] : [];
}

/** cacheDnsView builds a view over live caches (an informer's `cache`), adding its indexes to them. */
export function cacheDnsView(services: Cache, slices: Cache, clusterDomain: string): DnsView {
  services.addIndexer(BY_IP, serviceIPs);
  slices.addIndexer(BY_IP, sliceIPs);
  slices.addIndexer(BY_SERVICE, sliceService);
  const domain = clusterDomain.toLowerCase().replace(/^\.+|\.+$/g, '');
  return {
    clusterDomain: domain,
    service: (namespace, name) => services.get(`${namespace}/${name}`),
    hasNamespace: (namespace) => services.byNamespace(namespace).length > 0,
    endpointSlices: (namespace, service) => slices.byIndex(BY_SERVICE, `${namespace}/${service}`),
    servicesByIP: (ip) => services.byIndex(BY_IP, canonicalIp(ip) ?? ip),
    slicesByIP: (ip) => slices.byIndex(BY_IP, canonicalIp(ip) ?? ip),
  };
}

/** staticDnsView builds a view over fixed lists of Services and EndpointSlices. */
export function staticDnsView(opts: { services: readonly JsonObject[]; endpointSlices: readonly JsonObject[]; clusterDomain?: string }): DnsView {
  const services = new Cache();
  const slices = new Cache();
  for (const s of opts.services) services.set(s);
  for (const s of opts.endpointSlices) slices.set(s);
  return cacheDnsView(services, slices, opts.clusterDomain ?? 'cluster.local');
}
