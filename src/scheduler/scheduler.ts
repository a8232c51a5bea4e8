/**
 * @module scheduler/scheduler — `startScheduler`: informers for pods, nodes, PVCs, PVs,
 * StorageClasses, namespaces and PodDisruptionBudgets (not PriorityClasses, as upstream); handlers that keep the
 * cache (assigned pods, nodes) and the queue (this scheduler's pending pods) current and move
 * unschedulable pods on cluster events; the listers plugins read; and the scheduling loop.
 */
import type { JsonObject } from '../api/index.ts';
import { InformerFactory, RESOURCES, objectOf, realClock, type ApiClient, type Clock, type Informer, type Tombstone } from '../client/index.ts';
import { Algorithm } from './algorithm.ts';
import { SchedulerCache } from './cache.ts';
import { Scheduler } from './core.ts';
import { ApiRecorder, type SchedulerLog } from './events.ts';
import type { ClusterEvent, Listers } from './framework.ts';
import { newDefaultBinder } from './plugins/default-binder.ts';
import { defaultPlugins } from './plugins/registry.ts';
import { buildProfile, DEFAULT_SCHEDULER_NAME, DEFAULT_WEIGHTS } from './profile.ts';
import { SchedulingQueue } from './queue.ts';
import { podKey } from './resources.ts';
import { FrameworkRunner } from './runner.ts';

/** SchedulerOptions configure startScheduler. */
export interface SchedulerOptions {
  readonly client: ApiClient;
  readonly signal: AbortSignal;
  readonly clock?: Clock;
  readonly log?: SchedulerLog;
  /** schedulerName selects the pods this scheduler takes (spec.schedulerName; default default-scheduler). */
  readonly schedulerName?: string;
  /** percentageOfNodesToScore: 0/undefined = upstream's adaptive rule. */
  readonly percentageOfNodesToScore?: number;
  readonly rng?: () => number;
  /** informers: a shared factory (e.g. also used by the controller manager); the scheduler uses a view
   * of it, so its handlers go when it stops and the informers keep running. Default: its own factory. */
  readonly informers?: InformerFactory;
}

/** StartSchedulerOptions is the name the CLI uses for SchedulerOptions. */
export type StartSchedulerOptions = SchedulerOptions;

/** RunningScheduler is a started scheduler: `done` settles when it has stopped; `stop` aborts and waits. */
export interface RunningScheduler {
  readonly done: Promise<void>;
  stop(): Promise<void>;
  /** scheduler exposes the loop's parts (tests, metrics). */
  readonly scheduler: Scheduler;
}

