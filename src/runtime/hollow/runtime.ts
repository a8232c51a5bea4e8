/**
 * @module runtime/hollow/runtime — the in-memory Runtime of hollow nodes (`windlass sim`, tests):
 * sandboxes get the next free address of the node's pod CIDR, images "pull" at once, containers
 * start at once (or after an injectable delay) and then run until stopped.
 *
 * Exit convention: a container whose `command` — or, when `command` is empty, whose `args` —
 * is `["hollow-exit", "<code>"]` or `["hollow-exit", "<code>", "<seconds>"]` exits with that code
 * `<seconds>` (default 0) after it started, so Jobs complete and crash loops can be simulated.
 * A stopped container exits 0 (graceful, `timeoutSeconds` > 0) or 137 (killed, timeout 0).
 * Each pod costs a few small objects: no processes, no files.
 */
import { createHash } from 'node:crypto';
import type {
  Container, ContainerConfig, ContainerEvent, ContainerEventType, ContainerFilter, ContainerStats, ContainerStatus, ExecSyncResult, Image, ImageSpec,
  PodSandbox, PodSandboxConfig, PodSandboxFilter, PodSandboxStats, PodSandboxStatus, Runtime, RuntimeCondition, RuntimeVersion, StreamRequest,
} from '../types.ts';
import { Ipv4Pool } from './ipam.ts';

/** HollowTimers is the part of a clock the hollow runtime uses (the client's Clock fits). */
export interface HollowTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): object;
  clearTimeout(handle: object): void;
}

/** HollowRuntimeOptions: the node's pod CIDR (or a function read at the first sandbox), its IP, a clock and delays. */
export interface HollowRuntimeOptions {
  readonly podCidr: string | (() => string | Promise<string>);
  /** hostIp: the address of hostNetwork sandboxes (default 127.0.0.1). */
  readonly hostIp?: string;
  readonly clock: HollowTimers;
  /** startDelayMs: how long startContainer takes (default 0: it returns with the container running). */
  readonly startDelayMs?: number | ((config: ContainerConfig) => number);
  /** idPrefix starts every sandbox and container ID (unique per node; default random). */
  readonly idPrefix?: string;
}

/** HOLLOW_EXIT is the first word of the exit-convention command. */
export const HOLLOW_EXIT = 'hollow-exit';

/** exitPlan reads the exit convention from a container config: code and delay, or undefined (runs forever). */
export function exitPlan(config: Pick<ContainerConfig, 'command' | 'args'>): { code: number; afterMs: number } | undefined {
  const words = config.command !== undefined && config.command.length > 0 ? config.command : (config.args ?? []);
  if (words[0] !== HOLLOW_EXIT) return undefined;
  const code = Number(words[1] ?? '0');
  const after = Number(words[2] ?? '0');
  return { code: Number.isInteger(code) ? code : 1, afterMs: Number.isFinite(after) && after > 0 ? after * 1000 : 0 };
}

interface SandboxRec {
  readonly id: string;
  readonly config: PodSandboxConfig;
  state: PodSandbox['state'];
  readonly createdAt: number;
  readonly ip: string;
  readonly pooled: boolean;
}

interface ContainerRec {
  readonly id: string;
  readonly sandboxId: string;
  readonly config: ContainerConfig;
  readonly imageRef: string;
  state: Container['state'];
  readonly createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  timer?: object;
}

const matchesLabels = (want: Readonly<Record<string, string>> | undefined, have: Readonly<Record<string, string>> | undefined): boolean =>
  want === undefined || Object.entries(want).every(([k, v]) => have?.[k] === v);

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** HollowRuntime is the in-memory Runtime of one hollow node. */
export class HollowRuntime implements Runtime {
  readonly #opts: HollowRuntimeOptions;
  readonly #sandboxes = new Map<string, SandboxRec>();
  readonly #containers = new Map<string, ContainerRec>();
  readonly #images = new Map<string, Image>();
  readonly #listeners = new Set<(e: ContainerEvent) => void>();
  readonly #prefix: string;
  #pool: Ipv4Pool | undefined;
  #seq = 0;

  constructor(opts: HollowRuntimeOptions) {
    this.#opts = opts;
    this.#prefix = opts.idPrefix ?? Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');
  }

  #id(): string { return `${this.#prefix}${(++this.#seq).toString(16).padStart(8, '0')}`; }

