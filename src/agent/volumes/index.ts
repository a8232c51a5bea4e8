/**
 * @module agent/volumes — the node agent's volumes: `VolumeManager` (a `VolumeHost` for the pod
 * workers) sets up emptyDir, hostPath, configMap, secret, downwardAPI, projected (service-account
 * tokens included) and persistentVolumeClaim volumes under `<podsDir>/<uid>/volumes` in the
 * kubelet's layout and returns each container's CRI mounts; plus the atomic writer and helpers.
 */
export { VolumeManager } from './manager.ts';
export type { SetUpResult, VolumeHost, VolumeManagerOptions } from './manager.ts';
export { DATA_DIR_NAME, timestampedName, validatePayloadPath, writeAtomic } from './atomic-writer.ts';
export type { FileProjection, Payload } from './atomic-writer.ts';
export { HOST_PATH_TYPES, checkHostPath, isMountPoint, mountsUnder } from './host.ts';
export { containerMounts, expandSubPathExpr, subPathError } from './mounts.ts';
export type { MountsResult, ReadyVolume } from './mounts.ts';
export { DEFAULT_MODE, fieldValue, formatMap, resourceValue } from './sources.ts';
export { DEFAULT_TOKEN_SECONDS, MIN_TOKEN_SECONDS, TokenManager, requiresRefresh } from './token.ts';
export type { TokenSpec } from './token.ts';
