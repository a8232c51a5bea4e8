/**
 * @module scheduler/plugins/registry — the default profile's plugins in upstream's order (which
 * fixes the order at every extension point: Filter starts with NodeUnschedulable, NodeName,
 * TaintToleration, NodeAffinity; PreFilter with NodeAffinity), ending with the given binder.
 */
import type { BindPlugin, Listers, Plugin } from '../framework.ts';
import { newBalancedAllocation } from './balanced-allocation.ts';
import { newDefaultPreemption } from './default-preemption.ts';
import { newInterPodAffinity } from './inter-pod-affinity.ts';
import { newNodeAffinity } from './node-affinity.ts';
import { newNodeName } from './node-name.ts';
import { newNodePorts } from './node-ports.ts';
import { newNodeResourcesFit } from './node-resources-fit.ts';
import { newNodeUnschedulable } from './node-unschedulable.ts';
import { newPodTopologySpread } from './pod-topology-spread.ts';
import { newTaintToleration } from './taint-toleration.ts';
import { newVolumeBinding } from './volume-binding.ts';

/** defaultPlugins returns fresh instances of the default plugins, `binder` last; `listers` reach the plugins that read them
 * (they also get them from the Handle the runner passes to PreFilter). */
export function defaultPlugins(binder: BindPlugin, listers?: Listers): Plugin[] {
  return [
    newNodeUnschedulable(), newNodeName(), newTaintToleration(), newNodeAffinity(), newNodePorts(), newNodeResourcesFit(),
    newVolumeBinding(listers), newPodTopologySpread(), newInterPodAffinity(listers), newBalancedAllocation(), newDefaultPreemption(), binder,
  ];
}

/** basicPlugins returns only this folder's basic plugins (no volumes, affinity, spreading or preemption), `binder` last. */
export function basicPlugins(binder: BindPlugin): Plugin[] {
  return [
    newNodeUnschedulable(), newNodeName(), newTaintToleration(), newNodeAffinity(), newNodePorts(), newNodeResourcesFit(),
    newBalancedAllocation(), binder,
  ];
}
