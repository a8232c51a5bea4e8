/**
 * @module runtime/cri — the CRI backend of the Runtime seam: a gRPC CRI v1 client
 * (`CriRuntime`, `connectCri`), a managed containerd (`startManagedContainerd` and its config
 * generators), and local OCI images (`buildOciArchive`, `pauseImageArchive`, `importImageArchive`).
 */
export { CriRuntime, connectCri } from './client.ts';
export type { CriOptions } from './client.ts';
export { parseCriEndpoint, endpointForSocket } from './endpoint.ts';
export type { CriEndpoint } from './endpoint.ts';
export { ContainerEventPoller, diffContainers } from './events.ts';
export { containerdConfig, containerdSocketPath, registriesToHosts, registryAuthsFromYaml, tomlString } from './containerd-config.ts';
export type { ContainerdConfigOptions, RegistryAuth } from './containerd-config.ts';
export { startManagedContainerd, containerdCommand, writeContainerdFiles, logTail } from './containerd.ts';
export type { ManagedContainerd, ManagedContainerdOptions } from './containerd.ts';
export { buildOciArchive, importImageArchive, layerTar, OCI_MEDIA } from './oci-image.ts';
export type { ImportOptions, OciArchiveSpec, OciFile, OciImageConfig } from './oci-image.ts';
export { PAUSE_IMAGE, pauseImageArchive, busyboxImageArchive, normalizeArch, BUSYBOX_APPLETS } from './images.ts';
export type { BusyboxImageSpec } from './images.ts';
export { pauseElf, pauseListing } from './pause-elf.ts';
export type { PauseArch } from './pause-elf.ts';
