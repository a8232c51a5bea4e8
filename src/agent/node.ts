/**
 * @module agent/node — the real node agent (the kubelet of windlass): `startNodeAgent` runs a
 * Linux node on containerd through CRI. In order: start the managed containerd (or connect to an
 * existing CRI endpoint), import the pause image when absent, register the Node (node-status.ts:
 * real capacity, `containerd://<version>`, kubelet port, Ready only while the runtime reports
 * RuntimeReady and NetworkReady), wait for node IPAM to assign `spec.podCIDR`, write the CNI
 * bridge conflist and tell the runtime the CIDR, obtain the serving certificate and start the
 * kubelet HTTPS server, then the volume and probe managers, the node's networking when asked
 * (node-network.ts: Service proxy, NetworkPolicy, pod network, cluster DNS — pods get its DNS IP
 * as their nameserver unless clusterDns names others) and the pod workers: they adopt the
 * sandboxes of a previous run before the first pods arrive from the informer on
 * `spec.nodeName=<node>`, and orphans are cleaned up once the informer has synced. Stopping
 * (abort) shuts down in reverse order and never stops a container: pods keep running across an
 * agent or containerd restart, as with the kubelet and k3s.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject } from '../api/index.ts';
import { EventRecorder, Informer, RESOURCES, listWatcherFor, objectOf, realClock } from '../client/index.ts';
import type { ApiClient, Clock } from '../client/index.ts';
import { commandRunner, podCidrsOf, writeBridgeConflist } from '../network/index.ts';
import { findInterfaceAddress } from '../network/routes/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { currentHostFacts } from './node-info.ts';
import type { HostFacts, Taint } from './node-info.ts';
import { readIds, readinessOf, startNodeStatus } from './node-status.ts';
import type { NodeResources } from './node-status.ts';
import { allocatable, hostCapacity } from './stats/index.ts';
import type { Readiness } from './node-status.ts';
import { defaultNodeParts } from './node-parts.ts';
import type { NodeParts, ServingPair } from './node-parts.ts';
import { PodWorkers } from './pods/index.ts';
import { ipv4CidrsOf, startNodeNetworking } from './node-network.ts';
import type { NodeNetworkMode, NodeNetworking, NodeNetworkingOptions } from './node-network.ts';

/** SANDBOX_RELIST_MS: how often the agent checks that running pods' sandboxes are still ready. */
const SANDBOX_RELIST_MS = 5000;

export type { NodeParts, ServingPair } from './node-parts.ts';
export type { NodeNetworkMode } from './node-network.ts';

/** NodeNetworkSettings switch the node's networking components (agent/node-network.ts); all on is k3s's default. */
export interface NodeNetworkSettings {
  /** mode: the pod network between nodes (`none`: routing is the operator's). */
  readonly mode: NodeNetworkMode;
  readonly proxy: boolean;
  readonly policy: boolean;
  /** dns: serve the cluster DNS for this node's pods (on the bridge gateway and the cluster DNS IP). */
  readonly dns: boolean;
  /** clusterCidrs: the server's cluster CIDR(s); serviceCidr: its service CIDR (the cluster DNS IP defaults to its 10th address). */
  readonly clusterCidrs: readonly string[];
  readonly serviceCidr?: string;
}

/** NodeAgentLog is the agent's structured logger. */
export interface NodeAgentLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** NodeCertificatesLike is what the agent needs of the node's certificates: the serving pair for its HTTPS endpoint. */
export interface NodeServingCertificates {
  /** start obtains the serving pair for the registered Node's addresses (and keeps it rotated). */
  start(node: JsonObject): Promise<void>;
  /** current returns the serving pair to use now (undefined until issued). */
  current(): ServingPair | undefined;
}

