/**
 * @module cli/kubeconfig — `windlass kubeconfig`: the admin kubeconfig of a server's data dir,
 * optionally pointed at another server URL.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubeconfigYaml, setKubeconfigServer } from '../pki/index.ts';
import type { KubeconfigFlags } from './program.ts';

/** readIfExists returns a file's text, or undefined when it does not exist. */
async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** adminKubeconfig returns `dataDir/admin.kubeconfig` (or one rebuilt from `dataDir/tls`), with `server` applied. */
export async function adminKubeconfig(flags: KubeconfigFlags): Promise<string> {
  const saved = await readIfExists(join(flags.dataDir, 'admin.kubeconfig'));
  if (saved !== undefined) return flags.server === undefined ? saved : setKubeconfigServer(saved, flags.server);
  const tls = join(flags.dataDir, 'tls');
  const [caCert, clientCert, clientKey] = await Promise.all(
    ['ca.crt', 'admin.crt', 'admin.key'].map((f) => readIfExists(join(tls, f))));
  if (caCert === undefined || clientCert === undefined || clientKey === undefined) {
    throw new Error(`no admin kubeconfig or certificates in ${flags.dataDir} (has "windlass server" run with this --data-dir?)`);
  }
  return kubeconfigYaml({ server: flags.server ?? 'https://127.0.0.1:6443', caCert, clientCert, clientKey });
}
