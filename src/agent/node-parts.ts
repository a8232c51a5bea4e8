/**
 * @module agent/node-parts — the seams of the node agent (agent/node.ts) to the parts built beside
 * it: the CRI client and managed containerd (runtime/cri), the kubelet HTTPS server (server.ts),
 * the volume and probe managers, and stats. `defaultNodeParts` wires the real implementations;
 * tests substitute fakes through `NodeAgentOptions.parts`.
 */
import type { JsonObject } from '../api/index.ts';
import type { ApiClient, Clock, EventRecorder } from '../client/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { ProbeManager } from './probes/index.ts';
import { startAgentServer } from './server.ts';
import { linuxHostStats, podVolumeStats, resourceMetrics, summary } from './stats/index.ts';
import { VolumeManager } from './volumes/index.ts';
import type { VolumeHost } from './volumes/index.ts';

/** ServingPair is a PEM certificate and key. */
export interface ServingPair { readonly cert: string; readonly key: string }

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/** AgentServerParams are what the node agent hands to its HTTPS server. */
export interface AgentServerParams {
  readonly port: number;
  readonly caCert: string;
  readonly serving: () => ServingPair | undefined;
  readonly client: ApiClient;
  readonly runtime: Runtime;
  readonly nodeName: string;
  readonly dataDir: string;
  readonly podsDir: string;
  readonly podLogsDir: string;
  readonly clock: Clock;
  readonly log: { info: Log; error: Log };
  readonly pods: () => JsonObject[];
  /** runtimePid: the managed containerd's pid (stats' `runtime` system container). */
  readonly runtimePid?: () => number | undefined;
}

/** ManagedRuntime is a running managed containerd. */
export interface ManagedRuntime { readonly endpoint: string; readonly pid: number; stop(): Promise<void> }

/** NodeParts are the implementations the node agent assembles. */
export interface NodeParts {
  startContainerd(o: { dir: string; cniConfDir: string; cniBinDir: string; registriesYaml?: string; log: Log }): Promise<ManagedRuntime>;
  connect(endpoint: string): Promise<{ runtime: Runtime; close(): void }>;
  /** ensurePauseImage imports the pause image when the runtime lacks it. */
  ensurePauseImage(o: { runtime: Runtime; endpoint: string; arch: string; log: Log }): Promise<void>;
  volumes(o: { client: ApiClient; podsDir: string; nodeName: string; clock: Clock; log: Log; onRefresh: (podKey: string) => void }): VolumeHost & { start(signal: AbortSignal): void };
  probes(o: { runtime: Runtime; clock: Clock; onChange: (podKey: string) => void; events: EventRecorder; log: Log }): ProbeManager;
  startServer(o: AgentServerParams): Promise<{ port: number; close(): Promise<void> }>;
}

/** defaultNodeParts are the real implementations (loaded lazily where they pull in gRPC). */
export const defaultNodeParts: NodeParts = {
  async startContainerd(o) {
    const cri = await import('../runtime/cri/index.ts');
    const h = await cri.startManagedContainerd({
      dir: o.dir, cniConfDir: o.cniConfDir, cniBinDir: o.cniBinDir, sandboxImage: cri.PAUSE_IMAGE,
      ...(o.registriesYaml !== undefined ? { registriesYaml: o.registriesYaml } : {}), log: o.log,
    });
    return { endpoint: h.endpoint, get pid() { return h.pid; }, stop: () => h.stop() };
  },
  async connect(endpoint) {
    const cri = await import('../runtime/cri/index.ts');
    const runtime = await cri.connectCri({ endpoint });
    return { runtime, close: () => runtime.close() };
  },
  async ensurePauseImage(o) {
    const cri = await import('../runtime/cri/index.ts');
    const image = cri.PAUSE_IMAGE;
    if (await o.runtime.imageStatus({ image })) return;
    await cri.importImageArchive({ endpoint: o.endpoint, archive: await cri.pauseImageArchive(o.arch) });
    o.log('pause image imported', { image });
  },
  volumes(o) {
    return new VolumeManager(o);
  },
  probes(o) {
    return new ProbeManager(o);
  },
  async startServer(o) {
    const statsOpts = {
      nodeName: o.nodeName, runtime: o.runtime, pods: o.pods, clock: o.clock, podLogsDir: o.podLogsDir,
      host: linuxHostStats({ fsPath: o.dataDir, clock: o.clock, ...(o.runtimePid ? { runtimePid: o.runtimePid } : {}) }),
      volumeStats: podVolumeStats({ podsDir: o.podsDir, clock: o.clock }),
    };
    return startAgentServer({
      host: '0.0.0.0', port: o.port, caCert: o.caCert, nodeName: o.nodeName, runtime: o.runtime, client: o.client, pods: o.pods, log: o.log,
      tls: () => {
        const pair = o.serving();
        if (!pair) throw new Error('no serving certificate yet');
        return pair;
      },
      stats: { summary: () => summary(statsOpts), resourceMetrics: () => resourceMetrics(statsOpts) },
    });
  },
};
