/**
 * @module scheduler/framework — the scheduling framework's contract: what a plugin is at each
 * extension point (PreFilter, Filter, PostFilter, PreScore, Score + normalize, Reserve, PreBind,
 * Bind), the per-cycle state, the node snapshot a cycle reads, and the plugin outcomes as values.
 * Plugins are small objects implementing one or more of these interfaces; the runner calls them
 * in the configured order. Filters and scores are synchronous (they run for every node of every
 * pod); Reserve, PreBind, Bind and PostFilter may talk to the API and are asynchronous.
 */
import type { JsonObject } from '../api/index.ts';

/** Code is a plugin outcome: Unschedulable may be fixed by preemption, UnschedulableAndUnresolvable may not. */
export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip' | 'Wait';

/** Status is a plugin's outcome with the reasons shown in FailedScheduling events (e.g. "node(s) didn't match Pod's node affinity/selector"). */
export interface Status {
  readonly code: Code;
  readonly reasons: readonly string[];
  /** plugin names the plugin that returned it (set by the runner). */
  readonly plugin?: string;
}

/** SUCCESS is the shared success status. */
export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: [] });
/** SKIP is what a PreFilter or PreScore returns to switch its plugin's Filter or Score off for the cycle. */
export const SKIP: Status = Object.freeze({ code: 'Skip', reasons: [] });

/** status builds a Status. */
export function status(code: Code, ...reasons: string[]): Status { return { code, reasons }; }

/** isSuccess says whether `s` is absent or Success. */
export function isSuccess(s: Status | undefined): boolean { return s === undefined || s.code === 'Success'; }

/** Resources are amounts in scheduler units: milli-CPU, bytes, pod count, and other named (extended) resources. */
export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  pods: number;
  scalar: Record<string, number>;
}

/** PodInfo is a pod with what the plugins need precomputed once per pod (requests incl. init containers and overhead). */
export interface PodInfo {
  readonly pod: JsonObject;
  /** key is `namespace/name`. */
  readonly key: string;
  readonly requests: Resources;
  /** nonZeroRequests substitutes defaults (100m CPU, 200 MiB) for unset requests, for scoring. */
  readonly nonZeroRequests: Resources;
  /** hostPorts are `${hostIP}/${protocol}/${port}` of every container port with a hostPort. */
  readonly hostPorts: readonly string[];
}

/** NodeInfo is one node with the pods assigned to it (bound or assumed) and their sums. */
export interface NodeInfo {
  readonly name: string;
  readonly node: JsonObject;
  readonly pods: readonly PodInfo[];
  readonly allocatable: Resources;
  readonly requested: Resources;
  readonly nonZeroRequested: Resources;
  /** usedPorts holds `${hostIP}/${protocol}/${port}` entries of the assigned pods. */
  readonly usedPorts: ReadonlySet<string>;
  /** podsWithAffinity / podsWithRequiredAntiAffinity are the assigned pods that have (anti)affinity terms. */
  readonly podsWithAffinity: readonly PodInfo[];
  readonly podsWithRequiredAntiAffinity: readonly PodInfo[];
}

/** Snapshot is the consistent view of the cluster one scheduling cycle reads. */
export interface Snapshot {
  readonly nodes: readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  /** havePodsWithAffinity lists the nodes that carry at least one pod with (anti)affinity. */
  readonly havePodsWithAffinity: readonly NodeInfo[];
  readonly havePodsWithRequiredAntiAffinity: readonly NodeInfo[];
  /** nodeClasses[i], when present, is the class of nodes[i] (node-info.ts nodeClassOf). */
  readonly nodeClasses?: Int32Array;
  /** table, when present, holds the resource sums of nodes[i] in row i (NODE_TABLE_STRIDE numbers
   * from i × NODE_TABLE_STRIDE, columns T_*): the search and the resource plugins read these
   * contiguous numbers instead of visiting each node's object. */
  readonly table?: Float64Array;
}

/** Columns of Snapshot.table: allocatable CPU (milli), memory, ephemeral storage and pods; the
 * requested CPU, memory and ephemeral storage and the pod count of the node's pods; their
 * non-zero-defaulted CPU and memory requests (for scoring). */
