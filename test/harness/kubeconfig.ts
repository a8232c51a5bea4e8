/**
 * @module test/harness/kubeconfig — reads the credentials of a kubeconfig's current context
 * (embedded `*-data` fields or file paths, client certificate or bearer token) for the test clients.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** Credentials are what an HTTPS client needs to talk to the server as the kubeconfig's user. */
export interface Credentials {
  readonly server: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly token?: string;
  readonly insecure?: boolean;
}

function named(list: unknown, name: unknown, field: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const hit = list.find((e: any) => e?.name === name);
  return hit?.[field] as Record<string, unknown> | undefined;
}

/** parseKubeconfig extracts the current context's server and credentials from kubeconfig text; `baseDir` resolves relative file paths. */
export function parseKubeconfig(text: string, baseDir = '.'): Credentials {
  const doc = parse(text) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object') throw new Error('kubeconfig is not a YAML mapping');
  const ctx = named(doc.contexts, doc['current-context'], 'context');
  if (!ctx) throw new Error(`kubeconfig has no context named ${String(doc['current-context'])}`);
  const cluster = named(doc.clusters, ctx.cluster, 'cluster');
  if (!cluster || typeof cluster.server !== 'string') throw new Error(`kubeconfig has no cluster ${String(ctx.cluster)}`);
  const user = named(doc.users, ctx.user, 'user') ?? {};
  const pick = (obj: Record<string, unknown>, field: string): string | undefined => {
    const data = obj[`${field}-data`];
    if (typeof data === 'string') return Buffer.from(data, 'base64').toString('utf8');
    const file = obj[field];
    if (typeof file === 'string') return readFileSync(isAbsolute(file) ? file : join(baseDir, file), 'utf8');
    return undefined;
  };
  return {
    server: cluster.server,
    ca: pick(cluster, 'certificate-authority'),
    cert: pick(user, 'client-certificate'),
    key: pick(user, 'client-key'),
    token: typeof user.token === 'string' ? user.token : undefined,
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
}

/** readKubeconfig reads and parses a kubeconfig file. */
export function readKubeconfig(path: string): Credentials {
  return parseKubeconfig(readFileSync(path, 'utf8'), dirname(path));
}
