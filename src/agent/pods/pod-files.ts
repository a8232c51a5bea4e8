/**
 * @module agent/pods/pod-files — the files the kubelet keeps per pod under `<podsDir>/<uid>` and
 * mounts into containers: the managed `/etc/hosts` (`etc-hosts`: localhost entries, the pod's
 * IPs with its hostname and FQDN, hostAliases) and each container instance's termination
 * message file (`containers/<name>/<random>`, mounted at terminationMessagePath), read back when
 * the container exits (at most 4096 bytes; with FallbackToLogsOnError the tail of the log for a
 * failed container whose file is empty).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject } from '../../api/index.ts';
import type { Mount } from '../../runtime/index.ts';

/** MAX_MESSAGE_BYTES is how much of a termination message is reported (kubelet: 4096). */
export const MAX_MESSAGE_BYTES = 4096;
const FALLBACK_LINES = 80;

/** TERMINATION_LOG_ANNOTATION keeps the host path of an instance's termination message file on the container (found again after an agent restart). */
export const TERMINATION_LOG_ANNOTATION = 'windlass.dev/termination-message-host-path';

/** hostsFile renders the kubelet-managed /etc/hosts of a pod. */
export function hostsFile(pod: JsonObject, podIps: readonly string[], clusterDomain: string | undefined): string {
  const spec = pod.spec ?? {};
  const lines = [
    '# Kubernetes-managed hosts file.', '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet', 'fe00::0\tip6-mcastprefix', 'fe00::1\tip6-allnodes', 'fe00::2\tip6-allrouters',
  ];
  const hostname = String(spec.hostname || pod.metadata?.name || '');
  const names = spec.subdomain && clusterDomain ? `${hostname}.${String(spec.subdomain)}.${String(pod.metadata?.namespace)}.svc.${clusterDomain}\t${hostname}` : hostname;
  for (const ip of podIps) lines.push(`${ip}\t${names}`);
  const aliases = (spec.hostAliases ?? []) as JsonObject[];
  if (aliases.length > 0) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${String(a.ip)}\t${((a.hostnames ?? []) as string[]).join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** podFilesDir is `<podsDir>/<uid>`. */
export function podFilesDir(podsDir: string, uid: string): string {
  return join(podsDir, uid);
}

/** writeHostsFile writes the pod's managed hosts file and returns its mount (undefined for hostNetwork pods: they see the node's). */
export async function writeHostsFile(podsDir: string, pod: JsonObject, podIps: readonly string[], clusterDomain: string | undefined): Promise<Mount | undefined> {
  if (pod.spec?.hostNetwork === true) return undefined;
  const dir = podFilesDir(podsDir, String(pod.metadata?.uid));
  await mkdir(dir, { recursive: true });
  const hostPath = join(dir, 'etc-hosts');
  await writeFile(hostPath, hostsFile(pod, podIps, clusterDomain), { mode: 0o644 });
  return { containerPath: '/etc/hosts', hostPath, readonly: false };
}

/** createTerminationLog creates an empty termination message file for a new container instance and returns its host path. */
export async function createTerminationLog(podsDir: string, uid: string, container: string): Promise<string> {
  const dir = join(podFilesDir(podsDir, uid), 'containers', container);
  await mkdir(dir, { recursive: true });
  const hostPath = join(dir, randomBytes(4).toString('hex'));
  const fh = await open(hostPath, 'w', 0o666);
  await fh.chmod(0o666);
  await fh.close();
  return hostPath;
}

/** logTail returns the text of the last lines of a CRI-format log file (timestamps and stream tags removed). */
export function logTail(text: string, lines = FALLBACK_LINES): string {
  const out: string[] = [];
  let partial = '';
  for (const raw of text.split('\n')) {
    const m = /^\S+ (?:stdout|stderr) ([FP]) (.*)$/.exec(raw);
    if (!m) continue;
    partial += m[2];
    if (m[1] === 'F') { out.push(partial); partial = ''; }
  }
  if (partial) out.push(partial);
  return out.slice(-lines).join('\n');
}

const clip = (s: string): string => {
  const b = Buffer.from(s, 'utf8');
  return b.length <= MAX_MESSAGE_BYTES ? s : b.subarray(b.length - MAX_MESSAGE_BYTES).toString('utf8');
};

/** readTerminationMessage reads what an exited container left in its termination message file (or its log tail, per policy). */
export async function readTerminationMessage(hostPath: string | undefined, policy: string, exitCode: number, logFile: string | undefined): Promise<string> {
  let msg = '';
  if (hostPath) msg = await readFile(hostPath, 'utf8').catch(() => '');
  if (msg === '' && policy === 'FallbackToLogsOnError' && exitCode !== 0 && logFile) {
    msg = logTail(await readFile(logFile, 'utf8').catch(() => ''));
  }
  return clip(msg);
}

/** removePodFiles removes the pod's managed files (hosts file, termination messages) and its directory when nothing else is left. */
export async function removePodFiles(podsDir: string, uid: string): Promise<void> {
  if (!uid || uid.includes('/') || uid.includes('..')) return;
  const dir = podFilesDir(podsDir, uid);
  await rm(join(dir, 'etc-hosts'), { force: true }).catch(() => {});
  await rm(join(dir, 'containers'), { recursive: true, force: true }).catch(() => {});
  await rmdir(dir).catch(() => {});
}
