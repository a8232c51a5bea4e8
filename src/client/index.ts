/**
 * @module client — the API client every component other than the apiserver uses: the REST client
 * (HTTPS, keep-alive, watch streams), informers with caches and indexes, the shared informer
 * factory, the rate-limited work queue, leader election and the injectable clock. Imports only
 * src/api; other folders import only this file.
 */
export { realClock, FakeClock } from './clock.ts';
export type { Clock, TimerHandle } from './clock.ts';
export { RESOURCES, resource, apiVersionOf, resourcePath, objectKey, splitKey } from './resources.ts';
export type { Resource } from './resources.ts';
export { RestClient, kubeconfigToRestConfig, statusErrorFrom } from './rest.ts';
export type {
  ApiClient, RestConfig, ListOptions, ObjectList, WatchOptions, WatchEvent, WatchEventType, PatchType,
  WriteOptions, PatchOptions, DeleteOptions,
} from './rest.ts';
export { Cache, BY_NAMESPACE } from './cache.ts';
export type { IndexFunc } from './cache.ts';
export { Informer, listWatcherFor, isTombstone, objectOf, isGone, stripManagedFields } from './informer.ts';
export { createInterner, type Interner } from '../api/index.ts';
export type { Tombstone, EventHandlers, ListWatcher, InformerOptions } from './informer.ts';
export { InformerFactory } from './factory.ts';
export type { InformerFactoryOptions } from './factory.ts';
export {
  WorkQueue, ItemExponentialFailureRateLimiter, BucketRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter,
} from './workqueue.ts';
export type { RateLimiter, WorkQueueOptions } from './workqueue.ts';
export { LeaderElector, microTime } from './leader-election.ts';
export type { LeaderElectionConfig, LeaderCallbacks } from './leader-election.ts';
export { FakeClient } from './fake.ts';
export type { FakeAction, Reactor } from './fake.ts';
export { EventRecorder, rfc3339 } from './events.ts';
export type { EventLog, EventType } from './events.ts';