export const T_ALLOC_CPU = 0;
/** T_ALLOC_MEM is the allocatable-memory column of Snapshot.table. */
export const T_ALLOC_MEM = 1;
/** T_ALLOC_EPH is the allocatable-ephemeral-storage column of Snapshot.table. */
export const T_ALLOC_EPH = 2;
/** T_ALLOC_PODS is the allocatable-pods column of Snapshot.table. */
export const T_ALLOC_PODS = 3;
/** T_REQ_CPU is the requested-CPU (milli) column of Snapshot.table. */
export const T_REQ_CPU = 4;
/** T_REQ_MEM is the requested-memory column of Snapshot.table. */
export const T_REQ_MEM = 5;
/** T_REQ_EPH is the requested-ephemeral-storage column of Snapshot.table. */
export const T_REQ_EPH = 6;
/** T_POD_COUNT is the number of pods on the node (bound or assumed). */
export const T_POD_COUNT = 7;
/** T_NZ_CPU / T_NZ_MEM are the non-zero-defaulted CPU and memory requests of the node's pods. */
export const T_NZ_CPU = 8;
/** T_NZ_MEM is the non-zero-defaulted memory column of Snapshot.table. */
export const T_NZ_MEM = 9;
/** NODE_TABLE_STRIDE is the number of columns per row of Snapshot.table. */
export const NODE_TABLE_STRIDE = 10;

/** CycleState carries data between the extension points of one pod's cycle (keyed by plugin). */
export class CycleState {
  readonly #data = new Map<string, unknown>();
  /** read returns what `key` stored, if anything. */
  read<T>(key: string): T | undefined { return this.#data.get(key) as T | undefined; }
  /** write stores a value for `key`. */
  write(key: string, value: unknown): void { this.#data.set(key, value); }
  /** clone copies the state (values are shared; plugins that mutate in addPod/removePod must clone their own). */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.#data) c.write(k, v);
    return c;
  }
}

/** Listers are the informer-cache reads plugins may use (all objects as stored JSON). */
export interface Listers {
  pvc(namespace: string, name: string): JsonObject | undefined;
  pv(name: string): JsonObject | undefined;
  pvs(): readonly JsonObject[];
  storageClass(name: string): JsonObject | undefined;
  namespace(name: string): JsonObject | undefined;
  namespaces(): readonly JsonObject[];
  priorityClass(name: string): JsonObject | undefined;
  /** pdbs lists the PodDisruptionBudgets of a namespace. */
  pdbs(namespace: string): readonly JsonObject[];
}

/** Handle is what the runner gives plugins: the snapshot of this cycle, listers, and the ability to re-run filters (for preemption). */
export interface Handle {
  snapshot(): Snapshot;
  readonly listers: Listers;
  /** runFilters runs every Filter plugin on one node (PreFilter state in `state`); Success if the pod fits. */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
  /** runPreFilterAddPod / runPreFilterRemovePod update PreFilter state as if `other` were added to / removed from `node` (preemption's what-if). */
  runPreFilterAddPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
  runPreFilterRemovePod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
  /** deletePod deletes a pod through the API (preemption victims); resolves when the API accepted it. */
  deletePod(pod: JsonObject): Promise<void>;
  /** patchPodStatus sets status fields of a pod through the API (nominatedNodeName, conditions). */
  patchPodStatus(pod: JsonObject, status: JsonObject): Promise<void>;
  /** bindPvc / provisionPvc are VolumeBinding's writes: bind a claim to a PV, or annotate it for the provisioner with the selected node. */
  updatePvc(pvc: JsonObject): Promise<void>;
  updatePv(pv: JsonObject): Promise<void>;
  now(): number;
}

/** Plugin is anything with a name; the extension points below are optional capabilities. */
export interface Plugin { readonly name: string }

/** PreFilterResult may narrow the candidate nodes (e.g. NodeName, NodeAffinity on metadata.name). */
export interface PreFilterResult { readonly status: Status; readonly nodeNames?: ReadonlySet<string> }

/** PreFilterPlugin computes per-pod state once; addPod/removePod keep it right when preemption simulates removing pods. */
export interface PreFilterPlugin extends Plugin {
  /** `handle` is passed by the runner (optional so plugins and tests may call preFilter without one). */
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot, handle?: Handle): PreFilterResult;
  addPod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
  removePod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
}

