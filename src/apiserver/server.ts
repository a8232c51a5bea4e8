/**
 * @module apiserver/server — the HTTPS listener (and the control plane's local endpoint: the same
 * handlers over plain HTTP on a Unix socket or named pipe): authentication and authorization of every request
 * (auth/), routing of non-resource endpoints (version, health, discovery, OpenAPI, metrics) and
 * resource requests, metrics per request, the CRD and namespace loops, and orderly shutdown.
 */
import { createServer, type Server } from 'node:https';
import { createServer as createPlainServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Store } from '../store/types.ts';
import { ensureSystemPriorityClasses } from './admission/index.ts';
import { clusterConfigurationYaml, ensureClusterConfiguration, ensureSystemNamespaces } from './bootstrap.ts';
import { CrdController } from './crd.ts';
import { loadDefaultDeps, type ApiDeps } from './deps.ts';
import { Discovery } from './discovery.ts';
import { handleResource, type HandlerEnv } from './handlers.ts';
import { ApiMetrics } from './metrics.ts';
import { NamespaceFinalizer } from './namespace-finalizer.ts';
import { OPENAPI_V2_PROTO_TYPE, OpenApiDocs, wantsV2Protobuf } from './openapi-routes.ts';
import { Catalog, storagePrefix } from './registry/catalog.ts';
import { ResourceRegistry } from './registry/resource-store.ts';
import { discoveryContentType, negotiateDiscovery, splitUrl } from './request.ts';
import { route, type RoutedPath } from './router.ts';
import { notFoundPath, sendJson, sendStatus, toStatusError, unauthorized } from './status.ts';
import { requestAttributes } from './auth/attributes.ts';
import { ensureBootstrapPolicy } from './auth/bootstrap-policy.ts';
import { impersonatedUser } from './auth/impersonation.ts';
import type { UserInfo } from './auth/types.ts';
import type { ServiceAccountKeyPems } from './auth/jwt.ts';
import { AuthService } from './auth/service.ts';
import { WatchHub } from './watch.ts';
import { hasWatchCache, WatchCaches } from './watch-cache.ts';
import { Compactor } from './compactor.ts';
import { ServiceAllocator } from './service-allocator.ts';
import { ServiceHook } from './service-hooks.ts';
import { ServiceRepair } from './service-repair.ts';
import { DEFAULT_ENDPOINT_INTERVAL_MS, KubernetesServiceLoop, defaultAdvertiseAddress, ensureKubernetesService } from './kubernetes-service.ts';
import { isNodeProxied, kubeletTarget, proxyHttp, proxyUpgrade, writeUpgradeError, type KubeletClientTls } from './node-proxy.ts';
import { badRequest, StatusError } from '../api/index.ts';

/** removeStaleSocket deletes a Unix socket left at `path` by a server that did not close; one that
 * a live process still answers on is kept (listen then fails with EADDRINUSE), as is any other kind
 * of file. A named pipe, or nothing there, needs nothing. */
async function removeStaleSocket(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isSocket()) return;
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
  if (!live) await unlink(path);
}

/** ApiServerOptions configures startApiServer (CONTRACTS.md); `deps`/`tuning` are test seams. */
export interface ApiServerOptions {
  store: Store;
  tls: { cert: string; key: string; ca: string };
  host: string;
  port: number;
  signal?: AbortSignal;
  now?: () => number;
  /** deps replaces the modules loaded from the contract paths (tests). */
  deps?: ApiDeps;
  /** tuning shortens intervals for tests. */
  tuning?: {
    bookmarkIntervalMs?: number; namespaceRetryMs?: number; watchRingSize?: number; maxWatchBufferBytes?: number; compactionIntervalMs?: number;
    /** serviceRepairIntervalMs: period of the Service allocation repair pass (default 3 min). */
    serviceRepairIntervalMs?: number;
    /** allocationLeakGraceMs: age before an allocation without a Service is freed (default 60 s). */
    allocationLeakGraceMs?: number;
    /** endpointReconcileIntervalMs: period of the `kubernetes` Service/Endpoints reconcile (default 10 s). */
    endpointReconcileIntervalMs?: number;
  };
  /** serviceAccountKeys sign service-account tokens (ES256); an ephemeral pair is generated when absent. */
  serviceAccountKeys?: ServiceAccountKeyPems;
  /** inProcessNamespaceFinalizer empties terminating namespaces inside the server (default true); `windlass server` sets false when the namespace controller runs. */
  inProcessNamespaceFinalizer?: boolean;
  /** serviceCIDR: Service ClusterIP range, or an `IPv4,IPv6` dual-stack pair (default 10.43.0.0/16, as k3s). */
  serviceCIDR?: string;
  /** clusterCIDR: the pod network (`--cluster-cidr`), published with serviceCIDR in kube-system/kubeadm-config for joining nodes. */
  clusterCIDR?: string;
  /** serviceNodePortRange: `lo-hi` range of NodePorts (default 30000-32767). */
  serviceNodePortRange?: string;
  /** advertiseAddress: the address in the `kubernetes` Endpoints (default the bind host, or 127.0.0.1 for a wildcard). */
  advertiseAddress?: string;
  /** kubeletClient: the client pair (CN kube-apiserver-kubelet-client, O system:masters) for pods/log|exec|attach|portforward to node agents; without it those answer 503. */
  kubeletClient?: { cert: string; key: string };
  /** local: the control plane's endpoint (no TLS); without it only the HTTPS port serves. */
  local?: LocalEndpoint;
}

