/**
 * Unit: upstream server parsing and resolv.conf nameserver discovery.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUpstream, resolvConfNameservers } from './upstream.ts';

const rows: [string, ReturnType<typeof parseUpstream>][] = [
  ['192.0.2.1', { host: '192.0.2.1', port: 53 }],
  ['192.0.2.1:5353', { host: '192.0.2.1', port: 5353 }],
  ['fd00::53', { host: 'fd00::53', port: 53 }],
  ['[fd00::53]:5353', { host: 'fd00::53', port: 5353 }],
  ['dns.example:53', undefined],
  ['192.0.2.1:0', undefined],
  ['192.0.2.1:70000', undefined],
];
for (const [text, want] of rows) test(`parseUpstream ${text}`, () => assert.deepEqual(parseUpstream(text), want));

test('resolvConfNameservers reads nameserver lines (zone ids dropped); a missing file gives none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-dns-'));
  try {
    const f = join(dir, 'resolv.conf');
    writeFileSync(f, '# comment\nsearch example.org\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\nnameserver bogus\noptions ndots:2\n');
    assert.deepEqual(resolvConfNameservers(f), ['192.0.2.53', 'fe80::1']);
    assert.deepEqual(resolvConfNameservers(join(dir, 'absent')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
