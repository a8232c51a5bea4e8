/**
 * @module client/factory — one shared Informer per (resource, namespace, selectors), like
 * client-go's SharedInformerFactory: components ask for informers, then start them all together
 * and wait for every cache to sync.
 *
 * A factory can hand out views (`view()`): a view gives the same shared informers (one list, one
 * watch and one cache per resource however many components use it) but owns only the event
 * handlers added through it, which it removes when the signal given to its `start` aborts. That lets
 * components that run only while they hold a lease (scheduler, controller manager) share informers
 * that keep running across leadership changes.
 */
import type { JsonObject } from '../api/index.ts';
import { realClock, type Clock } from './clock.ts';
import { Informer, listWatcherFor, type EventHandlers } from './informer.ts';
import type { ApiClient } from './rest.ts';
import type { Resource } from './resources.ts';

/** InformerFactoryOptions configure the informers a factory makes. */
export interface InformerFactoryOptions {
  readonly clock?: Clock;
  readonly resyncMs?: number;
  readonly onError?: (informer: string, e: unknown) => void;
  /** transform rewrites every object the factory's informers cache (see InformerOptions.transform). */
  readonly transform?: (obj: JsonObject) => JsonObject;
}

/** InformerFactory hands out shared informers and runs them. */
export class InformerFactory {
  readonly #client: ApiClient;
  readonly #opts: InformerFactoryOptions;
  readonly #informers = new Map<string, Informer<any>>();
  readonly #running = new Map<string, Promise<void>>();
  #signal: AbortSignal | undefined;
  /** root is the factory a view hands out informers of (undefined for a root factory). */
  #root: InformerFactory | undefined;
  /** handlers a view registered, removed by its release. */
  #handlers: [Informer<any>, EventHandlers<any>][] = [];
  #proxies = new Map<Informer<any>, Informer<any>>();
  #released = false;

  constructor(client: ApiClient, opts: InformerFactoryOptions = {}) {
    this.#client = client;
    this.#opts = opts;
  }

  /** view returns a factory sharing this one's informers whose own event handlers are removed once the
   * signal passed to its `start` aborts (or `release()` is called); stopping a view leaves the informers running. */
  view(): InformerFactory {
    const v = new InformerFactory(this.#client, this.#opts);
    v.#root = this.#root ?? this;
    return v;
  }

  /** forResource returns the shared informer for `r` in `namespace` ('' = all) with optional selectors. */
  forResource<T extends JsonObject = JsonObject>(r: Resource, namespace = '', selectors: { labelSelector?: string; fieldSelector?: string } = {}): Informer<T> {
    if (this.#root) return this.#tracked(this.#root.forResource<T>(r, namespace, selectors));
    const name = `${r.group || 'core'}/${r.version}/${r.resource}${namespace ? ` ns=${namespace}` : ''}${selectors.labelSelector ? ` l=${selectors.labelSelector}` : ''}${selectors.fieldSelector ? ` f=${selectors.fieldSelector}` : ''}`;
    let inf = this.#informers.get(name) as Informer<T> | undefined;
    if (!inf) {
      inf = new Informer<T>(listWatcherFor<T>(this.#client, r, namespace, selectors), {
        clock: this.#opts.clock ?? realClock, resyncMs: this.#opts.resyncMs, name,
        onError: (e) => this.#opts.onError?.(name, e),
        transform: this.#opts.transform as ((o: T) => T) | undefined,
      });
      this.#informers.set(name, inf);
      if (this.#signal) this.#running.set(name, inf.run(this.#signal));
    }
    return inf;
  }

  /** tracked wraps a root informer so that handlers added through this view are recorded. */
  #tracked<T extends JsonObject>(inf: Informer<T>): Informer<T> {
    this.#informers.set(inf.name, inf);
    let p = this.#proxies.get(inf) as Informer<T> | undefined;
    if (!p) {
      const add = (h: EventHandlers<T>): void => {
        if (this.#released) return;
        this.#handlers.push([inf, h]);
        inf.addEventHandler(h);
      };
      p = new Proxy(inf, {
        get(target, prop) {
          if (prop === 'addEventHandler') return add;
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      this.#proxies.set(inf, p);
    }
    return p;
  }

  /** informers lists every informer made (or, for a view, used) so far. */
  informers(): Informer<any>[] { return [...this.#informers.values()]; }

  /** start runs every informer (and any made later) until `signal` aborts. On a view it starts the root
   * if nobody has (tied to `signal` then) and removes the view's handlers when `signal` aborts. */
  start(signal: AbortSignal): void {
    if (this.#root) {
      if (!this.#root.#signal) this.#root.start(signal);
      if (signal.aborted) this.release();
      else signal.addEventListener('abort', () => this.release(), { once: true });
      return;
    }
    this.#signal = signal;
    for (const [name, inf] of this.#informers) if (!this.#running.has(name)) this.#running.set(name, inf.run(signal));
  }

  /** release removes every event handler added through this view (a no-op on a root factory). */
  release(): void {
    this.#released = true;
    for (const [inf, h] of this.#handlers.splice(0)) inf.removeEventHandler(h);
  }

  /** waitForSync resolves true once every informer (of a view: every one it handed out) has synced, false if `signal` aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const r = await Promise.all(this.informers().map((i) => i.waitForSync(signal)));
    return r.every(Boolean);
  }

  /** stopped resolves when every started informer's run has returned (a view: at once; its informers keep running). */
  async stopped(): Promise<void> {
    if (this.#root) return;
    await Promise.all(this.#running.values());
  }
}
