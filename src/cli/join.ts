/**
 * @module cli/join — `windlass join` (kubeadm-style token discovery + kubelet TLS bootstrap) and
 * `windlass agent` (the node agent with existing credentials).
 *
 * Join: (1) fetch `kube-public/cluster-info` anonymously without verifying the server, (2) verify
 * the detached JWS `jws-kubeconfig-<id>` over its kubeconfig with the token secret, (3) pin the
 * CA by its public-key hash (any `--discovery-token-ca-cert-hash` matching, as kubeadm) and read
 * cluster-info again over TLS verified by that CA, (4) refuse when a Ready Node of the name exists,
 * (5) post a node-client CSR with the bootstrap token and wait until it is approved and signed,
 * (6) register the Node with the issued certificate, (7) only then write
 * `<data-dir>/kubelet.kubeconfig` (0600, certificate, key and CA embedded) — the private key
 * lives only in memory until then, so a refused join leaves no file behind — and (8) keep the
 * node agent running until SIGTERM/SIGINT, rotating its client certificate (written back to the
 * kubeconfig) before expiry and obtaining its kubelet serving certificate
 * (`<data-dir>/pki/kubelet-serving.{crt,key}`) through the `kubernetes.io/kubelet-serving` signer.
 * On Linux the agent is the real one (agent/node.ts: containerd, CNI, pods; steps 6–8 happen in
 * it, and the kubeconfig is written once it runs); with `--hollow` (or elsewhere, and when no
 * `startAgent` is injected, as in the in-process tests) the node only registers and heartbeats.
 */
import { randomBytes } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { posix, win32 } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import {
  caCertHash, certificateSubject, createCertificateRequest, isIssuedBy, keyMatchesCert, kubeconfigYaml, normalizeCaCertHash,
  parseBootstrapToken, readKubeconfigCredentials, verifyDetachedJws, writePrivateFile,
} from '../pki/index.ts';
import {
  createNodeCertificates, defaultNodeName, isValidNodeName, parseNodeLabel, parseNodeTaint, registerNode, requestJson, statusMessage,
} from '../agent/index.ts';
import type { HttpTarget, Taint } from '../agent/index.ts';
import { createLogger } from './log.ts';
import type { AgentRuntimeFlags } from './agent-flags.ts';
import { loadStartNodeAgent, runNodeAgent } from './agent-run.ts';
import type { StartAgentFn } from './agent-run.ts';
import type { Logger } from './log.ts';
import type { CliIo } from './program.ts';

/** Parsed flags of `windlass join`. */
export interface JoinFlags {
  readonly address: string;
  readonly token: string;
  readonly discoveryTokenCaCertHash: readonly string[];
  readonly discoveryTokenUnsafeSkipCaVerification: boolean;
  readonly nodeName?: string;
  readonly nodeIp?: string;
  readonly nodeLabel: readonly string[];
  readonly nodeTaint: readonly string[];
  readonly containerRuntimeEndpoint?: string;
  readonly dataDir: string;
  /** csrTimeout: how long to wait for the CSR to be approved and signed, as a Go duration (default 2m). */
  readonly csrTimeout: string;
  /** runtime: the real agent's settings; `hollow` registers the Node only (absent: hollow). */
  readonly runtime?: Omit<AgentRuntimeFlags, 'containerRuntimeEndpoint'> & { readonly hollow: boolean };
}

/** Parsed flags of `windlass agent`. */
export interface AgentFlags {
  readonly kubeconfig?: string;
  readonly dataDir: string;
  readonly nodeName?: string;
  readonly nodeIp?: string;
  readonly nodeLabel: readonly string[];
  readonly nodeTaint: readonly string[];
  readonly containerRuntimeEndpoint?: string;
  /** runtime: the real agent's settings; `hollow` registers the Node only (absent: hollow). */
  readonly runtime?: Omit<AgentRuntimeFlags, 'containerRuntimeEndpoint'> & { readonly hollow: boolean };
}

/** The outcome of a join step: a value, or the one-line reason the join is refused. */
export type Step<T> = ({ ok: true } & T) | { ok: false; reason: string };