/** NodeAgentOptions configure startNodeAgent. */
export interface NodeAgentOptions {
  /** client talks to the API server as `system:node:<nodeName>`. */
  readonly client: ApiClient;
  /** caCert is the cluster CA (verifies clients of the agent's HTTPS server). */
  readonly caCert: string;
  readonly certificates: NodeServingCertificates;
  readonly nodeName: string;
  /** nodeIp: the InternalIP (default: the host's first non-loopback IPv4 address, else 127.0.0.1). */
  readonly nodeIp?: string;
  /** dataDir: the agent's state (`<server data dir>/agent` for the server's built-in agent). */
  readonly dataDir: string;
  /** runtimeEndpoint: an existing CRI endpoint (`unix:///…`); absent = a managed containerd under `<dataDir>/containerd`. */
  readonly runtimeEndpoint?: string;
  /** registriesYaml: path of a k3s-style registries.yaml for the managed containerd. */
  readonly registriesYaml?: string;
  /** kubeletPort: the agent's HTTPS port (default 10250). */
  readonly kubeletPort?: number;
  /** cgroupRoot: parent of the pod cgroups (default `/windlass`). */
  readonly cgroupRoot?: string;
  /** clusterDns: nameserver IPs for ClusterFirst pods; clusterDomain: the DNS domain (default cluster.local). */
  readonly clusterDns?: readonly string[];
  readonly clusterDomain?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  /** cniBinDir: where the CNI plugins are (default /usr/lib/cni, Debian's; /opt/cni/bin elsewhere). */
  readonly cniBinDir?: string;
  /** bridgeName / mtu of the pod network bridge (default cni0 / the plugin's). */
  readonly bridgeName?: string;
  readonly mtu?: number;
  /** heartbeatMs: node status and Lease period (default 10 000). */
  readonly heartbeatMs?: number;
  readonly signal: AbortSignal;
  readonly log: NodeAgentLog;
  readonly clock?: Clock;
  readonly host?: HostFacts;
  /** runtimeTimeoutMs bounds the first answer of the runtime (CRI Version) at start (default 30 000). */
  readonly runtimeTimeoutMs?: number;
  /** stopStepTimeoutMs bounds each shutdown step (default 10 000); a late step is logged and left behind. */
  readonly stopStepTimeoutMs?: number;
  /** parts: the runtime, server, volume and probe implementations (tests replace them). */
  readonly parts?: NodeParts;
  /** network: start the node's networking (proxy, policy, DNS, pod network); absent = none of it (tests, hollow setups). */
  readonly network?: NodeNetworkSettings;
  /** startNetworking replaces startNodeNetworking (tests). */
  readonly startNetworking?: (o: NodeNetworkingOptions) => Promise<NodeNetworking>;
}

/** NodeAgent is a running node agent. */
export interface NodeAgent {
  readonly nodeName: string;
  readonly runtime: Runtime;
  /** runtimeEndpoint is the CRI endpoint in use (the managed containerd's socket, or the given one). */
  readonly runtimeEndpoint: string;
  /** done settles once the agent has shut down after the signal aborted. */
  readonly done: Promise<void>;
}

/** defaultNodeIp picks the InternalIP: the given one, else the host's first address, else loopback. */
export function defaultNodeIp(host: Pick<HostFacts, 'addresses'>, given?: string): string {
  return given ?? host.addresses[0] ?? '127.0.0.1';
}

