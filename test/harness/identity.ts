/**
 * @module test/harness/identity — credentials for subjects other than the admin, against a
 * server started by the harness: client certificates for users, groups and nodes (issued with the
 * server's own CA from `<data-dir>/tls/ca.{crt,key}`), service-account tokens (TokenRequest by the
 * admin), bootstrap and arbitrary bearer tokens, anonymous access, and kubeconfig files for kubectl.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { issueClientCertificate } from '../../src/pki/index.ts';
import type { ApiClient } from './client.ts';
import type { Credentials } from './kubeconfig.ts';
import type { ServerProcess } from './server.ts';

/** serverCa reads the cluster CA certificate and key of a harness server's data dir. */
export async function serverCa(server: Pick<ServerProcess, 'dataDir'>): Promise<{ cert: string; key: string }> {
  const dir = join(server.dataDir, 'tls');
  const [cert, key] = await Promise.all([readFile(join(dir, 'ca.crt'), 'utf8'), readFile(join(dir, 'ca.key'), 'utf8')]);
  return { cert, key };
}

/** userCredentials issues a client certificate `CN=<user>, O=<groups…>` signed by the server's CA. */
export async function userCredentials(server: ServerProcess, user: string, groups: readonly string[] = []): Promise<Credentials> {
  const ca = await serverCa(server);
  const pair = await issueClientCertificate(ca.cert, ca.key, { commonName: user, organizations: groups, days: 2 });
  return { server: server.url, ca: server.credentials.ca, cert: pair.cert, key: pair.key };
}

/** nodeCredentials issues the client certificate of node `name` (`system:node:<name>`, group `system:nodes`). */
export function nodeCredentials(server: ServerProcess, name: string): Promise<Credentials> {
  return userCredentials(server, `system:node:${name}`, ['system:nodes']);
}

/** tokenCredentials authenticates with a bearer token (and trusts the server's CA). */
export function tokenCredentials(server: ServerProcess, token: string): Credentials {
  return { server: server.url, ca: server.credentials.ca, token };
}

/** anonymousCredentials present neither a certificate nor a token. */
export function anonymousCredentials(server: ServerProcess): Credentials {
  return { server: server.url, ca: server.credentials.ca };
}

/** requestServiceAccountToken asks the TokenRequest API (as `admin`) for a token of `ns/name`; it throws with the answer unless 201/200. */
export async function requestServiceAccountToken(admin: ApiClient, ns: string, name: string, expirationSeconds = 3600): Promise<string> {
  const r = await admin.post(`/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds },
  });
  if (r.status !== 201 && r.status !== 200) throw new Error(`TokenRequest for ${ns}/${name}: HTTP ${r.status} ${r.text().slice(0, 500)}`);
  const token = r.json<{ status?: { token?: string } }>().status?.token;
  if (!token) throw new Error(`TokenRequest for ${ns}/${name} returned no status.token: ${r.text().slice(0, 500)}`);
  return token;
}

/** kubeconfigText renders a kubeconfig for `creds` (embedded CA, client certificate and key, or token). */
export function kubeconfigText(creds: Credentials, name = 'windlass'): string {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  const user: Record<string, string> = {};
  if (creds.cert) user['client-certificate-data'] = b64(creds.cert);
  if (creds.key) user['client-key-data'] = b64(creds.key);
  if (creds.token) user.token = creds.token;
  const cluster: Record<string, unknown> = { server: creds.server };
  if (creds.ca) cluster['certificate-authority-data'] = b64(creds.ca);
  if (creds.insecure) cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  });
}

/** writeKubeconfigFile writes `kubeconfigText(creds)` to `path` (mode 0600) and returns the path. */
export async function writeKubeconfigFile(path: string, creds: Credentials): Promise<string> {
  await writeFile(path, kubeconfigText(creds), { mode: 0o600 });
  return path;
}