/** JoinDeps: collaborators of runJoin (tests shorten the poll interval and capture output). */
export interface JoinDeps {
  readonly log: Logger;
  readonly out: (text: string) => void;
  readonly hostname: () => string;
  readonly platform: NodeJS.Platform;
  /** pollMs: CSR status poll interval (default 1000). */
  readonly pollMs?: number;
  /** agentIntervals: heartbeat periods passed to the agent (tests). */
  readonly agentIntervals?: { leaseMs?: number; statusMs?: number };
  /** startAgent runs the real node agent; absent, or with `--hollow`, the node only registers and heartbeats. */
  readonly startAgent?: StartAgentFn;
}

/** pathFor returns the path module of a platform (win32 paths on Windows, POSIX elsewhere). */
export function pathFor(platform: NodeJS.Platform): typeof posix {
  return platform === 'win32' ? win32 : posix;
}

/** agentFiles returns the files join writes under an (absolute or relative) data dir, for a platform. */
export function agentFiles(dataDir: string, platform: NodeJS.Platform): { dataDir: string; kubeconfig: string } {
  const p = pathFor(platform);
  const dir = p.normalize(dataDir);
  return { dataDir: dir, kubeconfig: p.join(dir, 'kubelet.kubeconfig') };
}

/** parseJoinAddress turns `HOST:PORT` (or an https URL) into the API server URL. */
export function parseJoinAddress(text: string): Step<{ server: string }> {
  const raw = /^https:\/\//.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `${JSON.stringify(text)} is not HOST:PORT of an API server` };
  }
  if (url.protocol !== 'https:' || url.hostname === '' || url.pathname.replace(/\/+$/, '') !== '' || url.search !== '' || url.username !== '') {
    return { ok: false, reason: `${JSON.stringify(text)} is not HOST:PORT of an API server` };
  }
  return { ok: true, server: `https://${url.host}` };
}

/** validateRuntimeEndpoint checks a CRI endpoint URI (`unix:///…` or `npipe:////./pipe/…`). */
export function validateRuntimeEndpoint(uri: string): string | undefined {
  return /^(unix:\/\/\/.+|npipe:\/\/\/\/\.\/pipe\/.+|tcp:\/\/.+)$/.test(uri) ? undefined : `--container-runtime-endpoint ${JSON.stringify(uri)} is not a unix:///path or npipe:////./pipe/name URI`;
}

/** parseNodeSettings validates node name, labels and taints. */
export function parseNodeSettings(flags: Pick<JoinFlags, 'nodeName' | 'nodeLabel' | 'nodeTaint'>, host: string): Step<{ nodeName: string; labels: Record<string, string>; taints: Taint[] }> {
  const nodeName = flags.nodeName ?? defaultNodeName(host);
  if (!isValidNodeName(nodeName)) return { ok: false, reason: `node name ${JSON.stringify(nodeName)} is not a valid DNS-1123 subdomain (use --node-name)` };
  const labels: Record<string, string> = {};
  for (const l of flags.nodeLabel) {
    const r = parseNodeLabel(l);
    if ('error' in r) return { ok: false, reason: r.error };
    labels[r.key] = r.value;
  }
  const taints: Taint[] = [];
  for (const t of flags.nodeTaint) {
    const r = parseNodeTaint(t);
    if ('error' in r) return { ok: false, reason: r.error };
    taints.push(r);
  }
  return { ok: true, nodeName, labels, taints };
}

/** clusterCaFromKubeconfig returns the PEM CA of a kubeconfig's current-context cluster, else of its first cluster (kubeadm's cluster-info has no contexts). */
export function clusterCaFromKubeconfig(text: string): string | undefined {
  let doc: any;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  const clusters: any[] = Array.isArray(doc?.clusters) ? doc.clusters : [];
  const ctx = (Array.isArray(doc?.contexts) ? doc.contexts : []).find((c: any) => c?.name === doc?.['current-context'])?.context;
  const cluster = clusters.find((c) => c?.name === ctx?.cluster)?.cluster ?? clusters[0]?.cluster;
  const data: unknown = cluster?.['certificate-authority-data'];
  return typeof data === 'string' && data !== '' ? Buffer.from(data, 'base64').toString('utf8') : undefined;
}

