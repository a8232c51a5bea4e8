/**
 * @module apiserver/auth/informer — feeds in-memory indexes from the API server's watch caches:
 * the initial list, then every change, and a full relist when a cache loses continuity. Used by
 * the authorizers so that no request reads the store.
 */
import type { JsonObject } from '../../api/index.ts';
import type { CacheEvent, ResourceCache, WatchCaches } from '../watch-cache.ts';

/** IndexFeed receives the objects of one resource. */
export interface IndexFeed {
  put(obj: JsonObject): void;
  remove(obj: JsonObject): void;
  /** reset forgets everything before a relist. */
  reset(): void;
}

/** CacheInformer mirrors one storage prefix into an IndexFeed until closed. */
export class CacheInformer {
  private readonly caches: WatchCaches;
  private readonly prefix: string;
  private readonly feed: IndexFeed;
  private cache: ResourceCache | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly sub = {
    onEvent: (ev: CacheEvent): void => { if (ev.type === 'delete') this.feed.remove(ev.prev() ?? ev.obj); else this.feed.put(ev.obj); },
    onReset: (): void => { if (!this.closed) this.timer = setTimeout(() => { this.timer = undefined; void this.sync(); }, 300); },
  };

  constructor(caches: WatchCaches, prefix: string, feed: IndexFeed) {
    this.caches = caches;
    this.prefix = prefix;
    this.feed = feed;
  }

  /** start loads the current objects and subscribes to changes. */
  async start(): Promise<void> { await this.sync(); }

  private async sync(): Promise<void> {
    if (this.closed) return;
    try {
      const cache = await this.caches.get(this.prefix);
      await cache.ready;
      if (this.closed) return;
      this.cache = cache;
      const { items, revision } = cache.list(this.prefix);
      this.feed.reset();
      for (const o of items) this.feed.put(o);
      const r = cache.subscribe(revision, this.sub);
      if (r !== 'ok') this.sub.onReset();
    } catch {
      this.sub.onReset();
    }
  }

  /** close stops delivery. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.cache?.unsubscribe(this.sub);
  }
}
