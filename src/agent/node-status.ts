/**
 * @module agent/node-status — the real node's Node object and heartbeats (the kubelet's node
 * status manager), over the API client: register (or adopt) the Node with its well-known labels,
 * taints, addresses (InternalIP + Hostname), capacity/allocatable from the host, `nodeInfo` with
 * the runtime's `containerd://<version>` and the kubelet port in `daemonEndpoints`; report
 * Ready=True only while the runtime reports RuntimeReady and NetworkReady (else Ready=False
 * `KubeletNotReady` with the runtime's reason, as kubelet words it); renew the Lease
 * `kube-node-lease/<node>` every 10 s and re-post the conditions every 10 s, or at once on kick().
 */
import { readFileSync } from 'node:fs';
import { isStatusError } from '../api/index.ts';
import type { JsonObject } from '../api/index.ts';
import { RESOURCES, microTime, rfc3339 } from '../client/index.ts';
import type { ApiClient, Clock } from '../client/index.ts';
import type { RuntimeCondition } from '../runtime/index.ts';
import { AGENT_KUBELET_VERSION, kubeArch, kubeOs, nodeLabels } from './node-info.ts';
import type { HostFacts, Taint } from './node-info.ts';

/** Readiness is what the runtime says about the node's ability to run pods. */
export interface Readiness { readonly ready: boolean; readonly reason: string; readonly message: string }

/** readinessOf turns CRI runtime conditions into the node's readiness, worded like kubelet's NotReady message. */
export function readinessOf(conditions: readonly RuntimeCondition[]): Readiness {
  const problems: string[] = [];
  for (const type of ['RuntimeReady', 'NetworkReady']) {
    const c = conditions.find((x) => x.type === type);
    if (!c?.status) {
      const what = type === 'RuntimeReady' ? 'container runtime' : 'container runtime network';
      problems.push(`${what} not ready: ${type}=false reason:${c?.reason ?? 'Unknown'} message:${c?.message ?? 'not reported'}`);
    }
  }
  return problems.length === 0
    ? { ready: true, reason: 'KubeletReady', message: 'kubelet is posting ready status' }
    : { ready: false, reason: 'KubeletNotReady', message: problems.join(', ') };
}

/** NodeResources are capacity and allocatable quantities. */
export interface NodeResources { readonly capacity: Readonly<Record<string, string>>; readonly allocatable: Readonly<Record<string, string>> }

/** readIds reads machine-id, boot_id and the DMI product UUID (empty strings where unreadable). */
export function readIds(): { machineID: string; bootID: string; systemUUID: string } {
  const read = (p: string): string => { try { return readFileSync(p, 'utf8').trim(); } catch { return ''; } };
  return { machineID: read('/etc/machine-id'), bootID: read('/proc/sys/kernel/random/boot_id'), systemUUID: read('/sys/class/dmi/id/product_uuid').toLowerCase() };
}

/** NodeObjectInput: everything the Node object is built from. */
export interface NodeObjectInput {
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly host: HostFacts;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  readonly kubeletPort: number;
  readonly resources: NodeResources;
  readonly runtimeVersion: string;
  readonly ids?: { machineID: string; bootID: string; systemUUID: string };
}

/** nodeConditions returns the four node conditions for a readiness at `now` (transition kept from `since`). */
export function nodeConditions(r: Readiness, heartbeat: string, since: string): JsonObject[] {
  const c = (type: string, status: string, reason: string, message: string): JsonObject => ({ type, status, reason, message, lastHeartbeatTime: heartbeat, lastTransitionTime: since });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', r.ready ? 'True' : 'False', r.reason, r.message),
  ];
}

/** nodeObject builds the Node to register and its full status. */
export function nodeObject(i: NodeObjectInput, r: Readiness, now: number): { node: JsonObject; status: JsonObject } {
  const t = rfc3339(now);
  const ids = i.ids ?? { machineID: '', bootID: '', systemUUID: '' };
  const taints = i.taints ?? [];
  const status: JsonObject = {
    addresses: [{ type: 'InternalIP', address: i.nodeIp }, { type: 'Hostname', address: i.host.hostname }],
    capacity: i.resources.capacity,
    allocatable: i.resources.allocatable,
    conditions: nodeConditions(r, t, t),
    daemonEndpoints: { kubeletEndpoint: { Port: i.kubeletPort } },
    nodeInfo: {
      ...ids, kernelVersion: i.host.release, osImage: i.host.osImage, containerRuntimeVersion: i.runtimeVersion,
      kubeletVersion: AGENT_KUBELET_VERSION, kubeProxyVersion: '', operatingSystem: kubeOs(i.host.platform), architecture: kubeArch(i.host.arch),
    },
  };
  const node: JsonObject = {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: i.nodeName, labels: nodeLabels(i.host, i.nodeName, i.labels) },
    spec: taints.length > 0 ? { taints: [...taints] } : {},
  };
  return { node, status };
}

/** NodeStatusOptions configure startNodeStatus. */
export interface NodeStatusOptions extends NodeObjectInput {
  readonly client: ApiClient;
  readonly readiness: () => Promise<Readiness>;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly log: (msg: string, fields?: Record<string, unknown>) => void;
  /** leaseMs / statusMs: Lease renewal and condition re-post periods (defaults 10 000 each). */
  readonly leaseMs?: number;
  readonly statusMs?: number;
  /** onNode hears every Node object the API server returns (e.g. to learn spec.podCIDR). */
  readonly onNode?: (node: JsonObject) => void;
}

