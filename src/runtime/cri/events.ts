/**
 * @module runtime/cri/events — container events for runtimes without CRI GetContainerEvents
 * (containerd 1.6): poll ListContainers while anyone listens and turn state differences into
 * CREATED / STARTED / STOPPED / DELETED events. The first poll only records a baseline. Timers
 * are unref'd and cleared when the last listener leaves; failed polls are skipped.
 */
import type { Container, ContainerEvent, ContainerState } from '../types.ts';

/** ContainerSnapshot is what the poller remembers of a container between polls. */
export interface ContainerSnapshot {
  readonly podSandboxId: string;
  readonly state: ContainerState;
}

/** diffContainers compares two polls and returns the events between them (`now` stamps them). */
export function diffContainers(prev: ReadonlyMap<string, ContainerSnapshot>, next: readonly Container[], now: number): ContainerEvent[] {
  const events: ContainerEvent[] = [];
  const seen = new Set<string>();
  const emit = (c: { id: string; podSandboxId: string }, type: ContainerEvent['type']): void => {
    events.push({ containerId: c.id, podSandboxId: c.podSandboxId, type, createdAt: now });
  };
  for (const c of next) {
    seen.add(c.id);
    const before = prev.get(c.id);
    if (!before) emit(c, 'CREATED');
    const was = before?.state ?? 'CREATED';
    if (was === c.state) continue;
    if (c.state === 'RUNNING' && was === 'CREATED') emit(c, 'STARTED');
    else if (c.state === 'EXITED' && (was === 'CREATED' || was === 'RUNNING' || was === 'UNKNOWN')) emit(c, 'STOPPED');
    else if (c.state === 'RUNNING' && was === 'UNKNOWN') emit(c, 'STARTED');
  }
  for (const [id, s] of prev) if (!seen.has(id)) emit({ id, podSandboxId: s.podSandboxId }, 'DELETED');
  return events;
}

/** PollTimers is the part of a clock the poller uses. */
export interface PollTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: PollTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** ContainerEventPoller polls `list` every `intervalMs` while it has listeners and reports differences. */
export class ContainerEventPoller {
  private readonly listeners = new Set<(e: ContainerEvent) => void>();
  private readonly list: () => Promise<Container[]>;
  private readonly intervalMs: number;
  private readonly timers: PollTimers;
  private snapshot: Map<string, ContainerSnapshot> | undefined;
  private timer: unknown;
  private generation = 0;

  constructor(list: () => Promise<Container[]>, intervalMs = 1000, timers: PollTimers = realTimers) {
    this.list = list;
    this.intervalMs = intervalMs;
    this.timers = timers;
  }

  /** subscribe adds a listener (starting the polling) and returns its removal. */
  subscribe(listener: (e: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      this.generation++;
      this.snapshot = undefined;
      void this.poll(this.generation);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** stop drops every listener and the timer. */
  stop(): void {
    this.listeners.clear();
    this.generation++;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(gen: number): Promise<void> {
    this.timer = undefined;
    try {
      const containers = await this.list();
      if (gen !== this.generation) return;
      const next = new Map(containers.map((c) => [c.id, { podSandboxId: c.podSandboxId, state: c.state }]));
      if (this.snapshot) {
        for (const e of diffContainers(this.snapshot, containers, this.timers.now())) {
          for (const l of [...this.listeners]) {
            try { l(e); } catch { /* a listener's failure is its own */ }
          }
        }
      }
      this.snapshot = next;
    } catch {
      // runtime unavailable (e.g. containerd restarting): keep the old baseline, try again
    }
    if (gen === this.generation) this.timer = this.timers.setTimeout(() => void this.poll(gen), this.intervalMs);
  }
}
