/**
 * @module store/watch-hub — in-process watch fan-out shared by the memory and SQLite backends:
 * replays history from a revision in chunks, then switches to live batches published right after
 * each commit, and ends watches that start below the compact revision with onCompacted.
 */
import type { WatchEvent, WatchListener } from './types.ts';

/** HistorySource is what a backend offers the hub: committed history and its bounds. */
export interface HistorySource {
  /** events returns up to `limit` committed events with revision > after, for keys with prefix, in order. */
  events(prefix: string, after: number, limit: number): WatchEvent[];
  /** revision is the latest committed revision. */
  revision(): number;
  /** compactRevision is the last compaction's revision (0 if never). */
  compactRevision(): number;
}

interface Watcher {
  readonly prefix: string;
  readonly listener: WatchListener;
  /** cursor: every event at or below this revision has been delivered (or did not match). */
  cursor: number;
  live: boolean;
  done: boolean;
  readonly cleanup: () => void;
}

const REPLAY_CHUNK = 1000;

/** WatchHub keeps the watchers of one store and delivers committed batches to them. */
export class WatchHub {
  readonly #source: HistorySource;
  readonly #watchers = new Set<Watcher>();

  /** constructor: `source` answers history reads for replays. */
  constructor(source: HistorySource) {
    this.#source = source;
  }

  /** size is the number of active watches. */
  get size(): number {
    return this.#watchers.size;
  }

  /** add starts a watch; events after `afterRevision` are replayed from history, then delivered live. */
  add(prefix: string, afterRevision: number, listener: WatchListener, signal: AbortSignal): void {
    if (signal.aborted) return;
    const onAbort = (): void => this.#end(w);
    const w: Watcher = {
      prefix, listener, cursor: afterRevision, live: false, done: false,
      cleanup: () => signal.removeEventListener('abort', onAbort),
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.#watchers.add(w);
    queueMicrotask(() => this.#replayStep(w));
  }

  /** publish delivers one committed batch (events in revision order, all at or below `revision`). */
  publish(events: readonly WatchEvent[], revision: number): void {
    for (const w of this.#watchers) {
      if (!w.live || w.done) continue;
      let matched: WatchEvent[] | undefined;
      for (const ev of events) {
        if (ev.kv.modRevision > w.cursor && ev.kv.key.startsWith(w.prefix)) (matched ??= []).push(ev);
      }
      w.cursor = revision;
      if (matched) this.#deliver(w, matched);
    }
  }

  /** closeAll ends every watch without further callbacks. */
  closeAll(): void {
    for (const w of this.#watchers) this.#end(w);
  }

  #replayStep(w: Watcher): void {
    if (w.done) return;
    try {
      const compactRev = this.#source.compactRevision();
      if (w.cursor < compactRev) {
        this.#failCompacted(w, compactRev);
        return;
      }
      const current = this.#source.revision();
      if (w.cursor >= current) {
        w.cursor = Math.max(w.cursor, current);
        w.live = true;
        return;
      }
      const events = this.#source.events(w.prefix, w.cursor, REPLAY_CHUNK);
      if (events.length < REPLAY_CHUNK) {
        // Everything up to `current` has been read: deliver and go live in the same turn.
        w.cursor = current;
        w.live = true;
        if (events.length > 0) this.#deliver(w, events);
        return;
      }
      w.cursor = events[events.length - 1].kv.modRevision;
      this.#deliver(w, events);
      setImmediate(() => this.#replayStep(w));
    } catch (err) {
      this.#end(w);
      w.listener.onError?.(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #deliver(w: Watcher, events: readonly WatchEvent[]): void {
    try {
      w.listener.onEvents(events);
    } catch (err) {
      // A throwing listener ends only its own watch.
      this.#end(w);
      try {
        w.listener.onError?.(err instanceof Error ? err : new Error(String(err)));
      } catch { /* the listener is broken twice; nothing left to tell it */ }
    }
  }

  #failCompacted(w: Watcher, compactRev: number): void {
    this.#end(w);
    w.listener.onCompacted(compactRev);
  }

  #end(w: Watcher): void {
    if (w.done) return;
    w.done = true;
    w.cleanup();
    this.#watchers.delete(w);
  }
}

/** prefixEnd returns the smallest string greater than every string starting with `prefix`
 * (code-unit order, which equals UTF-8 byte order for keys below U+FFFF), or undefined for ''. */
export function prefixEnd(prefix: string): string | undefined {
  let p = prefix;
  while (p.length > 0 && p.charCodeAt(p.length - 1) === 0xffff) p = p.slice(0, -1);
  if (p.length === 0) return undefined;
  return p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);
}

/** futureRevisionError is thrown when a read asks for a revision the store has not reached. */
export function futureRevisionError(requested: number, current: number): Error {
  return new Error(`store: requested revision ${requested} is newer than the current revision ${current}`);
}

/** closedError is thrown by operations on a closed store. */
export function closedError(name: string): Error {
  return new Error(`store (${name}) is closed`);
}
