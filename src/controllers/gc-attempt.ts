/**
 * @module controllers/gc-attempt — the garbage collector's decisions (upstream's attemptToDeleteItem,
 * processDeletingDependentsItem and attemptToOrphan), acting through the API. Every deletion is
 * preceded by live reads: the item itself (uid must still match) and each of its owners (a 404 or a
 * different uid means the owner is gone), so a stale cache never deletes a live dependent.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import type { ApiClient } from '../client/index.ts';
import type { ReconcileResult } from './controller.ts';
import type { EventRecorder } from './deployment-events.ts';
import type { KindMapper, DiscoveredResource } from './gc-discovery.ts';
import {
  FOREGROUND_FINALIZER, ORPHAN_FINALIZER, isDeletingDependents, ownerRefsOf,
  type DependencyGraph, type GraphNode, type Identity, type Work,
} from './gc-graph.ts';
import type { OwnerReference } from './workload.ts';

/** GC_FIELD_MANAGER is the field manager of the collector's writes. */
export const GC_FIELD_MANAGER = 'generic-garbage-collector';

/** RETRY_UNKNOWN_MS is how long an item whose owner kind is not (yet) served waits before another look. */
export const RETRY_UNKNOWN_MS = 30_000;
/** RETRY_UNOBSERVED_MS is how long a verified-present but not yet observed owner waits. */
export const RETRY_UNOBSERVED_MS = 2_000;

/** CollectorDeps are what the decisions need from the controller around them. */
export interface CollectorDeps {
  readonly client: ApiClient;
  readonly graph: DependencyGraph;
  mapper(): KindMapper;
  /** watched says whether an informer follows the resource (else a virtual owner can never become observed). */
  watched(res: DiscoveredResource): boolean;
  /** apply feeds the graph's follow-up work into the queue. */
  apply(work: Work): void;
  readonly events: EventRecorder;
}

type OwnerState = { state: 'dangling' } | { state: 'solid' | 'waiting'; ref: OwnerReference } | { state: 'invalid'; ref: OwnerReference } | { state: 'unknown'; ref: OwnerReference };

