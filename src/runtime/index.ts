/**
 * @module runtime — the container runtime seam of the agent (CRI-shaped, see types.ts) and its
 * backends: `hollow` (in memory, for `windlass sim` and tests); the CRI gRPC client comes later.
 */
export type * from './types.ts';
export { HollowRuntime, HOLLOW_EXIT, exitPlan } from './hollow/runtime.ts';
export type { HollowRuntimeOptions, HollowTimers } from './hollow/runtime.ts';
export { Ipv4Pool, formatIpv4, parseIpv4 } from './hollow/ipam.ts';
