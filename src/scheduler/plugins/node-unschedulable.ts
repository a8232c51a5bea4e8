/**
 * @module scheduler/plugins/node-unschedulable — NodeUnschedulable: a cordoned node
 * (spec.unschedulable) takes only pods that tolerate node.kubernetes.io/unschedulable:NoSchedule.
 */
import { always, status, SUCCESS, type ClusterEvent, type EnqueueExtensions, type FilterPlugin, type Status } from '../framework.ts';
import { isUnschedulable, podTolerations, tolerated, type Taint } from './helpers.ts';

/** NODE_UNSCHEDULABLE_REASON is upstream's reason for a cordoned node. */
export const NODE_UNSCHEDULABLE_REASON = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** newNodeUnschedulable returns the NodeUnschedulable plugin. */
export function newNodeUnschedulable(): FilterPlugin & EnqueueExtensions {
  const rejected: Status = { ...status('UnschedulableAndUnresolvable', NODE_UNSCHEDULABLE_REASON), plugin: 'NodeUnschedulable' };
  return {
    name: 'NodeUnschedulable',
    byNodeClass: always,
    filter(_state, pod, node) {
      if (!isUnschedulable(node)) return SUCCESS;
      return tolerated(podTolerations(pod.pod), UNSCHEDULABLE_TAINT) ? SUCCESS : rejected;
    },
    eventsToRegister: (): ClusterEvent[] => ['NodeAdd', 'NodeUpdate'],
  };
}
