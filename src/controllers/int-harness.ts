/**
 * @module controllers/int-harness — the fixture of controller integration tests: a real in-process
 * API server (memory store, real TLS, real admission), an admin RestClient, the controllers under
 * test run by a ControllerManager, some Ready nodes, and a "stub kubelet" that stands in for the
 * scheduler and the agents: it binds unassigned pods round-robin to the nodes that fit by
 * nodeSelector, required node affinity (label expressions, `metadata.name` fields) and
 * NoSchedule/NoExecute taints versus tolerations, marks bound pods Running and Ready, and finishes
 * graceful deletions.
 * Tests that need the real scheduler or hollow nodes use the e2e tier instead.
 */
import { createMemoryStore } from '../store/index.ts';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../apiserver/index.ts';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate, kubeconfigYaml, writePrivateFile } from '../pki/index.ts';
import { isStatusError, type JsonObject } from '../api/index.ts';
import { InformerFactory, RESOURCES, RestClient, objectOf, realClock, type Clock } from '../client/index.ts';
import { ControllerManager, errorFields, type Controller, type ControllerContext } from './controller.ts';
import { podFitsNode, type Taint } from './daemonset-nodes.ts';

/** HarnessOptions: which controllers to run (built from the context), how many nodes, whether the stub kubelet runs. */
export interface HarnessOptions {
  readonly controllers: (ctx: ControllerContext) => Controller[];
  /** nodes to create (name → labels); default two Linux nodes `node-a`, `node-b`. */
  readonly nodes?: Record<string, Record<string, string>>;
  /** nodeTaints gives some of `nodes` spec.taints (node name → taints); the stub binder honours NoSchedule/NoExecute. */
  readonly nodeTaints?: Record<string, readonly Taint[]>;
  /** stubKubelet binds and runs pods (default true). */
  readonly stubKubelet?: boolean;
  /** podExits: a Running pod whose first container's command is `["hollow-exit", "<code>"]` then ends Succeeded (code 0) or Failed (default false). */
  readonly podExits?: boolean;
  /** uniquePodIPs gives each pod its own IP (10.244.x.y, plus `podIPs`) instead of the shared 10.244.0.10 (default false). */
  readonly uniquePodIPs?: boolean;
  readonly clock?: Clock;
  /** apiServer: extra options of the API server (e.g. `inProcessNamespaceFinalizer: false`). */
  readonly apiServer?: Partial<Pick<ApiServerOptions, 'inProcessNamespaceFinalizer' | 'tuning'>>;
}

/** Harness is a running fixture; `close` stops everything. */
export interface Harness {
  readonly server: ApiServer;
  readonly client: RestClient;
  readonly ctx: ControllerContext;
  readonly errors: string[];
  /** eventually polls `fn` until it returns something other than undefined/false (10 s, then throws with controller errors). */
  eventually<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
  /** kubeconfig writes an admin kubeconfig for the harness's server to `path` (for the real kubectl) and returns the path. */
  kubeconfig(path: string): Promise<string>;
}

