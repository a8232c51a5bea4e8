/**
 * @module runtime/types — the Runtime seam: what the agent's pod workers ask of a container
 * runtime, shaped like CRI v1's RuntimeService + ImageService (runtime.v1 in
 * /work/shared/reference/cri-v1-fields.json) but with our own camelCase names and plain types.
 * Field meanings mirror CRI v1: a pod sandbox is the pod's isolation and network environment
 * (one IP per pod), containers are created in a sandbox and started separately, `attempt`
 * counts re-creations of the same sandbox or container. Differences from the wire format:
 * times are epoch milliseconds (CRI uses int64 nanoseconds; 0 still means "unset"), states are
 * unprefixed (`RUNNING` for `CONTAINER_RUNNING`), and a missing object's status is `undefined`
 * rather than a gRPC NotFound. Stop and remove are idempotent, as in CRI. Two backends implement
 * it: `hollow` (in memory, for `windlass sim` and tests) and the CRI gRPC client (containerd on
 * Linux and Windows).
 */

/** RuntimeVersion mirrors CRI VersionResponse: `runtimeName` prefixes container IDs in pod status (`<runtimeName>://<id>`). */
export interface RuntimeVersion {
  readonly version: string;
  readonly runtimeName: string;
  readonly runtimeVersion: string;
  readonly runtimeApiVersion: string;
}

/** PodSandboxMetadata mirrors CRI PodSandboxMetadata: the pod this sandbox belongs to. */
export interface PodSandboxMetadata {
  readonly name: string;
  readonly uid: string;
  readonly namespace: string;
  readonly attempt: number;
}

/** PortMapping mirrors CRI PortMapping (a hostPort of a container port). */
export interface PortMapping {
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly containerPort: number;
  readonly hostPort: number;
  readonly hostIp: string;
}

/** DnsConfig mirrors CRI DNSConfig. */
export interface DnsConfig {
  readonly servers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly string[];
}

