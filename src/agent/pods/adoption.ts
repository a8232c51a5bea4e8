/**
 * @module agent/pods/adoption — what a restarted agent finds in its runtime: the sandboxes and
 * containers carrying kubelet's `io.kubernetes.*` labels, grouped by pod uid, so the pod workers
 * can take over a running pod (its sandbox, the newest instance of each container with the
 * restart count from its attempt, and the exited instance before it for `logs --previous`)
 * instead of restarting it; plus the best-effort removal of a pod's cgroup directories (cgroup v1
 * controllers, the v2 `unified` hierarchy, or a pure v2 mount) and log directory after teardown.
 */
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject } from '../../api/index.ts';
import type { Container, PodSandbox, Runtime } from '../../runtime/index.ts';
import { CONTAINER_HASH_ANNOTATION, LABEL } from './container-config.ts';
import { TERMINATION_LOG_ANNOTATION, readTerminationMessage } from './pod-files.ts';
import type { ContainerRec, PodProbes, PodRec } from './runner.ts';
import { sandboxConfig } from './sandbox-config.ts';
import type { SandboxInput } from './sandbox-config.ts';

/** AdoptedContainer is one spec container's instances found in the runtime. */
export interface AdoptedContainer {
  /** current: the newest instance (highest attempt). */
  readonly current: Container;
  /** previous: the instance before it (kept for `logs --previous`). */
  readonly previous?: Container;
  /** older: instances beyond those two (to remove). */
  readonly older: readonly Container[];
}

/** AdoptedPod is a pod's runtime state found at agent start. */
export interface AdoptedPod {
  readonly uid: string;
  /** sandbox: the READY sandbox with the highest attempt, else the newest one. */
  readonly sandbox: PodSandbox;
  /** stale: other sandboxes of the pod (to remove). */
  readonly stale: readonly PodSandbox[];
  /** containers: by container name, the instances in `sandbox`. */
  readonly containers: ReadonlyMap<string, AdoptedContainer>;
}

const newestFirst = <T extends { createdAt: number; metadata: { attempt: number } }>(a: T, b: T): number =>
  b.metadata.attempt - a.metadata.attempt || b.createdAt - a.createdAt;

/** scanRuntime groups the runtime's labelled sandboxes and containers by pod uid. */
export async function scanRuntime(runtime: Runtime): Promise<Map<string, AdoptedPod>> {
  const sandboxes = (await runtime.listPodSandbox()).filter((s) => s.labels[LABEL.podUid]);
  const containers = (await runtime.listContainers()).filter((c) => c.labels[LABEL.podUid] && c.labels[LABEL.containerName]);
  const byUid = new Map<string, PodSandbox[]>();
  for (const s of sandboxes) {
    const uid = s.labels[LABEL.podUid];
    byUid.set(uid, [...(byUid.get(uid) ?? []), s]);
  }
  const out = new Map<string, AdoptedPod>();
  for (const [uid, list] of byUid) {
    const sorted = [...list].sort((a, b) => (a.state === b.state ? newestFirst(a, b) : a.state === 'READY' ? -1 : 1));
    const sandbox = sorted[0];
    const byName = new Map<string, Container[]>();
    for (const c of containers) {
      if (c.podSandboxId !== sandbox.id) continue;
      const name = c.labels[LABEL.containerName];
      byName.set(name, [...(byName.get(name) ?? []), c]);
    }
    const adopted = new Map<string, AdoptedContainer>();
    for (const [name, cs] of byName) {
      const [current, previous, ...older] = cs.sort(newestFirst);
      adopted.set(name, { current, ...(previous ? { previous } : {}), older });
    }
    out.set(uid, { uid, sandbox, stale: sorted.slice(1), containers: adopted });
  }
  return out;
}

/** TakeOverDeps is what takeOver needs of the pod workers. */
export interface TakeOverDeps {
  readonly runtime: Runtime;
  readonly runtimeName: string;
  readonly probes?: PodProbes;
  /** sandboxInput: the node's sandbox options (the config is rebuilt for later CreateContainer calls). */
  readonly sandboxInput: SandboxInput;
  bind(containerId: string): void;
  markStarted(containerId: string, startedAt: number): void;
}

