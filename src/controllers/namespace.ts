/**
 * @module controllers/namespace — kube-controller-manager's namespace controller: a namespace with a
 * deletionTimestamp and the `kubernetes` finalizer in spec.finalizers is emptied (every namespaced
 * resource the API serves, custom ones included), its deletion conditions are kept up to date, and
 * once nothing is left `kubernetes` is removed through `PUT /api/v1/namespaces/<ns>/finalize`, which
 * lets the API server remove the namespace. Key: the namespace name. Run it with the API server's
 * in-process finalizer off (`ApiServerOptions.inProcessNamespaceFinalizer: false`).
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES, WorkQueue } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { rfc3339 } from './deployment-events.ts';
import { discovererFor, type Discoverer } from './gc-discovery.ts';
import { deletableNamespacedResources, deleteContent, deletionConditions, mergeConditions } from './namespace-deleter.ts';

/** FINALIZER_KUBERNETES is the namespace finalizer this controller owns. */
export const FINALIZER_KUBERNETES = 'kubernetes';

/** NamespaceControllerOptions: discovery source (tests), workers (upstream runs 10) and the poll interval while content remains. */
export interface NamespaceControllerOptions {
  readonly discover?: Discoverer;
  readonly workers?: number;
  /** retryMs is how soon a namespace whose content is still going is looked at again (default 2 s; upstream waits for the pods' grace). */
  readonly retryMs?: number;
}

/** newNamespaceController builds the namespace controller. */
export function newNamespaceController(ctx: ControllerContext, opts: NamespaceControllerOptions = {}): Controller {
  const discover = opts.discover ?? discovererFor(ctx.client);
  const retryMs = opts.retryMs ?? 2000;
  const namespaces = ctx.factory.forResource(RESOURCES.namespaces);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'namespace' });
  const enqueue = (ns: JsonObject): void => { if (ns.metadata?.deletionTimestamp) queue.add(String(ns.metadata?.name)); };
  namespaces.addEventHandler({ add: enqueue, update: (_o, ns) => enqueue(ns) });

  const live = async (name: string): Promise<JsonObject | undefined> => {
    try { return await ctx.client.get(RESOURCES.namespaces, '', name); } catch (e) { if (isStatusError(e, 404)) return undefined; throw e; }
  };

  const setConditions = async (ns: JsonObject, conditions: ReturnType<typeof deletionConditions>): Promise<JsonObject> => {
    const merged = mergeConditions(ns.status?.conditions as JsonObject[] | undefined, conditions, rfc3339(ctx.clock.now()));
    if (!merged.changed && ns.status?.phase === 'Terminating') return ns;
    const next = structuredClone(ns);
    next.status = { ...(ns.status ?? {}), phase: 'Terminating', conditions: merged.conditions };
    try {
      return await ctx.client.updateStatus(RESOURCES.namespaces, '', next);
    } catch (e) {
      if (isStatusError(e, 409)) return ns; // the next pass writes them
      throw e;
    }
  };

  const finalize = async (name: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const ns = await live(name);
      if (!ns) return;
      const fin = (ns.spec?.finalizers ?? []) as string[];
      if (!fin.includes(FINALIZER_KUBERNETES)) return;
      const next = structuredClone(ns);
      next.spec = { ...(ns.spec ?? {}), finalizers: fin.filter((f) => f !== FINALIZER_KUBERNETES) };
      try {
        await ctx.client.updateSubresource(RESOURCES.namespaces, '', 'finalize', next);
        return;
      } catch (e) {
        if (isStatusError(e, 404)) return;
        if (attempt < 4 && isStatusError(e, 409)) continue;
        throw e;
      }
    }
  };

  return {
    name: 'namespace', queue, informers: [namespaces], workers: opts.workers ?? 5,
    async reconcile(name) {
      const cached = namespaces.cache.get(name);
      if (!cached?.metadata?.deletionTimestamp) return;
      // The cache may lag: act on the live object, as upstream does.
      let ns = await live(name);
      if (!ns?.metadata?.deletionTimestamp) return;
      if (!((ns.spec?.finalizers ?? []) as string[]).includes(FINALIZER_KUBERNETES)) return;
      const found = await discover();
      const content = await deleteContent(ctx.client, deletableNamespacedResources(found.resources), name);
      ns = await setConditions(ns, deletionConditions(found.failed, content));
      if (found.failed.length > 0 || content.failures.length > 0) throw new Error(`namespace ${name}: deletion incomplete: ${[...found.failed, ...content.failures].join('; ')}`);
      if (content.remaining.size > 0) return { requeueAfterMs: retryMs };
      await finalize(name);
    },
  };
}
