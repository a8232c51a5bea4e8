/**
 * @module client/clock — injectable time for queues, backoff, leases and expiry timers.
 *
 * `realClock` uses the process's timers; `FakeClock` only moves when a test calls `step(ms)`, firing
 * every timer that falls due in time order, so tests never sleep.
 */

/** TimerHandle identifies a timer set through a Clock (opaque to callers). */
export type TimerHandle = object;

/** Clock is the time source every timed component takes: `now` in epoch milliseconds, timers and an abortable sleep. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** sleep resolves true after `ms`, or false as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

/** sleepWith implements Clock.sleep over a clock's own timers. */
function sleepWith(clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>, ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(false); return; }
    const onAbort = (): void => { clock.clearTimeout(handle); resolve(false); };
    const handle = clock.setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(true); }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** MAX_TIMER_MS is the longest delay Node's timers take (a longer one fires after 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** LongTimer is a real timer that re-arms itself in steps of at most MAX_TIMER_MS. */
interface LongTimer { timer: NodeJS.Timeout }

function longTimeout(fn: () => void, ms: number, handle: LongTimer = { timer: undefined as unknown as NodeJS.Timeout }): LongTimer {
  const wait = Math.max(0, ms);
  handle.timer = wait > MAX_TIMER_MS ? setTimeout(() => longTimeout(fn, wait - MAX_TIMER_MS, handle), MAX_TIMER_MS) : setTimeout(fn, wait);
  return handle;
}

/** realClock is the wall clock with the process's timers (delays beyond ~24.8 days are honoured, not truncated). */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => longTimeout(fn, ms),
  clearTimeout: (h) => { clearTimeout((h as LongTimer).timer); },
  sleep(ms, signal) { return sleepWith(realClock, ms, signal); },
};

interface FakeTimer { readonly at: number; readonly seq: number; readonly fn: () => void }

/** FakeClock is a Clock for tests: time moves only through `step` / `setTime`, which fire due timers in order. */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<object, FakeTimer>();

  constructor(start = Date.UTC(2026, 0, 1)) { this.#now = start; }

  now(): number { return this.#now; }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {};
    this.#timers.set(handle, { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void { this.#timers.delete(handle); }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> { return sleepWith(this, ms, signal); }

  /** pending is the number of timers not yet fired or cleared. */
  get pending(): number { return this.#timers.size; }

  /** step advances time by `ms`, firing each due timer (including ones set by fired timers) at its own time, in order. */
  step(ms: number): void { this.setTime(this.#now + ms); }

  /** setTime moves time forward to `t`, firing due timers in order. */
  setTime(t: number): void {
    for (;;) {
      let next: [object, FakeTimer] | undefined;
      for (const e of this.#timers) {
        if (e[1].at <= t && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].seq < next[1].seq))) next = e;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = Math.max(this.#now, t);
  }
}