/** startHarness starts server, nodes, controllers and (optionally) the stub kubelet. */
export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const ca = await createCertificateAuthority();
  const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  const server = await startApiServer({ store: createMemoryStore(), tls: { cert: serving.cert, key: serving.key, ca: ca.cert }, host: '127.0.0.1', port: 0, ...(opts.apiServer ?? {}) });
  const admin = await issueClientCertificate(ca.cert, ca.key, { commonName: 'harness', organizations: ['system:masters'] });
  const client = new RestClient({ server: server.url, ca: ca.cert, cert: admin.cert, key: admin.key });
  const errors: string[] = [];
  const log = { info: () => undefined, error: (msg: string, f?: Record<string, unknown>) => { errors.push(`${msg} ${JSON.stringify(f ?? {})}`); } };
  const clock = opts.clock ?? realClock;
  const factory = new InformerFactory(client, { clock });
  const ctx: ControllerContext = { client, factory, clock, log };
  const nodes = opts.nodes ?? { 'node-a': { 'kubernetes.io/os': 'linux' }, 'node-b': { 'kubernetes.io/os': 'linux' } };
  for (const [name, labels] of Object.entries(nodes)) await client.create(RESOURCES.nodes, '', readyNode(name, labels, opts.nodeTaints?.[name]));
  const stopper = new AbortController();
  const controllers = opts.controllers(ctx);
  const manager = new ControllerManager(controllers, factory, log);
  const running = manager.run(stopper.signal);
  const kubelet = opts.stubKubelet === false ? Promise.resolve() : runStubKubelet(client, Object.keys(nodes), stopper.signal, log, { exits: opts.podExits === true, uniqueIPs: opts.uniquePodIPs === true });
  return {
    server, client, ctx, errors,
    async eventually(what, fn, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const v = await fn();
          if (v !== undefined && v !== false) return v;
        } catch (e) {
          if (!isStatusError(e, 404)) throw e;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; controller errors:\n${errors.slice(-20).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kubeconfig(path) {
      await writePrivateFile(path, kubeconfigYaml({ server: server.url, caCert: ca.cert, clientCert: admin.cert, clientKey: admin.key, name: 'harness' }));
      return path;
    },
    async close() {
      stopper.abort();
      await running;
      await kubelet;
      client.close();
      await server.close();
    },
  };
}

/** readyNode builds a Ready Node with generous capacity, the given labels and (optionally) taints. */
export function readyNode(name: string, labels: Record<string, string> = {}, taints?: readonly Taint[]): JsonObject {
  const now = new Date().toISOString();
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    ...(taints?.length ? { spec: { taints } } : {}),
    status: {
      capacity: { cpu: '8', memory: '32Gi', pods: '110' }, allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  };
}

/** runStubKubelet watches pods until `signal` aborts: binds unassigned ones (to the nodes the API lists — the harness's first,
 * in their order, then any added later by name — that fit by nodeSelector, required node affinity and NoSchedule/NoExecute
 * taints), runs bound ones, completes graceful deletes. */
async function runStubKubelet(client: RestClient, names: string[], signal: AbortSignal, log: { error(m: string, f?: Record<string, unknown>): void }, behaviour: StubBehaviour = { exits: false, uniqueIPs: false }): Promise<void> {
  let next = 0;
  let ips = 0;
  const handle = async (pod: JsonObject): Promise<void> => {
    const ns = String(pod.metadata?.namespace);
    const name = String(pod.metadata?.name);
    if (pod.metadata?.deletionTimestamp) {
      await client.delete(RESOURCES.pods, ns, name, { gracePeriodSeconds: 0, preconditions: { uid: String(pod.metadata.uid) } });
      return;
    }
    if (!pod.spec?.nodeName) {
      const listed = (await client.list(RESOURCES.nodes, '')).items;
      const rank = (n: JsonObject): number => { const i = names.indexOf(String(n.metadata?.name)); return i < 0 ? names.length : i; };
      listed.sort((a, b) => rank(a) - rank(b) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
      const candidates = listed.filter((n) => podFitsNode(pod.spec, n)).map((n) => String(n.metadata?.name));
      if (!candidates.length) return;
      const node = candidates[next++ % candidates.length];
      await client.createSubresource(RESOURCES.pods, ns, name, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns }, target: { kind: 'Node', name: node } });
      return;
    }
    const exitCode = behaviour.exits && pod.status?.phase === 'Running' ? hollowExitCode(pod) : undefined;
    if (exitCode !== undefined) {
      await client.patch(RESOURCES.pods, ns, name, 'merge', { status: terminatedStatus(pod, exitCode) }, { subresource: 'status' });
      return;
    }
    if (pod.status?.phase === 'Running' || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    const now = new Date().toISOString();
    const containers = (pod.spec?.containers ?? []) as JsonObject[];
    const n = ips++;
    const podIP = behaviour.uniqueIPs ? `10.244.${1 + Math.floor(n / 250)}.${1 + (n % 250)}` : '10.244.0.10';
    await client.patch(RESOURCES.pods, ns, name, 'merge', {
      status: {
        phase: 'Running', podIP, ...(behaviour.uniqueIPs ? { podIPs: [{ ip: podIP }] } : {}), startTime: now,
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: now })),
        containerStatuses: containers.map((c) => ({ name: c.name, image: c.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } })),
      },
    }, { subresource: 'status' });
  };
  while (!signal.aborted) {
    try {
      for await (const ev of client.watch(RESOURCES.pods, '', { signal })) {
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
        await handle(objectOf(ev.object)).catch((e: unknown) => {
          if (!isStatusError(e, 404) && !isStatusError(e, 409) && !signal.aborted) log.error('stub kubelet', errorFields(e));
        });
      }
    } catch (e) {
      if (!signal.aborted) log.error('stub kubelet watch', errorFields(e));
    }
    if (!signal.aborted) await new Promise((r) => setTimeout(r, 100));
  }
}

/** StubBehaviour: the stub kubelet's optional extras (see HarnessOptions.podExits / uniquePodIPs). */
interface StubBehaviour { readonly exits: boolean; readonly uniqueIPs: boolean }

/** hollowExitCode reads `["hollow-exit", "<code>"]` from a pod's first container command. */
function hollowExitCode(pod: JsonObject): number | undefined {
  const cmd = (pod.spec?.containers as JsonObject[] | undefined)?.[0]?.command;
  if (!Array.isArray(cmd) || cmd[0] !== 'hollow-exit') return undefined;
  const code = Number(cmd[1] ?? 0);
  return Number.isInteger(code) ? code : 1;
}

/** terminatedStatus is a pod's status after all its containers exited with `code` (Succeeded for 0, else Failed). */
function terminatedStatus(pod: JsonObject, code: number): JsonObject {
  const now = new Date().toISOString();
  const started = String(pod.status?.startTime ?? now);
  const conditions = ((pod.status?.conditions ?? []) as JsonObject[]).map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'PodCompleted', lastTransitionTime: now } : c);
  return {
    phase: code === 0 ? 'Succeeded' : 'Failed', conditions,
    containerStatuses: ((pod.spec?.containers ?? []) as JsonObject[]).map((c) => ({
      name: c.name, image: c.image, imageID: '', ready: false, started: false, restartCount: 0,
      state: { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: started, finishedAt: now } },
    })),
  };
}
