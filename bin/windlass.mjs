#!/usr/bin/env node
// The `windlass` command (npx windlass …). Runs src/cli/main.ts with a Node that strips types
// (>= 22.18); on an older Node it re-executes itself with the Node 24 that scripts/setup.sh installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
const main = join(root, 'src', 'cli', 'main.ts');
let node = process.execPath;
if (major < 22 || (major === 22 && minor < 18)) {
  node = join(root, '.tools', 'node24', 'node_modules', '.bin', 'node');
  if (!existsSync(node)) {
    const r = spawnSync('bash', [join(root, 'scripts', 'setup.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
const r = spawnSync(node, ['--disable-warning=ExperimentalWarning', main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? (r.signal ? 1 : 0));
