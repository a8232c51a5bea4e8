/**
 * @module apiserver/watch — serves watch streams: newline-delimited JSON events fed from the watch
 * cache (or, for a resourceVersion from before the cache started, from a direct store watch; one
 * the cache has already dropped gets 410 Expired),
 * filtered per watcher by namespace and selectors, with initial events, bookmarks, timeouts,
 * Table rendering and a bound on buffered output.
 */
import type { ServerResponse } from 'node:http';
import { badRequest, type JsonObject, type KindInfo } from '../api/index.ts';
import type { Store } from '../store/types.ts';
import { storagePrefix } from './registry/catalog.ts';
import { readConversion, type ReadConversion } from './registry/conversion.ts';
import type { Predicate } from './registry/predicate.ts';
import { apiVersionOf } from './registry/prepare.ts';
import type { ResponseForm } from './request.ts';
import { buildTable, partialMetadata, type IncludeObject } from './table.ts';
import { decodeKv, hasWatchCache, makeEvent, type CacheEvent, type CacheSubscriber, type WatchCaches } from './watch-cache.ts';

/** WatchParams are the parsed watch query parameters. */
export interface WatchParams {
  readonly resourceVersion: string;
  readonly allowBookmarks: boolean;
  readonly sendInitialEvents: boolean | undefined;
  readonly timeoutSeconds: number | undefined;
  readonly include: IncludeObject;
}

/** WatchHubOptions tunes watch behaviour (tests shorten the intervals). */
export interface WatchHubOptions {
  readonly bookmarkIntervalMs?: number;
  readonly maxBufferedBytes?: number;
  readonly defaultTimeoutMs?: () => number;
  readonly now: () => number;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

class Watcher implements CacheSubscriber {
  lastRev: number;
  private headerSent = false;
  /** pending: event lines held until the end of the current tick (flushPending). */
  private pending: (string | Buffer)[] = [];
  /** live: the headers are out and events stream (before that, lines are written at once). */
  live = false;
  ended = false;
  onEnd: (() => void)[] = [];
  readonly hub: WatchHub;
  readonly res: ServerResponse;
  readonly kind: KindInfo;
  readonly nsPrefix: string;
  readonly pred: Predicate;
  readonly form: ResponseForm;
  readonly params: WatchParams;
  /** conv converts stored objects to the watched version (undefined when served as stored). */
  readonly conv: ReadConversion | undefined;
  currentRev: () => number = () => this.lastRev;

  constructor(hub: WatchHub, res: ServerResponse, kind: KindInfo, nsPrefix: string, pred: Predicate, form: ResponseForm, params: WatchParams, fromRev: number) {
    this.hub = hub; this.res = res; this.kind = kind; this.nsPrefix = nsPrefix; this.pred = pred; this.form = form; this.params = params;
    this.lastRev = fromRev;
    this.conv = readConversion(kind);
  }

  onEvent(ev: CacheEvent): void {
    if (this.ended || ev.rev <= this.lastRev) return;
    if (!ev.key.startsWith(this.nsPrefix)) return;
    this.lastRev = ev.rev;
    let type: EventType;
    if (this.pred.everything) {
      type = ev.type === 'delete' ? 'DELETED' : ev.created ? 'ADDED' : 'MODIFIED';
    } else if (ev.type === 'delete') {
      if (!this.pred.matches(ev.obj)) return;
      type = 'DELETED';
    } else {
      const now = this.pred.matches(ev.obj);
      const prev = ev.created ? undefined : ev.prev();
      const before = prev !== undefined && this.pred.matches(prev);
      if (now) type = before ? 'MODIFIED' : 'ADDED';
      else if (before) type = 'DELETED';
      else return;
    }
    this.sendEvent(type, ev.obj, ev);
  }

  onReset(): void { this.end(); }

