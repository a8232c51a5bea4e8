/**
 * @module controllers/controller — what a controller is and how it runs.
 *
 * A controller is a work queue of keys, the informers whose handlers fill it, and `reconcile(key)`:
 * level-based and idempotent, reading from the informer caches and writing through the client. The
 * ControllerManager starts the informers, waits for every cache to sync, then runs N workers per
 * controller: a worker takes a key, reconciles it, `forget`s it on success (or schedules the
 * requested requeue), sends it back through `addRateLimited` on error, and always calls `done`.
 */
import type { JsonObject } from '../api/index.ts';
import { isStatusError } from '../api/index.ts';
import type { ApiClient, Clock, Informer, InformerFactory, WorkQueue } from '../client/index.ts';

/** ReconcileResult asks for the key to be looked at again after `requeueAfterMs` (e.g. at an expiry time). */
export interface ReconcileResult { readonly requeueAfterMs?: number }

/** ControllerLog receives structured log events (the CLI's Logger fits). */
export interface ControllerLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Controller is one reconcile loop with its queue and the informers it needs synced. */
export interface Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  readonly informers: readonly Informer<any>[];
  /** workers is how many keys are reconciled in parallel (default 1). */
  readonly workers?: number;
  reconcile(key: string): Promise<ReconcileResult | void>;
  /** started runs once after the caches synced, before the workers (e.g. to enqueue a fixed key). */
  started?(): void;
}

/** ControllerContext is what every controller constructor receives. */
export interface ControllerContext {
  readonly client: ApiClient;
  readonly factory: InformerFactory;
  readonly clock: Clock;
  readonly log: ControllerLog;
}

/** errorFields renders an error for a log line: message, and the Status code/reason when it is a StatusError. */
export function errorFields(e: unknown): Record<string, unknown> {
  if (isStatusError(e)) return { error: e.message, code: e.code, reason: e.reason };
  return { error: e instanceof Error ? e.message : String(e) };
}

/** isNamespaceActive says whether a namespace exists and is not being deleted. */
export function isNamespaceActive(ns: JsonObject | undefined): ns is JsonObject {
  return ns !== undefined && !ns.metadata?.deletionTimestamp && ns.status?.phase !== 'Terminating';
}

/** ControllerManager runs controllers until its signal aborts. */
export class ControllerManager {
  readonly #controllers: readonly Controller[];
  readonly #factory: InformerFactory;
  readonly #log: ControllerLog;

  constructor(controllers: readonly Controller[], factory: InformerFactory, log: ControllerLog) {
    this.#controllers = controllers;
    this.#factory = factory;
    this.#log = log;
  }

  /** run starts the informers, waits for sync, runs the workers, and resolves after `signal` aborts and every worker stopped. */
  async run(signal: AbortSignal): Promise<void> {
    const onAbort = (): void => { for (const c of this.#controllers) c.queue.shutDown(); };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.#factory.start(signal);
      if (!(await this.#factory.waitForSync(signal))) return;
      this.#log.info('controllers: caches synced', { controllers: this.#controllers.map((c) => c.name) });
      const workers: Promise<void>[] = [];
      for (const c of this.#controllers) {
        c.started?.();
        for (let i = 0; i < (c.workers ?? 1); i++) workers.push(this.#worker(c, signal));
      }
      await Promise.all(workers);
    } finally {
      signal.removeEventListener('abort', onAbort);
      onAbort();
      await this.#factory.stopped();
    }
  }

  async #worker(c: Controller, signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await c.queue.get();
      if (key === undefined) return;
      await processKey(c, key, this.#log, signal);
    }
  }
}

/** processKey reconciles one key taken from the queue with client-go's forget / addRateLimited / done protocol;
 * failures after `signal` aborted (the server going away under a shutdown) are not logged. */
export async function processKey(c: Controller, key: string, log: ControllerLog, signal?: AbortSignal): Promise<void> {
  try {
    const r = await c.reconcile(key);
    c.queue.forget(key);
    if (r?.requeueAfterMs !== undefined) c.queue.addAfter(key, r.requeueAfterMs);
  } catch (e) {
    if (signal?.aborted) return;
    // Retrying with backoff is the answer to every error: a 403 from RBAC, a conflict, a dropped
    // connection. Log each so a missing permission is visible, not silently retried forever.
    log.error(`controller ${c.name}: reconcile failed`, { key, retries: c.queue.numRequeues(key), ...errorFields(e) });
    c.queue.addRateLimited(key);
  } finally {
    c.queue.done(key);
  }
}
