/**
 * @module runtime/cri/containerd — a managed containerd, as k3s runs one: writes config.toml and
 * certs.d hosts files under `dir`, spawns `containerd --config` (optionally inside a network
 * namespace via `nsenter --net`, keeping the host's mount namespace and cgroup mounts, which
 * `ip netns exec` would hide), waits until its CRI answers, restarts it with back-off if it dies,
 * and stops it (SIGTERM, SIGKILL after 10 s) on `stop()` or when `signal` aborts. Containers keep
 * running across containerd restarts (their shims are separate processes). A containerd left
 * running with the same config by an earlier agent process (pid in `<dir>/containerd.pid`) is
 * stopped first, since it would hold the metadata database lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { connectCri } from './client.ts';
import { containerdConfig, containerdSocketPath, registriesToHosts, registryAuthsFromYaml } from './containerd-config.ts';
import { endpointForSocket } from './endpoint.ts';
import { PAUSE_IMAGE } from './images.ts';

/** ManagedContainerdOptions configure startManagedContainerd. */
export interface ManagedContainerdOptions {
  /** dir holds config.toml, root/, state/, containerd.sock, certs.d/, runc-root/, containerd.log. */
  readonly dir: string;
  readonly cniConfDir: string;
  readonly cniBinDir?: string;
  /** sandboxImage: the pause image (default PAUSE_IMAGE; import it with importImageArchive after start). */
  readonly sandboxImage?: string;
  /** registriesYaml: the text of a k3s-style registries.yaml (mirrors, TLS, auth). */
  readonly registriesYaml?: string;
  /** netns: run containerd in this network namespace (`/run/netns/<netns>`). */
  readonly netns?: string;
  /** containerdPath: the binary (default `containerd` on PATH). */
  readonly containerdPath?: string;
  /** startTimeoutMs: how long to wait for the CRI to answer (default 20 s). */
  readonly startTimeoutMs?: number;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  readonly signal?: AbortSignal;
}

/** ManagedContainerd is a running, supervised containerd. */
export interface ManagedContainerd {
  /** endpoint: its CRI endpoint (`unix://<dir>/containerd.sock`). */
  readonly endpoint: string;
  /** socketPath: the socket path (for ctr -a). */
  readonly socketPath: string;
  /** pid of the current containerd process. */
  readonly pid: number;
  /** stop terminates containerd (not its containers) and ends supervision. */
  stop(): Promise<void>;
  /** restart stops and starts containerd again (containers keep running). */
  restart(): Promise<void>;
}

/** logTail returns the last `lines` lines of a log file ('' if unreadable). */
export function logTail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** writeContainerdFiles writes config.toml and certs.d/ (replacing old hosts files) and returns the config path. */
export async function writeContainerdFiles(o: ManagedContainerdOptions): Promise<string> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const certsDir = join(o.dir, 'certs.d');
  await rm(certsDir, { recursive: true, force: true });
  await mkdir(certsDir, { recursive: true });
  for (const [rel, text] of registriesToHosts(o.registriesYaml ?? '')) {
    const file = join(certsDir, rel);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  const config = containerdConfig({
    dir: o.dir, sandboxImage: o.sandboxImage ?? PAUSE_IMAGE, cniConfDir: o.cniConfDir, cniBinDir: o.cniBinDir,
    registryAuths: registryAuthsFromYaml(o.registriesYaml ?? ''),
  });
  await mkdir(dirname(containerdSocketPath({ dir: o.dir })), { recursive: true, mode: 0o700 });
  const path = join(o.dir, 'config.toml');
  await writeFile(path, config, { mode: 0o600 });
  return path;
}

/** containerdCommand returns the argv that starts containerd with `configPath` (inside `netns` when given). */
export function containerdCommand(configPath: string, netns?: string, containerdPath = 'containerd'): string[] {
  const base = [containerdPath, '--config', configPath];
  return netns ? ['nsenter', `--net=/run/netns/${netns}`, '--', ...base] : base;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** socketAccepts resolves when a unix socket accepts a connection (fails fast while containerd is not listening yet). */
function socketAccepts(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ path });
    sock.once('connect', () => { sock.destroy(); resolve(); });
    sock.once('error', (err) => { sock.destroy(); reject(err); });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** stopStale stops a containerd left running with this config by an earlier agent process (it would hold the metadata lock). */
