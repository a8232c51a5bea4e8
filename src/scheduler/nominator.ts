/**
 * @module scheduler/nominator — the pods nominated to a node by preemption (status.nominatedNodeName
 * or the scheduler's in-memory nomination before that status is written). Filters account for
 * nominated pods of equal or higher priority so the room preemption made is not taken by others.
 */
import type { JsonObject } from '../api/index.ts';
import type { PodInfo } from './framework.ts';

/** Nominator tracks nominated pods by node. */
export class Nominator {
  readonly #byNode = new Map<string, PodInfo[]>();
  readonly #nodeOf = new Map<string, string>();

  /** add records the pod's nomination: `nodeName`, else its status.nominatedNodeName (nothing when neither). */
  add(pi: PodInfo, nodeName?: string): void {
    const node = nodeName || String(pi.pod.status?.nominatedNodeName ?? '');
    this.delete(pi.key);
    if (!node) return;
    this.#nodeOf.set(pi.key, node);
    const list = this.#byNode.get(node);
    if (list) list.push(pi); else this.#byNode.set(node, [pi]);
  }

  /** update re-records a pod; an in-memory nomination survives an update that has no nominatedNodeName yet. */
  update(oldPod: JsonObject, pi: PodInfo): void {
    let node = String(pi.pod.status?.nominatedNodeName ?? '');
    if (!node && !oldPod.status?.nominatedNodeName) node = this.#nodeOf.get(pi.key) ?? '';
    this.add(pi, node);
  }

  /** delete forgets the pod's nomination. */
  delete(key: string): void {
    const node = this.#nodeOf.get(key);
    if (node === undefined) return;
    this.#nodeOf.delete(key);
    const list = (this.#byNode.get(node) ?? []).filter((p) => p.key !== key);
    if (list.length) this.#byNode.set(node, list); else this.#byNode.delete(node);
  }

  /** nodeOf returns the node a pod is nominated to. */
  nodeOf(key: string): string | undefined { return this.#nodeOf.get(key); }

  /** podsForNode lists the pods nominated to a node. */
  podsForNode(nodeName: string): readonly PodInfo[] { return this.#byNode.get(nodeName) ?? []; }

  /** size is the number of nominated pods. */
  get size(): number { return this.#nodeOf.size; }
}
