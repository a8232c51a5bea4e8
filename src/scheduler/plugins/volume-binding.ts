/**
 * @module scheduler/plugins/volume-binding — the VolumeBinding plugin with kube-scheduler
 * semantics (the plugin plus the scheduler's volume binder). PreFilter reads the pod's claims
 * (persistentVolumeClaim and generic ephemeral volumes): missing, lost or deleting claims and
 * unbound Immediate claims are unresolvable; bound claims keep their PV, unbound
 * WaitForFirstConsumer claims get their node-independent PV candidates (class, access modes,
 * capacity, volume mode, selector, phase Available; smallest first). Filter checks per node the
 * bound PVs' node affinity and picks, per unbound claim, the smallest Available PV whose node
 * affinity matches (else dynamic provisioning if the class has a provisioner and its
 * allowedTopologies admit the node). Reserve assumes the choices in a plugin-wide cache (so the
 * next pod does not pick the same PV); PreBind writes PV claimRefs / the PVC selected-node
 * annotation through the Handle and waits until the PV controller / provisioner bound every
 * claim; Unreserve drops the assumptions.
 */
import type { JsonObject } from '../../api/index.ts';
import { matchesLabels, parseQuantity } from '../../api/index.ts';
import type {
  ClusterEvent, EnqueueExtensions, FilterPlugin, Handle, Listers, PodInfo, PreBindPlugin, PreFilterPlugin, ReservePlugin, Status,
} from '../framework.ts';
import { SKIP, status, SUCCESS } from '../framework.ts';
import { labelsOf, namespaceOf, pvNodeAffinityMatches, selectorOf, topologyTermsMatch } from './advanced-util.ts';

/** VOLUME_REASONS are the upstream texts of VolumeBinding failures. */
export const VOLUME_REASONS = {
  nodeConflict: 'node(s) had volume node affinity conflict',
  bindConflict: "node(s) didn't find available persistent volumes to bind",
  pvNotExist: 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
  unboundImmediate: 'pod has unbound immediate PersistentVolumeClaims',
} as const;

/** Annotations the binder reads and writes. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
const ANN_BETA_CLASS = 'volume.beta.kubernetes.io/storage-class';
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';
const NAME = 'VolumeBinding';
const KEY = `PreFilter${NAME}`;

/** VolumeBindingOptions tune the binder: how long PreBind waits for the claims to be bound, and how it sleeps between looks. */
export interface VolumeBindingOptions {
  readonly bindTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const nameOf = (o: JsonObject): string => o.metadata?.name ?? '';
const rvOf = (o: JsonObject | undefined): string | undefined => o?.metadata?.resourceVersion;
const annotation = (o: JsonObject, k: string): string | undefined => o.metadata?.annotations?.[k];
const claimClass = (c: JsonObject): string => annotation(c, ANN_BETA_CLASS) ?? c.spec?.storageClassName ?? '';
const pvClass = (pv: JsonObject): string => annotation(pv, ANN_BETA_CLASS) ?? pv.spec?.storageClassName ?? '';
const storageOf = (q: unknown): number => parseQuantity(q) ?? 0;
const claimRequest = (c: JsonObject): number => storageOf(c.spec?.resources?.requests?.storage);
const pvCapacity = (pv: JsonObject): number => storageOf(pv.spec?.capacity?.storage);
const claimKey = (c: JsonObject): string => `${namespaceOf(c)}/${nameOf(c)}`;

/** isFullyBound says whether the PV controller finished binding a claim (volumeName set and bind-completed, or phase Bound). */
export function isFullyBound(pvc: JsonObject): boolean {
  return Boolean(pvc.spec?.volumeName) && (annotation(pvc, ANN_BIND_COMPLETED) !== undefined || pvc.status?.phase === 'Bound');
}

function boundToClaim(pv: JsonObject, c: JsonObject): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref || ref.name !== nameOf(c) || (ref.namespace ?? '') !== namespaceOf(c)) return false;
  return !ref.uid || ref.uid === c.metadata?.uid;
}

interface Candidates { readonly claim: JsonObject; readonly prebound?: JsonObject; readonly pvs: readonly JsonObject[] }
interface PodVolumes { readonly statics: { pvc: JsonObject; pv: JsonObject }[]; readonly dynamics: JsonObject[] }
interface Reserved { readonly pvs: { pv: JsonObject; baseRv?: string }[]; readonly pvcs: { pvc: JsonObject; baseRv?: string }[] }
interface State {
  readonly skip: boolean;
  readonly listers?: Listers;
  readonly bound: readonly { claim: JsonObject; pv?: JsonObject }[];
  readonly delayed: readonly Candidates[];
  readonly byNode: Map<string, PodVolumes>;
  reserved?: Reserved;
}

