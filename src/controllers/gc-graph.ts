/**
 * @module controllers/gc-graph — the garbage collector's dependency graph (upstream's GraphBuilder):
 * one node per uid, observed (seen in an informer) or virtual (only referenced as an owner), with
 * its owner references and its dependents. Applying an informer event updates the graph and
 * returns what the collector must look at: uids to *attempt to delete* (dependents whose owner
 * vanished, virtual owners to verify, owners waiting for dependents) and uids to *orphan*.
 */
import type { JsonObject } from '../api/index.ts';
import type { OwnerReference } from './workload.ts';
import type { DiscoveredResource } from './gc-discovery.ts';

/** FOREGROUND_FINALIZER holds an owner until its blocking dependents are gone. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** ORPHAN_FINALIZER holds an owner until its dependents no longer reference it. */
export const ORPHAN_FINALIZER = 'orphan';

/** Identity is where an object lives: its resource (when known), namespace, name and the reference's apiVersion/kind. */
export interface Identity {
  readonly uid: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** res is the informer's resource for observed nodes; virtual nodes resolve theirs through the mapper. */
  readonly res?: DiscoveredResource;
}

/** GraphNode is one object of the graph. */
export interface GraphNode {
  identity: Identity;
  observed: boolean;
  owners: OwnerReference[];
  readonly dependents: Set<string>;
  beingDeleted: boolean;
  finalizers: string[];
}

/** Work is what an event asks the collector to do. */
export interface Work {
  readonly attemptToDelete: string[];
  readonly attemptToOrphan: string[];
}

/** deletingDependents says whether a node waits for its dependents (deletionTimestamp + foregroundDeletion). */
export function isDeletingDependents(n: GraphNode): boolean {
  return n.beingDeleted && n.finalizers.includes(FOREGROUND_FINALIZER);
}

/** ownerRefsOf returns an object's owner references (valid ones: uid present). */
export function ownerRefsOf(obj: JsonObject): OwnerReference[] {
  const refs = obj.metadata?.ownerReferences;
  return Array.isArray(refs) ? (refs as OwnerReference[]).filter((r) => r && typeof r.uid === 'string' && r.uid) : [];
}

function apiVersionOfRes(r: DiscoveredResource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** DependencyGraph is the uid → node graph, fed by informer events. */
export class DependencyGraph {
  readonly nodes = new Map<string, GraphNode>();

  /** get returns the node of `uid`. */
  get(uid: string): GraphNode | undefined { return this.nodes.get(uid); }

  /** blockingDependents lists the observed dependents whose reference to `owner` has blockOwnerDeletion. */
  blockingDependents(owner: GraphNode): GraphNode[] {
    const out: GraphNode[] = [];
    for (const d of owner.dependents) {
      const n = this.nodes.get(d);
      if (n?.owners.some((r) => r.uid === owner.identity.uid && r.blockOwnerDeletion === true)) out.push(n);
    }
    return out;
  }

  /** dependentsOf lists the nodes that reference `owner`. */
  dependentsOf(owner: GraphNode): GraphNode[] {
    return [...owner.dependents].map((d) => this.nodes.get(d)).filter((n): n is GraphNode => n !== undefined);
  }

  #addDependent(ref: OwnerReference, dep: GraphNode, work: Work): void {
    let owner = this.nodes.get(ref.uid);
    if (!owner) {
      // A virtual node: referenced, not (yet) observed. The collector verifies it with a live read.
      const namespace = dep.identity.namespace;
      owner = { identity: { uid: ref.uid, apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, namespace }, observed: false, owners: [], dependents: new Set(), beingDeleted: false, finalizers: [] };
      this.nodes.set(ref.uid, owner);
      work.attemptToDelete.push(ref.uid);
    } else if (isDeletingDependents(owner)) {
      // A new dependent of an owner in foreground deletion goes too.
      work.attemptToDelete.push(dep.identity.uid);
    }
    owner.dependents.add(dep.identity.uid);
  }

  #removeDependent(ownerUid: string, depUid: string): void {
    const owner = this.nodes.get(ownerUid);
    if (!owner) return;
    owner.dependents.delete(depUid);
    if (!owner.observed && owner.dependents.size === 0) this.nodes.delete(ownerUid);
  }

  /** upsert applies an add/update of `obj` served by `res`. */
  upsert(obj: JsonObject, res: DiscoveredResource): Work {
    const work: Work = { attemptToDelete: [], attemptToOrphan: [] };
    const m = obj.metadata ?? {};
    const uid = String(m.uid ?? '');
    if (!uid) return work;
    const identity: Identity = { uid, apiVersion: apiVersionOfRes(res), kind: res.kind, name: String(m.name ?? ''), namespace: res.namespaced ? String(m.namespace ?? '') : '', res };
    const owners = ownerRefsOf(obj);
    const finalizers = Array.isArray(m.finalizers) ? [...(m.finalizers as string[])] : [];
    const beingDeleted = Boolean(m.deletionTimestamp);
    let n = this.nodes.get(uid);
    const wasDeletingDependents = n?.observed === true && isDeletingDependents(n);
    const wasOrphaning = n?.observed === true && n.beingDeleted && n.finalizers.includes(ORPHAN_FINALIZER);
    const oldOwners = n?.observed ? n.owners : [];
    if (!n) {
      n = { identity, observed: true, owners, dependents: new Set(), beingDeleted, finalizers };
      this.nodes.set(uid, n);
    } else {
      n.identity = identity;
      n.observed = true;
      n.owners = owners;
      n.beingDeleted = beingDeleted;
      n.finalizers = finalizers;
    }
    const oldByUid = new Map(oldOwners.map((r) => [r.uid, r]));
    const newByUid = new Map(owners.map((r) => [r.uid, r]));
    for (const r of owners) if (!oldByUid.has(r.uid)) this.#addDependent(r, n, work);
    for (const r of oldOwners) {
      const now = newByUid.get(r.uid);
      const changedBlock = now !== undefined && (now.blockOwnerDeletion === true) !== (r.blockOwnerDeletion === true);
      if (now === undefined) this.#removeDependent(r.uid, uid);
      // An owner waiting for its blocking dependents may be able to go now.
      if (now === undefined || changedBlock) {
        const o = this.nodes.get(r.uid);
        if (o && isDeletingDependents(o)) work.attemptToDelete.push(o.identity.uid);
      }
    }
    if (isDeletingDependents(n) && !wasDeletingDependents) {
      for (const d of n.dependents) work.attemptToDelete.push(d);
      work.attemptToDelete.push(uid);
    }
    if (beingDeleted && finalizers.includes(ORPHAN_FINALIZER) && !wasOrphaning) work.attemptToOrphan.push(uid);
    return work;
  }

  /** remove applies the deletion of the object with `uid` (an informer delete or a verified absence). */
  remove(uid: string): Work {
    const work: Work = { attemptToDelete: [], attemptToOrphan: [] };
    const n = this.nodes.get(uid);
    if (!n) return work;
    this.nodes.delete(uid);
    for (const r of n.owners) {
      this.#removeDependent(r.uid, uid);
      const o = this.nodes.get(r.uid);
      if (o && isDeletingDependents(o)) work.attemptToDelete.push(o.identity.uid);
    }
    // Dependents re-check their owners with live reads; a later reference to this uid makes a new virtual node.
    for (const d of n.dependents) work.attemptToDelete.push(d);
    return work;
  }
}
