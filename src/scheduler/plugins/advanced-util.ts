/**
 * @module scheduler/plugins/advanced-util — helpers shared by the InterPodAffinity,
 * PodTopologySpread, VolumeBinding and DefaultPreemption plugins: parsed (and per-object cached)
 * pod affinity terms, required node affinity, node selector / topology selector matching, taint
 * toleration, pod priority and start time, a what-if NodeInfo without some pods (preemption), and
 * small builders of PodInfo / NodeInfo / Snapshot / Listers for tests.
 */
import type { JsonObject, LabelSelector } from '../../api/index.ts';
import { labelSelectorFromMeta, matchesLabels, nothingLabels, parseQuantity } from '../../api/index.ts';
import type { Listers, NodeInfo, PodInfo, Resources, Snapshot } from '../framework.ts';

/** Labels is a label map. */
export type Labels = Record<string, string>;

/** labelsOf returns an object's metadata.labels (never undefined). */
export function labelsOf(obj: JsonObject | undefined): Labels { return obj?.metadata?.labels ?? {}; }

/** namespaceOf returns an object's namespace ("default" when unset, as the apiserver defaults it). */
export function namespaceOf(obj: JsonObject): string { return obj.metadata?.namespace || 'default'; }

const selectorCache = new WeakMap<object, LabelSelector>();

/** selectorOf converts a metav1.LabelSelector (nil → matches nothing, {} → everything; invalid → nothing), cached per object. */
export function selectorOf(meta: JsonObject | undefined | null): LabelSelector {
  if (meta === undefined || meta === null) return nothingLabels;
  const hit = selectorCache.get(meta);
  if (hit) return hit;
  const r = labelSelectorFromMeta(meta);
  const sel = r.ok ? r.selector : nothingLabels;
  selectorCache.set(meta, sel);
  return sel;
}

/** AffinityTerm is a parsed pod (anti-)affinity term (framework.AffinityTerm): the namespaces it names and its selectors. */
export interface AffinityTerm {
  readonly namespaces: ReadonlySet<string>;
  readonly nsSelector: LabelSelector;
  readonly selector: LabelSelector;
  readonly topologyKey: string;
  /** weight is the preferred term's weight (1 for required terms). */
  readonly weight: number;
}

/** PodTerms are a pod's parsed affinity terms by kind. */
export interface PodTerms {
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly AffinityTerm[];
  readonly preferredAntiAffinity: readonly AffinityTerm[];
}

function parseTerm(pod: JsonObject, t: JsonObject, weight: number): AffinityTerm {
  const names: string[] = Array.isArray(t.namespaces) ? t.namespaces : [];
  const namespaces = new Set<string>(names);
  if (names.length === 0 && (t.namespaceSelector === undefined || t.namespaceSelector === null)) namespaces.add(namespaceOf(pod));
  return { namespaces, nsSelector: selectorOf(t.namespaceSelector), selector: selectorOf(t.labelSelector), topologyKey: String(t.topologyKey ?? ''), weight };
}

const termsCache = new WeakMap<object, PodTerms>();

/** podTerms parses a pod's spec.affinity pod (anti-)affinity terms once per pod object. */
export function podTerms(pod: JsonObject): PodTerms {
  const hit = termsCache.get(pod);
  if (hit) return hit;
  const aff = pod.spec?.affinity ?? {};
  const req = (x: JsonObject | undefined): AffinityTerm[] =>
    (x?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t: JsonObject) => parseTerm(pod, t, 1));
  const pref = (x: JsonObject | undefined): AffinityTerm[] =>
    (x?.preferredDuringSchedulingIgnoredDuringExecution ?? []).filter((w: JsonObject) => w?.podAffinityTerm)
      .map((w: JsonObject) => parseTerm(pod, w.podAffinityTerm, Number(w.weight ?? 0)));
  const out: PodTerms = {
    requiredAffinity: req(aff.podAffinity), requiredAntiAffinity: req(aff.podAntiAffinity),
    preferredAffinity: pref(aff.podAffinity), preferredAntiAffinity: pref(aff.podAntiAffinity),
  };
  termsCache.set(pod, out);
  return out;
}

