/**
 * @module network/proxy/controller — the service proxy as a controller: informers on Services and
 * EndpointSlices mark services dirty; a coalescing loop rebuilds the model of the dirty services
 * only and hands the whole model to an NftProxy, which sends the kernel just the difference.
 *
 * Timing: a lone change is programmed at once (after `batchMs`, default 5 ms, so events of one
 * burst travel together); syncs start at most every `minSyncMs` (default 100 ms), so a storm of
 * changes costs at most ten transactions a second.
 */
import { InformerFactory, RESOURCES, objectKey, objectOf, realClock, type ApiClient, type Clock, type TimerHandle, type Tombstone } from '../../client/index.ts';
import type { k8s } from '../../api/index.ts';
import { byKey, modelOf, servicePortsOf, SERVICE_NAME_LABEL, type IpFamily, type ProxyModel, type ServicePortModel } from './model.ts';
import type { NftRunner } from './nft.ts';
import { NftProxy, type SyncResult } from './proxy.ts';

/** ServiceProxyOptions configure startServiceProxy. */
export interface ServiceProxyOptions {
  readonly client: ApiClient;
  readonly nodeName: string;
  readonly nodeIps: readonly string[];
  readonly clusterCidrs: readonly string[];
  readonly nft: NftRunner;
  readonly signal: AbortSignal;
  readonly log?: (msg: string) => void;
  readonly minSyncMs?: number;
  readonly batchMs?: number;
  readonly nodePortAddresses?: readonly string[];
  readonly family?: IpFamily;
  readonly clock?: Clock;
  /** factory shares informers with other components (default: a private one). */
  readonly factory?: InformerFactory;
  /** keepRulesOnStop leaves the table in the kernel when the signal aborts (default: delete it). */
  readonly keepRulesOnStop?: boolean;
  /** table overrides the nft table name (tests). */
  readonly table?: string;
  /** onSync hears every sync's outcome (tests, metrics). */
  readonly onSync?: (r: SyncResult & { readonly services: number; readonly error?: unknown }) => void;
}

/** ServiceProxyHandle is a running proxy: `ready` after the first successful sync, `done` after shutdown. */
export interface ServiceProxyHandle {
  readonly proxy: NftProxy;
  /** ready resolves true after the first sync succeeded, false if the signal aborted first. */
  readonly ready: Promise<boolean>;
  /** done resolves once the informers stopped and (unless kept) the table was deleted. */
  readonly done: Promise<void>;
  /** model returns the model of the last sync (undefined before it). */
  model(): ProxyModel | undefined;
}

const BY_SERVICE = 'windlass-proxy/service';