  sendEvent(type: EventType, obj: JsonObject, ev?: CacheEvent): void {
    let line: string;
    const conv = type === 'ERROR' ? undefined : this.conv;
    const stored = obj;
    if (conv) obj = conv.shared(stored);
    if (this.form.as === 'Table' && type !== 'BOOKMARK' && type !== 'ERROR') {
      const table = buildTable(this.kind, [obj], { now: this.hub.now(), include: this.params.include, version: this.form.version, resourceVersion: obj.metadata?.resourceVersion, withHeader: !this.headerSent });
      this.headerSent = true;
      line = `{"type":"${type}","object":${JSON.stringify(table)}}\n`;
    } else if (this.form.as === 'PartialObjectMetadata' || this.form.as === 'PartialObjectMetadataList') {
      line = `{"type":"${type}","object":${JSON.stringify(type === 'ERROR' ? obj : partialMetadata(obj, this.form.version))}}\n`;
    } else if (ev && !conv) {
      this.write(this.hub.eventLine(ev, type));
      return;
    } else {
      line = `{"type":"${type}","object":${conv ? conv.sharedJson(stored) : JSON.stringify(obj)}}\n`;
    }
    this.write(line);
  }

  write(line: string | Buffer): void {
    if (this.ended) return;
    if (!this.live) {
      this.send(line);
      return;
    }
    // The events of one store batch reach a watcher in one synchronous fan-out: collect them and
    // write them as ONE chunk when it is over (one syscall, one TLS record). res.cork() does not do
    // this: ServerResponse.uncork uncorks the socket first, then sends each held chunk on its own.
    this.pending.push(line);
    if (this.pending.length === 1) process.nextTick(this.flushPending);
  }

  /** flushPending writes the events collected in this tick as one chunk. */
  private readonly flushPending = (): void => {
    const parts = this.pending;
    if (parts.length === 0 || this.ended) return;
    this.pending = [];
    this.send(parts.length === 1 ? parts[0] : Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))));
  };

  /** send writes to the socket and ends the watch (destroying it) once more than the bound waits unsent. */
  private send(chunk: string | Buffer): void {
    this.res.write(chunk);
    if (this.res.writableLength > this.hub.maxBuffered) this.end(true);
  }

  bookmark(extra?: Record<string, string>): void {
    const rv = String(Math.max(this.lastRev, this.currentRev()));
    const metadata: JsonObject = { resourceVersion: rv };
    if (extra) metadata.annotations = extra;
    this.write(`{"type":"BOOKMARK","object":${JSON.stringify({ kind: this.kind.kind, apiVersion: apiVersionOf(this.kind), metadata })}}\n`);
  }

  end(destroy = false): void {
    if (this.ended) return;
    if (!destroy) {
      this.flushPending();
      if (this.ended) return; // the flush overflowed the buffer and destroyed the stream
    }
    this.ended = true;
    this.pending = [];
    for (const f of this.onEnd) f();
    if (destroy) this.res.destroy();
    else this.res.end();
  }
}