async function stopStale(pidFile: string, configPath: string, log: (msg: string, fields?: Record<string, unknown>) => void): Promise<void> {
  const pid = Number(await readFile(pidFile, 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.split('\0').includes(configPath)) return;
  log('stopping containerd left by an earlier run', { pid });
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
}

/** startManagedContainerd writes the config, starts containerd, waits for its CRI and supervises it. */
export async function startManagedContainerd(o: ManagedContainerdOptions): Promise<ManagedContainerd> {
  const log = o.log ?? (() => {});
  const configPath = await writeContainerdFiles(o);
  const pidFile = join(o.dir, 'containerd.pid');
  await stopStale(pidFile, configPath, log);
  const socketPath = containerdSocketPath({ dir: o.dir });
  const endpoint = endpointForSocket(socketPath);
  const logPath = join(o.dir, 'containerd.log');
  const argv = containerdCommand(configPath, o.netns, o.containerdPath);
  let child: ChildProcess | undefined;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  const launch = async (): Promise<void> => {
    const fd = openSync(logPath, 'a');
    let proc: ChildProcess;
    try {
      proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd], detached: false });
    } finally {
      closeSync(fd);
    }
    child = proc;
    const exited = new Promise<string>((resolve) => {
      proc.once('error', (err) => resolve(`spawn failed: ${err.message}`));
      proc.once('exit', (code, sig) => resolve(`exited (${sig ?? `code ${code}`})`));
    });
    const startedAt = Date.now();
    proc.once('exit', (code, sig) => {
      if (child !== proc) return;
      child = undefined;
      if (stopping) return;
      failures = Date.now() - startedAt > 60_000 ? 1 : failures + 1;
      const delay = Math.min(30_000, 500 * 2 ** (failures - 1));
      log('containerd exited unexpectedly; restarting', { code, signal: sig, delayMs: delay, log: logTail(logPath, 5) });
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (!stopping) launch().catch((err: unknown) => log('containerd restart failed', { error: String(err) }));
      }, delay);
      restartTimer.unref();
    });
    if (proc.pid) await writeFile(pidFile, `${proc.pid}\n`);
    const deadline = Date.now() + (o.startTimeoutMs ?? 20_000);
    let lastError = '';
    for (;;) {
      const result = await Promise.race([exited, sleep(0).then(() => undefined)]);
      if (result !== undefined) throw new Error(`containerd ${result} during start; log tail:\n${logTail(logPath)}`);
      try {
        await socketAccepts(socketPath);
        const cri = await connectCri({ endpoint, timeoutMs: 2000 });
        cri.close();
        log('containerd ready', { pid: proc.pid, ms: Date.now() - startedAt });
        return;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`containerd did not answer on ${socketPath} within ${o.startTimeoutMs ?? 20_000} ms (${lastError}); log tail:\n${logTail(logPath)}`);
      }
      await sleep(100);
    }
  };

  const terminate = async (): Promise<void> => {
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = undefined;
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const startedAt = Date.now();
    const done = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const killer = setTimeout(() => {
      log('containerd did not exit 10 s after SIGTERM; killing it', { pid: proc.pid });
      proc.kill('SIGKILL');
    }, 10_000);
    await done;
    clearTimeout(killer);
    log('containerd stopped', { pid: proc.pid, ms: Date.now() - startedAt });
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    o.signal?.removeEventListener('abort', onAbort);
    await terminate();
  };
  const onAbort = (): void => void stop();

  if (o.signal?.aborted) throw new Error('startManagedContainerd: aborted before start');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoint,
    socketPath,
    get pid() { return child?.pid ?? 0; },
    stop,
    async restart() {
      if (stopping) throw new Error('managed containerd was stopped');
      stopping = true;
      await terminate();
      stopping = false;
      failures = 0;
      await launch();
    },
  };
}
