/**
 * @module cli/data-dir — where each windlass role keeps its state by default, per operating system:
 * `/var/lib/windlass/<role>` for root on Linux, `%ProgramData%\windlass\<role>` on Windows and
 * `~/.windlass/<role>` otherwise. A pure function of the platform facts, which tests supply.
 */
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

/** PlatformInfo: the facts the default data dir depends on. */
export interface PlatformInfo {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** uid: the effective user id (undefined on Windows). */
  readonly uid: number | undefined;
  readonly homedir: string;
}

/** The roles that keep state in a data dir. */
export type DataDirRole = 'server' | 'agent';

/** currentPlatform reads the running process's platform facts. */
export function currentPlatform(): PlatformInfo {
  return { platform: process.platform, env: process.env, uid: process.geteuid?.(), homedir: homedir() };
}

/** defaultDataDir returns the default state directory of `role` on the given platform. */
export function defaultDataDir(role: DataDirRole, p: PlatformInfo = currentPlatform()): string {
  if (p.platform === 'win32') {
    const programData = p.env.ProgramData ?? p.env.PROGRAMDATA ?? p.env.ALLUSERSPROFILE ?? 'C:\\ProgramData';
    return win32.join(programData, 'windlass', role);
  }
  if (p.platform === 'linux' && p.uid === 0) return posix.join('/var/lib/windlass', role);
  return posix.join(p.homedir, '.windlass', role);
}
