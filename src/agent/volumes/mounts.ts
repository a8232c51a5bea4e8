/**
 * @module agent/volumes/mounts — a container's `volumeMounts` turned into CRI mounts: the volume's
 * host directory (plus `subPath` / expanded `subPathExpr`, which must stay inside the volume, also
 * through symlinks), read-only when the mount or the volume is.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject } from '../../api/index.ts';
import type { Mount } from '../../runtime/types.ts';
import { isUnder } from './host.ts';

/** ReadyVolume is a set-up volume: where it is on the host and whether it is mounted read-only. */
export interface ReadyVolume {
  readonly hostPath: string;
  readonly readOnly: boolean;
  /** directory: subPaths may be created inside it (false for a hostPath file, socket or device). */
  readonly directory: boolean;
}

/** MountsResult is the CRI mounts of one container, or why they cannot be made. */
export type MountsResult = { readonly ok: true; readonly mounts: Mount[] } | { readonly ok: false; readonly message: string };

/** expandSubPathExpr replaces `$(VAR)` with the container's literal env values (unknown references stay as written, as upstream). */
export function expandSubPathExpr(expr: string, container: JsonObject): string {
  const env = new Map<string, string>();
  for (const e of (Array.isArray(container.env) ? container.env : []) as JsonObject[]) if (typeof e.value === 'string') env.set(String(e.name), e.value);
  return expr.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : env.get(name ?? '') ?? m));
}

/** subPathError tells why `subPath` may not be used ('' when it may): it must be relative and free of `..` elements. */
export function subPathError(subPath: string): string {
  if (subPath.startsWith('/') || /^[A-Za-z]:/.test(subPath) || subPath.startsWith('\\')) return `subPath "${subPath}" must be a relative path`;
  if (subPath.split(/[/\\]/).includes('..')) return `subPath "${subPath}" must not contain '..'`;
  return '';
}

/**
 * resolveSubPath walks `parts` below `root` one element at a time, creating missing directories and
 * refusing any element that resolves (through a symlink) outside the volume; it returns the real
 * path, or `!<reason>`.
 */
async function resolveSubPath(root: string, parts: readonly string[]): Promise<string> {
  let base: string;
  try { base = await realpath(root); } catch (e) { return `!${(e as Error).message}`; }
  const top = base;
  for (const part of parts) {
    const next = join(base, part);
    let real = await realpath(next).catch(() => '');
    if (!real) {
      try { await mkdir(next, { mode: 0o755 }); real = await realpath(next); } catch (e) { return `!${(e as Error).message}`; }
    }
    if (!isUnder(real, top)) return `!subpath "${parts.join('/')}" resolves outside the volume`;
    base = real;
  }
  return base;
}

/** containerMounts builds the CRI mounts of `container` from the pod's set-up `volumes`. */
export async function containerMounts(container: JsonObject, volumes: ReadonlyMap<string, ReadyVolume>): Promise<MountsResult> {
  const out: Mount[] = [];
  const cname = String(container.name ?? '');
  for (const vm of (Array.isArray(container.volumeMounts) ? container.volumeMounts : []) as JsonObject[]) {
    const vname = String(vm.name ?? '');
    const vol = volumes.get(vname);
    if (!vol) return { ok: false, message: `cannot find volume "${vname}" to mount into container "${cname}"` };
    let hostPath = vol.hostPath;
    const subPath = vm.subPathExpr ? expandSubPathExpr(String(vm.subPathExpr), container) : String(vm.subPath ?? '');
    if (subPath) {
      const why = subPathError(subPath);
      if (why) return { ok: false, message: `failed to prepare subPath for volumeMount "${vname}" of container "${cname}": ${why}` };
      if (!vol.directory) return { ok: false, message: `failed to prepare subPath for volumeMount "${vname}" of container "${cname}": the volume is not a directory` };
      const made = await resolveSubPath(vol.hostPath, subPath.split(/[/\\]/).filter(Boolean));
      if (made.startsWith('!')) return { ok: false, message: `failed to prepare subPath for volumeMount "${vname}" of container "${cname}": ${made.slice(1)}` };
      hostPath = made;
    }
    out.push({ containerPath: String(vm.mountPath ?? ''), hostPath, readonly: vm.readOnly === true || vol.readOnly });
  }
  return { ok: true, mounts: out };
}
