/**
 * @module client/factory — one shared Informer per (resource, namespace, selectors), like
 * client-go's SharedInformerFactory: components ask for informers, then start them all together
 * and wait for every cache to sync.
 */
import type { JsonObject } from '../api/index.ts';
import { realClock, type Clock } from './clock.ts';
import { Informer, listWatcherFor } from './informer.ts';
import type { ApiClient } from './rest.ts';
import type { Resource } from './resources.ts';

/** InformerFactoryOptions configure the informers a factory makes. */
export interface InformerFactoryOptions {
  readonly clock?: Clock;
  readonly resyncMs?: number;
  readonly onError?: (informer: string, e: unknown) => void;
}

/** InformerFactory hands out shared informers and runs them. */
export class InformerFactory {
  readonly #client: ApiClient;
  readonly #opts: InformerFactoryOptions;
  readonly #informers = new Map<string, Informer<any>>();
  readonly #running = new Map<string, Promise<void>>();
  #signal: AbortSignal | undefined;

  constructor(client: ApiClient, opts: InformerFactoryOptions = {}) {
    this.#client = client;
    this.#opts = opts;
  }

  /** forResource returns the shared informer for `r` in `namespace` ('' = all) with optional selectors. */
  forResource<T extends JsonObject = JsonObject>(r: Resource, namespace = '', selectors: { labelSelector?: string; fieldSelector?: string } = {}): Informer<T> {
    const name = `${r.group || 'core'}/${r.version}/${r.resource}${namespace ? ` ns=${namespace}` : ''}${selectors.labelSelector ? ` l=${selectors.labelSelector}` : ''}${selectors.fieldSelector ? ` f=${selectors.fieldSelector}` : ''}`;
    let inf = this.#informers.get(name) as Informer<T> | undefined;
    if (!inf) {
      inf = new Informer<T>(listWatcherFor<T>(this.#client, r, namespace, selectors), {
        clock: this.#opts.clock ?? realClock, resyncMs: this.#opts.resyncMs, name,
        onError: (e) => this.#opts.onError?.(name, e),
      });
      this.#informers.set(name, inf);
      if (this.#signal) this.#running.set(name, inf.run(this.#signal));
    }
    return inf;
  }

  /** informers lists every informer made so far. */
  informers(): Informer<any>[] { return [...this.#informers.values()]; }

  /** start runs every informer (and any made later) until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.#signal = signal;
    for (const [name, inf] of this.#informers) if (!this.#running.has(name)) this.#running.set(name, inf.run(signal));
  }

  /** waitForSync resolves true once every informer has synced, false if `signal` aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const r = await Promise.all(this.informers().map((i) => i.waitForSync(signal)));
    return r.every(Boolean);
  }

  /** stopped resolves when every started informer's run has returned. */
  async stopped(): Promise<void> { await Promise.all(this.#running.values()); }
}