/** FilterPlugin says whether the pod fits one node. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
  /** byNodeClass says, for one pod, that this filter's verdict depends on nothing of a node but its
   * class (its unschedulable flag, taints and labels other than kubernetes.io/hostname), so the
   * search may run the filter once per class for that pod. */
  readonly byNodeClass?: (state: CycleState, pod: PodInfo) => boolean;
  /** fitsAt is a quick test on the snapshot's table row `at`: true only when `filter` would return
   * Success for snapshot.nodes[at]; false means "ask `filter`" (it gives the verdict and reasons). */
  fitsAt?(state: CycleState, pod: PodInfo, table: Float64Array, at: number): boolean;
}

/** always is the byNodeClass of a filter whose verdict is a function of the node's class for every pod. */
export const always = (): boolean => true;

/** NodeStatuses maps a node name to why a Filter rejected it. */
export type NodeStatuses = ReadonlyMap<string, Status>;

/** PostFilterResult may nominate a node (preemption). */
export interface PostFilterResult { readonly status: Status; readonly nominatedNodeName?: string }

/** PostFilterPlugin runs when no node fits (DefaultPreemption). */
export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, statuses: NodeStatuses, handle: Handle): Promise<PostFilterResult>;
}

/** PreScorePlugin prepares scoring over the feasible nodes. */
export interface PreScorePlugin extends Plugin { preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status }

/** MAX_NODE_SCORE is the top of the normalized score range [0, 100]. */
export const MAX_NODE_SCORE = 100;

/** ScorePlugin ranks a feasible node; normalizeScore rescales all scores to [0, MAX_NODE_SCORE] in place. */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  normalizeScore?(state: CycleState, pod: PodInfo, scores: Map<string, number>): void;
  /** normalizeScores is normalizeScore without a Map (`scores[i]` belongs to `nodes[i]`); the runner prefers it when present. */
  normalizeScores?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: Float64Array): void;
  /** scoreAt is `score` for snapshot.nodes[at] computed from the snapshot's table row `at` alone. */
  scoreAt?(state: CycleState, pod: PodInfo, table: Float64Array, at: number): number;
  /** scoreByNodeClass says, for one cycle, that `score` depends on nothing of a node but its class
   * (as FilterPlugin.byNodeClass), so the runner may score one node per class and reuse the value. */
  readonly scoreByNodeClass?: (state: CycleState, pod: PodInfo) => boolean;
}

/** ReservePlugin claims resources for the chosen node before binding; unreserve undoes it on failure. */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> | Status;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): Promise<void> | void;
}

/** PreBindPlugin does API work that must precede the binding (e.g. binding PVCs). */
export interface PreBindPlugin extends Plugin { preBind(state: CycleState, pod: PodInfo, nodeName: string, handle: Handle): Promise<Status> }

/** BindPlugin binds the pod; Skip lets the next bind plugin try. */
export interface BindPlugin extends Plugin { bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> }

/** ClusterEvent names a change that may make unschedulable pods schedulable (requeue hint). */
export type ClusterEvent =
  | 'NodeAdd' | 'NodeUpdate' | 'NodeDelete' | 'PodAdd' | 'PodUpdate' | 'PodDelete'
  | 'PvcAdd' | 'PvcUpdate' | 'PvAdd' | 'PvUpdate' | 'StorageClassAdd';

/** EventsToRegister lets a plugin say which cluster events can make a pod it rejected schedulable. */
export interface EnqueueExtensions { eventsToRegister(): readonly ClusterEvent[] }

/** Weighted pairs a score plugin with its weight in the final sum. */
export interface Weighted { readonly plugin: ScorePlugin; readonly weight: number }