/** NodeStatus is a registered node's heartbeat loop. */
export interface NodeStatus {
  /** node is the Node as last returned by the API server. */
  node(): JsonObject;
  /** kick re-evaluates readiness and posts the conditions now. */
  kick(): void;
  /** stopped settles once the loops ended after the signal aborted. */
  readonly stopped: Promise<void>;
}

const LEASE_NS = 'kube-node-lease';

/** mergeTaints adds the wanted taints not already present (same key and effect). */
function mergeTaints(existing: readonly JsonObject[], wanted: readonly JsonObject[]): JsonObject[] {
  return [...existing, ...wanted.filter((t) => !existing.some((e) => e.key === t.key && e.effect === t.effect))];
}

/** startNodeStatus registers (or adopts) the Node, retrying until it succeeds or the signal aborts, then runs the heartbeats. */
export async function startNodeStatus(o: NodeStatusOptions): Promise<NodeStatus> {
  const { client, clock, signal, log } = o;
  let readiness = await o.readiness();
  const built = nodeObject(o, readiness, clock.now());
  let since = rfc3339(clock.now());
  let current: JsonObject = built.node;
  const seen = (n: JsonObject): void => { current = n; o.onNode?.(n); };

  for (let attempt = 0; ; attempt++) {
    signal.throwIfAborted();
    try {
      try {
        seen(await client.create(RESOURCES.nodes, '', built.node, { signal }));
      } catch (e) {
        if (!isStatusError(e, 409)) throw e;
        const live = await client.get(RESOURCES.nodes, '', o.nodeName, { signal });
        const taints = mergeTaints(live.spec?.taints ?? [], built.node.spec.taints ?? []);
        seen(await client.patch(RESOURCES.nodes, '', o.nodeName, 'merge', {
          metadata: { labels: built.node.metadata.labels }, ...(taints.length > 0 ? { spec: { taints } } : {}),
        }, { signal }));
        log('adopted the existing Node', { node: o.nodeName });
      }
      seen(await client.patch(RESOURCES.nodes, '', o.nodeName, 'merge', { status: built.status }, { subresource: 'status', signal }));
      break;
    } catch (e) {
      if (signal.aborted) throw e;
      log('node registration failed, retrying', { node: o.nodeName, error: (e as Error).message });
      await clock.sleep(Math.min(10_000, 500 * 2 ** attempt), signal);
    }
  }
  log('node registered', { node: o.nodeName, ready: readiness.ready });

  let lease: JsonObject | undefined;
  const renewLease = async (): Promise<void> => {
    const spec = { holderIdentity: o.nodeName, leaseDurationSeconds: 40, renewTime: microTime(clock.now()) };
    try {
      lease = lease
        ? await client.update(RESOURCES.leases, LEASE_NS, { ...lease, spec: { ...lease.spec, ...spec } }, { signal })
        : await client.create(RESOURCES.leases, LEASE_NS, {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
          metadata: { name: o.nodeName, namespace: LEASE_NS, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: o.nodeName, uid: current.metadata?.uid }] },
          spec,
        }, { signal });
    } catch (e) {
      if (!isStatusError(e, 409) && !isStatusError(e, 404)) throw e;
      try {
        const got = await client.get(RESOURCES.leases, LEASE_NS, o.nodeName, { signal });
        lease = await client.update(RESOURCES.leases, LEASE_NS, { ...got, spec: { ...got.spec, ...spec } }, { signal });
      } catch (e2) {
        lease = undefined;
        throw e2;
      }
    }
  };
  const postConditions = async (): Promise<void> => {
    const next = await o.readiness();
    if (next.ready !== readiness.ready) {
      since = rfc3339(clock.now());
      log(next.ready ? 'node is ready' : 'node is not ready', { node: o.nodeName, message: next.message });
    }
    readiness = next;
    seen(await client.patch(RESOURCES.nodes, '', o.nodeName, 'merge', { status: { conditions: nodeConditions(readiness, rfc3339(clock.now()), since) } }, { subresource: 'status', signal }));
  };

  let wake: (() => void) | undefined;
  let kicked = false;
  const loop = async (ms: number, step: () => Promise<void>, what: string, kickable: boolean): Promise<void> => {
    while (!signal.aborted) {
      if (kickable) kicked = false;
      try {
        await step();
      } catch (e) {
        if (signal.aborted) return;
        log(`${what} failed`, { node: o.nodeName, error: (e as Error).message });
      }
      if (kickable && kicked) continue;
      await new Promise<void>((res) => {
        const t = clock.setTimeout(() => { done(); }, ms);
        const done = (): void => { clock.clearTimeout(t); signal.removeEventListener('abort', done); if (kickable) wake = undefined; res(); };
        signal.addEventListener('abort', done, { once: true });
        if (kickable) wake = done;
      });
    }
  };
  const stopped = Promise.all([
    loop(o.leaseMs ?? 10_000, renewLease, 'lease renewal', false),
    loop(o.statusMs ?? 10_000, postConditions, 'node status update', true),
  ]).then(() => undefined);
  return { node: () => current, kick: () => { kicked = true; wake?.(); }, stopped };
}
