import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { csrCommonName } from './csr-subject.ts';

void test('csrCommonName reads the subject CN of a PEM CSR and declines garbage', () => {
  const pem = execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/dev/null', '-subj', '/O=system:nodes/CN=system:node:a'], { encoding: 'utf8' });
  assert.equal(csrCommonName(pem), 'system:node:a');
  assert.equal(csrCommonName('not a csr'), undefined);
});
