/**
 * @module scheduler/in-process — the scheduler without an API: nodes and pods are fed straight into
 * the cache and queue, a fake binder confirms each binding in the cache at once (as the informer
 * would), and `runUntilIdle` schedules until the active queue is empty. Used by the benchmark and
 * by algorithm tests.
 */
import type { JsonObject } from '../api/index.ts';
import { realClock, type Clock } from '../client/index.ts';
import { Algorithm } from './algorithm.ts';
import { SchedulerCache } from './cache.ts';
import { Scheduler } from './core.ts';
import type { SchedulingRecorder } from './events.ts';
import { SUCCESS, type BindPlugin, type Plugin } from './framework.ts';
import { defaultPlugins } from './plugins/registry.ts';
import { buildProfile, DEFAULT_WEIGHTS } from './profile.ts';
import { SchedulingQueue } from './queue.ts';
import { FrameworkRunner } from './runner.ts';

/** InProcessOptions: clock, tie-break RNG, percentage of nodes to score, and the plugin list (default: the default profile). */
export interface InProcessOptions {
  readonly clock?: Clock;
  readonly rng?: () => number;
  readonly percentageOfNodesToScore?: number;
  /** plugins builds the profile's plugins around the given fake binder. */
  readonly plugins?: (binder: BindPlugin) => Plugin[];
  readonly recorder?: SchedulingRecorder;
  readonly maxBindingsInFlight?: number;
}

/** InProcessScheduler is a scheduler fed directly; `bindings` maps pod key to node. */
export interface InProcessScheduler {
  readonly scheduler: Scheduler;
  readonly bindings: Map<string, string>;
  addNode(node: JsonObject): void;
  /** addPod queues a pending pod, or records an assigned one (spec.nodeName) in the cache. */
  addPod(pod: JsonObject): void;
  /** runUntilIdle schedules until no pod is active and every binding settled; returns the cycles run. */
  runUntilIdle(): Promise<number>;
  close(): void;
}

/** newSchedulerForBench assembles an in-process scheduler with a fake binder. */
export function newSchedulerForBench(opts: InProcessOptions = {}): InProcessScheduler {
  const clock = opts.clock ?? realClock;
  const bindings = new Map<string, string>();
  const pending = new Map<string, JsonObject>();
  const cache = new SchedulerCache({ clock });
  const binder: BindPlugin = {
    name: 'FakeBinder',
    bind(_state, pod, nodeName) {
      bindings.set(pod.key, nodeName);
      pending.delete(pod.key);
      cache.addPod({ ...pod.pod, spec: { ...pod.pod.spec, nodeName } });
      return Promise.resolve(SUCCESS);
    },
  };
  const profile = buildProfile((opts.plugins ?? defaultPlugins)(binder), DEFAULT_WEIGHTS);
  const queue = new SchedulingQueue({ clock, pluginEvents: profile.pluginEvents });
  const runner = new FrameworkRunner(profile, { clock, nominator: queue.nominator });
  const algorithm = new Algorithm(runner, { percentageOfNodesToScore: opts.percentageOfNodesToScore, rng: opts.rng });
  const scheduler = new Scheduler({ runner, algorithm, cache, queue, clock, recorder: opts.recorder, currentPod: (key) => pending.get(key), maxBindingsInFlight: opts.maxBindingsInFlight });
  return {
    scheduler, bindings,
    addNode(node) { cache.addNode(node); queue.moveAllToActiveOrBackoff('NodeAdd'); },
    addPod(pod) {
      if (pod.spec?.nodeName) { cache.addPod(pod); return; }
      pending.set(`${String(pod.metadata?.namespace ?? '')}/${String(pod.metadata?.name ?? '')}`, pod);
      queue.add(pod);
    },
    async runUntilIdle() {
      let cycles = 0;
      for (;;) {
        const q = queue.tryPop();
        if (!q) {
          await scheduler.drain();
          if (queue.counts().active === 0) return cycles;
          continue;
        }
        cycles++;
        await scheduler.scheduleOne(q);
      }
    },
    close() { queue.close(); cache.stop(); },
  };
}
