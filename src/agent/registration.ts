/**
 * @module agent/registration — the hollow node agent: register (or adopt) this machine's Node
 * object with its labels, taints and Ready status, then keep it alive: renew the Lease
 * `kube-node-lease/<node>` every 10 s and refresh the Ready condition's heartbeat every 40 s,
 * until the signal aborts. It authenticates with the node's client certificate over TLS pinned
 * to the cluster CA — read anew for every step from `credentials` when given, so that a rotated
 * certificate is used from the next request on. Refusals (403/409 from the API server) are
 * returned as values.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { rfc3339 } from '../api/index.ts';
import { requestJson, statusMessage } from './http.ts';
import type { HttpTarget } from './http.ts';
import { currentHostFacts, nodeLabels, nodeStatus, readyCondition } from './node-info.ts';
import type { HostFacts, Taint } from './node-info.ts';

/** Options of registerNode: where to connect, with which credentials, and what to register. */
export interface RegisterNodeOptions {
  readonly server: string;
  readonly caCert: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** credentials: the client pair to use for each request (a certificate manager's current one); default clientCert/clientKey. */
  readonly credentials?: () => { readonly cert: string; readonly key: string };
  readonly nodeName: string;
  readonly nodeIP?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  readonly signal: AbortSignal;
  readonly now?: () => Date;
  /** host: machine facts (default: the running machine). */
  readonly host?: HostFacts;
  /** intervals: lease renewal and status heartbeat periods in ms (defaults 10 000 and 40 000). */
  readonly intervals?: { readonly leaseMs?: number; readonly statusMs?: number };
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** The outcome of registerNode: the registered Node and a promise that settles once heartbeats stop, or why registration was refused. */
export type RegisterNodeResult =
  | { ok: true; node: Record<string, any>; adopted: boolean; stopped: Promise<void> }
  | { ok: false; reason: string };

const NODES = '/api/v1/nodes';
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
const LEASE_DURATION_SECONDS = 40;


/** microTime formats a time with microseconds (metav1.MicroTime). */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** isAbort says whether an error is the abort of our signal. */
function isAbort(err: unknown): boolean {
  return (err as Error | undefined)?.name === 'AbortError';
}

/** mergeTaints adds the wanted taints not already present (same key and effect) to the existing ones. */
function mergeTaints(existing: readonly Taint[], wanted: readonly Taint[]): Taint[] {
  return [...existing, ...wanted.filter((t) => !existing.some((e) => e.key === t.key && e.effect === t.effect))];
}

/** createOrAdopt creates the Node, or on 409 merges our labels and taints into the existing one. */
async function createOrAdopt(target: HttpTarget, node: Record<string, any>, signal: AbortSignal): Promise<{ node: Record<string, any>; adopted: boolean } | { reason: string }> {
  const name: string = node.metadata.name;
  const created = await requestJson(target, 'POST', NODES, node, { signal });
  if (created.status === 201 || created.status === 200) return { node: created.json, adopted: false };
  if (created.status === 403) return { reason: `not allowed to register node "${name}": ${statusMessage(created)}` };
  if (created.status !== 409) return { reason: `registering node "${name}" failed: ${statusMessage(created)}` };
  for (let attempt = 0; attempt < 3; attempt++) {
    const got = await requestJson(target, 'GET', `${NODES}/${name}`, undefined, { signal });
    if (got.status === 403) return { reason: `node "${name}" already exists and this identity may not read it: ${statusMessage(got)}` };
    if (got.status !== 200) return { reason: `reading existing node "${name}" failed: ${statusMessage(got)}` };
    const live = got.json;
    live.metadata.labels = { ...live.metadata.labels, ...node.metadata.labels };
    const taints = mergeTaints(live.spec?.taints ?? [], node.spec?.taints ?? []);
    live.spec = { ...live.spec, ...(taints.length > 0 ? { taints } : {}) };
    const put = await requestJson(target, 'PUT', `${NODES}/${name}`, live, { signal });
    if (put.status === 200) return { node: put.json, adopted: true };
    if (put.status === 409 && /modified/i.test(statusMessage(put))) continue;
    if (put.status === 403) return { reason: `node "${name}" already exists and is held by another identity: ${statusMessage(put)}` };
    return { reason: `updating existing node "${name}" failed: ${statusMessage(put)}` };
  }
  return { reason: `node "${name}" kept changing while adopting it` };
}

/** patchStatus merge-patches the Node's status subresource. */
async function patchStatus(target: HttpTarget, name: string, status: Record<string, unknown>, signal: AbortSignal): Promise<{ ok: true; node: Record<string, any> } | { ok: false; reason: string }> {
  const res = await requestJson(target, 'PATCH', `${NODES}/${name}/status`, { status }, { contentType: 'application/merge-patch+json', signal });
  return res.status === 200 ? { ok: true, node: res.json } : { ok: false, reason: `updating the status of node "${name}" failed: ${statusMessage(res)}` };
}

/** renewLease creates or renews `kube-node-lease/<node>`, returning the stored Lease (or undefined after logging a failure). */
async function renewLease(target: HttpTarget, node: Record<string, any>, lease: Record<string, any> | undefined, now: Date, signal: AbortSignal,
  log: (msg: string, fields?: Record<string, unknown>) => void): Promise<Record<string, any> | undefined> {
  const name: string = node.metadata.name;
  if (lease !== undefined) {
    const put = await requestJson(target, 'PUT', `${LEASES}/${name}`, { ...lease, spec: { ...lease.spec, holderIdentity: name, renewTime: microTime(now) } }, { signal });
    if (put.status === 200) return put.json;
    if (put.status !== 404 && put.status !== 409) {
      log('lease renewal failed', { node: name, status: put.status, message: statusMessage(put) });
      return lease;
    }
  }
  const got = await requestJson(target, 'GET', `${LEASES}/${name}`, undefined, { signal });
  if (got.status === 200) {
    const put = await requestJson(target, 'PUT', `${LEASES}/${name}`, { ...got.json, spec: { ...got.json.spec, holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(now) } }, { signal });
    if (put.status === 200) return put.json;
    log('lease renewal failed', { node: name, status: put.status, message: statusMessage(put) });
    return undefined;
  }
  const created = await requestJson(target, 'POST', LEASES, {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }] },
    spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(now) },
  }, { signal });
  if (created.status === 201 || created.status === 200) return created.json;
  log('lease creation failed', { node: name, status: created.status, message: statusMessage(created) });
  return undefined;
}

