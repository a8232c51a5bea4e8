/**
 * @module test/harness/server — starts a real `windlass server` process for acceptance tests and
 * benchmarks: temporary data dir, port 0 on 127.0.0.1, no agent; waits (bounded) for the
 * `windlass: listening on https://…` line and the admin kubeconfig, and stops it with SIGTERM
 * (SIGKILL after a grace period) or `kill -9`. Every started process is also killed when the test
 * process exits, so a failing test never leaves a server behind.
 *
 * `WINDLASS_TEST_SERVER_ENTRY` overrides the entry script (the harness self-test uses a fake);
 * `WINDLASS_TEST_LOG=1` copies the server's output to stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKubeconfig, type Credentials } from './kubeconfig.ts';
import { waitFor } from './wait.ts';

/** REPO_ROOT is the checkout this harness lives in. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** Options for startServer. */
export interface StartServerOptions {
  /** dataDir: use (and keep) this data dir; default a fresh temporary one removed by stop(). */
  readonly dataDir?: string;
  /** datastoreEndpoint: passed as --datastore-endpoint (e.g. an etcd URL). */
  readonly datastoreEndpoint?: string;
  /** env: extra environment variables for the server (e.g. WINDLASS_WATCH_CACHE_SIZE). */
  readonly env?: Readonly<Record<string, string>>;
  /** extraArgs: more CLI flags after the standard ones. */
  readonly extraArgs?: readonly string[];
  /** timeoutMs: how long to wait for the listening line and kubeconfig (default 60 s). */
  readonly timeoutMs?: number;
  /** entry: the script run by node (default src/cli/main.ts or $WINDLASS_TEST_SERVER_ENTRY). */
  readonly entry?: string;
  /** nodeArgs: options for node itself, before the entry (e.g. V8 flags that NODE_OPTIONS refuses). */
  readonly nodeArgs?: readonly string[];
}

/** ServerProcess is a started, listening server and the handles to inspect and stop it. */
export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  readonly kubeconfigPath: string;
  readonly credentials: Credentials;
  readonly child: ChildProcess;
  /** exited resolves with the exit code / signal once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** output returns the last 64 KiB of the server's stdout and stderr. */
  output(): string;
  /** stop sends SIGTERM, waits up to `graceMs` (default 10 s), then SIGKILL; removes a temporary data dir. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill9 sends SIGKILL and waits for the process to end (the data dir is kept). */
  kill9(): Promise<void>;
}

const live = new Set<ChildProcess>();
/** killLive kills every server still running; on exit and on a terminating signal (then re-raised). */
function killLive(): void {
  for (const c of live) c.kill('SIGKILL');
}
process.on('exit', killLive);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(sig, () => { killLive(); process.kill(process.pid, sig); });
}

const LISTENING = /windlass: listening on (https:\/\/\S+)/;

/** startServer spawns `windlass server` on 127.0.0.1 port 0 and resolves once it listens and its
 * admin kubeconfig exists; it rejects (and kills the process) on early exit or timeout, with the output. */
export async function startServer(opts: StartServerOptions = {}): Promise<ServerProcess> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? await mkdtemp(join(tmpdir(), 'windlass-test-'));
  const kubeconfigPath = join(dataDir, 'admin.kubeconfig');
  const entry = opts.entry ?? process.env.WINDLASS_TEST_SERVER_ENTRY ?? join(REPO_ROOT, 'src', 'cli', 'main.ts');
  const args = [
    '--disable-warning=ExperimentalWarning', ...(opts.nodeArgs ?? []), entry, 'server',
    '--data-dir', dataDir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--disable-agent',
    ...(opts.datastoreEndpoint ? ['--datastore-endpoint', opts.datastoreEndpoint] : []),
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let log = '';
  const echo = process.env.WINDLASS_TEST_LOG === '1';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  let ready: ((url: string) => void) | undefined;
  const readyP = new Promise<string>((resolve) => { ready = resolve; });
  let lineBuf = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    log = (log + d).slice(-65536);
    if (echo) process.stderr.write(`[server ${child.pid}] ${d}`);
    lineBuf += d;
    let nl: number;
    while ((nl = lineBuf.indexOf('\n')) >= 0) {
      const m = LISTENING.exec(lineBuf.slice(0, nl));
      lineBuf = lineBuf.slice(nl + 1);
      if (m) ready?.(m[1]);
    }
  });
  child.stderr.on('data', (d: string) => {
    log = (log + d).slice(-65536);
    if (echo) process.stderr.write(`[server ${child.pid} err] ${d}`);
  });

  const timeoutMs = opts.timeoutMs ?? 60_000;
  const fail = async (why: string): Promise<never> => {
    child.kill('SIGKILL');
    await exited;
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw new Error(`windlass server ${why}\n--- server output (tail) ---\n${log.slice(-8000)}`);
  };
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    readyP.then((url) => ({ url })),
    exited.then((e) => ({ exit: e })),
    new Promise<{ timeout: true }>((resolve) => { timer = setTimeout(() => resolve({ timeout: true }), timeoutMs); }),
  ]);
  clearTimeout(timer);
  if ('exit' in outcome) return fail(`exited before listening (code ${outcome.exit.code}, signal ${outcome.exit.signal})`);
  if ('timeout' in outcome) return fail(`printed no "windlass: listening on https://…" line within ${timeoutMs} ms`);
  const url = outcome.url;
  const port = Number(new URL(url).port);
  try {
    await waitFor(() => existsSync(kubeconfigPath), { timeoutMs: 10_000, what: `${kubeconfigPath} to be written` });
  } catch (e) {
    return fail((e as Error).message);
  }
  let credentials: Credentials;
  try {
    credentials = await waitFor(() => {
      const c = readKubeconfig(kubeconfigPath);
      return c.server.includes(`:${port}`) ? c : undefined;
    }, { timeoutMs: 10_000, what: `${kubeconfigPath} to name port ${port}` });
  } catch (e) {
    return fail((e as Error).message);
  }

  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  return {
    url, port, pid: child.pid!, dataDir, kubeconfigPath, credentials, child, exited,
    output: () => log,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const r = await exited;
        clearTimeout(t);
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
        return r;
      })();
      return stopping;
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** rssKiB reads a process's resident set size (or, with `peak`, its highest so far: VmHWM) from
 * /proc (Linux), or undefined when unavailable. */
export async function rssKiB(pid: number, peak = false): Promise<number | undefined> {
  try {
    const { readFile } = await import('node:fs/promises');
    const m = (peak ? /VmHWM:\s+(\d+) kB/ : /VmRSS:\s+(\d+) kB/).exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