/** discoverCluster fetches and authenticates cluster-info: JWS check, CA pin, and a second read over verified TLS. */
export async function discoverCluster(opts: { server: string; tokenId: string; tokenSecret: string; caHashes: readonly string[]; skipCaVerification: boolean; signal?: AbortSignal }): Promise<Step<{ caCert: string; warning?: string }>> {
  const path = '/api/v1/namespaces/kube-public/configmaps/cluster-info';
  const res = await requestJson({ server: opts.server, insecureSkipVerify: true }, 'GET', path, undefined, { signal: opts.signal });
  if (res.status === 404) return { ok: false, reason: `the API server at ${opts.server} has no kube-public/cluster-info ConfigMap` };
  if (res.status !== 200) return { ok: false, reason: `reading kube-public/cluster-info from ${opts.server} failed: ${statusMessage(res)}` };
  const data: Record<string, unknown> = res.json?.data ?? {};
  const kubeconfig = data.kubeconfig;
  if (typeof kubeconfig !== 'string') return { ok: false, reason: 'the cluster-info ConfigMap has no kubeconfig' };
  const jws = data[`jws-kubeconfig-${opts.tokenId}`];
  if (typeof jws !== 'string') {
    return { ok: false, reason: `there is no JWS signed token in the cluster-info ConfigMap for token ID "${opts.tokenId}" (the token may be unknown, expired, deleted or lack the signing usage)` };
  }
  if (!verifyDetachedJws(kubeconfig, jws, opts.tokenId, opts.tokenSecret)) {
    return { ok: false, reason: `failed to verify JWS signature of the cluster-info kubeconfig for token ID "${opts.tokenId}" (wrong token secret?)` };
  }
  const caCert = clusterCaFromKubeconfig(kubeconfig);
  if (caCert === undefined) return { ok: false, reason: 'the cluster-info kubeconfig has no certificate-authority-data' };
  let actual: string;
  try {
    actual = caCertHash(caCert);
  } catch {
    return { ok: false, reason: 'the cluster-info kubeconfig carries an unreadable CA certificate' };
  }
  let warning: string | undefined;
  if (opts.skipCaVerification) {
    warning = 'WARNING: --discovery-token-unsafe-skip-ca-verification is set: the cluster CA is not pinned, so a man in the middle could impersonate the API server';
  } else if (!opts.caHashes.some((h) => normalizeCaCertHash(h) === actual)) {
    return { ok: false, reason: `cluster CA found in cluster-info ConfigMap is not pinned: its hash is ${actual}, but --discovery-token-ca-cert-hash gave ${opts.caHashes.join(', ')}` };
  }
  const again = await requestJson({ server: opts.server, caCert }, 'GET', path, undefined, { signal: opts.signal });
  if (again.status !== 200 || again.json?.data?.kubeconfig !== kubeconfig) {
    return { ok: false, reason: `the API server at ${opts.server} did not serve the same cluster-info over TLS verified by its CA` };
  }
  return warning !== undefined ? { ok: true, caCert, warning } : { ok: true, caCert };
}

