/**
 * @module api/printers/pod — the Pod Table columns: READY, STATUS (upstream's reason logic:
 * Init:x/y, CrashLoopBackOff, Completed, Terminating, …), RESTARTS with "(5m ago)", AGE, and the
 * wide IP, NODE, NOMINATED NODE, READINESS GATES.
 */
import type { ColumnDef, JsonObject } from '../kinds/types.ts';
import { ageColumn, column, humanDuration, int, parseTime } from './common.ts';

/** PodSummary is what the Pod row shows, computed once per object. */
export interface PodSummary {
  readonly ready: string;
  readonly status: string;
  readonly restarts: number;
  /** lastRestart: ms of the latest container termination behind a restart, if known. */
  readonly lastRestart?: number;
}

const arr = (v: unknown): JsonObject[] => (Array.isArray(v) ? v : []);

function isRestartableInit(c: JsonObject | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function conditionTrue(pod: JsonObject, type: string): boolean {
  return arr(pod.status?.conditions).some((c) => c?.type === type && c?.status === 'True');
}

/** summarizePod computes READY, STATUS and RESTARTS exactly as upstream's printPod. */
export function summarizePod(pod: JsonObject): PodSummary {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  let restarts = 0;
  let sidecarRestarts = 0;
  let totalContainers = arr(spec.containers).length;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  const phase: string = status.phase ?? '';
  let reason: string = status.reason || phase;
  for (const c of arr(status.conditions)) {
    if (c?.type === 'PodScheduled' && c?.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initSpecs = new Map<string, JsonObject>();
  const initContainers = arr(spec.initContainers);
  for (const c of initContainers) {
    initSpecs.set(c?.name, c);
    if (isRestartableInit(c)) totalContainers++;
  }
  const later = (a: number | undefined, ts: unknown): number | undefined => {
    const t = parseTime(ts);
    return t !== undefined && (a === undefined || t > a) ? t : a;
  };
  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += int(c.restartCount);
    lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
    const sidecar = isRestartableInit(initSpecs.get(c.name));
    if (sidecar) {
      sidecarRestarts += int(c.restartCount);
      lastSidecarRestart = later(lastSidecarRestart, c.lastState?.terminated?.finishedAt);
    }
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && int(term.exitCode) === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready === true) readyContainers++;
      continue;
    }
    if (term) {
      if (!term.reason) reason = int(term.signal) !== 0 ? `Init:Signal:${int(term.signal)}` : `Init:ExitCode:${int(term.exitCode)}`;
      else reason = `Init:${term.reason}`;
    } else if (wait && wait.reason && wait.reason !== 'PodInitializing') {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }
  if (!initializing || conditionTrue(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += int(c.restartCount);
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait && wait.reason) reason = wait.reason;
      else if (term && term.reason) reason = term.reason;
      else if (term) reason = int(term.signal) !== 0 ? `Signal:${int(term.signal)}` : `ExitCode:${int(term.exitCode)}`;
      else if (c.ready === true && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(pod, 'Ready') ? 'Running' : 'NotReady';
  }
  const deleting = Boolean(pod.metadata?.deletionTimestamp);
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts, lastRestart };
}

/** restartsText renders RESTARTS: "3" or "3 (5m ago)". */
export function restartsText(s: PodSummary, now: number): string {
  if (s.restarts !== 0 && s.lastRestart !== undefined) return `${s.restarts} (${humanDuration(now - s.lastRestart)} ago)`;
  return String(s.restarts);
}

function readinessGates(pod: JsonObject): string {
  const gates = arr(pod.spec?.readinessGates);
  if (gates.length === 0) return '<none>';
  let ok = 0;
  for (const g of gates) {
    const c = arr(pod.status?.conditions).find((x) => x?.type === g?.conditionType);
    if (c?.status === 'True') ok++;
  }
  return `${ok}/${gates.length}`;
}

/** podColumns are the Pod Table columns after NAME. */
export const podColumns: readonly ColumnDef[] = [
  column('Ready', 'string', (o) => summarizePod(o).ready, { description: 'The aggregate readiness state of this pod for accepting traffic.' }),
  column('Status', 'string', (o) => summarizePod(o).status, { description: 'The aggregate status of the containers in this pod.' }),
  column('Restarts', 'string', (o, now) => restartsText(summarizePod(o), now), { description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' }),
  ageColumn,
  column('IP', 'string', (o) => o.status?.podIPs?.[0]?.ip || o.status?.podIP || '<none>', { priority: 1, description: 'IP address allocated to the pod.' }),
  column('Node', 'string', (o) => o.spec?.nodeName || '<none>', { priority: 1, description: 'Node the pod is scheduled to.' }),
  column('Nominated Node', 'string', (o) => o.status?.nominatedNodeName || '<none>', { priority: 1, description: 'Node nominated for the pod by preemption.' }),
  column('Readiness Gates', 'string', readinessGates, { priority: 1, description: 'Readiness gates that are true out of those declared.' }),
];
