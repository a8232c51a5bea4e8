/**
 * @module agent/pods/worker — the pod workers of one node, shared by real and hollow nodes: given
 * the pods bound to the node (fed by an informer), each pod is synced one step at a time, never
 * two steps of one pod at once: set up its volumes, create the sandbox, run init containers in
 * order, start the app containers, restart exited (or liveness-failed) ones per restartPolicy
 * with kubelet's crash-loop back-off (runner.ts), compute the status (status.ts) and PATCH it
 * only when it changed. A pod with a deletionTimestamp has its containers stopped within its
 * grace period (preStop hooks first), its final status written, and is then deleted with
 * gracePeriodSeconds 0 and a uid precondition; a pod gone from the API has its sandbox, volumes,
 * cgroups and logs removed. Runtime container events, probe and volume changes (`resync`) and
 * clock timers trigger re-syncs. A restarted agent `adopt`s the sandboxes and containers it finds
 * (nothing is restarted) and `cleanupOrphans` removes those of pods no longer in the API.
 * Hollow nodes pass none of the real-node options and keep their in-memory behaviour.
 */
import { createHash } from 'node:crypto';
import { isStatusError } from '../../api/index.ts';
import type { JsonObject } from '../../api/index.ts';
import { RESOURCES, objectKey } from '../../client/index.ts';
import type { ApiClient, Clock, EventRecorder } from '../../client/index.ts';
import type { ContainerStatus, Runtime } from '../../runtime/index.ts';
import type { VolumeHost } from '../volumes/index.ts';
import { removeLogDirectory, removePodCgroups, scanRuntime, takeOver } from './adoption.ts';
import type { AdoptedPod } from './adoption.ts';
import { removePodFiles } from './pod-files.ts';
import { containerHash } from './container-config.ts';
import { ContainerRunner, nodeFacts } from './runner.ts';
import type { PodProbes, PodRec } from './runner.ts';
import { podLogDirectory } from './sandbox-config.ts';
import { ensureSandbox, replaceSandbox, sandboxDied, type SandboxDeps } from './sandbox.ts';
import type { ClusterDns } from './sandbox-config.ts';
import { computePodStatus, isSidecar, readyAt } from './status.ts';
import { apiStatusDiffers, containerViews } from './views.ts';

/** PodWorkersOptions: the API client, the node's runtime, name, host IP and clock; the rest is for real nodes (hollow nodes leave it out). */
export interface PodWorkersOptions {
  readonly client: ApiClient;
  readonly runtime: Runtime;
  readonly nodeName: string;
  readonly hostIp: string;
  readonly clock: Clock;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** backoff: crash-loop and image-pull back-off base and cap in ms (kubelet: 10 s, 300 s). */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** volumes sets up each pod's volumes before its sandbox (and on every sync) and tears them down after it. */
  readonly volumes?: VolumeHost;
  /** probes runs the startup/liveness/readiness probes of started containers. */
  readonly probes?: PodProbes;
  /** events records kubelet events (component 'kubelet', host = node name). */
  readonly events?: EventRecorder;
  /** podLogsDir (`<dataDir>/logs`) sets the sandbox logDirectory and container log paths. */
  readonly podLogsDir?: string;
  /** cgroupRoot: the sandbox cgroup parent is `${cgroupRoot}/pod${uid}`; its directories are removed after teardown. */
  readonly cgroupRoot?: string;
  /** dns: the cluster DNS setup for dnsPolicy ClusterFirst (and the host resolv.conf path for Default). */
  readonly dns?: ClusterDns;
  /** apiEnv: resolve valueFrom/envFrom/service links through the API and set linux resources and
   * security contexts (default: on when podLogsDir, volumes or dns is given, i.e. on real nodes). */
  readonly apiEnv?: boolean;
  /** podsDir: `<dataDir>/pods` — where the managed /etc/hosts and termination message files go
   * (`<podsDir>/<uid>/etc-hosts`, `<podsDir>/<uid>/containers/<name>/…`); without it neither is mounted. */
  readonly podsDir?: string;
  /** cgroupFs: where cgroup hierarchies are mounted (default /sys/fs/cgroup; Linux only). */
  readonly cgroupFs?: string;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

/** PodWorkers syncs the pods of one node with its runtime and reports their status. */
export class PodWorkers {
  readonly #o: PodWorkersOptions;
  readonly #pods = new Map<string, PodRec>();
  readonly #byContainer = new Map<string, PodRec>();
  readonly #adopted = new Map<string, AdoptedPod>();
  readonly #startedAt = new Map<string, number>();
  readonly #unsubscribe: () => void;
  readonly #idleWaiters: (() => void)[] = [];
  readonly #runner: ContainerRunner;
  readonly #real: boolean;
  #runtimeName = '';
  #inFlight = 0;
  #stopped = false;
  #node?: Promise<{ allocatable: Record<string, number>; memoryCapacity?: number }>;

