/**
 * @module agent/volumes/host — the host side of volumes: hostPath type checks with the kubelet's
 * wording (`hostPath type check failed: /x is not a directory`), the mount table
 * (/proc/self/mountinfo) and tmpfs mount/unmount for memory-backed emptyDirs (Linux only).
 */
import { execFile } from 'node:child_process';
import { lstat, mkdir, open, readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

/** HOST_PATH_TYPES are the hostPath `type` values the API accepts ('' = no check). */
export const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'] as const;

async function statOf(p: string): Promise<import('node:fs').Stats | undefined> {
  try { return await stat(p); } catch { return undefined; }
}

/** checkHostPath applies the hostPath `type` check to `path` (creating it for the *OrCreate types); returns '' or the kubelet's error text. */
export async function checkHostPath(path: string, type: string): Promise<string> {
  const fail = (what: string): string => `hostPath type check failed: ${path} is not ${what}`;
  let st = await statOf(path);
  switch (type) {
    case '':
      return '';
    case 'DirectoryOrCreate':
      if (!st) {
        try { await mkdir(path, { recursive: true, mode: 0o755 }); } catch (e) { return (e as Error).message; }
        return '';
      }
      return st.isDirectory() ? '' : fail('a directory');
    case 'Directory':
      return st?.isDirectory() ? '' : fail('a directory');
    case 'FileOrCreate':
      if (!st) {
        try { await (await open(path, 'a', 0o644)).close(); } catch (e) { return (e as Error).message; }
        st = await statOf(path);
      }
      return st?.isFile() ? '' : fail('a file');
    case 'File':
      return st?.isFile() ? '' : fail('a file');
    case 'Socket':
      return st?.isSocket() ? '' : fail('a socket file');
    case 'CharDevice':
      return st?.isCharacterDevice() ? '' : fail('a character device');
    case 'BlockDevice':
      return st?.isBlockDevice() ? '' : fail('a block device');
    default:
      return `${type} is an invalid volume type`;
  }
}

/** unescapeMountPath decodes the octal escapes (`\040` for a space) of a mountinfo path. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** mountPoints lists the mount points of this process's mount namespace (none where /proc is absent). */
export async function mountPoints(): Promise<string[]> {
  let text: string;
  try { text = await readFile('/proc/self/mountinfo', 'utf8'); } catch { return []; }
  return text.split('\n').filter(Boolean).map((l) => unescapeMountPath(l.split(' ')[4] ?? '')).filter(Boolean);
}

/** isUnder tells whether `p` is `root` or inside it. */
export function isUnder(p: string, root: string): boolean {
  const a = resolve(p);
  const r = resolve(root);
  return a === r || a.startsWith(r.endsWith(sep) ? r : r + sep);
}

/** mountsUnder lists the mount points at or below `root`, deepest first (the unmount order). */
export async function mountsUnder(root: string): Promise<string[]> {
  return (await mountPoints()).filter((m) => isUnder(m, root)).sort((a, b) => b.length - a.length);
}

/** isMountPoint tells whether `p` is a mount point. */
export async function isMountPoint(p: string): Promise<boolean> {
  const r = resolve(p);
  return (await mountPoints()).includes(r);
}

function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((res) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, _out, stderr) => res(err ? (String(stderr).trim() || err.message) : ''));
  });
}

/** mountTmpfs mounts a tmpfs on `dir` (optionally limited to `sizeBytes`); returns '' or the error. */
export async function mountTmpfs(dir: string, sizeBytes?: number): Promise<string> {
  if (process.platform !== 'linux') return '';
  const st = await lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) return `${dir} is not a directory`;
  const opts = sizeBytes && sizeBytes > 0 ? ['-o', `size=${Math.ceil(sizeBytes)}`] : [];
  return run('mount', ['-t', 'tmpfs', ...opts, 'tmpfs', dir]);
}

/** unmount unmounts `dir` (lazily if it is busy); returns '' or the error. */
export async function unmount(dir: string): Promise<string> {
  const err = await run('umount', [dir]);
  if (!err) return '';
  return run('umount', ['-l', dir]);
}
