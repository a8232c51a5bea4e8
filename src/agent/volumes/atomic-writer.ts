/**
 * @module agent/volumes/atomic-writer — the kubelet's atomic writer layout for API-data volumes
 * (configMap, secret, projected, downwardAPI): the files live in a timestamped directory
 * `..YYYY_MM_DD_HH_MM_SS.<digits>`, the symlink `..data` points at it, and every top-level path of
 * the payload is a symlink `<name>` → `..data/<name>`. An update writes a whole new timestamped
 * directory and swaps `..data` with one rename, so a reader sees either the old or the new
 * content, never a mix; the old directory is removed afterwards. Unchanged content is not rewritten.
 */
import { randomInt } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';

/** FileProjection is one file of a payload: its bytes and permission bits. */
export interface FileProjection {
  readonly data: Buffer;
  readonly mode: number;
}

/** Payload maps relative file paths (`a`, `dir/b`) to their content. */
export type Payload = ReadonlyMap<string, FileProjection>;

/** DATA_DIR_NAME is the symlink naming the current timestamped directory. */
export const DATA_DIR_NAME = '..data';
const NEW_DATA_DIR_NAME = '..data_tmp';

/** validatePayloadPath returns why `p` cannot be a payload path ('' when it can): relative, no `..` element, not starting with `..`. */
export function validatePayloadPath(p: string): string {
  if (!p) return 'invalid path: must not be empty';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return `invalid path: must be relative path: ${p}`;
  if (p.split('/').includes('..')) return `invalid path: must not contain '..': ${p}`;
  if (p.startsWith('..')) return `invalid path: must not start with '..': ${p}`;
  if (p.length > 4096) return 'invalid path: must be less than or equal to 4096 characters';
  return '';
}

/** timestampedName renders a `..2006_01_02_15_04_05.<digits>` directory name for epoch ms `now` (UTC). */
export function timestampedName(now: number): string {
  const d = new Date(now);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const ts = `${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}`;
  return `..${ts}.${String(randomInt(1_000_000_000)).padStart(9, '0')}`;
}

async function exists(p: string): Promise<boolean> {
  try { await lstat(p); return true; } catch { return false; }
}

/** listFiles lists the regular files under `root` as slash-separated relative paths. */
async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...await listFiles(root, rel));
    else out.push(rel);
  }
  return out;
}

/** currentDataDir is the name `..data` points at, or '' when there is none. */
async function currentDataDir(dir: string): Promise<string> {
  try { return await readlink(join(dir, DATA_DIR_NAME)); } catch { return ''; }
}

/** sameContent tells whether the timestamped directory `tsDir` holds exactly `payload`. */
async function sameContent(tsDir: string, payload: Payload): Promise<boolean> {
  let files: string[];
  try { files = await listFiles(tsDir); } catch { return false; }
  if (files.length !== payload.size) return false;
  for (const f of files) {
    const want = payload.get(f);
    if (!want) return false;
    try {
      const st = await stat(join(tsDir, f));
      if ((st.mode & 0o7777) !== want.mode) return false;
      if (!(await readFile(join(tsDir, f))).equals(want.data)) return false;
    } catch { return false; }
  }
  return true;
}

function topLevel(payload: Payload): Set<string> {
  return new Set([...payload.keys()].map((p) => p.split('/')[0]));
}

/** replaceSymlink points `link` at `target` atomically (a new link renamed over the old one). */
async function replaceSymlink(target: string, link: string): Promise<void> {
  const tmp = `${link}.tmp${randomInt(1_000_000)}`;
  await symlink(target, tmp);
  await rename(tmp, link);
}

/**
 * writeAtomic makes `dir` hold `payload` in the atomic writer layout and returns whether anything
 * changed; paths are validated first (an invalid one throws, as it is the caller's bug).
 */
export async function writeAtomic(dir: string, payload: Payload, now: number): Promise<boolean> {
  for (const p of payload.keys()) {
    const why = validatePayloadPath(p);
    if (why) throw new Error(why);
  }
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const oldName = await currentDataDir(dir);
  const wanted = topLevel(payload);
  const linksOk = async (): Promise<boolean> => {
    for (const t of wanted) {
      try { if (await readlink(join(dir, t)) !== `${DATA_DIR_NAME}/${t}`) return false; } catch { return false; }
    }
    return true;
  };
  if (oldName && await sameContent(join(dir, oldName), payload) && await linksOk()) return false;

  // 1. the new timestamped directory with every file
  let tsName = timestampedName(now);
  while (await exists(join(dir, tsName))) tsName = timestampedName(now);
  const tsDir = join(dir, tsName);
  await mkdir(tsDir, { mode: 0o755 });
  for (const [p, f] of payload) {
    const file = join(tsDir, ...p.split('/'));
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, f.data, { mode: f.mode });
    await chmod(file, f.mode); // the umask must not narrow the requested mode
  }
  // 2. swap ..data in one rename
  await rm(join(dir, NEW_DATA_DIR_NAME), { force: true });
  await symlink(tsName, join(dir, NEW_DATA_DIR_NAME));
  await rename(join(dir, NEW_DATA_DIR_NAME), join(dir, DATA_DIR_NAME));
  // 3. user-visible links for new top-level names, removal of names no longer present
  for (const t of wanted) {
    const link = join(dir, t);
    let cur = '';
    try { cur = await readlink(link); } catch { /* absent or not a link */ }
    if (cur === `${DATA_DIR_NAME}/${t}`) continue;
    if (!cur && await exists(link)) await rm(link, { recursive: true, force: true });
    await replaceSymlink(`${DATA_DIR_NAME}/${t}`, link);
  }
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('..') || wanted.has(e.name)) continue;
    if (e.isSymbolicLink()) await rm(join(dir, e.name), { force: true });
  }
  // 4. the old directory goes
  if (oldName && oldName !== tsName && !oldName.includes(sep) && oldName.startsWith('..')) await rm(join(dir, oldName), { recursive: true, force: true });
  return true;
}