/** startServiceProxy runs the service proxy for one node until `signal` aborts. */
export function startServiceProxy(opts: ServiceProxyOptions): ServiceProxyHandle {
  const clock = opts.clock ?? realClock;
  const log = opts.log ?? (() => undefined);
  const minSyncMs = opts.minSyncMs ?? 100;
  const batchMs = opts.batchMs ?? 5;
  const family = opts.family ?? 'ip';
  const proxy = new NftProxy({ nft: opts.nft, log, clock, table: opts.table });
  const root = opts.factory ?? new InformerFactory(opts.client, { clock, onError: (n, e) => log(`proxy: informer ${n}: ${(e as Error).message}`) });
  const factory = opts.factory ? root.view() : root;
  const services = factory.forResource<k8s.Service & { metadata: k8s.ObjectMeta }>(RESOURCES.services);
  const slices = factory.forResource<k8s.EndpointSlice & { metadata: k8s.ObjectMeta }>(RESOURCES.endpointslices);
  slices.addIndexer(BY_SERVICE, (s) => {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    return svc ? [`${s.metadata?.namespace ?? ''}/${svc}`] : [];
  });

  const ports = new Map<string, ServicePortModel[]>();
  const dirty = new Set<string>();
  let synced = false;
  let running = false;
  let timer: TimerHandle | undefined;
  let lastStart = -Infinity;
  let lastModel: ProxyModel | undefined;
  let resolveReady: (ok: boolean) => void = () => undefined;
  const ready = new Promise<boolean>((r) => { resolveReady = r; });

  const schedule = (): void => {
    if (!synced || running || timer || opts.signal.aborted) return;
    const wait = Math.max(batchMs, lastStart + minSyncMs - clock.now());
    timer = clock.setTimeout(() => { timer = undefined; void runSync(); }, wait);
  };
  const mark = (key: string): void => { dirty.add(key); schedule(); };
  const onService = {
    add: (o: k8s.Service) => mark(objectKey(o)),
    update: (_: k8s.Service, o: k8s.Service) => mark(objectKey(o)),
    delete: (o: k8s.Service | Tombstone<k8s.Service>) => mark(objectKey(objectOf(o))),
  };
  const sliceKey = (s: k8s.EndpointSlice): string | undefined => {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    return svc ? `${s.metadata?.namespace ?? ''}/${svc}` : undefined;
  };
  const onSlice = {
    add: (o: k8s.EndpointSlice) => { const k = sliceKey(o); if (k) mark(k); },
    update: (a: k8s.EndpointSlice, b: k8s.EndpointSlice) => {
      const ka = sliceKey(a);
      const kb = sliceKey(b);
      if (ka) mark(ka);
      if (kb && kb !== ka) mark(kb);
    },
    delete: (o: k8s.EndpointSlice | Tombstone<k8s.EndpointSlice>) => { const k = sliceKey(objectOf(o)); if (k) mark(k); },
  };
  services.addEventHandler(onService);
  slices.addEventHandler(onSlice);

  const buildModel = (): ProxyModel => {
    for (const key of dirty) {
      const svc = services.cache.get(key);
      const p = svc ? servicePortsOf(svc, slices.cache.byIndex(BY_SERVICE, key), { nodeName: opts.nodeName, family }) : [];
      if (p.length) ports.set(key, p);
      else ports.delete(key);
    }
    dirty.clear();
    const all: ServicePortModel[] = [];
    for (const p of ports.values()) all.push(...p);
    all.sort(byKey);
    return modelOf(all, opts, family);
  };

  async function runSync(): Promise<void> {
    if (opts.signal.aborted) return;
    running = true;
    lastStart = clock.now();
    const model = buildModel();
    try {
      const r = await proxy.sync(model);
      lastModel = model;
      opts.onSync?.({ ...r, services: model.services.length });
      resolveReady(true);
    } catch (e) {
      log(`proxy: sync failed: ${(e as Error).message}`);
      opts.onSync?.({ full: true, ms: clock.now() - lastStart, services: model.services.length, error: e });
      // Retry everything later: the next sync is a full one (NftProxy reset its state).
      for (const k of services.cache.keys()) dirty.add(k);
      if (!timer && !opts.signal.aborted) timer = clock.setTimeout(() => { timer = undefined; void runSync(); }, Math.max(minSyncMs, 1000));
    } finally {
      running = false;
    }
    if (dirty.size) schedule();
  }

  const done = (async () => {
    factory.start(opts.signal);
    if (await factory.waitForSync(opts.signal)) {
      synced = true;
      for (const k of services.cache.keys()) dirty.add(k);
      await runSync();
    }
    if (!opts.signal.aborted) await new Promise<void>((r) => opts.signal.addEventListener('abort', () => r(), { once: true }));
    resolveReady(false);
    if (timer) clock.clearTimeout(timer);
    timer = undefined;
    services.removeEventHandler(onService);
    slices.removeEventHandler(onSlice);
    await factory.stopped();
    if (!opts.keepRulesOnStop) {
      try { await proxy.close(); } catch (e) { log(`proxy: deleting the table failed: ${(e as Error).message}`); }
    }
  })();
  return { proxy, ready, done, model: () => lastModel };
}