/** termMatches says whether `pod` is selected by `term` (namespace by name or namespace labels, then pod labels). */
export function termMatches(term: AffinityTerm, pod: JsonObject, nsLabels: Labels | undefined): boolean {
  const nsOk = term.namespaces.has(namespaceOf(pod)) || matchesLabels(term.nsSelector, nsLabels ?? {});
  return nsOk && matchesLabels(term.selector, labelsOf(pod));
}

/** mergeNamespaces resolves a term's namespaceSelector into namespace names (as the incoming pod's terms are treated upstream). */
export function mergeNamespaces(term: AffinityTerm, listers: Listers | undefined): AffinityTerm {
  if (term.nsSelector.nothing || term.nsSelector.requirements.length === 0) return term;
  const namespaces = new Set(term.namespaces);
  for (const ns of listers?.namespaces() ?? []) if (matchesLabels(term.nsSelector, labelsOf(ns))) namespaces.add(ns.metadata?.name);
  return { ...term, namespaces, nsSelector: nothingLabels };
}

/** hasAffinity / hasRequiredAntiAffinity say whether a pod carries such terms (what NodeInfo.podsWith* index). */
export function hasAffinity(pod: JsonObject): boolean {
  const a = pod.spec?.affinity;
  return Boolean(a?.podAffinity || a?.podAntiAffinity);
}
/** hasRequiredAntiAffinity says whether the pod has required anti-affinity terms. */
export function hasRequiredAntiAffinity(pod: JsonObject): boolean {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length > 0;
}

function requirementMatches(r: JsonObject, value: string | undefined): boolean {
  const values: string[] = Array.isArray(r.values) ? r.values.map(String) : [];
  switch (r.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0])) return false;
      return r.operator === 'Gt' ? BigInt(value) > BigInt(values[0]) : BigInt(value) < BigInt(values[0]);
    }
    default: return false;
  }
}

/** nodeSelectorTermMatches matches one v1.NodeSelectorTerm (an empty term matches nothing). */
export function nodeSelectorTermMatches(term: JsonObject, node: JsonObject): boolean {
  const exprs: JsonObject[] = term?.matchExpressions ?? [];
  const fields: JsonObject[] = term?.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = labelsOf(node);
  for (const e of exprs) if (!requirementMatches(e, Object.hasOwn(labels, e.key) ? labels[e.key] : undefined)) return false;
  for (const f of fields) {
    if (f.key !== 'metadata.name' || (f.operator !== 'In' && f.operator !== 'NotIn')) return false;
    if (!requirementMatches(f, node.metadata?.name)) return false;
  }
  return true;
}

/** nodeSelectorMatches matches a v1.NodeSelector: any of its terms (no terms → no match). */
export function nodeSelectorMatches(sel: JsonObject | undefined, node: JsonObject): boolean {
  const terms: JsonObject[] = sel?.nodeSelectorTerms ?? [];
  return terms.some((t) => nodeSelectorTermMatches(t, node));
}

/** requiredNodeAffinity returns the pod's spec.nodeSelector + required node affinity as a node predicate (nodeaffinity.GetRequiredNodeAffinity). */
export function requiredNodeAffinity(pod: JsonObject): (node: JsonObject) => boolean {
  const nodeSelector: Labels = pod.spec?.nodeSelector ?? {};
  const entries = Object.entries(nodeSelector);
  const required: JsonObject | undefined = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return (node) => {
    const labels = labelsOf(node);
    for (const [k, v] of entries) if (labels[k] !== v) return false;
    return required === undefined || required === null || nodeSelectorMatches(required, node);
  };
}

/** pvNodeAffinityMatches checks a PV's spec.nodeAffinity.required against a node (no affinity → matches). */
export function pvNodeAffinityMatches(pv: JsonObject, node: JsonObject): boolean {
  const req = pv.spec?.nodeAffinity?.required;
  return req === undefined || req === null || nodeSelectorMatches(req, node);
}

