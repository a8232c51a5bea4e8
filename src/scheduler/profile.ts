/**
 * @module scheduler/profile — a scheduling profile: the plugins of each extension point in order,
 * the score weights, and the cluster events each plugin registered (for the queue). A profile is
 * built from one ordered plugin list; each plugin lands at every extension point it implements.
 */
import type {
  BindPlugin, ClusterEvent, EnqueueExtensions, FilterPlugin, Plugin, PostFilterPlugin, PreBindPlugin, PreFilterPlugin, PreScorePlugin,
  ReservePlugin, ScorePlugin, Weighted,
} from './framework.ts';

/** DEFAULT_SCHEDULER_NAME is the spec.schedulerName of pods the default profile schedules. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** DEFAULT_WEIGHTS are upstream's default score weights. */
export const DEFAULT_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  TaintToleration: 3, NodeAffinity: 2, NodeResourcesFit: 1, NodeResourcesBalancedAllocation: 1, InterPodAffinity: 2, PodTopologySpread: 2,
  ImageLocality: 1, VolumeBinding: 1,
});

/** Profile is the plugin configuration of one scheduler name. */
export interface Profile {
  readonly schedulerName: string;
  readonly plugins: readonly Plugin[];
  readonly preFilter: readonly PreFilterPlugin[];
  readonly filter: readonly FilterPlugin[];
  readonly postFilter: readonly PostFilterPlugin[];
  readonly preScore: readonly PreScorePlugin[];
  readonly score: readonly Weighted[];
  readonly reserve: readonly ReservePlugin[];
  readonly preBind: readonly PreBindPlugin[];
  readonly bind: readonly BindPlugin[];
  /** pluginEvents holds the events of plugins implementing EnqueueExtensions (others hear every event). */
  readonly pluginEvents: ReadonlyMap<string, ReadonlySet<ClusterEvent>>;
}

const has = (p: Plugin, method: string): boolean => typeof (p as unknown as Record<string, unknown>)[method] === 'function';

/** buildProfile sorts an ordered plugin list into extension points; score weights come from `weights` (default 1). */
export function buildProfile(plugins: readonly Plugin[], weights: Readonly<Record<string, number>> = DEFAULT_WEIGHTS, schedulerName = DEFAULT_SCHEDULER_NAME): Profile {
  const pick = <T extends Plugin>(method: string): T[] => plugins.filter((p) => has(p, method)) as T[];
  const pluginEvents = new Map<string, ReadonlySet<ClusterEvent>>();
  for (const p of plugins) if (has(p, 'eventsToRegister')) pluginEvents.set(p.name, new Set((p as unknown as EnqueueExtensions).eventsToRegister()));
  return {
    schedulerName,
    plugins,
    preFilter: pick('preFilter'),
    filter: pick('filter'),
    postFilter: pick('postFilter'),
    preScore: pick('preScore'),
    score: pick<ScorePlugin>('score').map((plugin) => ({ plugin, weight: weights[plugin.name] ?? 1 })).filter((w) => w.weight > 0),
    reserve: pick('reserve'),
    preBind: pick('preBind'),
    bind: pick('bind'),
    pluginEvents,
  };
}
