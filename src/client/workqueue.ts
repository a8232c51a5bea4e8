/**
 * @module client/workqueue — client-go's work queue: a FIFO of keys with a *dirty* set (keys
 * waiting, so duplicates coalesce) and a *processing* set (keys a worker holds, so one key is
 * never processed by two workers at once: a key added while processing is queued again only when
 * `done` is called). Delayed adds and per-item rate limiting (the max of an exponential backoff
 * per key and a global token bucket) run on an injected Clock.
 */
import { realClock, type Clock, type TimerHandle } from './clock.ts';

/** RateLimiter decides how long an item waits before its next retry. */
export interface RateLimiter<K> {
  /** when returns the delay in ms for the item's next retry and records the attempt. */
  when(item: K): number;
  forget(item: K): void;
  numRequeues(item: K): number;
}

/** ItemExponentialFailureRateLimiter waits base·2^failures per item, capped at max. */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  readonly #failures = new Map<K, number>();
  readonly baseMs: number;
  readonly maxMs: number;
  constructor(baseMs: number, maxMs: number) { this.baseMs = baseMs; this.maxMs = maxMs; }
  when(item: K): number {
    const n = this.#failures.get(item) ?? 0;
    this.#failures.set(item, n + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** n);
  }
  forget(item: K): void { this.#failures.delete(item); }
  numRequeues(item: K): number { return this.#failures.get(item) ?? 0; }
}

/** BucketRateLimiter is a token bucket over all items (qps refill, `burst` capacity); each `when` reserves one token. */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  readonly qps: number;
  readonly burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  constructor(qps: number, burst: number, clock: Clock = realClock) {
    this.qps = qps; this.burst = burst; this.#clock = clock; this.#tokens = burst; this.#last = clock.now();
  }
  when(_item: K): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.qps) / 1000);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.qps;
  }
  forget(_item: K): void { /* the bucket is shared */ }
  numRequeues(_item: K): number { return 0; }
}

/** MaxOfRateLimiter takes the longest delay of its limiters. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  readonly #limiters: readonly RateLimiter<K>[];
  constructor(...limiters: RateLimiter<K>[]) { this.#limiters = limiters; }
  when(item: K): number { return Math.max(0, ...this.#limiters.map((l) => l.when(item))); }
  forget(item: K): void { for (const l of this.#limiters) l.forget(item); }
  numRequeues(item: K): number { return Math.max(0, ...this.#limiters.map((l) => l.numRequeues(item))); }
}

/** defaultControllerRateLimiter is client-go's default: max(per-item 5 ms→1000 s exponential, 50 qps burst 300 bucket). */
export function defaultControllerRateLimiter<K>(clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ItemExponentialFailureRateLimiter<K>(5, 1_000_000), new BucketRateLimiter<K>(50, 300, clock));
}

/** WorkQueueOptions configure a WorkQueue: its clock and rate limiter. */
export interface WorkQueueOptions<K> { readonly clock?: Clock; readonly rateLimiter?: RateLimiter<K>; readonly name?: string }

/** WorkQueue is a rate-limited delaying queue with client-go's dirty/processing semantics. */
export class WorkQueue<K = string> {
  readonly name: string;
  readonly #clock: Clock;
  readonly #limiter: RateLimiter<K>;
  readonly #queue: K[] = [];
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  readonly #waiting = new Map<K, { at: number; handle: TimerHandle }>();
  readonly #getters: ((item: K | undefined) => void)[] = [];
  #shuttingDown = false;

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.#clock = opts.clock ?? realClock;
    this.#limiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(this.#clock);
    this.name = opts.name ?? '';
  }

  /** add marks `item` as needing processing; a key already waiting or being processed is not queued twice. */
  add(item: K): void {
    if (this.#shuttingDown || this.#dirty.has(item)) return;
    this.#dirty.add(item);
    if (this.#processing.has(item)) return;
    const getter = this.#getters.shift();
    if (getter) { this.#dirty.delete(item); this.#processing.add(item); getter(item); return; }
    this.#queue.push(item);
  }

  /** get waits for the next item and hands it to the caller, who must call `done`; undefined once shut down. */
  get(): Promise<K | undefined> {
    if (this.#queue.length > 0) {
      const item = this.#queue.shift() as K;
      this.#dirty.delete(item);
      this.#processing.add(item);
      return Promise.resolve(item);
    }
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** done ends processing of `item`; if it was added meanwhile it goes back on the queue. */
  done(item: K): void {
    this.#processing.delete(item);
    if (this.#dirty.has(item)) {
      this.#dirty.delete(item);
      this.add(item);
    }
  }

  /** addAfter adds `item` after `ms` (at once when ms ≤ 0); of several pending delays the earliest wins. */
  addAfter(item: K, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) { this.add(item); return; }
    const at = this.#clock.now() + ms;
    const prev = this.#waiting.get(item);
    if (prev && prev.at <= at) return;
    if (prev) this.#clock.clearTimeout(prev.handle);
    const handle = this.#clock.setTimeout(() => { this.#waiting.delete(item); this.add(item); }, ms);
    this.#waiting.set(item, { at, handle });
  }

  /** addRateLimited adds `item` after the rate limiter's delay for it. */
  addRateLimited(item: K): void { this.addAfter(item, this.#limiter.when(item)); }

  /** forget clears the item's retry history (call on success). */
  forget(item: K): void { this.#limiter.forget(item); }

  /** numRequeues is how many rate-limited retries the item has had since its last forget. */
  numRequeues(item: K): number { return this.#limiter.numRequeues(item); }

  /** len is the number of items ready to be handed out. */
  len(): number { return this.#queue.length; }

  /** waitingCount is the number of items waiting for a delayed add. */
  waitingCount(): number { return this.#waiting.size; }

  /** isProcessing says whether a worker currently holds `item`. */
  isProcessing(item: K): boolean { return this.#processing.has(item); }

  /** shutDown stops accepting items, cancels delayed adds and releases every waiting `get` with undefined. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const w of this.#waiting.values()) this.#clock.clearTimeout(w.handle);
    this.#waiting.clear();
    for (const g of this.#getters.splice(0)) g(undefined);
  }

  /** shuttingDown says whether shutDown has been called. */
  shuttingDown(): boolean { return this.#shuttingDown; }
}
