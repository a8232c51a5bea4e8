/**
 * @module agent/pods/worker — the pod workers of one node, shared by real and hollow nodes: given
 * the pods bound to the node (fed by an informer), each pod is synced one step at a time, never
 * two steps of one pod at once: create the sandbox, run init containers in order, start the app
 * containers, restart exited ones per restartPolicy (with kubelet's crash-loop back-off), compute
 * the status (status.ts) and PATCH it only when it changed. A pod with a deletionTimestamp has
 * its containers stopped within its grace period, its final status written, and is then deleted
 * with gracePeriodSeconds 0 and a uid precondition (the kubelet's final delete); a pod gone from
 * the API has its sandbox torn down. Runtime container events (CRI GetContainerEvents) and
 * clock timers (readiness delays, back-off) trigger re-syncs; there is no periodic relist.
 */
import { createHash } from 'node:crypto';
import { isStatusError } from '../../api/index.ts';
import type { JsonObject } from '../../api/index.ts';
import { RESOURCES, objectKey } from '../../client/index.ts';
import type { ApiClient, Clock, TimerHandle } from '../../client/index.ts';
import type { ContainerConfig, ContainerStatus, PodSandboxConfig, Runtime } from '../../runtime/index.ts';
import { computePodStatus, isSidecar, readyAt } from './status.ts';
import type { ContainerView } from './status.ts';

/** PodWorkersOptions: the API client, the node's runtime, name, host IP and clock. */
export interface PodWorkersOptions {
  readonly client: ApiClient;
  readonly runtime: Runtime;
  readonly nodeName: string;
  readonly hostIp: string;
  readonly clock: Clock;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** backoff: crash-loop back-off base and cap in ms (kubelet: 10 s, 300 s). */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
}

interface ContainerRec {
  id?: string;
  restartCount: number;
  lastTerminated?: { containerId: string; status: ContainerStatus };
  backoffUntil?: number;
  imageId?: string;
}

interface PodRec {
  readonly key: string;
  readonly uid: string;
  pod: JsonObject;
  sandboxId?: string;
  sandboxConfig?: PodSandboxConfig;
  ips: string[];
  readonly containers: Map<string, ContainerRec>;
  /** status: the last computed status, slimmed to what the next computation reads (phase, conditions, startTime, podIPs). */
  status?: JsonObject;
  /** written: a digest of the last status written (kept small: thousands of pods per process). */
  written?: string;
  terminal: boolean;
  killed: boolean;
  finalDeleteSent: boolean;
  removed: boolean;
  busy: boolean;
  dirty: boolean;
  timer?: TimerHandle;
  timerAt?: number;
  /** writtenOver / writtenAs: the resourceVersion the last status write replaced, and the one it produced. */
  writtenOver?: string;
  /** reportedAt is the clock time the last status was computed at. */
  reportedAt?: number;
  writtenAs?: string;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

/** PodWorkers syncs the pods of one node with its runtime and reports their status. */
export class PodWorkers {
  readonly #o: PodWorkersOptions;
  readonly #pods = new Map<string, PodRec>();
  readonly #byContainer = new Map<string, PodRec>();
  readonly #unsubscribe: () => void;
  readonly #idleWaiters: (() => void)[] = [];
  #runtimeName = '';
  #inFlight = 0;
  #stopped = false;

