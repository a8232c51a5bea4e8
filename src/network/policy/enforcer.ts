/**
 * @module network/policy/enforcer — the node's NetworkPolicy enforcer: informers on pods,
 * namespaces and NetworkPolicies; any change schedules a sync; syncs are coalesced (one runs at a
 * time, changes arriving meanwhile fold into one follow-up after a short quiet delay), rebuild the
 * model, render it, and hand the script to the nft runner only when it differs from the last one
 * applied. A failed apply is retried with backoff (1 s doubling to 30 s).
 */
import type { JsonObject } from '../../api/index.ts';
import { InformerFactory, RESOURCES, resource, type ApiClient, type Informer } from '../../client/index.ts';
import { buildPolicyModel } from './model.ts';
import type { NftRunner } from './nft.ts';
import { removePolicyScript, renderPolicyRuleset, type RenderOptions } from './render.ts';

/** NETWORK_POLICIES is the networking.k8s.io/v1 NetworkPolicy resource. */
export const NETWORK_POLICIES = resource('networking.k8s.io', 'v1', 'networkpolicies', true);

/** PolicyLog receives the enforcer's notable events. */
export interface PolicyLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** NetworkPolicyOptions configure `startNetworkPolicy`. */
export interface NetworkPolicyOptions extends RenderOptions {
  /** client makes the informers (ignored when `informers` is given). */
  readonly client?: ApiClient;
  /** informers: a shared factory the caller starts. */
  readonly informers?: InformerFactory;
  readonly nodeName: string;
  readonly nft: NftRunner;
  readonly signal: AbortSignal;
  readonly log?: PolicyLog;
  /** coalesceMs: the quiet delay before a sync (default 20 ms). */
  readonly coalesceMs?: number;
  /** removeOnStop deletes the table when stopped (default false: the rules stay, failing closed, until the next start replaces them). */
  readonly removeOnStop?: boolean;
}

/** NetworkPolicyEnforcer is a running enforcer. */
export interface NetworkPolicyEnforcer {
  /** sync runs a sync now (after any running one) and resolves once the kernel has the current state. */
  sync(): Promise<void>;
  /** applied counts the scripts handed to nft successfully. */
  readonly applied: number;
  /** lastScript is the last script applied. */
  readonly lastScript: string;
  close(): Promise<void>;
}

const nolog: PolicyLog = { info: () => undefined, error: () => undefined };

/** startNetworkPolicy waits for the informers to sync, applies the first ruleset and keeps the node's rules current until `signal` aborts or `close()`. */
export async function startNetworkPolicy(opts: NetworkPolicyOptions): Promise<NetworkPolicyEnforcer> {
  const log = opts.log ?? nolog;
  const stop = new AbortController();
  const signal = AbortSignal.any([opts.signal, stop.signal]);
  if (!opts.informers && !opts.client) throw new Error('startNetworkPolicy: client or informers is required');
  const own = opts.informers || !opts.client ? undefined : new InformerFactory(opts.client);
  const factory: InformerFactory = opts.informers ?? (own as InformerFactory);
  const pods: Informer = factory.forResource(RESOURCES.pods);
  const namespaces: Informer = factory.forResource(RESOURCES.namespaces);
  const policies: Informer = factory.forResource(NETWORK_POLICIES);
  own?.start(signal);

  let lastScript = '';
  let applied = 0;
  let dirty = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let backoff = 0;
  const waiters: (() => void)[] = [];

  const once = async (): Promise<void> => {
    const model = buildPolicyModel({ pods: pods.cache.list(), namespaces: namespaces.cache.list(), policies: policies.cache.list(), nodeName: opts.nodeName });
    const script = renderPolicyRuleset(model, opts);
    if (script === lastScript) return;
    await opts.nft(script);
    lastScript = script;
    applied++;
    log.info('network policy: applied', { isolatedPods: model.pods.length, bytes: script.length });
  };
  const loop = async (): Promise<void> => {
    while (dirty && !signal.aborted) {
      dirty = false;
      try {
        await once();
        backoff = 0;
      } catch (e) {
        backoff = Math.min(30_000, backoff ? backoff * 2 : 1000);
        log.error('network policy: apply failed', { error: String(e), retryMs: backoff });
        dirty = true;
        await sleep(backoff, signal);
      }
    }
    running = undefined;
    if (!dirty) for (const w of waiters.splice(0)) w();
  };
  const kick = (): void => {
    if (!running && !signal.aborted) running = loop();
  };
  const schedule = (): void => {
    dirty = true;
    if (timer || running || signal.aborted) return;
    timer = setTimeout(() => { timer = undefined; kick(); }, opts.coalesceMs ?? 20);
  };
  const handler = { add: schedule, update: (_o: JsonObject, _n: JsonObject) => schedule(), delete: schedule };
  for (const inf of [pods, namespaces, policies]) inf.addEventHandler(handler);

  const synced = (await pods.waitForSync(signal)) && (await namespaces.waitForSync(signal)) && (await policies.waitForSync(signal));
  if (!synced) {
    for (const inf of [pods, namespaces, policies]) inf.removeEventHandler(handler);
    stop.abort();
    await own?.stopped();
    throw new Error('startNetworkPolicy: aborted before the informers synced');
  }

  const sync = (): Promise<void> => new Promise<void>((resolve) => {
    if (signal.aborted) { resolve(); return; }
    waiters.push(resolve);
    dirty = true;
    if (timer) { clearTimeout(timer); timer = undefined; }
    kick();
  });
  await sync();

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    opts.signal.removeEventListener('abort', onAbort);
    for (const inf of [pods, namespaces, policies]) inf.removeEventHandler(handler);
    if (timer) clearTimeout(timer);
    stop.abort();
    await running;
    for (const w of waiters.splice(0)) w();
    await own?.stopped();
    if (opts.removeOnStop) {
      try { await opts.nft(removePolicyScript(opts)); } catch (e) { log.error('network policy: removing the table failed', { error: String(e) }); }
    }
  };
  const onAbort = (): void => { void close(); };
  opts.signal.addEventListener('abort', onAbort, { once: true });
  return {
    sync,
    get applied() { return applied; },
    get lastScript() { return lastScript; },
    close,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) { resolve(); return; }
    const t = setTimeout(done, ms);
    function done(): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });
}