/** BoundedSet is a small LRU of keys (upstream's absentOwnerCache). */
export class BoundedSet {
  readonly #max: number;
  readonly #m = new Map<string, true>();
  constructor(max: number) { this.#max = max; }
  has(k: string): boolean {
    if (!this.#m.has(k)) return false;
    this.#m.delete(k); this.#m.set(k, true);
    return true;
  }
  add(k: string): void {
    this.#m.delete(k); this.#m.set(k, true);
    if (this.#m.size > this.#max) this.#m.delete(this.#m.keys().next().value as string);
  }
}

/** Collector carries out the garbage collector's decisions for one uid at a time. */
export class Collector {
  readonly #d: CollectorDeps;
  readonly #absent = new BoundedSet(500);

  constructor(deps: CollectorDeps) { this.#d = deps; }

  #resOf(id: Identity): DiscoveredResource | undefined {
    return id.res ?? this.#d.mapper().resourceFor(id.apiVersion, id.kind);
  }

  async #live(res: DiscoveredResource, ns: string, name: string): Promise<JsonObject | undefined> {
    try {
      return await this.#d.client.get(res, res.namespaced ? ns : '', name);
    } catch (e) {
      if (isStatusError(e, 404)) return undefined;
      throw e;
    }
  }

  /** attemptToDelete decides about the object with `uid`: verify it, release its foreground finalizer, or delete it when every owner is gone. */
  async attemptToDelete(uid: string): Promise<ReconcileResult | void> {
    const n = this.#d.graph.get(uid);
    if (!n) return;
    if (n.observed && n.beingDeleted && !isDeletingDependents(n)) return;
    const res = this.#resOf(n.identity);
    if (!res) return { requeueAfterMs: RETRY_UNKNOWN_MS };
    if (!n.observed && res.namespaced && !n.identity.namespace) return; // only cluster-scoped dependents name it: invalid, see below
    const latest = await this.#live(res, n.identity.namespace, n.identity.name);
    if (!latest || latest.metadata?.uid !== uid) {
      // Gone (or replaced): a virtual delete tells its dependents.
      this.#d.apply(this.#d.graph.remove(uid));
      return;
    }
    if (!n.observed) return this.#d.watched(res) ? { requeueAfterMs: RETRY_UNOBSERVED_MS } : undefined;
    if (isDeletingDependents(n)) return this.#processDeletingDependents(n);
    const refs = ownerRefsOf(latest);
    if (refs.length === 0) return;
    const states: OwnerState[] = [];
    for (const ref of refs) states.push(await this.#classify(ref, n));
    if (states.some((s) => s.state === 'invalid')) {
      const bad = states.find((s) => s.state === 'invalid') as { ref: OwnerReference };
      await this.#d.events.event(latest, n.identity.apiVersion, n.identity.kind, 'Warning', 'OwnerRefInvalidNamespace',
        `ownerRef [${bad.ref.apiVersion}/${bad.ref.kind}, namespace: , name: ${bad.ref.name}, uid: ${bad.ref.uid}] does not exist in namespace ""`);
      return; // a cluster-scoped object cannot have a namespaced owner: never collected
    }
    if (states.some((s) => s.state === 'unknown')) return { requeueAfterMs: RETRY_UNKNOWN_MS };
    const solid = states.filter((s) => s.state === 'solid');
    const dangling = refs.filter((_r, i) => states[i].state === 'dangling');
    const waiting = refs.filter((_r, i) => states[i].state === 'waiting');
    for (const r of dangling) {
      // The uid lives in another namespace: the reference can never resolve (upstream warns the same way).
      const o = this.#d.graph.get(r.uid);
      if (o?.observed && o.identity.res?.namespaced && o.identity.namespace !== n.identity.namespace) {
        await this.#d.events.event(latest, n.identity.apiVersion, n.identity.kind, 'Warning', 'OwnerRefInvalidNamespace',
          `ownerRef [${r.apiVersion}/${r.kind}, namespace: ${n.identity.namespace}, name: ${r.name}, uid: ${r.uid}] does not exist in namespace "${n.identity.namespace}"`);
      }
    }
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      await this.removeOwnerRefs(res, n, new Set([...dangling, ...waiting].map((r) => r.uid)));
      return;
    }
    if (waiting.length > 0 && n.dependents.size > 0) {
      // Break a possible cycle: dependents that wait for their own dependents must not block us.
      if (this.#d.graph.dependentsOf(n).some(isDeletingDependents)) await this.#unblockOwnerRefs(res, n, new Set(waiting.map((r) => r.uid)));
      await this.#delete(res, n, 'Foreground');
      return;
    }
    const fin = (latest.metadata?.finalizers ?? []) as string[];
    await this.#delete(res, n, fin.includes(ORPHAN_FINALIZER) ? 'Orphan' : fin.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background');
  }

  async #classify(ref: OwnerReference, n: GraphNode): Promise<OwnerState> {
    const ns = n.identity.namespace;
    if (this.#absent.has(`${ref.uid}|${ref.apiVersion}|${ref.kind}|${ref.name}|`) || this.#absent.has(`${ref.uid}|${ref.apiVersion}|${ref.kind}|${ref.name}|${ns}`)) return { state: 'dangling' };
    const res = this.#d.mapper().resourceFor(ref.apiVersion, ref.kind);
    if (!res) return { state: 'unknown', ref };
    if (res.namespaced && !ns) return { state: 'invalid', ref };
    const owner = await this.#live(res, ns, ref.name);
    if (!owner || owner.metadata?.uid !== ref.uid) {
      this.#absent.add(`${ref.uid}|${ref.apiVersion}|${ref.kind}|${ref.name}|${res.namespaced ? ns : ''}`);
      return { state: 'dangling' };
    }
    const fin = (owner.metadata?.finalizers ?? []) as string[];
    return { state: owner.metadata?.deletionTimestamp && fin.includes(FOREGROUND_FINALIZER) ? 'waiting' : 'solid', ref };
  }

  async #processDeletingDependents(n: GraphNode): Promise<void> {
    const blocking = this.#d.graph.blockingDependents(n);
    if (blocking.length === 0) {
      await this.removeFinalizer(n, FOREGROUND_FINALIZER);
      return;
    }
    const work: Work = { attemptToDelete: blocking.filter((d) => !isDeletingDependents(d)).map((d) => d.identity.uid), attemptToOrphan: [] };
    this.#d.apply(work);
  }

