/**
 * @module apiserver/namespace-finalizer — the minimal in-process namespace finalizer: when a
 * namespace is terminating, delete everything in it, then clear its `kubernetes` finalizer (which
 * removes the namespace). This belongs in a namespace controller speaking the API; it lives here
 * until that controller exists.
 */
import type { JsonObject, KindInfo } from '../api/index.ts';
import type { Catalog } from './registry/catalog.ts';
import { storagePrefix } from './registry/catalog.ts';
import { EVERYTHING } from './registry/predicate.ts';
import type { ResourceRegistry } from './registry/resource-store.ts';
import type { ResourceCache } from './watch-cache.ts';

/** NamespaceFinalizer empties and removes terminating namespaces. */
export class NamespaceFinalizer {
  private readonly registry: ResourceRegistry;
  private readonly catalog: Catalog;
  private readonly retryMs: number;
  private cache: ResourceCache | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  private readonly sub = {
    onEvent: (ev: { obj: JsonObject; type: string }) => { if (ev.type === 'put' && ev.obj.metadata?.deletionTimestamp) this.kick(0); },
    onReset: () => undefined,
  };

  constructor(registry: ResourceRegistry, catalog: Catalog, retryMs = 1000) {
    this.registry = registry; this.catalog = catalog; this.retryMs = retryMs;
  }

  /** start follows the namespaces cache. */
  start(cache: ResourceCache): void {
    this.cache = cache;
    cache.subscribe(cache.revision, this.sub);
    this.kick(0);
  }

  private kick(delay: number): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; void this.run(); }, delay);
  }

  private async run(): Promise<void> {
    if (!this.cache || this.stopped) return;
    this.running = true;
    let pending = false;
    try {
      const terminating = this.cache.list(this.cache.prefix).items.filter((n) => n.metadata?.deletionTimestamp);
      for (const ns of terminating) {
        if (this.stopped) break;
        if (!(await this.finalize(String(ns.metadata.name)))) pending = true;
      }
    } catch {
      pending = true;
    } finally {
      this.running = false;
    }
    if (pending || this.again) { this.again = false; this.kick(pending ? this.retryMs : 0); }
  }

  private namespacedKinds(): KindInfo[] {
    const seen = new Set<string>();
    const out: KindInfo[] = [];
    for (const k of this.catalog.kinds()) {
      if (!k.namespaced || !k.verbs.includes('delete')) continue;
      const p = storagePrefix(k);
      if (seen.has(p)) continue;
      seen.add(p);
      out.push(k);
    }
    return out;
  }

  /** finalize deletes the namespace's content; true once the namespace could be released. */
  private async finalize(ns: string): Promise<boolean> {
    let remaining = 0;
    for (const k of this.namespacedKinds()) {
      const left = await this.registry.deleteCollection(k, ns, EVERYTHING, {}, { dryRun: false });
      for (const o of left) if (o.metadata?.deletionTimestamp) remaining++;
      if (left.length > 0) {
        const still = await this.registry.r.store.count(storagePrefix(k, ns));
        if (still > 0) remaining++;
      }
    }
    if (remaining > 0) return false;
    await this.registry.update(this.catalog.lookup('', 'v1', 'namespaces')!, '', ns, (cur) => {
      cur.spec = { ...(cur.spec ?? {}), finalizers: ((cur.spec?.finalizers ?? []) as string[]).filter((f) => f !== 'kubernetes') };
      return cur;
    }, { dryRun: false, fieldManager: 'namespace-controller', fieldValidation: 'Ignore' }, 'finalize');
    return true;
  }

  /** stop ends the loop. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.cache?.unsubscribe(this.sub);
  }
}
