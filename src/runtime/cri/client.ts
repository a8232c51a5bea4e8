/**
 * @module runtime/cri/client — `CriRuntime`, the Runtime backend that speaks CRI v1 over gRPC to
 * containerd (or any CRI runtime) on a unix socket or a Windows named pipe. Status calls map
 * gRPC NotFound to `undefined`; stop and remove are idempotent (NotFound is success); container
 * events are polled (see events.ts) because containerd 1.6 has no GetContainerEvents; pod stats
 * fall back to summing container stats when PodSandboxStats is unimplemented.
 */
import type {
  AuthConfig, Container, ContainerConfig, ContainerEvent, ContainerFilter, ContainerStats, ContainerStatus, ExecSyncResult, Image, ImageSpec,
  PodSandbox, PodSandboxConfig, PodSandboxFilter, PodSandboxStats, PodSandboxStatus, Runtime, RuntimeCondition, RuntimeVersion, StreamRequest,
} from '../types.ts';
import { parseCriEndpoint, type CriEndpoint } from './endpoint.ts';
import { ContainerEventPoller } from './events.ts';
import {
  authToWire, containerConfigToWire, containerFilterToWire, imageSpecToWire, sandboxConfigToWire, sandboxFilterToWire,
} from './mapping-request.ts';
import {
  conditionsFromWire, containerFromWire, containerStatusFromWire, imageFromWire, num, obj, sandboxFromWire, sandboxStatusFromWire, str, versionFromWire,
} from './mapping-response.ts';
import { GRPC_NOT_FOUND, GRPC_UNIMPLEMENTED, isGrpcCode, makeCriClients, unary, type CriClients, type Wire } from './proto.ts';
import { aggregatePodStats, containerStatsFromWire, podSandboxStatsFromWire } from './stats.ts';

/** CriOptions configure a connection: the endpoint, the per-request deadline (default 2 min, like kubelet) and the event poll period. */
export interface CriOptions {
  readonly endpoint: string;
  readonly timeoutMs?: number;
  /** pullTimeoutMs: deadline of PullImage (default 10 min). */
  readonly pullTimeoutMs?: number;
  /** eventPollMs: ListContainers period while event listeners exist (default 1000). */
  readonly eventPollMs?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** CriRuntime implements Runtime over a CRI v1 gRPC connection. */
export class CriRuntime implements Runtime {
  /** endpoint is the parsed endpoint this runtime is connected to. */
  readonly endpoint: CriEndpoint;
  private readonly clients: CriClients;
  private readonly timeoutMs: number;
  private readonly pullTimeoutMs: number;
  private readonly poller: ContainerEventPoller;
  private readonly sandboxOf = new Map<string, string>();
  private podStatsUnimplemented = false;
  private closed = false;

  constructor(opts: CriOptions) {
    this.endpoint = parseCriEndpoint(opts.endpoint);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.pullTimeoutMs = opts.pullTimeoutMs ?? 600_000;
    this.clients = makeCriClients(this.endpoint.grpcTarget);
    this.poller = new ContainerEventPoller(() => this.listContainers(), opts.eventPollMs ?? 1000);
  }

  /** waitReady resolves once the channel is connected (or rejects after `timeoutMs`). */
  waitReady(timeoutMs = this.timeoutMs): Promise<void> {
    return new Promise((resolve, reject) => {
      this.clients.runtime.waitForReady(Date.now() + timeoutMs, (err) => {
        if (err) reject(new Error(`CRI endpoint ${this.endpoint.address} not reachable: ${err.message}`));
        else resolve();
      });
    });
  }

  /** close stops event polling and releases the gRPC channel. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.poller.stop();
    this.clients.image.close();
    this.clients.runtime.close();
  }

  private rt(method: string, req: Wire, timeoutMs = this.timeoutMs): Promise<Wire> {
    return unary(this.clients.runtime, method, req, timeoutMs);
  }

  private img(method: string, req: Wire, timeoutMs = this.timeoutMs): Promise<Wire> {
    return unary(this.clients.image, method, req, timeoutMs);
  }

  /** ignoreNotFound runs `call`, treating gRPC NotFound as success (idempotent stop/remove). */
  private async ignoreNotFound(call: Promise<unknown>): Promise<void> {
    try {
      await call;
    } catch (err) {
      if (!isGrpcCode(err, GRPC_NOT_FOUND)) throw err;
    }
  }

  private async orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
    try {
      return await call;
    } catch (err) {
      if (isGrpcCode(err, GRPC_NOT_FOUND)) return undefined;
      throw err;
    }
  }