  constructor(opts: PodWorkersOptions) {
    this.#o = opts;
    this.#real = opts.apiEnv ?? (opts.podLogsDir !== undefined || opts.podsDir !== undefined || opts.volumes !== undefined || opts.dns !== undefined);
    this.#runner = new ContainerRunner({
      client: opts.client, runtime: opts.runtime, clock: opts.clock, hostIp: opts.hostIp, real: this.#real,
      backoff: opts.backoff ?? { baseMs: 10_000, maxMs: 300_000 },
      ...(opts.events ? { events: opts.events } : {}), ...(opts.probes ? { probes: opts.probes } : {}),
      ...(opts.podLogsDir !== undefined ? { podLogsDir: opts.podLogsDir } : {}),
      ...(opts.podsDir !== undefined ? { podsDir: opts.podsDir } : {}), ...(opts.dns ? { clusterDomain: opts.dns.clusterDomain } : {}),
      runtimeName: () => this.#runtimeName,
      after: (rec, at) => { this.#after(rec, at); },
      bind: (id, rec) => { if (rec) this.#byContainer.set(id, rec); else this.#byContainer.delete(id); },
      markStarted: (id, at) => { if (at === undefined) this.#startedAt.delete(id); else this.#startedAt.set(id, at); },
      node: () => (this.#node ??= nodeFacts(opts.client, opts.nodeName).catch(() => { this.#node = undefined; return { allocatable: {} }; })),
    });
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
      rec = {
        key, uid, pod, ips: [], containers: new Map(), sandboxAttempt: 0, terminal: TERMINAL.has(String(pod.status?.phase)),
        killed: false, finalDeleteSent: false, removed: false, busy: false, dirty: false,
      };
      const adopted = this.#adopted.get(uid);
      if (adopted) { rec.adopted = adopted; this.#adopted.delete(uid); }
      this.#pods.set(key, rec);
    }
    rec.pod = pod;
    this.#kick(rec);
  }

  /** relistSandboxes finds pods whose sandbox the runtime no longer reports ready (its pause process or
   * network died) and re-syncs them, which kills and re-creates the sandbox as the kubelet's relist does. */
  async relistSandboxes(): Promise<void> {
    const ready = new Set((await this.#o.runtime.listPodSandbox({ state: 'READY' })).map((s) => s.id));
    for (const rec of this.#pods.values()) {
      if (!rec.sandboxId || rec.killed || rec.terminal || rec.removed || rec.adopted || ready.has(rec.sandboxId)) continue;
      rec.sandboxLost = true;
      this.#kick(rec);
    }
  }

  /** resync re-syncs the pod with this key (probe results or volume content changed). */
  resync(podKey: string): void {
    const rec = this.#pods.get(podKey);
    if (rec) this.#kick(rec);
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

  /** adopt scans the runtime for sandboxes and containers of a previous agent run; a pod updated later with a found uid reuses them. Call once before the first update. */
  async adopt(): Promise<void> {
    for (const [uid, a] of await scanRuntime(this.#o.runtime)) this.#adopted.set(uid, a);
  }

  /** cleanupOrphans tears down the found sandboxes of pods neither in `knownUids` nor being worked on (after the informer synced). */
  async cleanupOrphans(knownUids: ReadonlySet<string>): Promise<void> {
    const working = new Set([...this.#pods.values()].map((r) => r.uid));
    const found = await scanRuntime(this.#o.runtime);
    for (const [uid, a] of found) {
      if (knownUids.has(uid) || working.has(uid)) continue;
      this.#adopted.delete(uid);
      for (const c of a.containers.values()) await this.#o.runtime.stopContainer(c.current.id, 0);
      for (const s of [a.sandbox, ...a.stale]) {
        await this.#o.runtime.stopPodSandbox(s.id);
        await this.#o.runtime.removePodSandbox(s.id);
      }
      await this.#cleanupPod(uid, a.sandbox.metadata.namespace, a.sandbox.metadata.name);
      this.#o.log?.('orphaned pod sandbox removed', { node: this.#o.nodeName, uid, pod: `${a.sandbox.metadata.namespace}/${a.sandbox.metadata.name}` });
    }
  }

  /** idle resolves once no pod sync is running or queued (tests). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((res) => { this.#idleWaiters.push(res); });
  }

  /** stop ends event handling and timers; sandboxes and containers keep running (a restarted agent adopts them). */
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
    if (!this.#runtimeName) this.#runtimeName = (await this.#o.runtime.version()).runtimeName;
    if (rec.adopted) {
      const o = this.#o;
      await takeOver(rec, {
        runtime: o.runtime, runtimeName: this.#runtimeName, ...(o.probes ? { probes: o.probes } : {}),
        sandboxInput: { ...(o.podLogsDir !== undefined ? { podLogsDir: o.podLogsDir } : {}), ...(o.cgroupRoot !== undefined ? { cgroupRoot: o.cgroupRoot } : {}), ...(o.dns ? { dns: o.dns } : {}) },
        bind: (id) => { this.#byContainer.set(id, rec); }, markStarted: (id, at) => { this.#startedAt.set(id, at); },
      });
    }
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
    if (!(await this.#mountVolumes(rec))) { await this.#report(rec); return; }
    if (rec.sandboxLost) await replaceSandbox(rec, this.#sandboxDeps());
    await ensureSandbox(rec, this.#sandboxDeps());
    const now = this.#o.clock.now();
    const initSpecs = (pod.spec?.initContainers ?? []) as JsonObject[];
    const policy = String(pod.spec?.restartPolicy ?? 'Always');
    const runner = this.#runner;
    let initDone = true;
    for (const c of initSpecs) {
      let st = await this.#statusOf(rec, c);
      if (isSidecar(c)) {
        if (st?.state === 'RUNNING' && await this.#checkLiveness(rec, c)) st = await this.#statusOf(rec, c);
        if (!st || (st.state === 'EXITED')) { await this.#restart(rec, c, st, now); initDone = false; break; }
        if (st.state !== 'RUNNING') { initDone = false; break; }
        continue;
      }
      if (st?.state === 'EXITED' && st.exitCode === 0 && st.podSandboxId === rec.sandboxId) continue;
      initDone = false;
      if (!st) await runner.startOrRestart(rec, c, st, now, false);
      else if (st.state === 'EXITED' && policy !== 'Never') await this.#restart(rec, c, st, now);
      break;
    }
    if (initDone) {
      for (const c of (pod.spec?.containers ?? []) as JsonObject[]) {
        let st = await this.#statusOf(rec, c);
        if (st?.state === 'RUNNING' && (await this.#checkLiveness(rec, c) || await this.#checkDefinition(rec, c))) st = await this.#statusOf(rec, c);
        if (!st) await runner.startOrRestart(rec, c, st, now, false);
        else if (st.state === 'EXITED' && rec.containers.get(String(c.name))?.specChanged) await this.#restart(rec, c, st, now);
        else if (st.state === 'EXITED' && (policy === 'Always' || (policy === 'OnFailure' && (st.exitCode !== 0 || rec.containers.get(String(c.name))?.probeKilled === true)))) {
          await this.#restart(rec, c, st, now);
        }
      }
    }
    // Ephemeral containers (`kubectl debug`): started once the pod runs, never restarted.
    if (initDone) {
      for (const c of (pod.spec?.ephemeralContainers ?? []) as JsonObject[]) {
        if (!(await this.#statusOf(rec, c))) await runner.startOrRestart(rec, c, undefined, now, false);
      }
    }
    const status = await this.#report(rec);
    if (TERMINAL.has(String(status.phase))) { rec.terminal = true; await this.#kill(rec, 0); return; }
    this.#scheduleReadiness(rec);
  }

  /** checkLiveness stops a running container whose liveness (or startup) probe failed; the caller restarts it per restartPolicy. */
  async #checkLiveness(rec: PodRec, c: JsonObject): Promise<boolean> {
    const probes = this.#o.probes;
    const cr = rec.containers.get(String(c.name));
    if (!probes || !cr?.id || !probes.livenessFailed(cr.id)) return false;
    const startup = probes.started(cr.id) === false;
    const probe = (startup ? c.startupProbe : c.livenessProbe) as JsonObject | undefined;
    const grace = Number(probe?.terminationGracePeriodSeconds ?? rec.pod.spec?.terminationGracePeriodSeconds ?? 30);
    cr.probeKilled = true;
    await this.#runner.stop(rec, c, cr, grace, `Container ${String(c.name)} failed ${startup ? 'startup' : 'liveness'} probe, will be restarted`);
    return true;
  }

  /** checkDefinition stops a running container whose spec changed since it was made (e.g. `kubectl set image` on a pod); it is then started again at once. */
  async #checkDefinition(rec: PodRec, c: JsonObject): Promise<boolean> {
    const cr = rec.containers.get(String(c.name));
    if (!cr?.id || cr.hash === undefined || cr.hash === containerHash(c)) return false;
    cr.specChanged = true;
    const grace = Number(rec.pod.spec?.terminationGracePeriodSeconds ?? 30);
    await this.#runner.stop(rec, c, cr, grace, `Container ${String(c.name)} definition changed, will be restarted`);
    return true;
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
      if (startedAt !== undefined && !this.#o.probes) { const at = readyAt(c, startedAt); if (at > now) next = Math.min(next, at); }
    }
    if (next !== Infinity) this.#after(rec, next);
  }

  async #statusOf(rec: PodRec, c: JsonObject): Promise<ContainerStatus | undefined> {
    const cr = rec.containers.get(String(c.name));
    const st = await this.#runner.statusOf(rec, cr, c);
    if (st?.state === 'RUNNING' && cr?.id) this.#startedAt.set(cr.id, st.startedAt);
    return st;
  }

  /** mountVolumes sets up the pod's volumes (every sync: content refresh); false while a not-yet-started pod cannot mount them. */
  async #mountVolumes(rec: PodRec): Promise<boolean> {
    const v = this.#o.volumes;
    if (!v) return true;
    const r = await v.setUp(rec.pod);
    if (r.ok) { rec.mounts = r.mounts; rec.mountFailure = undefined; return true; }
    const retryMs = Math.min(32_000, (rec.mountFailure?.retryMs ?? 1000) * (rec.mountFailure ? 2 : 1));
    if (rec.mountFailure?.message !== r.message || retryMs >= 32_000) this.#runner.event(rec, 'Warning', r.reason || 'FailedMount', r.message);
    rec.mountFailure = { message: r.message, retryMs };
    this.#after(rec, this.#o.clock.now() + retryMs);
    return rec.sandboxId !== undefined && rec.mounts !== undefined;
  }

  /** restart replaces an exited container — unless its sandbox died too (then the pod is re-synced to replace the sandbox first). */
  async #restart(rec: PodRec, c: JsonObject, st: ContainerStatus | undefined, now: number): Promise<void> {
    if (await sandboxDied(rec, this.#o.runtime, st)) { rec.sandboxLost = true; this.#kick(rec); return; }
    await this.#runner.startOrRestart(rec, c, st, now, true);
  }

  #sandboxDeps(): SandboxDeps {
    const o = this.#o;
    return {
      runtime: o.runtime, ...(o.podLogsDir !== undefined ? { podLogsDir: o.podLogsDir } : {}), ...(o.cgroupRoot !== undefined ? { cgroupRoot: o.cgroupRoot } : {}),
      ...(o.dns ? { dns: o.dns } : {}), event: (rec, t, r, m) => { this.#runner.event(rec, t, r, m); }, kill: (rec, grace) => this.#kill(rec, grace),
    };
  }

  /** kill stops every container of the pod (grace seconds each, preStop hooks first) and its sandbox; idempotent. */
  async #kill(rec: PodRec, grace: number): Promise<void> {
    if (rec.killed || !rec.sandboxId) { rec.killed = true; return; }
    const specs = [...(rec.pod.spec?.initContainers ?? []), ...(rec.pod.spec?.containers ?? [])] as JsonObject[];
    await Promise.all([...rec.containers].map(([name, cr]) => this.#runner.stop(rec, specs.find((s) => s.name === name), cr, grace)));
    await this.#o.runtime.stopPodSandbox(rec.sandboxId);
    rec.killed = true;
  }

  async #teardown(rec: PodRec): Promise<void> {
    if (rec.timer) { this.#o.clock.clearTimeout(rec.timer); rec.timer = undefined; }
    for (const c of rec.containers.values()) if (c.id) { this.#byContainer.delete(c.id); this.#startedAt.delete(c.id); }
    this.#o.probes?.untrackPod(rec.key);
    this.#runner.puller.forget(rec.uid);
    if (rec.sandboxId) {
      await this.#kill(rec, 0);
      await this.#o.runtime.removePodSandbox(rec.sandboxId);
      rec.sandboxId = undefined;
    }
    for (const id of rec.oldSandboxes?.splice(0) ?? []) await this.#o.runtime.removePodSandbox(id);
    await this.#cleanupPod(rec.uid, String(rec.pod.metadata?.namespace), String(rec.pod.metadata?.name));
  }

  /** cleanupPod removes what outlives a pod's sandbox: volumes, cgroup directories, logs. */
  async #cleanupPod(uid: string, namespace: string, name: string): Promise<void> {
    const o = this.#o;
    if (o.volumes) await o.volumes.tearDown(uid);
    if (o.podsDir !== undefined) await removePodFiles(o.podsDir, uid);
    if (o.cgroupRoot !== undefined && process.platform === 'linux') await removePodCgroups(uid, o.cgroupRoot, o.cgroupFs);
    if (o.podLogsDir !== undefined) await removeLogDirectory(podLogDirectory(o.podLogsDir, { metadata: { uid, namespace, name } }));
  }

  /** report computes the pod's status and PATCHes it when it differs from what was last written. */
  async #report(rec: PodRec): Promise<JsonObject> {
    const pod = rec.pod;
    const ctx = { runner: this.#runner, runtimeName: this.#runtimeName, now: this.#o.clock.now(), ...(this.#o.probes ? { probes: this.#o.probes } : {}) };
    const init = await containerViews(rec, (pod.spec?.initContainers ?? []) as JsonObject[], ctx);
    const app = await containerViews(rec, (pod.spec?.containers ?? []) as JsonObject[], ctx);
    const ephemeral = await containerViews(rec, (pod.spec?.ephemeralContainers ?? []) as JsonObject[], ctx);
    rec.reportedAt = this.#o.clock.now();
    let status = computePodStatus({ pod, now: rec.reportedAt, hostIp: this.#o.hostIp, podIps: rec.ips, init, app, ephemeral, killed: rec.killed && !rec.terminal, ...(rec.status ? { previous: rec.status } : {}) });
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
      // Only the new resourceVersion is needed back: ask for the metadata, not the whole pod.
      const out = await this.#o.client.patch(RESOURCES.pods, String(pod.metadata?.namespace), String(pod.metadata?.name), 'merge', { metadata: { uid: rec.uid }, status }, { subresource: 'status', metadataOnly: true });
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
