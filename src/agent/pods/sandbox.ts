/**
 * @module agent/pods/sandbox — a pod's sandbox through its life, for the pod workers: create it
 * (the CRI config from sandbox-config.ts, the log directory, the pod IPs), tell when it died
 * under the pod, and replace a dead one as the kubelet does (`SandboxChanged`: the pod is killed
 * and a new sandbox with the next attempt number is made; its containers, init containers
 * included, then start again — unless restartPolicy is Never, when the pod ends instead). Replaced
 * sandboxes are kept (their exited containers back `logs --previous`) until the pod is removed.
 */
import { mkdir, readFile } from 'node:fs/promises';
import type { EventType } from '../../client/index.ts';
import type { ContainerStatus, Runtime } from '../../runtime/index.ts';
import type { PodRec } from './runner.ts';
import { sandboxConfig } from './sandbox-config.ts';
import type { ClusterDns } from './sandbox-config.ts';

/** SandboxDeps is what the sandbox steps need of the workers. */
export interface SandboxDeps {
  readonly runtime: Runtime;
  readonly podLogsDir?: string;
  readonly cgroupRoot?: string;
  readonly dns?: ClusterDns;
  event(rec: PodRec, type: EventType, reason: string, message: string): void;
  /** kill stops the pod's containers (grace seconds each) and its sandbox. */
  kill(rec: PodRec, grace: number): Promise<void>;
}

/** ensureSandbox creates the pod's sandbox when it has none (attempt `rec.sandboxAttempt`) and records its IPs. */
export async function ensureSandbox(rec: PodRec, d: SandboxDeps): Promise<void> {
  if (rec.sandboxId) return;
  let resolv = '';
  if (d.dns?.hostResolvConf) resolv = await readFile(d.dns.hostResolvConf, 'utf8').catch(() => '');
  const config = sandboxConfig(rec.pod, {
    attempt: rec.sandboxAttempt,
    ...(d.podLogsDir !== undefined ? { podLogsDir: d.podLogsDir } : {}),
    ...(d.cgroupRoot !== undefined ? { cgroupRoot: d.cgroupRoot } : {}),
    ...(d.dns ? { dns: d.dns } : {}), hostResolvConfText: resolv,
  });
  if (config.logDirectory) await mkdir(config.logDirectory, { recursive: true });
  rec.sandboxConfig = config;
  try {
    rec.sandboxId = await d.runtime.runPodSandbox(config);
  } catch (e) {
    d.event(rec, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
    throw e;
  }
  rec.killed = false;
  const s = await d.runtime.podSandboxStatus(rec.sandboxId);
  rec.ips = s && s.network.ip ? [s.network.ip, ...s.network.additionalIps] : [];
}

/** sandboxDied tells whether the exited container `st` went down with the pod's current sandbox (which is no longer ready). */
export async function sandboxDied(rec: PodRec, runtime: Runtime, st: ContainerStatus | undefined): Promise<boolean> {
  if (!rec.sandboxId || st?.podSandboxId !== rec.sandboxId) return false;
  return (await runtime.podSandboxStatus(rec.sandboxId))?.state !== 'READY';
}

/** replaceSandbox kills a pod whose sandbox died and clears it, so that ensureSandbox makes the next attempt. */
export async function replaceSandbox(rec: PodRec, d: SandboxDeps): Promise<void> {
  rec.sandboxLost = false;
  const old = rec.sandboxId;
  if (!old || (await d.runtime.podSandboxStatus(old))?.state === 'READY') return;
  d.event(rec, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
  await d.kill(rec, Number(rec.pod.spec?.terminationGracePeriodSeconds ?? 30));
  if (String(rec.pod.spec?.restartPolicy ?? 'Always') === 'Never') return;
  (rec.oldSandboxes ??= []).push(old);
  rec.sandboxId = undefined;
  rec.sandboxAttempt++;
}
