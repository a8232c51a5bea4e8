/**
 * @module agent/probes/manager — the kubelet's probe workers: each tracked container gets one
 * worker per startup/liveness/readiness probe, run on the injected Clock after
 * `initialDelaySeconds` and then every `periodSeconds` (one attempt at a time). A result flips only
 * after `successThreshold` / `failureThreshold` consecutive attempts; readiness starts false,
 * liveness true, startup unknown, and while a startup probe has not succeeded the other two do not
 * run. A crossed liveness (or startup) threshold holds the worker until the container is replaced.
 * Every failed attempt records an `Unhealthy` event (`Liveness probe failed: …`), and every flip
 * calls `onChange(podKey)`.
 */
import type { JsonObject } from '../../api/index.ts';
import type { Clock, EventRecorder, TimerHandle } from '../../client/index.ts';
import type { Runtime } from '../../runtime/types.ts';
import { runProbe, type ProbeResult, type ProbeTarget } from './run.ts';

/** ProbeKind names the three probes of a container. */
export type ProbeKind = 'startup' | 'liveness' | 'readiness';

const LABEL: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };
const FIELD: Record<ProbeKind, string> = { startup: 'startupProbe', liveness: 'livenessProbe', readiness: 'readinessProbe' };

/** ProbeManagerOptions configure a ProbeManager; `prober` replaces runProbe (tests). */
export interface ProbeManagerOptions {
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly onChange: (podKey: string) => void;
  readonly events?: EventRecorder;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  readonly prober?: (probe: JsonObject, t: ProbeTarget) => Promise<ProbeResult>;
}

/** ProbeTiming is a probe's schedule and thresholds with the API defaults applied. */
export interface ProbeTiming {
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutSeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

function posInt(v: unknown, dflt: number, min = 1): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min ? Math.floor(v) : dflt;
}

/** probeTiming reads a v1.Probe's timing (initialDelay 0, period 10 s, timeout 1 s, success 1, failure 3). */
export function probeTiming(probe: JsonObject, kind: ProbeKind): ProbeTiming {
  return {
    initialDelayMs: posInt(probe.initialDelaySeconds, 0, 0) * 1000,
    periodMs: posInt(probe.periodSeconds, 10) * 1000,
    timeoutSeconds: posInt(probe.timeoutSeconds, 1),
    // liveness and startup probes must use successThreshold 1 (API validation); readiness may use more.
    successThreshold: kind === 'readiness' ? posInt(probe.successThreshold, 1) : 1,
    failureThreshold: posInt(probe.failureThreshold, 3),
  };
}

interface Worker {
  readonly kind: ProbeKind;
  readonly probe: JsonObject;
  readonly timing: ProbeTiming;
  /** value: the current result (true = success); undefined for a startup probe not yet decided. */
  value: boolean | undefined;
  successes: number;
  failures: number;
  running: boolean;
  onHold: boolean;
  timer: TimerHandle | undefined;
}

interface Tracked {
  readonly podKey: string;
  readonly pod: JsonObject;
  readonly container: JsonObject;
  readonly containerId: string;
  readonly podIp: string;
  readonly workers: Map<ProbeKind, Worker>;
  stopped: boolean;
}

/** ProbeManager runs the probes of the node's containers and answers their results. */
export class ProbeManager {
  readonly #o: ProbeManagerOptions;
  readonly #byId = new Map<string, Tracked>();

  constructor(o: ProbeManagerOptions) { this.#o = o; }

  /** track starts the container's startup/liveness/readiness probes (per its spec's periods/thresholds); tracking an id again is a no-op. */
  track(podKey: string, pod: JsonObject, container: JsonObject, containerId: string, podIp: string, startedAt: number): void {
    if (this.#byId.has(containerId)) return;
    const t: Tracked = { podKey, pod, container, containerId, podIp, workers: new Map(), stopped: false };
    for (const kind of ['startup', 'liveness', 'readiness'] as const) {
      const probe = container[FIELD[kind]] as JsonObject | undefined;
      if (!probe || typeof probe !== 'object') continue;
      const timing = probeTiming(probe, kind);
      t.workers.set(kind, {
        kind, probe, timing, value: kind === 'liveness' ? true : kind === 'readiness' ? false : undefined,
        successes: 0, failures: 0, running: false, onHold: false, timer: undefined,
      });
    }
    if (t.workers.size === 0) return;
    this.#byId.set(containerId, t);
    const now = this.#o.clock.now();
    for (const w of t.workers.values()) this.#schedule(t, w, Math.max(0, startedAt + w.timing.initialDelayMs - now));
  }

  #schedule(t: Tracked, w: Worker, delayMs: number): void {
    if (t.stopped || w.onHold) return;
    w.timer = this.#o.clock.setTimeout(() => { w.timer = undefined; void this.#tick(t, w); }, delayMs);
  }

  /** startupPending tells whether the container has a startup probe that has not succeeded yet. */
  #startupPending(t: Tracked): boolean {
    const s = t.workers.get('startup');
    return !!s && s.value !== true;
  }