/** topologyTermsMatch is MatchTopologySelectorTerms: no terms → true; else any term whose every labelExpression matches. */
export function topologyTermsMatch(terms: readonly JsonObject[] | undefined, labels: Labels): boolean {
  if (!terms || terms.length === 0) return true;
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e: JsonObject) =>
    Object.hasOwn(labels, e.key) && (e.values ?? []).includes(labels[e.key])));
}

/** tolerates says whether a toleration tolerates a taint (v1.Toleration.ToleratesTaint). */
export function tolerates(t: JsonObject, taint: JsonObject): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.operator || t.operator === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return t.operator === 'Exists';
}

/** hasUntoleratedTaint says whether the node has a NoSchedule/NoExecute taint the pod does not tolerate. */
export function hasUntoleratedTaint(node: JsonObject, pod: JsonObject): boolean {
  const tolerations: JsonObject[] = pod.spec?.tolerations ?? [];
  for (const taint of (node.spec?.taints ?? []) as JsonObject[]) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => tolerates(t, taint))) return true;
  }
  return false;
}

/** podPriority is spec.priority (0 when unset). */
export function podPriority(pod: JsonObject): number { return Number(pod.spec?.priority ?? 0); }

/** podStartTime is status.startTime in ms (or `fallback` — upstream uses "now" — when unset). */
export function podStartTime(pod: JsonObject, fallback: number): number {
  const t = Date.parse(pod.status?.startTime ?? '');
  return Number.isNaN(t) ? fallback : t;
}

/** moreImportant orders pods as util.MoreImportantPod: higher priority first, then earlier start. */
export function moreImportant(a: JsonObject, b: JsonObject, now: number): number {
  const d = podPriority(b) - podPriority(a);
  return d !== 0 ? d : podStartTime(a, now) - podStartTime(b, now);
}

function emptyResources(): Resources { return { milliCPU: 0, memory: 0, ephemeralStorage: 0, pods: 0, scalar: {} }; }

function addResources(to: Resources, r: Resources, sign: number): void {
  to.milliCPU += sign * r.milliCPU;
  to.memory += sign * r.memory;
  to.ephemeralStorage += sign * r.ephemeralStorage;
  for (const [k, v] of Object.entries(r.scalar)) to.scalar[k] = (to.scalar[k] ?? 0) + sign * v;
}

function cloneResources(r: Resources): Resources { return { ...r, scalar: { ...r.scalar } }; }

/** nodeInfoWithout is a what-if copy of `base` without the `removed` pods (sums, ports and affinity indexes adjusted). */
export function nodeInfoWithout(base: NodeInfo, removed: ReadonlySet<PodInfo>): NodeInfo {
  if (removed.size === 0) return base;
  const pods = base.pods.filter((p) => !removed.has(p));
  const requested = cloneResources(base.requested);
  const nonZeroRequested = cloneResources(base.nonZeroRequested);
  const gone = base.pods.length - pods.length;
  for (const p of base.pods) {
    if (!removed.has(p)) continue;
    addResources(requested, p.requests, -1);
    addResources(nonZeroRequested, p.nonZeroRequests, -1);
  }
  requested.pods -= gone;
  nonZeroRequested.pods -= gone;
  const stillUsed = new Set(pods.flatMap((p) => p.hostPorts));
  const usedPorts = new Set([...base.usedPorts].filter((port) => stillUsed.has(port) || !base.pods.some((p) => removed.has(p) && p.hostPorts.includes(port))));
  return {
    name: base.name, node: base.node, pods, allocatable: base.allocatable, requested, nonZeroRequested, usedPorts,
    podsWithAffinity: base.podsWithAffinity.filter((p) => !removed.has(p)),
    podsWithRequiredAntiAffinity: base.podsWithRequiredAntiAffinity.filter((p) => !removed.has(p)),
  };
}

// ---- builders (tests and what-if snapshots) ----

