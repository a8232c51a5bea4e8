/**
 * @module scripts/test — finds the test files of each tier and runs them with node's test runner.
 *
 * Tiers (by file name): `*.test.ts` unit, `*.int.test.ts` integration (real server, SQLite, etcd),
 * `*.compat.test.ts` compatibility (real kubectl, client-node), `*.e2e.test.ts` end to end.
 * `--tier NAME` (repeatable) picks tiers; default is all. Extra `--` arguments pass to node --test.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const TIERS = ['unit', 'int', 'compat', 'e2e'] as const;
type Tier = (typeof TIERS)[number];

/** tierOf names the tier of a test file from its suffix. */
function tierOf(file: string): Tier | undefined {
  if (!file.endsWith('.test.ts')) return undefined;
  for (const t of ['int', 'compat', 'e2e'] as const) if (file.endsWith(`.${t}.test.ts`)) return t;
  return 'unit';
}

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const wanted = new Set<Tier>();
const passThrough: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--tier') wanted.add(args[++i] as Tier);
  else passThrough.push(args[i]);
}
if (wanted.size === 0) for (const t of TIERS) wanted.add(t);

const files: string[] = [];
for (const dir of ['src', 'test', 'bench']) {
  let entries: string[];
  try { entries = readdirSync(join(root, dir), { recursive: true }) as string[]; } catch { continue; }
  for (const e of entries) {
    const t = tierOf(e);
    if (t && wanted.has(t) && !e.includes('node_modules')) files.push(relative(root, join(root, dir, e)));
  }
}
files.sort((a, b) => TIERS.indexOf(tierOf(a)!) - TIERS.indexOf(tierOf(b)!) || a.localeCompare(b));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
console.log(`[test] ${files.length} test files in tiers: ${[...wanted].join(', ')}`);
const r = spawnSync(process.execPath, [
  '--disable-warning=ExperimentalWarning', '--test', '--test-concurrency=2', '--test-timeout=600000',
  ...passThrough, ...files,
], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
