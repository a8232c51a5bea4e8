/**
 * @module network/dns/pod-dns — a pod's resolver configuration from its dnsPolicy and dnsConfig,
 * as the kubelet computes it for the CRI sandbox (servers, searches, options) and for resolv.conf:
 * - `ClusterFirst` (the default): the cluster DNS servers, searches `<ns>.svc.<domain>`,
 *   `svc.<domain>`, `<domain>` then the host's, `ndots:5`; host-network pods use `Default` instead
 *   unless the policy is `ClusterFirstWithHostNet`; with no cluster DNS configured, `Default`;
 * - `Default`: the node's resolv.conf (nameservers, search, options);
 * - `None`: only what `dnsConfig` gives;
 * - `dnsConfig` then appends nameservers and searches (deduplicated) and overrides options by name.
 * Limits as upstream: at most 3 nameservers, 32 search domains.
 */
import type { JsonObject } from '../../api/index.ts';

/** PodDnsConfig is the CRI DNSConfig of a pod sandbox. */
export interface PodDnsConfig { readonly servers: string[]; readonly searches: string[]; readonly options: string[] }

/** HostResolvConf is the node's own resolver configuration. */
export interface HostResolvConf { readonly servers: readonly string[]; readonly searches: readonly string[]; readonly options: readonly string[] }

/** parseResolvConf reads nameserver, search/domain and options lines of resolv.conf text. */
export function parseResolvConf(text: string): HostResolvConf {
  const servers: string[] = [];
  let searches: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) servers.push(rest[0]);
    else if (key === 'search' || key === 'domain') searches = rest.filter(Boolean);
    else if (key === 'options') options.push(...rest.filter(Boolean));
  }
  return { servers, searches, options };
}

/** effectiveDnsPolicy is the policy a pod's resolver follows: ClusterFirst (also for ClusterFirstWithHostNet),
 * Default (also ClusterFirst on the host network or with no cluster DNS), or None. */
export function effectiveDnsPolicy(pod: JsonObject, hasClusterDns: boolean): 'ClusterFirst' | 'Default' | 'None' {
  const declared = String(pod.spec?.dnsPolicy || 'ClusterFirst');
  if (declared === 'None' || declared === 'Default') return declared;
  if (declared === 'ClusterFirst' && pod.spec?.hostNetwork === true) return 'Default';
  return hasClusterDns ? 'ClusterFirst' : 'Default';
}

/** podDnsConfig computes a pod's DNS configuration (clusterDns: the cluster DNS service IPs). */
export function podDnsConfig(pod: JsonObject, opts: { clusterDomain?: string; clusterDns: readonly string[]; host: HostResolvConf }): PodDnsConfig {
  const domain = (opts.clusterDomain ?? 'cluster.local').replace(/^\.+|\.+$/g, '');
  const ns = String(pod.metadata?.namespace || 'default');
  const policy = effectiveDnsPolicy(pod, opts.clusterDns.length > 0);
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy === 'ClusterFirst') {
    servers = [...opts.clusterDns];
    searches = [`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...opts.host.searches];
    options = ['ndots:5'];
  } else if (policy === 'Default') {
    servers = [...opts.host.servers];
    searches = [...opts.host.searches];
    options = [...opts.host.options];
  }
  const cfg: JsonObject = pod.spec?.dnsConfig ?? {};
  if (Array.isArray(cfg.nameservers)) servers.push(...cfg.nameservers.map(String));
  if (Array.isArray(cfg.searches)) searches.push(...cfg.searches.map(String));
  if (Array.isArray(cfg.options)) {
    for (const o of cfg.options as JsonObject[]) {
      const name = String(o?.name ?? '');
      if (!name) continue;
      const text = o.value === undefined || o.value === null || o.value === '' ? name : `${name}:${String(o.value)}`;
      options = options.filter((x) => x.split(':')[0] !== name);
      options.push(text);
    }
  }
  const uniq = (xs: string[]): string[] => [...new Set(xs.map((x) => x.replace(/\.+$/, '')).filter(Boolean))];
  return { servers: uniq(servers).slice(0, 3), searches: uniq(searches).slice(0, 32), options: uniq(options) };
}

/** renderResolvConf renders a configuration as resolv.conf text. */
export function renderResolvConf(c: PodDnsConfig): string {
  return [
    ...(c.searches.length ? [`search ${c.searches.join(' ')}`] : []),
    ...c.servers.map((s) => `nameserver ${s}`),
    ...(c.options.length ? [`options ${c.options.join(' ')}`] : []),
    '',
  ].join('\n');
}