  async status(): Promise<readonly RuntimeCondition[]> {
    return conditionsFromWire(await this.rt('Status', { verbose: false }));
  }

  async updatePodCidr(cidr: string): Promise<void> {
    await this.rt('UpdateRuntimeConfig', { runtime_config: { network_config: { pod_cidr: cidr } } });
  }

  async version(): Promise<RuntimeVersion> {
    return versionFromWire(await this.rt('Version', { version: 'v1' }));
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const res = await this.rt('RunPodSandbox', { config: sandboxConfigToWire(config), runtime_handler: config.runtimeHandler ?? '' });
    return str(res.pod_sandbox_id);
  }

  async stopPodSandbox(sandboxId: string): Promise<void> {
    await this.ignoreNotFound(this.rt('StopPodSandbox', { pod_sandbox_id: sandboxId }));
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    await this.ignoreNotFound(this.rt('RemovePodSandbox', { pod_sandbox_id: sandboxId }));
    for (const [c, s] of this.sandboxOf) if (s === sandboxId) this.sandboxOf.delete(c);
  }

  async podSandboxStatus(sandboxId: string): Promise<PodSandboxStatus | undefined> {
    const res = await this.orUndefined(this.rt('PodSandboxStatus', { pod_sandbox_id: sandboxId, verbose: false }));
    return res?.status ? sandboxStatusFromWire(obj(res.status)) : undefined;
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    const res = await this.rt('ListPodSandbox', { filter: sandboxFilterToWire(filter) });
    return (Array.isArray(res.items) ? res.items as Wire[] : []).map(sandboxFromWire);
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const res = await this.rt('CreateContainer', {
      pod_sandbox_id: sandboxId, config: containerConfigToWire(config, sandboxConfig), sandbox_config: sandboxConfigToWire(sandboxConfig),
    });
    const id = str(res.container_id);
    this.sandboxOf.set(id, sandboxId);
    return id;
  }

  async startContainer(containerId: string): Promise<void> {
    await this.rt('StartContainer', { container_id: containerId });
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    const t = Math.max(0, Math.trunc(timeoutSeconds));
    await this.ignoreNotFound(this.rt('StopContainer', { container_id: containerId, timeout: String(t) }, this.timeoutMs + t * 1000));
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.ignoreNotFound(this.rt('RemoveContainer', { container_id: containerId }));
    this.sandboxOf.delete(containerId);
  }

  async containerStatus(containerId: string): Promise<ContainerStatus | undefined> {
    const res = await this.orUndefined(this.rt('ContainerStatus', { container_id: containerId, verbose: false }));
    if (!res?.status) return undefined;
    let sandboxId = this.sandboxOf.get(containerId);
    if (sandboxId === undefined) {
      const [c] = await this.listContainers({ id: containerId });
      sandboxId = c?.podSandboxId ?? '';
    }
    return containerStatusFromWire(obj(res.status), sandboxId);
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    const res = await this.rt('ListContainers', { filter: containerFilterToWire(filter) });
    const list = (Array.isArray(res.containers) ? res.containers as Wire[] : []).map(containerFromWire);
    if (!filter) this.sandboxOf.clear(); // a full list is the truth: forget containers removed behind our back
    for (const c of list) this.sandboxOf.set(c.id, c.podSandboxId);
    return list;
  }

