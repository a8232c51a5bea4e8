/**
 * @module agent/volumes/manager — the node agent's volume manager (the kubelet's volume plugins in
 * one place): per pod it prepares emptyDir (tmpfs for `medium: Memory` on Linux), hostPath (type
 * checks), configMap / secret / downwardAPI / projected (atomic writer, refreshed periodically,
 * service-account tokens renewed) and persistentVolumeClaim / generic ephemeral volumes (the bound
 * PV's local or hostPath directory, which outlives the pod), and turns each container's
 * volumeMounts into CRI mounts. Everything it writes lives under
 * `<podsDir>/<uid>/volumes/kubernetes.io~<plugin>/<name>`; tearDown unmounts and removes the pod's
 * directory and never anything outside `podsDir`.
 */
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isStatusError, parseQuantity, type JsonObject } from '../../api/index.ts';
import { RESOURCES, type ApiClient, type Clock, type TimerHandle } from '../../client/index.ts';
import type { Mount } from '../../runtime/types.ts';
import { writeAtomic } from './atomic-writer.ts';
import { checkHostPath, isMountPoint, mountTmpfs, mountsUnder, unmount } from './host.ts';
import { containerMounts, type ReadyVolume } from './mounts.ts';
import { configMapPayload, downwardApiPayload, projectedPayload, secretPayload, type PayloadResult, type SourceContext } from './sources.ts';
import { TokenManager } from './token.ts';

/** SetUpResult is what VolumeHost.setUp answers: the CRI mounts per container name, or why not (reason + message for the pod event). */
export type SetUpResult =
  | { readonly ok: true; readonly mounts: ReadonlyMap<string, readonly Mount[]> }
  | { readonly ok: false; readonly reason: string; readonly message: string };

/** VolumeHost is what the pod workers need of volumes (see docs/AGENT-PLAN.md). */
export interface VolumeHost {
  /** setUp makes every volume of the pod ready (idempotent; re-writes changed API-data content atomically) and returns the CRI mounts of each container. */
  setUp(pod: JsonObject): Promise<SetUpResult>;
  /** tearDown unmounts/removes the pod's volumes except persistent ones (PVC data stays). */
  tearDown(podUid: string): Promise<void>;
}

/** VolumeManagerOptions configure a VolumeManager. */
export interface VolumeManagerOptions {
  readonly client: ApiClient;
  /** podsDir is `<dataDir>/pods`. */
  readonly podsDir: string;
  readonly nodeName: string;
  readonly clock: Clock;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** refreshMs is the period of API-data content refreshes (default 10 s). */
  readonly refreshMs?: number;
  /** onRefresh hears the key (`ns/name`) of a pod whose volume content changed during a refresh. */
  readonly onRefresh?: (podKey: string) => void;
}

/** CONTENT_PLUGINS maps the API-data volume kinds to their plugin directory names. */
const CONTENT_PLUGINS = { configMap: 'configmap', secret: 'secret', projected: 'projected', downwardAPI: 'downward-api' } as const;
type ContentKind = keyof typeof CONTENT_PLUGINS;
/** MEMORY_BACKED are the content volumes mounted on a tmpfs (kubelet's secret and projected plugins). */
const MEMORY_BACKED: ReadonlySet<ContentKind> = new Set(['secret', 'projected']);
const CONTENT_KINDS = Object.keys(CONTENT_PLUGINS) as ContentKind[];
const SUPPORTED = new Set(['emptyDir', 'hostPath', 'persistentVolumeClaim', 'ephemeral', ...CONTENT_KINDS]);

type VolumeOutcome = { readonly ok: true; readonly vol: ReadyVolume; readonly changed: boolean } | { readonly ok: false; readonly message: string };

interface PodState { key: string; pod: JsonObject }

function podKeyOf(pod: JsonObject): string { return `${String(pod.metadata?.namespace ?? '')}/${String(pod.metadata?.name ?? '')}`; }

/** safeName tells whether `s` can be one path element (no separators, not `.`/`..`). */
function safeName(s: string): boolean { return !!s && s !== '.' && s !== '..' && !/[/\\]/.test(s); }

