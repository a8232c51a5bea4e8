/**
 * @module test/harness/wait — bounded waiting: every wait in the acceptance tests has a deadline and
 * fails with a message that names what it was waiting for.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** sleep resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/** withTimeout resolves like `p`, or rejects with "timed out after N ms waiting for <what>". */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Options for waitFor: the deadline, the poll interval and a description for the failure message. */
export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  readonly what?: string;
}

/** waitFor polls `fn` until it returns a value other than undefined/false, or rejects at the deadline
 * (the last error thrown by `fn`, if any, is included in the message). */
export async function waitFor<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? `; last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'}${why}`);
    }
    await delay(opts.intervalMs ?? 100);
  }
}
