/**
 * @module agent/node-info — what a node reports about itself, as pure functions of host facts:
 * the well-known labels kubelet sets, addresses, capacity and `status.nodeInfo`; plus the
 * parsers for `--node-label k=v` and `--node-taint k=v:Effect`.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';

/** HostFacts: the machine facts a Node object is built from (tests supply them). */
export interface HostFacts {
  readonly platform: NodeJS.Platform;
  readonly arch: string;
  /** release: os.release() — the kernel version, or `10.0.<build>` on Windows. */
  readonly release: string;
  readonly osImage: string;
  readonly hostname: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** addresses: the machine's non-internal IP addresses, preferred first. */
  readonly addresses: readonly string[];
}

/** A node taint. */
export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** The version this hollow agent reports as its kubelet version. */
export const AGENT_KUBELET_VERSION = 'v1.33.0-windlass';
/** The runtime version reported until a real container runtime is attached. */
export const AGENT_RUNTIME_VERSION = 'containerd://unknown';
/** Pods the node offers to run. */
export const MAX_PODS = 110;

/** kubeOs maps a Node.js platform to the `kubernetes.io/os` value. */
export function kubeOs(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'windows' : platform;
}

/** kubeArch maps a Node.js architecture to the `kubernetes.io/arch` (GOARCH) value. */
export function kubeArch(arch: string): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[arch] ?? arch;
}

/** windowsBuild returns `Major.Minor.Build` from a Windows os.release() such as `10.0.20348`. */
export function windowsBuild(release: string): string {
  return release.split('.').slice(0, 3).join('.');
}

/** defaultNodeName is the host name lower-cased (kubelet's default). */
export function defaultNodeName(hostname: string): string {
  return hostname.trim().toLowerCase();
}

/** isValidNodeName checks a DNS-1123 subdomain (what a Node name must be). */
export function isValidNodeName(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}

/** nodeLabels returns the well-known labels for the host and node name, overlaid with user labels. */
export function nodeLabels(host: HostFacts, nodeName: string, user: Readonly<Record<string, string>> = {}): Record<string, string> {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': kubeArch(host.arch),
    'beta.kubernetes.io/os': kubeOs(host.platform),
    'kubernetes.io/arch': kubeArch(host.arch),
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': kubeOs(host.platform),
  };
  if (host.platform === 'win32') labels['node.kubernetes.io/windows-build'] = windowsBuild(host.release);
  return { ...labels, ...user };
}

/** nodeStatus returns the Node status a freshly started agent reports (Ready=True, heartbeat at `now`). */
export function nodeStatus(host: HostFacts, nodeName: string, nodeIP: string | undefined, now: Date): Record<string, unknown> {
  const resources = { cpu: String(host.cpus), memory: `${Math.floor(host.memoryBytes / 1024)}Ki`, pods: String(MAX_PODS) };
  const ip = nodeIP ?? host.addresses[0];
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    addresses: [...(ip !== undefined ? [{ type: 'InternalIP', address: ip }] : []), { type: 'Hostname', address: nodeName }],
    capacity: resources,
    allocatable: resources,
    conditions: [readyCondition(time, time)],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: '', systemUUID: '', bootID: '',
      kernelVersion: host.release,
      osImage: host.osImage,
      containerRuntimeVersion: AGENT_RUNTIME_VERSION,
      kubeletVersion: AGENT_KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: kubeOs(host.platform),
      architecture: kubeArch(host.arch),
    },
  };
}

/** readyCondition is the Ready=True condition with the given heartbeat and transition times (RFC 3339). */
export function readyCondition(heartbeat: string, transition: string): Record<string, string> {
  return {
    type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'windlass agent is posting ready status',
    lastHeartbeatTime: heartbeat, lastTransitionTime: transition,
  };
}

/** parseNodeLabel parses `key=value` into a pair, or returns an error message. */
export function parseNodeLabel(text: string): { key: string; value: string } | { error: string } {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  const value = eq < 0 ? '' : text.slice(eq + 1);
  if (eq < 0) return { error: `node label ${JSON.stringify(text)} is not key=value` };
  if (!isQualifiedName(key)) return { error: `node label key ${JSON.stringify(key)} is not a valid label key` };
  if (!/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value) || value.length > 63) {
    return { error: `node label value ${JSON.stringify(value)} is not a valid label value` };
  }
  if (/(^|\.)node-role\.kubernetes\.io\//.test(key) || /(^|\.)node-restriction\.kubernetes\.io\//.test(key)) {
    return { error: `node label ${JSON.stringify(key)} may not be set by a node (NodeRestriction); set it with kubectl label` };
  }
  return { key, value };
}

/** parseNodeTaint parses `key[=value]:Effect` into a Taint, or returns an error message. */
export function parseNodeTaint(text: string): Taint | { error: string } {
  const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(text);
  if (!m) return { error: `node taint ${JSON.stringify(text)} is not key[=value]:NoSchedule|PreferNoSchedule|NoExecute` };
  if (!isQualifiedName(m[1])) return { error: `node taint key ${JSON.stringify(m[1])} is not a valid key` };
  const effect = m[3] as Taint['effect'];
  return m[2] !== undefined && m[2] !== '' ? { key: m[1], value: m[2], effect } : { key: m[1], effect };
}

/** isQualifiedName checks a label/taint key: optional DNS prefix, `/`, name of at most 63 characters. */
function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (parts.length === 2 && !(parts[0].length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(parts[0]))) return false;
  return name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

/** linuxOsImage reads PRETTY_NAME from /etc/os-release, or undefined. */
function linuxOsImage(): string | undefined {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1];
  } catch {
    return undefined;
  }
}

/** currentHostFacts reads the running machine's facts. */
export function currentHostFacts(): HostFacts {
  const addresses: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') addresses.push(a.address);
  }
  return {
    platform: process.platform,
    arch: process.arch,
    release: os.release(),
    osImage: (process.platform === 'linux' ? linuxOsImage() : undefined) ?? os.version(),
    hostname: os.hostname(),
    cpus: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    addresses,
  };
}