/** checkNoReadyNode refuses when a Node of this name exists and is Ready (kubeadm's preflight); unknown is allowed. */
export async function checkNoReadyNode(target: HttpTarget, nodeName: string, signal?: AbortSignal): Promise<Step<object>> {
  const res = await requestJson(target, 'GET', `/api/v1/nodes/${nodeName}`, undefined, { signal });
  if (res.status === 401) return { ok: false, reason: `the API server rejected the bootstrap token: ${statusMessage(res)}` };
  if (res.status !== 200) return { ok: true };
  const ready = (res.json?.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True');
  return ready
    ? { ok: false, reason: `a Node with name "${nodeName}" and status Ready already exists in the cluster; delete it or join with another --node-name` }
    : { ok: true };
}

/** requestClientCertificate posts a node-client CSR with the bootstrap token and waits until it is approved and signed. */
export async function requestClientCertificate(opts: { target: HttpTarget; caCert: string; nodeName: string; timeoutMs: number; pollMs?: number; signal?: AbortSignal; now?: () => number }): Promise<Step<{ certPem: string; keyPem: string; csrName: string }>> {
  const now = opts.now ?? Date.now;
  const { csrPem, keyPem } = await createCertificateRequest({ commonName: `system:node:${opts.nodeName}`, organizations: ['system:nodes'] });
  const csrName = `node-csr-${randomBytes(8).toString('hex')}`;
  const base = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
  const created = await requestJson(opts.target, 'POST', base, {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest',
    metadata: { name: csrName },
    spec: { request: Buffer.from(csrPem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] },
  }, { signal: opts.signal });
  if (created.status === 401) return { ok: false, reason: `the API server rejected the bootstrap token (expired, deleted, or without the authentication usage): ${statusMessage(created)}` };
  if (created.status === 403) return { ok: false, reason: `the bootstrap token may not create certificate signing requests: ${statusMessage(created)}` };
  if (created.status !== 201 && created.status !== 200) return { ok: false, reason: `creating the certificate signing request failed: ${statusMessage(created)}` };
  const deadline = now() + opts.timeoutMs;
  let csr: Record<string, any> = created.json;
  for (;;) {
    const conditions: { type?: string; message?: string; reason?: string }[] = csr?.status?.conditions ?? [];
    const denied = conditions.find((c) => c.type === 'Denied');
    if (denied !== undefined) return { ok: false, reason: `the CSR was denied: ${denied.message ?? denied.reason ?? 'no reason given'}` };
    const failed = conditions.find((c) => c.type === 'Failed');
    if (failed !== undefined) return { ok: false, reason: `the CSR could not be signed: ${failed.message ?? failed.reason ?? 'no reason given'}` };
    const cert = csr?.status?.certificate;
    if (conditions.some((c) => c.type === 'Approved') && typeof cert === 'string' && cert !== '') {
      const certPem = Buffer.from(cert, 'base64').toString('utf8');
      if (!isIssuedBy(certPem, opts.caCert) || !keyMatchesCert(certPem, keyPem)) return { ok: false, reason: 'the issued certificate is not signed by the cluster CA for our key' };
      const subject = certificateSubject(certPem);
      if (subject.commonName !== `system:node:${opts.nodeName}`) return { ok: false, reason: `the issued certificate is for "${subject.commonName}", not "system:node:${opts.nodeName}"` };
      return { ok: true, certPem, keyPem, csrName };
    }
    if (now() >= deadline) {
      return { ok: false, reason: `timed out after ${opts.timeoutMs / 1000}s waiting for CSR ${csrName} to be approved and signed (is the CSR approver/signer running?)` };
    }
    await sleep(Math.max(0, Math.min(opts.pollMs ?? 1000, deadline - now())), undefined, { signal: opts.signal });
    const got = await requestJson(opts.target, 'GET', `${base}/${csrName}`, undefined, { signal: opts.signal });
    if (got.status === 401) return { ok: false, reason: `the API server stopped accepting the bootstrap token while waiting for the CSR: ${statusMessage(got)}` };
    if (got.status === 403) return { ok: false, reason: `the bootstrap token may not read its certificate signing request: ${statusMessage(got)}` };
    if (got.status === 404) return { ok: false, reason: `CSR ${csrName} was deleted before it was signed` };
    if (got.status === 200) csr = got.json;
  }
}

/** exists says whether a path exists. */
async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** refuse throws the one-line error of a refused step (runCli prints it and exits 1). */
function refuse(reason: string): never {
  throw new Error(reason);
}

/** runJoin joins this machine to the cluster and runs the node agent until `signal` aborts. */
export async function runJoin(flags: JoinFlags, signal: AbortSignal, deps: JoinDeps): Promise<void> {
  const { log } = deps;
  const address = parseJoinAddress(flags.address);
  if (!address.ok) refuse(address.reason);
  const token = parseBootstrapToken(flags.token);
  if (token === undefined) refuse('--token must have the form [a-z0-9]{6}.[a-z0-9]{16}');
  if (!flags.discoveryTokenUnsafeSkipCaVerification) {
    if (flags.discoveryTokenCaCertHash.length === 0) refuse('--discovery-token-ca-cert-hash is required unless --discovery-token-unsafe-skip-ca-verification is set');
    const bad = flags.discoveryTokenCaCertHash.find((h) => normalizeCaCertHash(h) === undefined);
    if (bad !== undefined) refuse(`--discovery-token-ca-cert-hash ${JSON.stringify(bad)} is not sha256:<64 hex digits>`);
  }
  const timeoutMs = parseCsrTimeout(flags.csrTimeout);
  if (timeoutMs === undefined) refuse(`--csr-timeout ${JSON.stringify(flags.csrTimeout)} is not a positive duration (e.g. 2m)`);
  if (flags.containerRuntimeEndpoint !== undefined) {
    const bad = validateRuntimeEndpoint(flags.containerRuntimeEndpoint);
    if (bad !== undefined) refuse(bad);
  }
  const node = parseNodeSettings(flags, deps.hostname());
  if (!node.ok) refuse(node.reason);
  const files = agentFiles(flags.dataDir, deps.platform);
  if (await exists(files.kubeconfig)) {
    refuse(`${files.kubeconfig} already exists: this machine has joined already (run "windlass agent --data-dir ${files.dataDir}", or remove the file to join again)`);
  }

  const discovered = await discoverCluster({
    server: address.server, tokenId: token.id, tokenSecret: token.secret, caHashes: flags.discoveryTokenCaCertHash,
    skipCaVerification: flags.discoveryTokenUnsafeSkipCaVerification, signal,
  });
  if (!discovered.ok) refuse(discovered.reason);
  if (discovered.warning !== undefined) log.error(discovered.warning);
  log.info('cluster-info verified', { server: address.server, caCertHash: caCertHash(discovered.caCert) });

  const bootstrap: HttpTarget = { server: address.server, caCert: discovered.caCert, bearerToken: `${token.id}.${token.secret}` };
  const noDup = await checkNoReadyNode(bootstrap, node.nodeName, signal);
  if (!noDup.ok) refuse(noDup.reason);
  const issued = await requestClientCertificate({ target: bootstrap, caCert: discovered.caCert, nodeName: node.nodeName, timeoutMs, pollMs: deps.pollMs, signal });
  if (!issued.ok) refuse(issued.reason);
  log.info('client certificate issued', { csr: issued.csrName, node: node.nodeName });

  const certs = createNodeCertificates({
    server: address.server, caCert: discovered.caCert, nodeName: node.nodeName, clientCertificate: { cert: issued.certPem, key: issued.keyPem },
    kubeconfigPath: files.kubeconfig, dataDir: files.dataDir, signal, timing: { pollMs: deps.pollMs }, log: (m, f) => log.info(m, f),
  });
  if (deps.startAgent && flags.runtime && !flags.runtime.hollow) {
    const agent = await runNodeAgent({
      server: address.server, caCert: discovered.caCert, clientCertificate: { cert: issued.certPem, key: issued.keyPem },
      clientRotations: (listener) => certs.onClientRotated(listener),
      certificates: { start: (n) => certs.start(n), current: () => certs.currentServingCertificate() },
      nodeName: node.nodeName, ...(flags.nodeIp !== undefined ? { nodeIp: flags.nodeIp } : {}), labels: node.labels, taints: node.taints,
      dataDir: files.dataDir, runtime: { ...flags.runtime, ...(flags.containerRuntimeEndpoint !== undefined ? { containerRuntimeEndpoint: flags.containerRuntimeEndpoint } : {}) },
      signal, log,
    }, deps.startAgent);
    await writePrivateFile(files.kubeconfig, kubeconfigYaml({
      server: address.server, caCert: discovered.caCert, clientCert: issued.certPem, clientKey: issued.keyPem, name: 'default',
    }));
    deps.out(`This node has joined the cluster as "${node.nodeName}"; credentials in ${files.kubeconfig}\n`);
    await Promise.all([agent.done, certs.stopped]);
    return;
  }
  const registered = await registerNode({
    server: address.server, caCert: discovered.caCert, clientCert: issued.certPem, clientKey: issued.keyPem, credentials: certs.credentials,
    nodeName: node.nodeName, nodeIP: flags.nodeIp, labels: node.labels, taints: node.taints, signal,
    intervals: deps.agentIntervals, log: (m, f) => log.info(m, f),
  });
  if (!registered.ok) refuse(registered.reason);
  await writePrivateFile(files.kubeconfig, kubeconfigYaml({
    server: address.server, caCert: discovered.caCert, clientCert: issued.certPem, clientKey: issued.keyPem, name: 'default',
  }));
  await certs.start(registered.node);
  if (flags.containerRuntimeEndpoint !== undefined) log.info('container runtime endpoint not used: this node is hollow (registration only)', { endpoint: flags.containerRuntimeEndpoint });
  deps.out(`This node has joined the cluster as "${node.nodeName}"; credentials in ${files.kubeconfig}\n`);
  await Promise.all([registered.stopped, certs.stopped]);
}

/** parseCsrTimeout parses the --csr-timeout duration into positive milliseconds. */
function parseCsrTimeout(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2]];
  return ms > 0 ? ms : undefined;
}

