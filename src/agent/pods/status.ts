/**
 * @module agent/pods/status — the pod status a node reports, as a pure function of the pod, what
 * the runtime says about its containers, and the time: phase (per restartPolicy, as kubelet's
 * getPhase), the kubelet-owned conditions (PodScheduled, PodReadyToStartContainers, Initialized,
 * ContainersReady, Ready) with lastTransitionTime kept while a condition's status holds,
 * container statuses, pod and host IPs, startTime and qosClass. Shared by real and hollow nodes.
 */
import { parseQuantity, rfc3339 } from '../../api/index.ts';
import type { JsonObject } from '../../api/index.ts';
import type { ContainerStatus } from '../../runtime/index.ts';

/** ContainerView is what the pod worker knows of one spec container: its current runtime container (if any) and history. */
export interface ContainerView {
  /** containerId: `<runtimeName>://<id>` of the current container. */
  readonly containerId: string;
  readonly status: ContainerStatus;
  /** imageId: the image reference reported as imageID. */
  readonly imageId: string;
  /** image: the spec image the instance was made from (absent: the spec's), reported as image: after
   * `kubectl set image` the old instance still runs the old image until it is replaced, as kubelet reports. */
  readonly image?: string;
  readonly restartCount: number;
  /** lastTerminated: the previous container's end (after a restart), reported as lastState. */
  readonly lastTerminated?: { readonly containerId: string; readonly status: ContainerStatus };
  /** waitingReason: set while a restart is backing off (CrashLoopBackOff) or the container is being created. */
  readonly waitingReason?: string;
  readonly waitingMessage?: string;
  /** ready: the readiness probe's verdict while running (absent: ready once running, after readyAt). */
  readonly ready?: boolean;
  /** started: the startup probe's verdict while running (absent: started once running). */
  readonly started?: boolean;
}

/** StatusInput is everything computePodStatus reads. */
export interface StatusInput {
  readonly pod: JsonObject;
  readonly now: number;
  readonly hostIp: string;
  /** podIps: the sandbox's addresses (empty until the sandbox has one). */
  readonly podIps: readonly string[];
  /** init and app: per spec container, in spec order, the view or undefined when never created. */
  readonly init: readonly (ContainerView | undefined)[];
  readonly app: readonly (ContainerView | undefined)[];
  /** ephemeral: the same for spec.ephemeralContainers (`kubectl debug`); they never change the phase or readiness. */
  readonly ephemeral?: readonly (ContainerView | undefined)[];
  /** killed: the pod's containers were stopped for good (deletion); the phase becomes terminal. */
  readonly killed?: boolean;
  /** previous: the status reported before (transition times and startTime are kept from it). */
  readonly previous?: JsonObject;
}

/** KUBELET_CONDITIONS are the pod condition types the node owns; others (readiness gates, DisruptionTarget) are kept as found. */
export const KUBELET_CONDITIONS: readonly string[] = ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled'];

/** rfc3339 is api's (epoch ms without fractional seconds, metav1.Time). */
export { rfc3339 };

/** isSidecar tells an init container that keeps running beside the app containers (restartPolicy Always). */
export function isSidecar(c: JsonObject): boolean {
  return c.restartPolicy === 'Always';
}

/** readyAt is when a container started at `startedAt` becomes ready: after its readinessProbe's initialDelaySeconds (no probing). */
export function readyAt(container: JsonObject, startedAt: number): number {
  const delay = Number(container.readinessProbe?.initialDelaySeconds ?? 0);
  return startedAt + (Number.isFinite(delay) && delay > 0 ? delay * 1000 : 0);
}

