/**
 * @module agent/pods — pod lifecycle on a node, shared by real and hollow nodes: the per-node pod
 * workers (worker.ts) driving a Runtime, and the pure pod status computation (status.ts).
 */
export { PodWorkers } from './worker.ts';
export type { PodWorkersOptions } from './worker.ts';
export { KUBELET_CONDITIONS, computePodStatus, initProgress, isSidecar, podPhase, qosClass, readyAt, rfc3339 } from './status.ts';
export type { ContainerView, StatusInput } from './status.ts';