/** candidatesFor lists the PVs a delayed claim could bind to before looking at nodes (FindMatchingVolume minus node affinity). */
function candidatesFor(claim: JsonObject, pvs: readonly JsonObject[]): Candidates {
  const want = claimRequest(claim);
  const cls = claimClass(claim);
  const modes: string[] = claim.spec?.accessModes ?? [];
  const sel = claim.spec?.selector ? selectorOf(claim.spec.selector) : undefined;
  const mode = claim.spec?.volumeMode ?? 'Filesystem';
  let prebound: JsonObject | undefined;
  const out: JsonObject[] = [];
  for (const pv of pvs) {
    if (pvClass(pv) !== cls) continue;
    if (pv.spec?.claimRef && !boundToClaim(pv, claim)) continue;
    if (pvCapacity(pv) < want || (pv.spec?.volumeMode ?? 'Filesystem') !== mode || pv.metadata?.deletionTimestamp) continue;
    if (boundToClaim(pv, claim)) { prebound ??= pv; continue; }
    if (pv.status?.phase !== 'Available' || (sel && !matchesLabels(sel, labelsOf(pv)))) continue;
    const pvModes: string[] = pv.spec?.accessModes ?? [];
    if (!modes.every((m) => pvModes.includes(m))) continue;
    out.push(pv);
  }
  out.sort((a, b) => pvCapacity(a) - pvCapacity(b));
  return { claim, prebound, pvs: out };
}

/** newVolumeBinding returns the VolumeBinding plugin; claims, PVs and classes are read through `listers`, or through the Handle
 * when the runner passes it to preFilter as a 4th argument (pods with claims fail with Error when neither is there). */
