/**
 * @module apiserver/service-repair — the repair pass of Service allocations (upstream's ClusterIP
 * and NodePort repair controllers): allocation keys whose Service is gone (or no longer holds the
 * value) are freed once older than a grace period (a create in flight writes its allocations just
 * before the Service), values a Service holds without a key are recorded again, and a value held
 * by two Services is reported. Runs at start-up and then periodically until stopped.
 */
import type { JsonObject } from '../api/index.ts';
import { EVERYTHING } from './registry/predicate.ts';
import type { Catalog } from './registry/catalog.ts';
import type { ResourceRegistry } from './registry/resource-store.ts';
import { CLUSTER_IP_PREFIX, NODE_PORT_PREFIX, ServiceAllocator, type AllocationOwner, type AllocationRecord } from './service-allocator.ts';
import { clusterIpsOf, nodePortsOf } from './service-hooks.ts';

/** RepairReport says what one pass changed. */
export interface RepairReport {
  /** released: keys freed because no Service holds them. */
  readonly released: string[];
  /** recorded: keys written for values a Service held without one. */
  readonly recorded: string[];
  /** conflicts: values held by a Service while recorded for another live Service. */
  readonly conflicts: string[];
}

/** RepairOptions: clock, period (default 3 min), grace before freeing (default 60 s), error sink. */
export interface RepairOptions {
  readonly now: () => number;
  readonly intervalMs?: number;
  readonly leakGraceMs?: number;
  readonly onError?: (e: unknown) => void;
  readonly onReport?: (r: RepairReport) => void;
}

/** DEFAULT_REPAIR_INTERVAL_MS is how often the repair pass runs (upstream: 3 minutes). */
export const DEFAULT_REPAIR_INTERVAL_MS = 3 * 60_000;
/** DEFAULT_LEAK_GRACE_MS is how old an unowned allocation must be before it is freed. */
export const DEFAULT_LEAK_GRACE_MS = 60_000;

/** ServiceRepair runs the repair pass once or on a timer. */
export class ServiceRepair {
  readonly #registry: ResourceRegistry;
  readonly #catalog: Catalog;
  readonly #alloc: ServiceAllocator;
  readonly #opts: RepairOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;

  constructor(registry: ResourceRegistry, catalog: Catalog, alloc: ServiceAllocator, opts: RepairOptions) {
    this.#registry = registry;
    this.#catalog = catalog;
    this.#alloc = alloc;
    this.#opts = opts;
  }

  /** runOnce reconciles allocation keys with the Services in the store. */
  async runOnce(): Promise<RepairReport> {
    const report: RepairReport = { released: [], recorded: [], conflicts: [] };
    const kind = this.#catalog.lookup('', 'v1', 'services');
    if (!kind) return report;
    // Allocations first: a Service created after this read has its keys written after it too.
    const records = [...await this.#alloc.list(CLUSTER_IP_PREFIX), ...await this.#alloc.list(NODE_PORT_PREFIX)];
    const page = await this.#registry.list(kind, '', { predicate: EVERYTHING, limit: 0, continueToken: '', resourceVersion: '', resourceVersionMatch: '' });
    const holders = new Map<string, JsonObject[]>();
    const byUid = new Map<string, JsonObject>();
    for (const svc of page.items) {
      byUid.set(String(svc.metadata?.uid), svc);
      const keys = [...clusterIpsOf(svc).map((ip) => ServiceAllocator.ipKey(ip)), ...nodePortsOf(svc).map((p) => ServiceAllocator.portKey(p))];
      for (const k of keys) holders.set(k, [...(holders.get(k) ?? []), svc]);
    }
    const recorded = new Map<string, AllocationRecord>(records.map((r) => [r.key, r]));
    const now = this.#opts.now();
    const grace = this.#opts.leakGraceMs ?? DEFAULT_LEAK_GRACE_MS;
    for (const rec of records) {
      const hs = holders.get(rec.key) ?? [];
      if (hs.some((s) => s.metadata?.uid === rec.uid)) continue;
      if (now - rec.at < grace) continue;
      if (hs.length > 0) {
        // The recorded owner no longer holds it but a live Service does: hand the key over.
        const owner = ownerOfSvc(hs[0]);
        const cur = await this.#alloc.store.get(rec.key);
        if (cur && cur.modRevision === rec.modRevision) {
          const res = await this.#alloc.store.update(rec.key, JSON.stringify({ ...owner, at: now }), rec.modRevision);
          if (res.ok) report.recorded.push(rec.key);
        }
        continue;
      }
      await this.#alloc.release(rec.key, rec);
      report.released.push(rec.key);
    }
    for (const [key, hs] of holders) {
      if (hs.length > 1) report.conflicts.push(`${key} held by ${hs.map((s) => `${String(s.metadata?.namespace)}/${String(s.metadata?.name)}`).join(', ')}`);
      if (recorded.has(key)) continue;
      const r = await this.#alloc.record(key, ownerOfSvc(hs[0]));
      if (r === 'created') report.recorded.push(key);
      else if (r === 'taken') {
        const cur = await this.#alloc.store.get(key);
        const uid = cur ? String((JSON.parse(cur.value) as JsonObject).uid ?? '') : '';
        if (byUid.has(uid)) report.conflicts.push(`${key} held by ${String(hs[0].metadata?.namespace)}/${String(hs[0].metadata?.name)} but allocated to another Service`);
      }
    }
    this.#opts.onReport?.(report);
    return report;
  }

  /** start runs a pass every interval (the start-up pass is the caller's `runOnce`) until `stop`. */
  start(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.runOnce().catch((e: unknown) => this.#opts.onError?.(e)).finally(() => {
        this.#running = undefined;
        this.start();
      });
    }, this.#opts.intervalMs ?? DEFAULT_REPAIR_INTERVAL_MS);
    this.#timer.unref();
  }

  /** stop cancels the timer and waits for a running pass. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}

function ownerOfSvc(svc: JsonObject): AllocationOwner {
  return { namespace: String(svc.metadata?.namespace ?? ''), name: String(svc.metadata?.name ?? ''), uid: String(svc.metadata?.uid ?? '') };
}
