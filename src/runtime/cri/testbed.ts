/**
 * @module runtime/cri/testbed — helpers for integration tests and test harnesses that run a
 * managed containerd in a network namespace: namespace create/delete, a bridge CNI conflist,
 * and cleanup of what containerd leaves behind (mounts under a directory, cgroup trees, shims).
 * Linux only; needs root.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** createNetns creates network namespace `name` with loopback up. */
export async function createNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'add', name]);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

/** deleteNetns deletes network namespace `name` (no error when it is gone). */
export async function deleteNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'del', name]).catch(() => undefined);
}

/** bridgeConflist returns a CNI conflist: bridge (gateway, hairpin) with host-local IPAM on `subnet`, plus portmap. */
export function bridgeConflist(o: { name: string; bridge?: string; subnet: string; ipamDir: string }): string {
  return JSON.stringify({
    cniVersion: '0.4.0', name: o.name,
    plugins: [
      {
        type: 'bridge', bridge: o.bridge ?? 'cni0', isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: o.subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: o.ipamDir },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2);
}

/** mountsUnder lists mount points at or below `dir` (deepest first), from /proc/self/mountinfo. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = info.split('\n').filter(Boolean).map((l) => l.split(' ')[4].replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** unmountUnder lazily unmounts every mount at or below `dir`. */
export async function unmountUnder(dir: string): Promise<void> {
  for (const p of await mountsUnder(dir)) await run('umount', ['-l', p]).catch(() => undefined);
}

/** cgroupDirs returns `<mount>/<parent>` for every cgroup mount (v1 controllers and v2) where it exists. */
export async function cgroupDirs(parent: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const mounts = info.split('\n').filter((l) => / - cgroup2? /.test(l)).map((l) => l.split(' ')[4]);
  const out: string[] = [];
  for (const m of new Set(mounts)) {
    const d = join(m, parent);
    if (await readdir(d).then(() => true, () => false)) out.push(d);
  }
  return out;
}

async function killTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await killTree(join(dir, e.name));
  for (const pid of (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean)) {
    try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
  }
}

async function rmdirTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await rmdirTree(join(dir, e.name));
  for (let i = 0; i < 20; i++) {
    if (await rmdir(dir).then(() => true, (err: NodeJS.ErrnoException) => err.code === 'ENOENT')) return;
    await new Promise((r) => setTimeout(r, 50)); // killed processes leave the cgroup asynchronously
  }
}

/** removeCgroupTree kills any process left in cgroup `parent` (e.g. `/wl-test-x`), removes it and its children in every controller, and returns what is left. */
export async function removeCgroupTree(parent: string): Promise<string[]> {
  const dirs = await cgroupDirs(parent);
  for (const d of dirs) await killTree(d);
  for (const d of dirs) await rmdirTree(d);
  return cgroupDirs(parent);
}

/** TeardownTarget is everything a test node made around a managed containerd. */
export interface TeardownTarget {
  /** cri: a connection used to stop and remove every sandbox first (closed afterwards). */
  readonly cri?: { listPodSandbox(): Promise<{ id: string }[]>; stopPodSandbox(id: string): Promise<void>; removePodSandbox(id: string): Promise<void>; close(): void };
  readonly managed?: { stop(): Promise<void> };
  /** socketPath: containerd's socket; remaining processes mentioning it (containerd, shims) are killed. */
  readonly socketPath: string;
  /** dir: removed after unmounting everything below it. */
  readonly dir: string;
  readonly netns?: string;
  readonly cgroupRoot?: string;
}

/** teardownContainerd removes sandboxes, containerd and its shims, mounts, cgroups, the netns and the directory; returns leftovers (empty lists when clean). */
export async function teardownContainerd(o: TeardownTarget): Promise<{ processes: number[]; mounts: string[]; cgroups: string[] }> {
  if (o.cri) {
    for (const s of await o.cri.listPodSandbox().catch(() => [])) {
      await o.cri.stopPodSandbox(s.id).catch(() => undefined);
      await o.cri.removePodSandbox(s.id).catch(() => undefined);
    }
    o.cri.close();
  }
  await o.managed?.stop().catch(() => undefined);
  for (const pid of await processesMentioning(o.socketPath)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  const cgroups = o.cgroupRoot ? await removeCgroupTree(o.cgroupRoot) : [];
  await unmountUnder(o.dir);
  const mounts = await mountsUnder(o.dir);
  if (o.netns) await deleteNetns(o.netns);
  await rm(o.dir, { recursive: true, force: true }).catch(() => undefined);
  return { processes: await processesMentioning(o.socketPath), mounts, cgroups };
}

/** processesMentioning returns the pids whose command line contains `text` (e.g. a containerd socket path, to find shims). */
export async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    const cmd = await readFile(`/proc/${e}/cmdline`, 'utf8').catch(() => '');
    if (cmd.replaceAll('\0', ' ').includes(text)) pids.push(Number(e));
  }
  return pids;
}
