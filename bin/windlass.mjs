#!/usr/bin/env node
// The `windlass` command (npx windlass …). On a Node that strips types (>= 22.18) it runs
// src/cli/main.ts in this process; on an older Node it runs it with the Node 24 that
// scripts/setup.sh installs into .tools/ (installing it first if needed), forwarding signals.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'src', 'cli', 'main.ts');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major > 22 || (major === 22 && minor >= 18)) {
  await import(pathToFileURL(main).href);
} else {
  const node = join(root, '.tools', 'node24', 'node_modules', '.bin', 'node');
  if (!existsSync(node)) {
    const r = spawnSync('bash', [join(root, 'scripts', 'setup.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  const child = spawn(node, ['--disable-warning=ExperimentalWarning', main, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
