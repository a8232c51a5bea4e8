import { test } from 'node:test';
import assert from 'node:assert/strict';
import { semiSpaceRelaunch, type HeapPlatform } from './heap-flags.ts';

const linux: HeapPlatform = {
  platform: 'linux', execPath: '/opt/node/bin/node', execArgv: ['--disable-warning=ExperimentalWarning'],
  argv: ['/opt/node/bin/node', '/w/src/cli/main.ts', 'server', '--data-dir', '/srv'], nodeOptions: '', canExecve: true,
};

const cases: { name: string; mb: number; p: HeapPlatform; want: string[] | undefined }[] = [
  {
    name: 'relaunches with the flag first, keeping node flags, script and arguments', mb: 16, p: linux,
    want: ['/opt/node/bin/node', '--max-semi-space-size=16', '--disable-warning=ExperimentalWarning', '/w/src/cli/main.ts', 'server', '--data-dir', '/srv'],
  },
  { name: '0 keeps V8\'s own sizing', mb: 0, p: linux, want: undefined },
  { name: 'already relaunched (flag present): at most once', mb: 16, p: { ...linux, execArgv: ['--max-semi-space-size=16', ...linux.execArgv] }, want: undefined },
  { name: 'a user\'s own flag wins', mb: 16, p: { ...linux, execArgv: ['--max-semi-space-size', '32'] }, want: undefined },
  { name: 'a flag in NODE_OPTIONS wins', mb: 16, p: { ...linux, nodeOptions: '--max-semi-space-size=8 --cpu-prof' }, want: undefined },
  { name: 'Windows has no execve', mb: 16, p: { ...linux, platform: 'win32' }, want: undefined },
  { name: 'an older Node without process.execve', mb: 16, p: { ...linux, canExecve: false }, want: undefined },
];

for (const c of cases) {
  void test(`semiSpaceRelaunch: ${c.name}`, () => {
    assert.deepEqual(semiSpaceRelaunch(c.mb, c.p), c.want);
  });
}
