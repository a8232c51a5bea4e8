/**
 * @module agent/node-certificates — the node's two certificates and where they live: the client
 * certificate in the agent's kubeconfig (rewritten atomically, keeping everything else in the
 * file) and the kubelet serving certificate in `<data-dir>/pki/kubelet-serving.{crt,key}` (key
 * 0600); `createNodeCertificates` wires a CertificateManager for each (the serving one
 * authenticated with the client one's current pair, its SANs the Node's `status.addresses`).
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Clock } from '../client/index.ts';
import { kubeconfigYaml, writeFileAtomic, writePrivateFile } from '../pki/index.ts';
import { CertificateManager } from './certificates.ts';
import type { AgentLog, CertificatePair, CertificateSans, CertificateStore, RequestFn, RotationTiming } from './certificates.ts';

/** readOptional returns a file's text, or undefined when it does not exist. */
async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** currentUser returns the `user` object of a parsed kubeconfig's current context (undefined when absent). */
function currentUser(doc: any): Record<string, unknown> | undefined {
  const ctx = (Array.isArray(doc?.contexts) ? doc.contexts : []).find((c: any) => c?.name === doc?.['current-context'])?.context;
  const entry = (Array.isArray(doc?.users) ? doc.users : []).find((u: any) => u?.name === ctx?.user);
  if (entry === undefined) return undefined;
  entry.user ??= {};
  return entry.user;
}

/** replaceKubeconfigCredentials returns the kubeconfig text with the current context's user holding the given embedded certificate and key (file references dropped). */
export function replaceKubeconfigCredentials(text: string, pair: CertificatePair): string {
  const doc = parse(text);
  const user = currentUser(doc);
  if (user === undefined) throw new Error('kubeconfig has no user for its current context');
  delete user['client-certificate'];
  delete user['client-key'];
  user['client-certificate-data'] = Buffer.from(pair.cert).toString('base64');
  user['client-key-data'] = Buffer.from(pair.key).toString('base64');
  return stringify(doc);
}

/** kubeconfigCertificateStore keeps the client pair in the kubeconfig at `path` (0600, atomic); a missing file is written afresh for `server`/`caCert`. */
export function kubeconfigCertificateStore(path: string, cluster: { server: string; caCert: string; name?: string }): CertificateStore {
  return {
    async load() {
      const text = await readOptional(path);
      if (text === undefined) return undefined;
      const user = currentUser(parse(text));
      const cert = user?.['client-certificate-data'];
      const key = user?.['client-key-data'];
      if (typeof cert !== 'string' || typeof key !== 'string') return undefined;
      return { cert: Buffer.from(cert, 'base64').toString('utf8'), key: Buffer.from(key, 'base64').toString('utf8') };
    },
    async save(pair) {
      const text = await readOptional(path);
      const next = text !== undefined
        ? replaceKubeconfigCredentials(text, pair)
        : kubeconfigYaml({ server: cluster.server, caCert: cluster.caCert, clientCert: pair.cert, clientKey: pair.key, name: cluster.name ?? 'default' });
      await writePrivateFile(path, next);
    },
  };
}

/** pemFileCertificateStore keeps a pair as two PEM files: the key (0600) written before the certificate (0644), each atomically. */
export function pemFileCertificateStore(certPath: string, keyPath: string): CertificateStore {
  return {
    async load() {
      const [cert, key] = await Promise.all([readOptional(certPath), readOptional(keyPath)]);
      return cert !== undefined && key !== undefined ? { cert, key } : undefined;
    },
    async save(pair) {
      await writePrivateFile(keyPath, pair.key);
      await writeFileAtomic(certPath, pair.cert, 0o644);
    },
  };
}

/** servingCertificatePaths returns `<dataDir>/pki/kubelet-serving.crt` and `.key`. */
export function servingCertificatePaths(dataDir: string): { cert: string; key: string } {
  return { cert: join(dataDir, 'pki', 'kubelet-serving.crt'), key: join(dataDir, 'pki', 'kubelet-serving.key') };
}