export function newVolumeBinding(listers?: Listers, opts: VolumeBindingOptions = {}): PreFilterPlugin & FilterPlugin & ReservePlugin & PreBindPlugin & EnqueueExtensions {
  const timeout = opts.bindTimeoutMs ?? 60_000;
  const interval = opts.pollIntervalMs ?? 250;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => { setTimeout(r, ms); }));
  const assumedPvs = new Map<string, { obj: JsonObject; baseRv?: string }>();
  const assumedPvcs = new Map<string, { obj: JsonObject; baseRv?: string }>();

  /** overlay returns the assumed version of an object until the informer shows a newer one. */
  const overlay = (m: Map<string, { obj: JsonObject; baseRv?: string }>, key: string, live: JsonObject | undefined): JsonObject | undefined => {
    const a = m.get(key);
    if (!a) return live;
    if (!live || rvOf(live) !== a.baseRv) { m.delete(key); return live; }
    return a.obj;
  };
  const getPvc = (l: Listers, ns: string, name: string): JsonObject | undefined => overlay(assumedPvcs, `${ns}/${name}`, l.pvc(ns, name));
  const getPv = (l: Listers, name: string): JsonObject | undefined => overlay(assumedPvs, name, l.pv(name));

  const delayBinding = (l: Listers, c: JsonObject): boolean => {
    const cls = claimClass(c);
    return cls !== '' && l.storageClass(cls)?.volumeBindingMode === 'WaitForFirstConsumer';
  };

  /** provisionable checks whether the claim's class can dynamically provision a volume reachable from `node` (undefined) or why not. */
  const provisionable = (l: Listers, c: JsonObject, node: JsonObject): boolean | Status => {
    const cls = claimClass(c);
    if (cls === '') return status('Error', `no class for claim "${claimKey(c)}"`);
    const sc = l.storageClass(cls);
    if (!sc) return status('Error', `failed to find storage class "${cls}"`);
    if (!sc.provisioner || sc.provisioner === NO_PROVISIONER) return false;
    return topologyTermsMatch(sc.allowedTopologies, labelsOf(node));
  };

  const drop = (r: Reserved | undefined): void => {
    for (const { pv } of r?.pvs ?? []) assumedPvs.delete(nameOf(pv));
    for (const { pvc } of r?.pvcs ?? []) assumedPvcs.delete(claimKey(pvc));
  };

  /** check is the binder's checkBindings: true when all claims are bound, false to keep waiting, a string on failure. */
  const check = (l: Listers, r: Reserved, node: JsonObject | undefined): boolean | string => {
    for (const { pv: want, baseRv } of r.pvs) {
      const pv = l.pv(nameOf(want));
      const ref = want.spec.claimRef;
      const pvc = l.pvc(ref.namespace, ref.name);
      if (!pv) return `failed to check binding: persistentvolume "${nameOf(want)}" not found`;
      if (!pvc) return `failed to check binding: persistentvolumeclaim "${ref.name}" not found`;
      if (rvOf(pv) === baseRv) return false;
      if (node && !pvNodeAffinityMatches(pv, node)) return `pv "${nameOf(pv)}" node affinity doesn't match node "${nameOf(node)}"`;
      if (!pv.spec?.claimRef || (ref.uid && !pv.spec.claimRef.uid)) return `ClaimRef got reset for pv "${nameOf(pv)}"`;
      if (!isFullyBound(pvc)) return false;
    }
    for (const { pvc: want, baseRv } of r.pvcs) {
      const pvc = l.pvc(namespaceOf(want), nameOf(want));
      if (!pvc) return `failed to check provisioning pvc: persistentvolumeclaim "${nameOf(want)}" not found`;
      if (rvOf(pvc) === baseRv) return false;
      if (annotation(pvc, ANN_SELECTED_NODE) !== annotation(want, ANN_SELECTED_NODE)) return `provisioning failed for PVC "${nameOf(pvc)}"`;
      if (pvc.spec?.volumeName) {
        const pv = l.pv(pvc.spec.volumeName);
        if (!pv) return false;
        if (node && !pvNodeAffinityMatches(pv, node)) return `pv "${nameOf(pv)}" node affinity doesn't match node "${nameOf(node)}"`;
      }
      if (!isFullyBound(pvc)) return false;
    }
    return true;
  };

  return {
    name: NAME,

    eventsToRegister: (): readonly ClusterEvent[] => ['PvcAdd', 'PvcUpdate', 'PvAdd', 'PvUpdate', 'StorageClassAdd', 'NodeAdd', 'NodeUpdate'],

    preFilter(cs, pi, _snapshot, handle?: { readonly listers: Listers }) {
      const l = handle?.listers ?? listers;
      const pod = pi.pod;
      const ns = namespaceOf(pod);
      const claims: JsonObject[] = [];
      for (const vol of (pod.spec?.volumes ?? []) as JsonObject[]) {
        const ephemeral = Boolean(vol.ephemeral);
        const name: string | undefined = vol.persistentVolumeClaim?.claimName ?? (ephemeral ? `${nameOf(pod)}-${vol.name}` : undefined);
        if (name === undefined) continue;
        if (!l) return { status: status('Error', 'VolumeBinding has no listers') };
        const pvc = getPvc(l, ns, name);
        const unresolvable = (msg: string): { status: Status } => ({ status: status('UnschedulableAndUnresolvable', msg) });
        if (!pvc) return unresolvable(ephemeral ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${name}"` : `persistentvolumeclaim "${name}" not found`);
        if (pvc.status?.phase === 'Lost') return unresolvable(`persistentvolumeclaim "${name}" bound to non-existent persistentvolume "${pvc.spec?.volumeName ?? ''}"`);
        if (pvc.metadata?.deletionTimestamp) return unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
        if (ephemeral && !(pvc.metadata?.ownerReferences ?? []).some((o: JsonObject) => o.controller && o.uid === pod.metadata?.uid)) {
          return unresolvable(`PVC ${ns}/${name} was not created for pod ${ns}/${nameOf(pod)} (pod is not owner)`);
        }
        claims.push(pvc);
      }
      if (claims.length === 0 || !l) {
        cs.write(KEY, { skip: true, bound: [], delayed: [], byNode: new Map() } satisfies State);
        // As upstream: a pod without claims switches this plugin's Filter off for the cycle.
        return { status: claims.length === 0 ? SKIP : SUCCESS };
      }
      const bound: { claim: JsonObject; pv?: JsonObject }[] = [];
      const delayedClaims: JsonObject[] = [];
      for (const c of claims) {
        if (isFullyBound(c)) bound.push({ claim: c, pv: getPv(l, c.spec.volumeName) });
        else if (delayBinding(l, c) && !c.spec?.volumeName) delayedClaims.push(c);
        else return { status: status('UnschedulableAndUnresolvable', VOLUME_REASONS.unboundImmediate) };
      }
      let delayed: Candidates[] = [];
      if (delayedClaims.length > 0) {
        const pvs = l.pvs().map((pv) => getPv(l, nameOf(pv)) ?? pv);
        delayed = delayedClaims.sort((a, b) => claimRequest(a) - claimRequest(b)).map((c) => candidatesFor(c, pvs));
      }
      cs.write(KEY, { skip: false, listers: l, bound, delayed, byNode: new Map() } satisfies State);
      return { status: SUCCESS };
    },

    filter(cs, _pod, ni) {
      const s = cs.read<State>(KEY);
      if (!s) return status('Error', `reading "${KEY}" from cycleState: not found`);
      if (s.skip || !s.listers) return SUCCESS;
      const node = ni.node;
      let boundOk = true;
      let pvsFound = true;
      for (const b of s.bound) {
        if (!b.pv) { pvsFound = false; break; }
        if (!pvNodeAffinityMatches(b.pv, node)) { boundOk = false; break; }
      }
      let unboundOk = true;
      const statics: { pvc: JsonObject; pv: JsonObject }[] = [];
      const dynamics: JsonObject[] = [];
      const toProvision: JsonObject[] = [];
      const chosen = new Set<string>();
      for (const d of s.delayed) {
        const selected = annotation(d.claim, ANN_SELECTED_NODE);
        if (selected !== undefined) {
          if (selected !== ni.name) { unboundOk = false; break; }
          toProvision.push(d.claim);
          continue;
        }
        let pick: JsonObject | undefined;
        if (d.prebound && !chosen.has(nameOf(d.prebound))) pick = pvNodeAffinityMatches(d.prebound, node) ? d.prebound : undefined;
        else pick = d.pvs.find((pv) => !chosen.has(nameOf(pv)) && pvNodeAffinityMatches(pv, node));
        if (pick) { chosen.add(nameOf(pick)); statics.push({ pvc: d.claim, pv: pick }); } else toProvision.push(d.claim);
      }
      if (unboundOk) {
        for (const c of toProvision) {
          const p = provisionable(s.listers, c, node);
          if (typeof p !== 'boolean') return p;
          if (!p) { unboundOk = false; break; }
          dynamics.push(c);
        }
      }
      const reasons: string[] = [];
      if (!boundOk) reasons.push(VOLUME_REASONS.nodeConflict);
      if (!unboundOk) reasons.push(VOLUME_REASONS.bindConflict);
      if (!pvsFound) reasons.push(VOLUME_REASONS.pvNotExist);
      if (reasons.length > 0) return status('UnschedulableAndUnresolvable', ...reasons);
      s.byNode.set(ni.name, { statics, dynamics });
      return SUCCESS;
    },

    reserve(cs, _pod, nodeName) {
      const s = cs.read<State>(KEY);
      const v = s?.byNode.get(nodeName);
      if (!s || !v || (v.statics.length === 0 && v.dynamics.length === 0)) return SUCCESS;
      const r: Reserved = { pvs: [], pvcs: [] };
      for (const { pv, pvc } of v.statics) {
        const clone = structuredClone(pv);
        const needsAnn = !boundToClaim(pv, pvc);
        const ref = pv.spec?.claimRef;
        if (!ref || ref.name !== nameOf(pvc) || ref.namespace !== namespaceOf(pvc) || ref.uid !== pvc.metadata?.uid) {
          clone.spec.claimRef = {
            kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: namespaceOf(pvc), name: nameOf(pvc),
            ...(pvc.metadata?.uid ? { uid: pvc.metadata.uid } : {}), ...(rvOf(pvc) ? { resourceVersion: rvOf(pvc) } : {}),
          };
        }
        if (needsAnn && annotation(clone, ANN_BOUND_BY_CONTROLLER) === undefined) {
          clone.metadata.annotations = { ...clone.metadata.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' };
        }
        const baseRv = rvOf(s.listers?.pv(nameOf(pv)));
        assumedPvs.set(nameOf(pv), { obj: clone, baseRv });
        r.pvs.push({ pv: clone, baseRv });
      }
      for (const pvc of v.dynamics) {
        const clone = structuredClone(pvc);
        clone.metadata.annotations = { ...clone.metadata.annotations, [ANN_SELECTED_NODE]: nodeName };
        const baseRv = rvOf(s.listers?.pvc(namespaceOf(pvc), nameOf(pvc)));
        assumedPvcs.set(claimKey(pvc), { obj: clone, baseRv });
        r.pvcs.push({ pvc: clone, baseRv });
      }
      s.reserved = r;
      return SUCCESS;
    },

    unreserve(cs) {
      const s = cs.read<State>(KEY);
      drop(s?.reserved);
      if (s) s.reserved = undefined;
    },

    async preBind(cs, _pod: PodInfo, nodeName: string, handle: Handle) {
      const s = cs.read<State>(KEY);
      const r = s?.reserved;
      if (!r) return SUCCESS;
      try {
        for (const { pv } of r.pvs) await handle.updatePv(pv);
        for (const { pvc } of r.pvcs) await handle.updatePvc(pvc);
      } catch (e) {
        return status('Error', `binding volumes: ${(e as Error).message}`);
      }
      const deadline = handle.now() + timeout;
      for (;;) {
        const done = check(handle.listers, r, handle.snapshot().get(nodeName)?.node);
        if (typeof done === 'string') return status('Error', `binding volumes: ${done}`);
        if (done) { drop(r); return SUCCESS; }
        if (handle.now() >= deadline) return status('Error', 'binding volumes: context deadline exceeded');
        await sleep(interval);
      }
    },
  };
}