  async pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    const res = await this.img('PullImage', {
      image: imageSpecToWire(image), auth: authToWire(auth), sandbox_config: sandboxConfig ? sandboxConfigToWire(sandboxConfig) : null,
    }, this.pullTimeoutMs);
    return str(res.image_ref);
  }

  async imageStatus(image: ImageSpec): Promise<Image | undefined> {
    const res = await this.orUndefined(this.img('ImageStatus', { image: imageSpecToWire(image), verbose: false }));
    return res?.image ? imageFromWire(obj(res.image)) : undefined;
  }

  async listImages(filter?: ImageSpec): Promise<Image[]> {
    const res = await this.img('ListImages', { filter: filter ? { image: imageSpecToWire(filter) } : null });
    return (Array.isArray(res.images) ? res.images as Wire[] : []).map(imageFromWire);
  }

  async removeImage(image: ImageSpec): Promise<void> {
    await this.ignoreNotFound(this.img('RemoveImage', { image: imageSpecToWire(image) }));
  }

  async execSync(containerId: string, cmd: readonly string[], timeoutSeconds: number): Promise<ExecSyncResult> {
    const t = Math.max(0, Math.trunc(timeoutSeconds));
    const deadline = t > 0 ? t * 1000 + 10_000 : this.timeoutMs;
    const res = await this.rt('ExecSync', { container_id: containerId, cmd: [...cmd], timeout: String(t) }, deadline);
    return { stdout: toBuffer(res.stdout), stderr: toBuffer(res.stderr), exitCode: num(res.exit_code) };
  }

  async exec(req: StreamRequest): Promise<{ readonly url: string }> {
    const res = await this.rt('Exec', {
      container_id: req.containerId, cmd: [...(req.cmd ?? [])], tty: req.tty, stdin: req.stdin, stdout: req.stdout, stderr: req.stderr,
    });
    return { url: str(res.url) };
  }

  async attach(req: StreamRequest): Promise<{ readonly url: string }> {
    const res = await this.rt('Attach', { container_id: req.containerId, tty: req.tty, stdin: req.stdin, stdout: req.stdout, stderr: req.stderr });
    return { url: str(res.url) };
  }

  async portForward(sandboxId: string, ports: readonly number[]): Promise<{ readonly url: string }> {
    const res = await this.rt('PortForward', { pod_sandbox_id: sandboxId, port: [...ports] });
    return { url: str(res.url) };
  }

  async containerStats(containerId: string): Promise<ContainerStats | undefined> {
    try {
      const res = await this.orUndefined(this.rt('ContainerStats', { container_id: containerId }));
      return res?.stats ? containerStatsFromWire(obj(res.stats)) : undefined;
    } catch (err) {
      // containerd fails ContainerStats of a container without a running task ("unexpected metrics response: []"):
      // report such a container with no usage figures, like ListContainerStats does
      const st = await this.containerStatus(containerId).catch(() => undefined);
      if (!st || st.state === 'RUNNING') throw err;
      return { id: st.id, metadata: st.metadata, labels: st.labels };
    }
  }

  async listContainerStats(filter?: { readonly podSandboxId?: string; readonly labelSelector?: Readonly<Record<string, string>> }): Promise<ContainerStats[]> {
    const res = await this.rt('ListContainerStats', {
      filter: filter ? { id: '', pod_sandbox_id: filter.podSandboxId ?? '', label_selector: { ...filter.labelSelector } } : null,
    });
    return (Array.isArray(res.stats) ? res.stats as Wire[] : []).map(containerStatsFromWire);
  }

  async listPodSandboxStats(filter?: { readonly id?: string; readonly labelSelector?: Readonly<Record<string, string>> }): Promise<PodSandboxStats[]> {
    if (!this.podStatsUnimplemented) {
      try {
        const res = await this.rt('ListPodSandboxStats', { filter: filter ? { id: filter.id ?? '', label_selector: { ...filter.labelSelector } } : null });
        return (Array.isArray(res.stats) ? res.stats as Wire[] : []).map(podSandboxStatsFromWire);
      } catch (err) {
        if (isGrpcCode(err, GRPC_NOT_FOUND) && filter?.id) return [];
        if (!isGrpcCode(err, GRPC_UNIMPLEMENTED)) throw err;
        this.podStatsUnimplemented = true;
      }
    }
    const sandboxes = await this.listPodSandbox({ id: filter?.id, labelSelector: filter?.labelSelector });
    const ready = sandboxes.filter((s) => s.state === 'READY');
    if (ready.length === 0) return [];
    const all = await this.listContainerStats(ready.length === 1 ? { podSandboxId: ready[0].id } : undefined);
    const containers = await this.listContainers(ready.length === 1 ? { podSandboxId: ready[0].id } : undefined);
    const bySandbox = new Map(containers.map((c) => [c.id, c.podSandboxId]));
    return ready.map((s) => aggregatePodStats(s, all.filter((st) => bySandbox.get(st.id) === s.id)));
  }

  subscribeContainerEvents(listener: (e: ContainerEvent) => void): () => void {
    return this.poller.subscribe(listener);
  }
}

function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v);
  return typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0);
}

/** connectCri connects to a CRI endpoint and checks it answers Version (runtime API v1); rejects after `timeoutMs` (default 2 min). */
export async function connectCri(opts: CriOptions): Promise<CriRuntime> {
  const runtime = new CriRuntime(opts);
  try {
    await runtime.waitReady();
    const v = await runtime.version();
    if (v.runtimeApiVersion !== 'v1') throw new Error(`CRI runtime ${v.runtimeName} ${v.runtimeVersion} speaks ${v.runtimeApiVersion}, not v1`);
  } catch (err) {
    runtime.close();
    throw err;
  }
  return runtime;
}
