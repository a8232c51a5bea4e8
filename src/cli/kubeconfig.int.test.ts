/**
 * @module cli/kubeconfig.int.test — `windlass kubeconfig` reading a server data dir on disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServerPki, kubeconfigYaml, readKubeconfigCredentials } from '../pki/index.ts';
import { adminKubeconfig } from './kubeconfig.ts';
import { runCli } from './program.ts';

void test('adminKubeconfig: saved file, --server override, rebuilt from tls/, missing dir', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'windlass-kc-'));
  try {
    const pki = await ensureServerPki(join(dir, 'tls'), { hosts: [] });
    const rebuilt = readKubeconfigCredentials(await adminKubeconfig({ dataDir: dir }));
    assert.deepEqual(rebuilt, { server: 'https://127.0.0.1:6443', caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });

    const saved = kubeconfigYaml({ server: 'https://127.0.0.1:40000', caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
    await writeFile(join(dir, 'admin.kubeconfig'), saved);
    assert.equal(await adminKubeconfig({ dataDir: dir }), saved);
    const moved = readKubeconfigCredentials(await adminKubeconfig({ dataDir: dir, server: 'https://10.0.0.5:6443' }));
    assert.equal(moved.server, 'https://10.0.0.5:6443');
    assert.equal(moved.clientCert, pki.adminCert);

    const out: string[] = [];
    const err: string[] = [];
    assert.equal(await runCli(['kubeconfig', '--data-dir', dir], { io: { out: (t) => out.push(t), err: (t) => err.push(t) } }), 0);
    assert.deepEqual(out, [saved]);
    assert.equal(await runCli(['kubeconfig', '--data-dir', join(dir, 'nope')], { io: { out: (t) => out.push(t), err: (t) => err.push(t) } }), 1);
    assert.match(err.join(''), /^windlass: error: no admin kubeconfig or certificates in .*nope/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
