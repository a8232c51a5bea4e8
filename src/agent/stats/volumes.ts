/**
 * @module agent/stats/volumes — per-pod volume usage from the kubelet directory layout
 * `<podsDir>/<uid>/volumes/kubernetes.io~<plugin>/<name>`: each volume's tree is measured like
 * `du` (cached for a minute) and its filesystem's capacity comes from statfs. The summary adds
 * `pvcRef` from the pod spec, so this works from the directory alone.
 */
import { join } from 'node:path';
import type { HostIo } from './host-io.ts';
import { cachedDirUsage, realHostIo } from './host-io.ts';
import type { VolumeStat } from './types.ts';

/** PodVolumeStatsOptions configures podVolumeStats. */
export interface PodVolumeStatsOptions {
  /** podsDir: `<dataDir>/pods`. */
  readonly podsDir: string;
  readonly io?: HostIo;
  readonly clock?: { now(): number };
  /** ttlMs: how long one measurement of a volume is reused (default 60 s). */
  readonly ttlMs?: number;
}

/** podVolumeStats returns the `volumeStats` callback of the summary for volumes laid out under podsDir. */
export function podVolumeStats(o: PodVolumeStatsOptions): (podUid: string) => Promise<VolumeStat[]> {
  const io = o.io ?? realHostIo;
  const clock = o.clock ?? { now: () => Date.now() };
  const usage = cachedDirUsage(io, clock, o.ttlMs);
  return async (podUid) => {
    const root = join(o.podsDir, podUid, 'volumes');
    const out: VolumeStat[] = [];
    for (const plugin of ((await io.list(root)) ?? []).sort()) {
      if (!plugin.includes('~')) continue;
      for (const name of ((await io.list(join(root, plugin))) ?? []).sort()) {
        const dir = join(root, plugin, name);
        const time = clock.now();
        const [u, fs] = [await usage(dir), await io.statfs(dir)];
        out.push({
          name, time,
          ...(fs ? { availableBytes: fs.bavail * fs.bsize, capacityBytes: fs.blocks * fs.bsize } : {}),
          ...(u ? { usedBytes: u.bytes } : {}),
          ...(fs && fs.files > 0 ? { inodesFree: fs.ffree, inodes: fs.files } : {}),
          ...(u ? { inodesUsed: u.inodes } : {}),
        });
      }
    }
    return out;
  };
}
