/**
 * @module agent/pods/views — what the pod workers know of each spec container, rendered as the
 * ContainerView the status computation reads: the runtime status of the current instance (a
 * failed start as its StartError end), the previous instance's end, the waiting reason while an
 * image, config or create step fails or a restart backs off (CrashLoopBackOff), and — with a
 * probe manager — readiness and startedness from the probes.
 */
import type { JsonObject } from '../../api/index.ts';
import type { ContainerStatus } from '../../runtime/index.ts';
import type { ContainerRec, ContainerRunner, PodProbes, PodRec } from './runner.ts';
import type { ContainerView } from './status.ts';

/** ViewContext is what containerViews reads besides the pod record. */
export interface ViewContext {
  readonly runner: ContainerRunner;
  readonly runtimeName: string;
  readonly now: number;
  readonly probes?: PodProbes;
}

/** placeholder stands in for a container that never got an instance (only its waiting reason is read). */
function placeholder(c: JsonObject): ContainerStatus {
  return {
    id: '', podSandboxId: '', metadata: { name: String(c.name), attempt: 0 }, image: { image: String(c.image ?? '') }, imageRef: '', state: 'UNKNOWN',
    createdAt: 0, labels: {}, annotations: {}, startedAt: 0, finishedAt: 0, exitCode: 0, reason: '', message: '',
  };
}

function withoutInstance(c: JsonObject, cr: ContainerRec): ContainerView | undefined {
  const w = cr.waiting;
  const last = cr.lastTerminated;
  if (!w && !last) return undefined;
  return {
    containerId: last?.containerId ?? '', status: last?.status ?? placeholder(c), imageId: cr.imageId ?? '', restartCount: cr.restartCount,
    ...(last ? { lastTerminated: last } : {}),
    waitingReason: w?.reason ?? 'ContainerCreating', ...(w?.message ? { waitingMessage: w.message } : {}),
  };
}

/** containerViews renders the views of `specs` (in order) for the pod's status. */
export async function containerViews(rec: PodRec, specs: readonly JsonObject[], ctx: ViewContext): Promise<(ContainerView | undefined)[]> {
  const out: (ContainerView | undefined)[] = [];
  for (const c of specs) {
    const cr = rec.containers.get(String(c.name));
    const st = cr?.id ? await ctx.runner.statusOf(rec, cr, c) : undefined;
    if (!cr || !cr.id || !st) { out.push(cr ? withoutInstance(c, cr) : undefined); continue; }
    const id = `${ctx.runtimeName}://${cr.id}`;
    const backingOff = cr.backoffUntil !== undefined && cr.backoffUntil > ctx.now && st.state === 'EXITED' && !rec.killed;
    const w = cr.waiting;
    if (w?.once) cr.waiting = undefined;
    const probed = ctx.probes && st.state === 'RUNNING' ? { ready: ctx.probes.ready(cr.id) ?? true, started: ctx.probes.started(cr.id) ?? true } : {};
    const view: ContainerView = {
      containerId: id, status: st, imageId: cr.imageId ?? '', restartCount: cr.restartCount,
      ...(cr.image !== undefined ? { image: cr.image } : {}),
      ...(cr.lastTerminated ? { lastTerminated: cr.lastTerminated } : {}),
      ...probed,
    };
    if (w && st.state === 'EXITED' && !rec.killed) {
      out.push({ ...view, waitingReason: w.reason, waitingMessage: w.message, lastTerminated: { containerId: id, status: st } });
    } else if (backingOff) {
      out.push({ ...view, waitingReason: 'CrashLoopBackOff', waitingMessage: `back-off ${String(Math.round((cr.backoffUntil! - (st.finishedAt || ctx.now)) / 1000))}s restarting failed container=${String(c.name)} pod=${String(rec.pod.metadata?.name)}_${String(rec.pod.metadata?.namespace)}(${rec.uid})`, lastTerminated: { containerId: id, status: st } });
    } else out.push(view);
  }
  return out;
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