/** answerWithin resolves like `p`, or rejects with `message` after `ms`, or with the abort reason when `signal` aborts first. */
async function answerWithin<T>(p: Promise<T>, ms: number, message: string, signal: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(message)), ms);
      onAbort = () => rej(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    })]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** nodeResourcesOf measures capacity (CPU, memory, pods, the data dir's filesystem, huge pages) and allocatable (eviction thresholds reserved). */
export function nodeResourcesOf(host: HostFacts, dataDir: string): NodeResources {
  const capacity = hostCapacity({ fsPath: dataDir, facts: host });
  return { capacity: { ...capacity }, allocatable: { ...allocatable(capacity) } };
}

/** tunnelMtu is the pod MTU under a VXLAN/Geneve overlay: the node IP's interface MTU less 50 bytes of encapsulation (undefined when not found). */
async function tunnelMtu(nodeIp: string): Promise<number | undefined> {
  const found = await findInterfaceAddress(commandRunner(), nodeIp).catch(() => undefined);
  return found ? Math.max(576, Math.min(65535, found.mtu - 50)) : undefined;
}

/** waitForPodCidr polls the Node until node IPAM has assigned it a pod CIDR (or the signal aborts). */
async function waitForPodCidr(client: ApiClient, nodeName: string, first: JsonObject, clock: Clock, signal: AbortSignal, log: NodeAgentLog): Promise<string[]> {
  let node = first;
  let logged = false;
  for (;;) {
    const cidrs = podCidrsOf(node);
    if (cidrs.length > 0) return cidrs;
    if (!logged) { log.info('waiting for the node IPAM controller to assign spec.podCIDR', { node: nodeName }); logged = true; }
    await clock.sleep(1000, signal);
    signal.throwIfAborted();
    try {
      node = await client.get(RESOURCES.nodes, '', nodeName, { signal });
    } catch (e) {
      if (signal.aborted) throw e;
      log.error('reading the Node failed', { node: nodeName, error: (e as Error).message });
    }
  }
}

/** startNodeAgent starts the node agent; it resolves once the agent serves (pods are synced in the background) and rejects if start-up fails. */
export async function startNodeAgent(o: NodeAgentOptions): Promise<NodeAgent> {
  const clock = o.clock ?? realClock;
  const { log, client, nodeName } = o;
  const parts = o.parts ?? defaultNodeParts;
  const host = o.host ?? currentHostFacts();
  const nodeIp = defaultNodeIp(host, o.nodeIp);
  const stopper = new AbortController();
  const signal = AbortSignal.any([o.signal, stopper.signal]);
  const dirs = {
    containerd: join(o.dataDir, 'containerd'), cniConf: join(o.dataDir, 'cni', 'net.d'), ipam: join(o.dataDir, 'cni', 'ipam'),
    pods: join(o.dataDir, 'pods'), logs: join(o.dataDir, 'logs'),
  };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true, mode: 0o700 });
  const cleanups: { what: string; run: () => Promise<void> | void }[] = [];
  const shutdown = async (): Promise<void> => {
    stopper.abort();
    for (const c of cleanups.splice(0).reverse()) {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const outcome = await Promise.race([
          Promise.resolve(c.run()).then(() => 'done' as const),
          new Promise<'late'>((res) => { timer = setTimeout(() => res('late'), o.stopStepTimeoutMs ?? 10_000); }),
        ]);
        if (outcome === 'late') log.error(`stopping ${c.what} takes too long; going on`, { node: nodeName, ms: Date.now() - started });
      } catch (e) {
        log.error(`stopping ${c.what} failed`, { node: nodeName, error: (e as Error).message });
      } finally {
        clearTimeout(timer);
      }
    }
    log.info('node agent stopped', { node: nodeName });
  };
  const plog = (msg: string, fields?: Record<string, unknown>): void => log.info(msg, { node: nodeName, ...fields });

  try {
    // 1. The container runtime.
    let endpoint = o.runtimeEndpoint;
    let runtimePid: (() => number | undefined) | undefined;
    if (endpoint === undefined) {
      const managed = await parts.startContainerd({
        dir: dirs.containerd, cniConfDir: dirs.cniConf, cniBinDir: o.cniBinDir ?? '/usr/lib/cni',
        ...(o.registriesYaml !== undefined ? { registriesYaml: await readFile(o.registriesYaml, 'utf8') } : {}),
        log: plog,
      });
      endpoint = managed.endpoint;
      runtimePid = () => managed.pid;
      cleanups.push({ what: 'containerd', run: () => managed.stop() });
      log.info('managed containerd started', { endpoint, dir: dirs.containerd });
    }
    const runtimeMs = o.runtimeTimeoutMs ?? 30_000;
    const noAnswer = `the container runtime at ${endpoint} did not answer within ${runtimeMs / 1000} s`;
    const connecting = parts.connect(endpoint);
    const cri = await answerWithin(connecting, runtimeMs, noAnswer, signal).catch((e: unknown) => {
      void connecting.then((late) => late.close(), () => undefined); // a connection that answers late is closed at once
      throw e;
    });
    cleanups.push({ what: 'CRI client', run: () => cri.close() });
    const runtime = cri.runtime;
    const version = await answerWithin(runtime.version(), runtimeMs, noAnswer, signal);
    const runtimeVersion = `${version.runtimeName}://${version.runtimeVersion}`;
    await parts.ensurePauseImage({ runtime, endpoint, arch: host.arch, log: plog });

    // 2. The Node object and its heartbeats.
    const readiness = async (): Promise<Readiness> => {
      try { return readinessOf(await runtime.status()); } catch (e) { return { ready: false, reason: 'KubeletNotReady', message: `container runtime is down: ${(e as Error).message}` }; }
    };
    const status = await startNodeStatus({
      client, clock, signal, nodeName, nodeIp, host, labels: o.labels, taints: o.taints, kubeletPort: o.kubeletPort ?? 10250,
      resources: nodeResourcesOf(host, o.dataDir), runtimeVersion, ids: readIds(), readiness,
      leaseMs: o.heartbeatMs, statusMs: o.heartbeatMs, log: plog,
    });
    cleanups.push({ what: 'node heartbeats', run: () => status.stopped });

    // 3. The pod network: node IPAM's CIDR → CNI conflist → runtime.
    const cidrs = await waitForPodCidr(client, nodeName, status.node(), clock, signal, log);
    const mtu = o.mtu ?? (o.network?.mode === 'vxlan' || o.network?.mode === 'geneve' ? await tunnelMtu(nodeIp) : undefined);
    const conf = await writeBridgeConflist(dirs.cniConf, {
      podCidrs: cidrs, ipamDataDir: dirs.ipam, ...(o.bridgeName !== undefined ? { bridge: o.bridgeName } : {}), ...(mtu !== undefined ? { mtu } : {}),
    });
    await runtime.updatePodCidr(cidrs.join(','));
    log.info('pod network configured', { node: nodeName, podCIDRs: cidrs, conflist: conf.path });
    for (let i = 0; i < 50 && !(await readiness()).ready; i++) await clock.sleep(200, signal); // containerd picks the conflist up
    status.kick();

    // 4. Serving certificate and the kubelet HTTPS API.
    await o.certificates.start(status.node());
    for (let waited = 0; o.certificates.current() === undefined; waited += 250) {
      if (waited === 2000) log.info('waiting for the kubelet serving certificate (CSR kubernetes.io/kubelet-serving)', { node: nodeName });
      await clock.sleep(250, signal);
      signal.throwIfAborted();
    }
    const events = new EventRecorder(client, clock, { info: (m, f) => log.info(m, f) }, 'kubelet', nodeName);
    const informer = new Informer(listWatcherFor(client, RESOURCES.pods, '', { fieldSelector: `spec.nodeName=${nodeName}` }), {
      clock, name: 'node-pods', onError: (e) => { if (!signal.aborted) log.error('pod watch failed', { error: (e as Error).message }); },
    });
    const ref: { workers?: PodWorkers } = {};
    const resync = (key: string): void => { ref.workers?.resync(key); };
    const volumes = parts.volumes({ client, podsDir: dirs.pods, nodeName, clock, log: plog, onRefresh: resync });
    volumes.start(signal);
    const probes = parts.probes({ runtime, clock, onChange: resync, events, log: plog });
    cleanups.push({ what: 'probes', run: () => probes.stop() });
    const server = await parts.startServer({
      port: o.kubeletPort ?? 10250, caCert: o.caCert, serving: () => o.certificates.current(), client, runtime, nodeName,
      dataDir: o.dataDir, podsDir: dirs.pods, podLogsDir: dirs.logs, clock, log: { info: plog, error: (m, f) => log.error(m, { node: nodeName, ...f }) },
      pods: () => informer.cache.list(), ...(runtimePid ? { runtimePid } : {}),
    });
    cleanups.push({ what: 'agent server', run: () => server.close() });
    log.info('agent server listening', { node: nodeName, port: server.port });

    // 5. Networking: Service proxy, NetworkPolicy, the pod network between nodes, the cluster DNS.
    const clusterDomain = o.clusterDomain ?? 'cluster.local';
    let dnsServers = [...(o.clusterDns ?? [])];
    const podCidr4 = ipv4CidrsOf(cidrs)[0];
    if (o.network && podCidr4 === undefined) log.error('node networking needs an IPv4 pod CIDR; not started', { node: nodeName, podCIDRs: cidrs });
    if (o.network && podCidr4 !== undefined) {
      const n = o.network;
      const networking = await (o.startNetworking ?? startNodeNetworking)({
        client, nodeName, nodeIp, podCidr: podCidr4, clusterCidrs: n.clusterCidrs, ...(n.serviceCidr !== undefined ? { serviceCidr: n.serviceCidr } : {}),
        ...(dnsServers[0] !== undefined ? { clusterDns: dnsServers[0] } : {}), clusterDomain, networkMode: n.mode, proxy: n.proxy, policy: n.policy, dns: n.dns,
        ...(o.bridgeName !== undefined ? { bridge: o.bridgeName } : {}), signal, log,
      });
      cleanups.push({ what: 'node networking', run: () => networking.close() });
      if (dnsServers.length === 0) dnsServers = [...networking.dnsServers];
      log.info('node networking started', { node: nodeName, mode: n.mode, proxy: n.proxy, policy: n.policy, dns: networking.dnsServers });
    }

    // 6. Pods.
    const w = new PodWorkers({
      client, runtime, nodeName, hostIp: nodeIp, clock, log: plog, volumes, probes, events, podLogsDir: dirs.logs, cgroupRoot: o.cgroupRoot ?? '/windlass',
      dns: { servers: dnsServers, searches: [], clusterDomain, hostResolvConf: '/etc/resolv.conf' },
    });
    ref.workers = w;
    cleanups.push({ what: 'pod workers', run: () => w.stop() });
    await w.adopt();
    informer.addEventHandler({
      add: (pod) => w.update(pod),
      update: (_old, pod) => w.update(pod),
      delete: (x) => w.remove(objectOf(x)),
    });
    const informerRun = informer.run(signal);
    cleanups.push({ what: 'pod informer', run: () => informerRun });
    void informer.waitForSync(signal).then(async (synced) => {
      if (!synced) return;
      await w.idle();
      const known = new Set(informer.cache.list().map((p) => String(p.metadata?.uid ?? '')));
      await w.cleanupOrphans(known);
    }).catch((e: unknown) => { if (!signal.aborted) log.error('orphan cleanup failed', { error: (e as Error).message }); });
    // Sandboxes that died under running pods (the kubelet's relist): checked every 5 s, re-created by the workers.
    const relist = (async () => {
      while (await clock.sleep(SANDBOX_RELIST_MS, signal)) {
        await w.relistSandboxes().catch((e: unknown) => { if (!signal.aborted) log.error('sandbox relist failed', { error: (e as Error).message }); });
      }
    })();
    cleanups.push({ what: 'sandbox relist', run: () => relist });
    log.info('node agent running', { node: nodeName, nodeIp, runtime: runtimeVersion, endpoint });

    const done = new Promise<void>((res) => {
      if (signal.aborted) res();
      else signal.addEventListener('abort', () => res(), { once: true });
    }).then(shutdown);
    return { nodeName, runtime, runtimeEndpoint: endpoint, done };
  } catch (e) {
    await shutdown();
    throw e;
  }
}
