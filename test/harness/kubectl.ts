/**
 * @module test/harness/kubectl — runs a specific kubectl minor version (the real binaries installed
 * next to the gcloud dispatcher) with its own temporary HOME and --cache-dir, a minimal environment,
 * optional stdin and a hard timeout; also runs long-lived commands (`get -w`) in the background.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** KUBECTL_VERSIONS are the minor versions the compatibility tests cover. */
export const KUBECTL_VERSIONS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'] as const;

/** REQUIRED_KUBECTL_VERSIONS must be installed: their tests fail (never skip) without them. */
export const REQUIRED_KUBECTL_VERSIONS: readonly string[] = ['1.27', '1.30', '1.33'];

/** kubectlBinary is the path of the real kubectl of a minor version ("1.30"); `$WINDLASS_KUBECTL_DIR` overrides the directory. */
export function kubectlBinary(version: string): string {
  return join(process.env.WINDLASS_KUBECTL_DIR ?? '/usr/lib/google-cloud-sdk/bin', `kubectl.${version}`);
}

/** kubectlAvailable tells whether the binary of `version` exists. */
export function kubectlAvailable(version: string): boolean {
  return existsSync(kubectlBinary(version));
}

/** KubectlResult is a finished invocation. `code` is null when it was killed (timeout or signal). */
export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** describe renders the command and its output, for assertion messages. */
  describe(): string;
}

/** Options of one run. */
export interface RunOptions {
  readonly stdin?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** timeoutMs: SIGKILL the command after this long (default 60 s). */
  readonly timeoutMs?: number;
}

/** Background is a long-running kubectl (e.g. `get -w`) whose output can be awaited. */
export interface Background {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** waitFor resolves with stdout once `re` matches it, or rejects at the deadline (with the output so far). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** stop kills the process (SIGTERM, then SIGKILL after 2 s) and waits for it. */
  stop(): Promise<void>;
}

/** Kubectl is one kubectl version bound to one kubeconfig and its own HOME/cache dir. */
export interface Kubectl {
  readonly version: string;
  readonly home: string;
  run(args: readonly string[], opts?: RunOptions): Promise<KubectlResult>;
  background(args: readonly string[], opts?: RunOptions): Background;
  /** cleanup removes the temporary HOME (and cache). */
  cleanup(): Promise<void>;
}

const running = new Set<ChildProcess>();
/** killRunning kills every kubectl still running; on exit and on a terminating signal (then re-raised). */
function killRunning(): void {
  for (const c of running) c.kill('SIGKILL');
}
process.on('exit', killRunning);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(sig, () => { killRunning(); process.kill(process.pid, sig); });
}

/** runKubectlBinary runs `binary args` with the given environment; it never hangs past the timeout. */
export function runKubectlBinary(binary: string, args: readonly string[], env: Record<string, string>, opts: RunOptions = {}): Promise<KubectlResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve) => {
    const child = spawn(binary, args, { env: { ...env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => { stdout += d; });
    child.stderr.on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    const finish = (code: number | null, spawnError?: Error): void => {
      clearTimeout(timer);
      running.delete(child);
      if (spawnError) stderr += `\n[harness] could not run ${binary}: ${spawnError.message}`;
      if (timedOut) stderr += `\n[harness] killed after ${timeoutMs} ms`;
      const cmd = `${binary} ${args.map((a) => (/[\s'"{}$*]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`;
      resolve({
        code, stdout, stderr, timedOut,
        describe: () => `$ ${cmd}\n[exit ${code}${timedOut ? ', timed out' : ''}]\n--- stdout ---\n${stdout.slice(-4000)}\n--- stderr ---\n${stderr.slice(-4000)}`,
      });
    };
    child.on('error', (e) => finish(null, e));
    child.on('close', (code) => finish(code));
    child.stdin.on('error', () => { /* the command may exit before reading stdin */ });
    child.stdin.end(opts.stdin ?? '');
  });
}

/** makeKubectl prepares kubectl `version` against `kubeconfigPath` with a fresh temporary HOME and cache dir. */
export async function makeKubectl(version: string, kubeconfigPath: string): Promise<Kubectl> {
  const binary = kubectlBinary(version);
  const home = await mkdtemp(join(tmpdir(), `windlass-kubectl-${version}-`));
  const cacheDir = join(home, '.kube', 'cache');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    KUBECONFIG: kubeconfigPath,
    LANG: 'C.UTF-8',
  };
  const global = ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir];
  return {
    version, home,
    run: (args, opts) => runKubectlBinary(binary, [...global, ...args], env, opts),
    background(args, opts = {}) {
      const child = spawn(binary, [...global, ...args], { env: { ...env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child);
      let out = '';
      let err = '';
      const waiters = new Set<() => void>();
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (d: string) => { out += d; for (const w of waiters) w(); });
      child.stderr.on('data', (d: string) => { err += d; });
      const closed = new Promise<void>((r) => child.on('close', () => { running.delete(child); for (const w of waiters) w(); r(); }));
      child.on('error', (e) => { err += `\n[harness] ${e.message}`; });
      const hardKill = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
      hardKill.unref();
      return {
        child,
        stdout: () => out,
        stderr: () => err,
        waitFor(re, timeoutMs = 15_000) {
          return new Promise((resolve, reject) => {
            const check = (): void => {
              if (re.test(out)) { cleanup(); resolve(out); } else if (child.exitCode !== null || child.signalCode !== null) {
                cleanup();
                reject(new Error(`kubectl ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before printing ${re}\nstdout:\n${out}\nstderr:\n${err}`));
              }
            };
            const t = setTimeout(() => {
              cleanup();
              reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re} from kubectl ${args.join(' ')}\nstdout:\n${out}\nstderr:\n${err}`));
            }, timeoutMs);
            const cleanup = (): void => { clearTimeout(t); waiters.delete(check); };
            waiters.add(check);
            check();
          });
        },
        async stop() {
          clearTimeout(hardKill);
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 2000);
            await closed;
            clearTimeout(t);
          }
        },
      };
    },
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}
