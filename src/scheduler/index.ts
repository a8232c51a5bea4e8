/**
 * @module scheduler — the face of the scheduler: `startScheduler` (informers, queue, cache, the
 * default profile, the loop), the in-process variant for benchmarks, and the parts for tests and
 * other profiles. Imports only src/api and src/client.
 */
export * from './framework.ts';
export { startScheduler, isAssigned, nodeSchedulingPropertiesChanged } from './scheduler.ts';
export type { SchedulerOptions, StartSchedulerOptions, RunningScheduler } from './scheduler.ts';
export { newSchedulerForBench } from './in-process.ts';
export type { InProcessScheduler, InProcessOptions } from './in-process.ts';
export { Scheduler } from './core.ts';
export type { SchedulerCoreOptions } from './core.ts';
export { SchedulerCache, CacheSnapshot } from './cache.ts';
export { SchedulingQueue, isPodUpdated } from './queue.ts';
export type { QueuedPodInfo, SchedulingQueueOptions } from './queue.ts';
export { Nominator } from './nominator.ts';
export { FrameworkRunner, EMPTY_LISTERS } from './runner.ts';
export { Algorithm, numFeasibleNodesToFind } from './algorithm.ts';
export type { Diagnosis, ScheduleResult } from './algorithm.ts';
export { fitErrorMessage } from './failure.ts';
export { ApiRecorder, NOOP_RECORDER } from './events.ts';
export type { SchedulingRecorder, SchedulerLog } from './events.ts';
export { buildProfile, DEFAULT_SCHEDULER_NAME, DEFAULT_WEIGHTS } from './profile.ts';
export type { Profile } from './profile.ts';
export { defaultPlugins, basicPlugins } from './plugins/registry.ts';
export { newDefaultBinder } from './plugins/default-binder.ts';
export { newPodInfo, podRequests, nodeAllocatable } from './resources.ts';
export { MutableNodeInfo } from './node-info.ts';
