/**
 * @module agent/stats/host-io — the file-system seam the host readers use (read a text file,
 * statfs a path, measure a directory tree), its real implementation, and the FsStats a statfs
 * result turns into. Tests pass a fake HostIo holding fixture file contents.
 */
import { lstat, readFile, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { FsSample } from './types.ts';

/** StatfsResult: the statfs fields the readers use (Node's fs.StatFs has them all). */
export interface StatfsResult {
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
}

/** DirUsage: bytes allocated on disk (du semantics) and inodes used by a directory tree. */
export interface DirUsage {
  readonly bytes: number;
  readonly inodes: number;
}

/** HostIo is how host readers reach the machine; every method resolves undefined when the path is unreadable. */
export interface HostIo {
  readText(path: string): Promise<string | undefined>;
  statfs(path: string): Promise<StatfsResult | undefined>;
  dirUsage(path: string): Promise<DirUsage | undefined>;
  /** list: the entry names of a directory. */
  list(path: string): Promise<string[] | undefined>;
}

/** realHostIo reads the real machine. */
export const realHostIo: HostIo = {
  async readText(path) {
    try { return await readFile(path, 'utf8'); } catch { return undefined; }
  },
  async statfs(path) {
    try { return await statfs(path); } catch { return undefined; }
  },
  dirUsage: (path) => dirUsage(path),
  async list(path) {
    try { return await readdir(path); } catch { return undefined; }
  },
};

/** dirUsage walks a tree without following symlinks, summing allocated blocks (512-byte units, like du) and counting entries. */
export async function dirUsage(path: string): Promise<DirUsage | undefined> {
  let bytes = 0;
  let inodes = 0;
  const walk = async (p: string): Promise<void> => {
    let st;
    try { st = await lstat(p); } catch { return; }
    inodes++;
    bytes += st.blocks !== undefined && st.blocks > 0 ? st.blocks * 512 : st.size;
    if (!st.isDirectory()) return;
    let names: string[];
    try { names = await readdir(p); } catch { return; }
    for (const n of names) await walk(join(p, n));
  };
  try { await lstat(path); } catch { return undefined; }
  await walk(path);
  return { bytes, inodes };
}

/** fsSample turns a statfs result into FsStats: capacity, available (to unprivileged users), used (blocks not free), inodes. */
export function fsSample(s: StatfsResult, time: number): FsSample {
  const inodes = s.files > 0 ? { inodesFree: s.ffree, inodes: s.files, inodesUsed: s.files - s.ffree } : {};
  return {
    time,
    availableBytes: s.bavail * s.bsize,
    capacityBytes: s.blocks * s.bsize,
    usedBytes: (s.blocks - s.bfree) * s.bsize,
    ...inodes,
  };
}

/**
 * cachedDirUsage measures each path at most once per `ttlMs` (kubelet measures volumes about once
 * a minute: a tree walk per scrape would be too costly), forgetting paths not asked for since.
 */
export function cachedDirUsage(io: HostIo, clock: { now(): number }, ttlMs = 60_000): (path: string) => Promise<DirUsage | undefined> {
  const cache = new Map<string, { at: number; value: DirUsage | undefined }>();
  return async (path) => {
    const now = clock.now();
    for (const [p, e] of cache) if (now - e.at >= ttlMs * 5) cache.delete(p);
    const hit = cache.get(path);
    if (hit && now - hit.at < ttlMs) return hit.value;
    const value = await io.dirUsage(path);
    cache.set(path, { at: now, value });
    return value;
  };
}