function containerRequests(pod: JsonObject): Resources {
  const r = emptyResources();
  for (const c of (pod.spec?.containers ?? []) as JsonObject[]) {
    const req = c.resources?.requests ?? {};
    r.milliCPU += Math.round((parseQuantity(req.cpu) ?? 0) * 1000);
    r.memory += parseQuantity(req.memory) ?? 0;
    r.ephemeralStorage += parseQuantity(req['ephemeral-storage']) ?? 0;
  }
  r.pods = 1;
  return r;
}

/** makePodInfo builds a PodInfo from a pod (container requests summed; non-zero defaults 100m / 200Mi). */
export function makePodInfo(pod: JsonObject): PodInfo {
  const requests = containerRequests(pod);
  const nonZeroRequests = { ...cloneResources(requests), milliCPU: requests.milliCPU || 100, memory: requests.memory || 200 * 2 ** 20 };
  const hostPorts: string[] = [];
  for (const c of (pod.spec?.containers ?? []) as JsonObject[]) {
    for (const p of (c.ports ?? []) as JsonObject[]) if (p.hostPort) hostPorts.push(`${p.hostIP ?? '0.0.0.0'}/${p.protocol ?? 'TCP'}/${p.hostPort}`);
  }
  return { pod, key: `${namespaceOf(pod)}/${pod.metadata?.name}`, requests, nonZeroRequests, hostPorts };
}

/** makeNodeInfo builds a NodeInfo for `node` carrying `pods` (allocatable from status.allocatable). */
export function makeNodeInfo(node: JsonObject, pods: readonly PodInfo[] = []): NodeInfo {
  const alloc = node.status?.allocatable ?? {};
  const allocatable: Resources = {
    milliCPU: Math.round((parseQuantity(alloc.cpu) ?? 0) * 1000), memory: parseQuantity(alloc.memory) ?? 0,
    ephemeralStorage: parseQuantity(alloc['ephemeral-storage']) ?? 0, pods: parseQuantity(alloc.pods) ?? 110, scalar: {},
  };
  const requested = emptyResources();
  const nonZeroRequested = emptyResources();
  for (const p of pods) { addResources(requested, p.requests, 1); addResources(nonZeroRequested, p.nonZeroRequests, 1); }
  requested.pods = nonZeroRequested.pods = pods.length;
  return {
    name: node.metadata?.name, node, pods, allocatable, requested, nonZeroRequested,
    usedPorts: new Set(pods.flatMap((p) => p.hostPorts)),
    podsWithAffinity: pods.filter((p) => hasAffinity(p.pod)),
    podsWithRequiredAntiAffinity: pods.filter((p) => hasRequiredAntiAffinity(p.pod)),
  };
}

/** makeSnapshot builds a Snapshot over node infos. */
export function makeSnapshot(nodes: readonly NodeInfo[]): Snapshot {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  return {
    nodes, get: (name) => byName.get(name),
    havePodsWithAffinity: nodes.filter((n) => n.podsWithAffinity.length > 0),
    havePodsWithRequiredAntiAffinity: nodes.filter((n) => n.podsWithRequiredAntiAffinity.length > 0),
  };
}

/** makeListers builds Listers over plain arrays of objects (the arrays may be mutated later; reads see the changes). */
export function makeListers(objs: { namespaces?: JsonObject[]; pvcs?: JsonObject[]; pvs?: JsonObject[]; storageClasses?: JsonObject[]; pdbs?: JsonObject[]; priorityClasses?: JsonObject[] }): Listers {
  const by = (list: JsonObject[] | undefined, ns: string | undefined, name: string): JsonObject | undefined =>
    (list ?? []).find((o) => o.metadata?.name === name && (ns === undefined || namespaceOf(o) === ns));
  return {
    pvc: (ns, name) => by(objs.pvcs, ns, name),
    pv: (name) => by(objs.pvs, undefined, name),
    pvs: () => objs.pvs ?? [],
    storageClass: (name) => by(objs.storageClasses, undefined, name),
    namespace: (name) => by(objs.namespaces, undefined, name),
    namespaces: () => objs.namespaces ?? [],
    priorityClass: (name) => by(objs.priorityClasses, undefined, name),
    pdbs: (ns) => (objs.pdbs ?? []).filter((p) => namespaceOf(p) === ns),
  };
}
