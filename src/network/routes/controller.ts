/**
 * @module network/routes/controller — the node's pod network as a controller: an informer on
 * Nodes; on every add, change or removal (coalesced) it plans this node's state, publishes our own
 * annotations (public IP, backend type, backend data with the VTEP MAC) when they differ, and
 * applies the kernel difference. A failed round is retried after `retryMs`. `close()` (or the
 * signal aborting) stops the informer and removes everything of ours from the kernel.
 */
import { InformerFactory, RESOURCES, type ApiClient } from '../../client/index.ts';
import type { JsonObject } from '../../api/index.ts';
import { ANNOTATIONS, nodeInfoOf, planPodNetwork, type NetworkMode, type PodNetworkPlan, type TunnelOptions, type Underlay } from './plan.ts';
import { findInterfaceAddress, type CommandRunner } from './kernel.ts';
import { applyPodNetwork, removePodNetwork, type ApplyResult } from './diff.ts';

/** PodNetworkOptions configure startPodNetwork. */
export interface PodNetworkOptions {
  readonly client: ApiClient;
  readonly nodeName: string;
  readonly mode: NetworkMode;
  /** underlay: interface and address (default: the interface holding the Node's InternalIP, found with `ip addr`). */
  readonly underlay?: { readonly iface?: string; readonly ip?: string };
  readonly vxlan?: TunnelOptions;
  readonly run: CommandRunner;
  readonly signal: AbortSignal;
  readonly log?: (msg: string) => void;
  /** batchMs coalesces bursts of Node events (default 20 ms); retryMs spaces failed rounds (default 1000 ms). */
  readonly batchMs?: number;
  readonly retryMs?: number;
  /** onReconcile hears each round's plan and kernel result (tests, metrics). */
  readonly onReconcile?: (r: { readonly plan: PodNetworkPlan; readonly result: ApplyResult }) => void;
}

/** PodNetworkHandle is a running pod network; `reconciled` counts finished rounds. */
export interface PodNetworkHandle {
  /** close stops reconciling and removes every device, route, neighbour and FDB entry we created. */
  close(): Promise<void>;
  /** lastPlan is the plan of the last round (undefined before the first). */
  lastPlan(): PodNetworkPlan | undefined;
  /** reconciled is the number of rounds completed so far. */
  reconciled(): number;
}

/** annotationPatch returns the merge patch that makes `current` carry `wanted` (null removes), or undefined when nothing differs. */
export function annotationPatch(current: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string | null>>): Record<string, string | null> | undefined {
  const patch: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(wanted)) {
    if (v === null ? k in current : current[k] !== v) patch[k] = v;
  }
  return Object.keys(patch).length ? patch : undefined;
}

/** relevant fingerprints what the pod network reads of a Node, so status heartbeats do not cause rounds. */
function relevant(node: JsonObject): string {
  const n = nodeInfoOf(node);
  const ann = Object.entries(n.annotations).filter(([k]) => (Object.values(ANNOTATIONS) as string[]).includes(k)).sort();
  return JSON.stringify([n.podCidrs, n.internalIp, ann]);
}

/** startPodNetwork runs the pod network reconciler for `nodeName` until `close()` or `signal` aborts. */
export async function startPodNetwork(opts: PodNetworkOptions): Promise<PodNetworkHandle> {
  const log = opts.log ?? (() => undefined);
  const batchMs = opts.batchMs ?? 20;
  const retryMs = opts.retryMs ?? 1000;
  const life = new AbortController();
  const stop = (): void => life.abort();
  if (opts.signal.aborted) stop();
  else opts.signal.addEventListener('abort', stop, { once: true });
  const factory = new InformerFactory(opts.client, { onError: (n, e) => log(`pod network: informer ${n}: ${(e as Error).message}`) });
  const nodes = factory.forResource<JsonObject>(RESOURCES.nodes);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let plan: PodNetworkPlan | undefined;
  let rounds = 0;
  let lastErrors = '';
  let underlay: Underlay | undefined;
  let underlayFor = '';

  const schedule = (ms = batchMs): void => {
    if (life.signal.aborted) return;
    if (running) { again = true; return; }
    if (timer) return;
    timer = setTimeout(() => { timer = undefined; running = round().finally(() => { running = undefined; if (again) { again = false; schedule(); } }); }, ms);
  };

  const findUnderlay = async (internalIp: string | undefined): Promise<Underlay | undefined> => {
    const ip = opts.underlay?.ip ?? internalIp;
    const key = `${opts.underlay?.iface ?? ''}/${ip ?? ''}`;
    if (underlay && key === underlayFor) return underlay;
    if (!ip) return undefined;
    const found = await findInterfaceAddress(opts.run, ip);
    if (!found || (opts.underlay?.iface !== undefined && found.iface !== opts.underlay.iface)) {
      log(`pod network: no interface${opts.underlay?.iface ? ` ${opts.underlay.iface}` : ''} holds ${ip}`);
      return undefined;
    }
    underlay = found;
    underlayFor = key;
    return underlay;
  };

  async function round(): Promise<void> {
    if (life.signal.aborted) return;
    try {
      const selfObj = nodes.cache.get(opts.nodeName);
      if (!selfObj) { log(`pod network: node ${opts.nodeName} not found; waiting`); return; }
      const self = nodeInfoOf(selfObj);
      const u = await findUnderlay(self.internalIp);
      if (!u) { schedule(retryMs); return; }
      const peers = nodes.cache.list().map(nodeInfoOf).filter((n) => n.name !== self.name);
      plan = planPodNetwork({ mode: opts.mode, self, peers, underlay: u, ...(opts.vxlan ? { vxlan: opts.vxlan } : {}) });
      const errs = plan.errors.join('\n');
      if (errs !== lastErrors) { for (const e of plan.errors) log(`pod network: ${e}`); lastErrors = errs; }
      if (life.signal.aborted) return;
      const result = await applyPodNetwork(opts.run, plan);
      for (const c of result.conflicts) log(`pod network: ${c}`);
      for (const f of result.failed) log(`pod network: ${f.message}`);
      const patch = annotationPatch(self.annotations, plan.annotations);
      if (patch && !life.signal.aborted) await opts.client.patch(RESOURCES.nodes, '', opts.nodeName, 'merge', { metadata: { annotations: patch } });
      rounds++;
      opts.onReconcile?.({ plan, result });
      if (result.failed.length || result.conflicts.length) schedule(retryMs);
    } catch (e) {
      log(`pod network: reconcile failed: ${(e as Error).message}`);
      schedule(retryMs);
    }
  }

  nodes.addEventHandler({
    add: () => schedule(),
    update: (a, b) => { if (relevant(a) !== relevant(b)) schedule(); },
    delete: () => schedule(),
  });
  factory.start(life.signal);
  await factory.waitForSync(life.signal);
  schedule(0);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      life.abort();
      opts.signal.removeEventListener('abort', stop);
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
      await factory.stopped();
      const r = await removePodNetwork(opts.run).catch((e: unknown) => { log(`pod network: cleanup failed: ${(e as Error).message}`); return undefined; });
      for (const f of r?.failed ?? []) log(`pod network: cleanup: ${f.message}`);
    })();
    return closing;
  };
  life.signal.addEventListener('abort', () => { void close(); }, { once: true });
  return { close, lastPlan: () => plan, reconciled: () => rounds };
}