  async #tick(t: Tracked, w: Worker): Promise<void> {
    if (t.stopped || w.running) return;
    const startedAt = this.#o.clock.now();
    const gated = w.kind !== 'startup' && this.#startupPending(t);
    const done = w.kind === 'startup' && w.value === true;
    if (!gated && !done) {
      w.running = true;
      let res: ProbeResult;
      try {
        res = await (this.#o.prober ?? runProbe)(w.probe, {
          podIp: t.podIp, containerId: t.containerId, container: t.container, runtime: this.#o.runtime, timeoutSeconds: w.timing.timeoutSeconds,
        });
      } catch (e) {
        res = { result: 'failure', output: (e as Error).message };
      } finally {
        w.running = false;
      }
      if (t.stopped) return;
      this.#record(t, w, res);
    }
    if (w.kind === 'startup' && w.value === true) return; // a succeeded startup probe is not run again
    const next = startedAt + w.timing.periodMs - this.#o.clock.now();
    this.#schedule(t, w, Math.max(0, next));
  }

  #record(t: Tracked, w: Worker, res: ProbeResult): void {
    const ok = res.result === 'success';
    if (ok) { w.successes++; w.failures = 0; } else { w.failures++; w.successes = 0; }
    if (!ok) {
      void this.#o.events?.event(t.pod, 'v1', 'Pod', 'Warning', 'Unhealthy', `${LABEL[w.kind]} probe failed: ${res.output}`);
      this.#o.log?.('probe failed', { pod: t.podKey, container: t.container.name, probe: w.kind, output: res.output });
    }
    let next = w.value;
    if (ok && w.successes >= w.timing.successThreshold) next = true;
    if (!ok && w.failures >= w.timing.failureThreshold) next = false;
    if (next === w.value) return;
    w.value = next;
    // A container that failed liveness or startup is restarted: its worker holds until the container is replaced.
    if (next === false && w.kind !== 'readiness') w.onHold = true;
    this.#o.onChange(t.podKey);
  }

  /** untrack stops the probes of one container. */
  untrack(containerId: string): void {
    const t = this.#byId.get(containerId);
    if (!t) return;
    t.stopped = true;
    for (const w of t.workers.values()) if (w.timer) { this.#o.clock.clearTimeout(w.timer); w.timer = undefined; }
    this.#byId.delete(containerId);
  }

  /** untrackPod stops the probes of every container of the pod `podKey`. */
  untrackPod(podKey: string): void {
    for (const [id, t] of [...this.#byId]) if (t.podKey === podKey) this.untrack(id);
  }

  /** ready is the readiness result (false until the first success); undefined when the container has no readiness probe. */
  ready(containerId: string): boolean | undefined {
    const w = this.#byId.get(containerId)?.workers.get('readiness');
    return w ? w.value === true : undefined;
  }

  /** started is the startup result (false until it succeeds); undefined when the container has no startup probe. */
  started(containerId: string): boolean | undefined {
    const w = this.#byId.get(containerId)?.workers.get('startup');
    return w ? w.value === true : undefined;
  }

  /** livenessFailed is true once the liveness probe (or the startup probe) crossed its failureThreshold: the worker restarts the container. */
  livenessFailed(containerId: string): boolean {
    const t = this.#byId.get(containerId);
    return !!t && (t.workers.get('liveness')?.value === false || t.workers.get('startup')?.value === false);
  }

  /** tracked lists the tracked container ids. */
  tracked(): string[] { return [...this.#byId.keys()]; }

  /** stop ends every probe worker and clears its timers. */
  stop(): void {
    for (const id of [...this.#byId.keys()]) this.untrack(id);
  }
}
