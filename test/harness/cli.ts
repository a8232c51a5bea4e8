/**
 * @module test/harness/cli — runs the windlass CLI itself (`node src/cli/main.ts …`) as a real
 * process: one-shot commands with a hard timeout (`runWindlass`), long-running ones in the
 * background (`startWindlass`, e.g. `windlass join`, which keeps its node agent running), and the
 * parsing of a printed `windlass join …` command line so that tests can run it verbatim.
 * Every process started here is killed when the test process exits. `join`/`agent` run hollow
 * (`WINDLASS_AGENT_HOLLOW=1`: registration only, no container runtime) unless `opts.env` says otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './server.ts';

/** WINDLASS_ENTRY is the CLI entry script the tests run (override with WINDLASS_TEST_CLI_ENTRY). */
export const WINDLASS_ENTRY = process.env.WINDLASS_TEST_CLI_ENTRY ?? join(REPO_ROOT, 'src', 'cli', 'main.ts');

/** CliResult is a finished CLI invocation; `code` is null when it was killed (timeout or signal). */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** describe renders the command line and its output, for assertion messages. */
  describe(): string;
}

/** Options of one CLI run. */
export interface CliRunOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** timeoutMs: SIGKILL the process after this long (default 60 s). */
  readonly timeoutMs?: number;
  /** nodeArgs: options for node itself, before the entry (e.g. V8 flags that NODE_OPTIONS refuses). */
  readonly nodeArgs?: readonly string[];
}

/** BackgroundCli is a running CLI process whose output can be awaited. */
export interface BackgroundCli {
  readonly child: ChildProcess;
  readonly args: readonly string[];
  stdout(): string;
  stderr(): string;
  /** exited resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** result waits (bounded) for the process to end and returns it as a CliResult. */
  result(timeoutMs: number): Promise<CliResult>;
  /** stop sends SIGTERM, then SIGKILL after `graceMs` (default 5 s), and waits for the exit. */
  stop(graceMs?: number): Promise<void>;
  describe(): string;
}

const live = new Set<ChildProcess>();
/** killLive kills every CLI process still running (at exit, and on a terminating signal). */
function killLive(): void {
  for (const c of live) c.kill('SIGKILL');
}
process.on('exit', killLive);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(sig, () => { killLive(); process.kill(process.pid, sig); });
}

/** quoteArgs renders an argument list as a shell-like command line (for messages only). */
function quoteArgs(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** render formats a command, its exit and its output. */
function render(args: readonly string[], code: number | null, timedOut: boolean, stdout: string, stderr: string): string {
  return `$ windlass ${quoteArgs(args)}\n[exit ${code}${timedOut ? ', timed out' : ''}]\n--- stdout ---\n${stdout.slice(-4000)}\n--- stderr ---\n${stderr.slice(-4000)}`;
}

/** startWindlass spawns `node src/cli/main.ts ...args` in the background (cwd: the checkout). */
export function startWindlass(args: readonly string[], opts: CliRunOptions = {}): BackgroundCli {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...(opts.nodeArgs ?? []), WINDLASS_ENTRY, ...args], {
    cwd: REPO_ROOT, env: { WINDLASS_AGENT_HOLLOW: '1', ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  let timedOut = false;
  const echo = process.env.WINDLASS_TEST_LOG === '1';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d: string) => { out = (out + d).slice(-262144); if (echo) process.stderr.write(`[windlass ${args[0]} ${child.pid}] ${d}`); });
  child.stderr.on('data', (d: string) => { err = (err + d).slice(-262144); if (echo) process.stderr.write(`[windlass ${args[0]} ${child.pid} err] ${d}`); });
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => { err += `\n[harness] could not run: ${e.message}`; live.delete(child); resolve(null); });
    child.on('close', (code) => { live.delete(child); resolve(code); });
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const self: BackgroundCli = {
    child, args, exited,
    stdout: () => out,
    stderr: () => err,
    describe: () => render(args, child.exitCode, timedOut, out, err),
    async result(timeoutMs) {
      const t = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
      const code = await exited;
      clearTimeout(t);
      if (timedOut) err += `\n[harness] killed after ${timeoutMs} ms`;
      return { code, stdout: out, stderr: err, timedOut, describe: () => render(args, code, timedOut, out, err) };
    },
    async stop(graceMs = 5000) {
      if (running()) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
  return self;
}

/** runWindlass runs one CLI command to completion (killed at the timeout) and returns its result. */
export function runWindlass(args: readonly string[], opts: CliRunOptions = {}): Promise<CliResult> {
  return startWindlass(args, opts).result(opts.timeoutMs ?? 60_000);
}

/** shellWords splits one command line into words: whitespace-separated, with '…' and "…" quoting and backslash-newline continuations. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  const text = line.replace(/\\\r?\n/g, ' ');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in: ${line}`);
  if (has) words.push(cur);
  return words;
}

/** parseJoinCommand finds the printed `… join HOST:PORT …` command in CLI output and returns its
 * arguments from `join` on (the program name — `windlass`, a path or `npx windlass` — is dropped). */
export function parseJoinCommand(output: string): string[] {
  const text = output.replace(/\\\r?\n\s*/g, ' ');
  const line = text.split(/\r?\n/).find((l) => /(^|\s|\/)windlass(\.mjs)?\s+join\s/.test(l) || /^\s*\S*\s*join\s+\S+:\d+\s/.test(l));
  if (!line) throw new Error(`no "windlass join …" command in the output:\n${output}`);
  const words = shellWords(line.trim());
  const at = words.indexOf('join');
  if (at < 0) throw new Error(`the join command line has no "join" word: ${line}`);
  return words.slice(at);
}