/** loop runs `step` now and then every `ms` until the signal aborts, logging (not throwing) failures. */
async function loop(ms: number, signal: AbortSignal, step: () => Promise<void>, log: (msg: string, fields?: Record<string, unknown>) => void): Promise<void> {
  while (!signal.aborted) {
    try {
      await step();
    } catch (err) {
      if (isAbort(err)) return;
      log('heartbeat failed', { error: (err as Error).message });
    }
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      return;
    }
  }
}

/** registerNode registers or adopts the Node and starts its heartbeats; `stopped` settles after the signal aborts. */
export async function registerNode(opts: RegisterNodeOptions): Promise<RegisterNodeResult> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? (() => undefined);
  const host = opts.host ?? currentHostFacts();
  const target = (): HttpTarget => {
    const c = opts.credentials?.() ?? { cert: opts.clientCert, key: opts.clientKey };
    return { server: opts.server, caCert: opts.caCert, clientCert: c.cert, clientKey: c.key };
  };
  const started = now();
  const status = nodeStatus(host, opts.nodeName, opts.nodeIP, started);
  const taints = opts.taints ?? [];
  const node = {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: opts.nodeName, labels: nodeLabels(host, opts.nodeName, opts.labels) },
    spec: taints.length > 0 ? { taints } : {},
    status,
  };
  const registered = await createOrAdopt(target(), node, opts.signal);
  if ('reason' in registered) return { ok: false, reason: registered.reason };
  const withStatus = await patchStatus(target(), opts.nodeName, status, opts.signal);
  if (!withStatus.ok) return withStatus;
  log('node registered', { node: opts.nodeName, adopted: registered.adopted });

  const transition = rfc3339(started.getTime());
  let lease: Record<string, any> | undefined;
  const leaseLoop = loop(opts.intervals?.leaseMs ?? 10_000, opts.signal, async () => {
    lease = await renewLease(target(), withStatus.node, lease, now(), opts.signal, log);
  }, log);
  let first = true;
  const statusLoop = loop(opts.intervals?.statusMs ?? 40_000, opts.signal, async () => {
    if (first) { first = false; return; }
    const r = await patchStatus(target(), opts.nodeName, { conditions: [readyCondition(rfc3339(now().getTime()), transition)] }, opts.signal);
    if (!r.ok) log('status heartbeat failed', { node: opts.nodeName, message: r.reason });
  }, log);
  const stopped = Promise.all([leaseLoop, statusLoop]).then(() => { log('node agent stopped', { node: opts.nodeName }); });
  return { ok: true, node: withStatus.node, adopted: registered.adopted, stopped };
}