/** takeOver makes what adopt() found (`rec.adopted`) the pod's own: its sandbox and containers with their restart counts and kept previous instances (nothing is restarted); a sandbox that died while the agent was away is replaced (attempt + 1). */
export async function takeOver(rec: PodRec, d: TakeOverDeps): Promise<void> {
  const a = rec.adopted;
  if (!a) return;
  rec.adopted = undefined;
  const rt = d.runtime;
  for (const s of a.stale) await rt.removePodSandbox(s.id);
  const running = a.sandbox.state === 'READY';
  if (!running && !rec.terminal) {
    await rt.removePodSandbox(a.sandbox.id);
    rec.sandboxAttempt = a.sandbox.metadata.attempt + 1;
    for (const [name, c] of a.containers) rec.containers.set(name, { restartCount: c.current.metadata.attempt + 1 });
    return;
  }
  rec.sandboxId = a.sandbox.id;
  rec.sandboxAttempt = a.sandbox.metadata.attempt;
  rec.killed = !running;
  rec.sandboxConfig = sandboxConfig(rec.pod, { ...d.sandboxInput, attempt: a.sandbox.metadata.attempt });
  const s = await rt.podSandboxStatus(a.sandbox.id);
  rec.ips = s && s.network.ip ? [s.network.ip, ...s.network.additionalIps] : [];
  const specs = [...(rec.pod.spec?.initContainers ?? []), ...(rec.pod.spec?.containers ?? [])] as JsonObject[];
  for (const [name, c] of a.containers) {
    for (const old of c.older) await rt.removeContainer(old.id);
    const spec = specs.find((x) => x.name === name);
    const termLog = c.current.annotations[TERMINATION_LOG_ANNOTATION];
    const hash = c.current.annotations[CONTAINER_HASH_ANNOTATION];
    const cr: ContainerRec = { id: c.current.id, restartCount: c.current.metadata.attempt, ...(termLog ? { terminationLog: termLog } : {}), ...(hash ? { hash } : {}) };
    if (c.previous) {
      const prev = await rt.containerStatus(c.previous.id);
      cr.previousId = c.previous.id;
      if (prev) {
        const prevLog = c.previous.annotations[TERMINATION_LOG_ANNOTATION];
        const message = prev.message || (prevLog ? await readTerminationMessage(prevLog, String(spec?.terminationMessagePolicy ?? 'File'), prev.exitCode, prev.logPath) : '');
        cr.lastTerminated = { containerId: `${d.runtimeName}://${c.previous.id}`, status: { ...prev, message } };
      }
    }
    if (c.current.state === 'CREATED') {
      // Created but never started (the agent stopped in between): it is created again.
      await rt.removeContainer(c.current.id);
      delete cr.id;
      delete cr.terminationLog;
      rec.containers.set(name, cr);
      continue;
    }
    const img = await rt.imageStatus(c.current.image);
    cr.imageId = img?.repoDigests[0] ?? img?.id ?? c.current.imageRef;
    rec.containers.set(name, cr);
    d.bind(c.current.id);
    const st = await rt.containerStatus(c.current.id);
    if (st?.state === 'RUNNING') {
      d.markStarted(c.current.id, st.startedAt);
      if (spec) d.probes?.track(rec.key, rec.pod, spec, c.current.id, rec.ips[0] ?? '', st.startedAt);
    }
  }
}

/** removeCgroupTree removes a cgroup directory and its child cgroups, deepest first (cgroup files cannot be unlinked: rmdir only). */
async function removeCgroupTree(dir: string): Promise<void> {
  let entries;
  try { entries = await readdir(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) if (e.isDirectory()) await removeCgroupTree(join(dir, e.name));
  try { await rmdir(dir); } catch { /* busy or gone: best effort */ }
}

/** removePodCgroups removes `<fsRoot>/<controller>/<cgroupRoot>/pod<uid>` for every mounted hierarchy (and `<fsRoot>/<cgroupRoot>/pod<uid>` on pure cgroup v2). */
export async function removePodCgroups(uid: string, cgroupRoot: string, fsRoot = '/sys/fs/cgroup'): Promise<void> {
  if (!uid || uid.includes('/') || uid.includes('..')) return;
  const rel = join(cgroupRoot.replace(/^\/+/, ''), `pod${uid}`);
  await removeCgroupTree(join(fsRoot, rel));
  let controllers;
  try { controllers = await readdir(fsRoot, { withFileTypes: true }); } catch { return; }
  for (const c of controllers) if (c.isDirectory()) await removeCgroupTree(join(fsRoot, c.name, rel));
}

/** removeLogDirectory removes a pod's log directory (best effort). */
export async function removeLogDirectory(dir: string): Promise<void> {
  try { await rm(dir, { recursive: true, force: true }); } catch { /* best effort */ }
}