/** ApiServer is a running server. */
export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
  /** localSocket is where the local endpoint listens (options.local), if it does. */
  localSocket?: string;
}

/** LocalEndpoint is the server's own endpoint for its control plane: plain HTTP/1.1 on a Unix
 * socket (a named pipe on Windows) that only the server's user can reach, where each of `tokens`
 * authenticates as its user. The tokens are accepted there only, never on the HTTPS port. */
export interface LocalEndpoint {
  readonly path: string;
  readonly tokens: ReadonlyMap<string, UserInfo>;
}

/** VERSION_INFO is what `/version` reports. */
export const VERSION_INFO = {
  major: '1', minor: '33', gitVersion: 'v1.33.0-windlass', gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: `node${process.versions.node}`, compiler: 'node',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
} as const;

function metricResource(r: RoutedPath): string {
  return r.type === 'resource' ? r.resource : r.type;
}

/** startApiServer starts the HTTPS API server on host:port (0 = any free port). */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const now = opts.now ?? Date.now;
  const deps = opts.deps ?? await loadDefaultDeps();
  const store = opts.store;
  const catalog = new Catalog(deps.kinds, deps.schemas);
  const caches = new WatchCaches(store, { ringSize: opts.tuning?.watchRingSize });
  const allocator = new ServiceAllocator(store, now, { serviceCIDR: opts.serviceCIDR, serviceNodePortRange: opts.serviceNodePortRange });
  const registry = new ResourceRegistry({ store, catalog, deps, caches, now, hooks: [new ServiceHook(allocator)] });
  const hub = new WatchHub(caches, store, { now, bookmarkIntervalMs: opts.tuning?.bookmarkIntervalMs, maxBufferedBytes: opts.tuning?.maxWatchBufferBytes });
  const metrics = new ApiMetrics(() => hub.count);
  const openapi = new OpenApiDocs(catalog, deps);
  let address = `${opts.host}:${opts.port}`;
  const discovery = new Discovery(catalog, () => address);
  const nsKind = catalog.lookup('', 'v1', 'namespaces');
  const crdKind = catalog.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  const finalizer = new NamespaceFinalizer(registry, catalog, opts.tuning?.namespaceRetryMs);
  const crds = new CrdController(catalog, deps, store, now);
  const auth = new AuthService({ registry, catalog, caches, now, serviceAccountKeys: opts.serviceAccountKeys });
  const env: HandlerEnv = { registry, catalog, deps, hub, now, auth, crdChanged: (crd, removed) => crds.handle(removed ? 'delete' : 'put', crd) };
  if (nsKind && opts.inProcessNamespaceFinalizer !== false) finalizer.start(await caches.get('/registry/core/namespaces/'));
  if (crdKind) crds.start(await caches.get('/registry/apiextensions.k8s.io/customresourcedefinitions/'));
  await ensureSystemNamespaces(registry, catalog);
  await ensureSystemPriorityClasses(registry);
  await ensureBootstrapPolicy(registry, catalog);
  await ensureClusterConfiguration(registry, catalog, clusterConfigurationYaml(
    { podSubnet: opts.clusterCIDR ?? '10.42.0.0/16', serviceSubnet: opts.serviceCIDR ?? '10.43.0.0/16' },
    { kubernetesVersion: VERSION_INFO.gitVersion.replace(/-windlass$/, ''), ...(opts.advertiseAddress && opts.port > 0 ? { controlPlaneEndpoint: `${opts.advertiseAddress}:${opts.port}` } : {}) }));
  await auth.start();
  const warn = (what: string) => (e: unknown): void => process.emitWarning(`apiserver: ${what}: ${e instanceof Error ? e.message : String(e)}`);
  const repair = new ServiceRepair(registry, catalog, allocator, {
    now, intervalMs: opts.tuning?.serviceRepairIntervalMs, leakGraceMs: opts.tuning?.allocationLeakGraceMs, onError: warn('service allocation repair'),
    onReport: (r) => { for (const c of r.conflicts) process.emitWarning(`apiserver: service allocation repair: ${c}`); },
  });
  await repair.runOnce().catch(warn('service allocation repair'));
  repair.start();
  // Start every built-in resource's watch cache now, as kube-apiserver does, so the first watch or
  // resourceVersion=0 list of a big resource does not pay for loading it.
  const warming = new Set<string>();
  for (const k of catalog.kinds()) {
    const prefix = storagePrefix(k);
    if (!hasWatchCache(k) || warming.has(prefix)) continue;
    warming.add(prefix);
    caches.get(prefix).catch((e: unknown) => process.emitWarning(`apiserver: watch cache ${prefix}: ${e instanceof Error ? e.message : String(e)}`));
  }
  const compactor = new Compactor(store, opts.tuning?.compactionIntervalMs);
  compactor.onError = (e) => process.emitWarning(`apiserver: compaction failed: ${e instanceof Error ? e.message : String(e)}`);
  compactor.start();

  async function nonResource(req: IncomingMessage, res: ServerResponse, r: RoutedPath, query: URLSearchParams): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw notFoundPath();
    switch (r.type) {
      case 'version': sendJson(res, 200, VERSION_INFO); return;
      case 'health': {
        if (r.sub && r.sub !== 'ping' && r.sub !== 'log' && r.sub !== 'etcd') throw notFoundPath();
        const text = query.has('verbose') ? `[+]ping ok\n[+]etcd ok\n${r.check} check passed\n` : 'ok';
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        res.end(text);
        return;
      }
      case 'apiVersions': case 'apiGroups': case 'apiGroup': case 'resourceList': case 'metrics':
      case 'openapiV2': case 'openapiV3Root': case 'openapiV3': case 'resource': case 'unknown':
        break;
    }
    switch (r.type) {
      case 'apiVersions': { const f = negotiateDiscovery(req.headers.accept); sendJson(res, 200, discovery.api(f), discoveryContentType(f)); return; }
      case 'apiGroups': { const f = negotiateDiscovery(req.headers.accept); sendJson(res, 200, discovery.apis(f), discoveryContentType(f)); return; }
      case 'apiGroup': { const d = discovery.group(r.group); if (!d) throw notFoundPath(); sendJson(res, 200, d); return; }
      case 'resourceList': { const d = discovery.resources(r.group, r.version); if (!d) throw notFoundPath(); sendJson(res, 200, d); return; }
      case 'metrics': {
        const text = await metrics.text();
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(text);
        return;
      }
      case 'openapiV3Root': sendJson(res, 200, openapi.root()); return;
      case 'openapiV3': {
        const d = openapi.groupVersion(r.gv);
        if (!d) throw notFoundPath();
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(d.json), ...(query.get('hash') === d.hash ? { 'Cache-Control': 'public, immutable' } : { 'Cache-Control': 'no-cache, private' }), ETag: `"${d.hash}"` });
        res.end(d.json);
        return;
      }
      case 'openapiV2': {
        if (wantsV2Protobuf(req.headers.accept)) {
          const body = openapi.v2Proto();
          res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTO_TYPE, 'Content-Length': body.byteLength });
          res.end(body);
        } else sendJson(res, 200, openapi.v2Json());
        return;
      }
      case 'resource': case 'unknown':
        throw notFoundPath();
    }
  }

  /** requestUser authenticates a request (401 when it cannot) and applies impersonation headers the user may use. */
  async function requestUser(req: IncomingMessage): Promise<UserInfo> {
    const authn = await auth.authenticate(req);
    if (!authn.ok) throw unauthorized();
    return impersonatedUser(req, authn.user, (u, a) => auth.authorize(u, a).decision === 'allow') ?? authn.user;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = performance.now();
    const { segments, query } = splitUrl(req.url ?? '/');
    const r = route(segments);
    let verb: string = req.method ?? 'GET';
    try {
      const user = await requestUser(req);
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      auth.check(user, requestAttributes(req.method ?? 'GET', q < 0 ? url : url.slice(0, q), r, query));
      const proxied = isNodeProxied(r);
      if (proxied) {
        if (proxied.subresource !== 'log') auth.check(user, { ...requestAttributes('POST', q < 0 ? url : url.slice(0, q), r, query), verb: 'create' });
        await proxyHttp(req, res, await kubeletTarget(registry, catalog, proxied, query), kubeletTls());
      } else if (r.type === 'resource') {
        verb = await handleResource(req, res, r, query, env, user);
      } else {
        await nonResource(req, res, r, query);
      }
    } catch (e) {
      const err = toStatusError(e);
      if (err.code >= 500) process.emitWarning(`apiserver: ${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      sendStatus(res, err);
      if (!req.complete) req.resume();
    }
    if (verb === 'WATCH') metrics.observe(verb, metricResource(r), 200, 0);
    else metrics.observe(verb, metricResource(r), res.statusCode, (performance.now() - start) / 1000);
  }

  const kubeletTls = (): KubeletClientTls => {
    if (!opts.kubeletClient) throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'ServiceUnavailable', code: 503, message: 'the API server has no kubelet client certificate' });
    return { caCert: opts.tls.ca, cert: opts.kubeletClient.cert, key: opts.kubeletClient.key };
  };

  /** upgraded: sockets taken over by upgrades (closed with the server). */
  const upgraded = new Set<Duplex>();
  /** upgrade serves WebSocket/SPDY upgrades: pods/exec|attach|portforward (and log) go to the node agent; others are refused. */
  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const { segments, query } = splitUrl(req.url ?? '/');
    const r = route(segments);
    try {
      const user = await requestUser(req);
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const proxied = isNodeProxied(r);
      if (!proxied) throw badRequest('upgrade requests are only served for pods/exec, pods/attach, pods/portforward and pods/log');
      auth.check(user, requestAttributes(req.method ?? 'GET', path, r, query));
      // exec, attach and portforward need `create` even when they arrive as a WebSocket GET.
      if (proxied.subresource !== 'log') auth.check(user, { ...requestAttributes('POST', path, r, query), verb: 'create' });
      await proxyUpgrade(req, socket, head, await kubeletTarget(registry, catalog, proxied, query), kubeletTls());
    } catch (e) {
      const err = toStatusError(e);
      if (err.code >= 500) process.emitWarning(`apiserver: upgrade ${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      writeUpgradeError(socket, err);
    }
  }

  const server: Server = createServer({
    cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca,
    requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'],
    keepAliveTimeout: 65_000, requestTimeout: 0,
  }, (req, res) => { void handle(req, res); });
  server.on('tlsClientError', () => undefined);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => { void upgrade(req, socket, head); });
  // The local endpoint: the same handlers over plain HTTP; its connections may use the local tokens.
  const local = opts.local ? createPlainServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => { void handle(req, res); }) : undefined;
  if (local && opts.local) {
    auth.authenticator.setLocalTokens(opts.local.tokens);
    local.on('connection', (s: Duplex) => auth.authenticator.markLocal(s));
    local.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => { void upgrade(req, socket, head); });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const hostText = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  address = `${hostText}:${port}`;
  const advertise = opts.advertiseAddress ?? defaultAdvertiseAddress(opts.host);
  const reconcileKubernetes = (): Promise<void> => ensureKubernetesService(registry, catalog, {
    advertiseAddress: advertise, port, alloc: allocator, now,
    leaseTtlMs: 3 * (opts.tuning?.endpointReconcileIntervalMs ?? DEFAULT_ENDPOINT_INTERVAL_MS),
  });
  const kubernetesLoop = new KubernetesServiceLoop(reconcileKubernetes, opts.tuning?.endpointReconcileIntervalMs ?? DEFAULT_ENDPOINT_INTERVAL_MS, warn('kubernetes service'));
  await reconcileKubernetes().catch(warn('kubernetes service'));
  kubernetesLoop.start();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await compactor.stop();
      await repair.stop();
      await kubernetesLoop.stop();
      hub.close();
      finalizer.stop();
      crds.stop();
      auth.close();
      caches.close();
      await Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
          for (const s of upgraded) s.destroy();
        }),
        local && new Promise<void>((resolve) => {
          local.close(() => resolve());
          local.closeAllConnections();
        }),
      ]);
    })();
    return closing;
  };
  opts.signal?.addEventListener('abort', () => { void close(); }, { once: true });
  if (local && opts.local) {
    const path = opts.local.path;
    try {
      await removeStaleSocket(path);
      await new Promise<void>((resolve, reject) => {
        local.once('error', reject);
        local.listen(path, () => { local.off('error', reject); resolve(); });
      });
    } catch (e) {
      await close();
      throw e;
    }
  }
  return { url: `https://${address}`, port, close, ...(opts.local ? { localSocket: opts.local.path } : {}) };
}