/** VolumeManager implements VolumeHost on the local filesystem. */
export class VolumeManager implements VolumeHost {
  readonly #o: VolumeManagerOptions;
  readonly #tokens: TokenManager;
  readonly #pods = new Map<string, PodState>();
  readonly #locks = new Map<string, Promise<unknown>>();
  #allocatable: { at: number; value: Record<string, unknown> } | undefined;

  constructor(o: VolumeManagerOptions) {
    this.#o = o;
    this.#tokens = new TokenManager(o.client, o.clock);
  }

  /** podDir is the pod's directory under podsDir. */
  podDir(podUid: string): string { return join(this.#o.podsDir, podUid); }

  /** volumeDir is where a volume of `plugin` (`empty-dir`, `configmap`, …) named `name` lives. */
  volumeDir(podUid: string, plugin: string, name: string): string {
    return join(this.#o.podsDir, podUid, 'volumes', `kubernetes.io~${plugin}`, name);
  }

  /** withLock runs `fn` after every earlier operation on the same pod. */
  #withLock<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(uid) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.#locks.set(uid, tail);
    void tail.then(() => { if (this.#locks.get(uid) === tail) this.#locks.delete(uid); });
    return next;
  }

  async #nodeAllocatable(): Promise<Record<string, unknown>> {
    const now = this.#o.clock.now();
    if (this.#allocatable && now - this.#allocatable.at < 60_000) return this.#allocatable.value;
    let value: Record<string, unknown> = {};
    try {
      const node = await this.#o.client.get(RESOURCES.nodes, '', this.#o.nodeName);
      value = (node.status?.allocatable ?? node.status?.capacity ?? {}) as Record<string, unknown>;
    } catch (e) {
      this.#o.log?.('volumes: node allocatable unavailable', { node: this.#o.nodeName, error: (e as Error).message });
    }
    this.#allocatable = { at: now, value };
    return value;
  }

  async #content(pod: JsonObject, v: JsonObject, kind: ContentKind): Promise<VolumeOutcome> {
    const uid = String(pod.metadata?.uid);
    const ctx: SourceContext = { client: this.#o.client, tokens: this.#tokens, pod, nodeAllocatable: () => this.#nodeAllocatable() };
    let res: PayloadResult;
    try {
      switch (kind) {
        case 'configMap': res = await configMapPayload(ctx, v.configMap); break;
        case 'secret': res = await secretPayload(ctx, v.secret); break;
        case 'projected': res = await projectedPayload(ctx, v.projected); break;
        case 'downwardAPI': res = await downwardApiPayload(ctx, v.downwardAPI); break;
      }
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
    if (!res.ok) return res;
    const dir = this.volumeDir(uid, CONTENT_PLUGINS[kind], String(v.name));
    try {
      // As the kubelet: secret and projected (service-account token) volumes live in memory, never on disk.
      if (MEMORY_BACKED.has(kind) && process.platform === 'linux' && process.getuid?.() === 0 && !await isMountPoint(dir)) {
        await mkdir(dir, { recursive: true, mode: 0o755 });
        const err = await mountTmpfs(dir);
        if (err) return { ok: false, message: `failed to mount tmpfs on ${dir}: ${err}` };
      }
      const changed = await writeAtomic(dir, res.payload, this.#o.clock.now());
      return { ok: true, vol: { hostPath: dir, readOnly: true, directory: true }, changed };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }

  async #emptyDir(pod: JsonObject, v: JsonObject): Promise<VolumeOutcome> {
    const dir = this.volumeDir(String(pod.metadata?.uid), 'empty-dir', String(v.name));
    try {
      await mkdir(dir, { recursive: true, mode: 0o777 });
      if (v.emptyDir?.medium === 'Memory' && process.platform === 'linux' && !await isMountPoint(dir)) {
        const size = parseQuantity(v.emptyDir?.sizeLimit);
        const err = await mountTmpfs(dir, size);
        if (err) return { ok: false, message: `failed to mount tmpfs on ${dir}: ${err}` };
      }
      await chmod(dir, 0o777);
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
    return { ok: true, vol: { hostPath: dir, readOnly: false, directory: true }, changed: false };
  }

  async #hostPath(v: JsonObject): Promise<VolumeOutcome> {
    const path = String(v.hostPath?.path ?? '');
    const type = String(v.hostPath?.type ?? '');
    if (!path) return { ok: false, message: 'hostPath has no path' };
    const err = await checkHostPath(path, type);
    if (err) return { ok: false, message: err };
    const directory = type === 'Directory' || type === 'DirectoryOrCreate' || (type === '' && await checkHostPath(path, 'Directory') === '');
    return { ok: true, vol: { hostPath: path, readOnly: false, directory }, changed: false };
  }

  async #claim(pod: JsonObject, claimName: string, readOnly: boolean): Promise<VolumeOutcome> {
    const ns = String(pod.metadata?.namespace ?? 'default');
    let pvc: JsonObject;
    try {
      pvc = await this.#o.client.get(RESOURCES.persistentvolumeclaims, ns, claimName);
    } catch (e) {
      if (isStatusError(e, 404)) return { ok: false, message: `error processing PVC ${ns}/${claimName}: persistentvolumeclaim "${claimName}" not found` };
      return { ok: false, message: `error processing PVC ${ns}/${claimName}: ${(e as Error).message}` };
    }
    if (pvc.metadata?.deletionTimestamp) return { ok: false, message: `error processing PVC ${ns}/${claimName}: PVC is being deleted` };
    const pvName = String(pvc.spec?.volumeName ?? '');
    if (pvc.status?.phase !== 'Bound' || !pvName) return { ok: false, message: `error processing PVC ${ns}/${claimName}: PVC is not bound` };
    let pv: JsonObject;
    try {
      pv = await this.#o.client.get(RESOURCES.persistentvolumes, '', pvName);
    } catch (e) {
      if (isStatusError(e, 404)) return { ok: false, message: `error processing PVC ${ns}/${claimName}: persistentvolume "${pvName}" not found` };
      return { ok: false, message: `error processing PVC ${ns}/${claimName}: ${(e as Error).message}` };
    }
    const ref = pv.spec?.claimRef;
    if (ref && ref.uid && pvc.metadata?.uid && ref.uid !== pvc.metadata.uid) return { ok: false, message: `error processing PVC ${ns}/${claimName}: volume ${pvName} is bound to another claim` };
    const local = pv.spec?.local?.path;
    const host = pv.spec?.hostPath?.path;
    const ro = readOnly;
    if (typeof local === 'string' && local) {
      const err = await checkHostPath(local, 'Directory');
      if (err) return { ok: false, message: `local volume ${pvName}: ${err}` };
      return { ok: true, vol: { hostPath: local, readOnly: ro, directory: true }, changed: false };
    }
    if (typeof host === 'string' && host) {
      const type = String(pv.spec.hostPath.type ?? '');
      const err = await checkHostPath(host, type);
      if (err) return { ok: false, message: err };
      return { ok: true, vol: { hostPath: host, readOnly: ro, directory: type !== 'File' && type !== 'FileOrCreate' }, changed: false };
    }
    return { ok: false, message: `volume ${pvName} has no local or hostPath source this node can mount` };
  }

  async #volume(pod: JsonObject, v: JsonObject): Promise<VolumeOutcome> {
    const kind = Object.keys(v).find((k) => SUPPORTED.has(k));
    if (!kind) return { ok: false, message: `volume type of "${String(v.name)}" is not supported by this node` };
    if (kind === 'emptyDir') return this.#emptyDir(pod, v);
    if (kind === 'hostPath') return this.#hostPath(v);
    if (kind === 'persistentVolumeClaim') return this.#claim(pod, String(v.persistentVolumeClaim?.claimName ?? ''), v.persistentVolumeClaim?.readOnly === true);
    if (kind === 'ephemeral') return this.#claim(pod, `${String(pod.metadata?.name)}-${String(v.name)}`, false);
    return this.#content(pod, v, kind as ContentKind);
  }

  /** setUp prepares every volume of `pod` and returns each container's CRI mounts (init and ephemeral containers included). */
  setUp(pod: JsonObject): Promise<SetUpResult> {
    const uid = String(pod.metadata?.uid ?? '');
    if (!safeName(uid)) return Promise.resolve({ ok: false, reason: 'FailedMount', message: `pod has an invalid uid "${uid}"` });
    return this.#withLock(uid, async () => {
      const ready = new Map<string, ReadyVolume>();
      for (const v of (Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : []) as JsonObject[]) {
        const name = String(v.name ?? '');
        if (!safeName(name)) return { ok: false, reason: 'FailedMount', message: `invalid volume name "${name}"` };
        const out = await this.#volume(pod, v);
        if (!out.ok) return { ok: false, reason: 'FailedMount', message: `MountVolume.SetUp failed for volume "${name}" : ${out.message}` };
        ready.set(name, out.vol);
      }
      this.#pods.set(uid, { key: podKeyOf(pod), pod: structuredClone(pod) });
      const mounts = new Map<string, readonly Mount[]>();
      const containers = ['initContainers', 'containers', 'ephemeralContainers'].flatMap((f) => (Array.isArray(pod.spec?.[f]) ? pod.spec[f] : []) as JsonObject[]);
      for (const c of containers) {
        const m = await containerMounts(c, ready);
        if (!m.ok) return { ok: false, reason: 'CreateContainerConfigError', message: m.message };
        mounts.set(String(c.name), m.mounts);
      }
      return { ok: true, mounts };
    });
  }

  /** refreshPod rewrites the API-data volumes of one set-up pod and tells whether any content changed. */
  #refreshPod(uid: string): Promise<boolean> {
    return this.#withLock(uid, async () => {
      const st = this.#pods.get(uid);
      if (!st) return false;
      let changed = false;
      for (const v of (Array.isArray(st.pod.spec?.volumes) ? st.pod.spec.volumes : []) as JsonObject[]) {
        const kind = CONTENT_KINDS.find((k) => v[k]);
        if (!kind) continue;
        const out = await this.#content(st.pod, v, kind);
        if (!out.ok) this.#o.log?.('volumes: refresh failed', { pod: st.key, volume: v.name, error: out.message });
        else if (out.changed) changed = true;
      }
      return changed;
    });
  }

