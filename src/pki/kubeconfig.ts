/**
 * @module pki/kubeconfig — kubeconfig files with embedded credentials, as kubectl and client
 * libraries read them: one cluster, one user and one context of the same name, made current.
 */
import { parse, stringify } from 'yaml';

/** Options for kubeconfigYaml: the server URL and the PEM CA, client certificate and client key. */
export interface KubeconfigOptions {
  readonly server: string;
  readonly caCert: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** name: the cluster, user and context name (default "windlass"). */
  readonly name?: string;
}

/** The credentials read back from a kubeconfig's current context (PEM text; undefined when absent). */
export interface KubeconfigCredentials {
  readonly server: string;
  readonly caCert?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
}

/** b64 encodes UTF-8 text as base64, as kubeconfig `*-data` fields hold it. */
function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** kubeconfigYaml renders a kubeconfig whose current context uses client-certificate auth against `server`. */
export function kubeconfigYaml(opts: KubeconfigOptions): string {
  const name = opts.name ?? 'windlass';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caCert) } }],
    users: [{ name, user: { 'client-certificate-data': b64(opts.clientCert), 'client-key-data': b64(opts.clientKey) } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
  });
}

/** setKubeconfigServer returns the kubeconfig text with the current context's cluster pointed at `server`. */
export function setKubeconfigServer(text: string, server: string): string {
  const doc = parse(text);
  const cluster = currentCluster(doc);
  if (cluster === undefined) throw new Error('kubeconfig has no cluster for its current context');
  cluster.server = server;
  return stringify(doc);
}

/** currentCluster finds the `cluster` object of the current context in a parsed kubeconfig. */
function currentCluster(doc: any): Record<string, unknown> | undefined {
  const ctx = (doc?.contexts ?? []).find((c: any) => c?.name === doc?.['current-context'])?.context;
  return (doc?.clusters ?? []).find((c: any) => c?.name === ctx?.cluster)?.cluster;
}

/** readKubeconfigCredentials extracts the server and embedded PEM credentials of a kubeconfig's current context. */
export function readKubeconfigCredentials(text: string): KubeconfigCredentials {
  const doc = parse(text);
  const cluster = currentCluster(doc);
  const ctx = (doc?.contexts ?? []).find((c: any) => c?.name === doc?.['current-context'])?.context;
  const user = (doc?.users ?? []).find((u: any) => u?.name === ctx?.user)?.user ?? {};
  if (cluster === undefined || typeof cluster.server !== 'string') throw new Error('kubeconfig has no cluster for its current context');
  const unb64 = (v: unknown): string | undefined => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined);
  return {
    server: cluster.server,
    caCert: unb64(cluster['certificate-authority-data']),
    clientCert: unb64(user['client-certificate-data']),
    clientKey: unb64(user['client-key-data']),
  };
}