function tooOld(requested: number, oldest: number): JsonObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${requested} (${oldest})`, reason: 'Expired', code: 410 };
}

/** WatchHub tracks live watchers: bookmarks on one shared timer, shutdown, and the gauge. */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private readonly timer: NodeJS.Timeout;
  private readonly caches: WatchCaches;
  private readonly store: Store;
  private readonly defaultTimeout: () => number;
  readonly maxBuffered: number;
  readonly now: () => number;

  constructor(caches: WatchCaches, store: Store, opts: WatchHubOptions) {
    this.caches = caches;
    this.store = store;
    this.now = opts.now;
    this.maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.defaultTimeout = opts.defaultTimeoutMs ?? (() => (30 + Math.random() * 30) * 60_000);
    this.timer = setInterval(() => {
      for (const w of this.watchers) if (w.params.allowBookmarks) w.bookmark();
    }, opts.bookmarkIntervalMs ?? 60_000);
    this.timer.unref();
  }

  #lineEv: CacheEvent | undefined;
  #lineType: EventType | undefined;
  #line: Buffer | undefined;

  /** eventLine is the encoded watch line of `ev` as `type`, made once for all the watchers it is
   * fanned out to (they get it one after another, so one slot suffices). */
  eventLine(ev: CacheEvent, type: EventType): Buffer {
    if (this.#lineEv !== ev || this.#lineType !== type || this.#line === undefined) {
      this.#lineEv = ev;
      this.#lineType = type;
      this.#line = Buffer.from(`{"type":"${type}","object":${ev.json()}}\n`);
    }
    return this.#line;
  }

  /** count is the number of open watches. */
  get count(): number { return this.watchers.size; }

  /** serve streams a watch of `kind` in `namespace` ('' = all) to `res`. */
  async serve(res: ServerResponse, kind: KindInfo, namespace: string, pred: Predicate, form: ResponseForm, params: WatchParams): Promise<void> {
    const rvText = params.resourceVersion;
    if (rvText !== '' && !/^\d+$/.test(rvText)) throw badRequest(`invalid resource version: ${rvText}`);
    const cachePrefix = storagePrefix(kind);
    const nsPrefix = storagePrefix(kind, namespace);
    // Kinds without a watch cache (Events) are listed and watched straight from the store.
    const cache = hasWatchCache(kind) ? await this.caches.get(cachePrefix) : undefined;
    const rv = rvText === '' ? -1 : Number(rvText);
    let initial: JsonObject[] = [];
    let fromRev: number;
    const wantInitial = params.sendInitialEvents ?? (rv <= 0);
    if (rv > 0 && !wantInitial) {
      fromRev = rv;
    } else if (!cache || (rv === -1 && !params.sendInitialEvents)) {
      const list = await this.store.list(nsPrefix);
      if (!list.ok) throw badRequest('list failed');
      fromRev = list.revision;
      if (wantInitial) initial = list.items.map(decodeKv);
    } else {
      const snap = cache.list(nsPrefix);
      fromRev = snap.revision;
      if (wantInitial) initial = snap.items;
    }
    if (!pred.everything) initial = initial.filter((o) => pred.matches(o));

    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.socket?.setNoDelay(true);
    const w = new Watcher(this, res, kind, nsPrefix, pred, form, params, fromRev);
    if (cache) w.currentRev = () => cache.revision;
    this.watchers.add(w);
    const timeoutMs = params.timeoutSeconds !== undefined && params.timeoutSeconds > 0 ? params.timeoutSeconds * 1000 : this.defaultTimeout();
    const timer = setTimeout(() => w.end(), timeoutMs);
    const onClose = (): void => w.end();
    res.on('close', onClose);
    w.onEnd.push(() => {
      clearTimeout(timer);
      cache?.unsubscribe(w);
      this.watchers.delete(w);
      res.off('close', onClose);
    });
    for (const o of initial) w.sendEvent('ADDED', o);
    if (params.sendInitialEvents && params.allowBookmarks) w.bookmark({ 'k8s.io/initial-events-end': 'true' });
    if (w.ended) return;
    const sub = cache ? cache.subscribe(fromRev, w) : 'before-cache';
    if (sub === 'before-cache') this.direct(w, cachePrefix, fromRev);
    else if (sub === 'too-old') {
      // As kube-apiserver's watch cache: the client must relist.
      w.sendEvent('ERROR', tooOld(fromRev, cache!.windowStart + 1));
      w.end();
      return;
    }
    res.flushHeaders();
    w.live = true;
  }

  /** direct serves a watch straight from the store: one older than the cache's window, or of a kind without a cache. */
  private direct(w: Watcher, prefix: string, fromRev: number): void {
    const abort = new AbortController();
    w.currentRev = () => w.lastRev;
    w.onEnd.push(() => abort.abort());
    this.store.watch(prefix, fromRev, {
      onEvents: (events) => { for (const e of events) w.onEvent(makeEvent(e)); },
      onCompacted: (compactRev) => {
        w.sendEvent('ERROR', tooOld(fromRev, compactRev + 1));
        w.end();
      },
      onError: () => w.end(),
    }, abort.signal);
  }

  /** close ends every watch. */
  close(): void {
    clearInterval(this.timer);
    for (const w of [...this.watchers]) w.end();
  }
}
