/**
 * @module runtime/cri/mapping-request — our Runtime request types → CRI v1 wire objects
 * (snake_case, enums by name, int64 as decimal strings). Namespace defaults follow kubelet:
 * sandbox network POD (NODE for hostNetwork), pid CONTAINER, ipc POD; a container inherits the
 * sandbox's modes unless its own security context sets them. hostNetwork sandboxes get no hostname.
 */
import type {
  AuthConfig, ContainerConfig, ContainerFilter, ContainerState, ImageSpec, LinuxContainerResources, NamespaceMode, PodSandboxConfig,
  PodSandboxFilter, SandboxState,
} from '../types.ts';
import type { Wire } from './proto.ts';

const SANDBOX_STATE_WIRE: Record<SandboxState, string> = { READY: 'SANDBOX_READY', NOTREADY: 'SANDBOX_NOTREADY' };
const CONTAINER_STATE_WIRE: Record<ContainerState, string> = {
  CREATED: 'CONTAINER_CREATED', RUNNING: 'CONTAINER_RUNNING', EXITED: 'CONTAINER_EXITED', UNKNOWN: 'CONTAINER_UNKNOWN',
};

function int64(n: number | undefined): string {
  return String(Math.trunc(n ?? 0));
}

function int64Value(n: number | undefined): Wire | null {
  return n === undefined ? null : { value: int64(n) };
}

/** sandboxNamespaces returns the effective network/pid/ipc modes of a sandbox (kubelet's defaults). */
export function sandboxNamespaces(c: PodSandboxConfig): { network: NamespaceMode; pid: NamespaceMode; ipc: NamespaceMode } {
  const ns = c.linux?.securityContext?.namespaceOptions;
  return { network: c.hostNetwork ? 'NODE' : 'POD', pid: ns?.pid ?? 'CONTAINER', ipc: ns?.ipc ?? 'POD' };
}

/** imageSpecToWire maps an ImageSpec. */
export function imageSpecToWire(s: ImageSpec): Wire {
  return { image: s.image, annotations: { ...s.annotations } };
}

/** sandboxConfigToWire maps a PodSandboxConfig to CRI PodSandboxConfig. */
export function sandboxConfigToWire(c: PodSandboxConfig): Wire {
  const sc = c.linux?.securityContext;
  const out: Wire = {
    metadata: { name: c.metadata.name, uid: c.metadata.uid, namespace: c.metadata.namespace, attempt: c.metadata.attempt },
    // a hostNetwork sandbox has no UTS namespace of its own: runc refuses a hostname (kubelet sends none)
    hostname: c.hostNetwork ? '' : c.hostname ?? '',
    log_directory: c.logDirectory ?? '',
    dns_config: c.dnsConfig ? { servers: [...c.dnsConfig.servers], searches: [...c.dnsConfig.searches], options: [...c.dnsConfig.options] } : null,
    port_mappings: (c.portMappings ?? []).map((p) => ({ protocol: p.protocol, container_port: p.containerPort, host_port: p.hostPort, host_ip: p.hostIp })),
    labels: { ...c.labels },
    annotations: { ...c.annotations },
    linux: {
      cgroup_parent: c.linux?.cgroupParent ?? '',
      sysctls: { ...c.linux?.sysctls },
      security_context: {
        namespace_options: sandboxNamespaces(c),
        run_as_user: int64Value(sc?.runAsUser),
        run_as_group: int64Value(sc?.runAsGroup),
        readonly_rootfs: sc?.readonlyRootfs ?? false,
        supplemental_groups: (sc?.supplementalGroups ?? []).map(int64),
        privileged: sc?.privileged ?? false,
      },
    },
  };
  if (c.windows || c.hostNetwork) {
    out.windows = {
      security_context: {
        run_as_username: c.windows?.runAsUsername ?? '',
        host_process: c.windows?.hostProcess ?? false,
        namespace_options: { network: c.hostNetwork ? 'NODE' : 'POD' },
      },
    };
  }
  return out;
}