  constructor(opts: PodWorkersOptions) {
    this.#o = opts;
    this.#unsubscribe = opts.runtime.subscribeContainerEvents((e) => {
      const rec = this.#byContainer.get(e.containerId);
      if (rec) this.#kick(rec);
    });
  }

  /** size is the number of pods this node is working on. */
  get size(): number { return this.#pods.size; }

  /** update hands the worker the latest state of a pod bound to this node. */
  update(pod: JsonObject): void {
    if (this.#stopped) return;
    const key = objectKey(pod);
    const uid = String(pod.metadata?.uid ?? '');
    let rec = this.#pods.get(key);
    if (rec && rec.uid !== uid) {
      this.#remove(rec);
      rec = undefined;
    }
    if (!rec) {
      rec = { key, uid, pod, ips: [], containers: new Map(), terminal: TERMINAL.has(String(pod.status?.phase)), killed: false, finalDeleteSent: false, removed: false, busy: false, dirty: false };
      this.#pods.set(key, rec);
    }
    rec.pod = pod;
    this.#kick(rec);
  }

  /** remove tells the worker a pod is gone from the API: its sandbox is torn down. */
  remove(pod: JsonObject): void {
    const rec = this.#pods.get(objectKey(pod));
    if (rec && rec.uid === String(pod.metadata?.uid ?? '')) this.#remove(rec);
  }

  #remove(rec: PodRec): void {
    rec.removed = true;
    this.#pods.delete(rec.key);
    this.#kick(rec);
  }

  /** idle resolves once no pod sync is running or queued (tests). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((res) => { this.#idleWaiters.push(res); });
  }

  /** stop ends event handling and timers; sandboxes are left as they are (a restarted agent adopts nothing yet). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    for (const rec of this.#pods.values()) if (rec.timer) this.#o.clock.clearTimeout(rec.timer);
    await this.idle();
  }

  #kick(rec: PodRec): void {
    if (this.#stopped && !rec.removed) return;
    if (rec.busy) { rec.dirty = true; return; }
    rec.busy = true;
    this.#inFlight++;
    void this.#run(rec);
  }

  async #run(rec: PodRec): Promise<void> {
    try {
      do {
        rec.dirty = false;
        try {
          await this.#sync(rec);
        } catch (e) {
          this.#o.log?.('pod sync failed', { node: this.#o.nodeName, pod: rec.key, error: (e as Error).message });
          this.#after(rec, this.#o.clock.now() + 5000);
        }
      } while (rec.dirty && !this.#stopped);
    } finally {
      rec.busy = false;
      if (--this.#inFlight === 0) for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  /** after schedules a re-sync of the pod at `at` (keeping the earliest pending one). */
  #after(rec: PodRec, at: number): void {
    if (this.#stopped || rec.removed) return;
    if (rec.timer && rec.timerAt !== undefined && rec.timerAt <= at) return;
    if (rec.timer) this.#o.clock.clearTimeout(rec.timer);
    rec.timerAt = at;
    rec.timer = this.#o.clock.setTimeout(() => { rec.timer = undefined; rec.timerAt = undefined; this.#kick(rec); }, at - this.#o.clock.now());
  }

  async #sync(rec: PodRec): Promise<void> {
    if (rec.removed) { await this.#teardown(rec); return; }
    const pod = rec.pod;
    if (pod.metadata?.deletionTimestamp) {
      const grace = Number(pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
      await this.#kill(rec, grace);
      await this.#report(rec);
      if (!rec.finalDeleteSent) {
        rec.finalDeleteSent = true;
        try {
          await this.#o.client.delete(RESOURCES.pods, String(pod.metadata.namespace), String(pod.metadata.name), { gracePeriodSeconds: 0, preconditions: { uid: rec.uid } });
        } catch (e) {
          if (!isStatusError(e, 404) && !isStatusError(e, 409)) { rec.finalDeleteSent = false; throw e; }
        }
      }
      return;
    }
    if (rec.terminal) { await this.#kill(rec, 0); await this.#report(rec); return; }
    if (!this.#runtimeName) this.#runtimeName = (await this.#o.runtime.version()).runtimeName;
    await this.#ensureSandbox(rec);
    const now = this.#o.clock.now();
    const initSpecs = (pod.spec?.initContainers ?? []) as JsonObject[];
    const policy = String(pod.spec?.restartPolicy ?? 'Always');
    let initDone = true;
    for (const c of initSpecs) {
      const st = await this.#statusOf(rec, c);
      if (isSidecar(c)) {
        if (!st || (st.state === 'EXITED')) { await this.#startOrRestart(rec, c, st, now, true); initDone = false; break; }
        if (st.state !== 'RUNNING') { initDone = false; break; }
        continue;
      }
      if (st?.state === 'EXITED' && st.exitCode === 0) continue;
      initDone = false;
      if (!st) await this.#startOrRestart(rec, c, st, now, false);
      else if (st.state === 'EXITED' && policy !== 'Never') await this.#startOrRestart(rec, c, st, now, true);
      break;
    }
    if (initDone) {
      for (const c of (pod.spec?.containers ?? []) as JsonObject[]) {
        const st = await this.#statusOf(rec, c);
        if (!st) await this.#startOrRestart(rec, c, st, now, false);
        else if (st.state === 'EXITED' && (policy === 'Always' || (policy === 'OnFailure' && st.exitCode !== 0))) await this.#startOrRestart(rec, c, st, now, true);
      }
    }
    const status = await this.#report(rec);
    if (TERMINAL.has(String(status.phase))) { rec.terminal = true; await this.#kill(rec, 0); return; }
    this.#scheduleReadiness(rec);
  }

  #scheduleReadiness(rec: PodRec): void {
    // Judge against the time the status was computed at: a timer may fire a millisecond before the
    // wall clock reaches its due time, and a later `now` would then skip the one re-sync still needed.
    const now = rec.reportedAt ?? this.#o.clock.now();
    const specs = [...(rec.pod.spec?.initContainers ?? []), ...(rec.pod.spec?.containers ?? [])] as JsonObject[];
    let next = Infinity;
    for (const c of specs) {
      const cr = rec.containers.get(String(c.name));
      if (cr?.backoffUntil !== undefined && cr.backoffUntil > now) next = Math.min(next, cr.backoffUntil);
      const startedAt = this.#startedAt.get(cr?.id ?? '');
      if (startedAt !== undefined) { const at = readyAt(c, startedAt); if (at > now) next = Math.min(next, at); }
    }
    if (next !== Infinity) this.#after(rec, next);
  }

  readonly #startedAt = new Map<string, number>();

  async #statusOf(rec: PodRec, c: JsonObject): Promise<ContainerStatus | undefined> {
    const cr = rec.containers.get(String(c.name));
    if (!cr?.id) return undefined;
    const st = await this.#o.runtime.containerStatus(cr.id);
    if (st?.state === 'RUNNING') this.#startedAt.set(cr.id, st.startedAt);
    return st;
  }

  async #ensureSandbox(rec: PodRec): Promise<void> {
    if (rec.sandboxId) return;
    const m = rec.pod.metadata ?? {};
    const spec = rec.pod.spec ?? {};
    const config: PodSandboxConfig = {
      metadata: { name: String(m.name), namespace: String(m.namespace), uid: rec.uid, attempt: 0 },
      hostname: String(spec.hostname ?? m.name),
      labels: { 'io.kubernetes.pod.name': String(m.name), 'io.kubernetes.pod.namespace': String(m.namespace), 'io.kubernetes.pod.uid': rec.uid },
      runtimeHandler: '',
      hostNetwork: spec.hostNetwork === true,
    };
    rec.sandboxConfig = config;
    rec.sandboxId = await this.#o.runtime.runPodSandbox(config);
    const s = await this.#o.runtime.podSandboxStatus(rec.sandboxId);
    rec.ips = s && s.network.ip ? [s.network.ip, ...s.network.additionalIps] : [];
  }

  /** startOrRestart creates and starts a container, replacing an exited one (after its back-off). */
  async #startOrRestart(rec: PodRec, c: JsonObject, prev: ContainerStatus | undefined, now: number, restart: boolean): Promise<void> {
    const name = String(c.name);
    let cr = rec.containers.get(name);
    if (!cr) { cr = { restartCount: 0 }; rec.containers.set(name, cr); }
    if (restart && prev && cr.id) {
      if (cr.backoffUntil === undefined) {
        const b = this.#o.backoff ?? { baseMs: 10_000, maxMs: 300_000 };
        cr.backoffUntil = (prev.finishedAt || now) + Math.min(b.maxMs, b.baseMs * 2 ** Math.min(cr.restartCount, 20));
      }
      if (now < cr.backoffUntil) { this.#after(rec, cr.backoffUntil); return; }
      cr.lastTerminated = { containerId: `${this.#runtimeName}://${cr.id}`, status: prev };
      this.#byContainer.delete(cr.id);
      this.#startedAt.delete(cr.id);
      await this.#o.runtime.removeContainer(cr.id);
      cr.id = undefined;
      cr.backoffUntil = undefined;
      cr.restartCount++;
    }
    const config: ContainerConfig = {
      metadata: { name, attempt: cr.restartCount },
      image: { image: String(c.image) },
      ...(Array.isArray(c.command) ? { command: c.command.map(String) } : {}),
      ...(Array.isArray(c.args) ? { args: c.args.map(String) } : {}),
      ...(typeof c.workingDir === 'string' ? { workingDir: c.workingDir } : {}),
      envs: ((c.env ?? []) as JsonObject[]).filter((e) => typeof e.value === 'string').map((e) => ({ key: String(e.name), value: String(e.value) })),
      labels: { ...rec.sandboxConfig!.labels, 'io.kubernetes.container.name': name },
    };
    const id = await this.#o.runtime.createContainer(rec.sandboxId!, config, rec.sandboxConfig!);
    cr.id = id;
    this.#byContainer.set(id, rec);
    if (cr.imageId === undefined) {
      const img = await this.#o.runtime.imageStatus(config.image);
      cr.imageId = img?.repoDigests[0] ?? img?.id ?? '';
    }
    await this.#o.runtime.startContainer(id);
    // Record the start now: the readiness timer is scheduled from it at the end of this sync.
    const st = await this.#o.runtime.containerStatus(id);
    if (st?.state === 'RUNNING') this.#startedAt.set(id, st.startedAt);
  }

  /** kill stops every container of the pod (grace seconds each) and its sandbox; idempotent. */
  async #kill(rec: PodRec, grace: number): Promise<void> {
    if (rec.killed || !rec.sandboxId) { rec.killed = true; return; }
    const ids = [...rec.containers.values()].map((c) => c.id).filter((id): id is string => id !== undefined);
    await Promise.all(ids.map((id) => this.#o.runtime.stopContainer(id, grace)));
    await this.#o.runtime.stopPodSandbox(rec.sandboxId);
    rec.killed = true;
  }

  async #teardown(rec: PodRec): Promise<void> {
    if (rec.timer) { this.#o.clock.clearTimeout(rec.timer); rec.timer = undefined; }
    for (const c of rec.containers.values()) if (c.id) { this.#byContainer.delete(c.id); this.#startedAt.delete(c.id); }
    if (rec.sandboxId) {
      await this.#kill(rec, 0);
      await this.#o.runtime.removePodSandbox(rec.sandboxId);
      rec.sandboxId = undefined;
    }
  }

  async #views(rec: PodRec, specs: JsonObject[]): Promise<(ContainerView | undefined)[]> {
    const now = this.#o.clock.now();
    const out: (ContainerView | undefined)[] = [];
    for (const c of specs) {
      const cr = rec.containers.get(String(c.name));
      const st = cr?.id ? await this.#o.runtime.containerStatus(cr.id) : undefined;
      if (!cr || !cr.id || !st) { out.push(cr?.lastTerminated ? this.#backoffView(c, cr) : undefined); continue; }
      const backingOff = cr.backoffUntil !== undefined && cr.backoffUntil > now && st.state === 'EXITED' && !rec.killed;
      out.push({
        containerId: `${this.#runtimeName}://${cr.id}`, status: st, imageId: cr.imageId ?? '', restartCount: cr.restartCount,
        ...(cr.lastTerminated ? { lastTerminated: cr.lastTerminated } : {}),
        ...(backingOff ? { waitingReason: 'CrashLoopBackOff', waitingMessage: `back-off restarting failed container=${String(c.name)} pod=${String(rec.pod.metadata?.name)}`, lastTerminated: { containerId: `${this.#runtimeName}://${cr.id}`, status: st } } : {}),
      });
    }
    return out;
  }

  #backoffView(c: JsonObject, cr: ContainerRec): ContainerView {
    const last = cr.lastTerminated!;
    return { containerId: last.containerId, status: last.status, imageId: cr.imageId ?? '', restartCount: cr.restartCount, lastTerminated: last, waitingReason: 'ContainerCreating' };
  }

  /** report computes the pod's status and PATCHes it when it differs from what was last written. */
  async #report(rec: PodRec): Promise<JsonObject> {
    const pod = rec.pod;
    const init = await this.#views(rec, (pod.spec?.initContainers ?? []) as JsonObject[]);
    const app = await this.#views(rec, (pod.spec?.containers ?? []) as JsonObject[]);
    rec.reportedAt = this.#o.clock.now();
    let status = computePodStatus({ pod, now: rec.reportedAt, hostIp: this.#o.hostIp, podIps: rec.ips, init, app, killed: rec.killed && !rec.terminal, ...(rec.status ? { previous: rec.status } : {}) });
    if (rec.terminal && rec.status && TERMINAL.has(String(rec.status.phase))) status = { ...status, phase: rec.status.phase };
    else if (rec.terminal && TERMINAL.has(String(pod.status?.phase))) status = { ...status, phase: pod.status.phase };
    rec.status = { phase: status.phase, conditions: status.conditions, startTime: status.startTime, ...(status.podIPs ? { podIPs: status.podIPs } : {}) };
    const text = createHash('sha1').update(JSON.stringify(status)).digest('base64');
    // Skip the write only when nothing changed since our last write AND the API still shows it
    // (another writer — e.g. the node lifecycle controller marking pods not ready — may have changed it).
    // The pod in hand is stale (our write's echo has not arrived) when it carries the version we
    // wrote over, or it is our write itself: only a newer version from someone else is compared.
    const rv = pod.metadata?.resourceVersion;
    const ours = rv === rec.writtenOver || (rv !== undefined && rv === rec.writtenAs);
    if (text === rec.written && (ours || !apiStatusDiffers(pod.status, status))) return status;
    try {
      const out = await this.#o.client.patch(RESOURCES.pods, String(pod.metadata?.namespace), String(pod.metadata?.name), 'merge', { metadata: { uid: rec.uid }, status }, { subresource: 'status' });
      rec.written = text;
      rec.writtenOver = rv;
      rec.writtenAs = out.metadata?.resourceVersion;
    } catch (e) {
      if (isStatusError(e, 404)) return status; // gone: the informer's delete follows
      if (isStatusError(e, 409)) { this.#after(rec, this.#o.clock.now() + 1000); return status; }
      throw e;
    }
    return status;
  }
}

/** apiStatusDiffers says whether the pod status the API holds disagrees with the computed one on
 * what matters to readers: phase, pod IP, each condition's status and each container's readiness. */
export function apiStatusDiffers(api: JsonObject | undefined, want: JsonObject): boolean {
  if (!api) return true;
  if (api.phase !== want.phase || (api.podIP ?? '') !== (want.podIP ?? '')) return true;
  const cond = (s: JsonObject): Map<string, unknown> => new Map(((s.conditions ?? []) as JsonObject[]).map((c) => [String(c.type), c.status]));
  const a = cond(api);
  for (const [type, st] of cond(want)) if (a.get(type) !== st) return true;
  const ready = (s: JsonObject): string => JSON.stringify(((s.containerStatuses ?? []) as JsonObject[]).map((c) => [c.name, c.ready, c.restartCount]));
  return ready(api) !== ready(want);
}
