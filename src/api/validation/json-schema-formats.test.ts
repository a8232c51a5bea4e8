/**
 * @module api/validation/json-schema-formats.test — a table of values each string format accepts and rejects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringFormatOk } from './json-schema-formats.ts';

const CASES: readonly [string, readonly string[], readonly string[]][] = [
  ['date', ['2024-02-29', '1999-12-31'], ['2023-02-29', '2024-13-01', '2024-1-1', '']],
  ['date-time', ['2024-02-29T10:00:00Z', '2024-02-29t10:00:00.123+05:30', '2024-02-29T23:59:59,5z'], ['2024-02-29', '2024-02-29T24:00:00Z', '2024-02-29T10:00Z', 'nope']],
  ['datetime', ['2024-02-29T10:00:00Z'], ['x']],
  ['uuid', ['123e4567-e89b-12d3-a456-426614174000', '123E4567E89B12D3A456426614174000'], ['123e4567-e89b-12d3-a456', 'g23e4567-e89b-12d3-a456-426614174000']],
  ['uuid4', ['123e4567-e89b-42d3-a456-426614174000'], ['123e4567-e89b-12d3-a456-426614174000']],
  ['byte', ['', 'aGVsbG8=', 'aGk='], ['aGVsbG8', 'not base64!']],
  ['hostname', ['example.com', 'a', 'my-host.example.org', 'bücher.de'], ['-bad', 'a..b', `${'a'.repeat(64)}.com`, 'under_score.com']],
  ['ipv4', ['10.0.0.1', '255.255.255.255', '010.0.0.1'], ['256.0.0.1', '1.2.3', '::1', 'a.b.c.d']],
  ['ipv6', ['::1', 'fe80::1', '2001:db8::8a2e:370:7334', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8'], ['1:2', '10.0.0.1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', '1::2::3']],
  ['cidr', ['10.0.0.0/8', '::/0', 'fe80::/64'], ['10.0.0.0/33', '10.0.0.0', '::/129', 'x/8']],
  ['mac', ['00:1a:2b:3c:4d:5e', '00-1A-2B-3C-4D-5E', '001a.2b3c.4d5e'], ['00:1a:2b:3c:4d', 'zz:1a:2b:3c:4d:5e']],
  ['hexcolor', ['#fff', 'a0b1c2'], ['#ffff', 'red']],
  ['rgbcolor', ['rgb(0, 128, 255)'], ['rgb(256,0,0)', 'rgb(1,2)']],
  ['some-unknown-format', ['anything', ''], []],
];

for (const [format, good, bad] of CASES) {
  void test(`stringFormatOk: ${format}`, () => {
    for (const s of good) assert.equal(stringFormatOk(format, s), true, `${format} accepts ${JSON.stringify(s)}`);
    for (const s of bad) assert.equal(stringFormatOk(format, s), false, `${format} rejects ${JSON.stringify(s)}`);
  });
}
