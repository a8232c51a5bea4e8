/**
 * @module agent/pods/sandbox-config — the CRI PodSandboxConfig of a pod, as the kubelet builds
 * it: hostname (spec.hostname or the pod name, the FQDN with setHostnameAsFQDN), kubelet's
 * labels over the pod's, the pod's annotations, the log directory `<podLogsDir>/<ns>_<name>_<uid>`,
 * host port mappings, the DNS configuration per dnsPolicy (merged with spec.dnsConfig), host
 * network, the cgroup parent `<cgroupRoot>/pod<uid>`, namespace sharing, sysctls and the pod's
 * security context. Pure functions (the host resolv.conf is passed in as text).
 */
import { join } from 'node:path';
import type { JsonObject } from '../../api/index.ts';
import type { DnsConfig, PodSandboxConfig, PortMapping } from '../../runtime/index.ts';
import { effectiveDnsPolicy, parseResolvConf, podDnsConfig as resolverConfig } from '../../network/dns/index.ts';
import { LABEL, namespaceModes } from './container-config.ts';

/** ClusterDns is the node's DNS setup (PodWorkersOptions.dns). */
export interface ClusterDns {
  /** servers: the cluster DNS service addresses (empty: ClusterFirst falls back to Default). */
  readonly servers: readonly string[];
  /** searches: extra search domains appended after the cluster ones. */
  readonly searches: readonly string[];
  readonly clusterDomain: string;
  /** hostResolvConf: the path of the node's resolv.conf (dnsPolicy Default). */
  readonly hostResolvConf: string;
}

/** SandboxInput is what sandboxConfig reads besides the pod. */
export interface SandboxInput {
  readonly attempt?: number;
  readonly podLogsDir?: string;
  readonly cgroupRoot?: string;
  readonly dns?: ClusterDns;
  /** hostResolvConfText: the content of dns.hostResolvConf ('' when unreadable). */
  readonly hostResolvConfText?: string;
}

/** parseResolvConf is the cluster DNS's resolv.conf reader (network/dns), re-exported for the pod workers. */
export { parseResolvConf };

/** podDnsConfig computes the sandbox DNS configuration per dnsPolicy (kubelet's GetPodDNS, network/dns's podDnsConfig;
 * ClusterFirst searches get the node's extra `dns.searches` before the host's); undefined = the runtime's default (the
 * host's own file) for a pod that gets the host's resolver unchanged on a node without one. */
export function podDnsConfig(pod: JsonObject, dns: ClusterDns | undefined, hostResolvConfText: string): DnsConfig | undefined {
  const host = parseResolvConf(hostResolvConfText);
  const policy = effectiveDnsPolicy(pod, (dns?.servers.length ?? 0) > 0);
  const cluster = policy === 'ClusterFirst';
  if (policy === 'Default' && !pod.spec?.dnsConfig && (!dns || host.servers.length === 0)) return undefined;
  return resolverConfig(pod, {
    clusterDomain: dns?.clusterDomain, clusterDns: dns?.servers ?? [],
    host: cluster ? { ...host, searches: [...(dns?.searches ?? []), ...host.searches] } : host,
  });
}

/** podHostname is the sandbox hostname: spec.hostname or the pod name (63 characters at most), the FQDN with setHostnameAsFQDN and a subdomain. */
export function podHostname(pod: JsonObject, clusterDomain: string | undefined): string {
  const spec = pod.spec ?? {};
  const name = String(spec.hostname || pod.metadata?.name || '').slice(0, 63).replace(/[-.]+$/, '');
  if (spec.setHostnameAsFQDN === true && spec.subdomain && clusterDomain) {
    return `${name}.${String(spec.subdomain)}.${String(pod.metadata?.namespace)}.svc.${clusterDomain}`;
  }
  return name;
}

