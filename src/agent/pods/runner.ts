/**
 * @module agent/pods/runner — the container steps of the pod workers, as the kubelet takes them:
 * (re)start a container — crash-loop back-off, keeping the previous exited instance (and
 * removing the one before), the image per pull policy (images.ts), the environment (env.ts),
 * the CRI config (container-config.ts), create, start, postStart hook, probe tracking — with
 * each failure turned into a waiting reason (ErrImagePull / ImagePullBackOff /
 * CreateContainerConfigError / CreateContainerError / RunContainerError, the start failure
 * itself reported as a terminated StartError instance) and kubelet's events; and stop a
 * container (preStop hook, then the rest of the grace period). Shared records live here too.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject } from '../../api/index.ts';
import { isStatusError, parseQuantity } from '../../api/index.ts';
import { RESOURCES } from '../../client/index.ts';
import type { ApiClient, Clock, EventRecorder, EventType, TimerHandle } from '../../client/index.ts';
import type { ContainerStatus, Mount, PodSandboxConfig, Runtime } from '../../runtime/index.ts';
import type { ProbeManager } from '../probes/index.ts';
import type { AdoptedPod } from './adoption.ts';
import { CONTAINER_HASH_ANNOTATION, containerConfig } from './container-config.ts';
import { resolveEnv } from './env.ts';
import { runHook } from './hooks.ts';
import type { HookResult } from './hooks.ts';
import { ImagePuller } from './images.ts';
import { TERMINATION_LOG_ANNOTATION, createTerminationLog, readTerminationMessage, writeHostsFile } from './pod-files.ts';

/** PodProbes is what the workers need of the probe manager (agent/probes ProbeManager; tests pass fakes). */
export type PodProbes = Pick<ProbeManager, 'track' | 'untrack' | 'untrackPod' | 'ready' | 'started' | 'livenessFailed'>;

/** Waiting is why a container has no running instance now (shown as its waiting state). */
export interface Waiting { reason: string; message: string; once?: boolean }

/** ContainerRec is the workers' record of one spec container of a pod. */
export interface ContainerRec {
  id?: string;
  restartCount: number;
  lastTerminated?: { containerId: string; status: ContainerStatus };
  /** previousId: the runtime ID of the kept exited instance (`logs --previous`). */
  previousId?: string;
  backoffUntil?: number;
  /** backoffMs / backoffAt: kubelet's crash back-off entry — the current delay and the finish time it was last raised at (none before the first restart). */
  backoffMs?: number;
  backoffAt?: number;
  imageId?: string;
  /** image: the spec image the current (or last) instance was made from, reported until a new one runs. */
  image?: string;
  waiting?: Waiting;
  /** retryAt: when a failed image/config/create step is tried again. */
  retryAt?: number;
  /** startFailed: the instance's end as reported when start failed and the runtime does not say EXITED. */
  startFailed?: ContainerStatus;
  /** terminationLog: the host path of the current instance's termination message file; termMsg: what it held once exited. */
  terminationLog?: string;
  termMsg?: string;
  /** probeKilled: the current instance was stopped for a failed liveness/startup probe (restarted unless restartPolicy is Never). */
  probeKilled?: boolean;
  /** hash: containerHash of the spec the current instance was made from; specChanged: it was stopped because the spec changed (restarted at once, whatever the policy). */
  hash?: string;
  specChanged?: boolean;
}

/** PodRec is the workers' record of one pod. */
export interface PodRec {
  readonly key: string;
  readonly uid: string;
  pod: JsonObject;
  sandboxId?: string;
  sandboxConfig?: PodSandboxConfig;
  sandboxAttempt: number;
  /** sandboxLost: the runtime no longer reports the sandbox ready (relistSandboxes); oldSandboxes: replaced ones, removed with the pod. */
  sandboxLost?: boolean;
  oldSandboxes?: string[];
  ips: string[];
  readonly containers: Map<string, ContainerRec>;
  mounts?: ReadonlyMap<string, readonly Mount[]>;
  mountFailure?: { message: string; retryMs: number };
  adopted?: AdoptedPod;
  status?: JsonObject;
  written?: string;
  terminal: boolean;
  killed: boolean;
  finalDeleteSent: boolean;
  removed: boolean;
  busy: boolean;
  dirty: boolean;
  timer?: TimerHandle;
  timerAt?: number;
  writtenOver?: string;
  reportedAt?: number;
  writtenAs?: string;
}