/** nodeAddressSans splits a Node's `status.addresses` into IP and DNS SANs (deduplicated, order kept). */
export function nodeAddressSans(node: Record<string, any>): CertificateSans {
  const addrs: unknown[] = Array.isArray(node?.status?.addresses) ? node.status.addresses : [];
  const values = [...new Set(addrs.map((a) => (a as { address?: unknown } | undefined)?.address).filter((v): v is string => typeof v === 'string' && v !== ''))];
  return { ipAddresses: values.filter((v) => isIP(v) !== 0), dnsNames: values.filter((v) => isIP(v) === 0) };
}

/** Options of createNodeCertificates. */
export interface NodeCertificatesOptions {
  readonly server: string;
  readonly caCert: string;
  readonly nodeName: string;
  /** clientCertificate: the node's client pair in use now (from join, or the kubeconfig). */
  readonly clientCertificate: CertificatePair;
  /** kubeconfigPath: the kubeconfig the rotated client pair is written to. */
  readonly kubeconfigPath: string;
  /** dataDir: the agent's data dir; the serving pair lives in `<dataDir>/pki`. */
  readonly dataDir: string;
  readonly signal: AbortSignal;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly timing?: RotationTiming;
  readonly log?: AgentLog;
  readonly request?: RequestFn;
}

/** The node's certificate managers and what the rest of the agent reads from them. */
export interface NodeCertificates {
  readonly client: CertificateManager;
  readonly serving: CertificateManager;
  /** credentials returns the client pair to use for the next request (registerNode's `credentials`). */
  readonly credentials: () => CertificatePair;
  /** onClientRotated calls `listener` with each new client pair, once stored (a RestClient's setCredentials). */
  onClientRotated(listener: (pair: CertificatePair) => void): void;
  /** currentServingCertificate returns the serving pair for the agent's HTTPS endpoint, undefined until one is issued. */
  readonly currentServingCertificate: () => CertificatePair | undefined;
  /** start begins client rotation and obtains/rotates the serving pair for the registered Node's addresses. */
  start(node: Record<string, any>): Promise<void>;
  /** stopped settles when both managers have stopped (after the signal aborts). */
  readonly stopped: Promise<void>;
}

/** createNodeCertificates builds the client and serving managers of a node (not yet started). */
export function createNodeCertificates(opts: NodeCertificatesOptions): NodeCertificates {
  const common = {
    nodeName: opts.nodeName, server: opts.server, caCert: opts.caCert, signal: opts.signal, clock: opts.clock,
    random: opts.random, timing: opts.timing, log: opts.log, request: opts.request,
  };
  const rotated = new Set<(pair: CertificatePair) => void>();
  const client = new CertificateManager({
    ...common, kind: 'client', current: opts.clientCertificate, onRotated: (pair) => { for (const l of rotated) l(pair); },
    store: kubeconfigCertificateStore(opts.kubeconfigPath, { server: opts.server, caCert: opts.caCert }),
  });
  let sans: CertificateSans = { ipAddresses: [], dnsNames: [] };
  const paths = servingCertificatePaths(opts.dataDir);
  const serving = new CertificateManager({
    ...common, kind: 'serving', store: pemFileCertificateStore(paths.cert, paths.key),
    authentication: () => client.current(), sans: () => sans,
  });
  let started = false;
  return {
    client, serving,
    credentials: () => client.current() ?? opts.clientCertificate,
    onClientRotated: (listener) => { rotated.add(listener); },
    currentServingCertificate: () => serving.current(),
    async start(node) {
      if (started) return;
      started = true;
      sans = nodeAddressSans(node);
      await client.start();
      await serving.start();
    },
    get stopped() {
      return Promise.all([client.stopped, serving.stopped]).then(() => undefined);
    },
  };
}