/** isAssigned says whether a pod holds node resources: bound and not terminal. */
export function isAssigned(pod: JsonObject): boolean {
  return !!pod.spec?.nodeName && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

const labelsJson = (o: JsonObject): string => JSON.stringify(o.metadata?.labels ?? {});

/** nodeSchedulingPropertiesChanged says whether a node update can change scheduling (not heartbeats). */
export function nodeSchedulingPropertiesChanged(a: JsonObject, b: JsonObject): boolean {
  return labelsJson(a) !== labelsJson(b) || JSON.stringify(a.spec ?? {}) !== JSON.stringify(b.spec ?? {}) ||
    JSON.stringify(a.status?.allocatable ?? {}) !== JSON.stringify(b.status?.allocatable ?? {}) ||
    JSON.stringify(a.status?.conditions?.map((c: JsonObject) => [c.type, c.status])) !== JSON.stringify(b.status?.conditions?.map((c: JsonObject) => [c.type, c.status]));
}

function listersOf(f: InformerFactory): Listers {
  const pvcs = f.forResource(RESOURCES.persistentvolumeclaims);
  const pvs = f.forResource(RESOURCES.persistentvolumes);
  const scs = f.forResource(RESOURCES.storageclasses);
  const nss = f.forResource(RESOURCES.namespaces);
  const pdbs = f.forResource(RESOURCES.poddisruptionbudgets);
  return {
    pvc: (ns, name) => pvcs.cache.get(`${ns}/${name}`),
    pv: (name) => pvs.cache.get(name),
    pvs: () => pvs.cache.list(),
    storageClass: (name) => scs.cache.get(name),
    namespace: (name) => nss.cache.get(name),
    namespaces: () => nss.cache.list(),
    // Like upstream, the scheduler does not watch PriorityClasses (admission resolves spec.priority and
    // spec.preemptionPolicy; system:kube-scheduler may not list them).
    priorityClass: () => undefined,
    pdbs: (ns) => pdbs.cache.byNamespace(ns),
  };
}

function onEvents(inf: Informer, queue: SchedulingQueue, add: ClusterEvent, update?: ClusterEvent): void {
  inf.addEventHandler({ add: () => { queue.moveAllToActiveOrBackoff(add); }, update: update ? () => { queue.moveAllToActiveOrBackoff(update); } : undefined });
}

/** startScheduler runs the default-profile scheduler against the API until `signal` aborts or `stop` is called. */
export function startScheduler(opts: SchedulerOptions): RunningScheduler {
  const clock = opts.clock ?? realClock;
  const log = opts.log ?? { info: () => undefined, error: () => undefined };
  const schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  const factory = opts.informers?.view() ?? new InformerFactory(opts.client, { clock, onError: (name, e) => log.error('scheduler: informer error', { informer: name, error: e instanceof Error ? e.message : String(e) }) });
  const pods = factory.forResource(RESOURCES.pods);
  const nodes = factory.forResource(RESOURCES.nodes);
  const listers = listersOf(factory);
  const profile = buildProfile(defaultPlugins(newDefaultBinder(opts.client), listers), DEFAULT_WEIGHTS, schedulerName);
  const queue = new SchedulingQueue({ clock, pluginEvents: profile.pluginEvents });
  const cache = new SchedulerCache({ clock });
  const runner = new FrameworkRunner(profile, { listers, client: opts.client, clock, nominator: queue.nominator });
  const algorithm = new Algorithm(runner, { percentageOfNodesToScore: opts.percentageOfNodesToScore, rng: opts.rng });
  const recorder = new ApiRecorder(opts.client, { clock, log, component: schedulerName });
  const scheduler = new Scheduler({ runner, algorithm, cache, queue, recorder, log, clock, currentPod: (key) => pods.cache.get(key) });
  const responsible = (p: JsonObject): boolean => (p.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME) === schedulerName;

  pods.addEventHandler({
    add(pod) {
      if (isAssigned(pod)) { cache.addPod(pod); queue.moveAllToActiveOrBackoff('PodAdd'); return; }
      if (!pod.spec?.nodeName && responsible(pod) && !pod.metadata?.deletionTimestamp && !cache.isAssumed(podKey(pod))) {
        queue.add(pod);
        if (pod.spec?.schedulingGates?.length) recorder.gated(pod);
      }
    },
    update(old, pod) {
      const wasAssigned = isAssigned(old);
      if (isAssigned(pod)) {
        if (!old.spec?.nodeName) queue.delete(old);
        cache.updatePod(old, pod);
        if (!wasAssigned) queue.moveAllToActiveOrBackoff('PodAdd');
        else if (labelsJson(old) !== labelsJson(pod)) queue.moveAllToActiveOrBackoff('PodUpdate');
        return;
      }
      if (wasAssigned || pod.spec?.nodeName) {
        queue.delete(pod);
        cache.removePod(pod);
        if (wasAssigned) queue.moveAllToActiveOrBackoff('PodDelete');
        return;
      }
      if (!responsible(pod) || cache.isAssumed(podKey(pod))) return;
      if (pod.metadata?.deletionTimestamp) { queue.delete(pod); return; }
      queue.update(old, pod);
    },
    delete(obj: JsonObject | Tombstone<JsonObject>) {
      const pod = objectOf(obj);
      recorder.forget(pod);
      if (pod.spec?.nodeName) {
        cache.removePod(pod);
        queue.moveAllToActiveOrBackoff('PodDelete');
        return;
      }
      queue.delete(pod);
    },
  });
  nodes.addEventHandler({
    add(node) { cache.addNode(node); queue.moveAllToActiveOrBackoff('NodeAdd'); },
    update(old, node) {
      cache.updateNode(old, node);
      if (nodeSchedulingPropertiesChanged(old, node)) queue.moveAllToActiveOrBackoff('NodeUpdate');
    },
    delete(obj: JsonObject | Tombstone<JsonObject>) { cache.removeNode(objectOf(obj)); queue.moveAllToActiveOrBackoff('NodeDelete'); },
  });
  onEvents(factory.forResource(RESOURCES.persistentvolumeclaims), queue, 'PvcAdd', 'PvcUpdate');
  onEvents(factory.forResource(RESOURCES.persistentvolumes), queue, 'PvAdd', 'PvUpdate');
  onEvents(factory.forResource(RESOURCES.storageclasses), queue, 'StorageClassAdd');

  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  if (opts.signal.aborted) ac.abort(); else opts.signal.addEventListener('abort', onAbort, { once: true });
  factory.start(ac.signal);
  const done = (async () => {
    try {
      if (await factory.waitForSync(ac.signal)) {
        queue.start();
        cache.start((keys) => log.info('scheduler: assumed pods expired', { pods: keys }));
        log.info('scheduler: started', { schedulerName, nodes: cache.nodeCount });
        await scheduler.run(ac.signal);
      }
    } finally {
      queue.close();
      cache.stop();
      opts.signal.removeEventListener('abort', onAbort);
      await scheduler.drain();
      await recorder.flush();
      await factory.stopped();
    }
  })();
  return { done, scheduler, stop: async () => { ac.abort(); await done; } };
}
