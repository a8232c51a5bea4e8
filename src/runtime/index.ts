/**
 * @module runtime — the container runtime seam of the agent (CRI-shaped, see types.ts) and its
 * backends: `hollow` (in memory, for `windlass sim` and tests); the CRI gRPC client comes later.
 */
export type * from './types.ts';
export { HollowRuntime, HOLLOW_EXIT, exitPlan } from './hollow/runtime.ts';
export type { HollowRuntimeOptions, HollowTimers } from './hollow/runtime.ts';
export { Ipv4Pool, formatIpv4, parseIpv4 } from './hollow/ipam.ts';
// CRI backend (containerd over gRPC), managed containerd and local OCI images: see cri/index.ts.
export {
  CriRuntime, connectCri, parseCriEndpoint, startManagedContainerd, containerdConfig, registriesToHosts, registryAuthsFromYaml,
  buildOciArchive, importImageArchive, pauseImageArchive, busyboxImageArchive, PAUSE_IMAGE,
} from './cri/index.ts';
export type { CriOptions, CriEndpoint, ManagedContainerd, ManagedContainerdOptions, OciArchiveSpec, OciFile, OciImageConfig, BusyboxImageSpec } from './cri/index.ts';