  async #delete(res: DiscoveredResource, n: GraphNode, policy: 'Orphan' | 'Foreground' | 'Background'): Promise<void> {
    try {
      await this.#d.client.delete(res, n.identity.namespace, n.identity.name, { preconditions: { uid: n.identity.uid }, propagationPolicy: policy });
    } catch (e) {
      if (isStatusError(e, 404) || isStatusError(e, 409)) return; // gone, or a new object under the name
      throw e;
    }
  }

  /** attemptToOrphan removes the owner's reference from every dependent, then the owner's `orphan` finalizer. */
  async attemptToOrphan(uid: string): Promise<void> {
    const n = this.#d.graph.get(uid);
    if (!n || !n.observed) return;
    const errors: unknown[] = [];
    for (const dep of this.#d.graph.dependentsOf(n)) {
      const res = this.#resOf(dep.identity);
      if (!res) continue;
      try { await this.removeOwnerRefs(res, dep, new Set([uid])); } catch (e) { errors.push(e); }
    }
    if (errors.length) throw errors[0];
    await this.removeFinalizer(n, ORPHAN_FINALIZER);
  }

  /** removeOwnerRefs drops the references to `uids` from the live object of `n` (a JSON patch guarded by tests). */
  async removeOwnerRefs(res: DiscoveredResource, n: GraphNode, uids: ReadonlySet<string>): Promise<void> {
    await this.#patchRefs(res, n, uids, (i) => [{ op: 'remove', path: `/metadata/ownerReferences/${i}` }], true);
  }

  async #unblockOwnerRefs(res: DiscoveredResource, n: GraphNode, uids: ReadonlySet<string>): Promise<void> {
    await this.#patchRefs(res, n, uids, (i) => [{ op: 'add', path: `/metadata/ownerReferences/${i}/blockOwnerDeletion`, value: false }], false);
  }

  async #patchRefs(res: DiscoveredResource, n: GraphNode, uids: ReadonlySet<string>, opsFor: (i: number) => JsonObject[], descending: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const latest = await this.#live(res, n.identity.namespace, n.identity.name);
      if (!latest || latest.metadata?.uid !== n.identity.uid) return;
      const refs = (latest.metadata?.ownerReferences ?? []) as OwnerReference[];
      const idx = refs.map((r, i) => (uids.has(r.uid) ? i : -1)).filter((i) => i >= 0);
      if (idx.length === 0) return;
      if (descending) idx.reverse();
      const ops: JsonObject[] = [{ op: 'test', path: '/metadata/uid', value: n.identity.uid }];
      for (const i of idx) ops.push({ op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: refs[i].uid }, ...opsFor(i));
      // Removing every reference drops the field, as an omitempty list does upstream.
      if (descending && idx.length === refs.length) ops.splice(1, ops.length, ...idx.map((i) => ({ op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: refs[i].uid })), { op: 'remove', path: '/metadata/ownerReferences' });
      try {
        await this.#d.client.patch(res, n.identity.namespace, n.identity.name, 'json', ops, { fieldManager: GC_FIELD_MANAGER });
        return;
      } catch (e) {
        if (isStatusError(e, 404)) return;
        if (attempt < 4 && (isStatusError(e, 409) || isStatusError(e, 422))) continue;
        throw e;
      }
    }
  }

  /** removeFinalizer drops `finalizer` from the live owner (merge patch with a resourceVersion precondition, retried on conflict). */
  async removeFinalizer(n: GraphNode, finalizer: string): Promise<void> {
    const res = this.#resOf(n.identity);
    if (!res) return;
    for (let attempt = 0; ; attempt++) {
      const latest = await this.#live(res, n.identity.namespace, n.identity.name);
      if (!latest || latest.metadata?.uid !== n.identity.uid) return;
      const fin = (latest.metadata?.finalizers ?? []) as string[];
      if (!fin.includes(finalizer)) return;
      const rest = fin.filter((f) => f !== finalizer);
      try {
        await this.#d.client.patch(res, n.identity.namespace, n.identity.name, 'merge',
          { metadata: { finalizers: rest.length ? rest : null, resourceVersion: latest.metadata?.resourceVersion, uid: n.identity.uid } }, { fieldManager: GC_FIELD_MANAGER });
        return;
      } catch (e) {
        if (isStatusError(e, 404)) return;
        if (attempt < 4 && isStatusError(e, 409)) continue;
        throw e;
      }
    }
  }
}
