/**
 * @module runtime/cri/images — ready-made local images: the pod sandbox (pause) image built from
 * the generated ELF in pause-elf.ts (no registry, no host packages), and busybox images built
 * from a static busybox binary (Debian's busybox-static) for tests and the e2e harness.
 */
import { readFile } from 'node:fs/promises';
import { buildOciArchive, type OciFile, type OciImageConfig } from './oci-image.ts';
import { pauseElf, type PauseArch } from './pause-elf.ts';

/** PAUSE_IMAGE is the sandbox image reference managed containerds use by default. */
export const PAUSE_IMAGE = 'localhost/windlass/pause:1.0';

/** normalizeArch maps Node's `process.arch` names and OCI names to an OCI architecture. */
export function normalizeArch(arch: string = process.arch): PauseArch {
  if (arch === 'x64' || arch === 'amd64') return 'amd64';
  if (arch === 'arm64' || arch === 'aarch64') return 'arm64';
  throw new Error(`no pause image for architecture ${arch}`);
}

/** pauseImageArchive returns the OCI archive of the pause image (`PAUSE_IMAGE` unless `name` is given) for `arch` (default: this machine's). */
export async function pauseImageArchive(arch?: string, name: string = PAUSE_IMAGE): Promise<Buffer> {
  const a = normalizeArch(arch);
  return await buildOciArchive({
    name, arch: a, os: 'linux',
    files: [{ path: 'pause', mode: 0o755, content: pauseElf(a) }],
    config: { Entrypoint: ['/pause'] },
  });
}

/** BUSYBOX_APPLETS are the applets linked by default into busybox images. */
export const BUSYBOX_APPLETS = [
  'sh', 'ash', 'cat', 'echo', 'env', 'sleep', 'httpd', 'wget', 'nc', 'ping', 'ps', 'ip', 'ls', 'mkdir', 'rm', 'cp', 'mv', 'touch', 'kill', 'grep',
  'head', 'tail', 'id', 'hostname', 'true', 'false', 'test', 'date', 'timeout', 'nslookup', 'sed', 'printf', 'sort', 'wc', 'seq', 'yes', 'dd', 'top', 'df', 'mount',
];

/** BusyboxImageSpec describes a busybox image: extra files, applet links and the image config. */
export interface BusyboxImageSpec {
  readonly name: string;
  readonly busyboxPath?: string;
  readonly applets?: readonly string[];
  readonly files?: readonly OciFile[];
  readonly config?: OciImageConfig;
  readonly arch?: 'amd64' | 'arm64';
}

/** busyboxImageArchive builds an image with /bin/busybox, /bin/<applet> symlinks, /etc/passwd and /etc/group, /tmp, plus `files`. */
export async function busyboxImageArchive(spec: BusyboxImageSpec): Promise<Buffer> {
  const busybox = await readFile(spec.busyboxPath ?? '/bin/busybox');
  const files: OciFile[] = [
    { path: 'bin/busybox', mode: 0o755, content: busybox },
    ...(spec.applets ?? BUSYBOX_APPLETS).map((a) => ({ path: `bin/${a}`, symlink: 'busybox' })),
    { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
    { path: 'etc/group', content: 'root:x:0:\nnogroup:x:65534:\n' },
    { path: 'tmp', dir: true, mode: 0o1777 },
    { path: 'root', dir: true, mode: 0o700 },
    ...(spec.files ?? []),
  ];
  return buildOciArchive({
    name: spec.name, arch: spec.arch ?? normalizeArch(), os: 'linux', files,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], ...spec.config },
  });
}