  /** refresh runs one refresh pass over every set-up pod, calling onRefresh for each whose content changed. */
  async refresh(): Promise<void> {
    for (const [uid, st] of [...this.#pods]) {
      try {
        if (await this.#refreshPod(uid)) this.#o.onRefresh?.(st.key);
      } catch (e) {
        this.#o.log?.('volumes: refresh failed', { pod: st.key, error: (e as Error).message });
      }
    }
  }

  /** start refreshes API-data volumes every refreshMs until `signal` aborts. */
  start(signal: AbortSignal): void {
    const period = this.#o.refreshMs ?? 10_000;
    let timer: TimerHandle | undefined;
    const tick = (): void => {
      timer = undefined;
      void this.refresh().finally(() => { if (!signal.aborted) timer = this.#o.clock.setTimeout(tick, period); });
    };
    if (signal.aborted) return;
    timer = this.#o.clock.setTimeout(tick, period);
    signal.addEventListener('abort', () => { if (timer) this.#o.clock.clearTimeout(timer); timer = undefined; }, { once: true });
  }

  /** setUpPods lists the uids of pods whose volumes are set up (and not torn down). */
  setUpPods(): string[] { return [...this.#pods.keys()]; }

  /** cleanupOrphans tears down every pod directory under podsDir whose uid is not in `activeUids` (after an agent restart) and returns those uids. */
  async cleanupOrphans(activeUids: ReadonlySet<string>): Promise<string[]> {
    let names: string[];
    try { names = (await readdir(this.#o.podsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name); } catch { return []; }
    const gone = names.filter((n) => safeName(n) && !activeUids.has(n));
    for (const uid of gone) {
      try { await this.tearDown(uid); } catch (e) { this.#o.log?.('volumes: orphan cleanup failed', { uid, error: (e as Error).message }); }
    }
    return gone;
  }

  /** tearDown unmounts everything below the pod's directory and removes it; persistent volume data (outside podsDir) stays. */
  tearDown(podUid: string): Promise<void> {
    if (!safeName(podUid)) return Promise.reject(new Error(`invalid pod uid "${podUid}"`));
    return this.#withLock(podUid, async () => {
      this.#pods.delete(podUid);
      this.#tokens.forget(podUid);
      const dir = this.podDir(podUid);
      for (const m of await mountsUnder(dir)) {
        const err = await unmount(m);
        if (err) this.#o.log?.('volumes: unmount failed', { path: m, error: err });
      }
      const left = await mountsUnder(dir);
      if (left.length) throw new Error(`volumes of pod ${podUid} are still mounted: ${left.join(', ')}`);
      await rm(dir, { recursive: true, force: true });
    });
  }
}
