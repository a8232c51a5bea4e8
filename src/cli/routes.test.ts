/**
 * @module cli/routes.test — `windlass routes` flag parsing (defaults, --kubeconfig, --server,
 * --prefix, usage errors) with an injected body, and runRoutes' error for a missing kubeconfig.
 * Printing real nodes' routes is covered by src/network/routes/pod-network.int.test.ts (l3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommanderError } from 'commander';
import type { PlatformInfo } from './data-dir.ts';
import { addRoutesCommand, runRoutes, type RoutesFlags } from './routes.ts';

const linuxUser: PlatformInfo = { platform: 'linux', env: {}, uid: 1000, homedir: '/home/ann' };

function program(seen: RoutesFlags[], err: string[]): Command {
  const io = { out: () => undefined, err: (t: string) => { err.push(t); } };
  const p = new Command('windlass').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  addRoutesCommand(p, { routes: async (f) => { seen.push(f); } }, io, linuxUser);
  return p;
}

void test('routes flags and defaults', async () => {
  const seen: RoutesFlags[] = [];
  await program(seen, []).parseAsync(['routes'], { from: 'user' });
  await program(seen, []).parseAsync(['routes', '--kubeconfig', 'kc.yaml', '--server', 'https://10.0.0.1:6443/', '--prefix', 'ip route replace '], { from: 'user' });
  assert.deepEqual(seen, [
    { dataDir: '/home/ann/.windlass/server' },
    { dataDir: '/home/ann/.windlass/server', kubeconfig: 'kc.yaml', server: 'https://10.0.0.1:6443', prefix: 'ip route replace ' },
  ]);
});

void test('routes usage errors are commander errors with exit code 1, not runs', async () => {
  for (const args of [['routes', '--server', 'not a url'], ['routes', 'extra'], ['routes', '--bogus']]) {
    const seen: RoutesFlags[] = [];
    const err: string[] = [];
    await assert.rejects(program(seen, err).parseAsync(args, { from: 'user' }), (e: unknown) => e instanceof CommanderError && e.exitCode !== 0, args.join(' '));
    assert.deepEqual(seen, [], args.join(' '));
    assert.ok(err.join('').length > 0, `${args.join(' ')}: a message on stderr`);
  }
});

void test('runRoutes without a kubeconfig says where it looked', async () => {
  await assert.rejects(runRoutes({ dataDir: '/nonexistent/wl' }, { out: () => undefined, err: () => undefined }), /no admin kubeconfig at \/nonexistent\/wl\/admin\.kubeconfig/);
  await assert.rejects(runRoutes({ dataDir: '/x', kubeconfig: '/nonexistent/kc' }, { out: () => undefined, err: () => undefined }), /kubeconfig \/nonexistent\/kc cannot be read/);
});