  #emit(c: ContainerRec, type: ContainerEventType): void {
    const e: ContainerEvent = { containerId: c.id, podSandboxId: c.sandboxId, type, createdAt: this.#opts.clock.now() };
    for (const l of this.#listeners) l(e);
  }

  async version(): Promise<RuntimeVersion> {
    return { version: '0.1.0', runtimeName: 'hollow', runtimeVersion: '0.1.0', runtimeApiVersion: 'v1' };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    let ip: string;
    if (config.hostNetwork === true) {
      ip = this.#opts.hostIp ?? '127.0.0.1';
    } else {
      if (!this.#pool) {
        const cidr = typeof this.#opts.podCidr === 'function' ? await this.#opts.podCidr() : this.#opts.podCidr;
        this.#pool ??= new Ipv4Pool(cidr);
      }
      const got = this.#pool.allocate();
      if (got === undefined) throw new Error(`hollow runtime: no free address left in pod CIDR ${this.#pool.cidr}`);
      ip = got;
    }
    const id = this.#id();
    this.#sandboxes.set(id, { id, config, state: 'READY', createdAt: this.#opts.clock.now(), ip, pooled: config.hostNetwork !== true });
    return id;
  }

  async stopPodSandbox(sandboxId: string): Promise<void> {
    const s = this.#sandboxes.get(sandboxId);
    if (!s) return;
    for (const c of this.#containers.values()) if (c.sandboxId === sandboxId) this.#exit(c, 137, 'Error');
    s.state = 'NOTREADY';
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    const s = this.#sandboxes.get(sandboxId);
    if (!s) return;
    await this.stopPodSandbox(sandboxId);
    for (const c of [...this.#containers.values()]) if (c.sandboxId === sandboxId) await this.removeContainer(c.id);
    if (s.pooled) this.#pool?.release(s.ip);
    this.#sandboxes.delete(sandboxId);
  }

  #sandboxView(s: SandboxRec): PodSandbox {
    return {
      id: s.id, metadata: s.config.metadata, state: s.state, createdAt: s.createdAt,
      labels: s.config.labels ?? NO_LABELS, annotations: s.config.annotations ?? NO_LABELS, runtimeHandler: s.config.runtimeHandler ?? '',
    };
  }

  async podSandboxStatus(sandboxId: string): Promise<PodSandboxStatus | undefined> {
    const s = this.#sandboxes.get(sandboxId);
    return s && { ...this.#sandboxView(s), network: { ip: s.state === 'READY' ? s.ip : '', additionalIps: [] } };
  }

  async listPodSandbox(filter: PodSandboxFilter = {}): Promise<PodSandbox[]> {
    const out: PodSandbox[] = [];
    for (const s of this.#sandboxes.values()) {
      if (filter.id !== undefined && s.id !== filter.id) continue;
      if (filter.state !== undefined && s.state !== filter.state) continue;
      if (!matchesLabels(filter.labelSelector, s.config.labels)) continue;
      out.push(this.#sandboxView(s));
    }
    return out;
  }

  async createContainer(sandboxId: string, config: ContainerConfig, _sandboxConfig: PodSandboxConfig): Promise<string> {
    const s = this.#sandboxes.get(sandboxId);
    if (!s || s.state !== 'READY') throw new Error(`hollow runtime: sandbox ${sandboxId} is not ready`);
    const imageRef = await this.pullImage(config.image);
    const id = this.#id();
    const c: ContainerRec = { id, sandboxId, config, imageRef, state: 'CREATED', createdAt: this.#opts.clock.now(), startedAt: 0, finishedAt: 0, exitCode: 0, reason: '' };
    this.#containers.set(id, c);
    this.#emit(c, 'CREATED');
    return id;
  }

  async startContainer(containerId: string): Promise<void> {
    const c = this.#containers.get(containerId);
    if (!c || c.state !== 'CREATED') throw new Error(`hollow runtime: container ${containerId} cannot be started (${c?.state ?? 'not found'})`);
    const d = this.#opts.startDelayMs;
    const delay = typeof d === 'function' ? d(c.config) : (d ?? 0);
    if (delay > 0) await new Promise<void>((res) => { this.#opts.clock.setTimeout(res, delay); });
    if (c.state !== 'CREATED' || !this.#containers.has(containerId)) return;
    c.state = 'RUNNING';
    c.startedAt = this.#opts.clock.now();
    this.#emit(c, 'STARTED');
    const plan = exitPlan(c.config);
    if (plan) c.timer = this.#opts.clock.setTimeout(() => { c.timer = undefined; this.#exit(c, plan.code, plan.code === 0 ? 'Completed' : 'Error'); }, plan.afterMs);
  }

  #exit(c: ContainerRec, code: number, reason: string): void {
    if (c.timer) { this.#opts.clock.clearTimeout(c.timer); c.timer = undefined; }
    if (c.state === 'EXITED') return;
    const wasCreated = c.state === 'CREATED';
    c.state = 'EXITED';
    c.exitCode = wasCreated ? 0 : code;
    c.reason = wasCreated ? 'ContainerCannotRun' : reason;
    c.finishedAt = this.#opts.clock.now();
    this.#emit(c, 'STOPPED');
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    const c = this.#containers.get(containerId);
    if (c) this.#exit(c, timeoutSeconds > 0 ? 0 : 137, timeoutSeconds > 0 ? 'Completed' : 'Error');
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = this.#containers.get(containerId);
    if (!c) return;
    if (c.timer) this.#opts.clock.clearTimeout(c.timer);
    this.#containers.delete(containerId);
    this.#emit(c, 'DELETED');
  }

  #containerView(c: ContainerRec): Container {
    return {
      id: c.id, podSandboxId: c.sandboxId, metadata: c.config.metadata, image: c.config.image, imageRef: c.imageRef, state: c.state,
      createdAt: c.createdAt, labels: c.config.labels ?? NO_LABELS, annotations: c.config.annotations ?? NO_LABELS,
    };
  }

  async containerStatus(containerId: string): Promise<ContainerStatus | undefined> {
    const c = this.#containers.get(containerId);
    return c && { ...this.#containerView(c), startedAt: c.startedAt, finishedAt: c.finishedAt, exitCode: c.exitCode, reason: c.reason, message: '' };
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    const out: Container[] = [];
    for (const c of this.#containers.values()) {
      if (filter.id !== undefined && c.id !== filter.id) continue;
      if (filter.state !== undefined && c.state !== filter.state) continue;
      if (filter.podSandboxId !== undefined && c.sandboxId !== filter.podSandboxId) continue;
      if (!matchesLabels(filter.labelSelector, c.config.labels)) continue;
      out.push(this.#containerView(c));
    }
    return out;
  }

  async pullImage(image: ImageSpec): Promise<string> {
    let img = this.#images.get(image.image);
    if (!img) {
      const id = `sha256:${createHash('sha256').update(image.image).digest('hex')}`;
      const repo = image.image.replace(/[:@][^/]*$/, '');
      img = { id, repoTags: [image.image], repoDigests: [`${repo}@${id}`], size: 1024 * 1024, pinned: false };
      this.#images.set(image.image, img);
    }
    return img.id;
  }

  async imageStatus(image: ImageSpec): Promise<Image | undefined> {
    return this.#images.get(image.image) ?? [...this.#images.values()].find((i) => i.id === image.image);
  }

  async listImages(filter?: ImageSpec): Promise<Image[]> {
    const all = [...this.#images.values()];
    return filter?.image ? all.filter((i) => i.repoTags.includes(filter.image) || i.id === filter.image) : all;
  }

  async removeImage(image: ImageSpec): Promise<void> {
    this.#images.delete(image.image);
  }

  async status(): Promise<readonly RuntimeCondition[]> {
    return [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }];
  }

  async updatePodCidr(_cidr: string): Promise<void> { /* the pool is fixed at construction */ }

  /** execSync: hollow containers run no processes; every command "succeeds" with no output when the container runs. */
  async execSync(containerId: string, _cmd: readonly string[], _timeoutSeconds: number): Promise<ExecSyncResult> {
    const c = this.#containers.get(containerId);
    return { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: c?.state === 'RUNNING' ? 0 : 1 };
  }

  /** exec / attach / portForward: hollow pods have no streaming server. */
  async exec(_req: StreamRequest): Promise<{ readonly url: string }> { throw new Error('hollow runtime has no streaming server'); }

  async attach(_req: StreamRequest): Promise<{ readonly url: string }> { throw new Error('hollow runtime has no streaming server'); }

  async portForward(_sandboxId: string, _ports: readonly number[]): Promise<{ readonly url: string }> { throw new Error('hollow runtime has no streaming server'); }

  /** containerStats: hollow containers use nothing (zero usage, so the metrics pipeline still has rows). */
  async containerStats(containerId: string): Promise<ContainerStats | undefined> {
    const c = this.#containers.get(containerId);
    if (!c) return undefined;
    const timestamp = this.#opts.clock.now();
    return { id: c.id, metadata: c.config.metadata, labels: c.config.labels ?? {}, cpu: { timestamp, usageCoreNanoSeconds: 0, usageNanoCores: 0 }, memory: { timestamp, workingSetBytes: 0, usageBytes: 0 } };
  }

  async listContainerStats(filter: { readonly podSandboxId?: string; readonly labelSelector?: Readonly<Record<string, string>> } = {}): Promise<ContainerStats[]> {
    const out: ContainerStats[] = [];
    for (const c of await this.listContainers(filter)) { const s = await this.containerStats(c.id); if (s) out.push(s); }
    return out;
  }

  async listPodSandboxStats(filter: { readonly id?: string; readonly labelSelector?: Readonly<Record<string, string>> } = {}): Promise<PodSandboxStats[]> {
    const out: PodSandboxStats[] = [];
    for (const s of await this.listPodSandbox(filter)) {
      out.push({ id: s.id, metadata: s.metadata, labels: s.labels, containers: await this.listContainerStats({ podSandboxId: s.id }) });
    }
    return out;
  }

  subscribeContainerEvents(listener: (e: ContainerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  /** close cancels pending exit timers (the node is going away). */
  close(): void {
    for (const c of this.#containers.values()) if (c.timer) { this.#opts.clock.clearTimeout(c.timer); c.timer = undefined; }
    this.#listeners.clear();
  }
}
