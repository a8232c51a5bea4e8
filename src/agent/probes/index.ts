/**
 * @module agent/probes — container probes for the node agent: `runProbe` runs one httpGet,
 * tcpSocket, exec or grpc attempt; `ProbeManager` schedules each container's startup, liveness
 * and readiness probes on the injected Clock with the kubelet's thresholds and events.
 */
export { PROBE_USER_AGENT, resolvePort, runProbe } from './run.ts';
export type { ProbeResult, ProbeTarget } from './run.ts';
export { ProbeManager, probeTiming } from './manager.ts';
export type { ProbeKind, ProbeManagerOptions, ProbeTiming } from './manager.ts';
export { HEALTH_PROTO_PATH, grpcProbe, healthService, hostPort } from './grpc.ts';
