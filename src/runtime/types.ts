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

/** Mount mirrors CRI Mount (host path into the container). */
export interface Mount {
  readonly containerPath: string;
  readonly hostPath: string;
  readonly readonly: boolean;
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
  readonly logPath?: string;
  readonly stdin?: boolean;
  readonly tty?: boolean;
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

/** Runtime is the container runtime seam (CRI RuntimeService + ImageService, without exec/attach/port-forward/stats yet). */
export interface Runtime {
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

  /** subscribeContainerEvents mirrors CRI GetContainerEvents: `listener` hears every container change until the returned function is called. */
  subscribeContainerEvents(listener: (e: ContainerEvent) => void): () => void;
}