/** portMappings lists the host ports of the pod's containers. */
export function portMappings(pod: JsonObject): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of (pod.spec?.containers ?? []) as JsonObject[]) {
    for (const p of (c.ports ?? []) as JsonObject[]) {
      const hostPort = Number(p.hostPort ?? 0);
      if (!(hostPort > 0)) continue;
      out.push({ protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'], containerPort: Number(p.containerPort), hostPort, hostIp: String(p.hostIP ?? '') });
    }
  }
  return out;
}

/** podLogDirectory is the sandbox log directory `<podLogsDir>/<ns>_<name>_<uid>`. */
export function podLogDirectory(podLogsDir: string, pod: JsonObject): string {
  const m = pod.metadata ?? {};
  return join(podLogsDir, `${String(m.namespace)}_${String(m.name)}_${String(m.uid)}`);
}

/** sandboxLabels are the pod's labels with kubelet's identity labels over them. */
export function sandboxLabels(pod: JsonObject): Record<string, string> {
  const m = pod.metadata ?? {};
  return { ...((m.labels ?? {}) as Record<string, string>), [LABEL.podName]: String(m.name), [LABEL.podNamespace]: String(m.namespace), [LABEL.podUid]: String(m.uid ?? '') };
}

/** sandboxConfig builds the pod's CRI PodSandboxConfig; the platform-specific parts only when a cgroup root or DNS is configured (real nodes). */
export function sandboxConfig(pod: JsonObject, input: SandboxInput = {}): PodSandboxConfig {
  const m = pod.metadata ?? {};
  const spec = pod.spec ?? {};
  const uid = String(m.uid ?? '');
  const psc = (spec.securityContext ?? {}) as JsonObject;
  const dnsConfig = podDnsConfig(pod, input.dns, input.hostResolvConfText ?? '');
  const ports = portMappings(pod);
  const sysctls = Object.fromEntries(((psc.sysctls ?? []) as JsonObject[]).map((s) => [String(s.name), String(s.value)]));
  const ns = namespaceModes(spec);
  const privileged = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].some((c: JsonObject) => c.securityContext?.privileged === true);
  const groups = [...((psc.supplementalGroups ?? []) as unknown[]).map(Number), ...(Number.isInteger(psc.fsGroup) ? [Number(psc.fsGroup)] : [])];
  const real = input.cgroupRoot !== undefined || input.podLogsDir !== undefined || input.dns !== undefined;
  return {
    metadata: { name: String(m.name), namespace: String(m.namespace), uid, attempt: input.attempt ?? 0 },
    hostname: spec.hostNetwork === true && real ? '' : podHostname(pod, input.dns?.clusterDomain),
    labels: sandboxLabels(pod),
    ...(m.annotations && Object.keys(m.annotations).length > 0 ? { annotations: { ...(m.annotations as Record<string, string>) } } : {}),
    ...(input.podLogsDir !== undefined ? { logDirectory: podLogDirectory(input.podLogsDir, pod) } : {}),
    ...(dnsConfig ? { dnsConfig } : {}),
    ...(ports.length > 0 ? { portMappings: ports } : {}),
    runtimeHandler: '',
    hostNetwork: spec.hostNetwork === true,
    ...(real ? {
      linux: {
        ...(input.cgroupRoot !== undefined ? { cgroupParent: `${input.cgroupRoot.replace(/\/+$/, '')}/pod${uid}` } : {}),
        ...(Object.keys(sysctls).length > 0 ? { sysctls } : {}),
        securityContext: {
          namespaceOptions: { pid: ns.pid, ipc: ns.ipc },
          ...(privileged ? { privileged } : {}),
          ...(Number.isInteger(psc.runAsUser) ? { runAsUser: Number(psc.runAsUser) } : {}),
          ...(Number.isInteger(psc.runAsGroup) ? { runAsGroup: Number(psc.runAsGroup) } : {}),
          ...(groups.length > 0 ? { supplementalGroups: [...new Set(groups)] } : {}),
        },
      },
    } : {}),
  };
}