/** PodSandboxConfig mirrors CRI PodSandboxConfig (the platform sections are reduced to what the agent sets today). */
export interface PodSandboxConfig {
  readonly metadata: PodSandboxMetadata;
  readonly hostname?: string;
  readonly logDirectory?: string;
  readonly dnsConfig?: DnsConfig;
  readonly portMappings?: readonly PortMapping[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** runtimeHandler mirrors RunPodSandboxRequest.runtime_handler (a RuntimeClass's handler; '' = default). */
  readonly runtimeHandler?: string;
  /** hostNetwork: the sandbox shares the node's network (CRI NamespaceOption network = NODE); its IP is the node's. */
  readonly hostNetwork?: boolean;
  /** linux mirrors LinuxPodSandboxConfig (cgroup parent, sysctls, pod-level security). */
  readonly linux?: LinuxSandboxConfig;
  /** windows mirrors WindowsPodSandboxConfig (HostProcess, run-as user name). */
  readonly windows?: WindowsSandboxConfig;
}

/** NamespaceMode mirrors CRI NamespaceMode: POD (shared by the pod's containers), CONTAINER (own), NODE (the host's), TARGET (another container's: `targetId`). */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

/** LinuxSandboxConfig mirrors CRI LinuxPodSandboxConfig (+ LinuxSandboxSecurityContext). */
export interface LinuxSandboxConfig {
  readonly cgroupParent?: string;
  readonly sysctls?: Readonly<Record<string, string>>;
  readonly securityContext?: {
    /** pid: POD when the pod sets shareProcessNamespace, NODE for hostPID, else CONTAINER. */
    readonly namespaceOptions?: { readonly pid?: NamespaceMode; readonly ipc?: NamespaceMode };
    readonly privileged?: boolean;
    readonly runAsUser?: number;
    readonly runAsGroup?: number;
    readonly supplementalGroups?: readonly number[];
    readonly readonlyRootfs?: boolean;
  };
}

/** WindowsSandboxConfig mirrors CRI WindowsPodSandboxConfig. */
export interface WindowsSandboxConfig {
  readonly runAsUsername?: string;
  readonly hostProcess?: boolean;
}

/** SandboxState mirrors CRI PodSandboxState (SANDBOX_READY / SANDBOX_NOTREADY). */
export type SandboxState = 'READY' | 'NOTREADY';

/** PodSandbox mirrors CRI PodSandbox (a list item). */
export interface PodSandbox {
  readonly id: string;
  readonly metadata: PodSandboxMetadata;
  readonly state: SandboxState;
  readonly createdAt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly runtimeHandler: string;
}

/** PodSandboxStatus mirrors CRI PodSandboxStatus: a list item plus the pod network (`network.ip`, then additional IPs). */
export interface PodSandboxStatus extends PodSandbox {
  readonly network: { readonly ip: string; readonly additionalIps: readonly string[] };
}

/** PodSandboxFilter mirrors CRI PodSandboxFilter; every given field must match. */
export interface PodSandboxFilter {
  readonly id?: string;
  readonly state?: SandboxState;
  readonly labelSelector?: Readonly<Record<string, string>>;
}

/** ImageSpec mirrors CRI ImageSpec. */
export interface ImageSpec {
  readonly image: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Image mirrors CRI Image: `id` is the image reference reported as a container's imageID. */
export interface Image {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly size: number;
  readonly pinned: boolean;
}

/** AuthConfig mirrors CRI AuthConfig (registry credentials for a pull). */
export interface AuthConfig {
  readonly username?: string;
  readonly password?: string;
  readonly auth?: string;
  readonly serverAddress?: string;
  readonly identityToken?: string;
  readonly registryToken?: string;
}

/** ContainerMetadata mirrors CRI ContainerMetadata. */
export interface ContainerMetadata {
  readonly name: string;
  readonly attempt: number;
}

/** Mount mirrors CRI Mount (host path into the container); `selinuxRelabel` and propagation are left at CRI defaults. */
export interface Mount {
  readonly containerPath: string;
  readonly hostPath: string;
  readonly readonly: boolean;
}

/** LinuxContainerResources mirrors CRI LinuxContainerResources (cgroup values the kubelet derives from requests/limits; 0 = unset). */
export interface LinuxContainerResources {
  readonly cpuPeriod?: number;
  readonly cpuQuota?: number;
  readonly cpuShares?: number;
  readonly memoryLimitInBytes?: number;
  /** oomScoreAdj: never negative on machines whose root lacks CAP_SYS_RESOURCE (see the feasibility note). */
  readonly oomScoreAdj?: number;
}

/** LinuxContainerSecurity mirrors CRI LinuxContainerSecurityContext (what the agent sets). */
export interface LinuxContainerSecurity {
  readonly capabilities?: { readonly addCapabilities?: readonly string[]; readonly dropCapabilities?: readonly string[] };
  readonly privileged?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly runAsUsername?: string;
  readonly supplementalGroups?: readonly number[];
  readonly readonlyRootfs?: boolean;
  readonly noNewPrivs?: boolean;
  /** namespaceOptions: `targetId` is the container whose namespace a TARGET mode joins (an ephemeral container's `targetContainerName`). */
  readonly namespaceOptions?: { readonly pid?: NamespaceMode; readonly ipc?: NamespaceMode; readonly network?: NamespaceMode; readonly targetId?: string };
}

/** WindowsContainerConfig mirrors CRI WindowsContainerConfig (resources and run-as user). */
export interface WindowsContainerConfig {
  readonly resources?: { readonly cpuShares?: number; readonly cpuCount?: number; readonly cpuMaximum?: number; readonly memoryLimitInBytes?: number };
  readonly securityContext?: { readonly runAsUsername?: string; readonly hostProcess?: boolean };
}

/** ContainerConfig mirrors CRI ContainerConfig (platform resource sections left for the CRI backend). */
export interface ContainerConfig {
  readonly metadata: ContainerMetadata;
  readonly image: ImageSpec;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly workingDir?: string;
  readonly envs?: readonly { readonly key: string; readonly value: string }[];
  readonly mounts?: readonly Mount[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** logPath: relative to the sandbox's logDirectory (kubelet: `<container>/<restartCount>.log`). */
  readonly logPath?: string;
  readonly stdin?: boolean;
  readonly stdinOnce?: boolean;
  readonly tty?: boolean;
  readonly linux?: { readonly resources?: LinuxContainerResources; readonly securityContext?: LinuxContainerSecurity };
  readonly windows?: WindowsContainerConfig;
}

/** ContainerState mirrors CRI ContainerState (CONTAINER_CREATED, _RUNNING, _EXITED, _UNKNOWN). */
export type ContainerState = 'CREATED' | 'RUNNING' | 'EXITED' | 'UNKNOWN';

/** Container mirrors CRI Container (a list item). */
export interface Container {
  readonly id: string;
  readonly podSandboxId: string;
  readonly metadata: ContainerMetadata;
  readonly image: ImageSpec;
  readonly imageRef: string;
  readonly state: ContainerState;
  readonly createdAt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** ContainerStatus mirrors CRI ContainerStatus; times are epoch ms, 0 when not reached. */
export interface ContainerStatus extends Container {
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly exitCode: number;
  /** reason: why the container is in its state (`Completed`, `Error`, `OOMKilled`, …). */
  readonly reason: string;
  readonly message: string;
  /** logPath: the container's log file as the runtime reports it (absolute), '' when none. */
  readonly logPath?: string;
}

/** ContainerFilter mirrors CRI ContainerFilter; every given field must match. */
export interface ContainerFilter {
  readonly id?: string;
  readonly state?: ContainerState;
  readonly podSandboxId?: string;
  readonly labelSelector?: Readonly<Record<string, string>>;
}

/** ContainerEventType mirrors CRI ContainerEventType. */
export type ContainerEventType = 'CREATED' | 'STARTED' | 'STOPPED' | 'DELETED';

/** ContainerEvent mirrors CRI ContainerEventResponse (the evented PLEG's input), reduced to identities. */
export interface ContainerEvent {
  readonly containerId: string;
  readonly podSandboxId: string;
  readonly type: ContainerEventType;
  readonly createdAt: number;
}

/** ExecSyncResult mirrors CRI ExecSyncResponse. */
export interface ExecSyncResult {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly exitCode: number;
}

/** StreamRequest mirrors CRI ExecRequest / AttachRequest: which streams the caller will use. */
export interface StreamRequest {
  readonly containerId: string;
  /** cmd: for exec only (attach joins the container's main process). */
  readonly cmd?: readonly string[];
  readonly tty: boolean;
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
}

/** CpuUsage mirrors CRI CpuUsage (timestamps epoch ms; usageNanoCores absent until two samples exist). */
export interface CpuUsage {
  readonly timestamp: number;
  readonly usageCoreNanoSeconds?: number;
  readonly usageNanoCores?: number;
}

/** MemoryUsage mirrors CRI MemoryUsage. */
export interface MemoryUsage {
  readonly timestamp: number;
  readonly workingSetBytes?: number;
  readonly availableBytes?: number;
  readonly usageBytes?: number;
  readonly rssBytes?: number;
  readonly pageFaults?: number;
  readonly majorPageFaults?: number;
}

/** ContainerStats mirrors CRI ContainerStats. */
export interface ContainerStats {
  readonly id: string;
  readonly metadata: ContainerMetadata;
  readonly labels: Readonly<Record<string, string>>;
  readonly cpu?: CpuUsage;
  readonly memory?: MemoryUsage;
  readonly writableLayer?: { readonly timestamp: number; readonly usedBytes?: number; readonly inodesUsed?: number };
}

/** PodSandboxStats mirrors CRI PodSandboxStats (linux or windows section flattened: pod cpu/memory, network, processes, containers). */
export interface PodSandboxStats {
  readonly id: string;
  readonly metadata: PodSandboxMetadata;
  readonly labels: Readonly<Record<string, string>>;
  readonly cpu?: CpuUsage;
  readonly memory?: MemoryUsage;
  readonly network?: { readonly timestamp: number; readonly interfaces: readonly { readonly name: string; readonly rxBytes?: number; readonly rxErrors?: number; readonly txBytes?: number; readonly txErrors?: number }[] };
  readonly processCount?: number;
  readonly containers: readonly ContainerStats[];
}

/** RuntimeCondition mirrors CRI RuntimeCondition (RuntimeReady, NetworkReady). */
export interface RuntimeCondition {
  readonly type: string;
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

/** Runtime is the container runtime seam (CRI RuntimeService + ImageService). */
export interface Runtime {
  /** status mirrors CRI Status: the runtime's conditions (RuntimeReady, NetworkReady). */
  status(): Promise<readonly RuntimeCondition[]>;
  /** updatePodCidr mirrors CRI UpdateRuntimeConfig (the node's pod CIDR once node IPAM assigned it). */
  updatePodCidr(cidr: string): Promise<void>;

  version(): Promise<RuntimeVersion>;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(sandboxId: string): Promise<void>;
  removePodSandbox(sandboxId: string): Promise<void>;
  podSandboxStatus(sandboxId: string): Promise<PodSandboxStatus | undefined>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** stopContainer stops the container, killing it after `timeoutSeconds` (0: at once); resolves once it has exited. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  containerStatus(containerId: string): Promise<ContainerStatus | undefined>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;

  /** pullImage pulls (if needed) and returns the image reference (CRI PullImageResponse.image_ref). */
  pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string>;
  imageStatus(image: ImageSpec): Promise<Image | undefined>;
  listImages(filter?: ImageSpec): Promise<Image[]>;
  removeImage(image: ImageSpec): Promise<void>;

  /** execSync mirrors CRI ExecSync: run a command in a container and collect its output (exec probes); `timeoutSeconds` 0 = none. */
  execSync(containerId: string, cmd: readonly string[], timeoutSeconds: number): Promise<ExecSyncResult>;
  /** exec / attach / portForward mirror CRI Exec/Attach/PortForward: each returns the URL of the
   * runtime's streaming server where the caller continues with the Kubernetes streaming protocols. */
  exec(req: StreamRequest): Promise<{ readonly url: string }>;
  attach(req: StreamRequest): Promise<{ readonly url: string }>;
  portForward(sandboxId: string, ports: readonly number[]): Promise<{ readonly url: string }>;

  /** containerStats / listContainerStats / listPodSandboxStats mirror the CRI stats calls (undefined for an unknown id). */
  containerStats(containerId: string): Promise<ContainerStats | undefined>;
  listContainerStats(filter?: { readonly podSandboxId?: string; readonly labelSelector?: Readonly<Record<string, string>> }): Promise<ContainerStats[]>;
  listPodSandboxStats(filter?: { readonly id?: string; readonly labelSelector?: Readonly<Record<string, string>> }): Promise<PodSandboxStats[]>;

  /** subscribeContainerEvents mirrors CRI GetContainerEvents: `listener` hears every container change until the returned function is called. */
  subscribeContainerEvents(listener: (e: ContainerEvent) => void): () => void;
}