/** RunnerHost is what the runner needs of the workers. */
export interface RunnerHost {
  readonly client: ApiClient;
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly hostIp: string;
  readonly events?: EventRecorder;
  readonly probes?: PodProbes;
  readonly podLogsDir?: string;
  /** podsDir: `<dataDir>/pods`, where the managed /etc/hosts and termination message files live (none without it). */
  readonly podsDir?: string;
  readonly clusterDomain?: string;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  /** real: resolve env through the API and set linux resources/security (real nodes). */
  readonly real: boolean;
  runtimeName(): string;
  after(rec: PodRec, at: number): void;
  bind(containerId: string, rec: PodRec | undefined): void;
  markStarted(containerId: string, startedAt: number | undefined): void;
  /** node: the node's allocatable (cpu cores, memory bytes) and memory capacity. */
  node(): Promise<{ allocatable: Record<string, number>; memoryCapacity?: number }>;
}

/** nodeFacts reads the node's allocatable resources and memory capacity from its Node object (downward-API defaults, oom_score_adj). */
export async function nodeFacts(client: ApiClient, nodeName: string): Promise<{ allocatable: Record<string, number>; memoryCapacity?: number }> {
  const n = await client.get(RESOURCES.nodes, '', nodeName);
  const alloc: Record<string, number> = {};
  for (const [k, v] of Object.entries((n.status?.allocatable ?? {}) as Record<string, unknown>)) { const q = parseQuantity(v); if (q !== undefined) alloc[k] = q; }
  const mem = parseQuantity(n.status?.capacity?.memory);
  return { allocatable: alloc, ...(mem !== undefined ? { memoryCapacity: mem } : {}) };
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** ContainerRunner starts and stops the containers of pods. */
export class ContainerRunner {
  readonly #h: RunnerHost;
  readonly puller: ImagePuller;

  constructor(h: RunnerHost) {
    this.#h = h;
    this.puller = new ImagePuller({ runtime: h.runtime, clock: h.clock, backoff: h.backoff });
  }

  /** event records a kubelet event about the pod (when a recorder is configured). */
  event(rec: PodRec, type: EventType, reason: string, message: string): void {
    if (this.#h.events) void this.#h.events.event(rec.pod, 'v1', 'Pod', type, reason, message);
  }

  #podRef(rec: PodRec): string {
    const m = rec.pod.metadata ?? {};
    return `${String(m.name)}_${String(m.namespace)}(${rec.uid})`;
  }

  /** wait records why the container waits and re-syncs at `retryAt`; `gate` skips the step until then (image pulls are gated by their own back-off). */
  #wait(rec: PodRec, cr: ContainerRec, w: Waiting, retryAt: number, gate = true): void {
    cr.waiting = w;
    if (gate) cr.retryAt = retryAt;
    this.#h.after(rec, retryAt);
  }

  async #pullSecrets(pod: JsonObject): Promise<JsonObject[]> {
    const out: JsonObject[] = [];
    if (!this.#h.real) return out;
    for (const ref of (pod.spec?.imagePullSecrets ?? []) as JsonObject[]) {
      try {
        out.push(await this.#h.client.get(RESOURCES.secrets, String(pod.metadata?.namespace), String(ref.name)));
      } catch (e) { if (!isStatusError(e, 404)) throw e; }
    }
    return out;
  }

  /** startOrRestart creates and starts a container, replacing an exited instance after its back-off. */
  async startOrRestart(rec: PodRec, c: JsonObject, prev: ContainerStatus | undefined, now: number, restart: boolean): Promise<void> {
    const h = this.#h;
    const name = String(c.name);
    let cr = rec.containers.get(name);
    if (!cr) { cr = { restartCount: 0 }; rec.containers.set(name, cr); }
    if (restart && prev && cr.id) {
      // As the kubelet: the first restart is immediate; later ones wait the current delay from the
      // instance's finish (10 s, doubling up to the maximum); an entry untouched for twice the maximum resets.
      const finished = prev.finishedAt || now;
      const fresh = cr.backoffMs === undefined || finished - (cr.backoffAt ?? 0) > 2 * h.backoff.maxMs;
      if (cr.specChanged) cr.backoffUntil = now; // as the kubelet: a changed definition is no crash
      if (cr.backoffUntil === undefined) {
        cr.backoffUntil = fresh ? now : finished + cr.backoffMs!;
        if (now < cr.backoffUntil) this.event(rec, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${this.#podRef(rec)}`);
      }
      if (cr.waiting && !cr.waiting.once) cr.waiting = undefined;
      if (now < cr.backoffUntil) { h.after(rec, cr.backoffUntil); return; }
      if (!cr.specChanged) {
        cr.backoffMs = fresh ? h.backoff.baseMs : Math.min(h.backoff.maxMs, 2 * cr.backoffMs!);
        cr.backoffAt = finished;
      }
      cr.specChanged = undefined;
      if (cr.previousId) { h.bind(cr.previousId, undefined); await h.runtime.removeContainer(cr.previousId); }
      cr.previousId = cr.id;
      cr.lastTerminated = { containerId: `${h.runtimeName()}://${cr.id}`, status: prev };
      h.bind(cr.id, undefined);
      h.markStarted(cr.id, undefined);
      h.probes?.untrack(cr.id);
      cr.id = undefined;
      cr.backoffUntil = undefined;
      cr.startFailed = undefined;
      cr.waiting = undefined;
      cr.terminationLog = undefined;
      cr.termMsg = undefined;
      cr.probeKilled = undefined;
      cr.restartCount++;
    }
    if (cr.retryAt !== undefined && now < cr.retryAt) { h.after(rec, cr.retryAt); return; }
    cr.retryAt = undefined;
    const image = String(c.image ?? '');
    const pull = await this.puller.ensure(rec.uid, c, await this.#pullSecrets(rec.pod), rec.sandboxConfig, (t, r, m) => { this.event(rec, t, r, m); });
    if (!pull.ok) {
      this.#wait(rec, cr, { reason: pull.reason, message: pull.message }, this.puller.backoffUntil(rec.uid, image) ?? now + h.backoff.baseMs, false);
      return;
    }
    const node = h.real ? await h.node() : undefined;
    const env = await resolveEnv(rec.pod, c, {
      ...(h.real ? { client: h.client } : {}), podIps: rec.ips, hostIps: [h.hostIp],
      allocatable: async () => node?.allocatable ?? {},
    });
    if (!env.ok) {
      this.event(rec, 'Warning', 'Failed', `Error: ${env.message}`);
      this.#wait(rec, cr, { reason: 'CreateContainerConfigError', message: env.message }, now + h.backoff.baseMs);
      return;
    }
    for (const s of env.skipped) this.event(rec, 'Warning', 'InvalidEnvironmentVariableNames', s);
    const mounts = [...(rec.mounts?.get(name) ?? [])];
    let termLog: string | undefined;
    if (h.podsDir !== undefined) {
      const hosts = mounts.some((m) => m.containerPath === '/etc/hosts') ? undefined : await writeHostsFile(h.podsDir, rec.pod, rec.ips, h.clusterDomain);
      if (hosts) mounts.push(hosts);
      const tmp = String(c.terminationMessagePath ?? '/dev/termination-log');
      if (tmp && !mounts.some((m) => m.containerPath === tmp)) {
        termLog = await createTerminationLog(h.podsDir, rec.uid, name);
        mounts.push({ containerPath: tmp, hostPath: termLog, readonly: false });
      }
    }
    const target = typeof c.targetContainerName === 'string' ? rec.containers.get(c.targetContainerName)?.id : undefined;
    const base = containerConfig({
      pod: rec.pod, container: c, restartCount: cr.restartCount, envs: env.envs, mounts, linux: h.real, ...(target ? { targetContainerId: target } : {}),
      ...(node?.memoryCapacity !== undefined ? { memoryCapacity: node.memoryCapacity } : {}),
    });
    const config = termLog ? { ...base, annotations: { ...base.annotations, [TERMINATION_LOG_ANNOTATION]: termLog } } : base;
    const logDir = rec.sandboxConfig?.logDirectory;
    if (logDir) await mkdir(join(logDir, name), { recursive: true });
    let id: string;
    try {
      id = await h.runtime.createContainer(rec.sandboxId!, config, rec.sandboxConfig!);
    } catch (e) {
      this.event(rec, 'Warning', 'Failed', `Error: ${errText(e)}`);
      this.#wait(rec, cr, { reason: 'CreateContainerError', message: errText(e) }, now + h.backoff.baseMs);
      return;
    }
    cr.waiting = undefined;
    cr.id = id;
    const imageChanged = cr.image !== image;
    cr.image = image;
    cr.hash = config.annotations?.[CONTAINER_HASH_ANNOTATION];
    cr.terminationLog = termLog;
    cr.termMsg = undefined;
    h.bind(id, rec);
    this.event(rec, 'Normal', 'Created', `Created container: ${name}`);
    if (cr.imageId === undefined || imageChanged) {
      const img = await h.runtime.imageStatus(config.image);
      cr.imageId = img?.repoDigests[0] ?? img?.id ?? '';
    }
    try {
      await h.runtime.startContainer(id);
    } catch (e) {
      const message = errText(e);
      this.event(rec, 'Warning', 'Failed', `Error: ${message}`);
      const st = await h.runtime.containerStatus(id);
      if (st?.state !== 'EXITED') {
        const at = h.clock.now();
        cr.startFailed = {
          id, podSandboxId: rec.sandboxId!, metadata: config.metadata, image: config.image, imageRef: st?.imageRef ?? '', createdAt: st?.createdAt ?? at,
          labels: config.labels ?? {}, annotations: config.annotations ?? {}, state: 'EXITED', startedAt: 0, finishedAt: at, exitCode: 128, reason: 'StartError', message,
        };
      }
      cr.waiting = { reason: 'RunContainerError', message, once: true };
      return;
    }
    this.event(rec, 'Normal', 'Started', `Started container ${name}`);
    const st = await h.runtime.containerStatus(id);
    const startedAt = st?.state === 'RUNNING' ? st.startedAt : h.clock.now();
    if (st?.state === 'RUNNING') h.markStarted(id, st.startedAt);
    const post = c.lifecycle?.postStart as JsonObject | undefined;
    if (post) {
      const r = await runHook(post, { runtime: h.runtime, clock: h.clock, containerId: id, container: c, podIp: rec.ips[0] ?? '', timeoutSeconds: 30 });
      if (!r.ok) {
        this.event(rec, 'Warning', 'FailedPostStartHook', r.message);
        await this.stop(rec, c, cr, Number(rec.pod.spec?.terminationGracePeriodSeconds ?? 30), `FailedPostStartHook`);
        return;
      }
    }
    h.probes?.track(rec.key, rec.pod, c, id, rec.ips[0] ?? '', startedAt);
  }

  /** statusOf is the runtime's status of the container's current instance (a failed start reads as its StartError end; an exited one carries its termination message). */
  async statusOf(rec: PodRec, cr: ContainerRec | undefined, c: JsonObject): Promise<ContainerStatus | undefined> {
    if (!cr?.id) return undefined;
    const st = await this.#h.runtime.containerStatus(cr.id);
    if (cr.startFailed && st?.state !== 'EXITED') return cr.startFailed;
    if (st?.state !== 'EXITED' || this.#h.podsDir === undefined || st.message) return st;
    if (cr.termMsg === undefined) {
      const logDir = rec.sandboxConfig?.logDirectory;
      const logFile = st.logPath || (logDir ? join(logDir, String(c.name), `${String(st.metadata.attempt)}.log`) : undefined);
      cr.termMsg = await readTerminationMessage(cr.terminationLog, String(c.terminationMessagePolicy ?? 'File'), st.exitCode, logFile);
    }
    return cr.termMsg ? { ...st, message: cr.termMsg } : st;
  }

  /** stop stops a container's current instance: its preStop hook first (when running and grace > 0), then the rest of the grace period (at least 2 s). */
  async stop(rec: PodRec, c: JsonObject | undefined, cr: ContainerRec, grace: number, message?: string): Promise<void> {
    const h = this.#h;
    const id = cr.id;
    if (!id) return;
    h.probes?.untrack(id);
    const st = await h.runtime.containerStatus(id);
    if (!st || st.state === 'EXITED') return;
    let g = Math.max(0, Math.floor(grace));
    const pre = c?.lifecycle?.preStop as JsonObject | undefined;
    const name = String(c?.name ?? st.metadata.name);
    this.event(rec, 'Normal', 'Killing', message ?? `Stopping container ${name}`);
    if (pre && st.state === 'RUNNING' && g > 0) {
      const t0 = h.clock.now();
      const ac = new AbortController();
      const r = await Promise.race<HookResult | undefined>([
        runHook(pre, { runtime: h.runtime, clock: h.clock, containerId: id, container: c!, podIp: rec.ips[0] ?? '', timeoutSeconds: g }),
        h.clock.sleep(g * 1000, ac.signal).then(() => undefined),
      ]);
      ac.abort();
      if (r && !r.ok) this.event(rec, 'Warning', 'FailedPreStopHook', r.message);
      g = Math.max(2, g - Math.floor((h.clock.now() - t0) / 1000));
    }
    await h.runtime.stopContainer(id, g);
  }
}
