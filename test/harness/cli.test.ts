/**
 * @module test/harness/cli.test — the parsing of a printed `windlass join …` command (what the join
 * acceptance test runs verbatim): program names, quoting and backslash continuations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJoinCommand, shellWords } from './cli.ts';

const HASH = `sha256:${'ab'.repeat(32)}`;

void test('parseJoinCommand keeps the arguments from "join" on', () => {
  const cases: [string, string[]][] = [
    [`windlass join 127.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${HASH}\n`,
      ['join', '127.0.0.1:6443', '--token', 'abcdef.0123456789abcdef', '--discovery-token-ca-cert-hash', HASH]],
    [`Then run on the node:\n\n  windlass join 10.0.0.1:6443 --token abcdef.0123456789abcdef \\\n    --discovery-token-ca-cert-hash ${HASH}\n`,
      ['join', '10.0.0.1:6443', '--token', 'abcdef.0123456789abcdef', '--discovery-token-ca-cert-hash', HASH]],
    ['/usr/local/bin/windlass join h:1 --node-label "a=b c"', ['join', 'h:1', '--node-label', 'a=b c']],
    ['npx windlass join h:1 --token t', ['join', 'h:1', '--token', 't']],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseJoinCommand(text), want, text);
});

void test('parseJoinCommand fails with the output when no join command was printed', () => {
  assert.throws(() => parseJoinCommand('abcdef.0123456789abcdef\n'), /no "windlass join …" command in the output:\nabcdef/);
});

void test('shellWords handles quotes and escapes, and rejects an unterminated quote', () => {
  assert.deepEqual(shellWords(`a 'b c' "d \\"e\\"" f\\ g ''`), ['a', 'b c', 'd "e"', 'f g', '']);
  assert.throws(() => shellWords('a "b'), /unterminated/);
});