/** qosClass computes a pod's QoS class from its containers' requests and limits (cpu and memory). */
export function qosClass(spec: JsonObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as JsonObject[];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = (c.resources?.requests ?? {}) as Record<string, unknown>;
    const lim = (c.resources?.limits ?? {}) as Record<string, unknown>;
    for (const r of ['cpu', 'memory']) {
      const l = parseQuantity(lim[r]);
      const q = parseQuantity(req[r]) ?? l;
      if ((q !== undefined && q !== 0) || (l !== undefined && l !== 0)) any = true;
      if (l === undefined || q !== l) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** containerState renders a view as the API's ContainerState object. */
function stateOf(v: ContainerView | undefined, waitingReason: string): JsonObject {
  if (v === undefined) return { waiting: { reason: waitingReason } };
  if (v.waitingReason !== undefined) return { waiting: { reason: v.waitingReason, ...(v.waitingMessage ? { message: v.waitingMessage } : {}) } };
  const s = v.status;
  if (s.state === 'RUNNING') return { running: { startedAt: rfc3339(s.startedAt) } };
  if (s.state === 'EXITED') return { terminated: terminated(v.containerId, s) };
  return { waiting: { reason: 'ContainerCreating' } };
}

function terminated(containerId: string, s: ContainerStatus): JsonObject {
  return {
    exitCode: s.exitCode, reason: s.reason || (s.exitCode === 0 ? 'Completed' : 'Error'),
    ...(s.message ? { message: s.message } : {}),
    startedAt: s.startedAt ? rfc3339(s.startedAt) : null, finishedAt: rfc3339(s.finishedAt || s.createdAt), containerID: containerId,
  };
}

/** isReady says whether a container view counts as ready at `now`. */
function isReady(c: JsonObject, v: ContainerView | undefined, now: number): boolean {
  if (v === undefined || v.waitingReason !== undefined || v.status.state !== 'RUNNING') return false;
  return v.ready ?? now >= readyAt(c, v.status.startedAt);
}

function containerStatus(c: JsonObject, v: ContainerView | undefined, now: number, waitingReason: string): JsonObject {
  return {
    name: c.name, state: stateOf(v, waitingReason),
    lastState: v?.lastTerminated ? { terminated: terminated(v.lastTerminated.containerId, v.lastTerminated.status) } : {},
    ready: isReady(c, v, now), restartCount: v?.restartCount ?? 0, image: v?.image ?? c.image, imageID: v?.imageId ?? '',
    ...(v && v.containerId ? { containerID: v.containerId } : {}),
    started: v !== undefined && v.waitingReason === undefined && v.status.state === 'RUNNING' && v.started !== false,
  };
}

const exited = (v: ContainerView | undefined): boolean => v !== undefined && v.waitingReason === undefined && v.status.state === 'EXITED';

/** initProgress reports whether all (non-sidecar) init containers succeeded, whether one failed for good, and the unfinished names. */
export function initProgress(pod: JsonObject, init: readonly (ContainerView | undefined)[]): { done: boolean; failed: boolean; pending: string[] } {
  const specs = (pod.spec?.initContainers ?? []) as JsonObject[];
  const never = pod.spec?.restartPolicy === 'Never';
  const pending: string[] = [];
  let failed = false;
  specs.forEach((c, i) => {
    const v = init[i];
    if (isSidecar(c)) {
      if (!(v && v.status.state === 'RUNNING' && v.waitingReason === undefined)) pending.push(String(c.name));
      return;
    }
    if (exited(v) && v!.status.exitCode === 0) return;
    if (exited(v) && never) failed = true;
    pending.push(String(c.name));
  });
  return { done: pending.length === 0, failed, pending };
}

/** podPhase computes the phase as kubelet's getPhase does, from init progress and the app container views. */
export function podPhase(pod: JsonObject, init: readonly (ContainerView | undefined)[], app: readonly (ContainerView | undefined)[], killed: boolean): string {
  const policy = String(pod.spec?.restartPolicy ?? 'Always');
  const progress = initProgress(pod, init);
  if (progress.failed) return 'Failed';
  let running = 0; let waiting = 0; let stopped = 0; let succeeded = 0; let unknown = 0;
  for (const v of app) {
    if (v === undefined) { waiting++; continue; }
    if (v.waitingReason !== undefined) {
      // As kubelet's getPhase: a container waiting to restart counts as stopped, not as succeeded.
      if (v.lastTerminated) stopped++; else waiting++;
      continue;
    }
    const s = v.status.state;
    if (s === 'RUNNING') running++;
    else if (s === 'EXITED') { stopped++; if (v.status.exitCode === 0) succeeded++; } else if (s === 'CREATED') waiting++;
    else unknown++;
  }
  if (killed) return stopped > 0 && stopped === succeeded && waiting === 0 && running === 0 ? 'Succeeded' : 'Failed';
  if (!progress.done || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return policy === 'OnFailure' ? 'Running' : 'Failed';
  }
  return 'Pending';
}

/** condition builds a condition, keeping the previous lastTransitionTime while its status is unchanged. */
function condition(prev: readonly JsonObject[], type: string, ok: boolean, now: number, reason?: string, message?: string): JsonObject {
  const status = ok ? 'True' : 'False';
  const old = prev.find((c) => c.type === type);
  const since = old && old.status === status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : rfc3339(now);
  return { type, status, lastProbeTime: null, lastTransitionTime: since, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

/** computePodStatus returns the full status the node reports for a pod. */
export function computePodStatus(input: StatusInput): JsonObject {
  const { pod, now, init, app } = input;
  const prev = (input.previous ?? pod.status ?? {}) as JsonObject;
  const prevConds = (Array.isArray(prev.conditions) ? prev.conditions : []) as JsonObject[];
  const live = (Array.isArray(pod.status?.conditions) ? pod.status.conditions : []) as JsonObject[];
  const initSpecs = (pod.spec?.initContainers ?? []) as JsonObject[];
  const appSpecs = (pod.spec?.containers ?? []) as JsonObject[];
  const killed = input.killed === true;
  const phase = podPhase(pod, init, app, killed);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const progress = initProgress(pod, init);
  const unready = appSpecs.filter((c, i) => !isReady(c, app[i], now)).map((c) => String(c.name));
  const sidecarsUnready = initSpecs.filter((c, i) => isSidecar(c) && !isReady(c, init[i], now)).map((c) => String(c.name));
  const allUnready = [...sidecarsUnready, ...unready];
  const gates = ((pod.spec?.readinessGates ?? []) as JsonObject[]).map((g) => String(g.conditionType));
  const gatesOpen = gates.filter((t) => live.find((c) => c.type === t)?.status !== 'True');
  const initialized = progress.done || (terminal && initSpecs.length === 0);
  const conditions: JsonObject[] = [
    condition(prevConds, 'PodReadyToStartContainers', input.podIps.length > 0 && !terminal, now),
    initialized ? condition(prevConds, 'Initialized', true, now)
      : condition(prevConds, 'Initialized', false, now, 'ContainersNotInitialized', `containers with incomplete status: [${progress.pending.join(' ')}]`),
    terminal ? condition(prevConds, 'ContainersReady', false, now, 'PodCompleted')
      : allUnready.length === 0 ? condition(prevConds, 'ContainersReady', true, now)
        : condition(prevConds, 'ContainersReady', false, now, 'ContainersNotReady', `containers with unready status: [${allUnready.join(' ')}]`),
    terminal ? condition(prevConds, 'Ready', false, now, 'PodCompleted')
      : allUnready.length > 0 ? condition(prevConds, 'Ready', false, now, 'ContainersNotReady', `containers with unready status: [${allUnready.join(' ')}]`)
        : gatesOpen.length > 0 ? condition(prevConds, 'Ready', false, now, 'ReadinessGatesNotReady', `corresponding condition of pod readiness gate "${gatesOpen[0]}" does not exist.`)
          : condition(prevConds, 'Ready', true, now),
    live.find((c) => c.type === 'PodScheduled') ?? condition(prevConds, 'PodScheduled', true, now),
    ...live.filter((c) => !KUBELET_CONDITIONS.includes(String(c.type))),
  ];
  const podIps = input.podIps.length > 0 ? input.podIps : (Array.isArray(prev.podIPs) ? (prev.podIPs as JsonObject[]).map((p) => String(p.ip)) : []);
  const status: JsonObject = {
    phase, conditions, hostIP: input.hostIp, hostIPs: [{ ip: input.hostIp }],
    ...(podIps.length > 0 ? { podIP: podIps[0], podIPs: podIps.map((ip) => ({ ip })) } : {}),
    startTime: typeof prev.startTime === 'string' ? prev.startTime : rfc3339(now),
  };
  if (initSpecs.length > 0) {
    status.initContainerStatuses = initSpecs.map((c, i) => containerStatus(c, init[i], now, progress.done || i === 0 ? 'ContainerCreating' : 'PodInitializing'));
  }
  status.containerStatuses = appSpecs.map((c, i) => containerStatus(c, app[i], now, progress.done ? 'ContainerCreating' : 'PodInitializing'));
  const ephSpecs = (pod.spec?.ephemeralContainers ?? []) as JsonObject[];
  if (ephSpecs.length > 0) {
    status.ephemeralContainerStatuses = ephSpecs.map((c, i) => ({ ...containerStatus(c, input.ephemeral?.[i], now, 'ContainerCreating'), ready: false }));
  }
  status.qosClass = typeof pod.status?.qosClass === 'string' && pod.status.qosClass ? pod.status.qosClass : qosClass(pod.spec ?? {});
  return status;
}