function resourcesToWire(r: LinuxContainerResources | undefined): Wire {
  return {
    cpu_period: int64(r?.cpuPeriod), cpu_quota: int64(r?.cpuQuota), cpu_shares: int64(r?.cpuShares),
    memory_limit_in_bytes: int64(r?.memoryLimitInBytes), oom_score_adj: int64(r?.oomScoreAdj),
  };
}

/** containerConfigToWire maps a ContainerConfig (with its sandbox's config for namespace defaults) to CRI ContainerConfig. */
export function containerConfigToWire(c: ContainerConfig, sandbox: PodSandboxConfig): Wire {
  const sc = c.linux?.securityContext;
  const podNs = sandboxNamespaces(sandbox);
  const out: Wire = {
    metadata: { name: c.metadata.name, attempt: c.metadata.attempt },
    image: imageSpecToWire(c.image),
    command: [...(c.command ?? [])],
    args: [...(c.args ?? [])],
    working_dir: c.workingDir ?? '',
    envs: (c.envs ?? []).map((e) => ({ key: e.key, value: Buffer.from(e.value, 'utf8') })),
    mounts: (c.mounts ?? []).map((m) => ({
      container_path: m.containerPath, host_path: m.hostPath, readonly: m.readonly, selinux_relabel: false, propagation: 'PROPAGATION_PRIVATE',
    })),
    labels: { ...c.labels },
    annotations: { ...c.annotations },
    log_path: c.logPath ?? '',
    stdin: c.stdin ?? false,
    stdin_once: c.stdinOnce ?? false,
    tty: c.tty ?? false,
    linux: {
      resources: resourcesToWire(c.linux?.resources),
      security_context: {
        capabilities: { add_capabilities: [...(sc?.capabilities?.addCapabilities ?? [])], drop_capabilities: [...(sc?.capabilities?.dropCapabilities ?? [])] },
        privileged: sc?.privileged ?? false,
        namespace_options: {
          network: sc?.namespaceOptions?.network ?? podNs.network,
          pid: sc?.namespaceOptions?.pid ?? podNs.pid,
          ipc: sc?.namespaceOptions?.ipc ?? podNs.ipc,
          target_id: sc?.namespaceOptions?.targetId ?? '',
        },
        run_as_user: int64Value(sc?.runAsUser),
        run_as_group: int64Value(sc?.runAsGroup),
        run_as_username: sc?.runAsUsername ?? '',
        readonly_rootfs: sc?.readonlyRootfs ?? false,
        supplemental_groups: (sc?.supplementalGroups ?? []).map(int64),
        no_new_privs: sc?.noNewPrivs ?? false,
      },
    },
  };
  if (c.windows) {
    const r = c.windows.resources;
    out.windows = {
      resources: r ? { cpu_shares: int64(r.cpuShares), cpu_count: int64(r.cpuCount), cpu_maximum: int64(r.cpuMaximum), memory_limit_in_bytes: int64(r.memoryLimitInBytes) } : null,
      security_context: c.windows.securityContext
        ? { run_as_username: c.windows.securityContext.runAsUsername ?? '', host_process: c.windows.securityContext.hostProcess ?? false }
        : null,
    };
  }
  return out;
}

/** sandboxFilterToWire maps a PodSandboxFilter (null when absent). */
export function sandboxFilterToWire(f: PodSandboxFilter | undefined): Wire | null {
  if (!f) return null;
  return { id: f.id ?? '', state: f.state ? { state: SANDBOX_STATE_WIRE[f.state] } : null, label_selector: { ...f.labelSelector } };
}

/** containerFilterToWire maps a ContainerFilter (null when absent). */
export function containerFilterToWire(f: ContainerFilter | undefined): Wire | null {
  if (!f) return null;
  return {
    id: f.id ?? '', pod_sandbox_id: f.podSandboxId ?? '',
    state: f.state ? { state: CONTAINER_STATE_WIRE[f.state] } : null, label_selector: { ...f.labelSelector },
  };
}

/** authToWire maps an AuthConfig (null when absent). */
export function authToWire(a: AuthConfig | undefined): Wire | null {
  if (!a) return null;
  return {
    username: a.username ?? '', password: a.password ?? '', auth: a.auth ?? '', server_address: a.serverAddress ?? '',
    identity_token: a.identityToken ?? '', registry_token: a.registryToken ?? '',
  };
}