/** runAgent runs the node agent with the credentials of an existing kubeconfig until `signal` aborts. */
export async function runAgent(flags: AgentFlags, signal: AbortSignal, deps: JoinDeps): Promise<void> {
  const path = flags.kubeconfig ?? agentFiles(flags.dataDir, deps.platform).kubeconfig;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    refuse(`kubeconfig ${path} does not exist (run "windlass join" first, or pass --kubeconfig)`);
  }
  const creds = readKubeconfigCredentials(text);
  if (creds.caCert === undefined || creds.clientCert === undefined || creds.clientKey === undefined) {
    refuse(`kubeconfig ${path} needs embedded certificate-authority-data, client-certificate-data and client-key-data`);
  }
  const cn = certificateSubject(creds.clientCert).commonName;
  const fromCert = cn.startsWith('system:node:') ? cn.slice('system:node:'.length) : undefined;
  const node = parseNodeSettings({ ...flags, nodeName: flags.nodeName ?? fromCert }, deps.hostname());
  if (!node.ok) refuse(node.reason);
  const certs = createNodeCertificates({
    server: creds.server, caCert: creds.caCert, nodeName: node.nodeName, clientCertificate: { cert: creds.clientCert, key: creds.clientKey },
    kubeconfigPath: path, dataDir: agentFiles(flags.dataDir, deps.platform).dataDir, signal, timing: { pollMs: deps.pollMs },
    log: (m, f) => log(deps.log, m, f),
  });
  if (flags.containerRuntimeEndpoint !== undefined) {
    const bad = validateRuntimeEndpoint(flags.containerRuntimeEndpoint);
    if (bad !== undefined) refuse(bad);
  }
  if (deps.startAgent && flags.runtime && !flags.runtime.hollow) {
    const agent = await runNodeAgent({
      server: creds.server, caCert: creds.caCert, clientCertificate: { cert: creds.clientCert, key: creds.clientKey },
      clientRotations: (listener) => certs.onClientRotated(listener),
      certificates: { start: (n) => certs.start(n), current: () => certs.currentServingCertificate() },
      nodeName: node.nodeName, ...(flags.nodeIp !== undefined ? { nodeIp: flags.nodeIp } : {}), labels: node.labels, taints: node.taints,
      dataDir: agentFiles(flags.dataDir, deps.platform).dataDir,
      runtime: { ...flags.runtime, ...(flags.containerRuntimeEndpoint !== undefined ? { containerRuntimeEndpoint: flags.containerRuntimeEndpoint } : {}) },
      signal, log: deps.log,
    }, deps.startAgent);
    deps.out(`windlass agent running as node "${node.nodeName}"\n`);
    await Promise.all([agent.done, certs.stopped]);
    return;
  }
  const registered = await registerNode({
    server: creds.server, caCert: creds.caCert, clientCert: creds.clientCert, clientKey: creds.clientKey, credentials: certs.credentials,
    nodeName: node.nodeName, nodeIP: flags.nodeIp, labels: node.labels, taints: node.taints, signal,
    intervals: deps.agentIntervals, log: (m, f) => log(deps.log, m, f),
  });
  if (!registered.ok) refuse(registered.reason);
  await certs.start(registered.node);
  deps.out(`windlass agent running as node "${node.nodeName}"\n`);
  await Promise.all([registered.stopped, certs.stopped]);
}

/** log forwards an agent message to the logger. */
function log(logger: Logger, msg: string, fields?: Record<string, unknown>): void {
  logger.info(msg, fields);
}

/** withSignals runs `body` with an AbortSignal that SIGTERM/SIGINT abort (a second signal exits at once). */
async function withSignals(io: CliIo, body: (signal: AbortSignal, deps: JoinDeps) => Promise<void>): Promise<void> {
  const logger = createLogger((line) => io.err(line));
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(1);
    logger.info('signal received', { signal: sig });
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const startAgent = process.platform === 'linux' ? await loadStartNodeAgent() : undefined;
    await body(controller.signal, { log: logger, out: io.out, hostname, platform: process.platform, ...(startAgent ? { startAgent } : {}) });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** runJoinProcess runs `windlass join` until SIGTERM or SIGINT. */
export async function runJoinProcess(flags: JoinFlags, io: CliIo): Promise<void> {
  await withSignals(io, (signal, deps) => runJoin(flags, signal, deps));
}

/** runAgentProcess runs `windlass agent` until SIGTERM or SIGINT. */
export async function runAgentProcess(flags: AgentFlags, io: CliIo): Promise<void> {
  await withSignals(io, (signal, deps) => runAgent(flags, signal, deps));
}
