/**
 * @module cli/token.test — the pure parts of `windlass token`: Go durations, the Secret kubeadm
 * writes (and reading it back), option validation, the kubeadm-like table and the join command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCertificateAuthority, caCertHash } from '../pki/index.ts';
import { buildTokenSecret, formatTokenTable, joinCommand, parseGoDuration, serverHostPort, tokenFromSecret, validateTokenOptions } from './token.ts';

const NOW = new Date('2026-11-26T12:00:00Z');

void test('parseGoDuration', () => {
  const cases: [string, number | undefined][] = [
    ['24h', 86_400_000], ['1h30m', 5_400_000], ['90s', 90_000], ['0', 0], ['1.5h', 5_400_000], ['250ms', 250],
    ['', undefined], ['24', undefined], ['1d', undefined], ['-1h', undefined], ['1h ', undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseGoDuration(input), want, input);
});

void test('buildTokenSecret writes kubeadm keys, base64-encoded; tokenFromSecret reads them back', () => {
  const s = buildTokenSecret({ id: 'abcdef', secret: '0123456789abcdef', ttlMs: 86_400_000, description: 'for w1', usages: ['signing', 'authentication'], groups: ['system:bootstrappers:worker', 'system:bootstrappers:x'], now: NOW }) as any;
  assert.equal(s.metadata.name, 'bootstrap-token-abcdef');
  assert.equal(s.metadata.namespace, 'kube-system');
  assert.equal(s.type, 'bootstrap.kubernetes.io/token');
  const plain = Object.fromEntries(Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  assert.deepEqual(plain, {
    'token-id': 'abcdef', 'token-secret': '0123456789abcdef', expiration: '2026-11-27T12:00:00Z',
    'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true',
    'auth-extra-groups': 'system:bootstrappers:worker,system:bootstrappers:x', description: 'for w1',
  });
  assert.deepEqual(tokenFromSecret(s), {
    id: 'abcdef', secret: '0123456789abcdef', expiration: '2026-11-27T12:00:00Z', usages: ['authentication', 'signing'],
    groups: ['system:bootstrappers:worker', 'system:bootstrappers:x'], description: 'for w1',
  });
  const forever = buildTokenSecret({ id: 'abcdef', secret: '0123456789abcdef', ttlMs: 0, usages: ['signing'], groups: [], now: NOW }) as any;
  assert.deepEqual(Object.keys(forever.data).sort(), ['token-id', 'token-secret', 'usage-bootstrap-signing']);
  assert.equal(tokenFromSecret({ ...s, type: 'Opaque' }), undefined);
  assert.equal(tokenFromSecret({ ...s, metadata: { name: 'bootstrap-token-zzzzzz' } }), undefined);
});

void test('validateTokenOptions', () => {
  assert.equal(validateTokenOptions(['signing', 'authentication'], ['system:bootstrappers:kubeadm:default-node-token']), undefined);
  assert.match(validateTokenOptions(['signing', 'admin'], [])!, /invalid bootstrap token usage "admin"/);
  assert.match(validateTokenOptions(['authentication'], ['system:masters'])!, /must match/);
  assert.match(validateTokenOptions(['signing'], ['system:bootstrappers:x'])!, /only be used with the authentication usage/);
});

void test('formatTokenTable: TTL, forever, expired, <none>', () => {
  const table = formatTokenTable([
    { id: 'abcdef', secret: '0123456789abcdef', expiration: '2026-11-27T11:00:00Z', usages: ['authentication', 'signing'], groups: ['system:bootstrappers:kubeadm:default-node-token'], description: 'w1' },
    { id: 'ghijkl', secret: '0123456789abcdef', usages: ['signing'], groups: [], description: '' },
    { id: 'mnopqr', secret: '0123456789abcdef', expiration: '2026-11-26T11:00:00Z', usages: [], groups: [], description: '' },
  ], NOW);
  const lines = table.trimEnd().split('\n');
  assert.match(lines[0], /^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS$/);
  assert.match(lines[1], /^abcdef\.0123456789abcdef\s+23h\s+2026-11-27T11:00:00Z\s+authentication,signing\s+w1\s+system:bootstrappers:kubeadm:default-node-token$/);
  assert.match(lines[2], /^ghijkl\.0123456789abcdef\s+<forever>\s+<never>\s+signing\s+<none>\s+<none>$/);
  assert.match(lines[3], /^mnopqr\.0123456789abcdef\s+<invalid>\s+2026-11-26T11:00:00Z\s+<none>/);
  assert.equal(lines[0].indexOf('TTL'), lines[1].indexOf('23h'));
});

void test('joinCommand and serverHostPort', async () => {
  const ca = await createCertificateAuthority();
  assert.equal(joinCommand('https://10.0.0.5:6443', 'abcdef.0123456789abcdef', ca.cert),
    `windlass join 10.0.0.5:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${caCertHash(ca.cert)}`);
  assert.equal(serverHostPort('https://[::1]:6443'), '[::1]:6443');
  assert.equal(serverHostPort('https://cp.example'), 'cp.example:443');
});
