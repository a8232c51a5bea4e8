/**
 * @module cli/data-dir.test — the default data dir per platform, user and environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDataDir } from './data-dir.ts';
import type { DataDirRole, PlatformInfo } from './data-dir.ts';

const cases: { name: string; role: DataDirRole; p: PlatformInfo; want: string }[] = [
  { name: 'root on Linux', role: 'server', p: { platform: 'linux', env: {}, uid: 0, homedir: '/root' }, want: '/var/lib/windlass/server' },
  { name: 'user on Linux', role: 'server', p: { platform: 'linux', env: {}, uid: 1000, homedir: '/home/ann' }, want: '/home/ann/.windlass/server' },
  { name: 'agent, root on Linux', role: 'agent', p: { platform: 'linux', env: {}, uid: 0, homedir: '/root' }, want: '/var/lib/windlass/agent' },
  { name: 'root on macOS', role: 'server', p: { platform: 'darwin', env: {}, uid: 0, homedir: '/var/root' }, want: '/var/root/.windlass/server' },
  {
    name: 'Windows with ProgramData', role: 'server',
    p: { platform: 'win32', env: { ProgramData: 'D:\\PD' }, uid: undefined, homedir: 'C:\\Users\\ann' }, want: 'D:\\PD\\windlass\\server',
  },
  {
    name: 'Windows, upper-case env name', role: 'agent',
    p: { platform: 'win32', env: { PROGRAMDATA: 'E:\\Data' }, uid: undefined, homedir: 'C:\\Users\\ann' }, want: 'E:\\Data\\windlass\\agent',
  },
  {
    name: 'Windows without env', role: 'server',
    p: { platform: 'win32', env: {}, uid: undefined, homedir: 'C:\\Users\\ann' }, want: 'C:\\ProgramData\\windlass\\server',
  },
];

for (const c of cases) {
  void test(`default data dir: ${c.name}`, () => {
    assert.equal(defaultDataDir(c.role, c.p), c.want);
  });
}
