/**
 * @module cli/heap-flags — V8 heap settings of the server process. The heap growth rule can be
 * changed while running; the young generation's size cannot (V8 fixes it when the isolate is
 * made), so the server restarts itself once, in place, with `--max-semi-space-size` when it was
 * not started with it: `process.execve` keeps the PID, the arguments and the open stdio.
 */

/** HeapPlatform is what a relaunch decision depends on (injected by tests). */
export interface HeapPlatform {
  readonly platform: NodeJS.Platform;
  readonly execPath: string;
  readonly execArgv: readonly string[];
  /** argv: process.argv (execPath, script, arguments). */
  readonly argv: readonly string[];
  /** nodeOptions: the NODE_OPTIONS environment variable. */
  readonly nodeOptions: string;
  /** canExecve: process.execve exists (Node ≥ 22.15 on Unix; never on Windows). */
  readonly canExecve: boolean;
}

/** SEMI_SPACE_FLAG is the V8 flag that caps one of the young generation's two semi-spaces (MiB). */
export const SEMI_SPACE_FLAG = '--max-semi-space-size';

/** semiSpaceRelaunch is the argv to execve so that this process runs with `semiSpaceMb` MiB
 * semi-spaces, or undefined when nothing is to be done: 0 (V8's own sizing), a semi-space flag
 * already given (by the user or by the relaunch itself, so it happens at most once), or no execve
 * (Windows: the server keeps V8's default young generation there). */
export function semiSpaceRelaunch(semiSpaceMb: number, p: HeapPlatform): string[] | undefined {
  if (semiSpaceMb <= 0 || !p.canExecve || p.platform === 'win32') return undefined;
  if (p.execArgv.some((a) => a === SEMI_SPACE_FLAG || a.startsWith(`${SEMI_SPACE_FLAG}=`))) return undefined;
  if (p.nodeOptions.includes(SEMI_SPACE_FLAG)) return undefined;
  return [p.execPath, `${SEMI_SPACE_FLAG}=${semiSpaceMb}`, ...p.execArgv, ...p.argv.slice(1)];
}

/** relaunchForSemiSpace replaces this process as semiSpaceRelaunch says; it returns only when no
 * relaunch is needed (or execve failed, which leaves the process running unchanged). */
export function relaunchForSemiSpace(semiSpaceMb: number): void {
  const execve = process.execve?.bind(process);
  const args = semiSpaceRelaunch(semiSpaceMb, {
    platform: process.platform, execPath: process.execPath, execArgv: process.execArgv, argv: process.argv,
    nodeOptions: process.env.NODE_OPTIONS ?? '', canExecve: execve !== undefined,
  });
  if (!args || !execve) return;
  try {
    execve(process.execPath, args, process.env);
  } catch {
    // Not fatal: the server runs with V8's default young generation.
  }
}
