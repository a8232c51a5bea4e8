/**
 * @module controllers/garbage-collector — kube-controller-manager's garbage collector: a dependency
 * graph over the ownerReferences of every resource that can be listed, watched and deleted
 * (built-in and custom resources, found by API discovery at start and again every 30 s), fed by
 * shared informers. One queue of keys: a uid (attempt to delete it: Background collection of
 * objects whose owners are all gone, Foreground deletion of dependents and release of the owner's
 * `foregroundDeletion` finalizer), `orphan:<uid>` (strip the owner's references from its dependents,
 * then its `orphan` finalizer) and `discovery` (re-discover resources, start new monitors).
 */
import type { JsonObject } from '../api/index.ts';
import { objectOf, resource, WorkQueue, type Informer } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { EventRecorder } from './deployment-events.ts';
import { Collector } from './gc-attempt.ts';
import { discovererFor, KindMapper, resourceKey, type DiscoveredResource, type Discoverer } from './gc-discovery.ts';
import { DependencyGraph, type Work } from './gc-graph.ts';

/** GarbageCollectorOptions: discovery source (tests), workers (4) and the re-discovery period (30 s). */
export interface GarbageCollectorOptions {
  readonly discover?: Discoverer;
  readonly workers?: number;
  readonly rediscoverMs?: number;
  /** ignored are `group/resource` names never monitored (default: core and events.k8s.io events, as upstream). */
  readonly ignored?: readonly string[];
}

/** GC_DISCOVERY_KEY is the queue key of (re-)discovery. */
export const GC_DISCOVERY_KEY = 'discovery';
/** GC_ORPHAN_PREFIX prefixes the queue keys of owners whose dependents are orphaned. */
export const GC_ORPHAN_PREFIX = 'orphan:';

const DEFAULT_IGNORED = ['/events', 'events.k8s.io/events'];
const NOT_SYNCED_RETRY_MS = 200;
const SYNC_TIMEOUT_MS = 30_000;

/** GarbageCollectorController is the Controller plus its graph and monitor state (read by tests). */
export interface GarbageCollectorController extends Controller {
  readonly graph: DependencyGraph;
  /** monitored lists the `group/version/resource` keys currently monitored. */
  monitored(): string[];
  /** ready says whether discovery ran and every active monitor has synced. */
  ready(): boolean;
}

/** deletableResources picks, per group, the preferred-version resources that support list, watch and delete (minus ignored). */
export function deletableResources(all: readonly DiscoveredResource[], ignored: readonly string[] = DEFAULT_IGNORED): DiscoveredResource[] {
  const skip = new Set(ignored);
  return all.filter((r) => r.preferred && ['list', 'watch', 'delete'].every((v) => r.verbs.includes(v)) && !skip.has(`${r.group}/${r.resource}`));
}

/** newGarbageCollector builds the garbage collector; it discovers and monitors resources once its `discovery` key runs (enqueued by `started`). */
export function newGarbageCollector(ctx: ControllerContext, opts: GarbageCollectorOptions = {}): GarbageCollectorController {
  const discover = opts.discover ?? discovererFor(ctx.client);
  const rediscoverMs = opts.rediscoverMs ?? 30_000;
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'garbagecollector' });
  const graph = new DependencyGraph();
  const monitors = new Map<string, { res: DiscoveredResource; informer: Informer<JsonObject>; active: boolean }>();
  let mapper = new KindMapper([]);
  let discoveredAt: number | undefined;
  let knownKinds = '';

  const apply = (w: Work): void => {
    for (const uid of w.attemptToDelete) queue.add(uid);
    for (const uid of w.attemptToOrphan) queue.add(GC_ORPHAN_PREFIX + uid);
  };
  const collector = new Collector({
    client: ctx.client, graph, apply,
    mapper: () => mapper,
    watched: (res) => monitors.get(resourceKey(res))?.active === true,
    events: new EventRecorder(ctx.client, ctx.clock, ctx.log, 'garbage-collector-controller'),
  });

  const monitor = (res: DiscoveredResource): void => {
    const key = resourceKey(res);
    const m = monitors.get(key);
    if (m) { m.active = true; return; }
    const informer = ctx.factory.forResource(resource(res.group, res.version, res.resource, res.namespaced));
    const entry = { res, informer, active: true };
    monitors.set(key, entry);
    informer.addEventHandler({
      add: (o) => { if (entry.active) apply(graph.upsert(o, res)); },
      update: (_old, o) => { if (entry.active) apply(graph.upsert(o, res)); },
      delete: (x) => {
        const uid = String(objectOf(x).metadata?.uid ?? '');
        if (entry.active && uid) apply(graph.remove(uid));
      },
    });
  };

  const syncMonitors = async (): Promise<void> => {
    const found = await discover();
    if (found.failed.length) ctx.log.info('garbage collector: discovery failed for some groups', { failed: found.failed });
    if (found.resources.length === 0) throw new Error('garbage collector: discovery found no resources');
    const kinds = found.resources.map((r) => `${r.group}/${r.version}/${r.kind}`).sort().join(',');
    mapper = new KindMapper(found.resources);
    if (kinds !== knownKinds) {
      // Newly served kinds may resolve owners that could not be looked up before.
      knownKinds = kinds;
      for (const n of graph.nodes.values()) if (!n.observed) queue.add(n.identity.uid);
    }
    const want = deletableResources(found.resources, opts.ignored ?? DEFAULT_IGNORED);
    const keys = new Set(want.map(resourceKey));
    for (const r of want) monitor(r);
    // Monitors of resources no longer served stop feeding the graph (a failing group keeps its monitors).
    const failedGroups = new Set(found.failed.map((gv) => (gv.includes('/') ? gv.slice(0, gv.lastIndexOf('/')) : '')));
    for (const [k, m] of monitors) if (!keys.has(k) && !failedGroups.has(m.res.group)) m.active = false;
    discoveredAt ??= ctx.clock.now();
  };

  // Decisions rest on live reads, so a monitor that cannot sync (a resource it may not list) only
  // leaves its objects out of the graph: after SYNC_TIMEOUT_MS the collector works without it.
  const ready = (): boolean => discoveredAt !== undefined &&
    (ctx.clock.now() - discoveredAt >= SYNC_TIMEOUT_MS || [...monitors.values()].every((m) => !m.active || m.informer.hasSynced()));

  return {
    name: 'garbagecollector', queue, informers: [], workers: opts.workers ?? 4, graph,
    monitored: () => [...monitors.entries()].filter(([, m]) => m.active).map(([k]) => k).sort(),
    ready,
    started() { queue.add(GC_DISCOVERY_KEY); },
    async reconcile(key) {
      if (key === GC_DISCOVERY_KEY) {
        await syncMonitors();
        return { requeueAfterMs: rediscoverMs };
      }
      if (!ready()) return { requeueAfterMs: NOT_SYNCED_RETRY_MS };
      if (key.startsWith(GC_ORPHAN_PREFIX)) return collector.attemptToOrphan(key.slice(GC_ORPHAN_PREFIX.length));
      return collector.attemptToDelete(key);
    },
  };
}
